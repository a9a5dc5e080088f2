package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store/bulkload"
)

// permitKind is one kind of 行政许可 (or 备案) the bureaus publish.
type permitKind struct {
	cert      string // XK_XKZS
	docName   string // XK_XKWS
	category  string // XK_XKLB
	municipal bool   // issued by the municipal bureau, else by the district's
	weight    int
	festival  bool // issued before the Spring Festival (fireworks retail)
	months    int  // validity
	shops     bool // held by 个体工商户 as often as by companies
	tags      []string
	number    func(ag agency, year, seq int) string
	content   func(r *rand.Rand, holder company) string
}

var chemicalsForSale = []string{"甲醇", "乙醇", "丙酮", "甲苯", "二甲苯", "乙酸乙酯", "乙酸丁酯", "异丙醇", "盐酸", "硫酸",
	"硝酸", "氢氧化钠", "次氯酸钠溶液", "过氧化氢溶液", "油漆", "稀释剂", "液化石油气", "汽油", "柴油", "氨溶液"}

var precursors = []string{"硫酸", "盐酸", "甲苯", "丙酮", "甲基乙基酮", "高锰酸钾", "醋酸酐", "乙醚", "三氯甲烷"}

func sample(r *rand.Rand, from []string, n int) []string {
	out := slices.Clone(from)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out[:min(n, len(out))]
}

var permitKinds = []permitKind{
	{cert: "危险化学品经营许可证", docName: "准予行政许可决定书", category: "普通", weight: 26, months: 36,
		tags: []string{tagChemSale, tagChem},
		number: func(ag agency, y, n int) string {
			return fmt.Sprintf("苏（%s）危化经字〔%d〕%06d", ag.licPrefix, y, n)
		},
		content: func(r *rand.Rand, _ company) string {
			return "经营方式：批发（不带储存设施）；许可范围：" + strings.Join(sample(r, chemicalsForSale, 3+r.IntN(6)), "、") + "等（详见危险化学品经营许可证副本）"
		}},
	{cert: "危险化学品经营许可证", docName: "准予行政许可决定书", category: "普通", weight: 5, months: 36, municipal: true,
		tags: []string{tagChemSale, tagChem},
		number: func(ag agency, y, n int) string {
			return fmt.Sprintf("苏（苏）危化经字〔%d〕%06d", y, n)
		},
		content: func(r *rand.Rand, _ company) string {
			return fmt.Sprintf("经营方式：批发（带储存设施，储存能力%d立方米）；许可范围：%s等", 50+r.IntN(20)*50,
				strings.Join(sample(r, chemicalsForSale, 3+r.IntN(5)), "、"))
		}},
	{cert: "危险化学品安全使用许可证", docName: "准予行政许可决定书", category: "普通", weight: 3, months: 36, municipal: true,
		tags: []string{tagChem},
		number: func(_ agency, y, n int) string {
			return fmt.Sprintf("苏（苏）危化使字〔%d〕%05d", y, n)
		},
		content: func(r *rand.Rand, _ company) string {
			return fmt.Sprintf("使用品种：%s；使用规模：%d吨/年", strings.Join(sample(r, []string{"氢气", "氯气", "液氨", "甲醇", "环氧乙烷", "天然气"}, 1+r.IntN(2)), "、"), 100+r.IntN(40)*100)
		}},
	{cert: "安全生产许可证", docName: "准予行政许可决定书", category: "普通", weight: 5, months: 36, municipal: true,
		tags: []string{tagChem},
		number: func(_ agency, y, n int) string {
			return fmt.Sprintf("（苏）WH安许证字〔%d〕%04d", y, n)
		},
		content: func(r *rand.Rand, _ company) string {
			return "许可范围：危险化学品生产（" + strings.Join(sample(r, []string{"乙酸乙酯", "醇酸树脂", "丙烯酸树脂", "甲醇", "盐酸", "次氯酸钠溶液", "涂料"}, 1+r.IntN(3)), "、") + "）"
		}},
	{cert: "烟花爆竹经营（零售）许可证", docName: "烟花爆竹经营（零售）许可决定书", category: "普通", weight: 30, months: 12, festival: true, shops: true,
		tags: []string{"fireworks"},
		number: func(ag agency, y, n int) string {
			return fmt.Sprintf("苏（%s）YH零许字〔%d〕%04d", ag.licPrefix, y, n)
		},
		content: func(r *rand.Rand, holder company) string {
			return fmt.Sprintf("零售场所：%s；限制存放数量：%d箱（折合药量不超过%d千克）", holder.town, 20+r.IntN(9)*10, 50+r.IntN(10)*10)
		}},
	{cert: "烟花爆竹经营（批发）许可证", docName: "准予行政许可决定书", category: "普通", weight: 1, months: 36, municipal: true,
		tags: []string{tagStore},
		number: func(_ agency, y, n int) string {
			return fmt.Sprintf("（苏）YH批许字〔%d〕%03d", y, n)
		},
		content: func(r *rand.Rand, _ company) string {
			return fmt.Sprintf("经营范围：烟花爆竹批发；仓库地址：%s；核定储存药量%d吨", agencies[1+r.IntN(len(agencies)-1)].towns[0], 5+r.IntN(20))
		}},
	{cert: "非药品类易制毒化学品经营备案证明", docName: "非药品类易制毒化学品经营备案证明", category: "其他", weight: 17, months: 36,
		tags: []string{tagChemSale, tagChem},
		number: func(ag agency, y, n int) string {
			return fmt.Sprintf("（苏）3J%s%05d", ag.region, n+(y-2000)*1000)
		},
		content: func(r *rand.Rand, _ company) string {
			return "第三类非药品类易制毒化学品经营：" + strings.Join(sample(r, precursors, 2+r.IntN(3)), "、")
		}},
	{cert: "非药品类易制毒化学品生产备案证明", docName: "非药品类易制毒化学品生产备案证明", category: "其他", weight: 3, months: 36,
		tags: []string{tagChem},
		number: func(ag agency, y, n int) string {
			return fmt.Sprintf("（苏）3S%s%05d", ag.region, n+(y-2000)*1000)
		},
		content: func(r *rand.Rand, _ company) string {
			return "第三类非药品类易制毒化学品生产：" + strings.Join(sample(r, []string{"硫酸", "盐酸", "甲苯", "丙酮"}, 1+r.IntN(2)), "、")
		}},
}

// PermitStats summarise the permits a generator produced.
type PermitStats struct {
	Total     int
	Valid     int
	ByKind    map[string]int
	Cancelled int // 注销 before expiry
}

type permitGen struct {
	r      *rand.Rand
	seed   uint64
	n, i   int
	public bool // Options.AllPublic
	now    time.Time
	today  time.Time
	tl     *timeline
	wd     *workdays
	docSeq map[seqKey]int
	noSeq  map[permitSeqKey]int
	pool   uint64
	shops  uint64
	stats  PermitStats
}

type permitSeqKey struct {
	kind, agency, year int
}

func newPermitGen(seed uint64, n int, now time.Time, allPublic bool) *permitGen {
	today := domain.ChinaDate(now)
	wd := newWorkdays(domain.DefaultCalendar(), firstDay, today.AddDate(0, 2, 0))
	return &permitGen{
		r:      rand.New(rand.NewPCG(seed, 0x7065726d6974)),
		seed:   seed,
		n:      n,
		now:    now,
		today:  today,
		public: allPublic,
		tl:     newTimeline(wd, firstDecisionDay(today, allPublic), today, permitWeight),
		wd:     wd,
		docSeq: map[seqKey]int{},
		noSeq:  map[permitSeqKey]int{},
		pool:   uint64(max(2_000, n)),
		shops:  uint64(max(300, n/3)),
		stats:  PermitStats{ByKind: map[string]int{}},
	}
}

// pickKind chooses a permit kind; fireworks retail licences are issued
// from November to January.
func (g *permitGen) pickKind(day time.Time) int {
	festive := day.Month() >= time.November || day.Month() == time.January
	total := 0
	weight := func(k permitKind) int {
		switch {
		case !k.festival:
			return k.weight
		case festive:
			return k.weight * 4
		}
		return 0
	}
	for _, k := range permitKinds {
		total += weight(k)
	}
	n := g.r.IntN(total)
	for i, k := range permitKinds {
		if n < weight(k) {
			return i
		}
		n -= weight(k)
	}
	return 0
}

// holder draws a party fit for the kind: a company of a matching industry
// (a few draws, then any), or a 个体工商户 for retail licences.
func (g *permitGen) holder(k permitKind) company {
	r := g.r
	if k.shops && r.IntN(4) > 0 {
		for range 20 {
			if s := shopAt(g.seed, r.Uint64N(g.shops)); s.tag == "fireworks" {
				return s
			}
		}
	}
	var c company
	for range 12 {
		c = companyAt(g.seed, r.Uint64N(g.pool))
		if slices.Contains(k.tags, c.tag) {
			break
		}
	}
	return c
}

func (g *permitGen) next() (bulkload.Permit, bool) {
	if g.i >= g.n {
		return bulkload.Permit{}, false
	}
	r := g.r
	day := g.tl.at((float64(g.i) + r.Float64()) / float64(g.n))
	g.i++
	ki := g.pickKind(day)
	k := permitKinds[ki]
	h := g.holder(k)
	agIdx := h.district
	if k.municipal {
		agIdx = municipal
	}
	ag := agencies[agIdx]
	year := day.Year()
	ds := seqKey{agIdx, year}
	g.docSeq[ds]++
	ns := permitSeqKey{ki, agIdx, year}
	g.noSeq[ns]++

	from := day
	to := day.AddDate(0, k.months, -1)
	if k.festival { // retail licences run to the end of the festival season
		to = time.Date(year, time.March, 31, 0, 0, 0, 0, time.UTC)
		if day.Month() >= time.November {
			to = to.AddDate(1, 0, 0)
		}
	}
	content := k.content(r, h)
	if !k.festival && r.IntN(5) == 0 {
		content = "（延期换证）" + content
	}
	p := domain.Permit{
		DocName:      k.docName,
		DecisionNo:   fmt.Sprintf("%s许〔%d〕%d号", ag.docPrefix, year, g.docSeq[ds]),
		Party:        h.party,
		Category:     k.category,
		CertName:     k.cert,
		PermitNo:     k.number(ag, year, g.noSeq[ns]),
		Content:      content,
		DecisionDate: day,
		ValidFrom:    from,
		ValidTo:      to,
		Agency:       ag.name,
		AgencyCode:   ag.code,
		State:        domain.PermitValid,
		Source:       ag.name,
		SourceCode:   ag.code,
		Remarks:      Remark,
	}
	cancelled := r.IntN(100) < 2 && day.Before(g.today.AddDate(0, -1, 0))
	if to.Before(g.today) || cancelled {
		p.State = domain.PermitInvalid
	}
	b := bulkload.Permit{Permit: p, PublishedAt: publishedAt(r, g.wd, day, g.now)}
	if r.IntN(1000) < 3 && !g.public {
		at := b.PublishedAt.Add(time.Duration(1+r.IntN(20)) * 24 * time.Hour)
		if at.Before(g.now) {
			b.Withdrawn = &bulkload.Withdrawal{Reason: domain.ReasonCorrected, Note: "许可信息有误，已更正", At: at}
		}
	}
	g.stats.Total++
	g.stats.ByKind[k.cert]++
	if p.State == domain.PermitValid {
		g.stats.Valid++
	}
	if cancelled {
		g.stats.Cancelled++
	}
	return b, true
}
