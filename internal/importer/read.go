package importer

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/jsonbody"
)

// table is a file read into a header and rows of strings, before the
// columns are matched to a dictionary.
type table struct {
	header    []string
	headerRow int // the header's line (sheet row); 0 for JSON
	rows      []row
	// xlsx marks values read raw from a workbook: numbers as stored and
	// dates as serial numbers, fixed by fixXLSX once the column types are
	// known.
	xlsx     bool
	date1904 bool
}

// row is one non-blank data row.
type row struct {
	line     int // see Problem.Row
	record   int // see Problem.Record
	cells    []string
	problems []Problem // found while reading
}

// cell returns the value in column i, "" past the end of a short row.
func (r row) cell(i int) string {
	if i < len(r.cells) {
		return r.cells[i]
	}
	return ""
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimFunc(c, isBlankOrInvisible) != "" {
			return false
		}
	}
	return true
}

// readTable reads a CSV or XLSX file, or a JSON array of flat objects.
func readTable(path string, format Format) (*table, error) {
	switch format {
	case FormatXLSX:
		return readXLSX(path)
	case FormatJSON:
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return readJSONTable(b)
	default:
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return readCSV(b)
	}
}

// decodeText returns the text of b: UTF-8 after a UTF-8 byte-order mark,
// UTF-16 after a UTF-16 one (Excel's "Unicode text"), UTF-8 when b is valid
// UTF-8, and GB18030 (which includes GBK and GB2312) otherwise.
func decodeText(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		b = b[3:]
		if !utf8.Valid(b) {
			return "", fmt.Errorf("%w: the file starts with a UTF-8 byte-order mark but is not valid UTF-8", ErrUnreadable)
		}
		return string(b), nil
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}), bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		out, err := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Bytes(b)
		if err != nil {
			return "", fmt.Errorf("%w: UTF-16: %v", ErrUnreadable, err)
		}
		return string(out), nil
	case utf8.Valid(b):
		return string(b), nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
	if err != nil || bytes.ContainsRune(out, utf8.RuneError) {
		return "", fmt.Errorf("%w: the file is neither UTF-8 nor GB18030 (GBK) text", ErrUnreadable)
	}
	return string(out), nil
}

// readCSV reads comma- or tab-separated text; the delimiter is the one of
// the two that occurs more often in the first line.
func readCSV(b []byte) (*table, error) {
	text, err := decodeText(b)
	if err != nil {
		return nil, err
	}
	first, _, _ := strings.Cut(text, "\n")
	r := csv.NewReader(strings.NewReader(text))
	if strings.Count(first, "\t") > strings.Count(first, ",") {
		r.Comma = '\t'
	}
	r.FieldsPerRecord = -1
	r.LazyQuotes = true // 违法事实 often holds ASCII quotes typed inside unquoted text
	t := &table{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
		}
		line, _ := r.FieldPos(0)
		if blank(rec) {
			continue
		}
		if t.header == nil {
			t.header, t.headerRow = rec, line
			continue
		}
		t.rows = append(t.rows, row{line: line, cells: rec})
	}
	if t.header == nil {
		return nil, fmt.Errorf("%w: the file is empty", ErrUnreadable)
	}
	t.checkWidth()
	return t, nil
}

// readXLSX reads the first sheet of a workbook with the streaming row
// iterator. Values are read raw; fixXLSX turns them into text.
func readXLSX(path string) (*table, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fmt.Errorf("%w: the workbook has no sheet", ErrUnreadable)
	}
	t := &table{xlsx: true}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		t.date1904 = *props.Date1904
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fmt.Errorf("%w: sheet %s: %v", ErrUnreadable, sheets[0], err)
	}
	n := 0
	for rows.Next() {
		n++ // Next visits every row number, empty ones included
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%w: sheet %s row %d: %v", ErrUnreadable, sheets[0], n, err)
		}
		if blank(cells) {
			continue
		}
		if t.header == nil {
			t.header, t.headerRow = cells, n
			continue
		}
		t.rows = append(t.rows, row{line: n, cells: cells})
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("%w: sheet %s: %v", ErrUnreadable, sheets[0], err)
	}
	if t.header == nil {
		return nil, fmt.Errorf("%w: the first sheet (%s) is empty", ErrUnreadable, sheets[0])
	}
	t.checkWidth()
	return t, nil
}

// checkWidth reports rows with values beyond the last column of the header.
func (t *table) checkWidth() {
	for i := range t.rows {
		r := &t.rows[i]
		if len(r.cells) <= len(t.header) {
			continue
		}
		extra := r.cells[len(t.header):]
		if !blank(extra) {
			r.problems = append(r.problems, Problem{Row: r.line, Code: domain.CodeFormat,
				Message: fmt.Sprintf("%d values but the header has %d columns (extra: %s)",
					len(r.cells), len(t.header), strings.Join(extra, " | "))})
		}
		r.cells = r.cells[:len(t.header)]
	}
}

// fixXLSX turns raw workbook values into the text a person sees: date
// serial numbers in date columns become YYYY-MM-DD and numbers in
// scientific notation or beyond Excel's 15 significant digits become plain
// decimals. Text, including digit strings with leading zeros, is kept.
func (t *table) fixXLSX(isDate func(col int) bool) {
	if !t.xlsx {
		return
	}
	for _, r := range t.rows {
		for i, v := range r.cells {
			if isDate(i) {
				if d, ok := excelDate(v, t.date1904); ok {
					r.cells[i] = d
					continue
				}
			}
			r.cells[i] = excelNumber(v)
		}
	}
}

// excelDate converts a date serial number ("45356", "45356.5") to
// YYYY-MM-DD; any other value is reported as not a serial.
func excelDate(v string, date1904 bool) (string, bool) {
	whole, frac, _ := strings.Cut(v, ".")
	if whole == "" || !isDigits(whole) || !isDigits(frac) {
		return "", false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 1 || f >= 2958466 { // 9999-12-31 is the last Excel date
		return "", false
	}
	tm, err := excelize.ExcelDateToTime(f, date1904)
	if err != nil {
		return "", false
	}
	return tm.Format(domain.DateLayout), true
}

// excelNumber rewrites a number stored in scientific notation, or with more
// than the 15 significant digits Excel keeps ("0.20000000000000001"), as a
// plain decimal rounded to 15 significant digits. Other values, notably
// integers written out in full, are returned unchanged.
func excelNumber(v string) string {
	if _, ok := plainDecimal(v); !ok {
		return v
	}
	mant := strings.TrimLeft(v, "+-")
	hasExp := strings.ContainsAny(mant, "eE")
	if !hasExp {
		whole, frac, hasPoint := strings.Cut(mant, ".")
		sig := strings.TrimLeft(whole+frac, "0")
		if !hasPoint || len(sig) <= 15 {
			return v
		}
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return v
	}
	out, ok := plainDecimal(strconv.FormatFloat(f, 'e', 14, 64))
	if !ok {
		return v
	}
	return out
}

// plainDecimal rewrites a decimal number, possibly in scientific notation
// ("1.5E-3"), without an exponent ("0.0015"), exactly. It reports false for
// anything else.
func plainDecimal(s string) (string, bool) {
	body := s
	neg := false
	if strings.HasPrefix(body, "-") || strings.HasPrefix(body, "+") {
		neg, body = body[0] == '-', body[1:]
	}
	mant, exp := body, 0
	if i := strings.IndexAny(body, "eE"); i >= 0 {
		e, err := strconv.Atoi(body[i+1:])
		if err != nil || e > 400 || e < -400 {
			return "", false
		}
		mant, exp = body[:i], e
	}
	whole, frac, _ := strings.Cut(mant, ".")
	if whole+frac == "" || !isDigits(whole) || !isDigits(frac) {
		return "", false
	}
	digits, point := whole+frac, len(whole)+exp
	if point < 0 {
		digits, point = strings.Repeat("0", -point)+digits, 0
	}
	if point > len(digits) {
		digits += strings.Repeat("0", point-len(digits))
	}
	w := strings.TrimLeft(digits[:point], "0")
	if w == "" {
		w = "0"
	}
	out := w
	if f := strings.TrimRight(digits[point:], "0"); f != "" {
		out += "." + f
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out, true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// jsonReader walks a JSON array element by element, tracking the line
// where each element starts.
type jsonReader struct {
	data     []byte
	dec      *json.Decoder
	off      int // offset up to which lines are counted
	line     int
	position int // 1-based index of the current element
	// strict holds, by element position, what jsonbody.Check found in the
	// file that encoding/json would pass over: a key given twice at any
	// depth (the last would win), a lone surrogate (read as U+FFFD), a NUL
	// in a key. A NUL in a value is the domain validators' to report.
	strict map[int][]Problem
}

func newJSONReader(b []byte) (*jsonReader, error) {
	b = bytes.TrimPrefix(b, []byte{0xEF, 0xBB, 0xBF})
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("%w: JSON must be UTF-8", ErrUnreadable)
	}
	jr := &jsonReader{data: b, dec: json.NewDecoder(bytes.NewReader(b)), line: 1}
	var fe domain.FieldErrors
	if err := jsonbody.Check(b, jsonbody.Options{AllowNUL: true}); errors.As(err, &fe) {
		// Malformed JSON (a jsonbody.SyntaxError) is reported by the
		// decoder below, with its own position.
		jr.strict = map[int][]Problem{}
		for _, e := range fe {
			jr.strict[e.Index+1] = append(jr.strict[e.Index+1], elementProblem(e))
		}
	}
	jr.dec.UseNumber()
	tok, err := jr.dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("%w: a JSON import must be an array of objects", ErrUnreadable)
	}
	return jr, nil
}

// elementProblem turns a problem jsonbody found inside an element of the
// top-level array into a Problem of that element (record and line are set
// by jsonReader.checked). Field "body" is the element itself.
func elementProblem(e domain.FieldError) Problem {
	p := Problem{Code: e.Code, Message: e.Message}
	if e.Field != "body" {
		p.Column = e.Field
	}
	// jsonbody prefixes the message with the path from the top: drop it,
	// the record and the column say where.
	if _, msg, ok := strings.Cut(e.Message, ": "); ok && strings.HasPrefix(e.Message, "[") {
		p.Message = msg
	}
	return p
}

// checked returns what jsonbody.Check found in the current element.
func (jr *jsonReader) checked() []Problem {
	ps := slices.Clone(jr.strict[jr.position])
	for i := range ps {
		ps[i].Row, ps[i].Record = jr.line, jr.position
	}
	return ps
}

// next advances to the next element and reports whether there is one; its
// line is jr.line.
func (jr *jsonReader) next() bool {
	if !jr.dec.More() {
		return false
	}
	start := int(jr.dec.InputOffset())
	for start < len(jr.data) && strings.IndexByte(" \t\r\n,", jr.data[start]) >= 0 {
		start++
	}
	jr.line += bytes.Count(jr.data[jr.off:start], []byte{'\n'})
	jr.off = start
	jr.position++
	return true
}

// end checks that the array is closed and nothing follows it.
func (jr *jsonReader) end() error {
	if _, err := jr.dec.Token(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnreadable, err)
	}
	if _, err := jr.dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: unexpected data after the JSON array", ErrUnreadable)
	}
	return nil
}

// readJSONTable reads an array of flat objects (penalties, permits) as a
// table whose header is every key, in the order keys first appear.
func readJSONTable(b []byte) (*table, error) {
	jr, err := newJSONReader(b)
	if err != nil {
		return nil, err
	}
	t := &table{header: []string{}}
	colOf := map[string]int{}
	for jr.next() {
		r := row{line: jr.line, record: jr.position}
		tok, err := jr.dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%w: record %d: %v", ErrUnreadable, jr.position, err)
		}
		if d, ok := tok.(json.Delim); !ok || d != '{' {
			return nil, fmt.Errorf("%w: record %d (line %d) is not an object", ErrUnreadable, jr.position, jr.line)
		}
		seen := map[string]bool{}
		for jr.dec.More() {
			kt, err := jr.dec.Token()
			if err != nil {
				return nil, fmt.Errorf("%w: record %d: %v", ErrUnreadable, jr.position, err)
			}
			key := kt.(string) // object keys are always strings
			var raw json.RawMessage
			if err := jr.dec.Decode(&raw); err != nil {
				return nil, fmt.Errorf("%w: record %d: %v", ErrUnreadable, jr.position, err)
			}
			i, ok := colOf[key]
			if !ok {
				i = len(t.header)
				colOf[key] = i
				t.header = append(t.header, key)
			}
			if seen[key] {
				r.problems = append(r.problems, Problem{Row: r.line, Record: r.record, Column: key, Code: domain.CodeConflict, Message: "key given twice"})
			}
			seen[key] = true
			v, p := jsonCell(raw)
			if p != nil {
				p.Row, p.Record, p.Column = r.line, r.record, key
				r.problems = append(r.problems, *p)
			}
			for len(r.cells) <= i {
				r.cells = append(r.cells, "")
			}
			r.cells[i] = v
		}
		if _, err := jr.dec.Token(); err != nil { // the closing brace
			return nil, fmt.Errorf("%w: record %d: %v", ErrUnreadable, jr.position, err)
		}
		t.rows = append(t.rows, r)
	}
	if err := jr.end(); err != nil {
		return nil, err
	}
	return t, nil
}

// jsonCell converts a JSON value to the text of a cell (see jsonText),
// or returns why it cannot: a NUL, lone surrogate or repeated key inside
// it (jsonbody.Check), or a value of the wrong kind.
func jsonCell(raw json.RawMessage) (string, *Problem) {
	var fe domain.FieldErrors
	if err := jsonbody.Check(raw, jsonbody.Options{}); errors.As(err, &fe) {
		p := elementProblem(fe[0])
		if p.Column != "" {
			p.Message = p.Column + ": " + p.Message
		}
		return "", &p
	}
	v, msg := jsonText(raw)
	if msg != "" {
		return "", &Problem{Code: domain.CodeFormat, Message: msg}
	}
	return v, nil
}

// jsonText converts a JSON value to the text of a cell: strings as they
// are, numbers as plain decimals, null as "", and arrays of strings or
// numbers (CF_CFLB) joined by ";". Anything else yields a message.
func jsonText(raw json.RawMessage) (string, string) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", err.Error()
	}
	scalar := func(v any) (string, bool) {
		switch x := v.(type) {
		case string:
			return x, true
		case json.Number:
			s, ok := plainDecimal(string(x))
			return s, ok
		case nil:
			return "", true
		}
		return "", false
	}
	if s, ok := scalar(v); ok {
		return s, ""
	}
	if arr, ok := v.([]any); ok {
		parts := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := scalar(e)
			if !ok {
				return "", "must be a string or an array of strings"
			}
			parts = append(parts, s)
		}
		return strings.Join(slices.DeleteFunc(parts, func(s string) bool { return s == "" }), ";"), ""
	}
	return "", "must be a string, a number or an array of strings"
}
