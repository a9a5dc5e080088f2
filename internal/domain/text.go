package domain

import (
	"fmt"
	"unicode/utf8"
)

// Stored text obeys two rules, checked before any other validation so that
// no later check reads (or echoes) a value that breaks them:
//
//   - Characters: valid UTF-8 without control characters. NUL (U+0000),
//     which PostgreSQL cannot store in text, and the other C0 controls
//     (U+0001–U+001F), DEL (U+007F) and the C1 controls (U+0080–U+009F)
//     carry no meaning in a published record and are refused — except
//     tab, line feed and carriage return in multi-line prose fields
//     (违法事实, 处罚依据, 备注 …), where a spreadsheet cell or a text box
//     may hold several lines.
//   - Length: at most a field's MaxLength characters (Unicode code points,
//     PostgreSQL's char_length), counted after normalisation — the form
//     that is stored. The limits are the national 双公示 data standard's
//     where it sets one; see PenaltyFields, PermitFields and the list
//     tables in listfields.go.

// TextRule is what one stored text field accepts.
type TextRule struct {
	MaxLength int  // in characters; 0 means no limit
	Multiline bool // tab, line feed and carriage return are allowed
}

// CheckText reports the first way s breaks r: invalid UTF-8 or a control
// character (CodeFormat), or more than r.MaxLength characters
// (CodeTooLong). It returns "" and "" when s is acceptable. Messages never
// quote s itself, so a huge or hostile value is not echoed back.
func CheckText(s string, r TextRule) (code, message string) {
	n := 0
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size <= 1 {
			return CodeFormat, fmt.Sprintf("not valid UTF-8 (byte %d of the value)", i+1)
		}
		if isControl(c) && !(r.Multiline && (c == '\t' || c == '\n' || c == '\r')) {
			return CodeFormat, fmt.Sprintf("contains the control character %s at character %d", controlName(c), n+1)
		}
		i += size
		n++
	}
	if r.MaxLength > 0 && n > r.MaxLength {
		return CodeTooLong, fmt.Sprintf("at most %d characters, got %d", r.MaxLength, n)
	}
	return "", ""
}

// isControl reports the C0 controls, DEL and the C1 controls.
func isControl(c rune) bool {
	return c < 0x20 || (c >= 0x7F && c <= 0x9F)
}

func controlName(c rune) string {
	switch c {
	case 0:
		return "NUL (U+0000)"
	case '\t':
		return "tab (U+0009)"
	case '\n':
		return "line feed (U+000A)"
	case '\r':
		return "carriage return (U+000D)"
	}
	return fmt.Sprintf("U+%04X", c)
}

// Short returns s for use in an error message: as it is when it has at
// most 40 characters, otherwise its first 40 followed by "…". Messages that
// quote a client's value quote Short(value).
func Short(s string) string {
	const max = 40
	n := 0
	for i := range s {
		if n == max {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
