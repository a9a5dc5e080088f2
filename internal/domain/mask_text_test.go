package domain

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// An Identifier is a natural person's identifier as a generator made it,
// in its canonical spelling: ASCII digits and an upper-case X.
type Identifier struct {
	Kind   string // "id18", "id15", "mobile" or "card"
	Digits string
}

// GenerateIdentifier returns a valid identifier of a random kind: an ID
// number with its GB 11643 check character, a first-generation 15-digit ID
// number, a mobile number or a bank-card number with its Luhn check digit.
func GenerateIdentifier(r *rand.Rand) Identifier {
	switch r.IntN(4) {
	case 0:
		return Identifier{"id18", generateID18(r)}
	case 1:
		return Identifier{"id15", generateID15(r)}
	case 2:
		return Identifier{"mobile", fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1_000_000_000))}
	}
	return Identifier{"card", generateCard(r)}
}

// regions are 行政区划 codes of every province-level unit's capital.
var regions = []string{"110105", "120101", "130102", "140105", "150102", "210102", "220102", "230102", "310101",
	"320502", "330102", "340102", "350102", "360102", "370102", "410102", "420102", "430102", "440524", "450102",
	"460105", "500101", "510104", "520102", "530102", "540102", "610102", "620102", "630102", "640104", "650102",
	"710000", "810000", "820000"}

func randomBirth(r *rand.Rand, from, to int) time.Time {
	first := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	days := int(time.Date(to, 12, 31, 0, 0, 0, 0, time.UTC).Sub(first).Hours() / 24)
	return first.AddDate(0, 0, r.IntN(days+1))
}

func generateID18(r *rand.Rand) string {
	first17 := regions[r.IntN(len(regions))] + randomBirth(r, 1930, 2015).Format("20060102") +
		fmt.Sprintf("%03d", r.IntN(1000))
	c, err := IDCardCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c)
}

func generateID15(r *rand.Rand) string {
	return regions[r.IntN(len(regions)-3)] + randomBirth(r, 1930, 1999).Format("060102") + fmt.Sprintf("%03d", r.IntN(1000))
}

// generateCard returns a UnionPay, Visa or Mastercard-like number of 16 to
// 19 digits with a valid Luhn check digit.
func generateCard(r *rand.Rand) string {
	prefix := []string{"62", "4", "5", "60", "9"}[r.IntN(5)]
	n := 16 + r.IntN(4)
	b := []byte(prefix)
	for len(b) < n-1 {
		b = append(b, byte('0'+r.IntN(10)))
	}
	sum := 0
	for i := len(b) - 1; i >= 0; i -= 2 { // the digits doubled, counting from the check digit
		d := int(b[i]-'0') * 2
		sum += d/10 + d%10
		if i > 0 {
			sum += int(b[i-1] - '0')
		}
	}
	return string(append(b, byte('0'+(10-sum%10)%10)))
}

var (
	textSeparators = []string{" ", " ", "-", "-", ".", "\u3000", "\u00a0", "－", "．", "–", "—", "‐", "·", "\u200b", "\t", "\u2009"}
	textLabels     = []string{"", "", "身份证号：", "身份证号码", "公民身份号码：", "证件号码:", "电话", "手机", "手机号：", "联系电话：",
		"联系方式 ", "银行卡号：", "账号", "开户账号:", "Tel:", "（", "编号", "操作证号T"}
	mobilePrefixes = []string{"+86", "+86 ", "+86-", "86", "0086", "0086 ", "(+86)", "＋８６", "+86 (0)", "+ 86 "}
	textContext    = []string{"", "经查，当事人", "违法事实：", "。", "，", "；", "于2024年5月20日", "罚款人民币20000元",
		"苏应急罚〔2024〕53号", "暂扣特种作业操作证 ", "统一社会信用代码91330282L07196379D，", "（", "）", "\n", " ",
		"张三", "2024-05-20 ", "罚款5000元", "号", "A", "ｂ"}
	textGlue  = []string{"", "", "", "T", "X", "a", "Ｑ", "7", "12", "0", "5 ", "x"}
	groupings = map[string][][]int{
		"id18":   {nil, {6, 8, 4}, {6, 4, 4, 4}, {3, 3, 8, 4}, {6, 8, 3, 1}, {2, 4, 8, 4}},
		"id15":   {nil, {6, 6, 3}, {6, 3, 3, 3}, {3, 3, 6, 3}},
		"mobile": {nil, {3, 4, 4}, {3, 8}, {7, 4}, {3, 3, 5}, {1, 10}},
		"card":   {nil, {4, 4, 4, 4, 3}, {6, 13}, {4, 4, 4, 7}, {4, 4, 4, 4, 4}},
	}
)

// SpellIdentifier writes id the way people do: grouped, with separators,
// full-width digits and check letters, a country prefix, a label, glued to
// letters or digits, inside Chinese text. A card's inner groups hold 3
// digits or more, as Text requires.
func SpellIdentifier(r *rand.Rand, id Identifier) string {
	var b strings.Builder
	b.WriteString(textContext[r.IntN(len(textContext))])
	b.WriteString(textLabels[r.IntN(len(textLabels))])
	if id.Kind == "mobile" && r.IntN(3) == 0 {
		b.WriteString(mobilePrefixes[r.IntN(len(mobilePrefixes))])
	}
	b.WriteString(textGlue[r.IntN(len(textGlue))])
	groups := groupings[id.Kind][r.IntN(len(groupings[id.Kind]))]
	if r.IntN(4) == 0 { // random groups
		groups = nil
		shortest := 1
		if id.Kind == "card" {
			shortest = 3
		}
		for left := len(id.Digits); left > 0; {
			g := min(left, shortest+r.IntN(6))
			groups = append(groups, g)
			left -= g
		}
	}
	width := r.IntN(3) // 0 ASCII, 1 full-width, 2 mixed
	sep := textSeparators[r.IntN(len(textSeparators))]
	g, inGroup := 0, 0
	for _, c := range id.Digits {
		if groups != nil && g < len(groups) && inGroup == groups[g] {
			g, inGroup = g+1, 0
			if r.IntN(4) == 0 { // some spellings mix separators, up to 3 between groups
				sep = textSeparators[r.IntN(len(textSeparators))]
			}
			for range 1 + r.IntN(3)*r.IntN(2) {
				b.WriteString(sep)
			}
		}
		inGroup++
		full := width == 1 || (width == 2 && r.IntN(2) == 0)
		switch {
		case c == 'X':
			b.WriteString([]string{"X", "x", "Ｘ", "ｘ"}[r.IntN(4)])
		case full:
			b.WriteRune(c - '0' + '０')
		default:
			b.WriteRune(c)
		}
	}
	b.WriteString(textGlue[r.IntN(len(textGlue))])
	b.WriteString(textContext[r.IntN(len(textContext))])
	return b.String()
}

// normalizeForSearch folds full-width digits and letters and drops every
// character but digits and X, so that an identifier shows in it as its
// canonical digits however it was spelled.
func normalizeForSearch(s string) string {
	var b strings.Builder
	for _, c := range s {
		if c >= '０' && c <= 'ｚ' {
			c -= 0xFEE0
		}
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == 'X' || c == 'x':
			b.WriteByte('X')
		case c == '*':
			b.WriteByte('*') // a masked character breaks a number
		}
	}
	return b.String()
}

// generatedText returns a text with one to three identifiers spelled in
// it, and the identifiers.
func generatedText(r *rand.Rand) (string, []Identifier) {
	var b strings.Builder
	var ids []Identifier
	for range 1 + r.IntN(3) {
		id := GenerateIdentifier(r)
		ids = append(ids, id)
		b.WriteString(SpellIdentifier(r, id))
	}
	return b.String(), ids
}

// tokenIsCreditCode reports whether the spelling s glued the identifier
// into an 18-character letter-digit token that is a valid credit code:
// Text takes that for a credit code, as documented.
func tokenIsCreditCode(s string) bool {
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		if _, ok := codeChar(c); ok && isCreditCodeToken(s, i, i+size) {
			return true
		}
		i += size
	}
	return false
}

// checkNoIdentifierSurvives masks text and fails when the canonical digits
// of an identifier in it survive (separators removed, full-width folded).
func checkNoIdentifierSurvives(t *testing.T, text string, ids []Identifier) {
	t.Helper()
	if tokenIsCreditCode(text) {
		return
	}
	masked := DefaultMasking.Text(text)
	norm := normalizeForSearch(masked)
	for _, id := range ids {
		if strings.Contains(norm, id.Digits) {
			t.Fatalf("%s %s survives:\n  text   %q\n  masked %q", id.Kind, id.Digits, text, masked)
		}
	}
	checkOnlyDigitsMasked(t, text, masked)
}

// checkOnlyDigitsMasked fails unless masked is text with some digits and
// check letters replaced by '*', one for one.
func checkOnlyDigitsMasked(t *testing.T, text, masked string) {
	t.Helper()
	a, b := []rune(text), []rune(masked)
	if len(a) != len(b) {
		t.Fatalf("masking changed the length: %q → %q", text, masked)
	}
	for i := range a {
		if a[i] != b[i] {
			if cls, _ := classify(a[i]); b[i] != '*' || (cls != clsDigit && cls != clsX) {
				t.Fatalf("masking changed %q at %d: %q → %q", a[i], i, text, masked)
			}
		}
	}
}

// No generated identifier, in any spelling, survives masking.
func TestMaskTextNoIdentifierSurvives(t *testing.T) {
	r := rand.New(rand.NewPCG(2026, 11))
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	kinds := map[string]int{}
	for range n {
		text, ids := generatedText(r)
		for _, id := range ids {
			kinds[id.Kind]++
		}
		checkNoIdentifierSurvives(t, text, ids)
	}
	t.Logf("%v identifiers in %d texts", kinds, n)
}

// FuzzMaskTextIdentifiers explores more spellings from more seeds.
func FuzzMaskTextIdentifiers(f *testing.F) {
	for s := range uint64(8) {
		f.Add(s, s*7919)
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		text, ids := generatedText(rand.New(rand.NewPCG(a, b)))
		checkNoIdentifierSurvives(t, text, ids)
	})
}

// FuzzMaskText checks Text on any input: the fast path never skips what
// the full scan masks, and only digits and check letters are replaced.
func FuzzMaskText(f *testing.F) {
	for _, s := range []string{"暂扣特种作业操作证 T110105196606060834", "139-1234-5679", "+8613812345671",
		"110105 19921111 159X", "１３９\u3000１２３４\u3000５６７９", "9133021272513935X8 13812345678", "\xef\xbc", "1-2-3-4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := DefaultMasking.Text(s)
		if full := DefaultMasking.maskText(s); got != full {
			t.Fatalf("Text(%q) = %q, the full scan gives %q", s, got, full)
		}
		if utf8.ValidString(s) {
			checkOnlyDigitsMasked(t, s, got)
		}
	})
}

// The byte-level classification of the fast path is the rune-level one
// of the full scan, for every character.
func TestFastClassMatchesClassify(t *testing.T) {
	var buf [utf8.UTFMax]byte
	for c := rune(0); c <= utf8.MaxRune; c++ {
		if !utf8.ValidRune(c) {
			continue
		}
		n := utf8.EncodeRune(buf[:], c)
		s := string(buf[:n])
		want, _ := classify(c)
		got, size := fastClass(s, 0)
		if want == clsX {
			want = clsOther // the fast path needs not tell X from other characters
			if got == clsX {
				got = clsOther
			}
		}
		if got != want || (got != clsOther && size != n) {
			t.Fatalf("fastClass(%U) = %d (%d bytes), classify says %d (%d bytes)", c, got, size, want, n)
		}
	}
}

// Text's fast path (no number run of 11 digits: nothing to mask) never
// skips a text that the full scan would change, whatever mix of digits,
// separators, check letters and other text — including characters whose
// encodings share the digits' and separators' leading bytes.
func TestMaskTextFastPath(t *testing.T) {
	r := DefaultMasking
	parts := []string{"1", "3", "9", "０", "１", "９", "X", "ｘ", " ", "-", "\u3000", "．", "\u200b",
		"号", "a", "，", "！", "Ａ", "ｚ", "\u2015", "\u3001", "\xef\xbc", "\n"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200_000 {
		var b strings.Builder
		for range 30 {
			// Digits far more often than the rest, so long runs occur.
			p := rng.IntN(len(parts) * 2)
			if p >= len(parts) {
				p %= 6
			}
			b.WriteString(parts[p])
		}
		s := b.String()
		if got, want := r.Text(s), r.maskText(s); got != want {
			t.Fatalf("case %d: Text(%q) = %q, the full scan gives %q", i, s, got, want)
		}
	}
}

// Text allocates nothing when it masks nothing, on the fast path and off
// it.
func TestMaskTextAllocatesNothingWhenNothingIsMasked(t *testing.T) {
	for _, s := range []string{
		"经查，该公司未如实记录安全生产教育和培训情况，罚款人民币20000元。",
		"统一社会信用代码9133021272513935X8，苏应急罚〔2024〕53号", // a long number: off the fast path
		"2024.05.20-2025.05.19 有效期", "注册号320594000012345",
	} {
		if got := DefaultMasking.Text(s); got != s {
			t.Fatalf("Text(%q) = %q", s, got)
		}
		if n := testing.AllocsPerRun(100, func() { DefaultMasking.Text(s) }); n != 0 {
			t.Errorf("Text(%q) allocates %.0f times", s, n)
		}
	}
}

// The word test of the fast path finds exactly the words holding a byte
// that may start a number.
func TestWordMayStartNumber(t *testing.T) {
	check := func(b [8]byte) {
		t.Helper()
		want := false
		for _, c := range b {
			want = want || byteKinds[c] >= byteDigit
		}
		if got := wordMayStartNumber(load64(string(b[:]), 0)); got != want {
			t.Fatalf("wordMayStartNumber(% x) = %v, want %v", b, got, want)
		}
	}
	for c := range 256 {
		for pos := range 8 {
			for _, filler := range []byte{0x00, 0x2F, 0x3A, 0x80, 0xBF, 0xE4, 0xFF} {
				var b [8]byte
				for k := range b {
					b[k] = filler
				}
				b[pos] = byte(c)
				check(b)
			}
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 1_000_000 {
		var b [8]byte
		for k := range b {
			b[k] = byte(r.IntN(256))
		}
		check(b)
	}
}
