package server_test

import (
	"context"
	"crypto/rand"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
)

// A page rejects a query parameter it does not take with a 400 that names
// it, in Chinese, before the response cache: junk parameters neither miss
// the cache nor add a Redis key per request. Parameters a page takes are
// cached.
func TestJunkQueryParametersMissNoCache(t *testing.T) {
	s := testenv.Store(t)
	c := testenv.Cache(t, s, testenv.RedisURL(t))
	now := func() time.Time { return fixedNow }
	public := s.Public(domain.DefaultMasking, now)
	srv := httptest.NewServer(server.New(server.Deps{Log: quiet, Ingest: s, Keys: s, Overview: s, Reads: public,
		Pages: public, Rules: domain.DefaultPublicityRules(), Now: now, Cache: c})) // in-process rate limiter: Redis holds only the cache
	t.Cleanup(srv.Close)
	ctx := context.Background()
	rdb := c.Client()
	keys := func() int64 {
		n, err := rdb.DBSize(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// The first request warms what the cache needs besides its entries.
	get(t, srv.URL+"/search")
	time.Sleep(200 * time.Millisecond)
	before := keys()

	for i := range 50 {
		resp, body := get(t, srv.URL+"/?zz="+rand.Text())
		if resp.StatusCode != 400 || !strings.Contains(body, "zz") || !strings.Contains(body, "本页面不接受查询参数") ||
			resp.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("junk request %d: %d %q %.300s", i, resp.StatusCode, resp.Header.Get("Cache-Control"), body)
		}
	}
	for _, path := range []string{"/penalties/1?utm_source=x", "/lists/powers?sort=name", "/static/site.css?v=1&x=2"} {
		if resp, _ := get(t, srv.URL+path); resp.StatusCode != 400 {
			t.Errorf("%s: %d, want 400", path, resp.StatusCode)
		}
	}
	if resp, body := get(t, srv.URL+"/?lang=en&lang=zh"); resp.StatusCode != 400 || !strings.Contains(body, "lang") {
		t.Errorf("repeated lang: %d %.200s", resp.StatusCode, body)
	}

	// A parameter the page takes is cached.
	if resp, _ := get(t, srv.URL+"/?lang=en"); resp.StatusCode != 200 || resp.Header.Get("X-Cache") != "miss" {
		t.Fatalf("known parameters: %d %q", resp.StatusCode, resp.Header.Get("X-Cache"))
	}
	hit := false
	for deadline := time.Now().Add(5 * time.Second); !hit && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		resp, _ := get(t, srv.URL+"/?lang=en")
		hit = resp.Header.Get("X-Cache") == "hit"
	}
	if !hit {
		t.Fatal("a page with the parameters it takes is never served from the cache")
	}
	// The writes are asynchronous; the known page's entry was written, so
	// junk entries, had there been any, would have been too.
	if after := keys(); after != before+1 {
		t.Errorf("Redis keys: %d before, %d after 50 junk requests and one page", before, after)
	}
}
