package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// A list of records costs one page, however many records match: the page
// walks an index in its sort order from the cursor on (keyset pagination),
// and the total is the planner's estimate when that is above TotalCap,
// otherwise a count of at most TotalCap+1 matches along the page's index.
// Migration 00013 gives every sort key an index over the published
// records.

// TotalCap is the largest total a list counts exactly.
const TotalCap = 1000

// Statement is one SQL statement with its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// listStatements are the statements that answer one page of a list.
type listStatements struct {
	Page     Statement // limit+1 rows, in the sort order, from the cursor on
	Count    Statement // the matches, counted up to TotalCap+1
	Estimate Statement // EXPLAIN (FORMAT JSON) of the matches
}

// listSpec is one list query before it is written as SQL.
type listSpec struct {
	table     string // and the cursor's list name
	selectSQL string // the full columns of a record, followed by WHERE
	where     *where // the public filter and the query's filters
	sorts     map[string]sortColumn
	sort      Sort
	cursor    string
	limit     int
	// narrow: selectSQL reads only columns of p, so the page reads them
	// straight from the index walk.
	narrow bool
	// exact: count every match (the lists other than penalties and
	// permits, whose sizes stay small).
	exact bool
	// few: the maintained tallies bound the matches at TotalCap
	// (list_bound.go): the page fetches all of them through the filters'
	// own indexes and sorts them, and they are counted exactly.
	few bool
}

// statements writes the SQL of the page, the capped count and the
// estimate. The page's ids are chosen on the narrow rows of the table
// alone, then read in full.
func (l listSpec) statements() (listStatements, error) {
	if l.sort.Key == "" {
		l.sort = DefaultSort
	}
	col, ok := l.sorts[l.sort.Key]
	if !ok {
		return listStatements{}, fmt.Errorf("unknown sort %q", l.sort.Key)
	}
	limit := min(max(l.limit, 1), MaxPageSize)
	dir := "ASC"
	if l.sort.Desc {
		dir = "DESC"
	}
	order := fmt.Sprintf("ORDER BY %s %s, p.id %s", col.expr, dir, dir)
	matches := l.where.sql()
	st := listStatements{
		// The count walks the index the page walks (ORDER BY), so it
		// stops after TotalCap+1 rows instead of scanning every match.
		Count: Statement{fmt.Sprintf("SELECT count(*) FROM (SELECT FROM %s p WHERE %s %s LIMIT %d) c",
			l.table, matches, order, TotalCap+1), append([]any(nil), l.where.args...)},
		Estimate: Statement{fmt.Sprintf("EXPLAIN (FORMAT JSON) SELECT FROM %s p WHERE %s", l.table, matches),
			append([]any(nil), l.where.args...)},
	}
	if l.exact || l.few {
		st.Count.SQL = fmt.Sprintf("SELECT count(*) FROM %s p WHERE %s", l.table, matches)
		st.Estimate = Statement{}
	}
	w := &where{conds: append([]string(nil), l.where.conds...), args: append([]any(nil), l.where.args...)}
	if l.cursor != "" {
		c, err := parseCursor(l.cursor, l.table, l.sort, l.sorts)
		if err != nil {
			return listStatements{}, err
		}
		v, _ := cursorValue(col.kind, c.Key)
		op := ">"
		if l.sort.Desc {
			op = "<"
		}
		cast := map[string]string{"date": "::date", "instant": "::timestamptz", "yuan": "::numeric"}[col.kind]
		w.add("("+col.expr+", p.id) "+op+" (%s"+cast+", %s::bigint)", v, c.ID)
	}
	st.Page = Statement{fmt.Sprintf("%sWHERE p.id IN (SELECT p.id FROM %s p WHERE %s %s LIMIT %d) %s",
		l.selectSQL, l.table, w.sql(), order, limit+1, order), w.args}
	switch {
	case l.narrow:
		st.Page.SQL = fmt.Sprintf("%sWHERE %s %s LIMIT %d", l.selectSQL, w.sql(), order, limit+1)
	case l.few:
		// OFFSET 0 keeps the matches a subquery of their own, planned to
		// fetch them all (through the filters' indexes) rather than to
		// walk the sort index until a page is full.
		st.Page.SQL = fmt.Sprintf("%sWHERE p.id IN (SELECT m.id FROM (SELECT p.id, %s AS k FROM %s p WHERE %s OFFSET 0) m "+
			"ORDER BY m.k %s, m.id %s LIMIT %d) %s", l.selectSQL, col.expr, l.table, w.sql(), dir, dir, limit+1, order)
	}
	return st, nil
}

// runList reads one page of a list with its total: the page and the
// planner's estimate of the matches in one round trip, then, only when
// the estimate is at most TotalCap, the matches counted up to TotalCap+1.
// A first page that is also the last counts itself.
func runList[T any](ctx context.Context, pub *Public, l listSpec, scan func(pgx.Row) (T, error),
	key func(T) (string, int64)) (Page[T], error) {
	if l.sort.Key == "" {
		l.sort = DefaultSort
	}
	st, err := l.statements()
	if err != nil {
		return Page[T]{}, err
	}
	limit := min(max(l.limit, 1), MaxPageSize)
	var page Page[T]
	var plan []byte
	batch := &pgx.Batch{}
	if l.exact || l.few {
		batch.Queue(st.Count.SQL, st.Count.Args...).QueryRow(func(row pgx.Row) error { return row.Scan(&page.Total) })
	} else {
		batch.Queue(st.Estimate.SQL, st.Estimate.Args...).QueryRow(func(row pgx.Row) error { return row.Scan(&plan) })
	}
	batch.Queue(st.Page.SQL, st.Page.Args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, v)
		}
		return rows.Err()
	})
	if err := pub.s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return Page[T]{}, err
	}
	complete := l.cursor == "" && len(page.Items) <= limit
	page.TotalExact = true
	if !l.exact && !l.few {
		if page.Total, page.TotalExact, err = pub.total(ctx, st.Count, plan, complete, int64(len(page.Items))); err != nil {
			return Page[T]{}, err
		}
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		k, id := key(page.Items[limit-1])
		page.Next = Cursor{List: l.table, Sort: l.sort.String(), Key: k, ID: id}.String()
	}
	if page.Items == nil {
		page.Items = []T{}
	}
	return page, nil
}

// total is the total of a list whose first page holds every match when
// complete (n of them), or whose matches the planner estimates in plan:
// counted when the estimate is small, at most TotalCap+1 (the count walks
// the page's index and stops there), and the estimate otherwise.
func (pub *Public) total(ctx context.Context, count Statement, plan []byte, complete bool, n int64) (int64, bool, error) {
	if complete {
		return n, true, nil
	}
	est, err := planRows(plan)
	if err != nil {
		return 0, false, err
	}
	if est > TotalCap {
		return est, false, nil
	}
	var counted int64
	if err := pub.s.pool.QueryRow(ctx, count.SQL, count.Args...).Scan(&counted); err != nil {
		return 0, false, err
	}
	if counted <= TotalCap {
		return counted, true, nil
	}
	return max(counted, est), false, nil
}

// listPage reads one page of a list with its exact total.
func listPage[T any](ctx context.Context, pub *Public, table, selectSQL string, w *where, sorts map[string]sortColumn,
	sort Sort, cursor string, limit int, scan func(pgx.Row) (T, error), key func(T) (string, int64)) (Page[T], error) {
	return runList(ctx, pub, listSpec{table: table, selectSQL: selectSQL, where: w, sorts: sorts, sort: sort, cursor: cursor,
		limit: limit, exact: true}, scan, key)
}

// planRows reads the estimated rows of the top node of an EXPLAIN (FORMAT
// JSON) output.
func planRows(plan []byte) (int64, error) {
	var out []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		} `json:"Plan"`
	}
	if err := json.Unmarshal(plan, &out); err != nil || len(out) != 1 {
		return 0, fmt.Errorf("read estimate: unexpected EXPLAIN output %.80q", plan)
	}
	return int64(math.Round(out[0].Plan.Rows)), nil
}

// Tombstone is a record that has left the public set: withdrawn (with
// its reason), or a penalty past its publicity period that the daily
// expiry has not yet withdrawn (Reason "expired", WithdrawnAt nil). It
// carries nothing of the record.
type Tombstone struct {
	ID          int64
	WithdrawnAt *time.Time
	Reason      string
	UpdatedAt   time.Time
}

// changeKey is one row of the change order of a list with tombstones.
type changeKey struct {
	id        int64
	public    bool
	tombstone Tombstone
}

// changesSpec lists every record of a table changed since a time, public
// or not, in (updated_at, id) order: the public ones in full, the others
// as tombstones. Only updated_at, id and the withdrawal are read of
// records that are not public.
type changesSpec struct {
	table  string
	public string // the public filter as a condition on p; %s stands for today's date if it needs it
	today  time.Time
	since  time.Time
	cursor string
	limit  int
}

var changeSort = Sort{Key: "updated_at"}

// changeSorts is the one order of a list with tombstones.
var changeSorts = map[string]sortColumn{"updated_at": {"p.updated_at", "instant"}}

func (c changesSpec) statements() (listStatements, error) {
	w := &where{conds: []string{"true"}}
	w.updatedSince(c.since)
	const marker = "\x00public\x00"
	keys := fmt.Sprintf(`SELECT p.id, %s, p.withdrawn_at, coalesce(p.withdraw_reason::text, ''), p.updated_at FROM %s p `,
		marker, c.table)
	st, err := listSpec{table: c.table, selectSQL: keys, where: w, sorts: changeSorts, sort: changeSort, cursor: c.cursor,
		limit: c.limit, narrow: true}.statements()
	if err != nil {
		return st, err
	}
	// Only the page reads the public filter, with today as its last
	// argument.
	public := c.public
	if strings.Contains(public, "%s") {
		st.Page.Args = append(st.Page.Args, c.today)
		public = fmt.Sprintf(public, fmt.Sprintf("$%d", len(st.Page.Args)))
	}
	st.Page.SQL = strings.Replace(st.Page.SQL, marker, public, 1)
	return st, nil
}

// runChanges reads one page of a list with tombstones: the keys in one
// round trip, then the public records among them through byID.
func runChanges[T any](ctx context.Context, pub *Public, c changesSpec, byID func(context.Context, []int64) ([]T, error),
	id func(T) int64) (Page[T], error) {
	st, err := c.statements()
	if err != nil {
		return Page[T]{}, err
	}
	limit := min(max(c.limit, 1), MaxPageSize)
	var page Page[T]
	var plan []byte
	var keys []changeKey
	batch := &pgx.Batch{}
	batch.Queue(st.Estimate.SQL, st.Estimate.Args...).QueryRow(func(row pgx.Row) error { return row.Scan(&plan) })
	batch.Queue(st.Page.SQL, st.Page.Args...).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var k changeKey
			if err := rows.Scan(&k.id, &k.public, &k.tombstone.WithdrawnAt, &k.tombstone.Reason, &k.tombstone.UpdatedAt); err != nil {
				return err
			}
			k.tombstone.ID = k.id
			keys = append(keys, k)
		}
		return rows.Err()
	})
	if err := pub.s.pool.SendBatch(ctx, batch).Close(); err != nil {
		return Page[T]{}, err
	}
	complete := c.cursor == "" && len(keys) <= limit
	if page.Total, page.TotalExact, err = pub.total(ctx, st.Count, plan, complete, int64(len(keys))); err != nil {
		return Page[T]{}, err
	}
	if len(keys) > limit {
		keys = keys[:limit]
		last := keys[limit-1]
		page.Next = Cursor{List: c.table, Sort: changeSort.String(),
			Key: last.tombstone.UpdatedAt.UTC().Format(time.RFC3339Nano), ID: last.id}.String()
	}
	var ids []int64
	for _, k := range keys {
		if k.public {
			ids = append(ids, k.id)
		}
	}
	records := map[int64]T{}
	if len(ids) > 0 {
		rs, err := byID(ctx, ids)
		if err != nil {
			return Page[T]{}, err
		}
		for _, r := range rs {
			records[id(r)] = r
		}
	}
	page.Items, page.Withdrawn = []T{}, []Tombstone{}
	for _, k := range keys {
		switch r, ok := records[k.id]; {
		case ok:
			page.Items = append(page.Items, r)
		case !k.public:
			if k.tombstone.Reason == "" {
				k.tombstone.Reason = "expired"
			}
			page.Withdrawn = append(page.Withdrawn, k.tombstone)
		}
		// public when the keys were read but not any more: it changed
		// since, so a later page lists it again.
	}
	return page, nil
}
