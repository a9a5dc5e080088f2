package bulkload_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/store/bulkload"
	"github.com/gongshi/gongshi/internal/testenv"
)

func penaltyIter(ps []domain.Penalty, state func(i int, p domain.Penalty) bulkload.Penalty) func() (bulkload.Penalty, bool) {
	i := 0
	return func() (bulkload.Penalty, bool) {
		if i == len(ps) {
			return bulkload.Penalty{}, false
		}
		i++
		return state(i-1, ps[i-1]), true
	}
}

var bulkActor = store.Actor{Name: "test:bulk"}

func TestBulkLoadPenalties(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	const n = 5000
	ps := testenv.Penalties(t, n)
	ps[3].Fine = 1_234_567 // 12,345.67 yuan: fen survive the binary COPY
	ps[3].Confiscated = 50
	published := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	withdrawnAt := time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC)
	start := time.Now()
	loaded, err := bulkload.Penalties(ctx, s, bulkActor, penaltyIter(ps, func(i int, p domain.Penalty) bulkload.Penalty {
		b := bulkload.Penalty{Penalty: p, PublishedAt: published}
		if i%10 == 0 {
			b.Withdrawn = &bulkload.Withdrawal{Reason: domain.ReasonExpired, Note: "公示期满", At: withdrawnAt}
		}
		return b
	}), store.WriteOptions{Demo: true})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if loaded != n {
		t.Fatalf("loaded %d, want %d", loaded, n)
	}
	t.Logf("bulk-loaded %d penalties in %v (%.0f rows/s)", n, elapsed, n/elapsed.Seconds())

	pool := s.Pool()
	var rows, withdrawn, demo, agencies int
	err = pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE status = 'withdrawn' AND withdraw_reason = 'expired'
		AND withdrawn_at = $1 AND withdraw_note = '公示期满' AND updated_at = $1), count(*) FILTER (WHERE demo AND published_at = $2),
		count(DISTINCT agency_id) FROM penalties`, withdrawnAt, published).Scan(&rows, &withdrawn, &demo, &agencies)
	if err != nil {
		t.Fatal(err)
	}
	if rows != n || withdrawn != n/10 || demo != n || agencies != 2 {
		t.Errorf("rows %d withdrawn %d demo %d agencies %d, want %d %d %d 2", rows, withdrawn, demo, agencies, n, n/10, n)
	}

	var fine, confiscated, whole string
	err = pool.QueryRow(ctx, `SELECT (SELECT fine_yuan::text || ' ' || confiscated_yuan::text FROM penalties WHERE decision_no = $1),
		(SELECT fine_yuan::text FROM penalties WHERE decision_no = $2)`, ps[3].DecisionNo, ps[4].DecisionNo).Scan(&fine, &whole)
	if err != nil {
		t.Fatal(err)
	}
	fine, confiscated, _ = strings.Cut(fine, " ")
	if fine != "12345.67" || confiscated != "0.50" || whole != ps[4].Fine.Yuan() {
		t.Errorf("stored amounts %s, %s and %s; want 12345.67, 0.50 and %s", fine, confiscated, whole, ps[4].Fine.Yuan())
	}

	// One change-log entry per row, in id order, tombstones for withdrawn rows.
	var entries, distinct, upserts, tombstones int
	var inOrder bool
	err = pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT entity_id),
		count(*) FILTER (WHERE op = 'upsert' AND reason IS NULL), count(*) FILTER (WHERE op = 'withdraw' AND reason = 'expired'),
		bool_and(prev IS NULL OR prev < entity_id)
		FROM (SELECT entity_id, op, reason, lag(entity_id) OVER (ORDER BY seq) AS prev FROM changes WHERE entity = 'penalty') c
		JOIN penalties p ON p.id = c.entity_id`).Scan(&entries, &distinct, &upserts, &tombstones, &inOrder)
	if err != nil {
		t.Fatal(err)
	}
	if entries != n || distinct != n || upserts != n-n/10 || tombstones != n/10 || !inOrder {
		t.Errorf("changes: %d entries, %d distinct, %d upserts, %d tombstones, in order %v", entries, distinct, upserts, tombstones, inOrder)
	}
	var audits int
	var detailRows int
	err = pool.QueryRow(ctx, `SELECT count(*), max((detail->>'rows')::int) FROM audit_log
		WHERE action = 'penalty.bulk_load' AND actor = 'test:bulk'`).Scan(&audits, &detailRows)
	if err != nil {
		t.Fatal(err)
	}
	if audits != 1 || detailRows != n {
		t.Errorf("audit: %d rows, detail rows %d; want 1, %d", audits, detailRows, n)
	}

	// Re-ingesting the same records changes nothing.
	var again []domain.Penalty
	for i := 0; i < n; i += 97 {
		again = append(again, ps[i])
	}
	res, err := s.UpsertPenalties(ctx, bulkActor, again, store.WriteOptions{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Outcome != store.Unchanged || r.ID == 0 {
			t.Fatalf("re-ingest of record %d: %+v, want unchanged", i*97, r)
		}
	}
	var after int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM changes`).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != n {
		t.Errorf("re-ingest appended %d change-log entries", after-n)
	}
	// A real change is still an update.
	changed := ps[1]
	changed.Remarks = "已更正"
	res, err = s.UpsertPenalties(ctx, bulkActor, []domain.Penalty{changed}, store.WriteOptions{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != store.Updated {
		t.Errorf("changed record: %+v, want updated", res[0])
	}
	// The load took its ids from the table's sequence: a new record gets a
	// later one (upserts of existing records use up ids too), and its
	// change-log entry follows the load's.
	fresh := testenv.Penalties(t, n+1)[n]
	res, err = s.UpsertPenalties(ctx, bulkActor, []domain.Penalty{fresh}, store.WriteOptions{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	var maxID, lastLogged int64
	err = pool.QueryRow(ctx, `SELECT (SELECT max(id) FROM penalties WHERE id <> $1),
		(SELECT entity_id FROM changes ORDER BY seq DESC LIMIT 1)`, res[0].ID).Scan(&maxID, &lastLogged)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != store.Created || res[0].ID <= maxID || lastLogged != res[0].ID {
		t.Errorf("new record after the load: %+v; loaded ids end at %d, last change-log entry is for %d",
			res[0], maxID, lastLogged)
	}
}

func TestBulkLoadPermits(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	ag := testenv.CreditCode(t, "11", "320583", 7)
	var ps []domain.Permit
	for i := range 300 {
		d := time.Date(2022, 5, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		ps = append(ps, domain.Permit{
			DocName:      "危险化学品经营许可证准予许可决定书",
			DecisionNo:   fmt.Sprintf("苏昆危化经字〔%d〕%04d号", d.Year(), i+1),
			Party:        domain.Party{Name: fmt.Sprintf("昆山测试%d化工贸易有限公司", i), Kind: domain.PartyOrganization, CreditCode: testenv.CreditCode(t, "91", "320583", 500+i)},
			Category:     "普通",
			CertName:     "危险化学品经营许可证",
			PermitNo:     fmt.Sprintf("苏昆危化经字〔%d〕%04d", d.Year(), i+1),
			Content:      "批发：甲醇、乙醇（不带储存设施）",
			DecisionDate: d,
			ValidFrom:    d,
			ValidTo:      d.AddDate(3, 0, -1),
			Agency:       "昆山市应急管理局",
			AgencyCode:   ag,
			State:        domain.PermitValid,
			Source:       "昆山市应急管理局",
			SourceCode:   ag,
		})
	}
	i := 0
	loaded, err := bulkload.Permits(ctx, s, bulkActor, func() (bulkload.Permit, bool) {
		if i == len(ps) {
			return bulkload.Permit{}, false
		}
		i++
		return bulkload.Permit{Permit: ps[i-1]}, true
	}, store.WriteOptions{})
	if err != nil || loaded != len(ps) {
		t.Fatalf("BulkLoadPermits = %d, %v", loaded, err)
	}
	res, err := s.UpsertPermits(ctx, bulkActor, ps[:20], store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outcome != store.Unchanged {
			t.Fatalf("re-ingest: %+v, want unchanged", r)
		}
	}
	var entries int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM changes WHERE entity = 'permit' AND op = 'upsert'`).Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != len(ps) {
		t.Errorf("%d change-log entries, want %d", entries, len(ps))
	}
}

// A conflicting row fails the whole load, which writes nothing.
func TestBulkLoadIsAtomic(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	ps := testenv.Penalties(t, 20000)
	ps[19000].DecisionNo = ps[2].DecisionNo // same agency (even index), same number
	_, err := bulkload.Penalties(ctx, s, bulkActor, penaltyIter(ps, func(_ int, p domain.Penalty) bulkload.Penalty {
		return bulkload.Penalty{Penalty: p}
	}), store.WriteOptions{})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("err = %v, want ErrConflict", err)
	}
	var rows, changes, agencies int
	err = s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM penalties), (SELECT count(*) FROM changes),
		(SELECT count(*) FROM agencies)`).Scan(&rows, &changes, &agencies)
	if err != nil {
		t.Fatal(err)
	}
	if rows+changes+agencies != 0 {
		t.Errorf("failed load left %d rows, %d changes, %d agencies", rows, changes, agencies)
	}
}

// A load into an empty table builds its secondary indexes after the rows
// are in; afterwards the table has exactly the indexes and constraints it
// had, and they work: a second load into the now non-empty table is
// checked by the unique constraint as it copies.
func TestBulkLoadRestoresIndexes(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	indexes := func() string {
		var defs string
		err := s.Pool().QueryRow(ctx, `SELECT string_agg(indexdef, E'\n' ORDER BY indexname) FROM pg_indexes
			WHERE tablename = 'penalties'`).Scan(&defs)
		if err != nil {
			t.Fatal(err)
		}
		return defs
	}
	constraints := func() string {
		var defs string
		err := s.Pool().QueryRow(ctx, `SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), E'\n' ORDER BY conname)
			FROM pg_constraint WHERE conrelid = 'penalties'::regclass`).Scan(&defs)
		if err != nil {
			t.Fatal(err)
		}
		return defs
	}
	wantIdx, wantCon := indexes(), constraints()
	if strings.Count(wantIdx, "\n") < 5 || !strings.Contains(wantCon, "UNIQUE (agency_id, decision_no)") {
		t.Fatalf("unexpected schema:\n%s\n%s", wantIdx, wantCon)
	}
	ps := testenv.Penalties(t, 3000)
	load := func(ps []domain.Penalty) error {
		_, err := bulkload.Penalties(ctx, s, bulkActor, penaltyIter(ps, func(_ int, p domain.Penalty) bulkload.Penalty {
			return bulkload.Penalty{Penalty: p}
		}), store.WriteOptions{})
		return err
	}
	if err := load(ps[:2000]); err != nil {
		t.Fatal(err)
	}
	if got := indexes(); got != wantIdx {
		t.Errorf("indexes after the load:\n%s\nwant:\n%s", got, wantIdx)
	}
	if got := constraints(); got != wantCon {
		t.Errorf("constraints after the load:\n%s\nwant:\n%s", got, wantCon)
	}
	// The rebuilt indexes hold every row: an index scan finds each one.
	var found int
	err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM penalties p JOIN unnest($1::text[]) AS n(no) ON p.decision_no = n.no`,
		[]string{ps[0].DecisionNo, ps[999].DecisionNo, ps[1999].DecisionNo}).Scan(&found)
	if err != nil || found != 3 {
		t.Fatalf("found %d of 3 loaded decision numbers (%v)", found, err)
	}
	// Into a table with rows: the indexes stay, and a duplicate fails the
	// load, which writes nothing.
	dup := append(append([]domain.Penalty{}, ps[2000:]...), ps[5])
	if err := load(dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("loading a stored decision number: err = %v, want ErrConflict", err)
	}
	if err := load(ps[2000:]); err != nil {
		t.Fatal(err)
	}
	var rows int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM penalties`).Scan(&rows); err != nil || rows != 3000 {
		t.Fatalf("%d rows (%v)", rows, err)
	}
	// Both loads logged every row once, in id order, the failed one none.
	var logged int
	var inOrder bool
	err = s.Pool().QueryRow(ctx, `SELECT count(DISTINCT p.id), bool_and(prev IS NULL OR prev < c.entity_id)
		FROM (SELECT entity_id, lag(entity_id) OVER (ORDER BY seq) AS prev FROM changes WHERE entity = 'penalty') c
		JOIN penalties p ON p.id = c.entity_id`).Scan(&logged, &inOrder)
	if err != nil || logged != 3000 || !inOrder {
		t.Fatalf("change log covers %d of 3000 rows, in order %v (%v)", logged, inOrder, err)
	}
	if got := indexes(); got != wantIdx {
		t.Errorf("indexes after the second load:\n%s\nwant:\n%s", got, wantIdx)
	}
}

func TestBulkLoadCancelled(t *testing.T) {
	s := testenv.Store(t)
	ctx, cancel := context.WithCancel(context.Background())
	ps := testenv.Penalties(t, 30000)
	_, err := bulkload.Penalties(ctx, s, bulkActor, penaltyIter(ps, func(i int, p domain.Penalty) bulkload.Penalty {
		if i == 10000 {
			cancel()
		}
		return bulkload.Penalty{Penalty: p}
	}), store.WriteOptions{})
	if err == nil {
		t.Fatal("cancelled load succeeded")
	}
}

// BenchmarkBulkLoadPenalties reports rows/s for loads of
// GONGSHI_BENCH_ROWS penalties (default 100,000) into an empty table.
func BenchmarkBulkLoadPenalties(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("GONGSHI_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	ps := testenv.Penalties(b, n)
	ctx := context.Background()
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		s := testenv.Store(b)
		b.StartTimer()
		start := time.Now()
		if _, err := bulkload.Penalties(ctx, s, bulkActor, penaltyIter(ps, func(_ int, p domain.Penalty) bulkload.Penalty {
			return bulkload.Penalty{Penalty: p}
		}), store.WriteOptions{Demo: true}); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "rows/s")
}

// TestBulkLoadLeavesTheTalliesCompact checks that a load of several
// chunks leaves one ledger row per key, in a table no larger than its
// rows need: the per-chunk deltas folded and their dead rows gone, so
// the figures read a few pages, not one per chunk and key.
func TestBulkLoadLeavesTheTalliesCompact(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	ps := testenv.Penalties(t, 7000) // four chunks
	if _, err := bulkload.Penalties(ctx, s, bulkActor, penaltyIter(ps, func(_ int, p domain.Penalty) bulkload.Penalty {
		return bulkload.Penalty{Penalty: p}
	}), store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	var rows, keys, pages int64
	err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM penalty_tallies),
		(SELECT count(*) FROM (SELECT DISTINCT month, agency_id, stage, categories, state, large, demo FROM penalty_tallies) k),
		pg_relation_size('penalty_tallies') / current_setting('block_size')::int`).Scan(&rows, &keys, &pages)
	if err != nil {
		t.Fatal(err)
	}
	if rows != keys {
		t.Errorf("penalty_tallies holds %d rows for %d keys after the load", rows, keys)
	}
	if max := 1 + rows/20; pages > max {
		t.Errorf("penalty_tallies takes %d pages for %d rows (want at most %d)", pages, rows, max)
	}
}
