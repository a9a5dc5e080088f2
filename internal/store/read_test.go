package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestReadMethodsKeepThePublicGuarantee stores a natural person's penalty
// (full ID number in the party block and in the facts), a withdrawn and an
// expired penalty, and a withdrawn permit, and checks every read method of
// the public API: only public records, never the full ID number.
func TestReadMethodsKeepThePublicGuarantee(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	person, errs := domain.ParsePenalty(testenv.PersonPenaltyRecord(1), domain.ParseOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	person.Facts = "当事人李四（身份证号" + testenv.PersonID + "）未取得许可"
	person.CreditCode = testenv.CompanyCode // a credit code lets the profile find it
	withdrawn := testenv.Penalty(2)
	withdrawn.CreditCode = testenv.CompanyCode
	expired := testenv.Penalty(3)
	expired.CreditCode = testenv.CompanyCode
	expired.DecisionDate = time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	expired.PublicityUntil = time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{person, withdrawn, expired, testenv.Penalty(4)}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, rs[1].ID, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	permit, errs := domain.ParsePermit(testenv.PermitRecord(1), domain.ParseOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	permit.CreditCode = testenv.CompanyCode
	prs, err := s.UpsertPermits(ctx, cli, []domain.Permit{permit}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, cli, store.EntityPermit, prs[0].ID, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	pub := s.Public(domain.DefaultMasking, func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) })

	noID := func(what string, v any) {
		t.Helper()
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), testenv.PersonID) {
			t.Errorf("%s contains the full ID number", what)
		}
	}
	page, err := pub.Penalties(ctx, store.PenaltyQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || len(page.Items) != 2 || page.Items[0].ID != rs[3].ID || page.Items[1].ID != rs[0].ID {
		t.Errorf("Penalties: total %d, %d items", page.Total, len(page.Items))
	}
	noID("Penalties", page)
	if p, err := pub.Penalty(ctx, rs[0].ID); err != nil || !strings.HasPrefix(p.IDNo, "110105") {
		t.Errorf("Penalty: %v %q", err, p.IDNo)
	} else {
		noID("Penalty", p)
	}
	for _, id := range []int64{rs[1].ID, rs[2].ID, 999} {
		if _, err := pub.Penalty(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Penalty(%d): %v, want ErrNotFound", id, err)
		}
	}
	if _, err := pub.Permit(ctx, prs[0].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("withdrawn Permit: %v", err)
	}
	if mp, err := pub.Permits(ctx, store.PermitQuery{}); err != nil || mp.Total != 0 || len(mp.Items) != 0 || mp.Items == nil {
		t.Errorf("Permits: %+v %v", mp, err)
	}

	sub, err := pub.Subject(ctx, testenv.CompanyCode)
	if err != nil {
		t.Fatal(err)
	}
	if sub.PenaltyCount != 1 || len(sub.Penalties) != 1 || sub.PermitCount != 0 || len(sub.Names) != 1 || sub.Names[0].Records != 1 {
		t.Errorf("Subject: %+v", sub)
	}
	noID("Subject", sub)
	for _, code := range []string{testenv.OtherCode, domain.USCCPlaceholder, ""} {
		if _, err := pub.Subject(ctx, code); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Subject(%q): %v, want ErrNotFound", code, err)
		}
	}

	st, err := pub.Stats(ctx, store.StatsQuery{Calendar: domain.DefaultCalendar()})
	if err != nil {
		t.Fatal(err)
	}
	if st.Penalties.Count != 2 || st.Permits.Count != 0 || st.Timeliness.Overall.Records != 2 || len(st.Timeliness.Agencies) != 1 {
		t.Errorf("Stats: %+v", st)
	}
}

func TestCursors(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	var ps []domain.Penalty
	for i := range 5 {
		ps = append(ps, testenv.Penalty(10+i))
	}
	if _, err := s.UpsertPenalties(ctx, cli, ps, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	pub := s.Public(domain.DefaultMasking, func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) })
	fine := store.Sort{Key: "fine"}
	page, err := pub.Penalties(ctx, store.PenaltyQuery{Sort: fine, Limit: 2})
	if err != nil || page.Next == "" {
		t.Fatal(page, err)
	}
	next, err := pub.Penalties(ctx, store.PenaltyQuery{Sort: fine, Limit: 2, Cursor: page.Next})
	if err != nil || len(next.Items) != 2 || next.Items[0].ID <= page.Items[1].ID || next.Total != 5 {
		t.Errorf("second page: %+v %v", next.Items, err)
	}
	for _, c := range []struct {
		sort   store.Sort
		cursor string
	}{
		{store.Sort{Key: "fine", Desc: true}, page.Next},
		{fine, "%%%"},
		{fine, store.Cursor{Sort: "fine", Key: "abc", ID: 1}.String()},
		{fine, store.Cursor{Sort: "fine", Key: "1.00", ID: 0}.String()},
		{store.DefaultSort, store.Cursor{Sort: "-decision_date", Key: "2026-02-30", ID: 1}.String()},
		{store.Sort{Key: "published_at"}, store.Cursor{Sort: "published_at", Key: "2026-01-01", ID: 1}.String()},
	} {
		if _, err := pub.Penalties(ctx, store.PenaltyQuery{Sort: c.sort, Cursor: c.cursor}); !errors.Is(err, store.ErrCursor) {
			t.Errorf("sort %s cursor %q: %v, want ErrCursor", c.sort, c.cursor, err)
		}
	}
}
