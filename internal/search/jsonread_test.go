package search

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

var jsonSamples = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `12`, `-1.5e+3`, `1E9`, `0.25`, `""`, `"a\"b\\c\/\b\f\n\r\t"`,
	`"\u00e9\uD83D\uDE00"`, `"苏州化工"`, ` {"a" : [1, {"b": null}], "c": "d"} `, `[[[]]]`, `{"":""}`,
	`"1234567\"89abcdef"`, `"12345678\\"`, `"abcdefghijklmno\u0041"`,
	// invalid
	``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`,
	`tru`, `nul`, `"abc`, `"a\x"`, `"\u12"`, `"\u12g4"`, "\"a\tb\"", "\"12345678\x01\"", `"a"b`, `{"a":1}}`, `[1]]`,
	`NaN`, `"\`, `[`, `{"a":`, `{"a"`,
}

// The reader accepts exactly what encoding/json accepts.
func TestJSONReaderAgreesWithValid(t *testing.T) {
	for _, s := range jsonSamples {
		r := jsonReader{b: []byte(s)}
		r.skip()
		if err := r.end(); (err == nil) != json.Valid([]byte(s)) {
			t.Errorf("%q: reader error %v, json.Valid %v", s, err, json.Valid([]byte(s)))
		}
	}
	deep := strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1)
	r := jsonReader{b: []byte(deep)}
	if r.skip(); r.end() == nil {
		t.Error("no error for nesting deeper than maxDepth")
	}
}

func FuzzJSONReader(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := jsonReader{b: []byte(s)}
		r.skip()
		err := r.end()
		if strings.Count(s, "[")+strings.Count(s, "{") > maxDepth {
			return
		}
		if (err == nil) != json.Valid([]byte(s)) {
			t.Errorf("%q: reader error %v, json.Valid %v", s, err, json.Valid([]byte(s)))
		}
	})
}

// appendString writes what encoding/json writes, HTML-safe.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s`, "<mark>a & b</mark>", "\x00\x01\b\f\n\r\t\x1f\x7f",
		"苏州\u2028\u2029化工", "bad \xff utf-8 \xe2\x80", "emoji 😀", "é"} {
		got := appendString(nil, s)
		var back, want string
		marshaled, _ := json.Marshal(s)
		json.Unmarshal(marshaled, &want)
		if err := json.Unmarshal(got, &back); err != nil || back != want {
			t.Errorf("appendString(%q) = %s, reads back as %q (%v), want %q", s, got, back, err, want)
		}
		if strings.ContainsAny(string(got), "<>&\u2028\u2029") {
			t.Errorf("appendString(%q) = %s: not HTML-safe", s, got)
		}
	}
	raw := json.RawMessage(`["a<b>&c","\u2028 ` + "\u2028\u2029" + `"]`)
	var back []string
	if err := json.Unmarshal(appendEscaped(nil, raw), &back); err != nil || back[0] != "a<b>&c" || back[1] != "\u2028 \u2028\u2029" {
		t.Errorf("appendEscaped: %s (%v)", appendEscaped(nil, raw), err)
	}
	if strings.ContainsAny(string(appendEscaped(nil, raw)), "<>&\u2028\u2029") {
		t.Errorf("appendEscaped left characters unescaped: %s", appendEscaped(nil, raw))
	}
}

func TestParseMultiSearch(t *testing.T) {
	answer := `{"results":[
	 {"indexUid":"penalties","hits":[
	   {"id":7,"party_name":"苏州化工","categories":["罚款"],"fine_yuan":1000.5,"version":3,"publicity_until_day":20271231,
	    "x_extra":{"a":[1,2]},"_formatted":{"party_name":"x"},"_rankingScore":0.75,
	    "_matchesPosition":{"party_name":[{"start":6,"length":6}],"categories":[{"start":0,"length":3,"indices":[0]}]}}],
	  "query":"化工","processingTimeMs":1,"hitsPerPage":20,"page":1,"totalPages":1,"totalHits":1,
	  "facetDistribution":{"categories":{"罚款":1,"警\"告":2},"unused":{"x":1}},"facetStats":{}},
	 {"indexUid":"permits","hits":[],"query":"","processingTimeMs":0,"limit":10,"offset":0,"estimatedTotalHits":0}]}`
	results, err := parseMultiSearch([]byte(answer))
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 2 || len(results[0].hits) != 1 || results[0].totalHits != 1 || len(results[1].hits) != 0 {
		t.Fatalf("results %+v", results)
	}
	h := results[0].hits[0]
	if got := slices.Sorted(maps.Keys(h.fields)); !slices.Equal(got, []string{"categories", "id", "party_name", "x_extra"}) {
		t.Errorf("fields %v: internal fields and those starting with _ are left out", got)
	}
	if string(h.fields["x_extra"]) != `{"a":[1,2]}` || number(h.score) != 0.75 || string(h.raw("_rankingScore")) != "0.75" {
		t.Errorf("raw values: %s, score %s", h.fields["x_extra"], h.score)
	}
	ps, err := matchPositions(h.matches)
	if err != nil || len(ps["party_name"]) != 1 || ps["party_name"][0].Start != 6 || ps["party_name"][0].Length != 6 ||
		!slices.Equal(ps["categories"][0].Indices, []int{0}) {
		t.Errorf("match positions %+v (%v)", ps, err)
	}
	hit := buildHit(TypePenalty, h)
	if hit.ID != "7" || hit.Title != "苏州化工" || hit.Highlights["party_name"] != "苏州<mark>化工</mark>" ||
		len(hit.Highlights) != 1 { // categories are not highlighted
		t.Errorf("hit %+v", hit)
	}
	facets := map[string]map[string]int64{}
	if err := mergeFacets(facets, results[0].facets, facetsFor(TypePenalty)); err != nil {
		t.Fatal(err)
	}
	if len(facets) != 1 || facets["category"]["罚款"] != 1 || facets["category"]["警\"告"] != 2 {
		t.Errorf("facets %v", facets)
	}
	for _, bad := range []string{`{"results":[{"hits":[{"id":1,}]}]}`, `{"results":[{"totalHits":-1}]}`,
		`{"results":[]} x`, "{\"results\":[{\"hits\":[{\"id\":\"\xff\"}]}]}"} {
		if _, err := parseMultiSearch([]byte(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
