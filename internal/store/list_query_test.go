package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/demo"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestListChangesSince: updated_since lists the public records changed
// since a time in (updated_at, id) order; with IncludeWithdrawn the ones
// withdrawn or expired since come as tombstones, and paging visits every
// change exactly once.
func TestListChangesSince(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	var since time.Time
	if err := s.Pool().QueryRow(ctx, `SELECT now()`).Scan(&since); err != nil {
		t.Fatal(err)
	}
	expired := testenv.Penalty(23)
	expired.DecisionDate = time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	expired.PublicityUntil = time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(20), testenv.Penalty(21), testenv.Penalty(22), expired},
		store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, rs[1].ID, domain.ReasonRepaired, ""); err != nil {
		t.Fatal(err)
	}
	pub := s.Public(domain.DefaultMasking, func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) })

	page, err := pub.Penalties(ctx, store.PenaltyQuery{UpdatedSince: since, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Items[0].ID != rs[0].ID || page.Items[1].ID != rs[2].ID || !page.TotalExact || page.Total != 2 {
		t.Errorf("changed public penalties: %d items, total %d exact %v", len(page.Items), page.Total, page.TotalExact)
	}

	seen := map[int64]string{}
	cursor := ""
	for i := 0; i < 10; i++ {
		p, err := pub.Penalties(ctx, store.PenaltyQuery{UpdatedSince: since, IncludeWithdrawn: true, Limit: 1, Cursor: cursor})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Items {
			if seen[r.ID] != "" {
				t.Errorf("penalty %d listed twice", r.ID)
			}
			seen[r.ID] = "public"
		}
		for _, w := range p.Withdrawn {
			if seen[w.ID] != "" {
				t.Errorf("penalty %d listed twice", w.ID)
			}
			seen[w.ID] = w.Reason
			if (w.Reason == "repaired") != (w.WithdrawnAt != nil) {
				t.Errorf("tombstone %+v: withdrawn_at goes with a withdrawal", w)
			}
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	want := map[int64]string{rs[0].ID: "public", rs[1].ID: "repaired", rs[2].ID: "public", rs[3].ID: "expired"}
	for id, w := range want {
		if seen[id] != w {
			t.Errorf("penalty %d: listed as %q, want %q (all: %v)", id, seen[id], w, seen)
		}
	}

	later, err := pub.Penalties(ctx, store.PenaltyQuery{UpdatedSince: time.Now().Add(time.Hour), IncludeWithdrawn: true})
	if err != nil || len(later.Items)+len(later.Withdrawn) != 0 || later.Total != 0 {
		t.Errorf("nothing changed since a later time: %+v %v", later, err)
	}
}

// TestListTotals: a total is exact when the list is small or the first
// page holds it all, and otherwise the planner's estimate, marked as
// such, and never below the cap it exceeded.
func TestListTotals(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	now := time.Now()
	if _, err := demo.Load(ctx, s, demo.Options{Penalties: 3000, Permits: -1, AllPublic: true, Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE penalties`); err != nil {
		t.Fatal(err)
	}
	pub := s.Public(domain.DefaultMasking, func() time.Time { return domain.ChinaDate(now) })
	all, err := pub.Penalties(ctx, store.PenaltyQuery{Limit: 20})
	if err != nil {
		t.Fatal(err)
	}
	if all.TotalExact || all.Total <= store.TotalCap || all.Total > 6000 {
		t.Errorf("3000 penalties: total %d, exact %v; want an estimate above %d", all.Total, all.TotalExact, store.TotalCap)
	}
	var code string
	var n int64
	if err := s.Pool().QueryRow(ctx, `SELECT credit_code, count(*) FROM penalties WHERE credit_code <> ''
		GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1`).Scan(&code, &n); err != nil {
		t.Fatal(err)
	}
	one, err := pub.Penalties(ctx, store.PenaltyQuery{CreditCode: code, Limit: 1})
	if err != nil || !one.TotalExact || one.Total != n {
		t.Errorf("one party's penalties: total %d exact %v, want %d exact (%v)", one.Total, one.TotalExact, n, err)
	}
	var fined int64
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM penalties WHERE fine_yuan >= 100000`).Scan(&fined); err != nil {
		t.Fatal(err)
	}
	min := domain.Money(100000 * 100)
	big, err := pub.Penalties(ctx, store.PenaltyQuery{FineMin: &min, Limit: 1, Sort: store.Sort{Key: "fine"}})
	if err != nil {
		t.Fatal(err)
	}
	if fined <= store.TotalCap && (!big.TotalExact || big.Total != fined) {
		t.Errorf("fines of 100,000 yuan or more: total %d exact %v, want %d", big.Total, big.TotalExact, fined)
	}
}
