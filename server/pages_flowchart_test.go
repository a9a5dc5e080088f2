package server_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/flowchart"
	"github.com/gongshi/gongshi/server"
)

// An item's flowchart is drawn by the flowchart command (on $PATH in
// these tests, see TestMain). Without it the item's page still answers
// 200, lists the steps as text under a notice and is not kept by any
// cache; the SVG download and the API's picture answer 503.
func TestFlowchartWithoutTheCommand(t *testing.T) {
	const item = "/lists/powers/320500CF0002"
	f := newPagesFixture(t)
	resp, body := f.get(item)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<div class="flowchart"><svg`) || strings.Contains(body, `id="flow-unavailable"`) {
		t.Fatalf("with the command: %d, the page does not show the drawn flowchart: %.300s", resp.StatusCode, body)
	}

	missing := flowchart.NewRenderer(flowchart.Options{Command: filepath.Join(t.TempDir(), "flowchart")})
	f = newPagesFixture(t, func(d *server.Deps) { d.Flowcharts = missing })
	resp, body = f.get(item)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("without the command the item's page answers %d", resp.StatusCode)
	}
	if strings.Contains(body, `<div class="flowchart">`) || !strings.Contains(body, `id="flow-unavailable"`) ||
		!strings.Contains(body, `<details class="flow-text" open>`) || !strings.Contains(body, `<ol class="steps">`) {
		t.Errorf("without the command the page does not list the steps as text under a notice: %.2000s", body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("a page without its flowchart is cacheable: Cache-Control %q", cc)
	}
	for _, path := range []string{item + "/flowchart.svg", "/api/v1/powers/320500CF0002/flowchart.svg"} {
		resp, _ := f.get(path)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s without the command: %d (Retry-After %q), want 503 with Retry-After", path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
}
