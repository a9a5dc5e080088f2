package importer

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestDecodeText(t *testing.T) {
	const text = "行政处罚决定书文号,备注\n苏应急罚〔2025〕1号,罚款\n"
	gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	must(t, err)
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
	must(t, err)
	for name, b := range map[string][]byte{
		"UTF-8":          []byte(text),
		"UTF-8 with BOM": append([]byte("\uFEFF"), text...),
		"GB18030":        gb,
		"UTF-16LE (BOM)": utf16,
	} {
		got, err := decodeText(b)
		if err != nil || got != text {
			t.Errorf("%s: decodeText = %q, %v", name, got, err)
		}
	}
	if _, err := decodeText(append([]byte("\uFEFF"), 0xC3, 0x28)); !errors.Is(err, ErrUnreadable) {
		t.Errorf("BOM then invalid UTF-8: err = %v", err)
	}
	if _, err := decodeText([]byte{0x81, 0x20, 0x30}); !errors.Is(err, ErrUnreadable) {
		t.Errorf("neither UTF-8 nor GB18030: err = %v", err)
	}
}

func TestReadCSVDelimiterAndLines(t *testing.T) {
	tab, err := readCSV([]byte("a\tb,c\td\n\n1\t\"x\ny\"\n2\tz\n"))
	must(t, err)
	if !slices.Equal(tab.header, []string{"a", "b,c", "d"}) || tab.headerRow != 1 {
		t.Errorf("header %q at %d", tab.header, tab.headerRow)
	}
	var lines []int
	for _, r := range tab.rows {
		lines = append(lines, r.line)
	}
	if !slices.Equal(lines, []int{3, 5}) {
		t.Errorf("row lines = %v, want [3 5] (blank line skipped, two-line cell counted)", lines)
	}
	wide, err := readCSV([]byte("a,b\n1,2,,\n1,2,3\n"))
	must(t, err)
	if len(wide.rows[0].problems) != 0 || len(wide.rows[1].problems) != 1 {
		t.Errorf("trailing empty cells must pass, extra values must not: %+v", wide.rows)
	}
}

func TestPlainDecimal(t *testing.T) {
	for in, want := range map[string]string{
		"1.5E-3": "0.0015", "1E+5": "100000", "-2.50": "-2.5", "0.20": "0.2", "2": "2", ".5": "0.5",
		"1.0000000000000001E-5": "0.000010000000000000001", "-0": "0", "007": "7",
	} {
		if got, ok := plainDecimal(in); !ok || got != want {
			t.Errorf("plainDecimal(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "abc", "1e999", "1.2.3", "1e", "0x10", "1,000"} {
		if got, ok := plainDecimal(in); ok {
			t.Errorf("plainDecimal(%q) = %q, want not a number", in, got)
		}
	}
}

func TestExcelNumber(t *testing.T) {
	for in, want := range map[string]string{
		"0.20000000000000001":    "0.2",
		"0.30000000000000004":    "0.3",
		"1.0000000000000001E-5":  "0.00001",
		"1E-3":                   "0.001",
		"3.2050660012345599E+14": "320506600123456",
		"0512":                   "0512", // text with a leading zero is kept
		"320506600123456":        "320506600123456",
		"440524188001010014":     "440524188001010014", // integers are never rounded
		"12.5":                   "12.5",
		"苏应急罚〔2025〕1号":           "苏应急罚〔2025〕1号",
	} {
		if got := excelNumber(in); got != want {
			t.Errorf("excelNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExcelDate(t *testing.T) {
	for in, want := range map[string]string{"45721": "2025-03-05", "45721.75": "2025-03-05", "1": "1900-01-01"} {
		if got, ok := excelDate(in, false); !ok || got != want {
			t.Errorf("excelDate(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if got, _ := excelDate("44259", true); got != "2025-03-05" {
		t.Errorf("1904 date system: %q", got)
	}
	for _, in := range []string{"20250305", "2025-03-05", "0", "-5", "abc", ""} {
		if got, ok := excelDate(in, false); ok {
			t.Errorf("excelDate(%q) = %q, want not a serial", in, got)
		}
	}
}

// Sheet rows are numbered as Excel numbers them, blank rows included.
func TestXLSXRowNumbers(t *testing.T) {
	s := testenv.Store(t)
	f := penalties(t).with(2, "CF_JDRQ", "2099-01-01")
	path := f.xlsx(t, filepath.Join(t.TempDir(), "gap.xlsx"), domain.PenaltyFields, 4) // rows 2–3 blank
	rep, err := Run(context.Background(), options(Penalties, path), s)
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	checkProblems(t, rep.Problems, []string{"row 6, column CF_JDRQ: 2099-01-01 is in the future"})
}

func TestParseMap(t *testing.T) {
	got, err := parseMap([]string{"CF_WSH=文书号，行政相对人名称＝当事人 ", "-=序号", ""})
	must(t, err)
	want := []mapEntry{{"CF_WSH", "文书号"}, {"行政相对人名称", "当事人"}, {"", "序号"}}
	if !slices.Equal(got, want) {
		t.Errorf("parseMap = %q, want %q", got, want)
	}
	for _, bad := range []string{"CF_WSH", "=文书号", "CF_WSH="} {
		if _, err := parseMap([]string{bad}); !errors.Is(err, ErrUsage) {
			t.Errorf("parseMap(%q): err = %v, want ErrUsage", bad, err)
		}
	}
}

func TestNormKey(t *testing.T) {
	pairs := [][2]string{
		{"罚款金额（万元）", "罚款金额(万元)"},
		{" cf_wsh ", "CF_WSH"},
		{"ＣＦ＿ＷＳＨ", "CF_WSH"},
		{"\uFEFF行政处罚决定书文号", "行政处罚 决定书文号\u3000"},
	}
	for _, p := range pairs {
		if normKey(p[0]) != normKey(p[1]) {
			t.Errorf("normKey(%q) = %q ≠ normKey(%q) = %q", p[0], normKey(p[0]), p[1], normKey(p[1]))
		}
	}
}

// Every header a schema accepts names one column only (newSchema panics
// otherwise), and every required dictionary field is a required column.
func TestSchemas(t *testing.T) {
	for _, fields := range [][]domain.Field{domain.PenaltyFields, domain.PermitFields} {
		s := dictionarySchema(fields)
		for _, f := range fields {
			if c := s.column(f.Code); c.required != f.Required || s.byKey[normKey(f.Label)] != s.byKey[normKey(f.Code)] {
				t.Errorf("%s: column %+v", f.Code, c)
			}
		}
	}
	for kind, s := range map[string]schema{"powers": powerSchema, "responsibilities": responsibilitySchema, "services": serviceSchema} {
		var required []string
		for _, c := range s.cols {
			if c.required {
				required = append(required, c.code)
			}
		}
		if !slices.Contains(required, "code") {
			t.Errorf("%s: code is not required", kind)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for path, want := range map[string]Format{"a.CSV": FormatCSV, "a.tsv": FormatCSV, "b.xlsx": FormatXLSX, "c.json": FormatJSON} {
		if got, err := formatOf(path, ""); err != nil || got != want {
			t.Errorf("formatOf(%q) = %q, %v", path, got, err)
		}
	}
	if got, err := formatOf("export.txt", "JSON"); err != nil || got != FormatJSON {
		t.Errorf("explicit format: %q, %v", got, err)
	}
	for _, c := range [][2]string{{"a.xls", ""}, {"a", ""}, {"a.csv", "ods"}} {
		if _, err := formatOf(c[0], Format(c[1])); !errors.Is(err, ErrUsage) {
			t.Errorf("formatOf(%q, %q): err = %v, want ErrUsage", c[0], c[1], err)
		}
	}
}

func TestProblemString(t *testing.T) {
	for _, c := range []struct {
		p    Problem
		want string
	}{
		{Problem{Row: 3, Column: "统一社会信用代码", Field: "CF_XDR_SHXYM", Message: "bad"}, "row 3, column 统一社会信用代码 (CF_XDR_SHXYM): bad"},
		{Problem{Row: 3, Column: "CF_WSH", Message: "bad"}, "row 3, column CF_WSH: bad"},
		{Problem{Row: 7, Record: 2, Column: "BZ", Message: "bad"}, "record 2 (line 7), column BZ: bad"},
		{Problem{Row: 2, Field: "flow", Message: "bad"}, "row 2, field flow: bad"},
		{Problem{Message: "bad"}, "bad"},
	} {
		if got := c.p.String(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p, got, c.want)
		}
	}
	if !strings.Contains(Report{Kind: Powers, Rows: 2, Created: 2, Version: 1, VersionCreated: true}.Summary(), "published version 1") {
		t.Error("list summary lacks the version")
	}
}
