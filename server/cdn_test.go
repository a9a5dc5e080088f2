package server_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server/httpx"
)

// Public pages and API answers carry what a CDN needs — a bounded
// s-maxage and stale-while-revalidate, Vary, and surrogate keys naming the
// record or the party it shows (what a withdrawal purges) — the same on a cache miss and on a
// hit; authenticated and uncacheable answers get none of it.
func TestCDNHeaders(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	rec := testenv.PenaltyRecord(1)
	p, errs := domain.ParsePenalty(rec, domain.ParseOptions{Now: fixedNow})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	rs, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, []domain.Penalty{p}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := cachedServer(t, s, testenv.RedisURL(t), httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000)})
	id := fmt.Sprint(rs[0].ID)
	cc := fmt.Sprintf("s-maxage=%d, stale-while-revalidate=%d", httpx.CDNMaxAge, httpx.CDNStale)
	subject := rec["CF_XDR_SHXYM"]
	for path, want := range map[string]string{"/api/v1/penalties/" + id: "penalty/" + id, "/penalties/" + id: "penalty/" + id,
		"/api/v1/subjects/" + subject: "subject/" + subject, "/subjects/" + subject: "subject/" + subject} {
		url := srv.URL + path
		waitForHit(t, url)
		for _, state := range []string{"hit", "hit again"} {
			resp, _ := get(t, url)
			h := resp.Header
			if !strings.HasPrefix(h.Get("Cache-Control"), "public, max-age=0, ") || !strings.Contains(h.Get("Cache-Control"), cc) {
				t.Errorf("%s (%s): Cache-Control %q, want public, max-age=0 (a browser revalidates a record) with %q",
					path, state, h.Get("Cache-Control"), cc)
			}
			if !strings.Contains(h.Get("Vary"), "Accept-Encoding") {
				t.Errorf("%s (%s): Vary %q", path, state, h.Get("Vary"))
			}
			keys := strings.Fields(h.Get("Surrogate-Key"))
			if !contains(keys, want) {
				t.Errorf("%s (%s): Surrogate-Key %q lacks %q", path, state, h.Get("Surrogate-Key"), want)
			}
			if h.Get("Cache-Tag") != strings.Join(keys, ",") {
				t.Errorf("%s (%s): Cache-Tag %q, want the surrogate keys %q", path, state, h.Get("Cache-Tag"), keys)
			}
		}
	}
	// The bureau's lists show no record: browsers keep them a minute.
	if _, err := s.PublishList(ctx, store.Actor{Name: "test"}, store.ListInput{Kind: domain.ListPowers,
		EffectiveDate: fixedNow, Powers: testenv.PowerItems(3)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if resp, _ := get(t, srv.URL+"/lists/powers"); resp.Header.Get("Cache-Control") != "public, max-age=60"+cdnSuffix {
		t.Errorf("/lists/powers: Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	_, home := get(t, srv.URL+"/")
	if css := regexp.MustCompile(`/static/site\.css\?v=[0-9a-f]+`).FindString(home); css == "" {
		t.Error("the home page links no versioned stylesheet")
	} else if resp, _ := get(t, srv.URL+css); !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") ||
		strings.Contains(resp.Header.Get("Cache-Control"), "max-age=0") {
		t.Errorf("%s: Cache-Control %q", css, resp.Header.Get("Cache-Control"))
	}
	resp, _ := get(t, srv.URL+"/api/v1/search?q=x")
	if strings.Contains(resp.Header.Get("Cache-Control"), "s-maxage") {
		t.Errorf("search: Cache-Control %q: a CDN may not keep search results", resp.Header.Get("Cache-Control"))
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/penalties/"+id, nil)
	req.Header.Set("Authorization", "Bearer nope")
	if r, err := http.DefaultClient.Do(req); err == nil {
		r.Body.Close()
		if strings.Contains(r.Header.Get("Cache-Control"), "s-maxage") {
			t.Errorf("an authenticated request: Cache-Control %q", r.Header.Get("Cache-Control"))
		}
	}
}

// cdnSuffix is what CDN adds to a public Cache-Control.
var cdnSuffix = fmt.Sprintf(", s-maxage=%d, stale-while-revalidate=%d", httpx.CDNMaxAge, httpx.CDNStale)

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
