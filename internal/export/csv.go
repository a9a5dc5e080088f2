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
type csvWriter struct {
	w    io.Writer
	n    int
	line []byte
}

func newCSVWriter(w io.Writer, names []string, bom bool) (*csvWriter, error) {
	cw := &csvWriter{w: w, n: len(names)}
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
		b = appendCSVField(b, v)
	}
	b = append(b, '\r', '\n')
	cw.line = b
	_, err := cw.w.Write(b)
	return err
}

func (cw *csvWriter) Close() error { return nil }

func (cw *csvWriter) Abort() {}

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
