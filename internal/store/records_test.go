package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

var cli = store.Actor{Name: "test"}

func count(t *testing.T, s *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Pool().QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func outcomes(rs []store.UpsertResult) []store.Outcome {
	out := make([]store.Outcome, len(rs))
	for i, r := range rs {
		out[i] = r.Outcome
	}
	return out
}

func TestUpsertPenaltiesIsIdempotent(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	batch := []domain.Penalty{testenv.Penalty(1), testenv.Penalty(2)}

	rs, err := s.UpsertPenalties(ctx, cli, batch, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(rs); got[0] != store.Created || got[1] != store.Created {
		t.Fatalf("first upsert: %v", got)
	}
	if n := count(t, s, `SELECT count(*) FROM changes`); n != 2 {
		t.Fatalf("changes after create = %d, want 2", n)
	}

	again, err := s.UpsertPenalties(ctx, cli, batch, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range again {
		if r.Outcome != store.Unchanged || r.ID != rs[i].ID {
			t.Errorf("second upsert [%d] = %+v, want unchanged id %d", i, r, rs[i].ID)
		}
	}
	if n := count(t, s, `SELECT count(*) FROM changes`); n != 2 {
		t.Errorf("an unchanged upsert logged changes: %d entries", n)
	}
	if n := count(t, s, `SELECT count(*) FROM audit_log`); n != 2 {
		t.Errorf("audit entries = %d, want 2", n)
	}

	changed := testenv.Penalty(2)
	changed.Facts += "（更正）"
	rs3, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(1), changed}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(rs3); got[0] != store.Unchanged || got[1] != store.Updated {
		t.Errorf("third upsert: %v, want [unchanged updated]", got)
	}
	if n := count(t, s, `SELECT count(*) FROM changes WHERE entity = 'penalty' AND entity_id = $1`, rs[1].ID); n != 2 {
		t.Errorf("changes for the updated record = %d, want 2", n)
	}
	if n := count(t, s, `SELECT count(*) FROM penalties`); n != 2 {
		t.Errorf("penalties = %d, want 2", n)
	}
}

func TestUpsertStoresExactAmounts(t *testing.T) {
	s := testenv.Store(t)
	p := testenv.Penalty(1)
	p.Fine, _ = domain.ParseWan("3.67891")
	if _, err := s.UpsertPenalties(context.Background(), cli, []domain.Penalty{p}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	var yuan string
	if err := s.Pool().QueryRow(context.Background(), `SELECT fine_yuan::text FROM penalties`).Scan(&yuan); err != nil {
		t.Fatal(err)
	}
	if yuan != "36789.10" {
		t.Errorf("fine_yuan = %s, want 36789.10", yuan)
	}
}

func TestFailedBatchWritesNothing(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	if _, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(1)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	good := testenv.Penalty(1)
	good.Facts = "被修改的事实"
	bad := testenv.Penalty(3)
	bad.Categories = []string{"不存在的类别"} // passes no validator: the database must refuse it
	_, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{good, testenv.Penalty(2), bad}, store.WriteOptions{})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	if n := count(t, s, `SELECT count(*) FROM penalties`); n != 1 {
		t.Errorf("penalties = %d after a failed batch, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM penalties WHERE facts = '被修改的事实'`); n != 0 {
		t.Error("a failed batch half-wrote an update")
	}
	if n := count(t, s, `SELECT count(*) FROM changes`); n != 1 {
		t.Errorf("changes = %d, want 1", n)
	}
}

func TestWithdraw(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(1)}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := rs[0].ID
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, id, domain.ReasonRevoked, "复议撤销"); err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, id, domain.ReasonRevoked, ""); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second withdraw: %v, want ErrConflict", err)
	}
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, id+100, domain.ReasonRevoked, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
	if n := count(t, s, `SELECT count(*) FROM changes WHERE op = 'withdraw' AND reason = 'revoked' AND entity_id = $1`, id); n != 1 {
		t.Errorf("tombstones = %d, want 1", n)
	}
	// A revoked record stays withdrawn when its content is re-sent.
	p := testenv.Penalty(1)
	p.Facts += "（补充）"
	if _, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{p}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM penalties WHERE status = 'withdrawn'`); n != 1 {
		t.Error("a revoked record was republished by an update")
	}
}

func TestCorrectedRecordIsRepublishedByItsCorrection(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(1)}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, rs[0].ID, domain.ReasonCorrected, "金额有误"); err != nil {
		t.Fatal(err)
	}
	p := testenv.Penalty(1)
	p.Fine, _ = domain.ParseWan("1.5")
	if _, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{p}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, `SELECT count(*) FROM penalties WHERE status = 'published' AND withdraw_reason IS NULL AND fine_yuan = 15000`); n != 1 {
		t.Error("the corrected record was not republished")
	}
}

func TestWithdrawExpired(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	old := testenv.Penalty(1)
	old.DecisionDate = time.Date(2020, 1, 2, 0, 0, 0, 0, time.UTC)
	old.PublicityUntil = time.Date(2021, 1, 2, 0, 0, 0, 0, time.UTC)
	if _, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{old, testenv.Penalty(2)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	n, err := s.WithdrawExpired(ctx, cli, time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 1 {
		t.Fatalf("WithdrawExpired = %d, %v; want 1", n, err)
	}
	if c := count(t, s, `SELECT count(*) FROM changes WHERE op = 'withdraw' AND reason = 'expired'`); c != 1 {
		t.Errorf("expired tombstones = %d, want 1", c)
	}
}

func TestUpsertPermits(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	p, errs := domain.ParsePermit(testenv.PermitRecord(1), domain.ParseOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for i, want := range []store.Outcome{store.Created, store.Unchanged} {
		rs, err := s.UpsertPermits(ctx, cli, []domain.Permit{p}, store.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].Outcome != want {
			t.Errorf("upsert %d: %s, want %s", i, rs[0].Outcome, want)
		}
	}
	var district string
	if err := s.Pool().QueryRow(ctx, `SELECT coalesce(district_code, '') FROM agencies`).Scan(&district); err != nil {
		t.Fatal(err)
	}
	if district != "" {
		t.Errorf("agency 11230500… is not in Suzhou, got district %q", district)
	}
}
