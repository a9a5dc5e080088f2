package domain

import (
	"strings"
	"unicode"
)

// Input arrives from spreadsheets typed with Chinese input methods, so
// full-width forms (Ａ, １, ＋, the ideographic space U+3000) are common. Two
// normalisations are applied, chosen by the field's type:
//
//   - free text (names, facts, enumerations) keeps its Chinese punctuation —
//     ，（）：；are full-width characters that belong in Chinese prose — and
//     only has full-width digits and Latin letters narrowed;
//   - codes, dates and amounts have every full-width ASCII form narrowed,
//     all whitespace removed and Latin letters upper-cased.
//
// Both are idempotent: normalising twice gives the same string as once.

// NormalizeText returns s with leading and trailing white space (including
// U+3000, the byte-order mark and zero-width spaces) removed and full-width
// digits and Latin letters (０–９, Ａ–Ｚ, ａ–ｚ) replaced by their ASCII forms.
// Everything else, inside the text, is kept as it is. Invalid UTF-8 is
// replaced by U+FFFD.
func NormalizeText(s string) string {
	s = strings.Map(func(r rune) rune {
		if isFullWidthAlnum(r) {
			return r - 0xFEE0
		}
		return r
	}, s)
	return strings.TrimFunc(s, isBlank)
}

// NormalizeCode returns s as an identifier: every full-width ASCII form
// (U+FF01–U+FF5E) narrowed to ASCII, all white space removed (anywhere) and
// ASCII letters upper-cased. Other characters (such as the Chinese in a
// 事业单位证书号) are kept. Invalid UTF-8 is replaced by U+FFFD.
func NormalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		switch {
		case isBlank(r):
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func isFullWidthAlnum(r rune) bool {
	return (r >= '０' && r <= '９') || (r >= 'Ａ' && r <= 'Ｚ') || (r >= 'ａ' && r <= 'ｚ')
}

// isBlank reports white space, including U+3000, plus the invisible
// characters spreadsheets leave behind: the byte-order mark and zero-width
// spaces and joiners.
func isBlank(r rune) bool {
	switch r {
	case '\uFEFF', '\u200B', '\u200C', '\u200D', '\u2060':
		return true
	}
	return unicode.IsSpace(r)
}
