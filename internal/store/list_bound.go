package store

import (
	"context"
	"fmt"
	"time"
)

// A filter on a value that few records have, or none (a 处罚类别 the
// bureau seldom uses), misleads the planner: outside the column's most
// common values it guesses a share of the table, so it walks the sort
// index expecting a page's matches soon, and reads every record when
// there are none. The maintained tallies know how many published records
// carry each category, stage, agency and 当前状态 — an upper bound of the
// public matches, since they also count records past their publicity
// period. When that bound is at most TotalCap, the list fetches every
// match through the filters' own indexes (migration 00013), sorts them
// and counts them (listSpec.few).

// penaltiesFew reports whether the tallies bound the penalties q selects
// at TotalCap. Only a category or stage filter asks them: the filters a
// planner misjudges that have an index of their own.
func (pub *Public) penaltiesFew(ctx context.Context, q PenaltyQuery) (bool, error) {
	if q.Category == "" && q.Stage == "" {
		return false, nil
	}
	w := &where{}
	w.recordFilters(q.AgencyCode, q.DistrictCode, "", "", time.Time{}, time.Time{})
	if q.Category != "" {
		w.add("p.categories @> ARRAY[%s::text]", q.Category)
	}
	if q.Stage != "" {
		w.add("p.stage = %s", string(q.Stage))
	}
	return pub.tallyBound(ctx, "penalty_tallies", w)
}

// permitsFew is penaltiesFew for permits: asked for a category filter.
func (pub *Public) permitsFew(ctx context.Context, q PermitQuery) (bool, error) {
	if q.Category == "" {
		return false, nil
	}
	w := &where{}
	w.recordFilters(q.AgencyCode, q.DistrictCode, "", "", time.Time{}, time.Time{})
	w.add("p.category = %s", q.Category)
	if q.State != "" {
		w.add("p.permit_state = %s", string(q.State))
	}
	return pub.tallyBound(ctx, "permit_tallies", w)
}

// tallyBound reports whether the published records of table's tallies
// that w selects number at most TotalCap.
func (pub *Public) tallyBound(ctx context.Context, table string, w *where) (bool, error) {
	if err := pub.s.maybeFold(ctx); err != nil {
		return false, err
	}
	var n int64
	err := pub.s.pool.QueryRow(ctx, fmt.Sprintf(`SELECT coalesce(sum(p.records), 0)::bigint FROM %s p
		WHERE p.state = 'published' AND %s`, table, w.sql()), w.args...).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("tally bound: %w", err)
	}
	return n <= TotalCap, nil
}
