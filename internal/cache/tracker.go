package cache

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Tags name what a cached response depends on. A response is served from
// the cache only while none of its tags has changed since it was computed.
// Every change touches AllTag, so a response tagged AllTag (the default)
// is invalidated by any change.
const AllTag = "*"

// RecordTag is the tag of one record (a penalty, a permit, …) by its id.
func RecordTag(entity string, id int64) string {
	return entity + "/" + strconv.FormatInt(id, 10)
}

// SubjectTag is the tag of one party's records, by 统一社会信用代码: it
// changes when a record of that party is published, changed or withdrawn.
func SubjectTag(creditCode string) string { return "subject/" + creditCode }

// DatasetTag is the tag of every record of one entity (lists, totals,
// aggregates of penalties, of permits, …).
func DatasetTag(entity string) string { return "dataset/" + entity }

// ListTag is the tag of one of the bureau's lists (powers,
// responsibilities, public-services).
func ListTag(kind string) string { return "list/" + kind }

// Change is one change-log entry and the tags it touches.
type Change struct {
	Seq  int64
	Tags []string
}

// ChangeSource reads the system of record's change log. Entries must be
// returned in seq order and commit in seq order, so that continuing from
// the last seq read never misses one.
type ChangeSource interface {
	ChangesAfter(ctx context.Context, after int64, limit int) ([]Change, error)
	LastChangeSeq(ctx context.Context) (int64, error)
}

// TrackerOptions tune a Tracker; zero values take the defaults.
type TrackerOptions struct {
	// MaxLag is how old the tracker's knowledge of the change log may be
	// for cached responses to be served (default 900 ms): a change
	// committed more than MaxLag ago is always reflected in what is served.
	MaxLag time.Duration
	// Poll is how often the change log is read when no notification
	// arrives (default 200 ms).
	Poll time.Duration
	// Batch is the most entries read at once (default 10,000); a larger
	// backlog (a bulk load) invalidates every cached response instead.
	Batch int
	// MaxTags bounds the remembered tag changes (default 200,000); when
	// the oldest are forgotten, responses computed before them are
	// invalidated.
	MaxTags int
	Log     *slog.Logger
	Now     func() time.Time
}

// Tracker follows the change log of the system of record and decides
// whether a cached response is still valid. A response computed at
// change-log position asOf with tags T is valid while no change after
// asOf touched a tag in T. Because the positions come from PostgreSQL,
// not from the cache store, losing, flushing, restarting or failing over
// Redis can never make a stale response valid. While the tracker cannot
// confirm that it knows every change committed in the last MaxLag (the
// database is unreachable or slow), nothing is valid.
type Tracker struct {
	src  ChangeSource
	opt  TrackerOptions
	kick chan struct{}

	synced atomic.Int64 // unix nanoseconds: every change committed before this is known
	headA  atomic.Int64 // mirror of head, read without the lock

	mu    sync.RWMutex
	head  int64            // newest seq applied
	floor int64            // responses computed before this position are invalid
	last  map[string]int64 // tag → seq of its latest change
	order []tagChange      // applied tag changes, oldest first, for forgetting
	off   int              // order[off:] is live
}

type tagChange struct {
	tag string
	seq int64
}

// NewTracker returns a tracker reading src; call Start (or Sync) before use.
func NewTracker(src ChangeSource, opt TrackerOptions) *Tracker {
	if opt.MaxLag <= 0 {
		opt.MaxLag = 900 * time.Millisecond
	}
	if opt.Poll <= 0 {
		opt.Poll = 200 * time.Millisecond
	}
	if opt.Batch <= 0 {
		opt.Batch = 10_000
	}
	if opt.MaxTags <= 0 {
		opt.MaxTags = 200_000
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Tracker{src: src, opt: opt, kick: make(chan struct{}, 1), last: map[string]int64{}}
}

// Start positions the tracker at the end of the change log, remembering the
// tags of the most recent entries (up to one batch) so that responses
// cached by other processes shortly before stay valid.
func (t *Tracker) Start(ctx context.Context) error {
	head, err := t.src.LastChangeSeq(ctx)
	if err != nil {
		return fmt.Errorf("cache.Tracker.Start: %w", err)
	}
	from := max(head-int64(t.opt.Batch), 0)
	t.mu.Lock()
	t.head, t.floor = from, from
	t.headA.Store(from)
	t.mu.Unlock()
	return t.Sync(ctx)
}

// Kick asks for a read of the change log now (after a notification that a
// change committed); it never blocks.
func (t *Tracker) Kick() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
}

// Run reads the change log every Poll interval and after every Kick until
// ctx ends.
func (t *Tracker) Run(ctx context.Context) {
	tick := time.NewTicker(t.opt.Poll)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-t.kick:
		}
		sctx, cancel := context.WithTimeout(ctx, t.opt.MaxLag)
		err := t.Sync(sctx)
		cancel()
		switch {
		case err != nil && !failing && ctx.Err() == nil:
			t.opt.Log.Warn("change log unreadable; serving uncached", "err", err)
			failing = true
		case err == nil && failing:
			t.opt.Log.Info("change log readable again; cache in use")
			failing = false
		}
	}
}

// Sync reads the change log from the last known position and applies it.
func (t *Tracker) Sync(ctx context.Context) error {
	start := t.opt.Now()
	after := t.headA.Load()
	changes, err := t.src.ChangesAfter(ctx, after, t.opt.Batch)
	if err != nil {
		return fmt.Errorf("cache.Tracker.Sync(after %d): %w", after, err)
	}
	if len(changes) >= t.opt.Batch {
		// A backlog too large to follow entry by entry (a bulk load):
		// everything cached before its end is invalid.
		head, err := t.src.LastChangeSeq(ctx)
		if err != nil {
			return fmt.Errorf("cache.Tracker.Sync: %w", err)
		}
		t.mu.Lock()
		t.resetLocked(head)
		t.mu.Unlock()
		t.markSynced(start)
		return nil
	}
	if len(changes) > 0 {
		t.mu.Lock()
		for _, c := range changes {
			if c.Seq <= t.head {
				continue
			}
			t.noteLocked(AllTag, c.Seq)
			for _, tag := range c.Tags {
				t.noteLocked(tag, c.Seq)
			}
			t.head = c.Seq
		}
		t.forgetLocked()
		t.headA.Store(t.head)
		t.mu.Unlock()
	}
	t.markSynced(start)
	return nil
}

func (t *Tracker) markSynced(start time.Time) {
	n := start.UnixNano()
	for {
		cur := t.synced.Load()
		if n <= cur || t.synced.CompareAndSwap(cur, n) {
			return
		}
	}
}

func (t *Tracker) resetLocked(head int64) {
	if head < t.head {
		head = t.head
	}
	t.head, t.floor = head, head
	t.headA.Store(head)
	clear(t.last)
	t.order, t.off = t.order[:0], 0
}

func (t *Tracker) noteLocked(tag string, seq int64) {
	t.last[tag] = seq
	t.order = append(t.order, tagChange{tag, seq})
}

// forgetLocked drops the oldest remembered tag changes beyond MaxTags and
// raises the floor past them.
func (t *Tracker) forgetLocked() {
	if len(t.order)-t.off <= t.opt.MaxTags {
		return
	}
	drop := len(t.order) - t.off - t.opt.MaxTags/2
	for _, tc := range t.order[t.off : t.off+drop] {
		if t.last[tc.tag] == tc.seq {
			delete(t.last, tc.tag)
		}
		t.floor = max(t.floor, tc.seq)
	}
	t.off += drop
	if t.off > len(t.order)/2 {
		t.order = append(t.order[:0], t.order[t.off:]...)
		t.off = 0
	}
}

// Fresh reports whether the tracker knows every change committed more than
// MaxLag ago; cached responses may only be served while it does.
func (t *Tracker) Fresh() bool {
	return t.opt.Now().UnixNano()-t.synced.Load() <= int64(t.opt.MaxLag)
}

// Head is the newest change-log position the tracker has applied: a
// response computed from data read after this call reflects at least it.
func (t *Tracker) Head() int64 { return t.headA.Load() }

// Valid reports whether a response computed at position asOf and depending
// on tags may be served now. The caller has checked Fresh.
func (t *Tracker) Valid(asOf int64, tags []string) bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if asOf < t.floor {
		return false
	}
	if t.last[AllTag] <= asOf {
		return true // nothing changed since
	}
	if len(tags) == 0 {
		return false
	}
	for _, tag := range tags {
		if t.last[tag] > asOf {
			return false
		}
	}
	return true
}
