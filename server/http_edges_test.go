package server_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestHeadAnswersEveryGet: HEAD on a GET route — API, page, asset, error —
// answers the status and headers the GET does, without a body.
func TestHeadAnswersEveryGet(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		path   string
		status int
		ctype  string
	}{
		{"/api/v1/penalties", 200, "application/json"},
		{"/api/v1/penalties/999999", 404, "application/problem+json"},
		{"/api/v1/stats", 200, "application/json"},
		{"/", 200, "text/html"},
		{"/openapi.yaml", 200, "application/yaml"},
	} {
		get, getBody := f.do(http.MethodGet, tc.path, "", nil)
		head, headBody := f.do(http.MethodHead, tc.path, "", nil)
		if head.StatusCode != tc.status || get.StatusCode != tc.status || len(headBody) != 0 || len(getBody) == 0 ||
			!strings.HasPrefix(head.Header.Get("Content-Type"), tc.ctype) || head.Header.Get("Content-Type") != get.Header.Get("Content-Type") {
			t.Errorf("HEAD %s: %d %q (%d bytes); GET: %d %q", tc.path, head.StatusCode, head.Header.Get("Content-Type"), len(headBody),
				get.StatusCode, get.Header.Get("Content-Type"))
		}
	}
}

// TestAdminPreflightIsAnsweredAndRefused: a browser's preflight before a
// cross-origin admin write is answered (204, not 405), without the CORS
// headers that would let the write go ahead; public reads stay open.
func TestAdminPreflightIsAnsweredAndRefused(t *testing.T) {
	f := newFixture(t)
	preflight := func(path, method string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, f.srv.URL+path, nil)
		req.Header.Set("Origin", "https://elsewhere.example")
		req.Header.Set("Access-Control-Request-Method", method)
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, tc := range []struct{ path, method string }{
		{"/api/v1/admin/penalties", "POST"}, {"/api/v1/admin/penalties/1/withdraw", "POST"}, {"/api/v1/admin/lists/powers", "PUT"},
	} {
		resp := preflight(tc.path, tc.method)
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "" ||
			resp.Header.Get("Access-Control-Allow-Methods") != "" || !strings.Contains(resp.Header.Get("Allow"), tc.method) {
			t.Errorf("preflight of %s %s: %d %v", tc.method, tc.path, resp.StatusCode, resp.Header)
		}
	}
	if resp := preflight("/api/v1/penalties", "GET"); resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight of a public read: %d %v", resp.StatusCode, resp.Header)
	}
}

// TestErrorsAreProblems: every error of the JSON API is an RFC 9457
// problem, whose instance repeats at most 200 bytes of the path and never
// the query.
func TestErrorsAreProblems(t *testing.T) {
	f := newFixture(t)
	long := "/api/v1/penalties/" + strings.Repeat("9", 5000)
	for _, tc := range []struct {
		method, path, key, body string
		status                  int
		code                    string
	}{
		{"GET", "/api/v1/penalties?zz=secret-value", "", "", 400, "bad_request"},
		{"GET", "/api/v1/penalties/999999", "", "", 404, "not_found"},
		{"GET", long, "", "", 400, "bad_request"},
		{"POST", "/api/v1/admin/penalties", "", "[]", 401, "unauthorized"},
		{"POST", "/api/v1/admin/penalties", f.ingest, `[{"CF_WSH":""}]`, 422, "validation_failed"},
		{"DELETE", "/api/v1/penalties", "", "", 405, "method_not_allowed"},
	} {
		resp, b := f.do(tc.method, tc.path, tc.key, tc.body)
		var p struct {
			Type     string            `json:"type"`
			Title    string            `json:"title"`
			Status   int               `json:"status"`
			Detail   string            `json:"detail"`
			Instance string            `json:"instance"`
			Code     string            `json:"code"`
			Message  string            `json:"message"`
			Errors   []json.RawMessage `json:"errors"`
		}
		if err := json.Unmarshal(b, &p); err != nil {
			t.Errorf("%s %.80s: %v: %.200s", tc.method, tc.path, err, b)
			continue
		}
		path, _, _ := strings.Cut(tc.path, "?")
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/problem+json" || p.Type != "about:blank" ||
			p.Title != http.StatusText(tc.status) || p.Status != tc.status || p.Detail == "" || p.Detail != p.Message || p.Code != tc.code ||
			len(p.Instance) > 200 || !strings.HasPrefix(path, p.Instance) || p.Instance == "" || strings.Contains(string(b), "secret-value") ||
			len(b) > 2000 {
			t.Errorf("%s %.80s: %d %q %.300s", tc.method, tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
}

// TestOneParameterRuleSet: datasets, downloads, snapshots, feeds and the
// admin writes follow the record lists' rules — an unknown or repeated
// parameter is a 400 naming it, an empty value is absent, spaces around a
// value are trimmed.
func TestOneParameterRuleSet(t *testing.T) {
	f := newDSFixture(t)
	for _, tc := range []struct{ path, key, field string }{
		{"/api/v1/datasets?zzz=1", "", "zzz"},
		{"/api/v1/datasets/penalties?zzz=1", "", "zzz"},
		{"/api/v1/datasets/penalties/download?zzz=1", "", "zzz"},
		{"/api/v1/datasets/penalties/download?format=csv&format=json", "", "format"},
		{"/api/v1/datasets/penalties/download?format=json&bom=1", "", "bom"},
		{"/api/v1/datasets/penalties/snapshots?zzz=1", "", "zzz"},
		{"/api/v1/datasets/penalties/snapshots/2026-01-01?zzz=1", "", "zzz"},
		{"/api/v1/datasets/penalties/snapshots/2026-01-01/csv?zzz=1", "", "zzz"},
		{"/api/v1/feeds/penalties?zzz=1", f.feed, "zzz"},
		{"/api/v1/feeds/penalties?limit=1&limit=2", f.feed, "limit"},
		{"/api/v1/feeds/penalties?limit=0", f.feed, "limit"},
	} {
		resp, b := f.get(tc.path, tc.key, nil)
		e := decode[apiError](t, b)
		if resp.StatusCode != 400 || len(e.Errors) != 1 || e.Errors[0].Field != tc.field {
			t.Errorf("GET %s: %d %.300s, want a 400 naming %s", tc.path, resp.StatusCode, b, tc.field)
		}
	}
	for _, path := range []string{"/api/v1/feeds/penalties?limit=%205", "/api/v1/feeds/penalties?limit=&after=",
		"/api/v1/datasets/penalties/download?format=&bom=", "/api/v1/datasets/penalties/download?format=%20ndjson%20"} {
		if resp, b := f.get(path, f.feed, nil); resp.StatusCode != 200 {
			t.Errorf("GET %s: %d %.300s", path, resp.StatusCode, b)
		}
	}
	g := newFixture(t) // a fresh database: after the reads above
	if resp, b := g.do("POST", "/api/v1/admin/penalties?dry_run=1", g.ingest, "[]"); resp.StatusCode != 400 ||
		!strings.Contains(string(b), `"field":"dry_run"`) {
		t.Errorf("POST with a query parameter: %d %.300s", resp.StatusCode, b)
	}
}

// TestErrorsEchoOnlyAPrefix: a made-up parameter of 5,000 bytes is named
// by its first 64 bytes at most, in the API's error and on the pages.
func TestErrorsEchoOnlyAPrefix(t *testing.T) {
	f := newFixture(t)
	name := strings.Repeat("参", 1700) // 5,100 bytes
	for _, path := range []string{"/api/v1/penalties?", "/api/v1/search?", "/api/v1/datasets?", "/search?", "/?"} {
		resp, b := f.do("GET", path+name+"=1", "", nil)
		if i := strings.Index(string(b), strings.Repeat("参", 22)); resp.StatusCode != 400 || i >= 0 {
			t.Errorf("GET %s<5,100 bytes>=1: %d, echoed at %d: %.200s", path, resp.StatusCode, i, string(b)[max(i-100, 0):])
		}
	}
}

// TestWithdrawnRecordIsGone: a withdrawn record's page and API detail
// answer 410 with the withdrawal's date and reason category, and nothing
// of the record; an id that never existed stays a 404.
func TestWithdrawnRecordIsGone(t *testing.T) {
	f := newFixture(t)
	rec := testenv.PenaltyRecord(77)
	resp, b := f.do("POST", "/api/v1/admin/penalties", f.ingest, []map[string]string{rec})
	if resp.StatusCode != 200 {
		t.Fatalf("ingest: %d %s", resp.StatusCode, b)
	}
	id := decode[ingestResult](t, b).Results[0].ID
	if resp, b := f.do("POST", fmt.Sprintf("/api/v1/admin/penalties/%d/withdraw", id), f.ingest,
		map[string]string{"reason": "repaired", "note": "已完成信用修复"}); resp.StatusCode != 200 {
		t.Fatalf("withdraw: %d %s", resp.StatusCode, b)
	}
	today := domain.ChinaDate(time.Now()).Format(domain.DateLayout)
	for path, want := range map[string][]string{
		fmt.Sprintf("/api/v1/penalties/%d", id): {"withdrawn on " + today, "repaired"},
		fmt.Sprintf("/penalties/%d", id):        {"已于 " + today + " 撤下", "信用修复", `href="/withdrawals"`},
	} {
		resp, b := f.do("GET", path, "", nil)
		body := string(b)
		if resp.StatusCode != http.StatusGone || strings.Contains(body, rec["CF_XDR_MC"]) || strings.Contains(body, rec["CF_WSH"]) {
			t.Errorf("GET %s: %d, party or decision number shown: %.300s", path, resp.StatusCode, body)
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s does not say %q: %.300s", path, w, body)
			}
		}
	}
	for _, path := range []string{"/api/v1/penalties/999999", "/penalties/999999"} {
		if resp, _ := f.do("GET", path, "", nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
		}
	}
}
