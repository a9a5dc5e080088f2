// Package i18n is the portal's message catalog: every user-visible string
// of the pages, complete in Simplified Chinese (zh-CN, the default) and in
// English for navigation, labels and record fields (for foreign media). A
// message missing in English falls back to Chinese.
//
// The language of a request is chosen by ?lang= (zh-CN or en), else by the
// Accept-Language header, else zh-CN.
package i18n

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gongshi/gongshi/internal/domain"
)

// Lang is a language the catalog has.
type Lang string

// The languages of the catalog.
const (
	Chinese Lang = "zh-CN"
	English Lang = "en"
)

// Langs lists every language, the default first.
var Langs = []Lang{Chinese, English}

// message is one entry of the catalog.
type message struct{ zh, en string }

// catalog maps a message key to its texts; see messages.go. Field labels
// ("field.<standard code>") are added from the data dictionary.
var catalog = func() map[string]message {
	m := make(map[string]message, len(messages)+64)
	for _, e := range messages {
		if _, dup := m[e.key]; dup {
			panic("i18n: duplicate key " + e.key)
		}
		m[e.key] = message{e.zh, e.en}
	}
	for _, fs := range [][]domain.Field{domain.PenaltyFields, domain.PermitFields} {
		for _, f := range fs {
			k := "field." + f.Code
			if _, done := m[k]; done {
				continue
			}
			en := fieldEnglish[f.Code]
			if en == "" {
				en = fieldEnglish[f.Name]
			}
			m[k] = message{f.Label, en}
		}
	}
	return m
}()

// Printer renders the messages of one language.
type Printer struct{ lang Lang }

// For returns the printer of lang; an unknown language gets Chinese.
func For(lang Lang) Printer {
	if lang != English {
		lang = Chinese
	}
	return Printer{lang}
}

// Lang is the printer's language.
func (p Printer) Lang() Lang { return p.lang }

// T returns the message called key in the printer's language (Chinese when
// it has no English text), formatted with args by fmt.Sprintf when any are
// given. An unknown key returns the key itself, so a typo shows on the
// page and in tests rather than vanishing.
func (p Printer) T(key string, args ...any) string {
	m, ok := catalog[key]
	if !ok {
		return key
	}
	s := m.zh
	if p.lang == English && m.en != "" {
		s = m.en
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// Has reports whether the catalog has key.
func Has(key string) bool { _, ok := catalog[key]; return ok }

// Field returns the label of the record field with the standard code
// (CF_WSH, XK_XKLB …).
func (p Printer) Field(code string) string { return p.T("field." + code) }

// Enum returns the label of an enumerated value (处罚类别, 行政相对人类别 …):
// the Chinese value itself, or its English translation.
func (p Printer) Enum(v string) string {
	if p.lang == English {
		if en, ok := enumEnglish[v]; ok {
			return en
		}
	}
	return v
}

// Keys returns every message key, sorted.
func Keys() []string {
	out := make([]string, 0, len(catalog))
	for k := range catalog {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Text returns the text of key in lang without fallback: "" when the
// catalog has no text of key in lang.
func Text(lang Lang, key string) string {
	m := catalog[key]
	if lang == English {
		return m.en
	}
	return m.zh
}

// Parse reads a ?lang= value; ok is false for anything but a language of
// the catalog (zh, zh-CN, zh-Hans, en, en-US … are accepted).
func Parse(v string) (Lang, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case v == "":
		return "", false
	case v == "en" || strings.HasPrefix(v, "en-"):
		return English, true
	case v == "zh" || strings.HasPrefix(v, "zh-"):
		return Chinese, true
	}
	return "", false
}

// FromAcceptLanguage picks the language an Accept-Language header prefers
// (RFC 9110 §12.5.4): the catalog language with the highest q; Chinese on
// a tie, when none matches, or for an empty header.
func FromAcceptLanguage(h string) Lang {
	best, bestQ := Chinese, -1.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		l, ok := Parse(tag)
		if !ok || q <= 0 {
			continue
		}
		if q > bestQ || (q == bestQ && l == Chinese) {
			best, bestQ = l, q
		}
	}
	return best
}

// Negotiate chooses the language of a request from its ?lang= value and its
// Accept-Language header; explicit reports that ?lang= decided.
func Negotiate(param, acceptLanguage string) (lang Lang, explicit bool) {
	if l, ok := Parse(param); ok {
		return l, true
	}
	return FromAcceptLanguage(acceptLanguage), false
}
