// Command benchingest measures the ingest API's throughput for
// scripts/bench-ingest.sh: it POSTs -records new penalties in batches of
// -batch to /api/v1/admin/penalties of a running portal, from -workers
// concurrent clients, and prints the records per second of the whole run.
//
// The records look like a bureau's: the eleven bureaus of the demo data
// (so they join agencies a demo load created), decisions of the last 30
// days, companies, 个体工商户 and natural persons of the bureaus'
// districts with valid credit codes and ID numbers, some of them fined more
// than once, warnings and fines of varied amounts. Every record has its own
// decision number, written (苏吴中)应急罚〔2026〕N号, a form the demo data
// never uses, so that every record is new. All request bodies are encoded
// before the clock starts; only the POSTs are timed. Every response must be
// 2xx and report each record of its batch as created, so a failing ingest
// cannot pass for a fast one.
//
//	benchingest -base http://127.0.0.1:18580 -key SECRET [-records 20000] [-batch 500] [-workers 2]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gongshi/gongshi/internal/demo"
	"github.com/gongshi/gongshi/internal/domain"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "benchingest:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("benchingest", flag.ContinueOnError)
	base := fs.String("base", "", "the portal's base URL (loopback)")
	key := fs.String("key", "", "an API key of scope ingest")
	records := fs.Int("records", 20_000, "penalties to post")
	batch := fs.Int("batch", 500, "records per POST (at most 1000)")
	workers := fs.Int("workers", 2, "concurrent clients")
	first := fs.Int("first", 1, "number of the first decision (decision numbers are first … first+records-1)")
	seed := fs.Uint64("seed", 20261203, "random seed of the records")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
		return fmt.Errorf("-base must be a loopback URL, got %q", *base)
	}
	switch {
	case *key == "":
		return errors.New("-key is required")
	case *records < 1:
		return fmt.Errorf("-records must be at least 1, got %d", *records)
	case *batch < 1 || *batch > 1000:
		return fmt.Errorf("-batch must be 1 to 1000, got %d", *batch)
	case *workers < 1:
		return fmt.Errorf("-workers must be at least 1, got %d", *workers)
	case *first < 1:
		return fmt.Errorf("-first must be at least 1, got %d", *first)
	}

	g := newGen(*seed, *records, time.Now())
	var bodies [][]byte
	var sizes []int
	for i := 0; i < *records; i += *batch {
		n := min(*batch, *records-i)
		recs := make([]map[string]string, n)
		for j := range recs {
			recs[j] = g.record(i+j, *first+i+j)
		}
		b, err := json.Marshal(recs)
		if err != nil {
			return fmt.Errorf("encode batch %d: %w", len(bodies), err)
		}
		bodies = append(bodies, b)
		sizes = append(sizes, n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	c := &client{base: strings.TrimSuffix(*base, "/"), key: *key,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *workers}}}
	jobs := make(chan int)
	errs := make(chan error, *workers)
	var wg sync.WaitGroup
	start := time.Now()
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := c.post(ctx, bodies[i], sizes[i]); err != nil {
					errs <- fmt.Errorf("batch %d of %d: %w", i+1, len(bodies), err)
					cancel()
					return
				}
			}
		}()
	}
feed:
	for i := range bodies {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("out of time (-timeout %s): %w", *timeout, err)
	}
	fmt.Printf("benchingest: %d records in %d POSTs of up to %d, %d workers: %.2f s, %.0f records/s\n",
		*records, len(bodies), *batch, *workers, elapsed.Seconds(), float64(*records)/elapsed.Seconds())
	return nil
}

type client struct {
	base, key string
	http      *http.Client
}

// ingestResponse is what the portal answers to an ingest POST.
type ingestResponse struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	Results   []struct {
		ID int64 `json:"id"`
	} `json:"results"`
}

// post sends one batch of n records and checks that all n were created.
func (c *client) post(ctx context.Context, body []byte, n int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/admin/penalties", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("POST /api/v1/admin/penalties: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		return fmt.Errorf("POST /api/v1/admin/penalties: %s: %s", resp.Status, msg)
	}
	var res ingestResponse
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return fmt.Errorf("POST /api/v1/admin/penalties: decode the answer: %w", err)
	}
	if len(res.Results) != n || res.Created != n {
		return fmt.Errorf("POST /api/v1/admin/penalties: %d records sent, answer has %d results: %d created, %d updated, %d unchanged",
			n, len(res.Results), res.Created, res.Updated, res.Unchanged)
	}
	for i, r := range res.Results {
		if r.ID <= 0 {
			return fmt.Errorf("POST /api/v1/admin/penalties: result %d has no id", i)
		}
	}
	return nil
}

// bureau is one of the demo data's deciding bureaus.
type bureau struct {
	region, name, short string
	code                string
	weight              int
}

// bureaus are the demo data's (demo.Bureaus), with the same credit codes;
// short is what their decision numbers start with: （苏吴中）应急罚.
var bureaus = func() []bureau {
	var out []bureau
	for _, b := range demo.Bureaus() {
		out = append(out, bureau{region: b.Region, name: b.Name, short: strings.TrimSuffix(b.DocPrefix, "应急"),
			code: b.Code, weight: b.Weight})
	}
	return out
}()

var weightTotal = func() int {
	n := 0
	for _, b := range bureaus {
		n += b.weight
	}
	return n
}()

var creditCode = demo.CreditCode

// orgBody is an organization-code body "MA" + 6 characters, a bijection of n.
func orgBody(n uint64) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	const space = 31 * 31 * 31 * 31 * 31 * 31
	v := (n*387_420_489 + 7_654_321) % space
	b := []byte("MA000000")
	for i := 7; i >= 2; i-- {
		b[i] = alphabet[v%31]
		v /= 31
	}
	return string(b)
}

// idNumber returns a valid 居民身份证号码 of someone born on birth in region.
func idNumber(region string, birth time.Time, seq int) string {
	first17 := region + birth.Format("20060102") + fmt.Sprintf("%03d", seq)
	c, err := domain.IDCardCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

var (
	trade      = []string{"华", "盛", "鑫", "泰", "瑞", "宏", "达", "通", "恒", "丰", "汇", "嘉", "诚", "德", "润", "金", "源", "昌", "隆", "宇", "博", "凯", "锦", "辉", "永", "佳", "利", "联", "创", "锐", "祥", "兴", "明", "益", "顺", "茂", "航", "晨", "旭", "远"}
	industries = []string{"精密机械", "电子科技", "汽车零部件", "金属制品", "五金制品", "化工", "新材料科技", "涂料", "化工贸易", "纺织", "印染", "木业", "家具", "食品", "仓储物流", "建设工程", "塑胶制品", "包装材料"}
	forms      = []string{"有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"}
	shopKinds  = []string{"五金店", "餐馆", "加油站", "烟花爆竹经营部", "建材经营部", "汽车修理厂", "木器加工厂"}
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "朱", "马", "胡", "郭", "沈", "顾", "陆", "钱"}
	given      = []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "建华", "志强", "海燕", "国平"}
)

// violation is a violation with the facts, basis and sanctions that fit it.
type violation struct {
	wfxw, sy, yj string
	warnOnly     bool  // some cases end with a warning
	minWan       int64 // fine range, in hundreds of yuan
	maxWan       int64
}

var violations = []violation{
	{"未按规定对从业人员进行安全生产教育和培训", "经查，该单位未如实记录安全生产教育和培训情况，部分从业人员未经培训上岗作业。",
		"《中华人民共和国安全生产法》第九十七条第三项", true, 100, 1000},
	{"未建立安全风险分级管控制度", "经查，该单位未按规定建立安全风险分级管控制度，未对重大危险源采取管控措施。",
		"《中华人民共和国安全生产法》第一百零一条第四项", false, 100, 1000},
	{"未采取措施消除事故隐患", "经查，该单位对检查发现的事故隐患未按期整改，现场仍存在安全隐患。",
		"《中华人民共和国安全生产法》第一百零二条", false, 50, 1000},
	{"特种作业人员未持证上岗", "经查，该单位一名电焊作业人员未取得特种作业操作证书即上岗作业。",
		"《中华人民共和国安全生产法》第九十七条第七项", true, 100, 1000},
	{"粉尘防爆安全管理不到位", "经查，该单位除尘系统未按规定清理积尘，未建立粉尘清理制度。",
		"《工贸企业粉尘防爆安全规定》第三十条第二项", false, 100, 500},
	{"未按规定储存危险化学品", "经查，该单位将危险化学品与禁忌物料混合储存，储存场所未设置明显标志。",
		"《危险化学品安全管理条例》第八十条第一款第三项", false, 500, 2000},
	{"未经许可经营危险化学品", "经查，该单位未取得危险化学品经营许可证，擅自经营危险化学品。",
		"《危险化学品安全管理条例》第七十七条第三款", false, 1000, 2000},
	{"未如实记录安全检查情况", "经查，该单位未如实记录安全生产检查及隐患排查治理情况。",
		"《中华人民共和国安全生产法》第九十七条第四项", true, 50, 500},
}

// gen makes the records; record i depends only on the seed and i.
type gen struct {
	seed      uint64
	today     time.Time
	companies uint64 // pool sizes: some parties are fined more than once
	shops     uint64
	persons   uint64
}

func newGen(seed uint64, n int, now time.Time) *gen {
	return &gen{seed: seed, today: domain.ChinaDate(now),
		companies: uint64(max(100, n*2/3)), shops: uint64(max(20, n/12)), persons: uint64(max(20, n/10))}
}

func (g *gen) pickBureau(r *rand.Rand) int {
	w := r.IntN(weightTotal)
	for i, b := range bureaus {
		if w < b.weight {
			return i
		}
		w -= b.weight
	}
	return len(bureaus) - 1
}

func personName(r *rand.Rand) string {
	return surnames[r.IntN(len(surnames))] + given[r.IntN(len(given))]
}

// party fills the party fields of rec: 85% companies, 8% 个体工商户, 7%
// natural persons, each drawn from a pool and placed in a district by its
// own number, so that a party fined twice keeps its name and code.
func (g *gen) party(r *rand.Rand, rec map[string]string) {
	switch k := r.IntN(100); {
	case k < 7:
		n := r.Uint64N(g.persons)
		pr := rand.New(rand.NewPCG(g.seed^0x706572736f6e, n))
		b := bureaus[g.pickBureau(pr)]
		rec["CF_XDR_MC"] = personName(pr)
		rec["CF_XDR_LB"] = string(domain.PartyNaturalPerson)
		rec["CF_XDR_ZJLX"] = "身份证"
		birth := time.Date(1960+pr.IntN(40), time.Month(1+pr.IntN(12)), 1+pr.IntN(28), 0, 0, 0, 0, time.UTC)
		rec["CF_XDR_ZJHM"] = idNumber(b.region, birth, pr.IntN(1000))
	case k < 15:
		n := r.Uint64N(g.shops)
		pr := rand.New(rand.NewPCG(g.seed^0x73686f70, n))
		b := bureaus[g.pickBureau(pr)]
		owner := personName(pr)
		rec["CF_XDR_MC"] = strings.TrimSuffix(b.name, "应急管理局") + string([]rune(owner)[0]) + "记" + shopKinds[pr.IntN(len(shopKinds))]
		rec["CF_XDR_LB"] = string(domain.PartyIndividualBusiness)
		rec["CF_XDR_SHXYM"] = creditCode("92", b.region, orgBody(1_000_000+n))
		rec["CF_FRDB"] = owner
	default:
		n := r.Uint64N(g.companies)
		if r.IntN(4) == 0 { // repeat offenders
			n = r.Uint64N(max(g.companies/20, 1))
		}
		pr := rand.New(rand.NewPCG(g.seed^0x636f6d70616e79, n))
		b := bureaus[g.pickBureau(pr)]
		place := "苏州"
		if strings.HasSuffix(b.name, "市应急管理局") && b.region != "320500" {
			place = strings.TrimSuffix(b.name, "应急管理局")
		}
		rec["CF_XDR_MC"] = place + trade[n%uint64(len(trade))] + trade[(n/uint64(len(trade)))%uint64(len(trade))] +
			industries[pr.IntN(len(industries))] + forms[pr.IntN(len(forms))]
		rec["CF_XDR_LB"] = string(domain.PartyOrganization)
		rec["CF_XDR_SHXYM"] = creditCode("91", b.region, orgBody(n))
		rec["CF_FRDB"] = personName(pr)
	}
}

// record returns record i, with decision number no.
func (g *gen) record(i, no int) map[string]string {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	rec := map[string]string{}
	g.party(r, rec)
	b := bureaus[g.pickBureau(r)]
	day := g.today.AddDate(0, 0, -1-r.IntN(30))
	v := violations[r.IntN(len(violations))]
	rec["CF_WSH"] = fmt.Sprintf("（%s）应急罚〔%d〕%d号", b.short, day.Year(), no)
	rec["CF_WFXW"] = v.wfxw
	rec["CF_SY"] = v.sy
	rec["CF_YJ"] = v.yj
	if v.warnOnly && r.IntN(5) == 0 {
		rec["CF_CFLB"] = "警告"
		rec["CF_NR"] = "警告"
	} else {
		hundreds := v.minWan + r.Int64N(v.maxWan-v.minWan+1) // in hundreds of yuan
		yuan := hundreds * 100
		rec["CF_CFLB"] = "罚款"
		if r.IntN(4) == 0 {
			rec["CF_CFLB"] = "警告;罚款"
		}
		rec["CF_NR"] = "罚款人民币" + strconv.FormatInt(yuan, 10) + "元"
		rec["CF_NR_FK"] = strconv.FormatFloat(float64(yuan)/10_000, 'f', -1, 64)
	}
	rec["CF_JDRQ"] = day.Format("2006-01-02")
	rec["CF_CFJG"], rec["CF_CFJGDM"] = b.name, b.code
	rec["CF_SJLY"], rec["CF_SJLYDM"] = b.name, b.code
	rec["CF_AJJD"] = string(domain.StagePreAccident)
	if r.IntN(100) < 3 {
		rec["CF_AJJD"] = string(domain.StageAccident)
	}
	return rec
}
