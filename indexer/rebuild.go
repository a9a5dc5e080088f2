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
	lease, err := ix.store.TryLease(ctx, store.RebuildLease)
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
	rb, err := ix.w.BeginRebuild(ctx)
	if err != nil {
		return st, fmt.Errorf("rebuild: %w", err)
	}
	if err := ix.fill(ctx, rb, &st); err != nil {
		actx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		rb.Abort(actx)
		cancel()
		return st, fmt.Errorf("rebuild: %w", err)
	}
	if err := ix.store.RewindSearchCursor(ctx, CursorName, st.From); err != nil {
		return st, err
	}
	st.Took = time.Since(start)
	ix.log.Info("indexer: rebuilt the search indexes", "penalties", st.Penalties, "permits", st.Permits,
		"powers", st.Powers, "services", st.Services, "from_seq", st.From, "took", st.Took.Round(time.Millisecond))
	return st, nil
}

func (ix *Indexer) fill(ctx context.Context, rb *search.Rebuild, st *RebuildStats) error {
	n := ix.opt.RebuildDocs
	penalties := make([]search.PenaltyDoc, 0, n)
	err := ix.pub.EachPenalty(ctx, func(p domain.PublishedPenalty) error {
		penalties = append(penalties, search.PenaltyDocument(p, st.From))
		if len(penalties) < n {
			return nil
		}
		st.Penalties += len(penalties)
		err := rb.Add(ctx, search.IndexPenalties, penalties, len(penalties))
		penalties = penalties[:0] // Add has sent them
		return err
	})
	if err == nil {
		st.Penalties += len(penalties)
		err = rb.Add(ctx, search.IndexPenalties, penalties, len(penalties))
	}
	if err != nil {
		return fmt.Errorf("penalties: %w", err)
	}
	permits := make([]search.PermitDoc, 0, n)
	err = ix.pub.EachPermit(ctx, func(p domain.PublishedPermit) error {
		permits = append(permits, search.PermitDocument(p, st.From))
		if len(permits) < n {
			return nil
		}
		st.Permits += len(permits)
		err := rb.Add(ctx, search.IndexPermits, permits, len(permits))
		permits = permits[:0]
		return err
	})
	if err == nil {
		st.Permits += len(permits)
		err = rb.Add(ctx, search.IndexPermits, permits, len(permits))
	}
	if err != nil {
		return fmt.Errorf("permits: %w", err)
	}
	for _, k := range domain.ListKinds {
		l, err := ix.store.CurrentListItems(ctx, k)
		if err != nil {
			return err
		}
		powers, services := search.ListDocuments(l)
		if err := rb.Add(ctx, search.IndexPowers, powers, len(powers)); err != nil {
			return err
		}
		if err := rb.Add(ctx, search.IndexServices, services, len(services)); err != nil {
			return err
		}
		st.Powers += len(powers)
		st.Services += len(services)
	}
	return rb.Finish(ctx)
}
