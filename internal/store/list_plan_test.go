package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gongshi/gongshi/internal/demo"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// listShape is one documented filter and sort of a record list.
type listShape struct {
	name    string
	penalty *store.PenaltyQuery
	permit  *store.PermitQuery
}

// listFixture is a loaded set of records the list shapes are built on.
type listFixture struct {
	s     *store.Store
	pub   *store.Public
	today time.Time
	// values that occur in the data
	agencyCode, district, creditCode, permitCreditCode string
}

// openListFixture returns the records the list tests read: the database
// at GONGSHI_LIST_DB when set (an existing, loaded set, read only), or
// the test database loaded with n all-public demo penalties and n/3
// permits, analyzed.
func openListFixture(t *testing.T, n int) listFixture {
	t.Helper()
	ctx := context.Background()
	var s *store.Store
	today := time.Now()
	if u := os.Getenv("GONGSHI_LIST_DB"); u != "" {
		var err error
		if s, err = store.Open(ctx, u, store.Options{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
	} else {
		s = testenv.Store(t)
		start := time.Now()
		if _, err := demo.Load(ctx, s, demo.Options{Penalties: n, Permits: n / 3, AllPublic: true, Now: today}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pool().Exec(ctx, "ANALYZE penalties; ANALYZE permits; ANALYZE agencies"); err != nil {
			t.Fatal(err)
		}
		t.Logf("loaded %d penalties and %d permits in %v", n, n/3, time.Since(start).Round(time.Millisecond))
	}
	f := listFixture{s: s, today: domain.ChinaDate(today)}
	f.pub = s.Public(domain.DefaultMasking, func() time.Time { return f.today })
	err := s.Pool().QueryRow(ctx, `SELECT a.credit_code, a.district_code,
			(SELECT credit_code FROM penalties WHERE status = 'published' AND credit_code <> '' ORDER BY id DESC LIMIT 1),
			(SELECT credit_code FROM permits WHERE status = 'published' AND credit_code <> '' ORDER BY id DESC LIMIT 1)
		FROM agencies a WHERE a.district_code <> '320500' ORDER BY a.id LIMIT 1`).
		Scan(&f.agencyCode, &f.district, &f.creditCode, &f.permitCreditCode)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// shapes is every documented filter of each list (one at a time, and a
// few usual combinations) under every sort, ascending and descending,
// and the lists of changes since a time.
func (f listFixture) shapes() []listShape {
	fineMin, fineMax := domain.Money(5_000_000), domain.Money(10_000_000)
	since := f.today.AddDate(0, 0, -7)
	penaltyFilters := []struct {
		name string
		q    store.PenaltyQuery
	}{
		{"none", store.PenaltyQuery{}},
		{"agency_code", store.PenaltyQuery{AgencyCode: f.agencyCode}},
		{"district", store.PenaltyQuery{DistrictCode: f.district}},
		{"category=警告", store.PenaltyQuery{Category: "警告"}},
		{"category=罚款", store.PenaltyQuery{Category: "罚款"}},
		{"category=行政拘留 (rare)", store.PenaltyQuery{Category: "行政拘留"}},
		{"stage=事故", store.PenaltyQuery{Stage: domain.StageAccident}},
		{"party_kind=自然人", store.PenaltyQuery{PartyKind: domain.PartyNaturalPerson}},
		{"credit_code", store.PenaltyQuery{CreditCode: f.creditCode}},
		{"decision_date range", store.PenaltyQuery{DecidedFrom: f.today.AddDate(0, 0, -30), DecidedTo: f.today.AddDate(0, 0, -20)}},
		{"fine_min", store.PenaltyQuery{FineMin: &fineMin}},
		{"fine range", store.PenaltyQuery{FineMin: &fineMin, FineMax: &fineMax}},
		{"updated_since", store.PenaltyQuery{UpdatedSince: since}},
		{"district+category+from", store.PenaltyQuery{DistrictCode: f.district, Category: "警告", DecidedFrom: f.today.AddDate(0, 0, -30)}},
	}
	permitFilters := []struct {
		name string
		q    store.PermitQuery
	}{
		{"none", store.PermitQuery{}},
		{"agency_code", store.PermitQuery{AgencyCode: f.agencyCode}},
		{"district", store.PermitQuery{DistrictCode: f.district}},
		{"category=特许", store.PermitQuery{Category: "特许"}},
		{"state=有效", store.PermitQuery{State: domain.PermitValid}},
		{"party_kind=自然人", store.PermitQuery{PartyKind: domain.PartyNaturalPerson}},
		{"credit_code", store.PermitQuery{CreditCode: f.permitCreditCode}},
		{"decision_date range", store.PermitQuery{DecidedFrom: f.today.AddDate(0, 0, -30), DecidedTo: f.today.AddDate(0, 0, -20)}},
		{"updated_since", store.PermitQuery{UpdatedSince: since}},
	}
	var out []listShape
	for _, fl := range penaltyFilters {
		for _, k := range store.PenaltySortKeys {
			for _, desc := range []bool{true, false} {
				q := fl.q
				q.Sort, q.Limit = store.Sort{Key: k, Desc: desc}, 20
				out = append(out, listShape{name: "penalties " + fl.name + " sort=" + q.Sort.String(), penalty: &q})
			}
		}
	}
	for _, fl := range permitFilters {
		for _, k := range store.PermitSortKeys {
			for _, desc := range []bool{true, false} {
				q := fl.q
				q.Sort, q.Limit = store.Sort{Key: k, Desc: desc}, 20
				out = append(out, listShape{name: "permits " + fl.name + " sort=" + q.Sort.String(), permit: &q})
			}
		}
	}
	out = append(out,
		listShape{name: "penalties updated_since include_withdrawn",
			penalty: &store.PenaltyQuery{UpdatedSince: since, IncludeWithdrawn: true, Limit: 20}},
		listShape{name: "permits updated_since include_withdrawn",
			permit: &store.PermitQuery{UpdatedSince: since, IncludeWithdrawn: true, Limit: 20}})
	return out
}

// deepCursor returns the cursor after page `pages` of 20 of the shape (or
// of its last page when it has fewer), walking pages of 100 records.
func (f listFixture) deepCursor(t testing.TB, sh listShape, pages int) (string, int) {
	t.Helper()
	ctx := context.Background()
	cursor, n := "", 0
	for range pages / 5 { // 5 pages of 20 in one page of 100
		var next string
		if sh.penalty != nil {
			q := *sh.penalty
			q.Cursor, q.Limit = cursor, 100
			p, err := f.pub.Penalties(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", sh.name, err)
			}
			next = p.Next
		} else {
			q := *sh.permit
			q.Cursor, q.Limit = cursor, 100
			p, err := f.pub.Permits(ctx, q)
			if err != nil {
				t.Fatalf("%s: %v", sh.name, err)
			}
			next = p.Next
		}
		if next == "" {
			break
		}
		cursor, n = next, n+5
	}
	return cursor, n
}

// statements are the SQL statements of one page of the shape at cursor.
func (f listFixture) statements(t testing.TB, sh listShape, cursor string) []store.Statement {
	t.Helper()
	var st []store.Statement
	var err error
	if sh.penalty != nil {
		q := *sh.penalty
		q.Cursor = cursor
		st, err = f.pub.PenaltyListStatements(context.Background(), q)
	} else {
		q := *sh.permit
		q.Cursor = cursor
		st, err = f.pub.PermitListStatements(context.Background(), q)
	}
	if err != nil {
		t.Fatalf("%s: %v", sh.name, err)
	}
	return st
}

// planNode is a node of EXPLAIN (FORMAT JSON).
type planNode struct {
	NodeType string     `json:"Node Type"`
	Rows     float64    `json:"Plan Rows"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Plans    []planNode `json:"Plans"`
}

// seqScans lists the sequential scans of penalties or permits in the plan.
func (n planNode) seqScans() []string {
	var out []string
	if n.NodeType == "Seq Scan" && (n.Relation == "penalties" || n.Relation == "permits") {
		out = append(out, n.Relation)
	}
	for _, c := range n.Plans {
		out = append(out, c.seqScans()...)
	}
	return out
}

// indexes lists the indexes of penalties and permits the plan reads.
func (n planNode) indexes() []string {
	var out []string
	if n.Index != "" && (strings.HasPrefix(n.Index, "penalties") || strings.HasPrefix(n.Index, "permits")) {
		out = append(out, n.Index)
	}
	for _, c := range n.Plans {
		out = append(out, c.indexes()...)
	}
	return out
}

func explain(ctx context.Context, pool *pgxpool.Pool, st store.Statement) (planNode, string, error) {
	sql := st.SQL
	if !strings.HasPrefix(sql, "EXPLAIN") {
		sql = "EXPLAIN (FORMAT JSON) " + sql
	}
	var raw []byte
	if err := pool.QueryRow(ctx, sql, st.Args...).Scan(&raw); err != nil {
		return planNode{}, "", fmt.Errorf("%s: %w", sql, err)
	}
	var out []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != 1 {
		return planNode{}, "", fmt.Errorf("EXPLAIN output: %v", err)
	}
	return out[0].Plan, string(raw), nil
}

// TestListPlans checks that no page of any documented list shape, first
// or deep, nor its total, reads penalties or permits by a sequential scan:
// every one walks an index, so its cost is that of a page. The plans are
// those the planner makes on a loaded, analyzed set (GONGSHI_LIST_DB to
// check another, such as the 1M benchmark set).
func TestListPlans(t *testing.T) {
	f := openListFixture(t, 30000)
	ctx := context.Background()
	start := time.Now()
	shapes := f.shapes()
	used := map[string]int{}
	checked := 0
	for _, sh := range shapes {
		deep, pages := f.deepCursor(t, sh, 10)
		for _, at := range []struct {
			name, cursor string
		}{{"first page", ""}, {fmt.Sprintf("page %d", pages+1), deep}} {
			if at.cursor == "" && at.name != "first page" {
				continue
			}
			st := f.statements(t, sh, at.cursor)
			// The estimate is only planned, never run: its plan is
			// not checked. The capped count runs only when the
			// estimate is at most TotalCap, as in the store; a list
			// the tallies bound at TotalCap has no estimate and is
			// always counted.
			var est planNode
			if st[2].SQL != "" {
				var err error
				if est, _, err = explain(ctx, f.s.Pool(), st[2]); err != nil {
					t.Fatalf("%s: estimate: %v", sh.name, err)
				}
			}
			for i, what := range []string{"page", "total (capped count)"} {
				if i == 1 && st[2].SQL != "" && (at.cursor != "" || est.Rows > store.TotalCap) {
					continue
				}
				plan, raw, err := explain(ctx, f.s.Pool(), st[i])
				if err != nil {
					t.Fatalf("%s, %s, %s: %v", sh.name, at.name, what, err)
				}
				checked++
				if seq := plan.seqScans(); len(seq) > 0 {
					t.Errorf("%s, %s, %s: sequential scan of %s\nSQL: %s\nplan: %s", sh.name, at.name, what,
						strings.Join(seq, ", "), st[i].SQL, raw)
				}
				for _, x := range plan.indexes() {
					used[x]++
				}
			}
		}
	}
	t.Logf("%d shapes, %d plans checked in %v; indexes used: %v", len(shapes), checked, time.Since(start).Round(time.Millisecond), used)
}

// benchShapes are the shapes the latency benchmark measures: every filter
// under the default order, and every order without a filter.
func (f listFixture) benchShapes() []listShape {
	var out []listShape
	for _, sh := range f.shapes() {
		q := sh.name
		switch {
		case strings.HasSuffix(q, " sort=-decision_date"), strings.Contains(q, "include_withdrawn"),
			strings.Contains(q, " none "), strings.Contains(q, "updated_since sort=updated_at"):
			out = append(out, sh)
		}
	}
	return out
}

// rowsRead sums, over an EXPLAIN (ANALYZE, FORMAT JSON) plan, the rows
// every scan of penalties or permits read: those it returned and those
// its filters removed.
func rowsRead(raw []byte) (float64, error) {
	var out []struct {
		Plan map[string]any `json:"Plan"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out) != 1 {
		return 0, fmt.Errorf("EXPLAIN output: %v", err)
	}
	var walk func(n map[string]any) float64
	walk = func(n map[string]any) float64 {
		var sum float64
		if rel, _ := n["Relation Name"].(string); rel == "penalties" || rel == "permits" {
			rows, _ := n["Actual Rows"].(float64)
			loops, _ := n["Actual Loops"].(float64)
			removed, _ := n["Rows Removed by Filter"].(float64)
			rechecked, _ := n["Rows Removed by Index Recheck"].(float64)
			sum += rows*loops + removed + rechecked
		}
		plans, _ := n["Plans"].([]any)
		for _, c := range plans {
			if m, ok := c.(map[string]any); ok {
				sum += walk(m)
			}
		}
		return sum
	}
	return walk(out[0].Plan), nil
}

// TestRareFilterReadsFewRecords checks that a list filtered on a value
// no record has (a 处罚类别 or 许可类别 the bureau never used) reads at
// most TotalCap records and a page, under every sort, first page and
// total: the tallies tell the store the matches are few, so it does not
// walk the sort index hoping to fill a page. The statements run under
// EXPLAIN ANALYZE and the rows every scan read are summed. The set is
// large enough (150,000 penalties) for the planner to prefer walking the
// sort index when left to its guess.
func TestRareFilterReadsFewRecords(t *testing.T) {
	f := openListFixture(t, 150000)
	ctx := context.Background()
	var shapes []listShape
	for _, c := range []string{"行政拘留", "暂扣许可证"} {
		for _, k := range store.PenaltySortKeys {
			for _, desc := range []bool{true, false} {
				q := store.PenaltyQuery{Category: c, Sort: store.Sort{Key: k, Desc: desc}, Limit: 20}
				shapes = append(shapes, listShape{name: "penalties category=" + c + " sort=" + q.Sort.String(), penalty: &q})
			}
		}
	}
	for _, k := range store.PermitSortKeys {
		for _, desc := range []bool{true, false} {
			q := store.PermitQuery{Category: "核准", Sort: store.Sort{Key: k, Desc: desc}, Limit: 20}
			shapes = append(shapes, listShape{name: "permits category=核准 sort=" + q.Sort.String(), permit: &q})
		}
	}
	for _, sh := range shapes {
		var total int64
		var exact bool
		if sh.penalty != nil {
			p, err := f.pub.Penalties(ctx, *sh.penalty)
			if err != nil {
				t.Fatalf("%s: %v", sh.name, err)
			}
			total, exact = p.Total, p.TotalExact
		} else {
			p, err := f.pub.Permits(ctx, *sh.permit)
			if err != nil {
				t.Fatalf("%s: %v", sh.name, err)
			}
			total, exact = p.Total, p.TotalExact
		}
		if total != 0 || !exact {
			t.Fatalf("%s: total %d (exact %v) of a value no record has; the fixture changed?", sh.name, total, exact)
		}
		st := f.statements(t, sh, "")
		for i, what := range []string{"page", "total"} {
			if st[i].SQL == "" {
				continue
			}
			var raw []byte
			if err := f.s.Pool().QueryRow(ctx, "EXPLAIN (ANALYZE, FORMAT JSON) "+st[i].SQL, st[i].Args...).Scan(&raw); err != nil {
				t.Fatalf("%s, %s: %v", sh.name, what, err)
			}
			n, err := rowsRead(raw)
			if err != nil {
				t.Fatal(err)
			}
			if n > store.TotalCap+21 {
				t.Errorf("%s, %s: read %.0f records for none\nSQL: %s\nplan: %s", sh.name, what, n, st[i].SQL, raw)
			}
		}
	}
}
