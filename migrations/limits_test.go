package migrations_test

import (
	"context"
	"errors"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/migrations"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// dbLimits reads the limits the *_text_lengths constraints hold, as
// "table.column" → characters ("table.column[]" for every element of an
// array), and whether each constraint is validated.
func dbLimits(t *testing.T, conn *pgx.Conn) (map[string]int, map[string]bool) {
	t.Helper()
	rows, err := conn.Query(context.Background(), `SELECT conrelid::regclass::text, pg_get_constraintdef(oid), convalidated
		FROM pg_constraint WHERE conname LIKE '%\_text\_lengths'`)
	if err != nil {
		t.Fatal(err)
	}
	limits, valid := map[string]int{}, map[string]bool{}
	term := regexp.MustCompile(`(max_)?char_length\(\(?(\w+)\)?(?:::text)?\) <= (\d+)`)
	for rows.Next() {
		var table, def string
		var ok bool
		if err := rows.Scan(&table, &def, &ok); err != nil {
			t.Fatal(err)
		}
		valid[table] = ok
		for _, m := range term.FindAllStringSubmatch(def, -1) {
			col := table + "." + m[2]
			if m[1] != "" {
				col += "[]"
			}
			limits[col], _ = strconv.Atoi(m[3])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return limits, valid
}

// recordColumns maps a record field's API name to its column where the
// two differ; fields absent from the map and not skipped are columns of
// the record's own table under their API name.
var recordColumns = map[string]string{"source": "source_name", "agency": "agencies.name"}

// enumerated fields are held by enum types or CHECK (… IN …) lists, and
// dates, amounts and credit codes are not text: the lengths do not apply.
func skipRecordField(f domain.Field) bool {
	switch f.Name {
	case "party_kind", "categories", "stage", "publicity_class", "category", "state", "agency_code", "source_code":
		return true
	}
	return f.Type == domain.TypeDate || f.Type == domain.TypeMoney
}

// listColumn maps a list field path to its column.
func listColumn(kind domain.ListKind, path string) (string, bool) {
	table := map[domain.ListKind]string{domain.ListPowers: "power_items",
		domain.ListResponsibilities: "responsibility_items", domain.ListPublicServices: "service_items"}[kind]
	switch path {
	case "category", "part", "flow.nodes[].kind", "flow.edges[].from", "flow.edges[].to":
		return "", false // enumerations, and node keys held by foreign keys
	case "guide.statutory_limit", "guide.promised_limit", "guide.fees", "guide.consult_phone",
		"guide.complaint_phone", "guide.online_url":
		return table + "." + strings.TrimPrefix(path, "guide."), true
	}
	for prefix, tbl := range map[string]string{"duties[].": "power_duties.", "flow.nodes[].": "flow_nodes.", "flow.edges[].": "flow_edges."} {
		if rest, ok := strings.CutPrefix(path, prefix); ok {
			return tbl + rest, true
		}
	}
	return table + "." + strings.ReplaceAll(path, ".", "_"), true
}

// TestConstraintsMatchTheDomain: the CHECK constraints hold exactly the
// limits of the domain's tables, so the database never refuses what
// validation accepted, and nothing validation skips is unbounded.
func TestConstraintsMatchTheDomain(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	got, valid := dbLimits(t, conn)
	want := map[string]int{}
	set := func(col string, n int) {
		if old, ok := want[col]; ok && old != n {
			t.Errorf("%s: the domain has two limits, %d and %d", col, old, n)
		}
		want[col] = n
	}
	for table, fields := range map[string][]domain.Field{"penalties": domain.PenaltyFields, "permits": domain.PermitFields} {
		for _, f := range fields {
			if skipRecordField(f) {
				continue
			}
			col := table + "." + f.Name
			if c, ok := recordColumns[f.Name]; ok {
				col = c
				if !strings.Contains(c, ".") {
					col = table + "." + c
				}
			}
			set(col, f.MaxLength)
		}
		set(table+".withdraw_note", domain.MaxNote)
	}
	set("list_versions.note", domain.MaxNote)
	for _, kind := range domain.ListKinds {
		for _, f := range domain.ListFields(kind) {
			col, ok := listColumn(kind, f.Path)
			if !ok {
				continue
			}
			if strings.HasSuffix(col, "[]") {
				col = strings.TrimSuffix(col, "[]") + "[]"
			}
			set(col, f.MaxLength)
		}
	}
	// The change log of a list names items by code and name.
	codes, names := 0, 0
	for _, kind := range domain.ListKinds {
		for _, f := range domain.ListFields(kind) {
			switch f.Path {
			case "code":
				codes = max(codes, f.MaxLength)
			case "name":
				names = max(names, f.MaxLength)
			}
		}
	}
	set("list_changes.code", codes)
	set("list_changes.name", names)

	for col, n := range want {
		if got[col] != n {
			t.Errorf("%s: the database allows %d characters, the domain %d", col, got[col], n)
		}
	}
	for col, n := range got {
		if _, ok := want[col]; !ok {
			t.Errorf("%s: the database limits it to %d, the domain does not", col, n)
		}
	}
	for table, ok := range valid {
		if !ok {
			t.Errorf("%s_text_lengths is not validated on an empty database", table)
		}
	}
	if len(valid) != 11 {
		t.Errorf("%d constraints: %v", len(valid), valid)
	}
}

func isCheckViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23514"
}

// TestConstraintsRefuseAndWithdrawalsPass: the database refuses an
// over-long value written past the domain, and a record stored before the
// limits can still be withdrawn — the migration leaves its table's
// constraint NOT VALID rather than fail or cut the record down.
func TestConstraintsRefuseAndWithdrawalsPass(t *testing.T) {
	ctx := context.Background()
	u := testenv.DatabaseURL(t)
	s := testenv.Store(t)
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	actor := store.Actor{Name: "test"}
	res, err := s.UpsertPenalties(ctx, actor, []domain.Penalty{testenv.Penalty(1), testenv.Penalty(2)}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id, old := res[0].ID, res[1].ID
	for _, q := range []string{
		`UPDATE penalties SET remarks = repeat('备', 513) WHERE id = $1`,
		`UPDATE penalties SET party_name = repeat('x', 201) WHERE id = $1`,
		`UPDATE penalties SET withdraw_note = repeat('x', 1001) WHERE id = $1`,
	} {
		if _, err := conn.Exec(ctx, q, id); !isCheckViolation(err) {
			t.Errorf("%s: %v, want a check violation", q, err)
		}
	}
	if _, err := conn.Exec(ctx, `UPDATE penalties SET remarks = repeat('备', 512) WHERE id = $1`, id); err != nil {
		t.Errorf("at the limit: %v", err)
	}
	// Arrays: every element is limited.
	in := store.ListInput{Kind: domain.ListPowers, Powers: testenv.PowerItems(1)}
	if _, err := s.PublishList(ctx, actor, in, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE power_items SET sub_items = ARRAY['a', repeat('项', 201)]`); !isCheckViolation(err) {
		t.Errorf("an over-long sub-item: %v, want a check violation", err)
	}
	if _, err := conn.Exec(ctx, `UPDATE power_items SET sub_items = ARRAY['a', repeat('项', 200)], guide_materials = '{}'`); err != nil {
		t.Errorf("sub-items at the limit: %v", err)
	}

	// A record stored before the limits: roll the limits (and what came
	// after them) back, store it, migrate up again.
	m, err := store.NewMigrator(u)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.DownTo(ctx, limitsVersion(t)-1); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE penalties SET remarks = repeat('x', 10000) WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	if err := m.Up(ctx); err != nil {
		t.Fatalf("up with an over-long row: %v", err)
	}
	_, valid := dbLimits(t, conn)
	if valid["penalties"] || !valid["permits"] || len(valid) != 11 {
		t.Errorf("validated: %v, want all but penalties", valid)
	}
	if _, err := conn.Exec(ctx, `UPDATE penalties SET party_name = repeat('x', 201) WHERE id = $1`, id); !isCheckViolation(err) {
		t.Errorf("a NOT VALID constraint must still check new values: %v", err)
	}
	// Rolling back and reapplying later migrations may have recreated
	// types the store's connections prepared statements with: a server
	// migrates before it opens its store, and so does this test.
	s.Close()
	s, err = store.Open(ctx, u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Withdraw(ctx, actor, store.EntityPenalty, old, domain.ReasonCorrected, "备注超长，更正后重新公示"); err != nil {
		t.Fatalf("withdrawing the over-long record: %v", err)
	}
	// Once it is withdrawn the constraint validates.
	if _, err := conn.Exec(ctx, `ALTER TABLE penalties VALIDATE CONSTRAINT penalties_text_lengths`); err != nil {
		t.Errorf("validate after the withdrawal: %v", err)
	}
}

// limitsVersion is the version of the migration that adds the length
// limits.
func limitsVersion(t *testing.T) int64 {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*_text_lengths.sql")
	if err != nil || len(names) != 1 {
		t.Fatalf("the text-lengths migration: %v %v", names, err)
	}
	v, err := strconv.ParseInt(strings.SplitN(names[0], "_", 2)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
