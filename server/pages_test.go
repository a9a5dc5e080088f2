package server_test

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

// pagesFixture is a portal on a small data set: three company penalties,
// a natural person's penalty (testenv.PersonID), two permits and two
// versions of each list. Search is not configured here; the end-to-end
// tests (package e2e) cover it with Meilisearch.
type pagesFixture struct {
	t         *testing.T
	srv       *httptest.Server
	penalties []int64
	person    int64
	permits   []int64
	s         *store.Store
	pub       *store.Public
}

// pagesBaseURL is the portal's public URL in the page tests.
const pagesBaseURL = "https://gongshi.example.cn"

var pagesNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newPagesFixture(t *testing.T, opts ...func(*server.Deps)) *pagesFixture {
	t.Helper()
	s := testenv.Store(t)
	ctx := context.Background()
	actor := store.Actor{Name: "test"}
	f := &pagesFixture{t: t}
	var ps []domain.Penalty
	for n := 1; n <= 3; n++ {
		p, errs := domain.ParsePenalty(testenv.PenaltyRecord(n), domain.ParseOptions{Now: pagesNow})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		ps = append(ps, p)
	}
	person := testenv.PersonPenaltyRecord(4)
	person["CF_SY"] = "当事人李四（身份证号码" + testenv.PersonID + "）未按规定培训。"
	pp, errs := domain.ParsePenalty(person, domain.ParseOptions{Now: pagesNow})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	ps = append(ps, pp)
	rs, err := s.UpsertPenalties(ctx, actor, ps, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs[:3] {
		f.penalties = append(f.penalties, r.ID)
	}
	f.person = rs[3].ID
	var ms []domain.Permit
	for n := 1; n <= 2; n++ {
		m, errs := domain.ParsePermit(testenv.PermitRecord(n), domain.ParseOptions{Now: pagesNow})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		ms = append(ms, m)
	}
	mrs, err := s.UpsertPermits(ctx, actor, ms, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range mrs {
		f.permits = append(f.permits, r.ID)
	}

	// Two versions of each list: the second changes one item's basis,
	// removes one and adds one.
	v1 := testenv.PowerItems(12)
	v2 := append([]domain.PowerItem(nil), v1[1:]...)
	v2[0].LegalBasis = "《中华人民共和国安全生产法》第六十三条"
	extra := testenv.PowerItems(13)[12]
	v2 = append(v2, extra)
	resp := []domain.ResponsibilityItem{{Code: "ZR-001", Part: "主要职责", Duty: "安全生产综合监督管理", Name: "组织编制安全生产规划",
		Detail: "组织编制全市安全生产规划", Accountability: "未履行职责的", Basis: "《中华人民共和国安全生产法》"}}
	svc := []domain.ServiceItem{{Code: "GG-001", Name: "安全生产举报受理", Target: "公民、法人", Basis: "《安全生产法》",
		Unit: "苏州市应急管理局", Process: "受理、核查、答复", TimeLimit: "60日", Fees: "不收费",
		Flow: domain.StandardFlow(domain.ServiceCategory)}}
	for i, in := range []store.ListInput{
		{Kind: domain.ListPowers, EffectiveDate: pagesNow.AddDate(-1, 0, 0), Note: "初版", Powers: v1},
		{Kind: domain.ListPowers, EffectiveDate: pagesNow.AddDate(0, -1, 0), Note: "动态调整", Powers: v2},
		{Kind: domain.ListResponsibilities, EffectiveDate: pagesNow, Responsibilities: resp},
		{Kind: domain.ListPublicServices, EffectiveDate: pagesNow, Services: svc},
	} {
		if _, err := s.PublishList(ctx, actor, in, store.WriteOptions{}); err != nil {
			t.Fatalf("list %d: %v", i, err)
		}
	}
	pub := s.Public(domain.DefaultMasking, func() time.Time { return pagesNow })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	deps := server.Deps{
		Log:      log,
		Overview: s, Reads: pub, Pages: pub, Datasets: snapshot.New(s, pub, t.TempDir(), log), Rules: domain.DefaultPublicityRules(),
		Now:     func() time.Time { return pagesNow },
		Limits:  httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000), PerKey: ratelimit.PerMinute(1_000_000)},
		BaseURL: pagesBaseURL,
	}
	for _, o := range opts {
		o(&deps)
	}
	f.s, f.pub = s, pub
	h := server.New(deps)
	f.srv = httptest.NewServer(h)
	t.Cleanup(f.srv.Close)
	return f
}

// get fetches a page with optional request headers ("Name: value"); Go's
// transport asks for gzip and decompresses unseen (see rawGet).
func (f *pagesFixture) get(path string, headers ...string) (*http.Response, string) {
	f.t.Helper()
	resp, b := f.rawGet(path, headers...)
	return resp, string(b)
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// TestPagesRender: every page answers 200 with HTML in Chinese, carries
// the caching headers, and never shows a full ID number.
func TestPagesRender(t *testing.T) {
	f := newPagesFixture(t)
	code := testenv.USCC("320505", 1)
	pages := map[string]string{
		"/":                                "行政处罚与行政许可公示",
		"/penalties/" + id(f.penalties[0]): "苏州测试化工第1有限公司",
		"/penalties/" + id(f.person):       "110105**********2X",
		"/permits/" + id(f.permits[0]):     "安全生产许可证",
		"/subjects/" + code:                "苏州测试化工第1有限公司",
		"/lists/powers":                    "测试事项1",
		"/lists/powers?category=" + url.QueryEscape("行政处罚"): "测试事项2",
		"/lists/powers?q=" + url.QueryEscape("测试事项10"):      "测试事项10",
		"/lists/powers/320500CF0002":                        "办理流程图",
		"/lists/powers/320500CF0001?version=1":              "您正在查看第 1 版",
		"/lists/responsibilities":                           "组织编制安全生产规划",
		"/lists/responsibilities/ZR-001":                    "组织编制全市安全生产规划",
		"/lists/public-services":                            "安全生产举报受理",
		"/lists/public-services/GG-001":                     "办理流程图",
		"/lists/powers/versions":                            "动态调整",
		"/lists/powers/compare":                             "320500CF0002",
		"/data":                                             "开放数据",
		"/data/penalties":                                   "CF_XDR_SHXYM",
		"/stats":                                            "每月行政处罚案件数",
		"/api":                                              "/api/v1/penalties",
		"/subscribe":                                        "Atom",
		"/about":                                            "申请更正",
		"/withdrawals":                                      "撤下规则",
		"/stats?quarter=2026Q3&ytd=true":                    "法治政府建设季度指标",
	}
	for path, want := range pages {
		resp, body := f.get(path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d %.300s", path, resp.StatusCode, body)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		if !strings.Contains(body, want) {
			t.Errorf("%s does not show %q", path, want)
		}
		if !strings.Contains(body, `<html lang="zh-CN">`) || !strings.Contains(body, `<main id="main"`) {
			t.Errorf("%s: no zh-CN html element or main landmark", path)
		}
		if strings.Contains(body, testenv.PersonID) {
			t.Errorf("%s shows a full ID number", path)
		}
		// Browsers revalidate what may show a record; the lists they keep
		// a minute.
		age := "0"
		if strings.HasPrefix(path, "/lists/") {
			age = "60"
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age="+age+cdnSuffix || resp.Header.Get("ETag") == "" {
			t.Errorf("%s: Cache-Control %q, ETag %q", path, cc, resp.Header.Get("ETag"))
		}
		// The API reference documents every operation (over a hundred);
		// it is sent compressed, like every page.
		if limit := map[bool]int{true: 400 << 10, false: 300 << 10}[path == "/api"]; len(body) > limit {
			t.Errorf("%s is %d bytes", path, len(body))
		}
		// No message key is left untranslated.
		if m := regexp.MustCompile(`>\s*(?:a11y|about|api|compare|data|demo|error|facet|feed|field|flow|footer|guide|hl|home|list|nav|record|search|site|stats|subject|subscribe|versions)\.[a-z_.]+\s*<`).FindString(body); m != "" {
			t.Errorf("%s shows a message key: %s", path, m)
		}
	}
}

func TestPagesConditionalGet(t *testing.T) {
	f := newPagesFixture(t)
	resp, _ := f.get("/penalties/" + id(f.penalties[0]))
	tag := resp.Header.Get("ETag")
	resp2, body := f.get("/penalties/"+id(f.penalties[0]), "If-None-Match: "+tag)
	if resp2.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match: %d %q", resp2.StatusCode, body)
	}
	if resp3, _ := f.get("/penalties/"+id(f.penalties[0]), `If-None-Match: "other"`); resp3.StatusCode != http.StatusOK {
		t.Errorf("a stale tag: %d", resp3.StatusCode)
	}
	// Static assets are versioned by content and immutable at their version.
	_, home := f.get("/")
	css := regexp.MustCompile(`/static/site\.css\?v=[0-9a-f]+`).FindString(home)
	if css == "" {
		t.Fatal("no versioned stylesheet link")
	}
	r, _ := f.get(css)
	if r.StatusCode != 200 || !strings.Contains(r.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(r.Header.Get("Content-Type"), "text/css") {
		t.Errorf("stylesheet: %d %q %q", r.StatusCode, r.Header.Get("Cache-Control"), r.Header.Get("Content-Type"))
	}
	if r, _ := f.get("/static/nope.js"); r.StatusCode != 404 {
		t.Errorf("missing asset: %d", r.StatusCode)
	}
}

func TestPagesLanguage(t *testing.T) {
	f := newPagesFixture(t)
	resp, body := f.get("/?lang=en")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(body, "Administrative penalties and permits") ||
		resp.Header.Get("Cache-Control") != "public, max-age=0"+cdnSuffix {
		t.Errorf("?lang=en: %q %.200s", resp.Header.Get("Cache-Control"), body)
	}
	if !strings.Contains(body, `href="/lists/powers?lang=en"`) {
		t.Error("English pages do not keep the language in their links")
	}
	// Accept-Language decides without ?lang=, and such pages are not for
	// shared caches unless they are in the default language.
	resp, body = f.get("/", "Accept-Language: en-US,en;q=0.9,zh;q=0.5")
	if !strings.Contains(body, `<html lang="en">`) || !strings.Contains(resp.Header.Get("Vary"), "Accept-Language") ||
		!strings.HasPrefix(resp.Header.Get("Cache-Control"), "private") {
		t.Errorf("Accept-Language en: lang %v, Vary %q, Cache-Control %q", strings.Contains(body, `lang="en"`),
			resp.Header.Get("Vary"), resp.Header.Get("Cache-Control"))
	}
	resp, body = f.get("/", "Accept-Language: zh-CN,zh;q=0.9,en;q=0.8")
	if !strings.Contains(body, `<html lang="zh-CN">`) || resp.Header.Get("Cache-Control") != "public, max-age=0"+cdnSuffix {
		t.Errorf("Accept-Language zh: %q", resp.Header.Get("Cache-Control"))
	}
	// Record fields have English labels.
	_, body = f.get("/penalties/" + id(f.penalties[0]) + "?lang=en")
	for _, want := range []string{"Penalty decision number", "Unified social credit code", "Legal basis of the penalty", "Fine"} {
		if !strings.Contains(body, want) {
			t.Errorf("English record page lacks %q", want)
		}
	}
}

func TestPagesErrors(t *testing.T) {
	f := newPagesFixture(t)
	for path, status := range map[string]int{
		"/penalties/999999":                             404,
		"/penalties/abc":                                404,
		"/permits/999999":                               404,
		"/subjects/91310115MA1H8R7C6D":                  400, // bad check character
		"/subjects/00000000000000000X":                  404,
		"/subjects/91350100M000100Y43":                  404, // valid, but no record
		"/lists/powers/NOPE":                            404,
		"/lists/powers?version=9":                       404,
		"/lists/powers?version=x":                       400,
		"/search?q=%ff%fe%80abc":                        400,
		"/lists/powers?category=%zz":                    400,
		"/?x=%e8%8b":                                    400,
		"/lists/powers?version=2147483648":              400,
		"/lists/responsibilities?version=2147483648":    400,
		"/lists/powers/320500CF0001?version=2147483648": 400,
		"/lists/powers/compare?from=2147483648":         400,
		"/lists/powers?category=nonsense":               400,
		"/lists/powers/compare?from=7":                  400,
		"/data/nothing":                                 404,
		"/stats/nothing.csv":                            404,
		"/search":                                       503, // search is not configured in this fixture
	} {
		resp, body := f.get(path)
		if resp.StatusCode != status {
			t.Errorf("%s: %d, want %d", path, resp.StatusCode, status)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<main") {
			t.Errorf("%s: the error is not an HTML page: %.200s", path, body)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: error Cache-Control %q", path, resp.Header.Get("Cache-Control"))
		}
	}
}

func TestPagesDownloadsAndFeeds(t *testing.T) {
	f := newPagesFixture(t)
	resp, body := f.get("/stats/categories.csv")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(body, "\ufeff处罚类别,案件数,罚款（万元）") || !strings.Contains(body, "罚款,4,") {
		t.Errorf("categories CSV: %d %q", resp.StatusCode, body)
	}
	resp, body = f.get("/lists/powers/320500CF0002/flowchart.svg")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "<?xml") || !strings.Contains(body, "<desc") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "320500CF0002-flowchart.svg") {
		t.Errorf("flowchart download: %d %q %.100s", resp.StatusCode, resp.Header.Get("Content-Disposition"), body)
	}
	code := testenv.USCC("320505", 2)
	resp, body = f.get("/subjects/" + code + "/feed.atom")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("subject feed: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var feed struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		Title   string   `xml:"title"`
		Entries []struct {
			ID    string `xml:"id"`
			Title string `xml:"title"`
			Link  struct {
				Href string `xml:"href,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("feed is not Atom: %v", err)
	}
	if len(feed.Entries) != 1 || feed.Entries[0].Link.Href != pagesBaseURL+"/penalties/"+id(f.penalties[1]) ||
		!strings.Contains(feed.Title, "苏州测试化工第2有限公司") {
		t.Errorf("subject feed: %+v", feed)
	}
}

// TestCompareShowsTheChange: the diff of two versions names the added,
// removed and changed items and marks the changed words.
func TestCompareShowsTheChange(t *testing.T) {
	f := newPagesFixture(t)
	_, body := f.get("/lists/powers/compare?from=1&to=2")
	for _, want := range []string{"320500CF0013", "320500CF0001", "<del><span class=\"vh\">[删除的文字：</span>二<span class=\"vh\">]</span></del>",
		"<ins><span class=\"vh\">[新增的文字：</span>三<span class=\"vh\">]</span></ins>"} {
		if !strings.Contains(body, want) {
			t.Errorf("compare page lacks %q", want)
		}
	}
	// Comparing a version with itself shows no change.
	_, body = f.get("/lists/powers/compare?from=2&to=2")
	if !strings.Contains(body, `<dd class="changed">0</dd>`) {
		t.Error("a version compared with itself shows changes")
	}
}

func TestUnknownPageIsHTMLForBrowsers(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest("GET", f.srv.URL+"/no/such/page", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(b), `lang="zh-CN"`) {
		t.Errorf("browser 404: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	if resp, b := f.do("GET", "/api/v1/nothing", "", nil); resp.StatusCode != 404 || decode[apiError](t, b).Code != "not_found" {
		t.Errorf("API 404: %d %s", resp.StatusCode, b)
	}
}
