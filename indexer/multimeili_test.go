package indexer_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/gongshi/gongshi/indexer"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestTwoMeilisearch feeds two real Meilisearch, each by its own indexer
// with its own cursor and lease, and searches through a failover service:
// with one down, searches are still answered by Meilisearch (not
// degraded) and a withdrawal is out of the results; the one that was down
// catches up from its own cursor once back; with both down, PostgreSQL
// answers (degraded).
func TestTwoMeilisearch(t *testing.T) {
	e := newEnv(t, fastOptions())
	b := testenv.StartMeili(t)
	wb := search.NewWriter(search.Config{URL: b.URL, MasterKey: b.MasterKey})
	wb.Poll = 10 * time.Millisecond
	t.Cleanup(wb.Close)
	ixB := indexer.New(e.s, e.pub(), wb, e.now, e.log, indexer.MeiliOptions(fastOptions(), 1, b.URL))
	e.run(e.ix)
	e.run(ixB)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	svc := search.NewFailover(ctx, []search.Config{{URL: e.m.URL, MasterKey: e.m.MasterKey}, {URL: b.URL, MasterKey: b.MasterKey}},
		e.pub(), e.s, e.now, e.log)
	svc.Cooldown = 200 * time.Millisecond

	ids := e.upsertPenalties(penalty(t, 1, nil), penalty(t, 2, nil), penalty(t, 3, nil))
	cursorB := indexer.MeiliOptions(indexer.Options{}, 1, b.URL).Cursor
	bothSynced := func() {
		t.Helper()
		e.synced()
		last, _ := e.s.LastChangeSeq(ctx)
		deadline := time.Now().Add(60 * time.Second)
		for {
			seq, _, err := e.s.SearchCursor(ctx, cursorB)
			if err != nil {
				t.Fatal(err)
			}
			if seq >= last {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the second indexer is at %d, the change log at %d", seq, last)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	bothSynced()
	searchOn := func(s *search.Service) *search.Result {
		t.Helper()
		q, err := search.ParseQuery(url.Values{"q": {"化工"}, "type": {"penalty"}})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	onlyB := search.NewService(ctx, search.Config{URL: b.URL, MasterKey: b.MasterKey}, e.pub(), e.s, e.now, e.log)
	if res := searchOn(onlyB); res.Degraded || !sameIDs(hitIDs(res, search.TypePenalty), idStrings(ids)) {
		t.Fatalf("the second Meilisearch: %v (degraded %v), want %v", hitIDs(res, search.TypePenalty), res.Degraded, ids)
	}

	e.m.Kill()
	if err := e.s.Withdraw(ctx, actor, store.EntityPenalty, ids[0], domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	res := searchOn(svc)
	if res.Degraded || !sameIDs(hitIDs(res, search.TypePenalty), idStrings(ids[1:])) {
		t.Fatalf("with the first Meilisearch down: %v (degraded %v), want %v from the second", hitIDs(res, search.TypePenalty), res.Degraded, ids[1:])
	}
	if err := svc.Ping(ctx); err != nil {
		t.Errorf("readiness with one Meilisearch answering: %v", err)
	}

	e.m.Start()
	bothSynced()
	onlyA := search.NewService(ctx, search.Config{URL: e.m.URL, MasterKey: e.m.MasterKey}, e.pub(), e.s, e.now, e.log)
	for _, s := range []*search.Service{onlyA, onlyB} {
		if res := searchOn(s); res.Degraded || !sameIDs(hitIDs(res, search.TypePenalty), idStrings(ids[1:])) {
			t.Errorf("after the restart: %v (degraded %v), want %v in both", hitIDs(res, search.TypePenalty), res.Degraded, ids[1:])
		}
	}

	e.m.Kill()
	b.Kill()
	if res := searchOn(svc); !res.Degraded || !sameIDs(hitIDs(res, search.TypePenalty), idStrings(ids[1:])) {
		t.Errorf("with both down: %v (degraded %v), want %v from PostgreSQL", hitIDs(res, search.TypePenalty), res.Degraded, ids[1:])
	}
}
