package export

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// jsonWriter writes one JSON object per row, keyed by the column names,
// every value a string: NDJSON (one object a line) or a JSON array.
type jsonWriter struct {
	w     io.Writer
	keys  [][]byte // `"name":` of each column
	array bool
	rows  int
	line  []byte
}

func newJSONWriter(w io.Writer, names []string, array bool) *jsonWriter {
	jw := &jsonWriter{w: w, array: array}
	for i, n := range names {
		var k []byte
		if i > 0 {
			k = append(k, ',')
		}
		k = AppendString(k, n)
		jw.keys = append(jw.keys, append(k, ':'))
	}
	return jw
}

func (jw *jsonWriter) Write(row []string) error {
	if len(row) != len(jw.keys) {
		return fmt.Errorf("%w: %d values for %d fields", ErrRow, len(row), len(jw.keys))
	}
	b := jw.line[:0]
	if jw.array {
		if jw.rows == 0 {
			b = append(b, "[\n"...)
		} else {
			b = append(b, ",\n"...)
		}
	}
	b = AppendObject(b, jw.keys, row)
	if !jw.array {
		b = append(b, '\n')
	}
	jw.rows++
	jw.line = b
	_, err := jw.w.Write(b)
	return err
}

func (jw *jsonWriter) Abort() {}

func (jw *jsonWriter) Close() error {
	if !jw.array {
		return nil
	}
	end := "\n]\n"
	if jw.rows == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(jw.w, end)
	return err
}

// ObjectKeys returns the encoded keys AppendObject takes for names.
func ObjectKeys(names []string) [][]byte {
	return newJSONWriter(nil, names, false).keys
}

// AppendObject appends a JSON object whose members are keys (from
// ObjectKeys) with the string values of row.
func AppendObject(b []byte, keys [][]byte, row []string) []byte {
	b = append(b, '{')
	for i, v := range row {
		b = append(b, keys[i]...)
		b = AppendString(b, v)
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// AppendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as with encoding/json; U+2028 and U+2029 are escaped so the output is
// also valid JavaScript. HTML characters are left alone: the output is
// served as JSON, never embedded in a page.
func AppendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0 // s[start:i] is still to be copied
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !jsonEscaped[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		// The common case in Chinese text: a valid three-byte sequence
		// other than U+2028 and U+2029, checked without decoding.
		if c >= 0xE1 && c != 0xED && c <= 0xEF && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80 &&
			(c != 0xE2 || s[i+1] != 0x80 || s[i+2]&0xFE != 0xA8) {
			i += 3
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonEscaped marks the ASCII bytes a JSON string must escape.
var jsonEscaped = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()
