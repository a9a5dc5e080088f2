package search

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-pinyin"

	"github.com/gongshi/gongshi/internal/domain"
)

// Exact matches compare keys, not the text as typed: a decision number is
// written 苏应急罚〔2024〕53号 in the decision, and typed with [ ], ( ),
// （ ）, 【 】 or 〔 〕 by a citizen; a name arrives with full-width letters
// or spaces. The key of both sides is the same.

// openBrackets and closeBrackets are the brackets a year or a prefix of a
// decision number is typed with; every one becomes 〔 or 〕 in a key.
const (
	openBrackets  = "[(【〔〖﹝⦗❲「『<《"
	closeBrackets = "])】〕〗﹞⦘❳」』>》"
)

// MatchKey returns the key under which a decision number, permit number
// or party name is matched exactly: full-width forms narrowed, white
// space removed, Latin letters upper-cased (domain.NormalizeCode), and
// every kind of bracket replaced by 〔 or 〕.
func MatchKey(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case strings.ContainsRune(openBrackets, r):
			return '〔'
		case strings.ContainsRune(closeBrackets, r):
			return '〕'
		}
		return r
	}, domain.NormalizeCode(s))
}

// pinyinArgs reads each character in its most common pronunciation,
// without tones.
var pinyinArgs = pinyin.NewArgs()

// syllables returns the pinyin of the Han characters of s, one syllable
// each, and its runs of Latin letters and digits in lower case; anything
// else (brackets, punctuation) separates nothing and is left out.
func syllables(s string) []string {
	var out []string
	var run strings.Builder
	flush := func() {
		if run.Len() > 0 {
			out = append(out, run.String())
			run.Reset()
		}
	}
	for _, r := range domain.NormalizeText(s) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			run.WriteRune(unicode.ToLower(r))
		case unicode.Is(unicode.Han, r):
			flush()
			if p := pinyin.SinglePinyin(r, pinyinArgs); len(p) > 0 && p[0] != "" {
				out = append(out, p[0])
			}
		default:
			flush()
		}
	}
	flush()
	return out
}

// maxSpan is the longest run of syllables indexed as a word of its own:
// two two-character words (kunshanyike).
const maxSpan = 4

// legalForms end company names; nobody types them in pinyin, and left
// in they would make a third of every name's pinyin words.
var legalForms = []string{"股份有限公司", "有限责任公司", "有限公司", "公司"}

// PartyPinyin returns the words under which a party name is found when
// typed in pinyin on a Latin keyboard: every run of one to maxSpan
// syllables joined (kunshan, yike, yikejingxi), every tail of the name
// joined (yikejingxihuagong, so a longer prefix typed as one word matches
// too), and the same of the initials from two letters on (ksyk, ykjxhg…),
// all without the legal form (有限公司 …). Searches match words and, for
// the last word typed, prefixes of words.
func PartyPinyin(name string) []string {
	name = domain.NormalizeText(name)
	for _, f := range legalForms {
		if trimmed, ok := strings.CutSuffix(name, f); ok && trimmed != "" {
			name = trimmed
			break
		}
	}
	syl := syllables(name)
	initials := make([]string, len(syl))
	for i, s := range syl {
		initials[i] = s[:1]
	}
	seen := map[string]bool{}
	var out []string
	add := func(w string) {
		if w != "" && !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	n := len(syl)
	for i := range n {
		for l := 1; l <= maxSpan && i+l <= n; l++ {
			add(strings.Join(syl[i:i+l], ""))
			if l >= 2 {
				add(strings.Join(initials[i:i+l], ""))
			}
		}
		if n-i > maxSpan {
			add(strings.Join(syl[i:], ""))
			add(strings.Join(initials[i:], ""))
		}
	}
	return out
}

// partyPinyin is PartyPinyin for the parties whose names are published as
// names of businesses: organisations and 个体工商户. A natural person's
// name is shown on the decision but is never indexed in pinyin, so a
// person cannot be looked up by a spelling that was never published.
func partyPinyin(kind domain.PartyKind, name string) []string {
	if kind == domain.PartyNaturalPerson {
		return nil
	}
	return PartyPinyin(name)
}
