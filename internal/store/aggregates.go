package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gongshi/gongshi/internal/domain"
)

// The maintained figures (migration 00012): triggers on penalties and
// permits append signed deltas, in the transaction of every change, to
// small ledgers keyed by decision month, agency and the other dimensions
// the figures group by; a figure is the sum of its key's rows. Reads cost
// the number of keys (plus the deltas not yet folded), not the number of
// records:
//
//   - penalty_tallies: month × agency × stage × categories × state
//     (published or the withdraw reason) × large fine × demo → records,
//     fines, confiscated, records with a fine;
//   - permit_tallies: month × agency × 当前状态 × category × state × demo;
//   - publication_tallies: month × agency × state × lag in working days
//     (and whether holiday data covers it) → records, for timeliness;
//   - withdrawal_tallies: month of withdrawal × reason → records.
//
// Two things the tallies do not hold are read from the records, both
// bounded independently of the table's size:
//
//   - A penalty whose publicity period ended (publicity_until < today) but
//     that the daily expiry (Store.WithdrawExpired, run by the indexer) has
//     not withdrawn yet is still tallied as published; public figures
//     subtract these, found through the partial index on publicity_until
//     of published penalties — none once the expiry has run.
//   - A date filter that starts or ends inside a month: the whole months
//     come from the tallies, the partial ones (at most two) are counted
//     from the records through the decision-date index.

// LargeFineTallied is the fine, in whole yuan, from which the tallies
// flag a penalty as large (gongshi_large_fine_yuan() in SQL): the 5万元 of
// domain.DefaultEnforcementRules. Quarterly figures under other rules
// count large cases from the records.
const LargeFineTallied = 50_000

// tallyFoldMin is how many ledger rows beyond twice those left by the
// last fold make a reader fold the ledgers.
const tallyFoldMin = 5000

// foldState is when a pool last checked the ledgers' length and how many
// rows the last fold left.
type foldState struct {
	mu      sync.Mutex
	checked time.Time
	folded  int64
}

var foldStates sync.Map // connection pool → *foldState

// maybeFold folds the ledgers into one row per key when they have grown
// to more than twice what the last fold left (plus tallyFoldMin). It
// checks at most once a second per pool, and never waits for another
// reader checking or folding.
func (s *Store) maybeFold(ctx context.Context) error {
	v, _ := foldStates.LoadOrStore(s.pool, &foldState{})
	f := v.(*foldState)
	if !f.mu.TryLock() {
		return nil
	}
	defer f.mu.Unlock()
	if time.Since(f.checked) < time.Second {
		return nil
	}
	f.checked = time.Now()
	const length = `SELECT (SELECT count(*) FROM penalty_tallies) + (SELECT count(*) FROM permit_tallies)
		+ (SELECT count(*) FROM publication_tallies) + (SELECT count(*) FROM withdrawal_tallies)`
	var n int64
	if err := s.pool.QueryRow(ctx, length).Scan(&n); err != nil {
		return fmt.Errorf("ledger length: %w", err)
	}
	if n <= 2*f.folded+tallyFoldMin {
		return nil
	}
	var folded bool
	if err := s.pool.QueryRow(ctx, `SELECT gongshi_fold_tallies()`).Scan(&folded); err != nil {
		return fmt.Errorf("fold tallies: %w", err)
	}
	if err := s.pool.QueryRow(ctx, length).Scan(&n); err != nil {
		return fmt.Errorf("ledger length: %w", err)
	}
	f.folded = n
	return nil
}

// calendarRange is the last day the working-day calendar table covers:
// the end of the year after the last one with holiday data (or after
// today's year).
func calendarRange(cal domain.Calendar, today time.Time) time.Time {
	last := today.Year()
	for y := today.Year() + 10; y > last; y-- {
		if cal.Covers(y) {
			last = y
			break
		}
	}
	return time.Date(last+1, 12, 31, 0, 0, 0, 0, time.UTC)
}

// syncCalendar makes workday_calendar hold cal's working days and runs
// of covered years (checked against a fingerprint, one row), and, when
// that changes them, counts the publication
// lags of all records again (once per change of holiday data). Writers
// wait while it does, so no lag is counted in the old calendar after it.
func (s *Store) syncCalendar(ctx context.Context, cal domain.Calendar, today time.Time) error {
	last := calendarRange(cal, today)
	table, runs := workdayTable(cal, last), coveredRuns(cal, last)
	h := sha256.New()
	for i := range table {
		h.Write(binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, uint32(table[i])), uint32(runs[i])))
	}
	fp := hex.EncodeToString(h.Sum(nil))
	var stored string
	err := s.pool.QueryRow(ctx, `SELECT fingerprint FROM workday_calendar_version`).Scan(&stored)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("sync calendar: %w", err)
	}
	if stored == fp {
		return nil
	}
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7263540122)`); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT fingerprint FROM workday_calendar_version`).Scan(&stored)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if stored == fp {
			return nil
		}
		if _, err := tx.Exec(ctx, `LOCK TABLE penalties, permits IN SHARE MODE`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM workday_calendar`); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO workday_calendar (day, n, run)
			SELECT $1::date + (i - 1)::int, n, run FROM unnest($2::int[], $3::int[]) WITH ORDINALITY AS c(n, run, i)`,
			calendarBase, table, runs)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM publication_tallies`); err != nil {
			return err
		}
		for _, e := range []struct{ entity, table string }{{"penalty", "penalties"}, {"permit", "permits"}} {
			_, err := tx.Exec(ctx, `INSERT INTO publication_tallies
				SELECT $1, date_trunc('month', r.decision_date)::date, r.agency_id,
					CASE WHEN r.status = 'published' THEN 'published' ELSE r.withdraw_reason::text END,
					p.n - d.n, coalesce(d.run <> 0 AND d.run = p.run, false), count(*), max(r.published_at)
				FROM `+e.table+` r
				LEFT JOIN workday_calendar d ON d.day = r.decision_date
				LEFT JOIN workday_calendar p ON p.day = (r.published_at AT TIME ZONE 'Asia/Shanghai')::date
				GROUP BY 1, 2, 3, 4, 5, 6`, e.entity)
			if err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `INSERT INTO workday_calendar_version (fingerprint) VALUES ($1)
			ON CONFLICT (only_row) DO UPDATE SET fingerprint = EXCLUDED.fingerprint`, fp)
		return err
	})
	if err != nil {
		return fmt.Errorf("sync calendar: %w", err)
	}
	return nil
}

// monthSplit divides a decision-date range (zero ends: unbounded) into
// whole months, read from the tallies, and at most two partial months,
// counted from the records.
type monthSplit struct {
	lo, hi time.Time // first days of the first and last whole month; zero: unbounded
	whole  bool      // some whole months are in the range
	edges  [][2]time.Time
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func splitMonths(from, to time.Time) monthSplit {
	var m monthSplit
	if !from.IsZero() {
		from = civilDate(from)
		fm := firstOfMonth(from)
		if from.Equal(fm) {
			m.lo = fm
		} else {
			m.lo = fm.AddDate(0, 1, 0)
			end := m.lo.AddDate(0, 0, -1)
			if !to.IsZero() && civilDate(to).Before(end) {
				end = civilDate(to)
			}
			if !end.Before(from) {
				m.edges = append(m.edges, [2]time.Time{from, end})
			}
		}
	}
	if !to.IsZero() {
		to = civilDate(to)
		tm := firstOfMonth(to)
		if to.Equal(tm.AddDate(0, 1, -1)) {
			m.hi = tm
		} else {
			m.hi = tm.AddDate(0, -1, 0)
			start := tm
			sameMonth := !from.IsZero() && firstOfMonth(from).Equal(tm)
			if sameMonth {
				start = from
			}
			// A lower edge in the same month already counted these days.
			if !(sameMonth && !from.Equal(tm)) && !to.Before(start) {
				m.edges = append(m.edges, [2]time.Time{start, to})
			}
		}
	}
	m.whole = m.lo.IsZero() || m.hi.IsZero() || !m.hi.Before(m.lo)
	return m
}

// monthConds adds the whole-month range of m on the tallies' month.
func (m monthSplit) monthConds(w *where) {
	if !m.lo.IsZero() {
		w.add("p.month >= %s::date", m.lo)
	}
	if !m.hi.IsZero() {
		w.add("p.month <= %s::date", m.hi)
	}
}

// tallyWhere starts the filter of tallies (alias p) in the whole months
// of m for an agency and district.
func tallyWhere(m monthSplit, agencyCode, districtCode string) *where {
	w := &where{}
	m.monthConds(w)
	w.recordFilters(agencyCode, districtCode, "", "", time.Time{}, time.Time{})
	w.conds = append(w.conds, "true")
	return w
}

// publicPenaltyTallies returns the public penalty groups (as
// penaltyGroups would count them) of the whole months in m.
func (pub *Public) publicPenaltyTallies(ctx context.Context, m monthSplit, q PenaltyQuery) ([]penaltyGroup, error) {
	w := tallyWhere(m, q.AgencyCode, q.DistrictCode)
	rows, err := pub.s.pool.Query(ctx, `SELECT to_char(p.month, 'YYYY-MM'), p.agency_id, p.stage, p.categories,
			sum(p.records)::bigint, sum(p.fines_fen)::bigint, sum(p.confiscated_fen)::bigint, sum(p.fined)::bigint
		FROM penalty_tallies p WHERE p.state = 'published' AND `+w.sql()+`
		GROUP BY 1, 2, 3, 4`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("penalty tallies: %w", err)
	}
	var out []penaltyGroup
	var g penaltyGroup
	_, err = pgx.ForEachRow(rows, []any{&g.month, &g.agency, &g.stage, &g.categories, &g.count, &g.fines, &g.conf, &g.fined},
		func() error { out = append(out, g); g.categories = nil; return nil })
	if err != nil {
		return nil, fmt.Errorf("penalty tallies: %w", err)
	}
	// Published penalties past their publicity period, not yet withdrawn.
	ew := &where{}
	ew.add("p.status = 'published' AND p.publicity_until < %s::date", pub.today())
	expiredMonths(ew, m)
	ew.recordFilters(q.AgencyCode, q.DistrictCode, "", "", time.Time{}, time.Time{})
	rows, err = pub.s.pool.Query(ctx, `SELECT to_char(date_trunc('month', p.decision_date), 'YYYY-MM'), p.agency_id,
			coalesce(p.stage::text, ''), p.categories, -count(*), -(sum(p.fine_yuan) * 100)::bigint,
			-(sum(p.confiscated_yuan) * 100)::bigint, -count(*) FILTER (WHERE p.fine_yuan > 0)
		FROM penalties p WHERE `+ew.sql()+` GROUP BY 1, 2, 3, 4`, ew.args...)
	if err != nil {
		return nil, fmt.Errorf("expired penalties: %w", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&g.month, &g.agency, &g.stage, &g.categories, &g.count, &g.fines, &g.conf, &g.fined},
		func() error { out = append(out, g); g.categories = nil; return nil })
	if err != nil {
		return nil, fmt.Errorf("expired penalties: %w", err)
	}
	return netPenaltyGroups(out), nil
}

// expiredMonths limits a scan of records to the whole months of m.
func expiredMonths(w *where, m monthSplit) {
	if !m.lo.IsZero() {
		w.add("p.decision_date >= %s::date", m.lo)
	}
	if !m.hi.IsZero() {
		w.add("p.decision_date < %s::date", m.hi.AddDate(0, 1, 0))
	}
}

// netPenaltyGroups adds up groups of the same key and drops those that
// cancel out.
func netPenaltyGroups(gs []penaltyGroup) []penaltyGroup {
	type key struct {
		month  string
		agency int64
		stage  string
		cats   string
	}
	idx := map[key]int{}
	var out []penaltyGroup
	for _, g := range gs {
		k := key{g.month, g.agency, g.stage, fmt.Sprint(g.categories)}
		if i, ok := idx[k]; ok {
			o := &out[i]
			o.count += g.count
			o.fines += g.fines
			o.conf += g.conf
			o.fined += g.fined
			continue
		}
		idx[k] = len(out)
		out = append(out, g)
	}
	kept := out[:0]
	for _, g := range out {
		if g.count != 0 {
			kept = append(kept, g)
		}
	}
	return kept
}

// publicPermitTallies returns the public permit groups of the whole
// months in m.
func (pub *Public) publicPermitTallies(ctx context.Context, m monthSplit, q PermitQuery) ([]permitGroup, error) {
	w := tallyWhere(m, q.AgencyCode, q.DistrictCode)
	rows, err := pub.s.pool.Query(ctx, `SELECT to_char(p.month, 'YYYY-MM'), p.agency_id, p.permit_state, p.category,
			sum(p.records)::bigint
		FROM permit_tallies p WHERE p.state = 'published' AND `+w.sql()+`
		GROUP BY 1, 2, 3, 4 HAVING sum(p.records) <> 0`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("permit tallies: %w", err)
	}
	var out []permitGroup
	var g permitGroup
	_, err = pgx.ForEachRow(rows, []any{&g.month, &g.agency, &g.state, &g.category, &g.count},
		func() error { out = append(out, g); return nil })
	if err != nil {
		return nil, fmt.Errorf("permit tallies: %w", err)
	}
	return out, nil
}

// publicLagTallies returns the public records' lag groups of the whole
// months in m, as lagGroups would count them; the calendar must be synced.
func (pub *Public) publicLagTallies(ctx context.Context, m monthSplit, agencyCode, districtCode string) ([]lagGroup, error) {
	w := tallyWhere(m, agencyCode, districtCode)
	rows, err := pub.s.pool.Query(ctx, `SELECT p.agency_id, CASE WHEN p.counted THEN p.lag END, sum(p.records)::bigint
		FROM publication_tallies p WHERE p.state = 'published' AND `+w.sql()+`
		GROUP BY 1, 2`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("lag tallies: %w", err)
	}
	var out []lagGroup
	var g lagGroup
	_, err = pgx.ForEachRow(rows, []any{&g.agency, &g.lag, &g.count}, func() error { out = append(out, g); g.lag = nil; return nil })
	if err != nil {
		return nil, fmt.Errorf("lag tallies: %w", err)
	}
	ew := &where{}
	ew.add("p.status = 'published' AND p.publicity_until < %s::date", pub.today())
	expiredMonths(ew, m)
	ew.recordFilters(agencyCode, districtCode, "", "", time.Time{}, time.Time{})
	rows, err = pub.s.pool.Query(ctx, `SELECT p.agency_id, CASE WHEN d.run <> 0 AND d.run = c.run THEN c.n - d.n END, -count(*)
		FROM penalties p
		LEFT JOIN workday_calendar d ON d.day = p.decision_date
		LEFT JOIN workday_calendar c ON c.day = (p.published_at AT TIME ZONE 'Asia/Shanghai')::date
		WHERE `+ew.sql()+` GROUP BY 1, 2`, ew.args...)
	if err != nil {
		return nil, fmt.Errorf("expired lags: %w", err)
	}
	_, err = pgx.ForEachRow(rows, []any{&g.agency, &g.lag, &g.count}, func() error { out = append(out, g); g.lag = nil; return nil })
	if err != nil {
		return nil, fmt.Errorf("expired lags: %w", err)
	}
	return netLagGroups(out), nil
}

func netLagGroups(gs []lagGroup) []lagGroup {
	type key struct {
		agency int64
		lag    int
		null   bool
	}
	sums := map[key]int64{}
	var order []key
	for _, g := range gs {
		k := key{agency: g.agency, null: g.lag == nil}
		if g.lag != nil {
			k.lag = *g.lag
		}
		if _, ok := sums[k]; !ok {
			order = append(order, k)
		}
		sums[k] += g.count
	}
	var out []lagGroup
	for _, k := range order {
		if sums[k] == 0 {
			continue
		}
		g := lagGroup{agency: k.agency, count: sums[k]}
		if !k.null {
			l := k.lag
			g.lag = &l
		}
		out = append(out, g)
	}
	return out
}

// WithdrawalMonth is the number of withdrawals made in one month (China
// time), by reason.
type WithdrawalMonth struct {
	Month   string // YYYY-MM
	Penalty map[domain.WithdrawReason]int64
	Permit  map[domain.WithdrawReason]int64
	Total   int64
}

// Withdrawals counts the withdrawals of penalties and permits by month of
// withdrawal and reason, newest month first: aggregates only, naming no
// record.
func (pub *Public) Withdrawals(ctx context.Context) ([]WithdrawalMonth, error) {
	if err := pub.s.maybeFold(ctx); err != nil {
		return nil, fmt.Errorf("store.Withdrawals: %w", err)
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT to_char(month, 'YYYY-MM'), entity, reason, sum(records)::bigint
		FROM withdrawal_tallies GROUP BY 1, 2, 3 HAVING sum(records) <> 0 ORDER BY 1 DESC, 2, 3`)
	if err != nil {
		return nil, fmt.Errorf("store.Withdrawals: %w", err)
	}
	var out []WithdrawalMonth
	var month, entity, reason string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&month, &entity, &reason, &n}, func() error {
		if len(out) == 0 || out[len(out)-1].Month != month {
			out = append(out, WithdrawalMonth{Month: month, Penalty: map[domain.WithdrawReason]int64{},
				Permit: map[domain.WithdrawReason]int64{}})
		}
		wm := &out[len(out)-1]
		if entity == "penalty" {
			wm.Penalty[domain.WithdrawReason(reason)] += n
		} else {
			wm.Permit[domain.WithdrawReason(reason)] += n
		}
		wm.Total += n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store.Withdrawals: %w", err)
	}
	return out, nil
}

// decidedTallies counts the standing penalty decisions (see
// QuarterlyFigures), published or not, by month of the whole months in m.
func (pub *Public) decidedTallies(ctx context.Context, m monthSplit, agencyCode, districtCode string) ([]Keyed, error) {
	w := tallyWhere(m, agencyCode, districtCode)
	return pub.keyedTallies(ctx, `SELECT to_char(p.month, 'YYYY-MM'), sum(p.records)::bigint, sum(p.fines_fen)::bigint
		FROM penalty_tallies p WHERE `+standingTally+` AND `+w.sql()+` GROUP BY 1 HAVING sum(p.records) <> 0`, w.args)
}

// decidedScan is decidedTallies counted from the records decided from
// from to to.
func (pub *Public) decidedScan(ctx context.Context, from, to time.Time, agencyCode, districtCode string) ([]Keyed, error) {
	w := &where{conds: []string{standingDecision}}
	w.recordFilters(agencyCode, districtCode, "", "", from, to)
	return pub.keyedTallies(ctx, `SELECT to_char(date_trunc('month', p.decision_date), 'YYYY-MM'), count(*),
			(sum(p.fine_yuan) * 100)::bigint
		FROM penalties p WHERE `+w.sql()+` GROUP BY 1`, w.args)
}

func (pub *Public) keyedTallies(ctx context.Context, sql string, args []any) ([]Keyed, error) {
	rows, err := pub.s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("decisions by month: %w", err)
	}
	var out []Keyed
	var k Keyed
	_, err = pgx.ForEachRow(rows, []any{&k.Key, &k.Count, &k.Fines}, func() error { out = append(out, k); return nil })
	if err != nil {
		return nil, fmt.Errorf("decisions by month: %w", err)
	}
	return out, nil
}

// sumKeyed adds up tallies of the same key, ordered by key.
func sumKeyed(ks []Keyed) []Keyed {
	var t tallies
	for _, k := range ks {
		t.add(k.Key, k.Count, k.Fines)
	}
	return t.sorted(strings.Compare)
}

// CompactTallies folds the ledgers into one row per key and rewrites
// them (VACUUM FULL): after a bulk load, which appends one delta per key
// for every COPY of 2,048 rows (190,000 rows for 5M penalties), the fold
// leaves as many dead rows, which every figure would read past until a
// vacuum (80 ms per read at 5M with autovacuum off). The rewrite waits at
// most a second for readers of the ledgers; if it cannot have them, the
// fold stands and it is left to autovacuum.
func (s *Store) CompactTallies(ctx context.Context) error {
	if _, err := s.primary.Exec(ctx, `SELECT gongshi_fold_tallies()`); err != nil {
		return fmt.Errorf("store.CompactTallies: fold: %w", err)
	}
	conn, err := s.primary.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("store.CompactTallies: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SET lock_timeout = '1s'`); err != nil {
		return fmt.Errorf("store.CompactTallies: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), `RESET lock_timeout`)
	_, err = conn.Exec(ctx, `VACUUM (FULL, ANALYZE) penalty_tallies, permit_tallies, publication_tallies, withdrawal_tallies`)
	if pgErr := (*pgconn.PgError)(nil); errors.As(err, &pgErr) && (pgErr.Code == "55P03" || pgErr.Code == "40P01") {
		return nil // lock_not_available, deadlock_detected: the fold stands
	}
	if err != nil {
		return fmt.Errorf("store.CompactTallies: %w", err)
	}
	return nil
}
