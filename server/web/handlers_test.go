package web_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/server/httpx"
)

func TestSearchPage(t *testing.T) {
	f := newPagesFixture(t)
	f.search.result = &search.Result{Query: "化工", Type: "penalty", Total: 45, Page: 2, PerPage: 20,
		Facets: map[string]map[string]int64{
			"type":     {"penalty": 45},
			"category": {"罚款": 40, "警告": 12},
			"year":     {"2025": 30, "2026": 15},
		},
		Hits: []search.Hit{{Type: search.TypePenalty, ID: "7", Title: "苏州化工有限公司", Subtitle: "苏应急罚〔2026〕7号",
			URL: "/penalties/7", Fields: map[string]json.RawMessage{"demo": json.RawMessage("true")},
			Highlights: map[string]string{"party_name": "苏州<mark>化工</mark>有限公司", "facts": "没有标记的事实"}}},
	}
	resp, body := f.get("/search?q=化工&type=penalty&category=罚款&page=2")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
	if len(f.search.queries) != 1 {
		t.Fatalf("searched %d times", len(f.search.queries))
	}
	q := f.search.queries[0]
	if q.Text != "化工" || q.Type != "penalty" || q.Page != 2 || !slices.Equal(q.Filters.Category, []string{"罚款"}) {
		t.Errorf("the page searched %+v", q)
	}
	for _, want := range []string{
		"苏州<mark>化工</mark>有限公司",                                                                // the highlight, unescaped
		`href="/search?category=%E7%BD%9A%E6%AC%BE&amp;q=%E5%8C%96%E5%B7%A5&amp;type=penalty"`, // page 1 drops page=
		`page=3`, // the next page
		`href="/search?q=%E5%8C%96%E5%B7%A5&amp;type=penalty"`,                // removing the only filter
		`href="/search?category=%E7%BD%9A%E6%AC%BE&amp;q=%E5%8C%96%E5%B7%A5"`, // the tab of every type keeps the filter
		"/search/feed.atom?",
		"/api/v1/search?",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(body, "没有标记的事实") {
		t.Error("a field without a match is shown as a snippet")
	}
}

func TestSearchPageRejectsBadParameters(t *testing.T) {
	f := newPagesFixture(t)
	for _, query := range []string{"type=everything", "q=a&q=b", "type=power&category=罚款", "page=0"} {
		resp, body := f.get("/search?" + query)
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Cache-Control") != "no-store" ||
			!strings.Contains(body, "<main") {
			t.Errorf("%s: %d %q", query, resp.StatusCode, resp.Header.Get("Cache-Control"))
		}
	}
	if len(f.search.queries) != 0 {
		t.Errorf("%d searches ran for invalid parameters", len(f.search.queries))
	}
}

func TestListPages(t *testing.T) {
	f := newPagesFixture(t)
	for path, wants := range map[string][]string{
		"/lists/powers":                        {"对生产经营单位未履行安全生产职责的处罚", "危险化学品经营许可（含变更）", "/lists/powers/320500CF0001"},
		"/lists/powers?category=行政许可":          {"危险化学品经营许可（含变更）"},
		"/lists/powers?q=危险化学品":                {"危险化学品经营许可"},
		"/lists/powers?version=1":              {"危险化学品经营许可", "?version=1"},
		"/lists/powers/320500CF0001":           {"对生产经营单位未履行安全生产职责的处罚", "办理流程图（通用流程示意，非本事项流程）</title>", "/api/v1/powers/320500CF0001"},
		"/lists/responsibilities":              {"组织编制安全生产规划", "与市场监管部门的分工"},
		"/lists/responsibilities/ZR002":        {"与市场监管部门的分工", "/api/v1/lists/responsibilities"},
		"/lists/public-services/GG001":         {"安全生产举报受理", "/lists/public-services/GG001/flowchart.svg"},
		"/lists/powers/versions":               {"/lists/powers/compare"},
		"/lists/powers/compare?from=1&to=2":    {"危险化学品经营许可（含变更）"},
		"/lists/public-services?version=2":     {"应急科普宣传"},
		"/lists/powers/320500CF0001?version=1": {"?version=1"},
	} {
		resp, body := f.get(path)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "public, max-age=60" {
			t.Errorf("%s: %d %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"))
			continue
		}
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s lacks %s", path, want)
			}
		}
	}
	_, body := f.get("/lists/powers?category=行政许可")
	if strings.Contains(body, "对生产经营单位未履行安全生产职责的处罚") {
		t.Error("the category filter shows another category's item")
	}
	resp, body := f.get("/lists/powers/320500CF0001/flowchart.svg")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(body, "<?xml") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "320500CF0001-flowchart.svg") {
		t.Errorf("flowchart download: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	if resp, _ := f.get("/lists/public-services/GG002/flowchart.svg"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a service without a flowchart: %d", resp.StatusCode)
	}
	if resp, _ := f.get("/lists/responsibilities/ZR001/flowchart.svg"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("responsibilities have no flowchart route: %d", resp.StatusCode)
	}
}

// Errors become HTML pages: the status of the error, its message when a
// handler wrote it for the reader, nothing of a 5xx's cause, never stored
// by caches; 5xx are logged as errors.
func TestErrorPages(t *testing.T) {
	f := newPagesFixture(t)
	for path, want := range map[string]struct {
		status  int
		message string
	}{
		"/lists/powers/NOPE99":         {404, "该版本中没有编码为 NOPE99 的事项。"},
		"/lists/powers?version=9":      {404, "权力清单没有第 9 版。"},
		"/lists/powers?version=x":      {400, "版本号应为正整数。"},
		"/lists/powers/compare?from=7": {400, ""},
		"/penalties/12":                {404, ""},
		"/no/such/page":                {404, "no such page"},
		"/lists/powers/NOPE99?lang=en": {404, "This version has no item with code NOPE99."},
	} {
		resp, body := f.get(path)
		if resp.StatusCode != want.status || resp.Header.Get("Cache-Control") != "no-store" ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %q %q", path, resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Header.Get("Content-Type"))
		}
		if want.message != "" && !strings.Contains(body, want.message) {
			t.Errorf("%s: the page does not say %q", path, want.message)
		}
	}
	if n := len(f.logged("ERROR")); n != 0 {
		t.Errorf("%d errors logged for client errors", n)
	}

	f.reads.err = errors.New("pool exhausted: the secret cause")
	resp, body := f.get("/lists/powers")
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(body, "secret cause") ||
		resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("a failing store: %d %q, cause shown %v", resp.StatusCode, resp.Header.Get("Cache-Control"),
			strings.Contains(body, "secret cause"))
	}
	logged := f.logged("ERROR")
	if len(logged) != 1 || !strings.Contains(logged[0]["err"].(string), "secret cause") || logged[0]["path"] != "/lists/powers" {
		t.Errorf("logged errors %v, want the cause once", logged)
	}

	f.search.err = httpx.Unavailable("search")
	resp, body = f.get("/search?q=化工")
	if resp.StatusCode != http.StatusServiceUnavailable || strings.Contains(body, "not configured") {
		t.Errorf("search unavailable: %d, message shown %v", resp.StatusCode, strings.Contains(body, "not configured"))
	}
}

// A query naming records exactly shows them apart, with the company's
// page, before the related results; without one the page says so.
func TestSearchPageExactMatches(t *testing.T) {
	f := newPagesFixture(t)
	exact := search.Hit{Type: search.TypePenalty, ID: "7", Title: "常熟市博泰铝业有限公司", Subtitle: "常应急罚〔2026〕38号",
		URL: "/penalties/7", Exact: true, Match: search.MatchExact}
	related := search.Hit{Type: search.TypePenalty, ID: "8", Title: "太仓吴泰铝业有限公司", URL: "/penalties/8", Match: search.MatchRelated}
	f.search.result = &search.Result{Query: "常熟市博泰铝业有限公司", Type: "all", QueryKind: search.KindName, Page: 1, PerPage: 20,
		Exact: []search.Hit{exact}, ExactTotal: 1, Hits: []search.Hit{related}, Total: 1,
		Subjects: []search.Subject{{CreditCode: "91320581647066676H", Name: "常熟市博泰铝业有限公司", URL: "/subjects/91320581647066676H"}},
		Facets:   map[string]map[string]int64{"type": {"penalty": 2}}}
	_, body := f.get("/search?q=常熟市博泰铝业有限公司")
	ex, rel := strings.Index(body, `data-match="exact"`), strings.Index(body, `data-match="related"`)
	if ex < 0 || rel < ex || !strings.Contains(body, `href="/subjects/91320581647066676H"`) ||
		!strings.Contains(body, "完全匹配") || !strings.Contains(body, "相关结果共 1 条") {
		t.Errorf("exact %d, related %d; the page:\n%s", ex, rel, body)
	}
	if strings.Contains(body, "未找到完全匹配") {
		t.Error("an exact match is said to be missing")
	}

	f.search.result = &search.Result{Query: "苏应急罚〔2099〕1号", Type: "all", QueryKind: search.KindDecisionNo, Page: 1, PerPage: 20,
		Exact: []search.Hit{}, Hits: []search.Hit{related}, Total: 1, Facets: map[string]map[string]int64{"type": {"penalty": 1}}}
	_, body = f.get("/search?q=苏应急罚[2099]1号")
	if !strings.Contains(body, "未找到完全匹配") || strings.Contains(body, `data-match="exact"`) {
		t.Errorf("no exact match: the page:\n%s", body)
	}

	// PostgreSQL, answering while Meilisearch is down, cannot tell.
	f.search.result.Degraded = true
	_, body = f.get("/search?q=苏应急罚[2099]1号")
	if strings.Contains(body, "未找到完全匹配") {
		t.Error("a degraded answer claims there is no exact match")
	}

	f.search.result = &search.Result{Query: "化工", Type: "all", QueryKind: search.KindText, Page: 1, PerPage: 20,
		Hits: []search.Hit{related}, Total: 1, Facets: map[string]map[string]int64{"type": {"penalty": 1}}}
	_, body = f.get("/search?q=化工")
	if strings.Contains(body, "完全匹配") {
		t.Error("free text is said to have or lack exact matches")
	}
}

// An item whose flowchart is its category's standard flow unchanged has
// no flowchart of its own: the page says so and shows the standard flow
// only folded, labelled generic and without time limits, so it cannot
// contradict the item's own limits. An item's own flowchart is shown as
// it is.
func TestItemWithoutItsOwnFlowchart(t *testing.T) {
	f := newPagesFixture(t)
	own := domain.StandardFlow("行政许可")
	own.Nodes[len(own.Nodes)-2].TimeLimit = "12个工作日"
	for n := 1; n <= 2; n++ {
		f.reads.powers[n][1].Flow = own
		f.reads.powers[n][1].Guide.PromisedLimit = "12个工作日"
	}
	_, body := f.get("/lists/powers/320500CF0001")
	for _, want := range []string{`id="flow-generic-note"`, "本事项没有公布自己的办理流程图", `<details class="flow-generic">`,
		"<summary>通用流程示意，非本事项流程</summary>", "（通用流程示意，非本事项流程）</title>"} {
		if !strings.Contains(body, want) {
			t.Errorf("generic flow: the page lacks %s", want)
		}
	}
	if strings.Contains(body, "时限：") {
		t.Error("the generic flow states time limits")
	}
	_, body = f.get("/lists/powers/320500XK0002")
	if strings.Contains(body, "通用流程示意") || !strings.Contains(body, "时限：12个工作日") || !strings.Contains(body, `<details class="flow-text" open>`) {
		t.Error("an item's own flowchart is not shown as its own")
	}
	resp, body := f.get("/lists/powers/320500CF0001/flowchart.svg")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "通用流程示意，非本事项流程") {
		t.Errorf("generic flowchart download: %d %.200s", resp.StatusCode, body)
	}
}

// Item pages keep the source's structure: line breaks in 办理条件 and
// 设定依据 stay breaks, and materials the source numbered itself are not
// numbered again.
func TestItemTextKeepsItsStructure(t *testing.T) {
	f := newPagesFixture(t)
	for n := 1; n <= 2; n++ {
		it := &f.reads.powers[n][1]
		it.LegalBasis = "《危险化学品安全管理条例》第三十三条\n《危险化学品经营许可证管理办法》第六条"
		it.Guide.Conditions = "一、有符合国家标准的经营场所；\n二、有专职安全管理人员。"
		it.Guide.Materials = []string{"一、设立", "1.申请书", "2.营业执照复印件"}
		f.reads.services[n][1].Materials = []string{"申请书", "身份证明"}
	}
	_, body := f.get("/lists/powers/320500XK0002")
	for _, want := range []string{"第三十三条<br>\n《危险化学品经营许可证管理办法》", "经营场所；<br>\n二、有专职安全管理人员",
		`<ul class="materials own-numbers"><li>一、设立</li><li>1.申请书</li>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the power item page lacks %q", want)
		}
	}
	if strings.Contains(body, `<ol class="materials">`) {
		t.Error("materials numbered by the source are numbered again")
	}
	if _, body := f.get("/lists/public-services/GG002"); !strings.Contains(body, `<ol class="materials"><li>申请书</li>`) {
		t.Error("materials without numbers of their own are not numbered")
	}
}

// The power list is paginated on the server (50 items a page) and grouped
// by category, each group with its count over all pages; the filters and
// the version stay in the page links.
func TestPowerListPages(t *testing.T) {
	f := newPagesFixture(t)
	var items []domain.PowerItem
	for i := range 120 {
		cat := []string{"行政许可", "行政处罚", "行政检查"}[i%3]
		items = append(items, domain.PowerItem{Code: fmt.Sprintf("320500QL%04d", i+1), Name: fmt.Sprintf("事项%d", i+1), Category: cat, Unit: "执法监督处"})
	}
	f.reads.powers[2] = items
	_, body := f.get("/lists/powers")
	if n := strings.Count(body, `<a href="/lists/powers/320500QL`); n != 50 {
		t.Errorf("page 1 lists %d items, want 50", n)
	}
	for _, want := range []string{">行政许可 <span class=\"count\">本类 40 项</span>", ">行政处罚 <span class=\"count\">本类 40 项</span>",
		"显示 120 项，共 120 项 · 本页第 1–50 项", `href="/lists/powers?page=2" rel="next"`, `href="/lists/powers?page=3"`,
		`<a class="skip skip-results" href="#list-status">跳到结果</a>`, `data-filter-in-place="list-results"`} {
		if !strings.Contains(body, want) {
			t.Errorf("page 1 lacks %s", want)
		}
	}
	if strings.Contains(body, ">行政检查 <span class=\"count\">本类") {
		t.Error("page 1 shows the third category, which begins on page 2")
	}
	_, body = f.get("/lists/powers?page=2")
	if !strings.Contains(body, ">行政处罚（续） <span class=\"count\">本类 40 项</span>") || !strings.Contains(body, `href="/lists/powers" rel="prev"`) {
		t.Error("page 2 does not continue the category of page 1")
	}
	_, body = f.get("/lists/powers?page=3")
	if n := strings.Count(body, `<a href="/lists/powers/320500QL`); n != 20 || strings.Contains(body, `rel="next"`) {
		t.Errorf("the last page lists %d items, want 20 and no next page", n)
	}
	_, body = f.get("/lists/powers?q=事项1&category=行政处罚&version=2")
	if !strings.Contains(body, "显示 10 项，共 120 项") || strings.Contains(body, "本页第") {
		t.Error("a filter that fits one page")
	}
	_, body = f.get("/lists/powers?category=行政检查&page=1&lang=en")
	if !strings.Contains(body, "40 in this category") {
		t.Error("the English page lacks the group count")
	}
	if resp, body := f.get("/lists/powers?page=4"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "没有第 4 页：共 3 页") {
		t.Errorf("page 4 of 3: %d", resp.StatusCode)
	}
	for _, q := range []string{"page=0", "page=x", "page=-1"} {
		if resp, body := f.get("/lists/powers?" + q); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "页码") {
			t.Errorf("%s: %d", q, resp.StatusCode)
		}
	}
	_, body = f.get("/lists/powers?q=没有这个事项")
	if !strings.Contains(body, "显示 0 项") {
		t.Error("an empty filter result")
	}
}

// The search filters never submit themselves (WCAG 3.2.2): each form has a
// button; a skip link leads past them to the results; they sit in a
// toggle that narrow screens fold.
func TestSearchFiltersApplyByButton(t *testing.T) {
	f := newPagesFixture(t)
	f.search.result = &search.Result{Query: "化工", Type: "penalty", Total: 1, Page: 1, PerPage: 20,
		Facets: map[string]map[string]int64{"type": {"penalty": 1}, "category": {"罚款": 1}},
		Hits:   []search.Hit{{Type: search.TypePenalty, ID: "7", Title: "苏州化工有限公司", URL: "/penalties/7"}}}
	_, body := f.get("/search?q=化工&type=penalty")
	if strings.Contains(body, "data-autosubmit") {
		t.Error("a search form submits itself on change")
	}
	for _, want := range []string{`<a class="skip skip-results" href="#results-h">跳到结果</a>`, `id="results-h"`,
		`<details class="filters-toggle" open>`, "<summary>筛选条件</summary>", `<button type="submit" class="secondary">应用筛选</button>`,
		`<button type="submit" class="secondary">排序</button>`} {
		if !strings.Contains(body, want) {
			t.Errorf("the search page lacks %s", want)
		}
	}
	if strings.Index(body, "filters-toggle") > strings.Index(body, `class="results"`) {
		t.Error("the filters come after the results")
	}
}

// The API page renders the spec's Markdown (no raw backticks) and speaks
// Chinese on the Chinese page: introduction, tag names, the operations'
// summaries, descriptions, parameters and responses, and the schemas;
// nothing is marked English. The English page keeps the spec's English.
func TestAPIPageRendersMarkdownInChinese(t *testing.T) {
	f := newPagesFixture(t)
	resp, body := f.get("/api")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/api: %d", resp.StatusCode)
	}
	for _, want := range []string{"<li>JSON 字段名为易读的英文", "<code>x-standard-code</code>", "<h2 id=\"tag-records\">公示记录 <code>records</code></h2>",
		"<strong>已公示的行政处罚：筛选、排序、分页</strong>", "<strong>把整份清单发布为下一个版本</strong>",
		"<td>上一页 <code>next</code> 链接中的不透明游标；仅在排序方式相同时有效</td>", "<p>请求体是整份清单。", "<td>罚款金额，以元为单位"} {
		if !strings.Contains(body, want) {
			t.Errorf("the Chinese API page lacks %s", want)
		}
	}
	for _, bad := range []string{"`", "Conventions:", "Administrative penalties (行政处罚) and permits", `<div class="prose" lang="en">`, `<td lang="en">`,
		`<strong lang="en">`, `<p class="meta" lang="en">`, "Opaque cursor"} {
		if strings.Contains(body, bad) {
			t.Errorf("the Chinese API page shows %q", bad)
		}
	}
	_, body = f.get("/api?lang=en")
	for _, want := range []string{"<p>Conventions:</p>", "<code>x-standard-code</code>", "<strong>Publish a whole list as its next version</strong>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the English API page lacks %s", want)
		}
	}
	if strings.Contains(body, "`") || strings.Contains(body, `lang="en">`) && strings.Contains(body, "JSON 字段名") {
		t.Error("the English API page shows raw Markdown or the Chinese introduction")
	}
}
