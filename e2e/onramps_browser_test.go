package e2e_test

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
)

// onRampCases check in Chromium the rest of what a citizen or a data
// user meets first: searches typed on a Latin keyboard or with other
// brackets, the withdrawals page behind the home page's count,
// incremental sync without a key, the open-data
// downloads for people, a company's XLSX, and the statistics filters.
// fullIDNumber is what an unmasked resident identity card number looks
// like (domain.ValidateIDCard tells it from a credit code of digits).
var fullIDNumber = regexp.MustCompile(`"([1-9]\d{16}[\dX])"`)

func onRampCases(t *testing.T, p *portal, br *browser) {
	t.Run("search: a decision number in any brackets, a name in pinyin", func(t *testing.T) {
		b := br.in(t)
		sub, err := p.pub.Subject(context.Background(), p.companyCode)
		if err != nil || len(sub.Penalties) == 0 {
			t.Fatalf("the company's penalties: %v", err)
		}
		pen := sub.Penalties[0]
		want := "/penalties/" + strconv.FormatInt(pen.ID, 10)
		number := strings.NewReplacer("[", "〔", "]", "〕", "(", "〔", ")", "〕", "（", "〔", "）", "〕", "【", "〔", "】", "〕").Replace(pen.DecisionNo)
		for _, pair := range [][2]string{{"〔", "〕"}, {"[", "]"}, {"(", ")"}, {"（", "）"}, {"【", "】"}} {
			typed := strings.NewReplacer("〔", pair[0], "〕", pair[1]).Replace(number)
			b.open("/search?q=" + url.QueryEscape(typed))
			links := eval[[]string](b, `[...document.querySelectorAll('.exact-matches [data-match="exact"] h3 a')].map(a => a.getAttribute("href"))`)
			if len(links) == 0 || !strings.HasSuffix(links[0], want) {
				t.Errorf("%s typed as %s: exact matches %v, want %s first", pen.DecisionNo, typed, links, want)
			}
		}
		// The company's name typed in pinyin (without the city, a stop
		// word) finds it.
		var query string
		for _, w := range search.PartyPinyin(p.company) {
			if len(w) >= 5 && !strings.Contains(w, "suzhou") {
				query = w
				break
			}
		}
		if query == "" {
			t.Fatalf("no pinyin for %s: %v", p.company, search.PartyPinyin(p.company))
		}
		b.open("/search?q=" + url.QueryEscape(query))
		titles := eval[[]string](b, `[...document.querySelectorAll(".hits .hit h3, .exact-matches h3")].map(h => h.textContent.trim())`)
		found := false
		for _, title := range titles {
			found = found || title == p.company
		}
		if !found {
			t.Errorf("searching %q does not find %s: %q", query, p.company, titles)
		}
	})

	t.Run("withdrawals: the home page's count leads to the rules and the figures", func(t *testing.T) {
		b := br.in(t)
		b.open("/")
		count := eval[string](b, `document.querySelector('.figures a[href="/withdrawals"]')?.textContent ?? ""`)
		if count == "" {
			t.Fatal("the home page's withdrawn count links nowhere")
		}
		b.run("open the withdrawals", chromedp.Click(chromedp.CSS(`.figures a[href="/withdrawals"]`)), chromedp.WaitVisible(chromedp.CSS("#rules-h")))
		b.checkCSP("/withdrawals")
		rules := b.text("dl.rules")
		for _, want := range []string{"公示期", "信用修复", "撤销", "更正"} {
			if !strings.Contains(rules, want) {
				t.Errorf("the withdrawal rules do not explain %s: %q", want, rules)
			}
		}
		n, _ := strconv.Atoi(strings.ReplaceAll(count, ",", ""))
		rows := eval[int](b, `document.querySelectorAll("#by-month-h ~ .table-scroll tbody tr").length`)
		total := eval[string](b, `document.querySelector("#by-month-h ~ .table-scroll tfoot td:last-child")?.textContent ?? "0"`)
		if n > 0 && (rows == 0 || total == "0") {
			t.Errorf("%d withdrawn decisions, the page lists %d months totalling %s", n, rows, total)
		}
		if main := b.text("main"); strings.Contains(main, p.company) {
			t.Error("the withdrawals page names a party")
		}
	})

	t.Run("incremental sync reads without a key", func(t *testing.T) {
		b := br.in(t)
		b.open("/api")
		// The masked feed too: a page of changes without a key, natural
		// persons' identifiers masked; a key that is not valid is refused,
		// not read as anonymous.
		// Pages are followed until 300 changes carry a record (the first
		// ones are the expiries of old decisions: keys only).
		feed := evalAsync[string](b, `(async () => {
			let after = "", text = "", records = 0, masked = true;
			for (let i = 0; i < 40 && records < 300; i++) {
				const r = await fetch("/api/v1/feeds/penalties?limit=1000" + (after ? "&after=" + after : ""), {credentials: "omit"});
				const body = await r.text();
				if (r.status !== 200) return r.status + " " + body;
				const page = JSON.parse(body);
				masked = masked && page.masked === true;
				records += page.changes.filter(c => c.record).length;
				text += body;
				after = page.next_cursor;
				if (!page.has_more) break;
			}
			return "200 masked=" + masked + " records=" + records + " " + text;
		})()`)
		if !strings.HasPrefix(feed, "200 masked=true records=") || strings.HasPrefix(feed, "200 masked=true records=0 ") {
			t.Errorf("masked feed without a key: %.300s", feed)
		}
		for _, m := range fullIDNumber.FindAllStringSubmatch(feed, -1) {
			if domain.ValidateIDCard(m[1]) == nil {
				t.Errorf("the masked feed shows an identity card number: %s", m[1])
			}
		}
		bad := evalAsync[string](b, `fetch("/api/v1/feeds/penalties?limit=1", {credentials: "omit",
			headers: {Authorization: "Bearer not-a-key"}}).then(r => String(r.status))`)
		if bad != "401" {
			t.Errorf("the feed with a key that is not valid: %s, want 401", bad)
		}
		got := evalAsync[string](b, `fetch("/api/v1/penalties?updated_since=2000-01-01T00:00:00Z&include_withdrawn=true&limit=3", {credentials: "omit"})
			.then(async r => r.status + " " + (await r.text()).slice(0, 4000))`)
		if !strings.HasPrefix(got, "200 ") || !strings.Contains(got, `"withdrawn"`) || !strings.Contains(got, `"updated_at"`) {
			t.Errorf("incremental sync without a key: %.300s", got)
		}
	})

	t.Run("open data: people download Chinese headers with a BOM, machines the codes", func(t *testing.T) {
		b := br.in(t)
		b.open("/data/penalties")
		people := eval[[]string](b, `[...document.querySelectorAll(".downloads-list.people a")].map(a => a.getAttribute("href"))`)
		var csvLink, xlsxLink bool
		for _, h := range people {
			csvLink = csvLink || strings.Contains(h, "format=csv") && strings.Contains(h, "headers=zh") && strings.Contains(h, "bom=1")
			xlsxLink = xlsxLink || strings.Contains(h, "format=xlsx") && strings.Contains(h, "headers=zh")
		}
		if !csvLink || !xlsxLink {
			t.Fatalf("the downloads for people are %v, want CSV with Chinese headers and a BOM, and XLSX", people)
		}
		body := downloadByClick(t, b, `.downloads-list.people a[href*="bom=1"]`)
		if !strings.HasPrefix(body, "\ufeff行政处罚决定书文号,") {
			t.Errorf("the people's CSV starts %.60q", body)
		}
		machine := evalAsync[string](b, `fetch(document.querySelector('.downloads-list.machines a[href*="format=csv"]').getAttribute("href"))
			.then(r => r.text()).then(s => s.slice(0, 40))`)
		if !strings.HasPrefix(machine, "CF_") {
			t.Errorf("the machines' CSV starts %q", machine)
		}
	})

	t.Run("a company's penalties as XLSX", func(t *testing.T) {
		b := br.in(t)
		b.open("/subjects/" + p.companyCode)
		magic := evalAsync[string](b, `fetch(document.querySelector('.subject-downloads a[href$="/penalties.xlsx"]').getAttribute("href"))
			.then(r => r.arrayBuffer()).then(a => String.fromCharCode(...new Uint8Array(a.slice(0, 2))))`)
		if magic != "PK" {
			t.Errorf("the XLSX download starts %q, not a ZIP", magic)
		}
	})

	t.Run("statistics: filters, thousands separators, same-named agencies", func(t *testing.T) {
		b := br.in(t)
		b.open("/stats")
		if figures := b.text("main dl"); !regexp.MustCompile(`\d,\d{3}`).MatchString(figures) {
			t.Errorf("no thousands separator in the figures: %q", figures)
		}
		note := eval[string](b, `document.querySelector("#timeliness-h ~ p")?.textContent ?? ""`)
		labels := eval[[]string](b, `[...document.querySelectorAll("#timeliness-h ~ details tbody tr > :first-child")].map(c => c.textContent)`)
		coded := 0
		for _, l := range labels {
			if regexp.MustCompile(`（[0-9A-Z]{18}）$`).MatchString(l) {
				coded++
			}
		}
		if strings.Contains(note, "同名") != (coded >= 2) {
			t.Errorf("timeliness: note %q, %d agencies labelled with their codes: %q", note, coded, labels)
		}
		district := eval[string](b, `document.querySelector('select[name="district"] option[value]:not([value=""])').value`)
		year := eval[string](b, `document.querySelector('select[name="year"] option[value]:not([value=""])').value`)
		before := b.text("main dl")
		b.run("filter by district and year", chromedp.SetValue(chromedp.CSS(`select[name="district"]`), district),
			chromedp.SetValue(chromedp.CSS(`select[name="year"]`), year),
			chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
		u := b.location()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(u, "district=") && time.Now().Before(deadline); u = b.location() {
			time.Sleep(100 * time.Millisecond)
		}
		b.run("wait for the filtered page", chromedp.WaitReady(chromedp.CSS("main")))
		if !strings.Contains(u, "district="+district) || !strings.Contains(u, "year="+year) {
			t.Errorf("the filtered statistics are at %s", u)
		}
		if got := eval[string](b, `document.querySelector('select[name="district"]').value`); got != district {
			t.Errorf("the district select shows %q after filtering by %s", got, district)
		}
		if after := b.text("main dl"); after == before {
			t.Errorf("filtering by %s and %s changed no figure: %q", district, year, after)
		}
	})
}

// The README takes a newcomer from `make run` to the pages, the API and
// the data, and the repository has its licence, changelog and security
// policy (issue 15, point 18).
func TestREADMEOnRamps(t *testing.T) {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(repoRoot(), name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	mod := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(read("go.mod"))
	readme := read("README.md")
	for _, want := range []string{"make run", "http://localhost:8080/", "`/api`", "`/data`", "`/openapi.yaml`", "Go " + mod[1],
		"curl ", "pd.read_csv(", "dtype=str", "/api/v1/feeds/penalties", "`feed:full`", "`ingest`", "LICENSE", "CHANGELOG", "SECURITY.md"} {
		if !strings.Contains(readme, want) {
			t.Errorf("the README does not say %q", want)
		}
	}
	changelog := read("CHANGELOG.md")
	for _, want := range []string{"Schema version", "Deprecation policy"} {
		if !strings.Contains(changelog, want) {
			t.Errorf("CHANGELOG.md does not state its %s", want)
		}
	}
	if l := read("LICENSE"); len(l) < 1000 {
		t.Error("LICENSE is not a licence text")
	}
	if s := read("SECURITY.md"); !strings.Contains(strings.ToLower(s), "report") {
		t.Error("SECURITY.md does not say how to report")
	}
}
