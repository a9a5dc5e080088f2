package domain

import (
	"strings"
	"unicode/utf8"
)

// Identifiers in free text.
//
// People write identifiers into free text in many ways: 110105 19921111
// 159X, 139-1234-5679, +86 138 1234 5671, full-width １３９１２３４５６７９,
// 身份证号：…, or glued to the letters of a longer code (the 特种作业操作证
// number T110105196606060834 is the holder's ID number). Text finds them in
// number runs and masks their digits one for one with '*', leaving
// separators, prefixes and labels as they are, so the text stays readable:
// 110105 ******** **9X, ***-****-5679, +86 *******5671.
//
// A number run is a stretch of digits (ASCII 0–9 or full-width ０–９) in
// which two digits are at most maxGap separator characters apart (spaces,
// including U+3000 and no-break spaces; hyphens and dashes; dots, including
// the full-width ．; the middle dot ·; zero-width spaces and joiners); a
// check letter X (x, Ｘ, ｘ) right after a digit ends it. The gap-free
// stretches of a run are its groups. Line breaks and any other character
// end a run, so amounts (1,000), dates (2024/05/20, 2024年5月20日) and
// decision numbers (苏应急罚〔2024〕53号) never join a number.
//
// Inside a run, windows of consecutive characters — across gaps, at any
// offset, whatever is glued to them — are recognised as:
//
//   - 居民身份证号码 (GB 11643): 17 digits and a check character that
//     matches, positions 7–14 a real date in 1800–2099. The ID keeps its
//     first KeepPrefix and last KeepSuffix characters, as IDNumber does.
//   - the first 17 digits of an ID number whose check character is
//     missing, mistyped or written apart (… 159 X): a province code and a
//     real birth date. Masked like an ID number.
//   - first-generation 15-digit ID numbers: a province code (11–82) and a
//     real birth date 19YYMMDD in positions 7–12 (they carry no check
//     digit). Masked like an ID number.
//   - mobile numbers: 11 digits 1[3-9]…, after any prefix such as +86, 86
//     or 0086 (which stays visible). The last PhoneKeepSuffix digits stay.
//     A window inside an ID number is part of that ID, not a phone.
//
// and a chain of groups whose inner groups hold at least 3 characters
// each (6222 0212 3456 7890 123, 622202 1234567890123, or one group) is
// bank-card or account-like when it holds 16 characters or more besides
// the ID numbers (18 characters) found wholly in it: all but its last
// AccountKeepSuffix characters are hidden. The Luhn check is deliberately
// not required: a passbook account number (存折账号) or a mistyped card
// number fails it and identifies the person all the same, while the
// inner-group rule already keeps a date beside a phone number
// (2024-05-20 13812345678) from reading as one long number.
//
// A 统一社会信用代码 is not a personal identifier: an ASCII or full-width
// letter-digit token of exactly 18 characters that is a valid credit code
// (its GB 32100 and GB 11714 check characters match, its registration
// authority, kind and province are possible) is left alone, unless it is
// also a valid ID number. The price: an identifier glued to letters or
// digits that make it exactly such a token — a chance of about one in
// several thousand for a token of that length — is taken for a credit
// code.
//
// The trade-off: when in doubt, mask. A phone-shaped or date-bearing
// number that is not personal (a 15-digit 工商注册号 whose digits 7–12 read
// as a date, a 13-digit code holding 1[3-9] and 9 more digits, two numbers
// of 8 or more digits side by side) loses digits too; the promise that no
// natural person's identifier is published is absolute, readability is
// not. A 15-digit number without a birth date and a landline number are
// not recognised, nor are digits of other scripts, numbers split by line
// breaks, or cards written in groups of fewer than 3 digits.

// maxGap is how many separator characters may stand between two digits of
// one number.
const maxGap = 3

// minRunDigits is the fewest digits a run needs to hold anything Text
// masks: a mobile number has 11, every other identifier more.
const minRunDigits = 11

// checkX is the value of the check letter X in a numChar.
const checkX = 10

// A numChar is one character of a number run: a digit or a final X.
type numChar struct {
	off   int32 // byte offset in the text
	size  int8  // length in bytes
	val   int8  // 0–9, or checkX
	start bool  // first character of a group
}

// Character classes of the scanner.
const (
	clsOther = iota
	clsDigit
	clsSep
	clsX
)

// classify returns the class of r and, for a digit, its value.
func classify(r rune) (cls int, val int8) {
	switch {
	case r >= '0' && r <= '9':
		return clsDigit, int8(r - '0')
	case r >= '０' && r <= '９':
		return clsDigit, int8(r - '０')
	case r == 'X' || r == 'x' || r == 'Ｘ' || r == 'ｘ':
		return clsX, checkX
	case isNumberSeparator(r):
		return clsSep, 0
	}
	return clsOther, 0
}

// isNumberSeparator reports the characters that may stand between the
// digits of one number.
func isNumberSeparator(r rune) bool {
	switch r {
	case ' ', '\t', '-', '.',
		'\u00A0', // no-break space
		'\u00AD', // soft hyphen
		'\u00B7', // middle dot ·
		'\u202F', // narrow no-break space
		'\u205F', // medium mathematical space
		'\u2060', // word joiner
		'\u2212', // minus sign
		'\u3000', // ideographic space
		'\uFEFF', // zero-width no-break space (byte-order mark)
		'\uFE63', // small hyphen-minus
		'\uFF0D', // full-width hyphen-minus －
		'\uFF0E': // full-width full stop ．
		return true
	}
	// U+2000–U+200D: spaces of every width and zero-width characters;
	// U+2010–U+2014: hyphens and dashes.
	return (r >= '\u2000' && r <= '\u200D') || (r >= '\u2010' && r <= '\u2014')
}

// mayHoldIdentifier reports whether s holds a number run of at least
// minRunDigits digits: if not, Text has nothing to mask. It reads bytes,
// not runes — every free-text field of every public record goes through it
// — and classifies exactly as classify does (TestFastClassMatchesClassify
// checks every rune), so it never skips a text the full scan would change.
func mayHoldIdentifier(s string) bool {
	digits, gap := 0, 0
	for i := 0; i < len(s); {
		if digits == 0 {
			// Outside a number only a digit can start one: skip the rest,
			// eight bytes at a time while none can.
			for i+8 <= len(s) && !wordMayStartNumber(load64(s, i)) {
				i += 8
			}
			for i < len(s) && byteKinds[s[i]] < byteDigit {
				i++
			}
			if i == len(s) {
				return false
			}
		}
		cls := clsOther
		switch c := s[i]; byteKinds[c] {
		case byteDigit:
			cls = clsDigit
			i++
		case byteSep:
			cls = clsSep
			i++
		case byteLead:
			var size int
			cls, size = fastClass(s, i)
			i += size
		default:
			i++
		}
		switch cls {
		case clsDigit:
			if gap > maxGap {
				digits = 0
			}
			digits++
			gap = 0
			if digits >= minRunDigits {
				return true
			}
		case clsSep:
			gap++
		default: // an X ends a run as any other character does
			digits, gap = 0, 0
		}
	}
	return false
}

// load64 reads the 8 bytes of s at i as a little-endian word.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

const (
	bytesOf1  = 0x0101010101010101
	bytesOf80 = 0x8080808080808080
)

// hasZeroByte is non-zero when a byte of v is 0.
func hasZeroByte(v uint64) uint64 { return (v - bytesOf1) &^ v & bytesOf80 }

// wordMayStartNumber reports whether one of the 8 bytes of v is an ASCII
// digit or a byteLead: whether byteKinds gives one of them byteDigit or
// more (TestWordMayStartNumber checks it).
func wordMayStartNumber(v uint64) bool {
	d := v ^ (0x30 * bytesOf1) // a digit becomes a byte below 10
	return ((d-10*bytesOf1)&^d&bytesOf80)|hasZeroByte(v^(0xC2*bytesOf1))|hasZeroByte(v^(0xE2*bytesOf1))|
		hasZeroByte(v^(0xE3*bytesOf1))|hasZeroByte(v^(0xEF*bytesOf1)) != 0
}

// Kinds of bytes, for mayHoldIdentifier.
const (
	byteOther = iota
	byteSep
	byteX
	byteDigit // this kind and the next may start a number
	byteLead  // 0xC2, 0xE2, 0xE3, 0xEF: may begin a multi-byte digit, separator or X
)

var byteKinds = func() (t [256]uint8) {
	for c := range utf8.RuneSelf {
		switch cls, _ := classify(rune(c)); cls {
		case clsDigit:
			t[c] = byteDigit
		case clsSep:
			t[c] = byteSep
		case clsX:
			t[c] = byteX
		}
	}
	t[0xC2], t[0xE2], t[0xE3], t[0xEF] = byteLead, byteLead, byteLead, byteLead
	return t
}()

// fastClass classifies the character at s[i] by its bytes. Only the
// digits and separators (and X) are told apart; any other byte — including
// each byte of other multi-byte characters, and of invalid UTF-8 — is
// clsOther of size 1, which resets a run just as the character would.
func fastClass(s string, i int) (cls, size int) {
	c := s[i]
	if c < utf8.RuneSelf {
		cls, _ := classify(rune(c))
		return cls, 1
	}
	if i+1 >= len(s) {
		return clsOther, 1
	}
	c1 := s[i+1]
	switch c {
	case 0xC2: // U+0080–U+00BF
		if c1 == 0xA0 || c1 == 0xAD || c1 == 0xB7 {
			return clsSep, 2
		}
		return clsOther, 1
	case 0xE2, 0xE3, 0xEF:
	default:
		return clsOther, 1
	}
	if i+2 >= len(s) {
		return clsOther, 1
	}
	c2 := s[i+2]
	switch {
	case c == 0xE2 && c1 == 0x80 && (c2 <= 0x8D || (c2 >= 0x90 && c2 <= 0x94) || c2 == 0xAF) && c2 >= 0x80,
		c == 0xE2 && c1 == 0x81 && (c2 == 0x9F || c2 == 0xA0),
		c == 0xE2 && c1 == 0x88 && c2 == 0x92,
		c == 0xE3 && c1 == 0x80 && c2 == 0x80,
		c == 0xEF && c1 == 0xBB && c2 == 0xBF,
		c == 0xEF && c1 == 0xB9 && c2 == 0xA3,
		c == 0xEF && c1 == 0xBC && (c2 == 0x8D || c2 == 0x8E):
		return clsSep, 3
	case c == 0xEF && c1 == 0xBC && c2 >= 0x90 && c2 <= 0x99:
		return clsDigit, 3
	case c == 0xEF && ((c1 == 0xBC && c2 == 0xB8) || (c1 == 0xBD && c2 == 0x98)):
		return clsX, 3
	}
	return clsOther, 1
}

// maskText is Text without its fast path: it masks every identifier
// recognised in s (see the comment at the top of this file) and returns s
// itself, without allocating, when there is none.
func (r MaskingRules) maskText(s string) string {
	var charBuf [64]numChar
	var hideBuf [64]bool
	out := maskedText{s: s}
	chars := charBuf[:0]
	gap := 0
	for i := 0; ; {
		// The same classes as classify, read from the bytes as
		// mayHoldIdentifier reads them.
		cls, val, size := clsOther, int8(0), 1
		if i < len(s) {
			switch c := s[i]; byteKinds[c] {
			case byteOther:
				if len(chars) == 0 {
					i++
					continue // nothing to end
				}
			case byteDigit:
				cls, val = clsDigit, int8(c-'0')
			case byteSep:
				cls = clsSep
			case byteX:
				cls = clsX
			default:
				if cls, size = fastClass(s, i); cls == clsDigit {
					val = int8(s[i+2] - 0x90) // ０–９ are EF BC 90–99
				}
			}
		}
		switch cls {
		case clsDigit:
			if len(chars) > 0 && gap > maxGap {
				out.mask(r.markRun(s, chars, hideBuf[:0]))
				chars = chars[:0]
			}
			chars = append(chars, numChar{off: int32(i), size: int8(size), val: val, start: len(chars) == 0 || gap > 0})
			gap = 0
		case clsSep:
			if len(chars) > 0 {
				gap++
			}
		default: // a check letter right after a digit ends its run; any other character ends one
			if cls == clsX && len(chars) > 0 && gap == 0 {
				chars = append(chars, numChar{off: int32(i), size: int8(size), val: checkX})
			}
			if len(chars) > 0 {
				out.mask(r.markRun(s, chars, hideBuf[:0]))
				chars = chars[:0]
			}
			gap = 0
		}
		if i >= len(s) {
			break
		}
		i += size
	}
	return out.String()
}

// maskedText is the output of maskText, built only once something is
// masked.
type maskedText struct {
	s       string
	b       strings.Builder
	masked  bool
	written int // bytes of s copied to b so far
}

// mask replaces the hidden characters of a run.
func (t *maskedText) mask(chars []numChar, hide []bool) {
	for k, c := range chars {
		if !hide[k] {
			continue
		}
		if !t.masked {
			t.masked = true
			t.b.Grow(len(t.s))
		}
		t.b.WriteString(t.s[t.written:c.off])
		t.b.WriteByte(maskChar)
		t.written = int(c.off) + int(c.size)
	}
}

// String returns the text with the hidden characters replaced: the
// original string when nothing was.
func (t *maskedText) String() string {
	if !t.masked {
		return t.s
	}
	t.b.WriteString(t.s[t.written:])
	return t.b.String()
}

// markRun decides which characters of a number run are hidden. It returns
// chars and hide (of the same length, reusing hideBuf's memory); hide is
// nil when nothing is.
func (r MaskingRules) markRun(s string, chars []numChar, hideBuf []bool) ([]numChar, []bool) {
	digits := 0
	for _, c := range chars {
		if c.val != checkX {
			digits++
		}
	}
	if digits < minRunDigits {
		return nil, nil
	}
	hide := hideBuf[:0]
	for range chars {
		hide = append(hide, false)
	}
	// A credit code splits the run: only the parts beside it are read.
	found := false
	from := 0
	for g := 0; g < len(chars); {
		end := groupEnd(chars, g)
		if mayBeCreditCode(s, chars, g, end) && isCreditCodeToken(s, int(chars[g].off), int(chars[end-1].off)+int(chars[end-1].size)) {
			found = r.markSegment(chars[from:g], hide[from:g]) || found
			from = end
		}
		g = end
	}
	found = r.markSegment(chars[from:], hide[from:]) || found
	if !found {
		return nil, nil
	}
	return chars, hide
}

// groupEnd returns the index after the group that starts at chars[g].
func groupEnd(chars []numChar, g int) int {
	e := g + 1
	for e < len(chars) && !chars[e].start {
		e++
	}
	return e
}

// markSegment marks the identifiers of a run, or of the part of one beside
// a credit code, in hide and reports whether it marked any.
func (r MaskingRules) markSegment(chars []numChar, hide []bool) bool {
	n := len(chars)
	if n < minRunDigits {
		return false
	}
	found := false
	// The ID windows found, to tell a phone-shaped stretch inside an ID
	// number from a phone number.
	var idBuf [4][2]int
	ids := idBuf[:0]
	keepPrefix, keepSuffix := r.idKeep(18)
	for k := 0; k+18 <= n; k++ {
		if isIDWindow18(chars[k : k+18]) {
			ids = append(ids, [2]int{k, k + 18})
			found = hideRange(hide, k+keepPrefix, k+18-keepSuffix) || found
		}
	}
	ids18 := len(ids)
	for k := 0; k+17 <= n; k++ {
		if !within(ids, k, k+17) && isIDBody(chars[k:k+17]) {
			ids = append(ids, [2]int{k, k + 17})
			found = hideRange(hide, k+keepPrefix, k+18-keepSuffix) || found
		}
	}
	keepPrefix, keepSuffix = r.idKeep(15)
	for k := 0; k+15 <= n; k++ {
		if !within(ids, k, k+15) && isIDWindow15(chars[k:k+15]) {
			ids = append(ids, [2]int{k, k + 15})
			found = hideRange(hide, k+keepPrefix, k+15-keepSuffix) || found
		}
	}
	keep := keepAtMostHalf(r.PhoneKeepSuffix, 11)
	for k := 0; k+11 <= n; k++ {
		if isMobileWindow(chars[k:k+11]) && !within(ids, k, k+11) {
			found = hideRange(hide, k, k+11-keep) || found
		}
	}
	// Chains of groups i…j-1 whose inner groups hold 3 characters or more.
	for i := 0; i < n; {
		j := groupEnd(chars, i) // the end of the chain's last group
		last := i               // the start of the chain's last group
		for j < n && (last == i || j-last >= 3) {
			last, j = j, groupEnd(chars, j)
		}
		if l := j - i; l >= 16 && l-covered(ids[:ids18], i, j) >= 16 {
			found = hideRange(hide, i, j-keepAtMostHalf(r.AccountKeepSuffix, l)) || found
		}
		if j == n {
			break
		}
		i = last // a short group ended the chain and may start the next
	}
	return found
}

// covered counts the characters of [from, to) inside one of the windows
// that lie wholly in it.
func covered(windows [][2]int, from, to int) int {
	n := 0
	for k := from; k < to; k++ {
		for _, w := range windows {
			if from <= w[0] && w[1] <= to && w[0] <= k && k < w[1] {
				n++
				break
			}
		}
	}
	return n
}

// hideRange marks hide[from:to] and reports whether that is any.
func hideRange(hide []bool, from, to int) bool {
	for k := from; k < to; k++ {
		hide[k] = true
	}
	return from < to
}

// within reports whether [from, to) lies inside one of the windows.
func within(windows [][2]int, from, to int) bool {
	for _, w := range windows {
		if w[0] <= from && to <= w[1] {
			return true
		}
	}
	return false
}

// keepAtMostHalf is keep, bounded to [0, n/2].
func keepAtMostHalf(keep, n int) int { return min(max(keep, 0), n/2) }

// isIDWindow18 reports whether w (18 characters) is a 居民身份证号码: 17
// digits, a birth date in 1800–2099 and the check character that matches.
func isIDWindow18(w []numChar) bool {
	sum := 0
	for k := 0; k < 17; k++ {
		if w[k].val == checkX {
			return false
		}
		sum += int(w[k].val) * idCardWeights[k]
	}
	year := digitsValue(w[6:10])
	if year < minBirthYear || year > 2099 || !realDate(year, digitsValue(w[10:12]), digitsValue(w[12:14])) {
		return false
	}
	want := idCardChecks[sum%11]
	if got := w[17].val; got == checkX {
		return want == 'X'
	} else {
		return want == byte('0'+got)
	}
}

// isIDBody reports whether w (17 characters) reads as the body of an ID
// number whose check character is missing or wrong: 17 digits, a province
// code and a birth date in 1800–2099.
func isIDBody(w []numChar) bool {
	for _, c := range w {
		if c.val == checkX {
			return false
		}
	}
	year := digitsValue(w[6:10])
	return isProvince(digitsValue(w[:2])) && year >= minBirthYear && year <= 2099 &&
		realDate(year, digitsValue(w[10:12]), digitsValue(w[12:14]))
}

// isIDWindow15 reports whether w (15 characters) reads as a first-generation
// ID number: 15 digits, a province code and a birth date 19YYMMDD.
func isIDWindow15(w []numChar) bool {
	for _, c := range w {
		if c.val == checkX {
			return false
		}
	}
	if !isProvince(digitsValue(w[:2])) {
		return false
	}
	return realDate(1900+digitsValue(w[6:8]), digitsValue(w[8:10]), digitsValue(w[10:12]))
}

// isProvince reports the province-level codes of GB/T 2260 that begin an
// ID number.
func isProvince(p int) bool {
	switch {
	case p >= 11 && p <= 15, p >= 21 && p <= 23, p >= 31 && p <= 37, p >= 41 && p <= 46,
		p >= 50 && p <= 54, p >= 61 && p <= 65, p == 71, p == 81, p == 82:
		return true
	}
	return false
}

// isMobileWindow reports whether w (11 characters) is a mobile number:
// digits 1[3-9] and 9 more.
func isMobileWindow(w []numChar) bool {
	if w[0].val != 1 || w[1].val < 3 || w[1].val > 9 {
		return false
	}
	for _, c := range w[2:] {
		if c.val == checkX {
			return false
		}
	}
	return true
}

// digitsValue is the number the digits of w spell.
func digitsValue(w []numChar) int {
	v := 0
	for _, c := range w {
		v = v*10 + int(c.val)
	}
	return v
}

// realDate reports whether y-m-d is a calendar date.
func realDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [12]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// mayBeCreditCode reports whether the group chars[g:end] may lie in an
// 18-character letter-digit token: it is 18 characters long, or a letter
// or digit is glued to it.
func mayBeCreditCode(s string, chars []numChar, g, end int) bool {
	if end-g == 18 {
		return true
	}
	if end-g > 18 {
		return false
	}
	from, to := int(chars[g].off), int(chars[end-1].off)+int(chars[end-1].size)
	if from > 0 {
		if c, _ := utf8.DecodeLastRuneInString(s[:from]); isCodeChar(c) {
			return true
		}
	}
	if to < len(s) {
		if c, _ := utf8.DecodeRuneInString(s[to:]); isCodeChar(c) {
			return true
		}
	}
	return false
}

func isCodeChar(c rune) bool {
	_, ok := codeChar(c)
	return ok
}

// isCreditCodeToken reports whether s[from:to] lies in a letter-digit token
// of exactly 18 characters (ASCII or full-width) that is a valid
// 统一社会信用代码 — check characters of GB 32100 and GB 11714, a
// registration authority (1–9, A, N, Y) and kind (1–9), a region code of a
// province or of the central level (10) — and not also a valid ID number.
func isCreditCodeToken(s string, from, to int) bool {
	for from > 0 {
		c, size := utf8.DecodeLastRuneInString(s[:from])
		if _, ok := codeChar(c); !ok {
			break
		}
		from -= size
	}
	for to < len(s) {
		c, size := utf8.DecodeRuneInString(s[to:])
		if _, ok := codeChar(c); !ok {
			break
		}
		to += size
	}
	var code [18]byte
	n := 0
	for _, c := range s[from:to] {
		if n == len(code) {
			return false
		}
		code[n], _ = codeChar(c)
		n++
	}
	return n == len(code) && isUSCC(&code) && !isIDCode(&code) && strings.IndexByte("123456789ANY", code[0]) >= 0 &&
		code[1] >= '1' && code[1] <= '9' && (isProvince(int(code[2]-'0')*10+int(code[3]-'0')) || (code[2] == '1' && code[3] == '0'))
}

// codeChar returns the upper-case ASCII form of an ASCII or full-width
// letter or digit.
func codeChar(c rune) (byte, bool) {
	if c >= '０' && c <= 'ｚ' {
		c -= 0xFEE0
	}
	switch {
	case c >= '0' && c <= '9', c >= 'A' && c <= 'Z':
		return byte(c), true
	case c >= 'a' && c <= 'z':
		return byte(c - 'a' + 'A'), true
	}
	return 0, false
}

// isUSCC is ValidateUSCC as a predicate on an upper-case code, without
// allocating.
func isUSCC(code *[18]byte) bool {
	sum := 0
	for k, c := range code {
		v := strings.IndexByte(usccAlphabet, c)
		if v < 0 || (k >= 2 && k < 8 && (c < '0' || c > '9')) {
			return false
		}
		if k < 17 {
			sum += v * usccWeights[k]
		}
	}
	if code[17] != usccAlphabet[(31-sum%31)%31] {
		return false
	}
	sum = 0
	for k, c := range code[8:16] {
		sum += orgCodeValue(c) * orgCodeWeights[k]
	}
	want := byte('0' + (11-sum%11)%11)
	if 11-sum%11 == 10 {
		want = 'X'
	}
	return code[16] == want
}

// isIDCode reports whether an upper-case 18-character code is a valid ID
// number as Text recognises one.
func isIDCode(code *[18]byte) bool {
	var w [18]numChar
	for k, c := range code {
		switch {
		case c >= '0' && c <= '9':
			w[k].val = int8(c - '0')
		case c == 'X' && k == 17:
			w[k].val = checkX
		default:
			return false
		}
	}
	return isIDWindow18(w[:])
}
