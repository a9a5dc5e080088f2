package e2e_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/flowchart"
	"github.com/gongshi/gongshi/internal/store"
)

// listAndFilterCases walk the power list, the search filters by keyboard
// and on a small screen, an item without a flowchart of its own, and the
// API page.
func listAndFilterCases(t *testing.T, p *portal, br *browser) {
	t.Run("power list: pages by category, filtered in place", func(t *testing.T) {
		b := br.in(t)
		b.open("/lists/powers")
		rows := eval[int](b, `document.querySelectorAll("#list-results tbody tr").length`)
		groups := eval[int](b, `document.querySelectorAll("#list-results section.power-group h2 .count").length`)
		if rows == 0 || rows > 50 || groups == 0 {
			t.Fatalf("the first page shows %d rows in %d groups, want 1–50 in groups", rows, groups)
		}
		if n := eval[int](b, `document.querySelectorAll("main *").length`); n > 1500 {
			t.Errorf("the power list page has %d elements in main", n)
		}
		before := b.text("#list-status")
		if eval[int](b, `document.querySelectorAll(".pager a[rel=next]").length`) == 1 {
			b.run("next page", chromedp.Click(chromedp.CSS(".pager a[rel=next]")), chromedp.WaitVisible(chromedp.CSS(`.pager a[rel=prev]`)))
			if u := b.location(); !strings.Contains(u, "page=2") {
				t.Errorf("the next page is %s", u)
			}
			b.open("/lists/powers")
		}
		// Typing filters in place: no navigation, focus stays in the box.
		eval[bool](b, `window.gongshiStay = true`)
		b.run("type a filter", chromedp.Click(chromedp.CSS("#list-q")), chromedp.SendKeys(chromedp.CSS("#list-q"), "危险化学品"))
		b.run("wait for the filtered list", chromedp.Poll[chromedp.Void](`document.getElementById("list-status").textContent !== `+jsString(before),
			chromedp.WithPollingTimeout(10*time.Second)))
		if !eval[bool](b, `window.gongshiStay === true`) {
			t.Error("filtering reloaded the page")
		}
		if id := eval[string](b, `document.activeElement.id`); id != "list-q" {
			t.Errorf("focus moved to %q while filtering", id)
		}
		names := eval[[]string](b, `[...document.querySelectorAll("#list-results tbody tr")].map(r => r.textContent)`)
		if len(names) == 0 {
			t.Fatal("no 危险化学品 item after filtering")
		}
		for _, n := range names {
			if !strings.Contains(n, "危险化学品") {
				t.Errorf("the filtered list shows %q", n)
			}
		}
		if u := b.location(); !strings.Contains(u, "q=") {
			t.Errorf("the filtered list's address %s does not keep the filter", u)
		}
		b.checkCSP("/lists/powers (filtered)")
		if vs := b.axe(); len(vs) > 0 {
			t.Errorf("filtered power list: %d accessibility violations:%s", len(vs), describeViolations(vs))
		}
	})

	t.Run("keyboard: search filters apply by their button", func(t *testing.T) {
		b := br.in(t)
		b.open("/search?q=" + url.QueryEscape("安全") + "&type=penalty")
		eval[bool](b, `window.gongshiStay = true`)
		id := eval[string](b, `document.querySelector('input[name="category"]').id`)
		b.run("Space on a filter checkbox", chromedp.Focus(chromedp.CSS("#"+id)), chromedp.KeyEvent(" "))
		time.Sleep(400 * time.Millisecond)
		if !eval[bool](b, `window.gongshiStay === true`) {
			t.Fatal("Space on a filter checkbox reloaded the page")
		}
		if got := eval[string](b, `document.activeElement.id`); got != id || !eval[bool](b, `document.getElementById(`+jsString(id)+`).checked`) {
			t.Errorf("after Space focus is on %q (want %q), checked %v", got, id, eval[bool](b, `document.getElementById(`+jsString(id)+`).checked`))
		}
		b.run("ArrowDown in the sort select", chromedp.Focus(chromedp.CSS("#sort")), chromedp.KeyEvent(kb.ArrowDown))
		time.Sleep(400 * time.Millisecond)
		if !eval[bool](b, `window.gongshiStay === true`) || eval[string](b, `document.activeElement.id`) != "sort" {
			t.Fatal("ArrowDown in the sort select reloaded the page or moved focus")
		}
		// The button applies the ticked filter.
		b.run("apply the filters", chromedp.Click(chromedp.CSS(".facet-form button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS(".active-filters")))
		if u := b.location(); !strings.Contains(u, "category=") {
			t.Errorf("the applied filter is not in the address %s", u)
		}
		// The skip link leads past the filters: the next Tab is in the results.
		b.run("skip to the results", chromedp.Focus(chromedp.CSS("a.skip-results")), chromedp.KeyEvent(kb.Enter), chromedp.KeyEvent(kb.Tab))
		if in := eval[bool](b, `!!document.activeElement.closest(".results")`); !in {
			t.Errorf("after the skip link, Tab focuses %s", eval[string](b, `document.activeElement.outerHTML.slice(0, 120)`))
		}
	})

	t.Run("small screens: search filters behind a toggle above the results", func(t *testing.T) {
		b := br.in(t)
		b.viewport(390, 844)
		defer b.resetViewport()
		b.open("/search?q=" + url.QueryEscape("安全") + "&type=penalty")
		if eval[bool](b, `document.querySelector("details.filters-toggle").open`) {
			t.Error("the filters are open on a 390 px screen")
		}
		if !eval[bool](b, `document.querySelector("details.filters-toggle > summary").getBoundingClientRect().top < document.querySelector(".results").getBoundingClientRect().top`) {
			t.Error("the filter toggle is not above the results")
		}
		b.run("open the filters", chromedp.Click(chromedp.CSS("details.filters-toggle > summary")))
		if !eval[bool](b, `document.querySelector("details.filters-toggle").open && document.querySelector(".facet-form").getBoundingClientRect().height > 0`) {
			t.Error("the toggle does not open the filters")
		}
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the search page is %d px wide on a 390 px screen", w)
		}
		b.shot("mobile-search-filters", false, false)
	})

	t.Run("power item without a flowchart of its own", func(t *testing.T) {
		b := br.in(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, items, err := p.pub.PowerListItems(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		// An item as an import of another bureau's file gives it: its
		// category's standard flow, and limits of its own.
		imported := domain.PowerItem{Code: "320500XK9001", Name: "烟花爆竹批发许可（外市清单导入）", Category: "行政许可",
			LegalBasis: "《烟花爆竹安全管理条例》第十九条\n《烟花爆竹经营许可实施办法》第五条", Unit: "危险化学品安全监督管理处", Level: "市级",
			Guide: domain.Guide{Basis: "《烟花爆竹经营许可实施办法》", Conditions: "一、具有企业法人条件；\n二、有符合规定的仓储设施。",
				Materials: []string{"一、设立", "1.烟花爆竹经营（批发）许可证申请书", "2.安全评价报告"}, StatutoryLimit: "30日", PromisedLimit: "10个工作日"},
			Flow: domain.StandardFlow("行政许可")}
		items = append(items, imported)
		if _, err := p.s.PublishList(ctx, store.Actor{Name: "e2e"}, store.ListInput{Kind: domain.ListPowers, Powers: items,
			Note: "导入外市清单事项"}, store.WriteOptions{Demo: true}); err != nil {
			t.Fatal(err)
		}
		path := "/lists/powers/" + imported.Code
		b.open(path)
		if note := b.text("#flow-generic-note"); !strings.Contains(note, "没有公布自己的办理流程图") {
			t.Errorf("the page does not say the item has no flowchart of its own: %q", note)
		}
		if eval[bool](b, `document.querySelector("details.flow-generic").open`) {
			t.Error("the generic flow is shown unfolded")
		}
		if s := b.text("details.flow-generic > summary"); s != flowchart.GenericLabel {
			t.Errorf("the generic flow is labelled %q", s)
		}
		if n := eval[int](b, `[...document.querySelectorAll(".flow-generic .flowchart svg text")].filter(e => e.textContent.includes("时限")).length`); n != 0 {
			t.Errorf("the generic flowchart states %d time limits", n)
		}
		if !eval[bool](b, `[...document.querySelectorAll(".flow-generic .flowchart svg text")].some(e => e.textContent === "`+flowchart.GenericLabel+`")`) {
			t.Error("the generic flowchart does not carry its label")
		}
		if facts := b.text(".facts"); !strings.Contains(facts, "10个工作日") {
			t.Errorf("the item's own time limit is not shown: %q", facts)
		}
		if basis := eval[string](b, `document.querySelector("p.basis").innerHTML`); !strings.Contains(basis, "<br>") {
			t.Errorf("the legal basis lost its line break: %q", basis)
		}
		conditions := eval[string](b, `[...document.querySelectorAll("dl.guide dt")].find(dt => dt.textContent === "办理条件")?.nextElementSibling.innerHTML ?? ""`)
		if !strings.Contains(conditions, "一、具有企业法人条件；<br>") || !strings.Contains(conditions, "二、有符合规定的仓储设施") {
			t.Errorf("办理条件 lost its line break: %q", conditions)
		}
		if n := eval[int](b, `document.querySelectorAll("ol.materials").length`); n != 0 || eval[int](b, `document.querySelectorAll("ul.materials.own-numbers li").length`) != 3 {
			t.Error("materials numbered by the source are numbered again")
		}
		if vs := b.axe(); len(vs) > 0 {
			t.Errorf("%s: %d accessibility violations:%s", path, len(vs), describeViolations(vs))
		}
		// The picture: the notice, and the generic flow unfolded with its label.
		eval[bool](b, `document.querySelector("details.flow-generic").open = true, document.getElementById("flow-h").scrollIntoView({block: "start"}), true`)
		b.shot("power-item-no-flowchart", false, true)
		svg := getBody(t, p.URL+"/api/v1/powers/"+imported.Code+"/flowchart.svg")
		if !strings.Contains(svg, ">"+flowchart.GenericLabel+"</text>") || strings.Contains(svg, "时限") {
			t.Errorf("the API flowchart of an item without its own is not labelled generic: %.300s", svg)
		}
	})

	t.Run("API page in Chinese with rendered Markdown", func(t *testing.T) {
		b := br.in(t)
		b.open("/api")
		if n := eval[int](b, `(document.querySelector("main").innerText.match(/`+"`"+`/g) || []).length`); n != 0 {
			t.Errorf("the API page shows %d raw backticks", n)
		}
		if intro := b.text("main .prose li"); !strings.Contains(intro, "JSON 字段名") {
			t.Errorf("the introduction is not Chinese: %q", intro)
		}
		// Every operation speaks Chinese: its summary, its description,
		// each parameter's and each response's description; nothing on
		// the page (schemas included) is marked English.
		untranslated := eval[[]string](b, `(() => {
			const han = /\p{Script=Han}/u, bad = [];
			for (const e of document.querySelectorAll("main [lang=en]")) bad.push("marked English: " + e.textContent.slice(0, 60));
			const ops = document.querySelectorAll("main article.op");
			if (ops.length < 100) bad.push("only " + ops.length + " operations");
			for (const op of ops) {
				const sum = op.querySelector("p > strong");
				if (!sum || !han.test(sum.textContent)) bad.push(op.id + " summary: " + (sum ? sum.textContent : "none"));
				const desc = op.querySelector(":scope > .prose");
				if (desc && !han.test(desc.textContent)) bad.push(op.id + " description: " + desc.textContent.slice(0, 60));
				for (const row of op.querySelectorAll("table tbody tr")) {
					const cells = row.querySelectorAll("td"), text = cells[cells.length === 4 ? 3 : 1].textContent;
					if (!han.test(text)) bad.push(op.id + " " + row.querySelector("td").textContent.trim() + ": " + text.slice(0, 60));
				}
			}
			return bad; })()`)
		if len(untranslated) > 0 {
			t.Errorf("the Chinese API page shows %d texts not in Chinese:\n  %s", len(untranslated), strings.Join(untranslated, "\n  "))
		}
		if s := b.text("#get-api-v1-penalties p > strong"); s != "已公示的行政处罚：筛选、排序、分页" {
			t.Errorf("GET /api/v1/penalties is summed up as %q", s)
		}
		// The English page stays English.
		b.open("/api?lang=en")
		if s := b.text("#get-api-v1-penalties p > strong"); !strings.HasPrefix(s, "Public penalties") {
			t.Errorf("the English API page sums GET /api/v1/penalties up as %q", s)
		}
		if d := b.text("#get-api-v1-search .prose"); !strings.Contains(d, "Searches the Meilisearch indexes") {
			t.Errorf("the English API page describes search as %q", d)
		}
	})
	discoveryCases(t, p, br)
}

// jsString quotes s as a JavaScript string.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}
