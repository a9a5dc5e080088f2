package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server/httpx"
)

// A write invalidates the cached responses that depend on the changed
// record — its detail, its page, its party's profile, lists and pages that
// depend on everything — and leaves the others cached. A record moved to
// another party (a corrected credit code) invalidates both profiles.
func TestWriteInvalidatesOnlyWhatItChanged(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	parse := func(rec map[string]string) domain.Penalty {
		p, errs := domain.ParsePenalty(rec, domain.ParseOptions{Now: fixedNow})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		return p
	}
	a, b := testenv.PenaltyRecord(1), testenv.PenaltyRecord(2)
	rs, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, []domain.Penalty{parse(a), parse(b)}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishList(ctx, store.Actor{Name: "test"}, store.ListInput{Kind: domain.ListPowers,
		EffectiveDate: fixedNow, Powers: testenv.PowerItems(3)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	srv := cachedServer(t, s, testenv.RedisURL(t), httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000)})
	idA, idB := fmt.Sprint(rs[0].ID), fmt.Sprint(rs[1].ID)
	u := func(path string) string { return srv.URL + path }
	// The bureau's lists show no record.
	unrelated := []string{u("/api/v1/penalties/" + idB), u("/penalties/" + idB), u("/subjects/" + b["CF_XDR_SHXYM"]),
		u("/api/v1/subjects/" + b["CF_XDR_SHXYM"]), u("/lists/powers"), u("/lists/powers/versions")}
	related := []string{u("/api/v1/penalties/" + idA), u("/penalties/" + idA), u("/subjects/" + a["CF_XDR_SHXYM"]),
		u("/api/v1/subjects/" + a["CF_XDR_SHXYM"]), u("/api/v1/penalties"), u("/"),
		// The aggregate pages depend on every record.
		u("/stats"), u("/api/v1/stats"), u("/withdrawals")}
	for _, url := range append(unrelated, related...) {
		waitForHit(t, url)
	}

	// A changes: a new fact.
	a["CF_SY"] += "（补充）"
	if _, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, []domain.Penalty{parse(a)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForMiss(t, related[0]) // the change has reached the cache
	for _, url := range related[1:] {
		if resp, _ := get(t, url); resp.Header.Get("X-Cache") != "miss" {
			t.Errorf("%s is served from the cache after its record changed (X-Cache %s)", url, resp.Header.Get("X-Cache"))
		}
	}
	for _, url := range unrelated {
		if resp, _ := get(t, url); resp.Header.Get("X-Cache") != "hit" {
			t.Errorf("%s was invalidated by a change to another party's record (X-Cache %s)", url, resp.Header.Get("X-Cache"))
		}
	}

	// A's credit code is corrected: A's old party no longer has it.
	oldProfile := u("/api/v1/subjects/" + a["CF_XDR_SHXYM"])
	waitForHit(t, oldProfile)
	a["CF_XDR_SHXYM"] = testenv.USCC("320505", 999)
	if _, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, []domain.Penalty{parse(a)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitForMiss(t, oldProfile)
	if resp, _ := get(t, oldProfile); resp.StatusCode != 404 {
		t.Errorf("the old party's profile still answers %d after its only record moved", resp.StatusCode)
	}
}

// waitForMiss repeats a GET until the response cache no longer serves it.
func waitForMiss(t *testing.T, url string) {
	t.Helper()
	for range 40 {
		if resp, _ := get(t, url); resp.Header.Get("X-Cache") != "hit" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s is still served from the cache 2 s after its record changed", url)
}
