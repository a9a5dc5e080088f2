// Package identtest makes natural persons' identifiers — ID numbers (with
// their GB 11643 check character, and 15-digit first-generation ones),
// mobile numbers and bank-card numbers (with their Luhn check digit) — and
// writes them as people do, inside Chinese text, for the tests that check
// no identifier survives in any public output. It computes every check
// character itself: it depends on nothing it tests.
package identtest

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"
)

// An Identifier is a natural person's identifier in its canonical
// spelling: ASCII digits and an upper-case X.
type Identifier struct {
	Kind   string // "id18", "id15", "mobile" or "card"
	Digits string
}

// Kinds lists every Identifier.Kind.
var Kinds = []string{"id18", "id15", "mobile", "card"}

// Generate returns a valid identifier of a random kind.
func Generate(r *rand.Rand) Identifier {
	return GenerateKind(r, Kinds[r.IntN(len(Kinds))])
}

// GenerateKind returns a valid identifier of the given kind.
func GenerateKind(r *rand.Rand, kind string) Identifier {
	switch kind {
	case "id18":
		return Identifier{kind, id18(r)}
	case "id15":
		return Identifier{kind, regions[r.IntN(len(regions)-3)] + birth(r, 1930, 1999).Format("060102") +
			fmt.Sprintf("%03d", r.IntN(1000))}
	case "mobile":
		return Identifier{kind, fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000))}
	case "card":
		return Identifier{kind, card(r)}
	}
	panic("identtest: unknown kind " + kind)
}

// regions are 行政区划 codes in every province-level unit (the last three
// only in 18-character ID numbers of residence permits).
var regions = []string{"110105", "120101", "130102", "140105", "150102", "210102", "220102", "230102", "310101",
	"320502", "330102", "340102", "350102", "360102", "370102", "410102", "420102", "430102", "440524", "450102",
	"460105", "500101", "510104", "520102", "530102", "540102", "610102", "620102", "630102", "640104", "650102",
	"710000", "810000", "820000"}

func birth(r *rand.Rand, from, to int) time.Time {
	first := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(to, 12, 31, 0, 0, 0, 0, time.UTC).Sub(first).Hours() / 24)
	return first.AddDate(0, 0, r.IntN(days+1))
}

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

func id18(r *rand.Rand) string {
	first17 := regions[r.IntN(len(regions))] + birth(r, 1930, 2015).Format("20060102") + fmt.Sprintf("%03d", r.IntN(1000))
	sum := 0
	for i, w := range idWeights {
		sum += int(first17[i]-'0') * w
	}
	return first17 + string("10X98765432"[sum%11])
}

// card returns a UnionPay, Visa or Mastercard-like number of 16 to 19
// digits with a valid Luhn check digit.
func card(r *rand.Rand) string {
	b := []byte([]string{"62", "4", "5", "60", "9"}[r.IntN(5)])
	n := 16 + r.IntN(4)
	for len(b) < n-1 {
		b = append(b, byte('0'+r.IntN(10)))
	}
	sum := 0
	for i := len(b) - 1; i >= 0; i -= 2 { // doubled: every other digit, from the one before the check digit
		d := int(b[i]-'0') * 2
		sum += d/10 + d%10
		if i > 0 {
			sum += int(b[i-1] - '0')
		}
	}
	return string(append(b, byte('0'+(10-sum%10)%10)))
}

var (
	separators = []string{" ", " ", "-", "-", ".", "\u3000", "\u00a0", "－", "．", "–", "—", "‐", "·", "\u200b", "\t", "\u2009"}
	labels     = []string{"", "", "身份证号：", "身份证号码", "公民身份号码：", "证件号码:", "电话", "手机", "手机号：", "联系电话：",
		"联系方式 ", "银行卡号：", "账号", "开户账号:", "Tel:", "（", "编号", "操作证号T"}
	prefixes = []string{"+86", "+86 ", "+86-", "86", "0086", "0086 ", "(+86)", "＋８６", "+86 (0)", "+ 86 "}
	context  = []string{"", "经查，当事人", "违法事实：", "。", "，", "；", "于2024年5月20日", "罚款人民币20000元",
		"苏应急罚〔2024〕53号", "暂扣特种作业操作证 ", "统一社会信用代码91330282L07196379D，", "（", "）", "\n", " ",
		"张三", "2024-05-20 ", "罚款5000元", "号", "A", "ｂ"}
	glue      = []string{"", "", "", "T", "X", "a", "Ｑ", "7", "12", "0", "5 ", "x"}
	groupings = map[string][][]int{
		"id18":   {nil, {6, 8, 4}, {6, 4, 4, 4}, {3, 3, 8, 4}, {6, 8, 3, 1}, {2, 4, 8, 4}},
		"id15":   {nil, {6, 6, 3}, {6, 3, 3, 3}, {3, 3, 6, 3}},
		"mobile": {nil, {3, 4, 4}, {3, 8}, {7, 4}, {3, 3, 5}, {1, 10}},
		"card":   {nil, {4, 4, 4, 4, 3}, {6, 13}, {4, 4, 4, 7}, {4, 4, 4, 4, 4}},
	}
)

// Spell writes id the way people do: grouped, with up to three separators
// between groups (spaces of several widths, hyphens, dashes, dots, the
// middle dot, zero-width spaces), in ASCII, full-width or mixed digits, a
// check letter as X, x, Ｘ or ｘ, after a country prefix (mobiles), a label
// and Chinese text, glued to letters or digits. A card's inner groups hold
// 3 digits or more. The identifier is never glued into a letter-digit
// token of exactly 18 characters, which the masking may take for a
// 统一社会信用代码.
func Spell(r *rand.Rand, id Identifier) string {
	for {
		if s, ok := spell(r, id); ok {
			return s
		}
	}
}

func spell(r *rand.Rand, id Identifier) (string, bool) {
	var b strings.Builder
	b.WriteString(context[r.IntN(len(context))])
	b.WriteString(labels[r.IntN(len(labels))])
	if id.Kind == "mobile" && r.IntN(3) == 0 {
		b.WriteString(prefixes[r.IntN(len(prefixes))])
	}
	b.WriteString(glue[r.IntN(len(glue))])
	groups := groupings[id.Kind][r.IntN(len(groupings[id.Kind]))]
	if r.IntN(4) == 0 { // random groups
		groups = nil
		shortest := 1
		if id.Kind == "card" {
			shortest = 3
		}
		for rest := len(id.Digits); rest > 0; {
			g := min(rest, shortest+r.IntN(6))
			groups = append(groups, g)
			rest -= g
		}
	}
	width := r.IntN(3) // 0 ASCII, 1 full-width, 2 mixed
	sep := separators[r.IntN(len(separators))]
	start := b.Len()
	g, inGroup := 0, 0
	for _, c := range id.Digits {
		if groups != nil && g < len(groups) && inGroup == groups[g] {
			g, inGroup = g+1, 0
			if r.IntN(4) == 0 { // some spellings mix separators
				sep = separators[r.IntN(len(separators))]
			}
			for range 1 + r.IntN(3)*r.IntN(2) {
				b.WriteString(sep)
			}
		}
		inGroup++
		switch {
		case c == 'X':
			b.WriteString([]string{"X", "x", "Ｘ", "ｘ"}[r.IntN(4)])
		case width == 1 || (width == 2 && r.IntN(2) == 0):
			b.WriteRune(c - '0' + '０')
		default:
			b.WriteRune(c)
		}
	}
	end := b.Len()
	b.WriteString(glue[r.IntN(len(glue))])
	b.WriteString(context[r.IntN(len(context))])
	s := b.String()
	return s, !gluedIntoToken18(s, start, end)
}

// gluedIntoToken18 reports whether a letter-digit token of exactly 18
// characters overlaps s[start:end] without being exactly it.
func gluedIntoToken18(s string, start, end int) bool {
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		if !isAlnum(c) {
			i += size
			continue
		}
		j, n := i, 0
		for j < len(s) {
			c, size := utf8.DecodeRuneInString(s[j:])
			if !isAlnum(c) {
				break
			}
			j += size
			n++
		}
		if n == 18 && i < end && start < j && (i != start || j != end) {
			return true
		}
		i = j
	}
	return false
}

func isAlnum(c rune) bool {
	if c >= '０' && c <= 'ｚ' {
		c -= 0xFEE0
	}
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
}

// Text returns Chinese text holding one to max identifiers, each spelled
// by Spell, and the identifiers.
func Text(r *rand.Rand, max int) (string, []Identifier) {
	return text(r, max)
}

// TextWithin is Text for a field: no longer than limit characters (0: no
// limit) and, unless multiline, on one line (tabs and line breaks become
// spaces, which separate digits as well).
// It panics when no such text can be made (a limit shorter than any
// spelling).
func TextWithin(r *rand.Rand, max, limit int, multiline bool) (string, []Identifier) {
	for range 100_000 {
		s, ids := text(r, max)
		if !multiline {
			s = oneLine.Replace(s)
		}
		if limit == 0 || utf8.RuneCountInString(s) <= limit {
			return s, ids
		}
	}
	panic(fmt.Sprintf("identtest: no text of identifiers fits in %d characters", limit))
}

var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")

func text(r *rand.Rand, max int) (string, []Identifier) {
	var b strings.Builder
	var ids []Identifier
	for range 1 + r.IntN(max) {
		id := Generate(r)
		ids = append(ids, id)
		b.WriteString(Spell(r, id))
	}
	return b.String(), ids
}

// Normalize folds full-width digits and letters and keeps only digits, X
// and the mask character '*', so that an identifier shows in it as its
// canonical digits however it was spelled, and a masked character still
// breaks it.
func Normalize(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '０' && c <= 'ｚ' {
			c -= 0xFEE0
		}
		switch {
		case c >= '0' && c <= '9', c == '*':
			b.WriteRune(c)
		case c == 'X' || c == 'x':
			b.WriteByte('X')
		}
	}
	return b.String()
}

// Survivors returns the identifiers whose canonical digits show in text,
// once normalised.
func Survivors(text string, ids []Identifier) []Identifier {
	norm := Normalize(text)
	var out []Identifier
	for _, id := range ids {
		if strings.Contains(norm, id.Digits) {
			out = append(out, id)
		}
	}
	return out
}
