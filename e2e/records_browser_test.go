package e2e_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// recordPagesInBrowser checks, in Chromium, what a reader of one record
// or one company meets: the summary first on a 390 px phone, labels that
// wrap between words, the absolute URL with a copy button and a QR code,
// the print colophon, the company's CSV download, and a withdrawn
// record's 410 page.
func recordPagesInBrowser(t *testing.T, p *portal, br *browser, recordPath, subjectPath string) {
	t.Run("record summary at 390 px", func(t *testing.T) {
		if recordPath == "" {
			t.Skip("no record was opened")
		}
		b := br.in(t)
		b.viewport(390, 844)
		defer b.resetViewport()
		for _, path := range []string{recordPath, recordPath + "?lang=en"} {
			b.open(path)
			if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
				t.Errorf("%s is %d px wide at 390 px", path, w)
			}
			// The summary starts within the first screen, above the fields.
			top := eval[float64](b, `document.querySelector(".summary-list").getBoundingClientRect().top`)
			fields := eval[float64](b, `document.querySelector("#fields-h").getBoundingClientRect().top`)
			if top <= 0 || top > 844 || fields < top {
				t.Errorf("%s: the summary is at %.0f px, the fields at %.0f px", path, top, fields)
			}
			if s := b.text(".summary-list"); !strings.Contains(s, p.company) {
				t.Errorf("%s: the summary does not name %s: %q", path, p.company, s)
			}
			if n := b.text(".original-note"); !strings.Contains(n, "以决定书原件为准") && !strings.Contains(n, "original decision document prevails") {
				t.Errorf("%s: no note that the original prevails: %q", path, n)
			}
			// No label breaks inside a word, and the standard code does not
			// squeeze the labels: each label keeps most of the row.
			broken := eval[string](b, `(() => {
				const out = [];
				for (const th of document.querySelectorAll("table.fields th[scope=row], .summary-list dt")) {
					const text = th.firstChild;
					if (!text || text.nodeType !== 3) continue;
					const re = /[A-Za-z][A-Za-z'’-]*/g;
					let m;
					while ((m = re.exec(text.data))) {
						const r = document.createRange();
						r.setStart(text, m.index); r.setEnd(text, m.index + m[0].length);
						const lines = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
						if (lines.size > 1) out.push(m[0]);
					}
				}
				return out.join(", ");
			})()`)
			if broken != "" {
				t.Errorf("%s: labels broken inside words: %s", path, broken)
			}
			narrow := eval[string](b, `[...document.querySelectorAll("table.fields tr")].filter(tr => tr.querySelector("th[scope=row]")).
				filter(tr => tr.querySelector("th").getBoundingClientRect().width < 0.5 * tr.getBoundingClientRect().width).
				map(tr => tr.querySelector("th").textContent).join(", ")`)
			if narrow != "" {
				t.Errorf("%s: labels squeezed by the code column: %s", path, narrow)
			}
		}
		b.open(recordPath)
		b.shot("mobile-record", false, false)
	})

	t.Run("record share, QR and print", func(t *testing.T) {
		if recordPath == "" {
			t.Skip("no record was opened")
		}
		b := br.in(t)
		b.open(recordPath)
		abs := p.URL + recordPath
		if v := eval[string](b, `document.querySelector("#share-url").value`); v != abs {
			t.Errorf("the page's URL is %q, want %q", v, abs)
		}
		qr := eval[string](b, `(() => { const s = document.querySelector(".share svg.qr-code"); if (!s) return "";
			const r = s.getBoundingClientRect(); return s.getAttribute("aria-label") + "|" + Math.round(r.width) + "|" + s.querySelector("path").getAttribute("d").length })()`)
		if parts := strings.Split(qr, "|"); len(parts) != 3 || !strings.Contains(parts[0], abs) || parts[1] == "0" || len(parts[2]) < 3 {
			t.Errorf("no visible QR code of %s: %q", abs, qr)
		}
		// The copy button puts the URL on the clipboard.
		for _, perm := range []*cdpbrowser.PermissionDescriptor{{Name: "clipboard-read"}, {Name: "clipboard-write"}} {
			if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetPermission, cdpbrowser.SetPermissionParams{
				Permission: perm, Setting: cdpbrowser.PermissionSettingGranted, Origin: p.URL}); err != nil {
				t.Fatalf("grant %s: %v", perm.Name, err)
			}
		}
		b.run("copy the link", chromedp.Click(chromedp.CSS(`[data-copy] button`)))
		value(b, "wait for the status", chromedp.Poll[bool](`document.querySelector(".copy-status").textContent !== ""`,
			chromedp.WithPollingTimeout(5*time.Second)))
		if s := b.text(".copy-status"); s != "已复制链接" {
			t.Errorf("copy status %q", s)
		}
		clip := value(b, "read the clipboard", chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
		if clip != abs {
			t.Errorf("the clipboard holds %q, want %q", clip, abs)
		}
		b.shot("record-share", false, false)

		// In print, the colophon shows the publisher, today's date and the URL.
		call(b, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
		col := eval[string](b, `(() => { const c = document.querySelector(".print-colophon");
			return getComputedStyle(c).display + "|" + c.innerText + "|" + getComputedStyle(document.querySelector("header.site")).display })()`)
		call(b, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
		today := time.Now().Format(time.DateOnly)
		if parts := strings.SplitN(col, "|", 3); len(parts) != 3 || parts[0] == "none" || !strings.Contains(parts[1], "苏州市应急管理局") ||
			!strings.Contains(parts[1], today) || !strings.Contains(parts[1], abs) || parts[2] != "none" {
			t.Errorf("print colophon: %q", col)
		}
	})

	t.Run("subject CSV download and report", func(t *testing.T) {
		if subjectPath == "" {
			t.Skip("no profile was opened")
		}
		b := br.in(t)
		b.open(subjectPath)
		sub, err := p.pub.Subject(context.Background(), p.companyCode)
		if err != nil {
			t.Fatal(err)
		}
		body := downloadByClick(t, b, `.subject-downloads a[href$="/penalties.csv"]`)
		if !strings.HasPrefix(body, "\ufeff行政处罚决定书文号,") {
			t.Fatalf("subject CSV starts %.60q", body)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows)-1 != int(sub.PenaltyCount) || len(rows[0]) != len(domain.PenaltyFields) {
			t.Errorf("subject CSV: %d rows of %d columns, want %d of %d", len(rows)-1, len(rows[0]), sub.PenaltyCount, len(domain.PenaltyFields))
		}
		b.run("open the report", chromedp.Click(chromedp.CSS(`a[href="`+subjectPath+`/report"]`)),
			chromedp.WaitVisible(chromedp.CSS("#report-h")))
		b.checkCSP(subjectPath + "/report")
		if h := b.text("#report-h"); h != "公示信息报告" {
			t.Errorf("report heading %q", h)
		}
		if n := eval[int](b, `document.querySelectorAll(".report-table tbody tr").length`); n != len(sub.Penalties)+len(sub.Permits) {
			t.Errorf("the report lists %d records, want %d", n, len(sub.Penalties)+len(sub.Permits))
		}
		if vs := b.axe(); len(vs) > 0 {
			t.Errorf("report: %d serious or critical accessibility violations:%s", len(vs), describeViolations(vs))
		}
		b.shot("subject-report", true, false)
	})

	t.Run("withdrawn record", func(t *testing.T) {
		ctx := context.Background()
		sub, err := p.pub.Subject(ctx, p.companyCode)
		if err != nil || len(sub.Penalties) == 0 {
			t.Fatalf("the company's penalties: %v", err)
		}
		// One the browser has not cached (pages are public for 60 s).
		gone := sub.Penalties[len(sub.Penalties)-1]
		for _, pen := range sub.Penalties {
			if "/penalties/"+strconv.FormatInt(pen.ID, 10) != recordPath {
				gone = pen
			}
		}
		path := "/penalties/" + strconv.FormatInt(gone.ID, 10)
		if err := p.s.Withdraw(ctx, store.Actor{Name: "e2e"}, store.EntityPenalty, gone.ID, domain.ReasonRevoked, "行政复议决定撤销"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(p.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusGone {
			t.Errorf("%s after the withdrawal: %d, want 410", path, resp.StatusCode)
		}
		b := br.in(t)
		b.open(path)
		main := b.text("main")
		if !strings.Contains(main, "撤下") || !strings.Contains(main, "决定被撤销") || strings.Contains(main, gone.Name) || strings.Contains(main, gone.DecisionNo) {
			t.Errorf("the 410 page: %q", main)
		}
		b.shot("withdrawn", false, true)
		// Gone from the company's downloads and report too.
		for _, pg := range []string{p.URL + subjectPath + "/penalties.csv", p.URL + subjectPath + "/report"} {
			if body := getBody(t, pg); strings.Contains(body, gone.DecisionNo) {
				t.Errorf("%s still lists the withdrawn %s", pg, gone.DecisionNo)
			}
		}
	})
}

// downloadByClick clicks a download link and returns the downloaded file.
func downloadByClick(t *testing.T, b *browser, sel string) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	progress := chromedp.BrowserEvents(ctx, cdpbrowser.DownloadProgress)
	b.run("download "+sel, chromedp.Click(chromedp.CSS(sel)))
	guid := ""
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("the download of %s did not complete: %v", sel, err)
		}
		if ev.State == cdpbrowser.DownloadProgressStateCompleted {
			guid = ev.GUID
			break
		}
	}
	body, err := os.ReadFile(filepath.Join(dir, guid))
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}
