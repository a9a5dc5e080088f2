package domain

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gongshi/gongshi/internal/domain/identtest"
)

// checkNoIdentifierSurvives masks text and fails when the canonical digits
// of an identifier in it survive (separators removed, full-width folded).
func checkNoIdentifierSurvives(t *testing.T, text string, ids []identtest.Identifier) {
	t.Helper()
	masked := DefaultMasking.Text(text)
	for _, id := range identtest.Survivors(masked, ids) {
		t.Fatalf("%s %s survives:\n  text   %q\n  masked %q", id.Kind, id.Digits, text, masked)
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
		text, ids := identtest.Text(r, 3)
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
		text, ids := identtest.Text(rand.New(rand.NewPCG(a, b)), 3)
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
