// Package indexer projects the change log into the Meilisearch indexes.
// It reads the log from a cursor stored in PostgreSQL, wakes on
// LISTEN/NOTIFY (polling as a fallback), writes documents built from the
// public read path, and advances the cursor only after Meilisearch
// confirmed every task. One indexer is active at a time (an advisory-lock
// lease); others wait as standbys. It also rebuilds the indexes from
// scratch and withdraws records whose publicity period has ended.
package indexer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
)

// CursorName is the indexer's cursor in search_cursors.
const CursorName = "meilisearch"

// Options tune an Indexer; zero values take the defaults.
type Options struct {
	BatchSize   int           // change-log entries per step (1000)
	Poll        time.Duration // wake-up when no notification arrives (5s)
	Standby     time.Duration // how often a standby tries to become active (5s)
	MaxBackoff  time.Duration // longest pause between retries of a failed step (5s)
	ExpiryEvery time.Duration // how often records whose publicity ended are withdrawn (1h); <0 never
	RebuildDocs int           // documents per request during a rebuild (10000)

	// With more than one Meilisearch each is fed by its own indexer, with
	// its own cursor and leases (MeiliOptions).
	Cursor       string         // the cursor's name in search_cursors (CursorName)
	Lease        store.LeaseKey // held by the active indexer (store.IndexerLease)
	RebuildLease store.LeaseKey // held during a rebuild (store.RebuildLease)
}

// MeiliOptions returns opt for the indexer of the i-th of several
// Meilisearch at url: the first keeps the default cursor and leases (so a
// single-server deployment is unchanged); each other one has a cursor
// named after its URL and leases of its own, and leaves the withdrawal of
// expired records to the first.
func MeiliOptions(opt Options, i int, url string) Options {
	if i == 0 {
		return opt
	}
	opt.Cursor = CursorName + " " + url
	opt.Lease = store.IndexerLease + store.LeaseKey(i)<<8
	opt.RebuildLease = store.RebuildLease + store.LeaseKey(i)<<8
	opt.ExpiryEvery = -1
	return opt
}

func (o Options) withDefaults() Options {
	def := func(v *time.Duration, d time.Duration) {
		if *v == 0 {
			*v = d
		}
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 1000
	}
	if o.RebuildDocs <= 0 {
		o.RebuildDocs = 10000
	}
	def(&o.Poll, 5*time.Second)
	def(&o.Standby, 5*time.Second)
	def(&o.MaxBackoff, 5*time.Second)
	def(&o.ExpiryEvery, time.Hour)
	if o.Cursor == "" {
		o.Cursor = CursorName
	}
	if o.Lease == 0 {
		o.Lease = store.IndexerLease
	}
	if o.RebuildLease == 0 {
		o.RebuildLease = store.RebuildLease
	}
	return o
}

// Indexer keeps the search indexes in step with the change log.
type Indexer struct {
	store *store.Store
	pub   *store.Public
	w     *search.Writer
	today func() time.Time
	log   *slog.Logger
	opt   Options
}

// New returns an Indexer that reads records through pub (the public read
// path: published, unexpired, masked) and writes with w. today gives the
// current time in China Standard Time.
func New(s *store.Store, pub *store.Public, w *search.Writer, today func() time.Time, log *slog.Logger, opt Options) *Indexer {
	return &Indexer{store: s, pub: pub, w: w, today: today, log: log, opt: opt.withDefaults()}
}

// backoff doubles a pause up to max.
type backoff struct{ cur, max time.Duration }

func (b *backoff) next() time.Duration {
	if b.cur == 0 {
		b.cur = 100 * time.Millisecond
	} else {
		b.cur = min(2*b.cur, b.max)
	}
	return b.cur
}

func (b *backoff) reset() { b.cur = 0 }

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Run indexes until ctx ends. It waits as a standby while another indexer
// holds the lease, and resumes waiting if it loses it.
func (ix *Indexer) Run(ctx context.Context) error {
	bo := backoff{max: ix.opt.MaxBackoff}
	standby := false
	for {
		lease, err := ix.store.TryLease(ctx, ix.opt.Lease)
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, store.ErrLeaseHeld):
			if !standby {
				ix.log.Info("indexer: another indexer is active; standing by")
				standby = true
			}
			if sleep(ctx, ix.opt.Standby) != nil {
				return nil
			}
			continue
		case err != nil:
			ix.log.Error("indexer: cannot take the lease", "err", err)
			if sleep(ctx, bo.next()) != nil {
				return nil
			}
			continue
		}
		standby = false
		err = ix.lead(ctx, lease)
		lease.Close()
		if ctx.Err() != nil {
			return nil
		}
		ix.log.Error("indexer: stopped being the active indexer", "err", err)
		if sleep(ctx, bo.next()) != nil {
			return nil
		}
	}
}

// lead runs the active indexer while it holds lease.
func (ix *Indexer) lead(ctx context.Context, lease *store.Lease) error {
	ix.log.Info("indexer: active")
	if err := lease.Listen(ctx); err != nil {
		return err
	}
	bo := backoff{max: ix.opt.MaxBackoff}
	cursor, err := ix.prepare(ctx, lease, &bo)
	if err != nil {
		return err
	}
	var nextExpiry time.Time
	nextCheck := time.Now().Add(checkEvery)
	for {
		if ix.opt.ExpiryEvery > 0 && !time.Now().Before(nextExpiry) {
			ix.expire(ctx)
			nextExpiry = time.Now().Add(ix.opt.ExpiryEvery)
		}
		n, err := ix.step(ctx, lease, &cursor)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if lerr := lease.Check(ctx); lerr != nil {
				return fmt.Errorf("%w (after step error: %v)", lerr, err)
			}
			if errors.Is(err, search.ErrIndexMissing) {
				ix.log.Warn("indexer: an index is missing; rebuilding", "err", err)
				if cursor, err = ix.prepare(ctx, lease, &bo); err != nil {
					return err
				}
				continue
			}
			d := bo.next()
			ix.log.Warn("indexer: step failed; retrying the same changes", "cursor", cursor, "err", err, "retry_in", d)
			if err := sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		bo.reset()
		if n == ix.opt.BatchSize {
			continue
		}
		wait := ix.opt.Poll
		if ix.opt.ExpiryEvery > 0 {
			wait = max(min(wait, time.Until(nextExpiry)), time.Millisecond)
		}
		woke, err := lease.WaitForChange(ctx, wait)
		if err != nil {
			return err
		}
		if !woke && time.Now().After(nextCheck) {
			// Idle: make sure nobody deleted an index meanwhile.
			nextCheck = time.Now().Add(checkEvery)
			if missing, err := ix.w.NeedsRebuild(ctx); err == nil && len(missing) > 0 {
				ix.log.Warn("indexer: indexes need a rebuild", "indexes", missing)
				if cursor, err = ix.prepare(ctx, lease, &bo); err != nil {
					return err
				}
			}
		}
	}
}

// checkEvery is how often an idle indexer checks that the indexes exist.
const checkEvery = time.Minute

// prepare makes the indexes ready and returns the cursor: with indexes
// missing or no cursor stored, it rebuilds; otherwise it applies the
// settings. It retries while Meilisearch is unreachable.
func (ix *Indexer) prepare(ctx context.Context, lease *store.Lease, bo *backoff) (int64, error) {
	for {
		cursor, err := ix.tryPrepare(ctx)
		if err == nil {
			bo.reset()
			return cursor, nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		if lerr := lease.Check(ctx); lerr != nil {
			return 0, lerr
		}
		d := bo.next()
		ix.log.Warn("indexer: cannot prepare the indexes; retrying", "err", err, "retry_in", d)
		if err := sleep(ctx, d); err != nil {
			return 0, err
		}
	}
}

func (ix *Indexer) tryPrepare(ctx context.Context) (int64, error) {
	missing, err := ix.w.NeedsRebuild(ctx)
	if err != nil {
		return 0, err
	}
	_, found, err := ix.store.SearchCursor(ctx, ix.opt.Cursor)
	if err != nil {
		return 0, err
	}
	if len(missing) > 0 || !found {
		ix.log.Info("indexer: building the indexes from PostgreSQL", "missing", missing, "cursor_stored", found)
		if _, err := ix.Rebuild(ctx); err != nil {
			return 0, err
		}
	} else if err := ix.w.ApplySettings(ctx); err != nil {
		return 0, err
	}
	cursor, _, err := ix.store.SearchCursor(ctx, ix.opt.Cursor)
	return cursor, err
}

// step applies the next batch of changes after *cursor and advances it;
// it returns how many entries it read. On error nothing advanced, and
// the same entries are read again next time.
func (ix *Indexer) step(ctx context.Context, lease *store.Lease, cursor *int64) (int, error) {
	// A rebuild may have rewound the stored cursor: follow it, so that the
	// changes it asks for are replayed even when nothing new arrives.
	stored, found, err := ix.store.SearchCursor(ctx, ix.opt.Cursor)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, fmt.Errorf("the cursor is gone: %w", search.ErrIndexMissing)
	}
	if stored != *cursor {
		ix.log.Info("indexer: the cursor was moved (by a rebuild); following it", "from", *cursor, "to", stored)
		*cursor = stored
	}
	changes, err := ix.store.ChangesAfter(ctx, *cursor, ix.opt.BatchSize)
	if err != nil || len(changes) == 0 {
		return 0, err
	}
	last := changes[len(changes)-1].Seq
	c, err := ix.collect(ctx, changes, last)
	if err != nil {
		return 0, err
	}
	if err := ix.w.Apply(ctx, c); err != nil {
		return 0, err
	}
	ok, err := lease.AdvanceCursor(ctx, ix.opt.Cursor, *cursor, last)
	if err != nil {
		return 0, err
	}
	if !ok {
		// A rebuild rewound the cursor: replay from there.
		seq, _, err := ix.store.SearchCursor(ctx, ix.opt.Cursor)
		if err != nil {
			return 0, err
		}
		ix.log.Info("indexer: cursor was rewound by a rebuild; replaying", "from", seq, "was", *cursor)
		*cursor = seq
		return len(changes), nil
	}
	ix.log.Debug("indexer: applied changes", "from", *cursor, "to", last, "entries", len(changes),
		"upserts", len(c.Penalties)+len(c.Permits), "deletes", len(c.DeletePenalties)+len(c.DeletePermits), "lists", len(c.Lists))
	*cursor = last
	return len(changes), nil
}

// collect coalesces a batch of changes per entity and builds what to
// write: each record's current public form, or its removal when it is no
// longer public (withdrawn, expired), and for lists the whole current
// version. Reading current state makes replays harmless.
func (ix *Indexer) collect(ctx context.Context, changes []store.Change, version int64) (search.Changes, error) {
	var penalties, permits, versions []int64
	for _, ch := range changes {
		switch ch.Entity {
		case store.EntityPenalty:
			penalties = append(penalties, ch.EntityID)
		case store.EntityPermit:
			permits = append(permits, ch.EntityID)
		case store.EntityListVersion:
			versions = append(versions, ch.EntityID)
		}
	}
	var c search.Changes
	if ids := unique(penalties); len(ids) > 0 {
		recs, err := ix.pub.PenaltiesByID(ctx, ids)
		if err != nil {
			return c, err
		}
		public := map[int64]bool{}
		for _, r := range recs {
			public[r.ID] = true
			c.Penalties = append(c.Penalties, search.PenaltyDocument(r, version))
		}
		for _, id := range ids {
			if !public[id] {
				c.DeletePenalties = append(c.DeletePenalties, id)
			}
		}
	}
	if ids := unique(permits); len(ids) > 0 {
		recs, err := ix.pub.PermitsByID(ctx, ids)
		if err != nil {
			return c, err
		}
		public := map[int64]bool{}
		for _, r := range recs {
			public[r.ID] = true
			c.Permits = append(c.Permits, search.PermitDocument(r, version))
		}
		for _, id := range ids {
			if !public[id] {
				c.DeletePermits = append(c.DeletePermits, id)
			}
		}
	}
	if ids := unique(versions); len(ids) > 0 {
		kinds, err := ix.store.ListKindsOfVersions(ctx, ids)
		if err != nil {
			return c, err
		}
		for _, k := range kinds {
			l, err := ix.store.CurrentListItems(ctx, k)
			if err != nil {
				return c, err
			}
			powers, services := search.ListDocuments(l)
			c.Lists = append(c.Lists, search.ListReplacement{Kind: k, VersionID: l.VersionID, Powers: powers, Services: services})
		}
	}
	return c, nil
}

func unique(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

// expire withdraws, through the change log, the penalties whose publicity
// period ended before today; the indexer then removes them like any
// withdrawal, and feeds and caches follow the same entries.
func (ix *Indexer) expire(ctx context.Context) {
	now := ix.today()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	n, err := ix.store.WithdrawExpired(ctx, store.Actor{Name: "indexer:expiry"}, today)
	if err != nil {
		ix.log.Error("indexer: withdrawing expired records failed", "err", err)
		return
	}
	if n > 0 {
		ix.log.Info("indexer: withdrew records whose publicity period ended", "count", n, "reason", domain.ReasonExpired,
			"before", today.Format(domain.DateLayout))
	}
}
