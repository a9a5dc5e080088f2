package cache_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// logSource is an in-memory change log for the tracker's own logic.
type logSource struct {
	mu      sync.Mutex
	changes []cache.Change
	err     error
}

func (l *logSource) add(tags ...string) int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	seq := int64(len(l.changes) + 1)
	l.changes = append(l.changes, cache.Change{Seq: seq, Tags: tags})
	return seq
}

func (l *logSource) ChangesAfter(_ context.Context, after int64, limit int) ([]cache.Change, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return nil, l.err
	}
	var out []cache.Change
	for _, c := range l.changes {
		if c.Seq > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (l *logSource) LastChangeSeq(context.Context) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return 0, l.err
	}
	return int64(len(l.changes)), nil
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestTrackerInvalidatesByTag(t *testing.T) {
	src := &logSource{}
	src.add("penalty/1", "subject/A")
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	tr := cache.NewTracker(src, cache.TrackerOptions{Now: clk.now})
	ctx := context.Background()
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	asOf := tr.Head()
	if asOf != 1 || !tr.Fresh() {
		t.Fatalf("head %d fresh %v", asOf, tr.Fresh())
	}
	rec1 := []string{"penalty/1", "subject/A"}
	rec2 := []string{"penalty/2", "subject/B"}
	if !tr.Valid(asOf, rec1) || !tr.Valid(asOf, rec2) || !tr.Valid(asOf, nil) {
		t.Fatal("nothing changed, yet a response is invalid")
	}
	src.add("penalty/1", "subject/A", "dataset/penalty")
	if err := tr.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if tr.Valid(asOf, rec1) {
		t.Error("a response about the changed record stays valid")
	}
	if !tr.Valid(asOf, rec2) {
		t.Error("a response about another record was invalidated")
	}
	if tr.Valid(asOf, nil) || tr.Valid(asOf, []string{cache.AllTag}) {
		t.Error("a response depending on everything stays valid")
	}
	if tr.Valid(asOf, []string{"dataset/penalty"}) {
		t.Error("a list of penalties stays valid")
	}
	if !tr.Valid(tr.Head(), rec1) {
		t.Error("a response computed after the change is invalid")
	}

	// Knowledge older than MaxLag serves nothing.
	clk.advance(2 * time.Second)
	if tr.Fresh() {
		t.Error("fresh although the log was not read for 2 s")
	}
	src.err = errors.New("down")
	if err := tr.Sync(ctx); err == nil || tr.Fresh() {
		t.Error("a failed read made the tracker fresh")
	}
	src.err = nil
	if err := tr.Sync(ctx); err != nil || !tr.Fresh() {
		t.Errorf("a successful read did not make the tracker fresh: %v", err)
	}
}

// A backlog larger than one batch (a bulk load) invalidates everything
// computed before its end; forgetting old tag changes raises the floor.
func TestTrackerBacklogAndForgetting(t *testing.T) {
	src := &logSource{}
	tr := cache.NewTracker(src, cache.TrackerOptions{Batch: 10, MaxTags: 20})
	ctx := context.Background()
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	before := tr.Head()
	for i := range 25 {
		src.add("penalty/x" + string(rune('a'+i)))
	}
	if err := tr.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if tr.Head() != 25 {
		t.Fatalf("head %d after a backlog of 25", tr.Head())
	}
	if tr.Valid(before, []string{"penalty/unrelated"}) {
		t.Error("a response from before a bulk load stays valid")
	}
	asOf := tr.Head()
	for i := range 30 { // 30 changes of 2 tags each (with AllTag): forgets
		src.add("penalty/y" + string(rune('a'+i)))
		if err := tr.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if tr.Valid(asOf, []string{"penalty/unrelated"}) {
		t.Error("a response older than the forgotten changes stays valid")
	}
	if !tr.Valid(tr.Head(), []string{"penalty/ya"}) {
		t.Error("a current response is invalid")
	}
}

// Against the real change log: a withdrawal invalidates the record, its
// party and its dataset, and nothing about other records.
func TestTrackerFollowsTheStore(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	a := store.Actor{Name: "test"}
	res, err := s.UpsertPenalties(ctx, a, []domain.Penalty{testenv.Penalty(1), testenv.Penalty(2)}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tr := cache.NewTracker(cache.StoreChanges(s), cache.TrackerOptions{})
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	asOf := tr.Head()
	if asOf == 0 {
		t.Fatal("the tracker did not read the change log")
	}
	p1 := []string{cache.RecordTag("penalty", res[0].ID), cache.SubjectTag(testenv.Penalty(1).Party.CreditCode)}
	p2 := []string{cache.RecordTag("penalty", res[1].ID), cache.SubjectTag(testenv.Penalty(2).Party.CreditCode)}
	subject1 := []string{cache.SubjectTag(testenv.Penalty(1).Party.CreditCode)}
	if err := s.Withdraw(ctx, a, store.EntityPenalty, res[0].ID, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	if err := tr.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for name, tags := range map[string][]string{"record": p1, "subject": subject1,
		"dataset": {cache.DatasetTag("penalty")}} {
		if tr.Valid(asOf, tags) {
			t.Errorf("the %s of the withdrawn penalty stays valid", name)
		}
	}
	if !tr.Valid(asOf, p2) {
		t.Error("another penalty's page was invalidated")
	}
	if !slices.Contains(cache.TagsOf(store.ChangeTarget{Entity: store.EntityListVersion, ListKind: "powers"}), cache.ListTag("powers")) {
		t.Error("a list version does not touch its list")
	}
}
