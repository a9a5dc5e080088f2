package domain

import "strings"

// MaskingRules say how natural persons' identifiers are hidden in every
// public output (pages, API, search documents, downloads, public feeds).
// Only authorised feed consumers (the credit centre) see full values.
type MaskingRules struct {
	// KeepPrefix and KeepSuffix are how many leading and trailing characters
	// of an ID number stay visible, and MinHidden how many must be hidden at
	// least. Fewer are kept when needed: never more than half of a value,
	// and at least MinHidden hidden whenever the value is that long.
	KeepPrefix int
	KeepSuffix int
	MinHidden  int
	// PhoneKeepSuffix is how many trailing digits of a phone number stay
	// visible (never more than half).
	PhoneKeepSuffix int
	// ScrubText also masks long numbers (ID and bank account numbers, 15
	// digits or more) and mobile numbers (11 digits starting with 1) written
	// inside free-text fields: 违法事实, 处罚内容, 许可内容 and 备注.
	ScrubText bool
}

// DefaultMasking is the bureau's default: an 18-character ID number shows its
// first 6 and last 2 characters (320502**********1X, the length kept), a
// phone number its last 4 digits, and free text is scrubbed.
var DefaultMasking = MaskingRules{KeepPrefix: 6, KeepSuffix: 2, MinHidden: 8, PhoneKeepSuffix: 4, ScrubText: true}

// maskChar replaces every hidden character, one for one.
const maskChar = '*'

// MaskIDNumber masks an identity-document number with DefaultMasking.
func MaskIDNumber(s string) string { return DefaultMasking.IDNumber(s) }

// MaskPhone masks a phone number with DefaultMasking.
func MaskPhone(s string) string { return DefaultMasking.Phone(s) }

// IDNumber returns s with its middle replaced by '*', one per hidden
// character, so the length is kept. It keeps at most r.KeepPrefix leading and
// r.KeepSuffix trailing characters, never more than half of s, and hides at
// least r.MinHidden characters when s has that many (the prefix gives way
// before the suffix). "" stays "". Masking is idempotent.
func (r MaskingRules) IDNumber(s string) string {
	rs := []rune(s)
	n := len(rs)
	budget := min(n/2, n-r.MinHidden)
	budget = max(budget, 0)
	prefix := min(max(r.KeepPrefix, 0), budget)
	suffix := min(max(r.KeepSuffix, 0), budget-prefix)
	return maskRunes(rs, prefix, suffix)
}

// Phone returns s with every character but the last r.PhoneKeepSuffix (and
// never more than half of s) replaced by '*'. "" stays "".
func (r MaskingRules) Phone(s string) string {
	rs := []rune(s)
	suffix := min(max(r.PhoneKeepSuffix, 0), len(rs)/2)
	return maskRunes(rs, 0, suffix)
}

func maskRunes(rs []rune, prefix, suffix int) string {
	out := make([]rune, len(rs))
	for i, c := range rs {
		if i < prefix || i >= len(rs)-suffix {
			out[i] = c
		} else {
			out[i] = maskChar
		}
	}
	return string(out)
}

// Text returns s with ID, bank account and mobile numbers written inside it
// masked, when r.ScrubText is set; otherwise s unchanged. A run of digits
// (ASCII or full-width) of 15 or more (17 digits and an X count as 18) is
// masked like an ID number, and a run of 11 digits starting with 1 like a
// phone number. Shorter numbers, such as amounts, dates and decision
// numbers, are left alone.
func (r MaskingRules) Text(s string) string {
	if !r.ScrubText || !hasDigitRun(s, 11) {
		return s // nothing long enough to be an ID, account or phone number
	}
	return r.scrubDigits(s)
}

// scrubDigits is Text without its fast path.
func (r MaskingRules) scrubDigits(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		if !isAnyDigit(rs[i]) {
			b.WriteRune(rs[i])
			i++
			continue
		}
		j := i
		for j < len(rs) && isAnyDigit(rs[j]) {
			j++
		}
		if j-i == 17 && j < len(rs) && (rs[j] == 'X' || rs[j] == 'x' || rs[j] == 'Ｘ' || rs[j] == 'ｘ') {
			j++
		}
		run := rs[i:j]
		switch {
		case len(run) >= 15:
			b.WriteString(r.IDNumber(string(run)))
		case len(run) == 11 && (run[0] == '1' || run[0] == '１'):
			b.WriteString(r.Phone(string(run)))
		default:
			b.WriteString(string(run))
		}
		i = j
	}
	return b.String()
}

func isAnyDigit(c rune) bool { return (c >= '0' && c <= '9') || (c >= '０' && c <= '９') }

// Party returns the public form of p. The 证件号码 (IDNo) and the legal
// representative's 证件号码 (LegalRepIDNo) are always masked: they identify
// natural persons whatever the party's kind (for an organisation IDNo is
// normally empty). Credit codes, registration numbers and names stay visible.
func (r MaskingRules) Party(p Party) Party {
	p.IDNo = r.IDNumber(p.IDNo)
	p.LegalRepIDNo = r.IDNumber(p.LegalRepIDNo)
	return p
}

// Penalty returns a masked copy of p for publication: its party masked as by
// Party and its free text scrubbed as by Text. The copy shares no memory
// with p.
func (r MaskingRules) Penalty(p Penalty) Penalty {
	p.Party = r.Party(p.Party)
	p.Facts = r.Text(p.Facts)
	p.Content = r.Text(p.Content)
	p.Remarks = r.Text(p.Remarks)
	p.Categories = append([]string(nil), p.Categories...)
	if p.ValidUntil != nil {
		v := *p.ValidUntil
		p.ValidUntil = &v
	}
	return p
}

// Permit returns a masked copy of p for publication: its party masked as by
// Party and its free text scrubbed as by Text.
func (r MaskingRules) Permit(p Permit) Permit {
	p.Party = r.Party(p.Party)
	p.Content = r.Text(p.Content)
	p.Remarks = r.Text(p.Remarks)
	return p
}

// hasDigitRun reports whether s holds a run of at least n digits, ASCII
// or full-width (U+FF10–U+FF19, encoded EF BC 90–99), as Text counts runs.
// It reads bytes, not runes: the free text of every record goes through it.
func hasDigitRun(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			run++
			i++
		case c == 0xEF && i+2 < len(s) && s[i+1] == 0xBC && s[i+2] >= 0x90 && s[i+2] <= 0x99:
			run++
			i += 3
		default:
			run = 0
			i++
		}
		if run >= n {
			return true
		}
	}
	return false
}
