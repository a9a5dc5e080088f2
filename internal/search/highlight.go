package search

import (
	"html"
	"slices"
	"strings"
	"unicode/utf8"
)

// Highlights are HTML: the text is escaped, then matches are wrapped in
// <mark>…</mark>. Matches are first marked with two private-use
// characters, which cannot be confused with markup in the text. Meilisearch
// reports where its matches are (_matchesPosition); PostgreSQL results are
// matched here.
const (
	preTag   = "\uE000"
	postTag  = "\uE001"
	ellipsis = "…"
	// cropRunes is the length of a degraded-mode snippet around a match.
	cropRunes = 60
)

var markReplacer = strings.NewReplacer(preTag, "<mark>", postTag, "</mark>")

// neutralMarkers replaces marker characters found in a text by U+FFFD
// (of the same UTF-8 length, so match positions stay valid): a document
// can never inject its own marks.
var neutralMarkers = strings.NewReplacer(preTag, "\uFFFD", postTag, "\uFFFD")

// renderMarked turns text marked with preTag/postTag into safe HTML.
func renderMarked(s string) string {
	return markReplacer.Replace(html.EscapeString(s))
}

// span is a match: bytes [from, to) of a text.
type span struct{ from, to int }

// markTerms marks every occurrence of the terms in text (case-insensitive)
// and, when crop is set, cuts it to about cropRunes around the first match.
// It reports false when no term occurs.
func markTerms(text string, terms []string, crop bool) (string, bool) {
	lower := strings.ToLower(text)
	if len(lower) != len(text) { // case folding changed byte lengths; match as is
		lower = text
	}
	var spans []span
	for _, t := range terms {
		t = strings.ToLower(t)
		if t == "" {
			continue
		}
		for i := 0; ; {
			j := strings.Index(lower[i:], t)
			if j < 0 {
				break
			}
			spans = append(spans, span{i + j, i + j + len(t)})
			i += j + len(t)
		}
	}
	return markSpans(text, spans, crop)
}

// markSpans wraps the spans of text in preTag/postTag and, when crop is
// set, cuts the text to about cropRunes around the first span. Spans out
// of range or not on character boundaries are ignored. It reports false
// when no span is left.
func markSpans(text string, spans []span, crop bool) (string, bool) {
	if strings.IndexByte(text, preTag[0]) >= 0 { // both markers start with this byte; texts rarely hold it
		text = neutralMarkers.Replace(text)
	}
	valid := spans[:0:0]
	for _, s := range spans {
		if s.from >= 0 && s.from < s.to && s.to <= len(text) && utf8.RuneStart(text[s.from]) &&
			(s.to == len(text) || utf8.RuneStart(text[s.to])) {
			valid = append(valid, s)
		}
	}
	if len(valid) == 0 {
		return "", false
	}
	slices.SortFunc(valid, func(a, b span) int { return a.from - b.from })
	merged := valid[:1]
	for _, s := range valid[1:] {
		last := &merged[len(merged)-1]
		if s.from <= last.to {
			last.to = max(last.to, s.to)
			continue
		}
		merged = append(merged, s)
	}
	start, end := 0, len(text)
	if crop && utf8.RuneCountInString(text) > cropRunes {
		start = merged[0].from
		for n := 0; n < cropRunes/3 && start > 0; n++ {
			_, size := utf8.DecodeLastRuneInString(text[:start])
			start -= size
		}
		end = start
		for n := 0; n < cropRunes && end < len(text); n++ {
			_, size := utf8.DecodeRuneInString(text[end:])
			end += size
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString(ellipsis)
	}
	pos := start
	for _, s := range merged {
		if s.to <= start || s.from >= end {
			continue
		}
		from, to := max(s.from, start), min(s.to, end)
		b.WriteString(text[pos:from])
		b.WriteString(preTag + text[from:to] + postTag)
		pos = to
	}
	b.WriteString(text[pos:end])
	if end < len(text) {
		b.WriteString(ellipsis)
	}
	return b.String(), true
}
