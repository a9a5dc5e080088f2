package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// The recounts below are the scans of the records the figures were read
// with before the tallies: the oracle of TestTalliesEqualARecount.

// RecountOverview is Overview's counts by a scan of the records.
func (s *Store) RecountOverview(ctx context.Context, today time.Time) (Overview, error) {
	var o Overview
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM penalties WHERE status = 'published' AND publicity_until >= $1),
		(SELECT count(*) FROM permits WHERE status = 'published'),
		(SELECT count(*) FROM penalties WHERE status = 'withdrawn') + (SELECT count(*) FROM permits WHERE status = 'withdrawn'),
		EXISTS (SELECT 1 FROM penalties WHERE demo) OR EXISTS (SELECT 1 FROM list_versions WHERE demo),
		coalesce(greatest((SELECT max(published_at) FROM penalties), (SELECT max(published_at) FROM permits)), 'epoch')`,
		today).Scan(&o.Penalties, &o.Permits, &o.Withdrawn, &o.Demo, &o.LastPublished)
	return o, err
}

// RecountStats is Stats by a scan of the records.
func (pub *Public) RecountStats(ctx context.Context, q StatsQuery) (Stats, error) {
	today := pub.today()
	st := Stats{AsOf: today, Timeliness: Timeliness{DeadlineWorkdays: PublishDeadlineWorkdays}}
	pq := PenaltyQuery{AgencyCode: q.AgencyCode, DistrictCode: q.DistrictCode, DecidedFrom: q.DecidedFrom, DecidedTo: q.DecidedTo}
	mq := PermitQuery{AgencyCode: q.AgencyCode, DistrictCode: q.DistrictCode, DecidedFrom: q.DecidedFrom, DecidedTo: q.DecidedTo}
	agencies, err := pub.agencies(ctx)
	if err != nil {
		return st, err
	}
	penalties, err := pub.penaltyGroups(ctx, pq)
	if err != nil {
		return st, err
	}
	permits, err := pub.permitGroups(ctx, mq)
	if err != nil {
		return st, err
	}
	lags, err := pub.lagGroups(ctx, pq, mq, q.Calendar, today)
	if err != nil {
		return st, err
	}
	st.Penalties = rollUpPenalties(penalties, agencies)
	decided, err := pub.decidedScan(ctx, q.DecidedFrom, q.DecidedTo, q.AgencyCode, q.DistrictCode)
	if err != nil {
		return st, err
	}
	st.Penalties.Decided = sumKeyed(decided)
	st.Permits = rollUpPermits(permits, agencies)
	st.Timeliness.Overall, st.Timeliness.Agencies, st.Timeliness.Withheld = rollUpLags(lags, agencies)
	return st, nil
}

// RecountQuarterlyFigures is QuarterlyFigures with the decision and
// permit figures counted by a scan of the records.
func (pub *Public) RecountQuarterlyFigures(ctx context.Context, q FiguresQuery) (QuarterlyFigures, error) {
	rules := q.Rules
	if rules.CertificatePattern == "" {
		rules = domain.DefaultEnforcementRules()
	}
	today := civilDate(pub.today())
	r := QuarterlyFigures{Quarter: q.Quarter, YearToDate: q.YearToDate, From: q.Quarter.Start(), To: q.Quarter.End(), AsOf: today}
	if q.YearToDate {
		r.From = time.Date(q.Quarter.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	r.PrevFrom, r.PrevTo = r.From.AddDate(-1, 0, 0), r.To.AddDate(-1, 0, 0)
	r.Complete = r.To.Before(today)
	table := workdayTable(q.Calendar, today.AddDate(0, 0, 1))
	dec, err := pub.decisionAggsScan(ctx, q, r, table, rules)
	if err != nil {
		return r, err
	}
	var permits permitAggs
	w := periodWhere(r, "p.decision_date")
	w.conds = append(w.conds, standingDecision)
	w.recordFilters(q.AgencyCode, q.DistrictCode, "", "", time.Time{}, time.Time{})
	lag := lagSQL(w, table, "p.decision_date", "p.published_at")
	sql := fmt.Sprintf(`SELECT %s, count(*), count(*) FILTER (WHERE %s <= %d) FROM permits p WHERE %s GROUP BY 1`,
		periodOf("p.decision_date"), lag, PublishDeadlineWorkdays, w.sql())
	if err := scanPairs(ctx, pub, sql, w.args, &permits.count, &permits.onTime); err != nil {
		return r, err
	}
	insp, err := pub.inspectionAggs(ctx, q, r, table, rules)
	if err != nil {
		return r, err
	}
	refs, err := pub.referralAggs(ctx, q, r)
	if err != nil {
		return r, err
	}
	r.Figures = buildFigures(q, r, rules, dec, permits, insp, refs)
	return r, nil
}

// RecountWithdrawals is Withdrawals by a scan of the records.
func (pub *Public) RecountWithdrawals(ctx context.Context) ([]WithdrawalMonth, error) {
	rows, err := pub.s.pool.Query(ctx, `SELECT to_char(withdrawn_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), e, withdraw_reason::text, count(*)
		FROM (SELECT 'penalty' AS e, withdrawn_at, withdraw_reason FROM penalties WHERE status = 'withdrawn'
			UNION ALL SELECT 'permit', withdrawn_at, withdraw_reason FROM permits WHERE status = 'withdrawn') w
		GROUP BY 1, 2, 3 ORDER BY 1 DESC, 2, 3`)
	if err != nil {
		return nil, err
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
	return out, err
}

// FoldTallies folds the ledgers now.
func (s *Store) FoldTallies(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, `SELECT gongshi_fold_tallies()`)
	return err
}
