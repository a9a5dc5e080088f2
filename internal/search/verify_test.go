package search_test

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
)

// A record withdrawn while its document is still in Meilisearch — the
// indexer has not run, as when it is down or lagging — is not a hit: the
// service checks Meilisearch's hits against PostgreSQL.
func TestWithdrawnRecordIsNoHitBeforeTheIndexCatchesUp(t *testing.T) {
	f := newOverloadFixture(t)
	svc := f.service(t, f.m.URL, 4)
	ctx := context.Background()
	q := penaltyQuery(t)
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := svc.Search(ctx, q)
		if err == nil && !res.Degraded && res.Total == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Meilisearch never answered: %+v, %v", res, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	ids, err := f.pub.PublicIDs(ctx, store.EntityPenalty, []int64{1, 2, 3, 4})
	if err != nil || len(ids) != 3 {
		t.Fatalf("public ids: %v, %v", ids, err)
	}
	var withdrawn int64
	for id := range ids {
		withdrawn = max(withdrawn, id)
	}
	// The documents' party is 苏州化工有限公司: the full name matches
	// them exactly, and must stop matching the withdrawn one at once.
	exactQuery, err := search.ParseQuery(url.Values{"q": {"苏州化工有限公司"}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := svc.Search(ctx, exactQuery); err != nil || res.Degraded || res.ExactTotal != 3 || len(res.Exact) != 3 {
		t.Fatalf("exact matches of the name: %+v, %v", res, err)
	}
	if err := f.s.Withdraw(ctx, store.Actor{Name: "test"}, store.EntityPenalty, withdrawn, domain.ReasonRepaired, ""); err != nil {
		t.Fatal(err)
	}
	if res, err := svc.Search(ctx, exactQuery); err != nil || res.Degraded || res.ExactTotal != 2 || len(res.Exact) != 2 ||
		slices.ContainsFunc(res.Exact, func(h search.Hit) bool { return h.ID == strconv.FormatInt(withdrawn, 10) }) {
		t.Errorf("after the withdrawal of %d, exact matches of the name: %+v, %v", withdrawn, res, err)
	}
	res, err := svc.Search(ctx, q)
	if err != nil || res.Degraded {
		t.Fatalf("search: %+v, %v", res, err)
	}
	if res.Total != 2 || len(res.Hits) != 2 || slices.ContainsFunc(res.Hits, func(h search.Hit) bool { return h.ID == strconv.FormatInt(withdrawn, 10) }) {
		t.Errorf("after the withdrawal of %d: total %d, hits %+v", withdrawn, res.Total, res.Hits)
	}
}
