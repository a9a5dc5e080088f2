package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gongshi/gongshi/internal/domain"
)

var testFields = []domain.Field{
	{Code: "CF_WSH", Label: "行政处罚决定书文号", Name: "decision_no", Type: domain.TypeText},
	{Code: "CF_SY", Label: "违法事实", Name: "facts", Type: domain.TypeText},
	{Code: "CF_NR_FK", Label: "罚款金额（万元）", Name: "fine", Type: domain.TypeMoney, Unit: "万元"},
	{Code: "BZ", Label: "备注", Name: "remarks", Type: domain.TypeText},
}

// awkward values every format must carry unchanged.
var testRows = [][]string{
	{"（苏）应急罚〔2025〕1号", "经查，该公司\"未如实\"记录,\r\n第二行", "0.2", ""},
	{" leading space", "tab\there\u2028sep\u2029", "12345678901.123456", "=SUM(A1)"},
	{"", "控制字符\x01\x1f结束", "", "trailing "},
	{"ascii", "emoji 😀 and \\ backslash", "3", "中文"},
}

func write(t *testing.T, f Format, opt Options, rows [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f, testFields, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCSVRoundTrip(t *testing.T) {
	for _, bom := range []bool{false, true} {
		out := write(t, CSV, Options{Headers: HeadersEN, BOM: bom}, testRows)
		if got := bytes.HasPrefix(out, []byte(utf8BOM)); got != bom {
			t.Errorf("bom %v: output starts with BOM = %v", bom, got)
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte(utf8BOM))))
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if want := HeadersEN.Names(testFields); !slices.Equal(recs[0], want) {
			t.Errorf("header %q, want %q", recs[0], want)
		}
		// encoding/csv turns \r\n inside a quoted field into \n; with a
		// byte-order mark the file is for spreadsheets, and a formula is
		// shown as text.
		for i, want := range testRows {
			w := slices.Clone(want)
			for j := range w {
				w[j] = strings.ReplaceAll(w[j], "\r\n", "\n")
				if bom && w[j] == "=SUM(A1)" {
					w[j] = "'=SUM(A1)"
				}
			}
			if !slices.Equal(recs[i+1], w) {
				t.Errorf("row %d: %q, want %q", i, recs[i+1], w)
			}
		}
	}
	if !bytes.Contains(write(t, CSV, Options{}, testRows[:1]), []byte(",\r\n第二行\",0.2,\r\n")) {
		t.Error("a line break inside a field must stay inside its quotes, rows end with CRLF")
	}
}

// A CSV for spreadsheets (Chinese labels, or a byte-order mark) shows
// every formula-like cell as text; the machine variant keeps it as is.
func TestCSVNeutralisesFormulasForSpreadsheets(t *testing.T) {
	hostile := []string{`=HYPERLINK("http://x","点击")`, "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\t=1", "\r=1"}
	rows := make([][]string, len(hostile))
	for i, h := range hostile {
		rows[i] = []string{"（苏）应急罚〔2025〕1号", h, "0.2", "安全 " + h}
	}
	read := func(out []byte) [][]string {
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte(utf8BOM)))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs[1:]
	}
	for _, opt := range []Options{{Headers: HeadersZH}, {Headers: HeadersZH, BOM: true}, {BOM: true}} {
		for i, rec := range read(write(t, CSV, opt, rows)) {
			if rec[1] != "'"+hostile[i] {
				t.Errorf("%+v: %q is not neutralised: %q", opt, hostile[i], rec[1])
			}
			if rec[0] != rows[i][0] || rec[2] != "0.2" || rec[3] != rows[i][3] {
				t.Errorf("%+v: a harmless cell changed: %q", opt, rec)
			}
		}
	}
	for _, opt := range []Options{{}, {Headers: HeadersEN}} {
		for i, rec := range read(write(t, CSV, opt, rows)) {
			if rec[1] != hostile[i] {
				t.Errorf("%+v: the machine variant changed %q into %q", opt, hostile[i], rec[1])
			}
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	names := HeadersEN.Names(testFields)
	check := func(kind string, objs []map[string]string) {
		t.Helper()
		if len(objs) != len(testRows) {
			t.Fatalf("%s: %d objects, want %d", kind, len(objs), len(testRows))
		}
		for i, row := range testRows {
			for j, n := range names {
				if objs[i][n] != row[j] {
					t.Errorf("%s row %d %s: %q, want %q", kind, i, n, objs[i][n], row[j])
				}
			}
		}
	}
	var arr []map[string]string
	out := write(t, JSON, Options{Headers: HeadersEN}, testRows)
	if err := json.Unmarshal(out, &arr); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	check("json", arr)

	out = write(t, NDJSON, Options{Headers: HeadersEN}, testRows)
	dec := json.NewDecoder(bytes.NewReader(out))
	var objs []map[string]string
	for {
		var m map[string]string
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, m)
	}
	if n := bytes.Count(out, []byte("\n")); n != len(testRows) {
		t.Errorf("ndjson has %d lines, want %d", n, len(testRows))
	}
	check("ndjson", objs)

	if got := string(write(t, JSON, Options{}, nil)); got != "[]\n" {
		t.Errorf("empty json = %q", got)
	}
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{"", "plain", "中文\"引号\"", "\x00\x7f\u2028\u2029", "bad \xff utf8", "<html>&amp;", "\\\n\r\t",
		"\xe0\x80\x80 overlong", "\xed\xa0\x80 surrogate", "\xe4\xb8 cut", "cut \xe4", "\xef\xbf\xbf\xee\x80\x80", "😀"}
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("a\"\\\n\x01\xe0\xe2\xe4\xed\xef\x80\xa8\xa9\xbf\xc3\xf0\x9f")
	for range 20000 {
		b := make([]byte, rnd.IntN(12))
		for i := range b {
			b[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		got := AppendString(nil, s)
		if !json.Valid(got) {
			t.Fatalf("%q: invalid JSON %q", s, got)
		}
		want, _ := json.Marshal(s) // encoding/json: the reference decoding
		var g, w string
		json.Unmarshal(got, &g)
		json.Unmarshal(want, &w)
		if g != w {
			t.Fatalf("%q came back as %q, encoding/json gives %q", s, g, w)
		}
		if bytes.ContainsRune(got, '\u2028') || bytes.ContainsRune(got, '\u2029') {
			t.Errorf("%q: U+2028 or U+2029 not escaped: %q", s, got)
		}
	}
}

func readXLSX(t *testing.T, b []byte) map[string][][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		out[sheet] = rows
	}
	return out
}

func pad(r []string, n int) []string {
	for len(r) < n {
		r = append(r, "")
	}
	return r
}

func TestXLSXRoundTripAndSheetSplit(t *testing.T) {
	defer func(n int) { maxSheetRows = n }(maxSheetRows)
	maxSheetRows = 3 // a header and two rows a sheet
	sheets := readXLSX(t, write(t, XLSX, Options{Headers: HeadersStandard}, testRows))
	want := map[string][][]string{"data": testRows[:2], "data-2": testRows[2:4]}
	if len(sheets) != len(want) {
		t.Fatalf("sheets %v", sheets)
	}
	for name, rows := range want {
		got := sheets[name]
		if !slices.Equal(got[0], HeadersStandard.Names(testFields)) {
			t.Errorf("%s header %q", name, got[0])
		}
		for i, r := range rows {
			// XML 1.0 cannot hold control characters: they become U+FFFD.
			w := slices.Clone(r)
			w[1] = strings.Map(func(c rune) rune {
				if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
					return '\uFFFD'
				}
				return c
			}, w[1])
			if g := pad(got[i+1], len(w)); !slices.Equal(g, w) {
				t.Errorf("%s row %d: %q, want %q", name, i, g, w)
			}
		}
	}
}

func TestWriterRejectsBadRows(t *testing.T) {
	for _, f := range Formats {
		w, err := NewWriter(io.Discard, f, testFields, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write([]string{"too", "short"}); !errors.Is(err, ErrRow) {
			t.Errorf("%s: short row: %v", f, err)
		}
		w.Close()
	}
	if _, err := NewWriter(io.Discard, JSON, testFields, Options{BOM: true}); err == nil {
		t.Error("a BOM on JSON must be refused")
	}
}

func BenchmarkCSVRow(b *testing.B) { benchmarkRows(b, CSV) }

func BenchmarkNDJSONRow(b *testing.B) { benchmarkRows(b, NDJSON) }

func benchmarkRows(b *testing.B, f Format) {
	w, _ := NewWriter(io.Discard, f, testFields, Options{})
	row := []string{"（苏）应急罚〔2025〕1号", strings.Repeat("经查，该公司未如实记录安全生产教育和培训情况。", 3), "0.2", fmt.Sprint("备注")}
	b.ReportAllocs()
	for b.Loop() {
		w.Write(row)
	}
}

func BenchmarkAppendString(b *testing.B) {
	s := strings.Repeat("经查，该公司未如实记录安全生产教育和培训情况。", 2)
	var buf []byte
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = AppendString(buf[:0], s)
	}
}
