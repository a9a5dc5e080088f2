package indexer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
)

// RebuildStats describes a finished rebuild.
type RebuildStats struct {
	From      int64 // change-log seq the rebuild started at; later changes are replayed
	Penalties int
	Permits   int
	Powers    int
	Services  int
	Took      time.Duration
}

// ErrRebuildRunning is returned when another rebuild holds the lease.
var ErrRebuildRunning = errors.New("another rebuild is running")

// Rebuild fills fresh indexes from PostgreSQL — streaming the public read
// path, so memory does not grow with the number of records — and swaps
// them in atomically: searches meanwhile see the old indexes, complete.
// It then rewinds the cursor to the change-log position taken before
// reading, so the active indexer replays every change made during the
// rebuild (replaying is harmless).
func (ix *Indexer) Rebuild(ctx context.Context) (RebuildStats, error) {
	start := time.Now()
	lease, err := ix.store.TryLease(ctx, ix.opt.RebuildLease)
	if errors.Is(err, store.ErrLeaseHeld) {
		return RebuildStats{}, ErrRebuildRunning
	}
	if err != nil {
		return RebuildStats{}, err
	}
	defer lease.Close()

	st := RebuildStats{}
	if st.From, err = ix.store.LastChangeSeq(ctx); err != nil {
		return st, err
	}
	rb, err := ix.w.BeginRebuild(ctx, ix.opt.RebuildDocs)
	if err != nil {
		return st, fmt.Errorf("rebuild: %w", err)
	}
	if err := ix.fill(ctx, rb, &st); err != nil {
		actx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		rb.Abort(actx)
		cancel()
		return st, fmt.Errorf("rebuild: %w", err)
	}
	if err := ix.store.RewindSearchCursor(ctx, ix.opt.Cursor, st.From); err != nil {
		return st, err
	}
	st.Took = time.Since(start)
	ix.log.Info("indexer: rebuilt the search indexes", "penalties", st.Penalties, "permits", st.Permits,
		"powers", st.Powers, "services", st.Services, "from_seq", st.From, "took", st.Took.Round(time.Millisecond))
	return st, nil
}

// fill sends the documents of every index: the lists and permits first,
// so that Meilisearch indexes them while the penalties — most documents —
// are still being read, and then indexes the penalties in large batches.
func (ix *Indexer) fill(ctx context.Context, rb *search.Rebuild, st *RebuildStats) error {
	for _, k := range domain.ListKinds {
		l, err := ix.store.CurrentListItems(ctx, k)
		if err != nil {
			return err
		}
		powers, services := search.ListDocuments(l)
		for i := range powers {
			if err := rb.Add(ctx, search.IndexPowers, &powers[i]); err != nil {
				return err
			}
		}
		for i := range services {
			if err := rb.Add(ctx, search.IndexServices, &services[i]); err != nil {
				return err
			}
		}
		st.Powers += len(powers)
		st.Services += len(services)
	}
	err := ix.pub.EachPermit(ctx, func(p domain.PublishedPermit) error {
		st.Permits++
		d := search.PermitDocument(p, st.From)
		return rb.Add(ctx, search.IndexPermits, &d)
	})
	if err == nil {
		err = rb.Flush(ctx)
	}
	if err != nil {
		return fmt.Errorf("permits: %w", err)
	}
	err = ix.pub.EachPenalty(ctx, func(p domain.PublishedPenalty) error {
		st.Penalties++
		d := search.PenaltyDocument(p, st.From)
		return rb.Add(ctx, search.IndexPenalties, &d)
	})
	if err != nil {
		return fmt.Errorf("penalties: %w", err)
	}
	return rb.Finish(ctx)
}
