package importer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/testenv"
)

// TestRecordTextProblems: a NUL or an over-long value is a problem of its
// row and column, never a database error, and nothing is written.
func TestRecordTextProblems(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := penalties(t).
		with(0, "CF_XDR_MC", "苏州某某\x00化工有限公司").
		with(1, "BZ", strings.Repeat("备", 600)).
		with(2, "CF_SY", "店内违规储存油漆\x1b[0m")
	for name, path := range map[string]string{
		"CSV":  f.csv(t, filepath.Join(dir, "p.csv"), csvStyle{}),
		"JSON": f.json(t, filepath.Join(dir, "p.json")),
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := Run(context.Background(), options(Penalties, path), s)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			loc := map[string][3]string{
				"CSV":  {"row 2", "row 3", "row 5"},                                       // row 2's facts span two lines
				"JSON": {"record 1 (line 2)", "record 2 (line 23)", "record 3 (line 44)"}, // one key a line
			}[name]
			checkProblems(t, rep.Problems, []string{
				loc[0] + ", column CF_XDR_MC: contains the control character NUL (U+0000) at character 5",
				loc[1] + ", column BZ: at most 512 characters, got 600",
				loc[2] + ", column CF_SY: contains the control character U+001B at character 9",
			})
			if n := countRows(t, s, "penalties"); n != 0 {
				t.Errorf("%d penalties written", n)
			}
		})
	}
}

// TestJSONImportStrictness: what encoding/json would silently accept — a
// lone surrogate read as U+FFFD, a nested key given twice (the last would
// win) — is a problem of its record.
func TestJSONImportStrictness(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "p.json")
	f := penalties(t)
	f.rows = f.rows[:1]
	f.json(t, path)
	b := readFile(t, path)
	b = []byte(strings.Replace(string(b), `"苏州某某化工有限公司"`, `"苏州某某\ud800化工有限公司"`, 1))
	b = []byte(strings.Replace(string(b), `"BZ": ""`, `"BZ": ["a", "\u0000"]`, 1))
	writeFile(t, path, b)
	rep, err := Run(context.Background(), options(Penalties, path), s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	checkProblems(t, rep.Problems, []string{
		`record 1 (line 2), column CF_XDR_MC: the value holds a lone UTF-16 surrogate \ud800`,
		"record 1 (line 2), column BZ: contains the control character NUL (U+0000)",
	})

}

func TestListTextProblems(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := fixture{header: powerHeader, rows: powerRows()}.
		with(0, "事项名称", strings.Repeat("名", 201)).
		with(1, "申请材料", "申请书；"+strings.Repeat("材", 501))
	rep, err := Run(context.Background(), listOptions(Powers, f.csv(t, filepath.Join(dir, "p.csv"), csvStyle{})), s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	checkProblems(t, rep.Problems, []string{
		"row 2, column 事项名称 (name): at most 200 characters, got 201",
		"row 3, column 申请材料 (guide.materials[1]): at most 500 characters, got 501",
	})

	opt := listOptions(Powers, f.csv(t, filepath.Join(dir, "p.csv"), csvStyle{}))
	opt.Note = strings.Repeat("注", 1001)
	if _, err := Run(context.Background(), opt, s); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "at most 1000 characters") {
		t.Errorf("long note: err = %v", err)
	}
	if n := countRows(t, s, "list_versions"); n != 0 {
		t.Errorf("%d versions published", n)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	return b
}

// TestListJSONImportStrictness: a key given twice inside a list item is
// a problem of its record, not a silent choice of the last value.
func TestListJSONImportStrictness(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	list := filepath.Join(dir, "powers.json")
	writeFile(t, list, []byte("[\n  {\"code\": \"A1\", \"name\": \"甲\", \"category\": \"行政处罚\", \"legal_basis\": \"法\", \"unit\": \"处\",\n"+
		"   \"guide\": {\"fees\": \"不收费\", \"fees\": \"收费\"}},\n  {\"code\": \"A2\", \"name\": \"乙\\u0000\"}\n]"))
	rep, err := Run(context.Background(), listOptions(Powers, list), s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("list: err = %v, want ErrInvalid", err)
	}
	checkProblems(t, rep.Problems, []string{
		"record 1 (line 2), column guide.fees: the key is given twice in one object; send each key once",
		"record 2 (line 4), column name: contains the control character NUL (U+0000) at character 2",
		"record 2 (line 4), column category:",
		"record 2 (line 4), column legal_basis: legal_basis is required",
		"record 2 (line 4), column unit: unit is required",
	})
}
