package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server/httpx"
)

// Pages carry the pages' Content-Security-Policy, the JSON API and the
// probes one that allows nothing, and all of them the other security
// headers — also when replayed from the response cache, and on errors.
func TestSecurityHeadersByRouteGroup(t *testing.T) {
	s := testenv.Store(t)
	srv := cachedServer(t, s, testenv.RedisURL(t), httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000)})
	check := func(method, path, accept, csp string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		req.Header.Set("Accept", accept)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if h.Get("Content-Security-Policy") != csp || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") != "strict-origin-when-cross-origin" {
			t.Errorf("%s: %d, headers %v", path, resp.StatusCode, h)
		}
		return resp
	}
	for _, tc := range []struct{ method, path, accept, csp string }{
		{http.MethodGet, "/", "text/html", httpx.PageCSP},
		{http.MethodGet, "/about?zz=1", "text/html", httpx.PageCSP},
		{http.MethodGet, "/no-such-page", "text/html", httpx.PageCSP},
		{http.MethodGet, "/static/site.css", "text/css", httpx.PageCSP},
		{http.MethodGet, "/api/v1/penalties", "application/json", httpx.APICSP},
		{http.MethodGet, "/api/v1/penalties?zz=1", "application/json", httpx.APICSP},
		{http.MethodPost, "/api/v1/admin/penalties", "application/json", httpx.APICSP},
		{http.MethodGet, "/healthz", "application/json", httpx.APICSP},
		{http.MethodGet, "/readyz", "application/json", httpx.APICSP},
	} {
		check(tc.method, tc.path, tc.accept, tc.csp)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if check(http.MethodGet, "/", "text/html", httpx.PageCSP).Header.Get("X-Cache") == "hit" {
			return
		}
	}
	t.Error("the home page is never replayed from the cache")
}
