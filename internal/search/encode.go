package search

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/gongshi/gongshi/internal/export"
)

// Results are encoded here by appending to one buffer, not by
// encoding/json: hits carry their fields as raw values from Meilisearch,
// and encoding/json would sort and re-validate them, and reflect over
// every hit. The output is what encoding/json writes for the same values:
// strings are HTML-safe (<, > and & as \u003c, \u003e, \u0026), invalid
// UTF-8 becomes U+FFFD, and map keys are sorted.

// MarshalJSON encodes a hit with its fields in the order of the type's
// document.
func (h Hit) MarshalJSON() ([]byte, error) { return h.appendJSON(nil), nil }

func (h Hit) appendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, string(h.Type))
	b = append(b, `,"id":`...)
	b = appendString(b, h.ID)
	b = append(b, `,"title":`...)
	b = appendString(b, h.Title)
	b = append(b, `,"subtitle":`...)
	b = appendString(b, h.Subtitle)
	b = append(b, `,"url":`...)
	b = appendString(b, h.URL)
	if h.Exact {
		b = append(b, `,"exact":true`...)
	}
	b = append(b, `,"match":`...)
	b = appendString(b, h.Match)
	b = append(b, `,"fields":`...)
	b = appendFields(b, h.Type, h.Fields)
	if len(h.Highlights) > 0 {
		b = append(b, `,"highlights":`...)
		b = appendMap(b, h.Highlights, appendString)
	}
	return append(b, '}')
}

// MarshalJSON encodes the result in one pass over its hits.
func (r *Result) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 4096+(len(r.Hits)+len(r.Exact))*2048)
	b = append(b, `{"query":`...)
	b = appendString(b, r.Query)
	b = append(b, `,"type":`...)
	b = appendString(b, r.Type)
	b = append(b, `,"query_kind":`...)
	b = appendString(b, r.QueryKind)
	b = append(b, `,"exact":`...)
	b = appendHits(b, r.Exact)
	b = append(b, `,"exact_total":`...)
	b = strconv.AppendInt(b, r.ExactTotal, 10)
	b = append(b, `,"subjects":[`...)
	for i, s := range r.Subjects {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"credit_code":`...)
		b = appendString(b, s.CreditCode)
		b = append(b, `,"name":`...)
		b = appendString(b, s.Name)
		b = append(b, `,"url":`...)
		b = appendString(b, s.URL)
		b = append(b, '}')
	}
	b = append(b, `],"hits":`...)
	b = appendHits(b, r.Hits)
	b = append(b, `,"facets":`...)
	b = appendMap(b, r.Facets, func(b []byte, counts map[string]int64) []byte {
		return appendMap(b, counts, func(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) })
	})
	b = append(b, `,"total":`...)
	b = strconv.AppendInt(b, r.Total, 10)
	b = append(b, `,"total_exact":`...)
	b = strconv.AppendBool(b, r.TotalExact)
	b = append(b, `,"page":`...)
	b = strconv.AppendInt(b, int64(r.Page), 10)
	b = append(b, `,"per_page":`...)
	b = strconv.AppendInt(b, int64(r.PerPage), 10)
	b = append(b, `,"processing_ms":`...)
	b = strconv.AppendInt(b, r.ProcessingMS, 10)
	b = append(b, `,"degraded":`...)
	b = strconv.AppendBool(b, r.Degraded)
	return append(b, '}'), nil
}

// appendHits appends hits as a JSON array.
func appendHits(b []byte, hits []Hit) []byte {
	b = append(b, '[')
	for i, h := range hits {
		if i > 0 {
			b = append(b, ',')
		}
		b = h.appendJSON(b)
	}
	return append(b, ']')
}

// appendMap appends m as a JSON object, keys sorted, each value appended
// by value.
func appendMap[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = value(b, m[k])
	}
	return append(b, '}')
}

// appendFields appends fields as one JSON object: the public fields of
// type t in the order of its document, then any others in key order. The
// values are raw JSON from Meilisearch or from encoding/json; <, > and &
// (which can only occur inside their strings) are escaped as encoding/json
// escapes them.
func appendFields(b []byte, t Type, fields map[string]json.RawMessage) []byte {
	b = append(b, '{')
	first := true
	add := func(name string, v json.RawMessage) {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendString(b, name)
		b = append(b, ':')
		if len(v) == 0 {
			v = json.RawMessage("null")
		}
		b = appendEscaped(b, v)
	}
	known, added := publicFields[t], 0
	for _, name := range known {
		if v, ok := fields[name]; ok {
			add(name, v)
			added++
		}
	}
	if added < len(fields) {
		var others []string
		for name := range fields {
			if !slices.Contains(known, name) {
				others = append(others, name)
			}
		}
		slices.Sort(others)
		for _, name := range others {
			add(name, fields[name])
		}
	}
	return append(b, '}')
}

// appendEscaped appends raw JSON with <, >, &, U+2028 and U+2029 escaped.
func appendEscaped(b []byte, v []byte) []byte {
	start := 0
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '<', '>', '&':
			b = append(b, v[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case 0xE2: // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
			if i+2 < len(v) && v[i+1] == 0x80 && (v[i+2] == 0xA8 || v[i+2] == 0xA9) {
				b = append(b, v[start:i]...)
				b = append(b, '\\', 'u', '2', '0', '2', hexDigits[v[i+2]-0xA0])
				i += 2
				start = i + 1
			}
		}
	}
	return append(b, v[start:]...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, with <, > and & escaped too, as
// encoding/json escapes them.
func appendString(b []byte, s string) []byte {
	if strings.ContainsAny(s, "<>&") { // rare but for highlights, which hold <mark>
		return appendEscaped(b, export.AppendString(nil, s))
	}
	return export.AppendString(b, s)
}
