package store_test

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/store/bulkload"
	"github.com/gongshi/gongshi/internal/testenv"
)

// After a random sequence of publishes, re-ingests with changed fields,
// withdrawals for every reason, expiries, bulk loads and direct changes,
// every maintained figure equals a recount from the records (the scans
// the figures were read with before). GONGSHI_TALLY_SEED replays a seed.
func TestTalliesEqualARecount(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("GONGSHI_TALLY_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d (GONGSHI_TALLY_SEED=%d replays it)", seed, seed)
	r := rand.New(rand.NewPCG(seed, 13))
	ctx := context.Background()
	s := testenv.Store(t)
	pub := enfPublic(s)
	cal := domain.DefaultCalendar()
	type agency struct{ code, name string }
	agencies := []agency{{bureauCode, "苏州市应急管理局"}, {districtCode, "苏州市吴中区应急管理局"},
		{testenv.USCC("320506", 900003), "苏州市吴中区应急管理局"}} // the same name, another code
	// Decisions from 2016 (before the calendar's holiday data) to today.
	day := func() time.Time {
		first := mustDate("2016-06-01")
		return first.AddDate(0, 0, r.IntN(int(enfToday.Sub(first).Hours()/24)))
	}
	randomize := func(p *domain.Penalty) {
		ag := agencies[r.IntN(len(agencies))]
		p.Agency, p.AgencyCode, p.Source, p.SourceCode = ag.name, ag.code, ag.name, ag.code
		p.DecisionDate = day()
		// Some publicity periods end before today: the penalty expires.
		p.PublicityUntil = p.DecisionDate.AddDate(0, 1+r.IntN(40), 0)
		p.Stage = []domain.Stage{domain.StagePreAccident, domain.StagePreAccident, domain.StageAccident, ""}[r.IntN(4)]
		switch r.IntN(5) {
		case 0:
			p.Categories, p.Fine, p.Content = []string{"警告"}, 0, "警告"
		case 1:
			p.Categories, p.Fine = []string{"罚款", "没收违法所得"}, domain.Money(int64(1+r.IntN(200))*50_000)
			p.Confiscated = domain.Money(int64(r.IntN(1000)) * 100)
		default:
			// Around the 5万元 line: 49,999, 50,000 and more.
			p.Categories, p.Fine = []string{"罚款"}, domain.Money([]int64{4_999_900, 5_000_000, int64(1+r.IntN(120)) * 100_000}[r.IntN(3)])
		}
	}
	var published []int64 // penalty ids, published or withdrawn
	keys := map[int64]domain.Penalty{}
	var permitIDs []int64
	n := 0
	newPenalty := func() domain.Penalty {
		n++
		p := testenv.Penalty(n)
		randomize(&p)
		return p
	}
	publish := func(ps []domain.Penalty) {
		rs, err := s.UpsertPenalties(ctx, cli, ps, store.WriteOptions{Demo: r.IntN(10) == 0})
		mustNil(t, err)
		for i, res := range rs {
			if _, ok := keys[res.ID]; !ok {
				published = append(published, res.ID)
			}
			keys[res.ID] = ps[i]
		}
	}
	check := func(step int, op string) {
		t.Helper()
		if r.IntN(3) == 0 {
			mustNil(t, s.FoldTallies(ctx))
		}
		o, err := s.Overview(ctx, enfToday)
		mustNil(t, err)
		want, err := s.RecountOverview(ctx, enfToday)
		mustNil(t, err)
		got := store.Overview{Penalties: o.Penalties, Permits: o.Permits, Withdrawn: o.Withdrawn, Demo: o.Demo, LastPublished: o.LastPublished}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d (%s): Overview %+v, a recount %+v", step, op, got, want)
		}
		filters := []store.StatsQuery{{}, {AgencyCode: agencies[1].code}, {DistrictCode: "320506"},
			{DecidedFrom: mustDate("2025-01-01"), DecidedTo: mustDate("2025-12-31")},
			{DecidedFrom: mustDate("2024-03-15"), DecidedTo: mustDate("2026-02-10"), DistrictCode: "320506"},
			{DecidedFrom: mustDate("2025-05-09"), DecidedTo: mustDate("2025-05-20")},
			{DecidedFrom: mustDate("2025-05-31"), DecidedTo: mustDate("2025-06-01")},
			{DecidedFrom: day()}, {DecidedTo: day(), AgencyCode: agencies[0].code}}
		for _, q := range filters {
			q.Calendar = cal
			got, err := pub.Stats(ctx, q)
			mustNil(t, err)
			want, err := pub.RecountStats(ctx, q)
			mustNil(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d (%s): Stats(agency %q, district %q, %s to %s)\n got %+v\nwant %+v", step, op,
					q.AgencyCode, q.DistrictCode, q.DecidedFrom.Format(time.DateOnly), q.DecidedTo.Format(time.DateOnly), got, want)
			}
		}
		for _, q := range []store.FiguresQuery{{Quarter: domain.Quarter{Year: 2025, Q: 2}},
			{Quarter: domain.Quarter{Year: 2026, Q: 4}, YearToDate: true},
			{Quarter: domain.Quarter{Year: 2026, Q: 1}, AgencyCode: agencies[2].code},
			{Quarter: domain.Quarter{Year: 2024, Q: 3}, DistrictCode: "320506", YearToDate: true}} {
			q.Calendar = cal
			got, err := pub.QuarterlyFigures(ctx, q)
			mustNil(t, err)
			want, err := pub.RecountQuarterlyFigures(ctx, q)
			mustNil(t, err)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("step %d (%s): QuarterlyFigures(%v, ytd %v, agency %q, district %q)\n got %+v\nwant %+v", step, op,
					q.Quarter, q.YearToDate, q.AgencyCode, q.DistrictCode, got.Figures, want.Figures)
			}
		}
		gotW, err := pub.Withdrawals(ctx)
		mustNil(t, err)
		wantW, err := pub.RecountWithdrawals(ctx)
		mustNil(t, err)
		if !reflect.DeepEqual(gotW, wantW) {
			t.Fatalf("step %d (%s): Withdrawals %+v, a recount %+v", step, op, gotW, wantW)
		}
	}
	bulk := func() {
		var ps []bulkload.Penalty
		for range 50 + r.IntN(300) {
			b := bulkload.Penalty{Penalty: newPenalty(), PublishedAt: publishedAfter(cal, mustDate("2025-01-01"), r.IntN(400))}
			if k := r.IntN(8); k < 4 {
				b.Withdrawn = &bulkload.Withdrawal{Reason: domain.WithdrawReasons[k], Note: "测试"}
			}
			if b.PublishedAt.Before(b.DecisionDate) {
				b.PublishedAt = publishedAfter(cal, b.DecisionDate, r.IntN(15))
			}
			ps = append(ps, b)
		}
		i := 0
		_, err := bulkload.Penalties(ctx, s, cli, func() (bulkload.Penalty, bool) {
			if i == len(ps) {
				return bulkload.Penalty{}, false
			}
			i++
			return ps[i-1], true
		}, store.WriteOptions{})
		mustNil(t, err)
	}
	bulk() // into the empty table, as a first import
	check(0, "bulk load")
	for step := 1; step <= 30; step++ {
		var op string
		switch k := r.IntN(9); {
		case k < 2:
			op = "publish"
			var ps []domain.Penalty
			for range 1 + r.IntN(6) {
				ps = append(ps, newPenalty())
			}
			publish(ps)
		case k < 4 && len(published) > 0:
			op = "re-ingest with changes"
			var ps []domain.Penalty
			for range 1 + r.IntN(4) {
				id := published[r.IntN(len(published))]
				p := keys[id]
				code, name := p.AgencyCode, p.Agency
				randomize(&p)
				p.Agency, p.AgencyCode, p.Source, p.SourceCode = name, code, name, code // the same key
				ps = append(ps, p)
			}
			publish(ps)
		case k < 6 && len(published) > 0:
			op = "withdraw"
			for range 1 + r.IntN(5) {
				id := published[r.IntN(len(published))]
				reason := domain.WithdrawReasons[r.IntN(len(domain.WithdrawReasons))]
				if err := s.Withdraw(ctx, cli, store.EntityPenalty, id, reason, "测试"); err != nil && !isConflict(err) {
					t.Fatal(err)
				}
			}
		case k < 7:
			op = "expire"
			_, err := s.WithdrawExpired(ctx, cli, enfToday)
			mustNil(t, err)
		case k < 8:
			op = "bulk load"
			bulk()
		default:
			op = "permits and a direct change of agency"
			var ms []domain.Permit
			for range 1 + r.IntN(5) {
				n++
				m, errs := domain.ParsePermit(testenv.PermitRecord(n), domain.ParseOptions{})
				if len(errs) > 0 {
					t.Fatal(errs)
				}
				ag := agencies[r.IntN(len(agencies))]
				m.Agency, m.AgencyCode, m.Source, m.SourceCode = ag.name, ag.code, ag.name, ag.code
				m.DecisionDate = day()
				m.ValidFrom, m.ValidTo = m.DecisionDate, m.DecisionDate.AddDate(3, 0, 0)
				ms = append(ms, m)
			}
			rs, err := s.UpsertPermits(ctx, cli, ms, store.WriteOptions{})
			mustNil(t, err)
			for _, res := range rs {
				permitIDs = append(permitIDs, res.ID)
			}
			if err := s.Withdraw(ctx, cli, store.EntityPermit, permitIDs[r.IntN(len(permitIDs))],
				domain.WithdrawReasons[r.IntN(len(domain.WithdrawReasons))], ""); err != nil && !isConflict(err) {
				t.Fatal(err)
			}
			_, err = s.Pool().Exec(ctx, `UPDATE penalties SET agency_id = (SELECT id FROM agencies ORDER BY random() LIMIT 1),
				decision_no = decision_no || '改' WHERE id IN (SELECT id FROM penalties ORDER BY random() LIMIT 3)`)
			mustNil(t, err)
		}
		check(step, op)
	}
}

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

// TestTallyTriggersArePlannedOnce checks that the triggers keeping the
// tallies after each insert, update and delete run a statement written
// in their body, which PL/pgSQL plans once per connection, and not text
// run with EXECUTE, which PostgreSQL plans again on every write: that
// cost 3 ms per statement, and the ingest API writes one statement per
// record.
func TestTallyTriggersArePlannedOnce(t *testing.T) {
	s := testenv.Store(t)
	rows, err := s.Pool().Query(context.Background(), `SELECT c.relname || '.' || t.tgname, p.prosrc
		FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
		WHERE c.relname IN ('penalties', 'permits') AND t.tgname LIKE '%tally%' AND NOT t.tgisinternal
			AND (t.tgtype & (4 | 8 | 16)) <> 0 -- INSERT, DELETE, UPDATE
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{}
	var name, body string
	if _, err := pgx.ForEachRow(rows, []any{&name, &body}, func() error { bodies[name] = body; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 6 {
		t.Fatalf("%d tally triggers on insert, update and delete, want 6: %v", len(bodies), slices.Collect(maps.Keys(bodies)))
	}
	for name, body := range bodies {
		if strings.Contains(strings.ToUpper(body), "EXECUTE") {
			t.Errorf("%s runs its statement with EXECUTE (planned on every write)", name)
		}
		if !strings.Contains(body, "INSERT INTO") {
			t.Errorf("%s writes no ledger: %.200s", name, body)
		}
	}
}
