package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// Every format and encoding of the same penalties stores the same records.
func TestPenaltiesEveryFormatImportsTheSameRecords(t *testing.T) {
	dir := t.TempDir()
	f := penalties(t)
	labels := f.labels(domain.PenaltyFields)
	// Headers typed carelessly: lower case, padding, full-width letters and
	// half-width parentheses must all match.
	sloppy := labels
	sloppy.header = slices.Clone(labels.header)
	sloppy.header[0] = " cf_wsh "
	sloppy.header[1] = "ＣＦ＿ＸＤＲ＿ＭＣ"
	sloppy.header[12] = "罚款金额(万元)"
	mapped := labels
	mapped.header = slices.Clone(labels.header)
	mapped.header[0], mapped.header[1] = "文书号", "当事人名称"
	mapped.header = append(mapped.header, "序号")
	mapped.rows = nil
	for i, r := range labels.rows {
		mapped.rows = append(mapped.rows, append(slices.Clone(r), string(rune('1'+i))))
	}

	cases := []struct {
		name string
		file func() string
		opt  func(*Options)
	}{
		{"UTF-8 CSV, code headers", func() string { return f.csv(t, filepath.Join(dir, "codes.csv"), csvStyle{}) }, nil},
		{"UTF-8 CSV with BOM, label headers", func() string {
			return labels.csv(t, filepath.Join(dir, "bom.csv"), csvStyle{bom: true})
		}, nil},
		{"GB18030 CSV, label headers", func() string {
			return labels.csv(t, filepath.Join(dir, "gb.csv"), csvStyle{gb18030: true})
		}, nil},
		{"tab-separated, sloppy headers", func() string {
			return sloppy.csv(t, filepath.Join(dir, "sloppy.tsv"), csvStyle{tab: true})
		}, nil},
		{"XLSX with date and number cells", func() string {
			return labels.xlsx(t, filepath.Join(dir, "penalties.xlsx"), domain.PenaltyFields, 2)
		}, nil},
		{"JSON keyed by codes", func() string { return f.json(t, filepath.Join(dir, "penalties.json")) }, nil},
		{"--map and an ignored column", func() string {
			return mapped.csv(t, filepath.Join(dir, "mapped.csv"), csvStyle{})
		}, func(o *Options) {
			o.Map = []string{"CF_WSH=文书号, 行政相对人名称=当事人名称", "-=序号"}
		}},
		{"--format overrides the extension", func() string {
			path := labels.xlsx(t, filepath.Join(dir, "workbook.xlsx"), domain.PenaltyFields, 2)
			must(t, os.Rename(path, filepath.Join(dir, "penalties.dat")))
			return filepath.Join(dir, "penalties.dat")
		}, func(o *Options) { o.Format = FormatXLSX }},
	}
	var want []string
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := testenv.Store(t)
			opt := options(Penalties, c.file())
			if c.opt != nil {
				c.opt(&opt)
			}
			rep := run(t, s, opt)
			if rep.Rows != 3 || rep.Created != 3 || rep.Updated+rep.Unchanged+rep.Rejected != 0 || !rep.Written {
				t.Fatalf("report = %+v, want 3 rows created", rep)
			}
			got := hashes(t, s, "penalties")
			if want == nil {
				want = got
				checkStoredPenalties(t, s)
				return
			}
			if !slices.Equal(got, want) {
				t.Errorf("stored records differ from the first import:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// checkStoredPenalties spot-checks the values of the fixture as stored.
func checkStoredPenalties(t *testing.T, s *store.Store) {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `SELECT decision_no, fine_yuan::text, decision_date::text,
		publicity_class::text, publicity_until::text, array_to_string(categories, ';'), facts, business_reg_no
		FROM penalties ORDER BY decision_no`)
	must(t, err)
	defer rows.Close()
	want := [][8]string{
		{"苏应急罚〔2025〕1号", "20000.00", "2025-03-05", "一般", "2026-03-05", "罚款", `未如实记录"安全生产教育和培训"的时间、内容, 参加人员`, ""},
		{"苏应急罚〔2025〕2号", "0.00", "2025-04-10", "轻微", "2025-07-10", "警告", "在有限空间内违章动火作业\n未落实监护措施", ""},
		{"苏应急罚〔2025〕3号", "500.00", "2025-05-20", "一般", "2026-05-20", "罚款;警告", "店内违规储存油漆、稀释剂", "320506600123456"},
	}
	i := 0
	for rows.Next() {
		var got [8]string
		must(t, rows.Scan(&got[0], &got[1], &got[2], &got[3], &got[4], &got[5], &got[6], &got[7]))
		if i >= len(want) {
			t.Errorf("extra stored row %q", got)
		} else if got != want[i] {
			t.Errorf("stored row %d = %q, want %q", i, got, want[i])
		}
		i++
	}
	must(t, rows.Err())
	if i != len(want) {
		t.Errorf("%d rows stored, want %d", i, len(want))
	}
}

func TestPermitsImport(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	p := permits(t).labels(domain.PermitFields)
	rep := run(t, s, options(Permits, p.csv(t, filepath.Join(dir, "permits.csv"), csvStyle{bom: true})))
	if rep.Created != 2 {
		t.Fatalf("report = %+v, want 2 created", rep)
	}
	want := hashes(t, s, "permits")
	s = testenv.Store(t)
	rep = run(t, s, options(Permits, p.xlsx(t, filepath.Join(dir, "permits.xlsx"), domain.PermitFields, 2)))
	if rep.Created != 2 || !slices.Equal(hashes(t, s, "permits"), want) {
		t.Errorf("XLSX import: report %+v, records %q, want %q", rep, hashes(t, s, "permits"), want)
	}
}

// invalidPenalties holds one valid row and four invalid ones, each with one
// of the classic mistakes. The second row's facts span lines 3–4, so the
// invalid rows sit on lines 5–8 of a CSV, and on sheet rows 4–7 of a
// workbook.
func invalidPenalties(t *testing.T) fixture {
	f := penalties(t)
	bad := f.rows[0]
	extra := func(no string, change func([]string)) []string {
		r := slices.Clone(bad)
		r[0] = no
		change(r)
		return r
	}
	col := func(code string) int { return slices.Index(f.header, code) }
	f.rows = append(f.rows[:2],
		extra("苏应急罚〔2025〕11号", func(r []string) { r[col("CF_XDR_SHXYM")] = breakCheck(r[col("CF_XDR_SHXYM")]) }),
		extra("苏应急罚〔2025〕12号", func(r []string) { r[col("CF_JDRQ")] = "2025-07-01" }),
		extra("苏应急罚〔2025〕13号", func(r []string) { r[col("CF_CFLB")] = "罚金" }),
		extra("苏应急罚〔2025〕14号", func(r []string) { r[col("CF_SY")] = "" }),
	)
	return f.labels(domain.PenaltyFields)
}

// wantProblems are the problems of invalidPenalties, as rendered.
var wantProblems = []string{
	"row 5, column 统一社会信用代码 (CF_XDR_SHXYM): check character should be",
	"row 6, column 处罚决定日期 (CF_JDRQ): 2025-07-01 is in the future",
	"row 7, column 处罚类别 (CF_CFLB): \"罚金\" is not one of",
	"row 8, column 违法事实 (CF_SY): required",
}

func checkProblems(t *testing.T, problems []Problem, want []string) {
	t.Helper()
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	if len(got) != len(want) {
		t.Fatalf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("problem %d = %q, want prefix %q", i, got[i], want[i])
		}
	}
}

func TestInvalidFileWritesNothing(t *testing.T) {
	dir := t.TempDir()
	f := invalidPenalties(t)
	files := map[string]string{
		"CSV":  f.csv(t, filepath.Join(dir, "bad.csv"), csvStyle{}),
		"XLSX": f.xlsx(t, filepath.Join(dir, "bad.xlsx"), domain.PenaltyFields, 2),
	}
	for name, path := range files {
		t.Run(name, func(t *testing.T) {
			s := testenv.Store(t)
			rep, err := Run(context.Background(), options(Penalties, path), s)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if countRows(t, s, "penalties") != 0 || countRows(t, s, "changes") != 0 || countRows(t, s, "agencies") != 0 {
				t.Error("an invalid file wrote something")
			}
			if rep.Rejected != 4 || rep.Written || rep.Created != 0 {
				t.Errorf("report = %+v", rep)
			}
			want := wantProblems
			if name == "XLSX" { // no two-line cell: sheet rows follow the records
				want = nil
				for i, p := range wantProblems {
					want = append(want, strings.Replace(p, "row "+string(rune('5'+i)), "row "+string(rune('4'+i)), 1))
				}
			}
			checkProblems(t, rep.Problems, want)
			for _, w := range want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not list %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestSkipInvalidWritesGoodRowsAndRejects(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	path := invalidPenalties(t).csv(t, filepath.Join(dir, "bad.csv"), csvStyle{})
	rejects := filepath.Join(dir, "rejects.csv")
	opt := options(Penalties, path)
	opt.SkipInvalid, opt.RejectsPath = true, rejects
	rep := run(t, s, opt)
	if rep.Created != 2 || rep.Rejected != 4 || rep.RejectsPath != rejects || !rep.Written {
		t.Fatalf("report = %+v", rep)
	}
	if n := countRows(t, s, "penalties"); n != 2 {
		t.Errorf("%d penalties stored, want 2", n)
	}
	checkProblems(t, rep.Problems, wantProblems)

	b, err := os.ReadFile(rejects)
	must(t, err)
	if !bytes.HasPrefix(b, []byte("\uFEFF")) {
		t.Error("rejects file has no UTF-8 BOM")
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
	must(t, err)
	header := invalidPenalties(t).header
	if !slices.Equal(recs[0], append(slices.Clone(header), RejectReasonColumn)) {
		t.Errorf("rejects header = %q", recs[0])
	}
	if len(recs) != 5 {
		t.Fatalf("rejects file has %d records, want header + 4", len(recs))
	}
	for i, r := range recs[1:] {
		if r[0] != "苏应急罚〔2025〕1"+string(rune('1'+i))+"号" {
			t.Errorf("rejected row %d is %q", i, r[0])
		}
		reason := r[len(r)-1]
		wantReason := strings.Replace(wantProblems[i], ", column", ": column", 1)
		if !strings.HasPrefix(reason, wantReason) {
			t.Errorf("reason %d = %q, want prefix %q", i, reason, wantReason)
		}
	}

	// The rejects file, 错误原因 column and all, can be imported again
	// once corrected: its extra column is ignored.
	_, err = Run(context.Background(), options(Penalties, rejects), s)
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("re-importing the uncorrected rejects: err = %v, want ErrInvalid (not a column error)", err)
	}
	fixed := invalidPenalties(t)
	fixed.rows = fixed.rows[2:]
	fixed = fixed.with(0, "统一社会信用代码", penalties(t).rows[0][3]).
		with(1, "处罚决定日期", "2025-06-30").with(2, "处罚类别", "罚款").with(3, "违法事实", "补正后的违法事实")
	fixedPath := fixed.csv(t, filepath.Join(dir, "fixed.csv"), csvStyle{})
	if rep := run(t, s, options(Penalties, fixedPath)); rep.Created != 4 {
		t.Errorf("corrected rows: report = %+v, want 4 created", rep)
	}
}

func TestSkipInvalidNeedsARejectsFileOtherThanTheInput(t *testing.T) {
	s := testenv.Store(t)
	path := penalties(t).csv(t, filepath.Join(t.TempDir(), "p.csv"), csvStyle{})
	for _, rejects := range []string{"", path} {
		opt := options(Penalties, path)
		opt.SkipInvalid, opt.RejectsPath = true, rejects
		if _, err := Run(context.Background(), opt, s); !errors.Is(err, ErrUsage) {
			t.Errorf("rejects %q: err = %v, want ErrUsage", rejects, err)
		}
	}
}

func TestReimportChangesNothing(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := penalties(t).labels(domain.PenaltyFields)
	csvPath := f.csv(t, filepath.Join(dir, "p.csv"), csvStyle{})
	run(t, s, options(Penalties, csvPath))
	before, changes, audit := snapshot(t, s, "penalties"), countRows(t, s, "changes"), countRows(t, s, "audit_log")
	if changes != 3 {
		t.Fatalf("%d change-log entries after the first import, want 3", changes)
	}
	for _, path := range []string{csvPath, f.xlsx(t, filepath.Join(dir, "p.xlsx"), domain.PenaltyFields, 2)} {
		rep := run(t, s, options(Penalties, path))
		if rep.Unchanged != 3 || rep.Created+rep.Updated != 0 {
			t.Errorf("%s again: report = %+v, want 3 unchanged", filepath.Base(path), rep)
		}
	}
	if got := snapshot(t, s, "penalties"); !slices.Equal(got, before) {
		t.Errorf("re-import changed stored rows:\n got %q\nwant %q", got, before)
	}
	if n := countRows(t, s, "changes"); n != changes {
		t.Errorf("change log grew from %d to %d", changes, n)
	}
	if n := countRows(t, s, "audit_log"); n != audit {
		t.Errorf("audit log grew from %d to %d", audit, n)
	}
}

// A rejected file leaves what is stored exactly as it was, even when some
// of its rows are valid updates of stored records.
func TestRejectedFileKeepsStoredRecords(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := penalties(t)
	run(t, s, options(Penalties, f.csv(t, filepath.Join(dir, "good.csv"), csvStyle{})))
	before, changes := snapshot(t, s, "penalties"), countRows(t, s, "changes")

	bad := f.with(0, "CF_NR", "罚款人民币叁万元整").with(0, "CF_NR_FK", "3"). // a valid update
										with(1, "CF_XDR_LB", "公民") // an unknown enum value
	_, err := Run(context.Background(), options(Penalties, bad.csv(t, filepath.Join(dir, "bad.csv"), csvStyle{})), s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	if got := snapshot(t, s, "penalties"); !slices.Equal(got, before) {
		t.Errorf("stored rows changed:\n got %q\nwant %q", got, before)
	}
	if n := countRows(t, s, "changes"); n != changes {
		t.Errorf("change log grew from %d to %d", changes, n)
	}

	// The same update alone goes through as an update.
	upd := f.with(0, "CF_NR", "罚款人民币叁万元整").with(0, "CF_NR_FK", "3")
	rep := run(t, s, options(Penalties, upd.csv(t, filepath.Join(dir, "upd.csv"), csvStyle{})))
	if rep.Updated != 1 || rep.Unchanged != 2 {
		t.Errorf("update: report = %+v, want 1 updated, 2 unchanged", rep)
	}
}

func TestDuplicateRecordsNameBothRows(t *testing.T) {
	s := testenv.Store(t)
	f := penalties(t)
	f.rows = append(f.rows, slices.Clone(f.rows[0]))
	f = f.with(3, "CF_WSH", " 苏应急罚〔２０２５〕１号 ") // the same number once normalised
	path := f.csv(t, filepath.Join(t.TempDir(), "dup.csv"), csvStyle{})
	rep, err := Run(context.Background(), options(Penalties, path), s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	checkProblems(t, rep.Problems, []string{
		"row 2, column CF_WSH: duplicate record: the same 处罚机关统一社会信用代码 (CF_CFJGDM) and 行政处罚决定书文号 (CF_WSH) as row 6",
		"row 6, column CF_WSH: duplicate record: the same 处罚机关统一社会信用代码 (CF_CFJGDM) and 行政处罚决定书文号 (CF_WSH) as row 2",
	})
}

func TestColumnProblems(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := penalties(t).labels(domain.PenaltyFields)
	cases := []struct {
		name   string
		header func([]string) []string
		maps   []string
		want   []string
	}{
		{"unknown column", func(h []string) []string { h[18] = "备注说明"; return h }, nil,
			[]string{"row 1, column 备注说明: unknown column: map it with --map CODE=备注说明 or ignore it with --map -=备注说明"}},
		{"unknown column ignored", func(h []string) []string { h[18] = "备注说明"; return h }, []string{"-=备注说明"}, nil},
		{"missing required columns", func(h []string) []string { h[0], h[8] = "文号", "事实"; return h }, []string{"-=文号,-=事实"},
			[]string{"row 1: missing required columns: 行政处罚决定书文号 (CF_WSH), 违法事实 (CF_SY)"}},
		{"two columns for one field", func(h []string) []string { h[18] = "CF_WSH"; return h }, nil,
			[]string{"row 1, column CF_WSH: the same field as column 行政处罚决定书文号"}},
		{"map to an unknown target", nil, []string{"罚金=备注"},
			[]string{`row 1, column 备注: --map: unknown target "罚金"`}},
		{"map from a missing column", nil, []string{"BZ=说明"},
			[]string{"row 1, column 说明: --map: the file has no such column"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := f
			if c.header != nil {
				g.header = c.header(slices.Clone(f.header))
			}
			opt := options(Penalties, g.csv(t, filepath.Join(dir, "cols.csv"), csvStyle{}))
			opt.Map = c.maps
			rep, err := Run(context.Background(), opt, s)
			if c.want == nil {
				if err != nil || rep.Created+rep.Unchanged != 3 {
					t.Fatalf("err = %v, report %+v", err, rep)
				}
				return
			}
			if !errors.Is(err, ErrColumns) {
				t.Fatalf("err = %v, want ErrColumns", err)
			}
			checkProblems(t, rep.Problems, c.want)
		})
	}
	if n := countRows(t, s, "penalties"); n != 3 {
		t.Errorf("%d penalties, want the 3 of the one valid case", n)
	}
}

func TestBadInput(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	cases := []struct {
		name, file string
		content    []byte
		kind       Kind
		want       error
	}{
		{"not text", "bin.csv", []byte{0x81, 0x20, 0xFF, 0xFE, 0x00, 0x81}, Penalties, ErrUnreadable},
		{"empty", "empty.csv", nil, Penalties, ErrUnreadable},
		{"legacy xls", "old.xls", []byte("x"), Penalties, ErrUsage},
		{"unknown extension", "p.dat", []byte("x"), Penalties, ErrUsage},
		{"JSON not an array", "p.json", []byte(`{"CF_WSH": "1"}`), Penalties, ErrUnreadable},
		{"JSON truncated", "t.json", []byte(`[{"CF_WSH": "1"`), Penalties, ErrUnreadable},
		{"not a workbook", "p.xlsx", []byte("not a zip"), Penalties, ErrUnreadable},
		{"unknown kind", "p.csv", []byte("CF_WSH\n1\n"), Kind("fines"), ErrUsage},
		{"skip-invalid on a list", "l.csv", []byte("事项编码\n1\n"), Powers, ErrUsage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			writeFile(t, path, c.content)
			opt := options(c.kind, path)
			if c.kind == Powers {
				opt.SkipInvalid, opt.RejectsPath = true, filepath.Join(dir, "r.csv")
			}
			if _, err := Run(context.Background(), opt, s); !errors.Is(err, c.want) {
				t.Errorf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestJSONValueProblems(t *testing.T) {
	s := testenv.Store(t)
	path := filepath.Join(t.TempDir(), "p.json")
	f := penalties(t)
	f.rows = f.rows[:1]
	f.json(t, path)
	b, err := os.ReadFile(path)
	must(t, err)
	b = bytes.Replace(b, []byte(`"BZ": ""`), []byte(`"BZ": {"note": "x"}`), 1)
	writeFile(t, path, b)
	rep, err := Run(context.Background(), options(Penalties, path), s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
	checkProblems(t, rep.Problems, []string{"record 1 (line 2), column BZ: must be a string, a number or an array of strings"})
}
