package e2e_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium, or $CHROMIUM_BIN.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CHROMIUM_BIN")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err != nil {
		t.Fatalf("headless Chromium is required at %s (make test installs it: scripts/services.sh up --browser): %v", p, err)
	}
	return p
}

// browser is one headless Chromium tab, recording every URL it requests.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	log  *requestLog
}

// requestLog records the URL of every request the browser makes, and
// every Content-Security-Policy violation its pages report.
type requestLog struct {
	mu         sync.Mutex
	urls       []string
	violations []string // securitypolicyviolation events, as JSON
	enforced   bool     // the policy was seen to block an inline script
}

// in returns the browser reporting to the (sub)test t.
func (b *browser) in(t *testing.T) *browser {
	c := *b
	c.t = t
	return &c
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, log: &requestLog{}}
	if err := chromedp.Do(ctx); err != nil { // starts the browser; no timeout on this first call
		t.Fatalf("start Chromium: %v", err)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			b.log.mu.Lock()
			b.log.urls = append(b.log.urls, e.Request.URL)
			b.log.mu.Unlock()
		case *runtime.EventBindingCalled:
			if e.Name == cspBinding {
				b.log.mu.Lock()
				b.log.violations = append(b.log.violations, e.Payload)
				b.log.mu.Unlock()
			}
		}
	})
	if err != nil {
		t.Fatalf("listen to Chromium: %v", err)
	}
	// Every page reports its Content-Security-Policy violations (an inline
	// script or style, a resource from elsewhere) to the test.
	if _, err := chromedp.Call(ctx, runtime.AddBinding, runtime.AddBindingParams{Name: cspBinding}); err != nil {
		t.Fatalf("add the CSP binding: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: cspListener}); err != nil {
		t.Fatalf("listen to CSP violations: %v", err)
	}
	t.Cleanup(func() {
		if vs := b.cspViolations(); len(vs) > 0 {
			t.Errorf("Content-Security-Policy violations:\n  %s", strings.Join(vs, "\n  "))
		}
	})
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable the network domain: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders,
		network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "zh-CN,zh;q=0.9"}}); err != nil {
		t.Fatalf("set the language: %v", err)
	}
	return b
}

// stepTimeout bounds one step of a test in the browser.
const stepTimeout = 45 * time.Second

// run runs actions with a time limit, failing the test on error.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// value runs one action that returns a value, failing the test on error.
func value[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// call sends one protocol command to the tab.
func call[P, R any](b *browser, cmd cdp.Command[P, R], params P) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Call(ctx, cmd, params); err != nil {
		b.t.Fatalf("%s: %v", cmd.Method, err)
	}
}

// cspBinding is the function through which pages report CSP violations.
const cspBinding = "gongshiCSPViolation"

// cspListener runs in every document before its own scripts.
const cspListener = `document.addEventListener("securitypolicyviolation", function (e) {
  window.` + cspBinding + `(JSON.stringify({page: location.pathname + location.search, directive: e.violatedDirective,
    blocked: e.blockedURI, source: e.sourceFile + ":" + e.lineNumber, sample: e.sample}));
}, true);`

// cspViolations returns the violations reported since the last call.
func (b *browser) cspViolations() []string {
	b.log.mu.Lock()
	defer b.log.mu.Unlock()
	vs := b.log.violations
	b.log.violations = nil
	return vs
}

// open navigates to a path of the portal and waits for its main landmark;
// the page must load and run without violating its Content-Security-Policy.
func (b *browser) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("main")))
	b.checkCSP(path)
}

// checkCSP fails the test on any CSP violation reported so far. The first
// time, it also checks that the policy is in force and reported: an inline
// script added to the page must be blocked, with a violation.
func (b *browser) checkCSP(path string) {
	b.t.Helper()
	// Violation events are queued as tasks: let them run.
	value(b, "settle "+path, chromedp.Evaluate[bool](`new Promise(r => setTimeout(() => r(true), 50))`, chromedp.EvalAwaitPromise))
	if vs := b.cspViolations(); len(vs) > 0 {
		b.t.Fatalf("%s violates the Content-Security-Policy:\n  %s", path, strings.Join(vs, "\n  "))
	}
	b.log.mu.Lock()
	enforced := b.log.enforced
	b.log.mu.Unlock()
	if enforced {
		return
	}
	ran := value(b, "inline script on "+path, chromedp.Evaluate[bool](`new Promise(r => {
		const s = document.createElement("script");
		s.textContent = "window.gongshiInlineRan = true";
		document.head.appendChild(s);
		s.remove();
		setTimeout(() => r(window.gongshiInlineRan === true), 50);
	})`, chromedp.EvalAwaitPromise))
	vs := b.cspViolations()
	if ran || len(vs) != 1 || !strings.Contains(vs[0], "script-src") {
		b.t.Fatalf("%s: an inline script ran %v; violations reported: %v", path, ran, vs)
	}
	b.log.mu.Lock()
	b.log.enforced = true
	b.log.mu.Unlock()
}

// text returns the text of the first visible element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return value(b, "read "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	return value(b, "evaluate "+js, chromedp.Evaluate[T](js))
}

func (b *browser) location() string {
	b.t.Helper()
	return value(b, "location", chromedp.Location())
}

// shot saves a screenshot of the viewport (or the whole page) under
// artifacts/e2e, and for the README's pages also under docs/screenshots
// when GONGSHI_UPDATE_SCREENSHOTS=1.
func (b *browser) shot(name string, full bool, readme bool) {
	b.t.Helper()
	var buf []byte
	if full {
		buf = value(b, "screenshot "+name, chromedp.FullScreenshot(100))
	} else {
		buf = value(b, "screenshot "+name, chromedp.CaptureScreenshot())
	}
	if err := os.WriteFile(filepath.Join(artifacts(b.t), name+".png"), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
	if readme && os.Getenv("GONGSHI_UPDATE_SCREENSHOTS") == "1" {
		dir := filepath.Join(repoRoot(), "docs", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
			b.t.Fatal(err)
		}
	}
}

// viewport sets the window width (for the 360 px check) and height.
func (b *browser) viewport(w, h int64) {
	b.t.Helper()
	call(b, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{Width: w, Height: h,
		DeviceScaleFactor: 1, Mobile: w < 600})
}

// resetViewport undoes viewport.
func (b *browser) resetViewport() {
	b.t.Helper()
	call(b, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
}

// externalRequests lists the requests made to any host but the portal.
func (b *browser) externalRequests() []string {
	b.log.mu.Lock()
	defer b.log.mu.Unlock()
	base, _ := url.Parse(b.base)
	var out []string
	for _, r := range b.log.urls {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "data" && u.Scheme != "blob" && u.Host != base.Host) {
			out = append(out, r)
		}
	}
	return out
}

// axeViolation is one failed axe-core rule.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

var (
	axeOnce   sync.Once
	axeSource string
)

// axe runs axe-core (WCAG 2.0/2.1 A and AA rules and best practices) on
// the current page and returns its serious and critical violations.
func (b *browser) axe() []axeViolation {
	b.t.Helper()
	axeOnce.Do(func() {
		// Kept compressed: the unmodified axe-core 4.14.1 build (MPL-2.0).
		f, err := os.Open(filepath.Join(repoRoot(), "e2e", "testdata", "axe.min.js.gz"))
		if err != nil {
			b.t.Fatalf("axe-core: %v", err)
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			b.t.Fatalf("axe-core: %v", err)
		}
		src, err := io.ReadAll(zr)
		if err != nil {
			b.t.Fatalf("axe-core: %v", err)
		}
		axeSource = string(src)
	})
	value(b, "inject axe-core", chromedp.Evaluate[bool](axeSource+";true"))
	raw := value(b, "run axe-core", chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
		resultTypes: ["violations"]
	}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	var all []axeViolation
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		b.t.Fatalf("axe-core result: %v", err)
	}
	var serious []axeViolation
	for _, v := range all {
		if v.Impact == "serious" || v.Impact == "critical" {
			serious = append(serious, v)
		}
	}
	return serious
}

func describeViolations(vs []axeViolation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  [%s] %s: %s", v.Impact, v.ID, v.Help)
		for i, n := range v.Nodes {
			if i == 3 {
				fmt.Fprintf(&b, "\n      … %d more", len(v.Nodes)-3)
				break
			}
			fmt.Fprintf(&b, "\n      %v %.160s", n.Target, n.HTML)
		}
	}
	return b.String()
}
