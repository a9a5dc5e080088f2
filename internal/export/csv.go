package export

import (
	"fmt"
	"io"
	"strings"
)

// utf8BOM lets Excel recognise a CSV file as UTF-8.
const utf8BOM = "\uFEFF"

// csvWriter writes RFC 4180 CSV: CRLF line ends, a field quoted only when
// it holds a comma, a quote, a line break or leading or trailing spaces.
//
// A CSV for spreadsheets (neutralise) has every cell that a spreadsheet
// would read as a formula — one starting with = + - @, a tab or a carriage
// return — prefixed with an apostrophe, which Excel, LibreOffice and
// WPS show as text (OWASP's CSV-injection advice). The machine variant
// (standard codes, no byte-order mark) keeps every value exactly as
// published; programs reading it must not evaluate cells.
type csvWriter struct {
	w          io.Writer
	n          int
	neutralise bool
	line       []byte
}

func newCSVWriter(w io.Writer, names []string, bom, neutralise bool) (*csvWriter, error) {
	cw := &csvWriter{w: w, n: len(names), neutralise: neutralise}
	if bom {
		if _, err := io.WriteString(w, utf8BOM); err != nil {
			return nil, err
		}
	}
	if err := cw.Write(names); err != nil {
		return nil, err
	}
	return cw, nil
}

func (cw *csvWriter) Write(row []string) error {
	if len(row) != cw.n {
		return fmt.Errorf("%w: %d values for %d fields", ErrRow, len(row), cw.n)
	}
	b := cw.line[:0]
	for i, v := range row {
		if i > 0 {
			b = append(b, ',')
		}
		if cw.neutralise && formulaLike(v) {
			b = appendCSVField(b, "'"+v)
			continue
		}
		b = appendCSVField(b, v)
	}
	b = append(b, '\r', '\n')
	cw.line = b
	_, err := cw.w.Write(b)
	return err
}

func (cw *csvWriter) Close() error { return nil }

func (cw *csvWriter) Abort() {}

// formulaLike reports whether a spreadsheet could take s for a formula.
func formulaLike(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

func appendCSVField(b []byte, s string) []byte {
	if !csvNeedsQuotes(s) {
		return append(b, s...)
	}
	b = append(b, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

func csvNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' || s[len(s)-1] == '\t' {
		return true
	}
	if len(s) <= 32 {
		for i := 0; i < len(s); i++ {
			if csvSpecial[s[i]] {
				return true
			}
		}
		return false
	}
	// On long text four vectorised scans beat a byte-at-a-time loop.
	return strings.IndexByte(s, ',') >= 0 || strings.IndexByte(s, '"') >= 0 ||
		strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0
}

var csvSpecial = [256]bool{',': true, '"': true, '\n': true, '\r': true}
