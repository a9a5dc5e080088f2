package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// countStatements counts the INSERT statements run on penalties until
// the test ends, by a statement trigger of its own.
func countStatements(t *testing.T, s *store.Store) func() int {
	t.Helper()
	ctx := context.Background()
	_, err := s.Pool().Exec(ctx, `
		CREATE SCHEMA upsert_probe;
		CREATE TABLE upsert_probe.statements (n int NOT NULL);
		CREATE FUNCTION upsert_probe.count() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN INSERT INTO upsert_probe.statements VALUES (1); RETURN NULL; END $$;
		CREATE TRIGGER upsert_probe AFTER INSERT ON penalties FOR EACH STATEMENT EXECUTE FUNCTION upsert_probe.count()`)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := s.Pool().Exec(ctx, `DROP TRIGGER upsert_probe ON penalties; DROP SCHEMA upsert_probe CASCADE`); err != nil {
			t.Error(err)
		}
	})
	return func() int { return count(t, s, `SELECT count(*) FROM upsert_probe.statements`) }
}

// TestUpsertWritesABatchInFewStatements: every statement on penalties
// runs the tally triggers, so an ingest batch written one statement per
// record paid them 500 times.
func TestUpsertWritesABatchInFewStatements(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	statements := countStatements(t, s)
	ps := testenv.Penalties(t, 500)
	if _, err := s.UpsertPenalties(ctx, cli, ps, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// 7 × 64 + 32 + 16 + 4: ten statements.
	if n := statements(); n > 10 {
		t.Errorf("a batch of 500 new penalties ran %d INSERT statements, want at most 10", n)
	}
	if n := count(t, s, `SELECT count(*) FROM penalties`); n != 500 {
		t.Errorf("penalties = %d, want 500", n)
	}
}

// TestUpsertOutcomesAcrossStatements checks each record's outcome and id,
// in input order, in a batch whose statements mix created, updated and
// unchanged records.
func TestUpsertOutcomesAcrossStatements(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	ps := testenv.Penalties(t, 300)
	first, err := s.UpsertPenalties(ctx, cli, ps[:200], store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Reversed: the stored records' ids now decrease along the batch.
	var batch []domain.Penalty
	var want []store.Outcome
	for i := 299; i >= 0; i-- {
		p := ps[i]
		switch {
		case i >= 200:
			want = append(want, store.Created)
		case i%3 == 0:
			p.Facts += "（更正）"
			want = append(want, store.Updated)
		default:
			want = append(want, store.Unchanged)
		}
		batch = append(batch, p)
	}
	rs, err := s.UpsertPenalties(ctx, cli, batch, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for j, r := range rs {
		i := 299 - j
		if r.Outcome != want[j] {
			t.Errorf("record %d (penalty %d): %s, want %s", j, i, r.Outcome, want[j])
		}
		if i < 200 && r.ID != first[i].ID {
			t.Errorf("record %d (penalty %d): id %d, want %d", j, i, r.ID, first[i].ID)
		}
		var no string
		if err := s.Pool().QueryRow(ctx, `SELECT decision_no FROM penalties WHERE id = $1`, r.ID).Scan(&no); err != nil || no != batch[j].DecisionNo {
			t.Errorf("record %d: id %d holds %q (%v), want %q", j, r.ID, no, err, batch[j].DecisionNo)
		}
		if seen[r.ID] {
			t.Errorf("record %d: id %d given twice", j, r.ID)
		}
		seen[r.ID] = true
	}
	if n := count(t, s, `SELECT count(*) FROM changes`); n != 200+100+67 {
		t.Errorf("changes = %d, want %d", n, 200+100+67)
	}
}

// TestUpsertSameRecordTwiceInABatch: a batch naming a record twice
// creates it with the first version and updates it with the second, as
// two batches would.
func TestUpsertSameRecordTwiceInABatch(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	p, again := testenv.Penalty(1), testenv.Penalty(1)
	again.Facts = "第二版事实"
	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{p, testenv.Penalty(2), again}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(rs); got[0] != store.Created || got[1] != store.Created || got[2] != store.Updated || rs[0].ID != rs[2].ID {
		t.Fatalf("outcomes %v, ids %d and %d: want created, created, updated of one record", got, rs[0].ID, rs[2].ID)
	}
	if n := count(t, s, `SELECT count(*) FROM penalties WHERE facts = '第二版事实'`); n != 1 {
		t.Errorf("the second version was not stored")
	}
	if n := count(t, s, `SELECT count(*) FROM changes WHERE entity_id = $1`, rs[0].ID); n != 2 {
		t.Errorf("changes of the record = %d, want 2", n)
	}
}

// TestUpsertConflictNamesTheRecord: when the database refuses one record
// of a statement of many, the error still says which, and nothing of the
// batch is written.
func TestUpsertConflictNamesTheRecord(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	ps := testenv.Penalties(t, 150)
	ps[97].Categories = []string{"不存在的类别"}
	_, err := s.UpsertPenalties(ctx, cli, ps, store.WriteOptions{})
	if !errors.Is(err, store.ErrConflict) || !strings.Contains(err.Error(), "record 97:") {
		t.Fatalf("err = %v, want ErrConflict naming record 97", err)
	}
	if n := count(t, s, `SELECT count(*) FROM penalties`) + count(t, s, `SELECT count(*) FROM changes`); n != 0 {
		t.Errorf("a refused batch wrote %d rows", n)
	}
}
