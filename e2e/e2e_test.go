package e2e_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server/httpx"
)

// TestPortal walks through the portal in headless Chromium as a citizen
// would, then checks accessibility, small screens, caching, masking and
// that no external host is contacted.
func TestPortal(t *testing.T) {
	p := startPortal(t)
	br := newBrowser(t, p.URL)
	var recordPath, subjectPath, powerPath string

	t.Run("home", func(t *testing.T) {
		b := br.in(t)
		b.open("/")
		if h := b.text("h1"); h != "行政处罚与行政许可公示" {
			t.Errorf("home heading %q", h)
		}
		figures := eval[int](b, `document.querySelectorAll(".figures dd").length`)
		if figures < 4 {
			t.Errorf("home shows %d headline figures, want 4", figures)
		}
		if banner := b.text(".demo-banner"); !strings.Contains(banner, "示例数据") {
			t.Errorf("demo data not marked: %q", banner)
		}
		b.shot("home", false, true)
	})

	t.Run("search by company name", func(t *testing.T) {
		b := br.in(t)
		b.open("/")
		words := []rune(p.company)
		query := string(words[:min(len(words), 6)])
		b.run("type the name", chromedp.SendKeys(chromedp.CSS("#q"), query),
			chromedp.WaitVisible(chromedp.CSS("#q-suggest li")))
		suggestions := eval[int](b, `document.querySelectorAll("#q-suggest li").length`)
		if suggestions == 0 {
			t.Error("no suggestions while typing")
		}
		b.shot("search-suggestions", false, false)
		b.run("submit", chromedp.SendKeys(chromedp.CSS("#q"), kb.Enter),
			chromedp.WaitVisible(chromedp.CSS(".hits .hit")))
		if u := b.location(); !strings.Contains(u, "/search?") {
			t.Fatalf("search went to %s", u)
		}
		titles := eval[string](b, `[...document.querySelectorAll(".hit h3")].map(h => h.textContent).join("\n")`)
		if !strings.Contains(titles, p.company) {
			t.Errorf("searching %q does not list %s:\n%s", query, p.company, titles)
		}
		marks := eval[int](b, `document.querySelectorAll(".hit mark").length`)
		if marks == 0 {
			t.Error("no highlighted snippet")
		}
		b.shot("search", false, true)
	})

	t.Run("apply a facet", func(t *testing.T) {
		b := br.in(t)
		b.open("/search?q=" + url.QueryEscape("安全") + "&type=penalty")
		before := b.text(".results-head")
		// The smallest category, so that the count must change.
		value := eval[string](b, `[...document.querySelectorAll('input[name="category"]')].at(-1).value`)
		id := eval[string](b, `[...document.querySelectorAll('input[name="category"]')].at(-1).id`)
		b.run("tick a category and apply", chromedp.Click(chromedp.CSS("#"+id)),
			chromedp.Click(chromedp.CSS(".facet-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".active-filters")))
		u := b.location()
		if !strings.Contains(u, "category=") {
			t.Fatalf("facet not in the URL: %s", u)
		}
		if f := b.text(".active-filters"); !strings.Contains(f, value) {
			t.Errorf("active filters %q do not show %s", f, value)
		}
		after := b.text(".results-head")
		if after == before {
			t.Errorf("the count did not change after filtering by %s: %q", value, after)
		}
		// The URL is shareable: opening it again gives the same page.
		b.open(strings.TrimPrefix(u, p.URL))
		if again := b.text(".results-head"); again != after {
			t.Errorf("reopening the URL shows %q, not %q", again, after)
		}
		b.shot("search-facet", false, false)
	})

	t.Run("search by credit code and open the record", func(t *testing.T) {
		b := br.in(t)
		b.open("/search?q=" + strings.ToLower(p.companyCode)) // codes are case-insensitive
		if n := b.text(".notice"); !strings.Contains(n, p.companyCode) {
			t.Errorf("no profile link for the credit code: %q", n)
		}
		first := b.text(".hits .hit h3")
		if first != p.company {
			t.Errorf("first hit for %s is %q, want %s", p.companyCode, first, p.company)
		}
		if badge := b.text(".hits .hit .badge"); badge != "精确匹配" {
			t.Errorf("first hit not marked exact: %q", badge)
		}
		b.run("open the record", chromedp.Click(chromedp.CSS(`.hits .hit h3 a`)),
			chromedp.WaitVisible(chromedp.CSS("#rec-title")))
		u, _ := url.Parse(b.location())
		recordPath = u.Path
		if !strings.HasPrefix(recordPath, "/penalties/") && !strings.HasPrefix(recordPath, "/permits/") {
			t.Fatalf("record at %s", recordPath)
		}
		if h := b.text("#rec-title"); h != p.company {
			t.Errorf("record of %q, want %s", h, p.company)
		}
		fields := eval[int](b, `document.querySelectorAll("table.fields tbody tr").length + document.querySelectorAll(".empty-fields li").length`)
		if fields < 20 {
			t.Errorf("record page shows %d fields, given and folded", fields)
		}
		ldType := eval[string](b, `JSON.parse(document.querySelector('script[type="application/ld+json"]').textContent)["@type"]`)
		apiLink := eval[string](b, `document.querySelector('a[href^="/api/v1/"]').getAttribute("href")`)
		if ldType == "" || !strings.HasPrefix(apiLink, "/api/v1/"+strings.Split(recordPath, "/")[1]+"/") {
			t.Errorf("JSON-LD type %q, API link %q", ldType, apiLink)
		}
		b.shot("record", false, true)
		b.shot("record-full", true, false)
	})

	t.Run("search by full name: exact matches apart from related results", func(t *testing.T) {
		b := br.in(t)
		b.open("/search?q=" + url.QueryEscape(p.company))
		exact := eval[[]string](b, `[...document.querySelectorAll('.exact-matches [data-match="exact"] h3')].map(h => h.textContent)`)
		if len(exact) == 0 {
			t.Fatalf("no exact match for the full name %s", p.company)
		}
		for _, title := range exact {
			if title != p.company {
				t.Errorf("exact match %q for the name %s", title, p.company)
			}
		}
		related := eval[[]string](b, `[...document.querySelectorAll('[data-match="related"] h3')].map(h => h.textContent)`)
		if slices.Contains(related, p.company) {
			t.Errorf("a related result repeats the exact name %s", p.company)
		}
		// The exact section comes first, with the company's page.
		order := eval[bool](b, `(() => { const e = document.querySelector(".exact-matches"), r = document.querySelector("#results-h");
			return !!e && !!r && !!(e.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING); })()`)
		profile := eval[string](b, `document.querySelector('.exact-matches a[href^="/subjects/"]')?.getAttribute("href") ?? ""`)
		if !order || profile != "/subjects/"+p.companyCode {
			t.Errorf("exact section first %v, profile link %q", order, profile)
		}
		if head := b.text("#exact-h"); head != "完全匹配" {
			t.Errorf("exact section heading %q", head)
		}
		b.shot("search-exact", true, true)

		// The same record's decision number typed with square brackets is
		// an exact match too.
		subtitle := b.text(`.exact-matches [data-match="exact"] .muted`)
		number, _, _ := strings.Cut(subtitle, " · ")
		typed := strings.NewReplacer("〔", "[", "〕", "]").Replace(number)
		b.open("/search?q=" + url.QueryEscape(typed))
		if first := b.text(`.exact-matches [data-match="exact"] h3`); first != p.company {
			t.Errorf("decision number %s typed as %s: first exact match %q", number, typed, first)
		}

		// A name that names nothing says so.
		b.open("/search?q=" + url.QueryEscape("苏州没有这家化工有限公司"))
		if n := b.text(".exact-matches .notice"); !strings.Contains(n, "未找到完全匹配") {
			t.Errorf("no exact match notice: %q", n)
		}

		// The home page's examples — a name, a credit code, a decision
		// number — are public records: each finds its exact match.
		b.open("/")
		examples := eval[[]string](b, `[...document.querySelectorAll(".search-examples a")].map(a => a.getAttribute("href"))`)
		if len(examples) != 3 {
			t.Fatalf("home page examples %v, want a name, a credit code and a decision number", examples)
		}
		for _, href := range examples {
			b.open(href)
			if n := eval[int](b, `document.querySelectorAll('.exact-matches [data-match="exact"]').length`); n == 0 {
				t.Errorf("the home page's example %s finds no exact match", href)
			}
		}
	})

	t.Run("enterprise profile", func(t *testing.T) {
		b := br.in(t)
		if recordPath == "" {
			t.Skip("no record was opened")
		}
		b.open(recordPath)
		b.run("open the profile", chromedp.Click(chromedp.CSS(`a.button[href^="/subjects/"]`)),
			chromedp.WaitVisible(chromedp.CSS(".timeline")))
		u, _ := url.Parse(b.location())
		subjectPath = u.Path
		if subjectPath != "/subjects/"+p.companyCode {
			t.Errorf("profile at %s", subjectPath)
		}
		entries := eval[int](b, `document.querySelectorAll(".timeline li").length`)
		if entries == 0 {
			t.Error("empty timeline")
		}
		if names := b.text("#names-h + .table-scroll tbody"); !strings.Contains(names, p.company) {
			t.Errorf("names recorded: %q", names)
		}
		feed := eval[string](b, `document.querySelector('link[type="application/atom+xml"]').getAttribute("href")`)
		if feed != subjectPath+"/feed.atom" {
			t.Errorf("feed link %q", feed)
		}
		b.viewport(1280, 1250)
		b.shot("subject", false, true)
		b.resetViewport()
	})

	t.Run("power item and its flowchart", func(t *testing.T) {
		b := br.in(t)
		b.open("/lists/powers")
		b.run("choose 行政处罚", chromedp.Click(chromedp.CSS(`.tabs a[href*="category=%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.tabs a[aria-current="page"][href*="category="]`)))
		b.shot("powers", false, true)
		b.run("open the first item", chromedp.Click(chromedp.CSS(`table.list a[href^="/lists/powers/"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.flowchart svg[role="img"]`)))
		u, _ := url.Parse(b.location())
		powerPath = u.Path
		nodes := eval[int](b, `document.querySelectorAll(".flowchart svg g.node").length`)
		steps := eval[int](b, `document.querySelectorAll(".flow-text li").length`)
		if nodes < 5 || steps != nodes {
			t.Errorf("flowchart has %d nodes and %d described steps", nodes, steps)
		}
		guide := eval[int](b, `document.querySelectorAll("dl.guide dt").length`)
		if guide < 8 {
			t.Errorf("operation guide has %d entries", guide)
		}
		title := eval[string](b, `document.querySelector(".flowchart svg > title").textContent`)
		if !strings.Contains(title, "流程图") {
			t.Errorf("flowchart title %q", title)
		}
		png := eval[int](b, `document.querySelectorAll("[data-png] button").length`)
		if png != 1 {
			t.Error("no PNG download button")
		}
		eval[bool](b, `document.getElementById("flow-h").scrollIntoView({block: "start"}), true`)
		b.shot("flowchart", false, true)
		// The SVG download is a standalone SVG document.
		resp := get(t, p.URL+powerPath+"/flowchart.svg")
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "image/svg+xml") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("flowchart download: %s, %s", ct, resp.Header.Get("Content-Disposition"))
		}
	})

	t.Run("compare two list versions", func(t *testing.T) {
		b := br.in(t)
		b.open("/lists/powers/versions")
		b.run("choose versions 1 and 2", chromedp.SetValue(chromedp.CSS("#cmp-from"), "1"),
			chromedp.SetValue(chromedp.CSS("#cmp-to"), "2"),
			chromedp.Click(chromedp.CSS(".compare-form button")),
			chromedp.WaitVisible(chromedp.CSS("#changed-h")))
		if u := b.location(); !strings.Contains(u, "from=1") || !strings.Contains(u, "to=2") {
			t.Errorf("compare URL %s", u)
		}
		added := eval[int](b, `+document.querySelector("dd.added").textContent`)
		changed := eval[int](b, `+document.querySelector("dd.changed").textContent`)
		removed := eval[int](b, `+document.querySelector("dd.removed").textContent`)
		dels := eval[int](b, `document.querySelectorAll("table.diff del").length`)
		ins := eval[int](b, `document.querySelectorAll("table.diff ins").length`)
		if added == 0 || changed == 0 || removed == 0 || dels+ins == 0 {
			t.Errorf("diff of the power list v1→v2: +%d ~%d -%d, %d deletions and %d insertions marked", added, changed, removed, dels, ins)
		}
		eval[bool](b, `document.querySelector("dl.figures").scrollIntoView({block: "start"}), true`)
		b.shot("compare", false, true)
	})

	t.Run("statistics and a CSV download", func(t *testing.T) {
		b := br.in(t)
		b.open("/stats")
		charts := eval[int](b, `document.querySelectorAll("svg.chart[role=img] > title").length`)
		tables := eval[int](b, `document.querySelectorAll(".chart-section:has(svg.chart) table").length`)
		if charts != 5 || tables != 5 {
			t.Errorf("statistics show %d charts and %d data tables, want 5 and 5", charts, tables)
		}
		bars := eval[int](b, `document.querySelectorAll("#chart-monthly-t ~ rect[height]").length`)
		if bars == 0 {
			t.Error("the monthly chart has no bars")
		}
		b.shot("stats", false, true)

		csv := downloadByClick(t, b, `a[href*="/stats/monthly.csv"]`)
		lines := strings.Split(strings.TrimSpace(csv), "\n")
		if !strings.HasPrefix(lines[0], "\ufeff月份,案件数") || len(lines) != 25 {
			t.Errorf("monthly CSV: %d lines, header %q", len(lines), lines[0])
		}
	})

	t.Run("accessibility", func(t *testing.T) {
		b := br.in(t)
		// The checker itself works: an image without a text alternative
		// is a critical violation.
		b.run("open a faulty page", chromedp.Navigate(`data:text/html,<html lang="en"><title>x</title><main><img src="data:,"></main></html>`))
		if vs := b.axe(); len(vs) == 0 {
			t.Fatal("axe-core found nothing wrong with an image without alt text")
		}
		pages := []string{"/", "/search?q=" + url.QueryEscape("化工"), "/search?q=" + url.QueryEscape("化工") + "&type=penalty&category=" + url.QueryEscape("罚款"),
			"/search?q=zzzzqqqq", recordPath, subjectPath, "/lists/powers", powerPath, "/lists/responsibilities",
			"/lists/public-services", "/lists/powers/versions", "/lists/powers/compare", "/data", "/data/penalties",
			"/stats", "/withdrawals", "/api", "/subscribe", "/about", "/?lang=en", "/penalties/999999999"}
		for _, path := range pages {
			if path == "" {
				continue
			}
			b.open(path)
			if vs := b.axe(); len(vs) > 0 {
				t.Errorf("%s: %d serious or critical accessibility violations:%s", path, len(vs), describeViolations(vs))
			}
		}
	})

	t.Run("keyboard", func(t *testing.T) {
		b := br.in(t)
		b.open("/")
		// The first Tab reaches the skip link, which moves focus to main.
		b.run("tab", chromedp.KeyEvent(kb.Tab))
		active := eval[string](b, `document.activeElement.className + "|" + document.activeElement.getAttribute("href")`)
		if active != "skip|#main" {
			t.Errorf("first Tab focuses %q, want the skip link", active)
		}
		outline := eval[string](b, `getComputedStyle(document.activeElement).outlineStyle`)
		if outline == "none" {
			t.Error("focused link has no visible outline")
		}
	})

	t.Run("small screens", func(t *testing.T) {
		b := br.in(t)
		b.viewport(360, 780)
		defer b.resetViewport()
		for _, path := range []string{"/", "/search?q=" + url.QueryEscape("化工"), recordPath, powerPath, "/stats"} {
			if path == "" {
				continue
			}
			b.open(path)
			width := eval[int](b, `document.documentElement.scrollWidth`)
			if width > 360 {
				t.Errorf("%s is %d px wide on a 360 px screen", path, width)
			}
		}
		b.open("/")
		b.shot("mobile-home", false, true)
		if recordPath != "" {
			b.open(recordPath)
			b.shot("mobile-record", false, false)
		}
	})

	t.Run("verify an officer's certificate on a phone", func(t *testing.T) { verifyOnPhone(t, br.in(t), p) })

	t.Run("masked identifiers", func(t *testing.T) {
		b := br.in(t)
		path := "/penalties/" + strconv.FormatInt(p.personPenalty, 10)
		b.open(path)
		html := value(b, "read the page", chromedp.OuterHTML(chromedp.CSS("html")))
		if strings.Contains(html, testenv.PersonID) {
			t.Fatalf("%s shows the full ID number", path)
		}
		if !strings.Contains(html, testenv.PersonID[:6]+"**********") {
			t.Errorf("%s does not show the masked ID number", path)
		}
		pages := []string{"/", path, "/search?q=" + url.QueryEscape("李四"), "/search?q=" + url.QueryEscape("李四") + "&type=penalty",
			"/search/feed.atom?q=" + url.QueryEscape("李四"), "/search/suggest?q=" + url.QueryEscape("李四"),
			"/data/penalties", "/stats",
			"/stats/timeliness.csv", "/api/v1/datasets/penalties/download?format=csv"}
		for _, pg := range pages {
			body := getBody(t, p.URL+pg)
			if strings.Contains(body, testenv.PersonID) || strings.Contains(body, testenv.PersonID[6:14]) {
				t.Errorf("%s contains the full ID number or its hidden digits", pg)
			}
		}
		// Searching by the number (the page echoes the query) finds nothing.
		for _, q := range []string{testenv.PersonID, testenv.PersonID[6:14]} {
			body := getBody(t, p.URL+"/search?q="+q)
			if strings.Contains(body, path+`"`) || strings.Contains(body, "李四") {
				t.Errorf("searching %s finds the person's penalty", q)
			}
		}
	})

	t.Run("caching and size", func(t *testing.T) {
		for _, path := range []string{"/", recordPath, subjectPath, powerPath, "/lists/powers/compare", "/stats", "/api"} {
			if path == "" {
				continue
			}
			resp := get(t, p.URL+path)
			tag := resp.Header.Get("ETag")
			// A browser revalidates what may show a record; the lists
			// it keeps a minute.
			age := 0
			if strings.HasPrefix(path, "/lists/") {
				age = 60
			}
			if cc := resp.Header.Get("Cache-Control"); cc != fmt.Sprintf("public, max-age=%d, s-maxage=%d, stale-while-revalidate=%d", age, httpx.CDNMaxAge, httpx.CDNStale) || tag == "" {
				t.Errorf("%s: Cache-Control %q, ETag %q", path, cc, tag)
				continue
			}
			req, _ := http.NewRequest("GET", p.URL+path, nil)
			req.Header.Set("If-None-Match", tag)
			r2, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			r2.Body.Close()
			if r2.StatusCode != http.StatusNotModified {
				t.Errorf("%s with If-None-Match: %d, want 304", path, r2.StatusCode)
			}
		}
		body := getBody(t, p.URL+"/search?q="+url.QueryEscape("安全生产"))
		if len(body) >= 100*1024 {
			t.Errorf("a search page is %d bytes, want under 100 KB", len(body))
		}
		if !strings.Contains(body, "<mark>") {
			t.Error("search page without highlights")
		}
	})

	recordPagesInBrowser(t, p, br, recordPath, subjectPath)
	listAndFilterCases(t, p, br)

	t.Run("no external hosts", func(t *testing.T) {
		if ext := br.externalRequests(); len(ext) > 0 {
			t.Errorf("the pages contacted other hosts: %v", ext)
		}
	})
}

func get(t *testing.T, u string) *http.Response {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	return resp
}

func getBody(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	return string(b)
}
