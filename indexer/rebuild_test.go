package indexer_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
)

// TestRebuildWhileSearching: clients searching during rebuilds never see
// an empty or partial index; changes made during a rebuild are replayed.
func TestRebuildWhileSearching(t *testing.T) {
	e := newEnv(t, fastOptions())
	var ps []domain.Penalty
	for n := 1; n <= 300; n++ {
		ps = append(ps, penalty(t, n, nil))
	}
	e.upsertPenalties(ps...)
	e.upsertPermits(permit(t, 1, nil))
	e.run(e.ix)
	e.synced()

	stop := make(chan struct{})
	var searches, bad atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	stopSearching := func() { once.Do(func() { close(stop) }); wg.Wait() }
	t.Cleanup(stopSearching) // before the store and Meilisearch go away
	for _, params := range []string{"q=化工&type=penalty", "q=化工", "type=permit"} {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := e.trySearch(params)
				if err != nil {
					bad.Add(1)
					t.Error(err)
					return
				}
				searches.Add(1)
				want := int64(300)
				if params == "type=permit" {
					want = 1
				}
				if res.Degraded || res.Total < want || len(res.Hits) == 0 {
					bad.Add(1)
					t.Errorf("%s during a rebuild: total %d, %d hits, degraded %v", params, res.Total, len(res.Hits), res.Degraded)
				}
			}
		})
	}
	// A change committed while the rebuild runs must not be lost.
	var added []int64
	for round := 0; round < 2; round++ {
		done := make(chan error, 1)
		go func() {
			_, err := e.ix.Rebuild(context.Background())
			done <- err
		}()
		time.Sleep(50 * time.Millisecond)
		added = append(added, e.upsertPenalties(penalty(t, 1000+round, nil))...)
		if err := <-done; err != nil {
			t.Fatalf("rebuild %d: %v", round, err)
		}
	}
	e.synced()
	stopSearching()
	if searches.Load() < 10 || bad.Load() > 0 {
		t.Errorf("%d searches during rebuilds, %d bad", searches.Load(), bad.Load())
	}
	docs := e.documents(search.IndexPenalties)
	if len(docs) != 302 {
		t.Errorf("after rebuilds: %d penalties in the index, want 302", len(docs))
	}
	for _, id := range added {
		if _, ok := docs[idString(id)]; !ok {
			t.Errorf("penalty %d, added during a rebuild, is not in the index", id)
		}
	}
	for _, uid := range search.Indexes {
		if e.documentsExist(uid + "_new") {
			t.Errorf("index %s_new left behind", uid)
		}
	}
	// A second rebuild at the same time is refused.
	lease, err := e.s.TryLease(context.Background(), store.RebuildLease)
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Close()
	if _, err := e.ix.Rebuild(context.Background()); err == nil {
		t.Error("a rebuild ran while another held the rebuild lease")
	}
}

// documentsExist reports whether an index exists.
func (e *env) documentsExist(uid string) bool {
	e.t.Helper()
	resp, err := httpGet(e, fmt.Sprintf("%s/indexes/%s", e.m.URL, uid))
	if err != nil {
		e.t.Fatal(err)
	}
	return resp == 200
}
