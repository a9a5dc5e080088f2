package e2e_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// discoveryCases check in Chromium what search engines and slow
// connections meet (compressed pages, absolute canonical and alternate
// links, robots.txt and the sitemap index), and that the statistics
// charts read on a 390 px phone.
func discoveryCases(t *testing.T, p *portal, br *browser) {
	t.Run("pages arrive compressed, with absolute canonical and hreflang links", func(t *testing.T) {
		b := br.in(t)
		record := "/penalties/" + strconv.FormatInt(p.personPenalty, 10)
		descriptions := map[string]string{}
		for _, path := range []string{"/", "/lists/powers", "/api", "/stats", record} {
			b.open(path)
			// The Performance API sees the bytes on the wire and the bytes
			// decoded: less on the wire is a compressed answer.
			sizes := eval[[]int](b, `(() => { const n = performance.getEntriesByType("navigation")[0]; return [n.encodedBodySize, n.decodedBodySize]; })()`)
			if sizes[0] <= 0 || sizes[0] >= sizes[1] {
				t.Errorf("%s arrived uncompressed: %d bytes on the wire for %d", path, sizes[0], sizes[1])
			}
			// The page's style sheet and script too (SVG is checked below).
			assets := eval[[][]any](b, `performance.getEntriesByType("resource")
				.filter(e => /\/static\/.*\.(css|js|svg)(\?|$)/.test(e.name) && e.decodedBodySize > 1024)
				.map(e => [e.name, e.encodedBodySize, e.decodedBodySize, e.transferSize])`)
			for _, a := range assets {
				enc, dec, transfer := a[1].(float64), a[2].(float64), a[3].(float64)
				if transfer > 0 && enc >= dec { // transferSize 0: from the cache, nothing to measure
					t.Errorf("%s: %v arrived uncompressed (%v bytes for %v)", path, a[0], enc, dec)
				}
			}
			links := eval[map[string]string](b, `(() => { const o = {}; for (const l of document.querySelectorAll('link[rel=canonical], link[rel=alternate][hreflang]'))
				o[l.getAttribute("rel") + " " + (l.getAttribute("hreflang") || "")] = l.getAttribute("href"); return o; })()`)
			for _, want := range []string{"canonical ", "alternate zh-CN", "alternate en", "alternate x-default"} {
				href, ok := links[want]
				if !ok {
					t.Errorf("%s has no <link rel=%s>", path, want)
				} else if !strings.HasPrefix(href, p.URL+"/") {
					t.Errorf("%s: <link rel=%s> is %q, not an absolute URL of the portal", path, want, href)
				}
			}
			if c := links["canonical "]; c != "" && c != p.URL+path {
				t.Errorf("%s: canonical %q", path, c)
			}
			if en := links["alternate en"]; !strings.Contains(en, "lang=en") {
				t.Errorf("%s: the English alternate is %q", path, en)
			}
			descriptions[path] = eval[string](b, `(document.querySelector('meta[name=description]') || {}).content || ""`)
		}
		if d := descriptions[record]; d == "" || d == descriptions["/"] || !strings.Contains(d, "处罚") {
			t.Errorf("the record page's description is %q (the home page's: %q)", d, descriptions["/"])
		}
		// An SVG: the flowchart of a power item, fetched by the page.
		svg := evalAsync[[]int](b, `fetch("/lists/powers/320500CF0001/flowchart.svg").then(r => r.blob()).then(() => {
			const e = performance.getEntriesByType("resource").filter(e => e.name.endsWith("/flowchart.svg")).pop();
			return [e.encodedBodySize, e.decodedBodySize]; })`)
		if svg[0] <= 0 || svg[0] >= svg[1] {
			t.Errorf("the flowchart SVG arrived uncompressed: %d bytes for %d", svg[0], svg[1])
		}
	})

	t.Run("robots.txt names the sitemap index, whose files list the records", func(t *testing.T) {
		b := br.in(t)
		b.open("/")
		robots := evalAsync[string](b, `fetch("/robots.txt").then(r => r.text())`)
		if !strings.Contains(robots, "\nSitemap: "+p.URL+"/sitemap.xml\n") {
			t.Fatalf("robots.txt does not name the sitemap:\n%s", robots)
		}
		// The index: absolute URLs of sitemap files, the pages' and at
		// least one of penalties and of permits.
		locs := evalAsync[[]string](b, `fetch("/sitemap.xml").then(r => r.text()).then(x => {
			const d = new DOMParser().parseFromString(x, "application/xml");
			if (d.documentElement.localName !== "sitemapindex") return ["root " + d.documentElement.localName];
			return [...d.getElementsByTagNameNS("http://www.sitemaps.org/schemas/sitemap/0.9", "loc")].map(l => l.textContent); })`)
		var penalties, permits string
		for _, l := range locs {
			if !strings.HasPrefix(l, p.URL+"/sitemaps/") || !strings.HasSuffix(l, ".xml") {
				t.Errorf("the sitemap index lists %q", l)
			}
			switch {
			case strings.Contains(l, "/sitemaps/penalties-"):
				penalties = l
			case strings.Contains(l, "/sitemaps/permits-"):
				permits = l
			}
		}
		if penalties == "" || permits == "" {
			t.Fatalf("the sitemap index lists no penalty or no permit file: %v", locs)
		}
		for kind, file := range map[string]string{"/penalties/": penalties, "/permits/": permits} {
			urls := evalAsync[[]string](b, `fetch(`+jsString(strings.TrimPrefix(file, p.URL))+`).then(r => r.text()).then(x => {
				const d = new DOMParser().parseFromString(x, "application/xml");
				if (d.documentElement.localName !== "urlset") return ["root " + d.documentElement.localName];
				return [...d.getElementsByTagNameNS("http://www.sitemaps.org/schemas/sitemap/0.9", "url")]
					.map(u => u.getElementsByTagNameNS("http://www.sitemaps.org/schemas/sitemap/0.9", "loc")[0].textContent); })`)
			if len(urls) == 0 {
				t.Errorf("%s lists no record", file)
			}
			for _, u := range urls {
				if !strings.HasPrefix(u, p.URL+kind) {
					t.Errorf("%s lists %q", file, u)
					break
				}
			}
			if kind == "/penalties/" && len(urls) > 0 {
				// A listed record opens.
				b.open(strings.TrimPrefix(urls[0], p.URL))
				if h := b.text("main h1"); h == "" {
					t.Errorf("%s has no heading", urls[0])
				}
			}
		}
	})

	t.Run("statistics charts legible at 390 px", func(t *testing.T) {
		b := br.in(t)
		b.viewport(390, 844)
		defer b.resetViewport()
		b.open("/stats")
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("/stats is %d px wide on a 390 px screen", w)
		}
		// Per chart: every text's rendered font size, its box inside the
		// chart and inside the screen, and no two texts overlapping.
		type chartCheck struct {
			ID       string
			Left     float64
			Right    float64
			MinFont  float64
			Texts    int
			Outside  []string
			Overlaps []string
			Same     []string // category labels shown alike (cut short)
		}
		checks := eval[[]chartCheck](b, `[...document.querySelectorAll("svg.chart")].map(svg => {
			const r = svg.getBoundingClientRect(), scale = r.width / svg.viewBox.baseVal.width;
			const texts = [...svg.querySelectorAll("text")].filter(t => t.textContent.trim() !== "");
			const boxes = texts.map(t => t.getBoundingClientRect());
			const out = {ID: svg.id || svg.querySelector("title").id, Left: r.left, Right: r.right, MinFont: 1e9, Texts: texts.length, Outside: [], Overlaps: []};
			texts.forEach((t, i) => {
				out.MinFont = Math.min(out.MinFont, parseFloat(getComputedStyle(t).fontSize) * scale);
				const q = boxes[i];
				if (q.left < r.left - 0.5 || q.right > r.right + 0.5 || q.top < r.top - 0.5 || q.bottom > r.bottom + 0.5)
					out.Outside.push(t.textContent + JSON.stringify([q.left-r.left, q.right-r.left, q.top-r.top, q.bottom-r.top, r.width, r.height]));
				for (let j = 0; j < i; j++) {
					const o = boxes[j];
					if (q.left < o.right - 1 && o.left < q.right - 1 && q.top < o.bottom - 1 && o.top < q.bottom - 1)
						out.Overlaps.push(texts[j].textContent + " / " + t.textContent + JSON.stringify([o.bottom-r.top, q.top-r.top, o.right-r.left, q.left-r.left]));
				}
			});
			const labels = [...svg.querySelectorAll("text[text-anchor=end]")]
				.filter(t => !/^[0-9,.]+$/.test(t.textContent)).map(t => t.textContent);
			out.Same = labels.filter((l, i) => labels.indexOf(l) !== i);
			return out; })`)
		if len(checks) != 5 {
			t.Errorf("%d charts, want 5", len(checks))
		}
		for _, c := range checks {
			if c.Texts == 0 {
				t.Errorf("%s has no labels", c.ID)
			}
			if c.MinFont < 11 {
				t.Errorf("%s: labels of %.1f px at 390 px, want at least 11", c.ID, c.MinFont)
			}
			if c.Left < 0 || c.Right > 390 {
				t.Errorf("%s spans %.0f–%.0f px on a 390 px screen", c.ID, c.Left, c.Right)
			}
			if len(c.Outside) > 0 {
				t.Errorf("%s: labels cut off at its edges: %q", c.ID, c.Outside)
			}
			if len(c.Overlaps) > 0 {
				t.Errorf("%s: overlapping labels: %q", c.ID, c.Overlaps)
			}
			if len(c.Same) > 0 {
				t.Errorf("%s: labels that read the same: %q", c.ID, c.Same)
			}
		}
		eval[bool](b, `document.getElementById("monthly-h").scrollIntoView({block: "start"}), true`)
		b.shot("stats-mobile", false, true)
		for _, name := range []string{"stages", "timeliness"} {
			eval[bool](b, `document.getElementById("`+name+`-h").scrollIntoView({block: "start"}), true`)
			b.shot("stats-mobile-"+name, false, false)
		}
	})
	onRampCases(t, p, br)
}

// evalAsync evaluates a JavaScript expression whose value is a promise,
// and returns what the promise gives.
func evalAsync[T any](b *browser, js string) T {
	b.t.Helper()
	return value(b, "evaluate "+js, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}
