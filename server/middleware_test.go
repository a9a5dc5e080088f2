package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
	"github.com/gongshi/gongshi/server/web"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// cachedServer serves the portal with a Redis response cache judged by
// the change log, as portal serve wires it.
func cachedServer(t *testing.T, s *store.Store, redisURL string, limits httpx.Limits) *httptest.Server {
	return cachedServerWith(t, s, s, redisURL, limits)
}

// cachedServerWith is cachedServer whose pages read the overview through ov.
func cachedServerWith(t *testing.T, s *store.Store, ov web.OverviewReader, redisURL string, limits httpx.Limits) *httptest.Server {
	c := testenv.Cache(t, s, redisURL)
	now := func() time.Time { return fixedNow }
	public := s.Public(domain.DefaultMasking, now)
	h := server.New(server.Deps{
		Log: quiet, Ingest: s, Keys: s, Overview: ov, Reads: public, Pages: public, Rules: domain.DefaultPublicityRules(),
		Now: now, Cache: c, Limiter: ratelimit.New(c.Client()), Limits: limits,
		Ready: map[string]httpx.Checker{"postgres": s}, Degrade: map[string]httpx.Checker{"redis": c},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestCacheNeverServesAWithdrawnRecord(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	rec := testenv.PenaltyRecord(7)
	p, errs := domain.ParsePenalty(rec, domain.ParseOptions{Now: fixedNow})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rs, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, []domain.Penalty{p}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := cachedServer(t, s, testenv.RedisURL(t), httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000)})
	name := rec["CF_XDR_MC"]

	resp, body := get(t, srv.URL+"/")
	if resp.Header.Get("X-Cache") != "miss" || !strings.Contains(body, name) {
		t.Fatalf("first GET: cache %q, contains record %v", resp.Header.Get("X-Cache"), strings.Contains(body, name))
	}
	// The cache write is asynchronous, and the listener bumps the
	// generation once when it starts: a hit follows within a moment.
	hit := false
	for i := 0; i < 30 && !hit; i++ {
		time.Sleep(100 * time.Millisecond)
		resp, _ := get(t, srv.URL+"/")
		hit = resp.Header.Get("X-Cache") == "hit"
	}
	if !hit {
		t.Fatal("the home page is never served from the cache")
	}

	// Hammer the page while the record is withdrawn.
	var stop atomic.Bool
	var withdrawnAt atomic.Int64
	var late []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				resp, err := http.Get(srv.URL + "/")
				if err != nil {
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				at := withdrawnAt.Load()
				if at != 0 && strings.Contains(string(b), name) {
					if lag := time.Since(time.Unix(0, at)); lag > time.Second {
						mu.Lock()
						late = append(late, fmt.Sprintf("served %s after the withdrawal (X-Cache %s)", lag, resp.Header.Get("X-Cache")))
						mu.Unlock()
					}
				}
			}
		}()
	}
	time.Sleep(200 * time.Millisecond)
	if err := s.Withdraw(ctx, store.Actor{Name: "test"}, store.EntityPenalty, rs[0].ID, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	withdrawnAt.Store(time.Now().UnixNano())
	time.Sleep(2 * time.Second)
	stop.Store(true)
	wg.Wait()
	for _, l := range late {
		t.Error(l)
	}
	if _, body := get(t, srv.URL+"/"); strings.Contains(body, name) {
		t.Error("the withdrawn record is still served")
	}
}

// slowOverview reads the store's overview slowly, as on a large database,
// and counts the reads.
type slowOverview struct {
	*store.Store
	reads atomic.Int32
}

func (o *slowOverview) Overview(ctx context.Context, today time.Time) (store.Overview, error) {
	o.reads.Add(1)
	time.Sleep(300 * time.Millisecond)
	return o.Store.Overview(ctx, today)
}

// A burst of identical requests that miss the cache together computes the
// response once and shares it; after a change, the next burst again once.
func TestConcurrentMissesShareOneResponse(t *testing.T) {
	s := testenv.Store(t)
	ov := &slowOverview{Store: s}
	redisURL := testenv.RedisURL(t)
	srv := cachedServerWith(t, s, ov, redisURL, httpx.Limits{
		PerIP: ratelimit.PerMinute(100_000), PerKey: ratelimit.PerMinute(1000),
	})
	burst := func() map[string]int {
		const n = 12
		var wg sync.WaitGroup
		results := make([]string, n)
		bodies := make([]string, n)
		for i := range n {
			wg.Go(func() {
				resp, err := http.Get(srv.URL + "/")
				if err != nil {
					results[i] = err.Error()
					return
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				results[i] = fmt.Sprintf("%d %s", resp.StatusCode, resp.Header.Get("X-Cache"))
				bodies[i] = string(b)
			})
		}
		wg.Wait()
		seen := map[string]int{}
		for i, r := range results {
			seen[r]++
			if bodies[i] != bodies[0] {
				t.Errorf("request %d got another body than request 0", i)
			}
		}
		return seen
	}
	if got := burst(); ov.reads.Load() != 1 || got["200 miss"] != 1 || got["200 hit"] != 11 {
		t.Fatalf("first burst: %d overview reads, responses %v; want 1 read, 1 miss and 11 shared hits", ov.reads.Load(), got)
	}
	// A change commits: the cached page, which depends on every record,
	// is stale. The next burst reads once more.
	p, errs := domain.ParsePenalty(testenv.PenaltyRecord(1), domain.ParseOptions{Now: fixedNow})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := s.UpsertPenalties(context.Background(), store.Actor{Name: "test"}, []domain.Penalty{p}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ov.reads.Load() == 1 && time.Now().Before(deadline) {
		if resp, _ := get(t, srv.URL+"/"); resp.Header.Get("X-Cache") == "miss" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ov.reads.Load() != 2 {
		t.Fatalf("after a change: %d overview reads, want 2", ov.reads.Load())
	}
}

func TestRateLimit(t *testing.T) {
	s := testenv.Store(t)
	srv := cachedServer(t, s, testenv.RedisURL(t), httpx.Limits{
		PerIP:  ratelimit.Limit{Rate: 5, Burst: 5, Period: time.Minute},
		PerKey: ratelimit.PerMinute(1000),
	})
	for i := 0; i < 5; i++ {
		resp, _ := get(t, srv.URL+"/")
		if resp.StatusCode != 200 || resp.Header.Get("RateLimit-Limit") != "5" {
			t.Fatalf("request %d: %d, RateLimit-Limit %q", i, resp.StatusCode, resp.Header.Get("RateLimit-Limit"))
		}
	}
	resp, body := get(t, srv.URL+"/")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, `"code":"rate_limited"`) {
		t.Errorf("6th request: %d Retry-After %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if resp.Header.Get("RateLimit-Remaining") != "0" {
		t.Errorf("RateLimit-Remaining %q", resp.Header.Get("RateLimit-Remaining"))
	}
}

func TestRedisDownKeepsServing(t *testing.T) {
	s := testenv.Store(t)
	// Nothing listens on port 1: every Redis call fails.
	srv := cachedServer(t, s, "redis://127.0.0.1:1/0", httpx.Limits{
		PerIP: ratelimit.Limit{Rate: 3, Burst: 3, Period: time.Minute}, PerKey: ratelimit.PerMinute(1000),
	})
	for i := 0; i < 3; i++ {
		resp, body := get(t, srv.URL+"/")
		if resp.StatusCode != 200 || !strings.Contains(body, "</html>") {
			t.Fatalf("GET %d with Redis down: %d %q %.100s", i, resp.StatusCode, resp.Header.Get("X-Cache"), body)
		}
	}
	if resp, _ := get(t, srv.URL+"/"); resp.StatusCode != 429 {
		t.Errorf("the in-process limiter did not take over: %d", resp.StatusCode)
	}
	if resp, body := get(t, srv.URL+"/readyz"); resp.StatusCode != 200 || !strings.Contains(body, `"redis":"down (degraded)`) ||
		!strings.Contains(body, `"degraded":true`) {
		t.Errorf("readyz: %d %s", resp.StatusCode, body)
	}
}

func TestConventions(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/", "/healthz", "/nowhere", "/metrics"} {
		resp, _ := f.do("GET", path, "", nil)
		if resp.Header.Get("Cache-Control") == "" || resp.Header.Get("X-Request-ID") == "" {
			t.Errorf("%s: Cache-Control %q X-Request-ID %q", path, resp.Header.Get("Cache-Control"), resp.Header.Get("X-Request-ID"))
		}
	}
	resp, _ := f.do("OPTIONS", "/api/v1/penalties", "", nil)
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if _, b := f.do("GET", "/metrics", "", nil); !strings.Contains(string(b), "gongshi_http_requests_total") {
		t.Errorf("metrics: %.300s", b)
	}
}

// getWith makes a GET with extra request headers.
func getWith(t *testing.T, url string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// waitForHit repeats a GET until the response cache serves it.
func waitForHit(t *testing.T, url string) *http.Response {
	t.Helper()
	for range 30 {
		resp, _ := get(t, url)
		if resp.Header.Get("X-Cache") == "hit" {
			return resp
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s is never served from the cache", url)
	return nil
}

// A response replayed from the cache carries the handler's headers and
// answers its validators as the handler does.
func TestCacheHitReplaysHeadersAndValidators(t *testing.T) {
	s := testenv.Store(t)
	srv := cachedServer(t, s, testenv.RedisURL(t), httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000)})
	miss, body := get(t, srv.URL+"/")
	hit := waitForHit(t, srv.URL+"/")
	for _, k := range []string{"Content-Type", "Cache-Control", "ETag", "Content-Language"} {
		if hit.Header.Get(k) == "" || hit.Header.Get(k) != miss.Header.Get(k) {
			t.Errorf("%s: %q on the hit, %q on the miss", k, hit.Header.Get(k), miss.Header.Get(k))
		}
	}
	if id := hit.Header.Get("X-Request-ID"); id == "" || id == miss.Header.Get("X-Request-ID") {
		t.Errorf("X-Request-ID is not per request: %q on the hit, %q on the miss", id, miss.Header.Get("X-Request-ID"))
	}
	if hit.Header.Get("RateLimit-Limit") != "1000000" || hit.Header.Get("RateLimit-Remaining") == "" {
		t.Errorf("hit without the rate-limit headers: %v", hit.Header)
	}
	tag := hit.Header.Get("ETag")
	resp, b := getWith(t, srv.URL+"/", map[string]string{"If-None-Match": `"other", ` + tag})
	if resp.StatusCode != http.StatusNotModified || b != "" || resp.Header.Get("X-Cache") != "hit" || resp.Header.Get("ETag") != tag {
		t.Errorf("If-None-Match on a hit: %d, X-Cache %q, ETag %q, %d bytes", resp.StatusCode, resp.Header.Get("X-Cache"), resp.Header.Get("ETag"), len(b))
	}
	resp, b = getWith(t, srv.URL+"/", map[string]string{"If-None-Match": `"other"`})
	if resp.StatusCode != http.StatusOK || b != body || resp.Header.Get("X-Cache") != "hit" {
		t.Errorf("another tag on a hit: %d, X-Cache %q, same body %v", resp.StatusCode, resp.Header.Get("X-Cache"), b == body)
	}
	if _, m := get(t, srv.URL+"/metrics"); !strings.Contains(m, `gongshi_response_cache_total{result="hit"} 3`) ||
		!strings.Contains(m, `gongshi_http_requests_total{method="GET",route="/",status="304"} 1`) {
		t.Errorf("metrics:\n%s", m)
	}
}

// Two servers sharing Redis share the clients' budgets.
func TestRateLimitAcrossInstances(t *testing.T) {
	s := testenv.Store(t)
	url := testenv.RedisURL(t)
	limits := httpx.Limits{PerIP: ratelimit.Limit{Rate: 5, Burst: 5, Period: time.Minute}, PerKey: ratelimit.PerMinute(1000)}
	srvs := []*httptest.Server{cachedServer(t, s, url, limits), cachedServer(t, s, url, limits)}
	for i := range 5 {
		resp, _ := get(t, srvs[i%2].URL+"/")
		if resp.StatusCode != 200 || resp.Header.Get("RateLimit-Remaining") != fmt.Sprint(4-i) {
			t.Fatalf("request %d: %d, RateLimit-Remaining %q", i+1, resp.StatusCode, resp.Header.Get("RateLimit-Remaining"))
		}
	}
	for _, srv := range srvs {
		if resp, _ := get(t, srv.URL+"/"); resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("over the shared limit: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
}

// X-Forwarded-For names the client only when a trusted proxy sends it: a
// client cannot pick a fresh IP for each request to escape its limit.
func TestRateLimitIgnoresForwardedForFromClients(t *testing.T) {
	s := testenv.Store(t)
	limits := httpx.Limits{PerIP: ratelimit.Limit{Rate: 3, Burst: 3, Period: time.Minute}, PerKey: ratelimit.PerMinute(1000)}
	rdb := testenv.RedisURL(t)
	send := func(h http.Handler, i int) int {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/no-such-endpoint", nil)
		req.RemoteAddr = "192.0.2.10:40000"
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	build := func(trusted []string) http.Handler {
		c := testenv.Cache(t, s, rdb)
		return server.New(server.Deps{
			Log: quiet, Ingest: s, Keys: s, Overview: s, Rules: domain.DefaultPublicityRules(),
			Now: func() time.Time { return fixedNow }, Limiter: ratelimit.New(c.Client()), Limits: limits,
			TrustedProxies: trusted,
		})
	}
	// Untrusted: every request counts against 192.0.2.10, whatever it claims.
	h := build(nil)
	codes := []int{}
	for i := range 4 {
		codes = append(codes, send(h, i))
	}
	if codes[3] != http.StatusTooManyRequests {
		t.Errorf("untrusted X-Forwarded-For: codes %v, want the 4th refused", codes)
	}
	// Behind a trusted proxy each forwarded client has its own budget.
	h = build([]string{"192.0.2.0/24"})
	for i := range 4 {
		if code := send(h, 100+i); code == http.StatusTooManyRequests {
			t.Fatalf("trusted proxy: request %d for a new client refused", i)
		}
	}
}
