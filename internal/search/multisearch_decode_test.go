package search

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite the golden responses in testdata/multisearch")

// The answers in testdata/multisearch are Meilisearch multi-search answers
// as it sends them (compact, UTF-8 unescaped), with escapes, nulls, nested
// values and fields hits leave out added; each .golden file is the
// response the search encodes from its answer.
var goldenCases = []struct{ name, query string }{
	{"penalty_escapes", "q=化工&type=penalty"},
	{"penalty_page20", "q=化工&type=penalty"},
	{"all_exact", "q=苏应急罚〔2025〕12号&type=all"},
	{"all_sorted", "type=all&q=安全&sort=-decision_date&page=2&per_page=3"},
	{"power_browse", "type=power"},
	{"service_arrays", "type=service&q=材料"},
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "multisearch", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// answerTransport answers every request with one Meilisearch answer, so a
// search runs its whole path without a server.
type answerTransport []byte

func (a answerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(a)), ContentLength: int64(len(a)), Request: req}, nil
}

// searchAnswer runs the search the query parameters raw ask for, as if
// Meilisearch answered answer, and returns the encoded response.
func searchAnswer(tb testing.TB, raw string, answer []byte) ([]byte, error) {
	tb.Helper()
	vs, err := url.ParseQuery(raw)
	if err != nil {
		tb.Fatal(err)
	}
	q, err := ParseQuery(vs)
	if err != nil {
		tb.Fatalf("%s: %v", raw, err)
	}
	s := &Service{today: func() time.Time { return time.Date(2026, 1, 15, 10, 0, 0, 0, cst) }}
	c := &searchClient{http: &http.Client{Transport: answerTransport(answer)}, url: "http://meili.invalid/multi-search"}
	res, err := s.searchMeili(context.Background(), c, q)
	if err != nil {
		return nil, err
	}
	return res.MarshalJSON()
}

// firstDiff describes where got and want part.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-60)
	return fmt.Sprintf("at byte %d:\ngot  …%s\nwant …%s", i, got[from:min(len(got), i+60)], want[from:min(len(want), i+60)])
}

// Responses are byte for byte what they were for the same answers.
func TestDecodeMultiSearchGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := searchAnswer(t, tc.query, readTestdata(t, tc.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "multisearch", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if want := readTestdata(t, tc.name+".golden"); !bytes.Equal(got, want) {
				t.Errorf("response differs from %s %s", golden, firstDiff(got, want))
			}
		})
	}
}

// White space in an answer changes nothing but white space in the response.
func TestDecodeMultiSearchLayout(t *testing.T) {
	for _, tc := range goldenCases {
		var indented bytes.Buffer
		if err := json.Indent(&indented, readTestdata(t, tc.name+".json"), " ", "\t"); err != nil {
			t.Fatal(err)
		}
		got, err := searchAnswer(t, tc.query, indented.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, got); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if want := readTestdata(t, tc.name+".golden"); !bytes.Equal(compact.Bytes(), want) {
			t.Errorf("%s, indented: %s", tc.name, firstDiff(compact.Bytes(), want))
		}
	}
}

// malformedAnswers are answers to the one query of "q=化工&type=penalty"
// that the search must reject.
var malformedAnswers = []string{
	``, ` `, `null`, `[]`, `"results"`, `{"results":[]}`, `{"results":{}}`, `{"results":[1]}`, `{"results":[{"hits":{}}]}`,
	`{"results":[{"hits":[1]}]}`, `{"results":[{"hits":[[]]}]}`, `{"results":[{"hits":[{"id":1,}]}]}`,
	`{"results":[{"hits":[{"id":1}]}]} x`, `{"results":[{"hits":[{"id":1}]}]}}`, `{"results":[{"hits":[{"id":01}]}]}`,
	`{"results":[{"hits":[{"id":NaN}]}]}`, `{"results":[{"hits":[{"id":1.}]}]}`, `{"results":[{"hits":[{"id":-}]}]}`,
	`{"results":[{"hits":[{"id":tru}]}]}`, `{"results":[{"hits":[{"id":"a\x"}]}]}`, `{"results":[{"hits":[{"id":"\u12"}]}]}`,
	`{"results":[{"hits":[{"id":"\u12g4"}]}]}`, "{\"results\":[{\"hits\":[{\"id\":\"a\tb\"}]}]}",
	"{\"results\":[{\"hits\":[{\"id\":\"\xff\"}]}]}", "{\"results\":[{\"hits\":[{\"\xfe\":1}]}]}", `{"results":[{"hits":[{"id":"abc}]}]}`,
	`{"results":[{"hits":[{id:1}]}]}`, `{"results":[{"hits":[{"id" 1}]}]}`, `{"results":[{"hits":[{"id":[1 2]}]}]}`,
	`{"results":[{"hits":[],"totalHits":-1}]}`, `{"results":[{"hits":[],"totalHits":1.5}]}`,
	`{"results":[{"hits":[],"totalHits":"3"}]}`, `{"results":[{"hits":[],"totalHits":1e3}]}`,
	`{"results":[{"hits":[],"totalHits":null}]}`, `{"results":[{"hits":[],"facetDistribution":null}]}`,
	`{"results":[{"hits":[],"facetDistribution":[]}]}`, `{"results":[{"hits":[],"facetDistribution":{"categories":[]}}]}`,
	`{"results":[{"hits":[],"facetDistribution":{"categories":{"罚款":-1}}}]}`,
	`{"results":[{"hits":[],"facetDistribution":{"categories":{"罚款":"1"}}}]}`,
	`{"results":[{"hits":[]},{"hits":[]}]}`,
	`{"results":[{"hits":[{"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}]}]}`,
	// Nested deeper than jsontext's limit of 10000 levels.
	`{"results":[{"hits":[{"x":` + strings.Repeat(`{"a":`, 10001) + `1` + strings.Repeat("}", 10001) + `}]}]}`,
}

// A malformed answer fails the search (which then falls back to
// PostgreSQL); it never panics.
func TestDecodeMultiSearchRejects(t *testing.T) {
	for _, answer := range malformedAnswers {
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%.80q: panic %v", answer, p)
				}
			}()
			if out, err := searchAnswer(t, "q=化工&type=penalty", []byte(answer)); err == nil {
				t.Errorf("%.80q: no error; response %.200s", answer, out)
			}
		}()
	}
}

var jsonSamples = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `12`, `-1.5e+3`, `1E9`, `0.25`, `""`, `"a\"b\\c\/\b\f\n\r\t"`,
	`"\u00e9\uD83D\uDE00"`, `"苏州化工"`, ` {"a" : [1, {"b": null}], "c": "d"} `, `[[[]]]`, `{"":""}`,
	`"1234567\"89abcdef"`, `"12345678\\"`, `"abcdefghijklmno\u0041"`,
	// invalid
	``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `01`, `-`, `1.`, `.5`, `1e`, `1e+`, `+1`,
	`tru`, `nul`, `"abc`, `"a\x"`, `"\u12"`, `"\u12g4"`, "\"a\tb\"", "\"12345678\x01\"", `"a"b`, `{"a":1}}`, `[1]]`,
	`NaN`, `"\`, `[`, `{"a":`, `{"a"`, `Infinity`, `-inf`, `nan`, `0x1`,
	// control characters before an escape sequence
	"\"\x10\\b\"", "\"a\tb\\n\"", "{\"a\x01\\n\":1}", "[\"\n\\\"\"]",
}

// hitWith is an answer whose one hit has the field x with the raw value v.
func hitWith(v string) []byte {
	return []byte(`{"results":[{"hits":[{"x":` + v + `}],"totalHits":1}]}`)
}

// A hit's value is accepted exactly when it is valid JSON.
func TestParseMultiSearchAgreesWithValid(t *testing.T) {
	for _, s := range jsonSamples {
		results, err := parseMultiSearch(hitWith(s))
		if (err == nil) != json.Valid([]byte(s)) {
			t.Errorf("%q: error %v, json.Valid %v", s, err, json.Valid([]byte(s)))
			continue
		}
		if err == nil && !json.Valid(results[0].hits[0].fields["x"]) {
			t.Errorf("%q: value %s", s, results[0].hits[0].fields["x"])
		}
	}
}

// An escaped lone surrogate, which encoding/json takes as U+FFFD, fails
// the answer: it stands for no character, and Meilisearch, whose strings
// are UTF-8, never sends one.
func TestParseMultiSearchRejectsLoneSurrogates(t *testing.T) {
	for _, s := range []string{`"\ud800"`, `"\udc00"`, `"a\ud83dx"`, `"\ude00\ud83d"`} {
		if _, err := parseMultiSearch(hitWith(s)); err == nil {
			t.Errorf("%s: accepted", s)
		}
	}
}

// An answer that is not valid JSON is rejected; the values of one that is
// accepted are valid JSON.
func FuzzParseMultiSearch(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add(hitWith(s))
	}
	for _, s := range malformedAnswers {
		if len(s) < 1000 { // the deeply nested ones are too large to mutate usefully
			f.Add([]byte(s))
		}
	}
	f.Add(readTestdata(f, "penalty_escapes.json"))
	f.Fuzz(func(t *testing.T, answer []byte) {
		valid := json.Valid(answer) && utf8.Valid(answer)
		results, err := parseMultiSearch(bytes.Clone(answer))
		if err != nil {
			return
		}
		if !valid {
			t.Fatalf("%q: accepted", answer)
		}
		for _, r := range results {
			raws := []json.RawMessage{r.facets}
			for _, h := range r.hits {
				raws = append(raws, h.matches, h.score)
				raws = slices.AppendSeq(raws, maps.Values(h.fields))
			}
			for _, raw := range raws {
				if len(raw) > 0 && !json.Valid(raw) {
					t.Errorf("%q: value %s", answer, raw)
				}
			}
		}
	})
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

// Names and facet values are compared and reported unescaped.
func TestParseMultiSearchUnquotes(t *testing.T) {
	answer := `{"results":[{"hits":[{"party\u005fname":"a","x\"y":1,"\u005fprivate":2,"\u0076ersion":3,` +
		`"_matchesPosition":{"party\u005fname":[{"start":0,"length":1}]}}],"totalHits":1,` +
		`"facetDistribution":{"categories":{"\u7f5a\u6b3e":1,"罚款":2,"a\\b":3}}}]}`
	results, err := parseMultiSearch([]byte(answer))
	if err != nil {
		t.Fatal(err)
	}
	h := results[0].hits[0]
	if got := slices.Sorted(maps.Keys(h.fields)); !slices.Equal(got, []string{"party_name", `x"y`}) {
		t.Errorf("fields %v", got)
	}
	if ps, err := matchPositions(h.matches); err != nil || len(ps["party_name"]) != 1 {
		t.Errorf("match positions %v (%v)", ps, err)
	}
	facets := map[string]map[string]int64{}
	if err := mergeFacets(facets, results[0].facets, facetsFor(TypePenalty)); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(facets["category"], map[string]int64{"罚款": 3, `a\b`: 3}) {
		t.Errorf("facets %v", facets)
	}
}

// decodeAnswer reads everything a search reads of a one-query answer
// for type t.
func decodeAnswer(answer []byte, t Type) error {
	results, err := parseMultiSearch(answer)
	if err != nil {
		return err
	}
	facets := map[string]map[string]int64{}
	for _, r := range results {
		if err := mergeFacets(facets, r.facets, facetsFor(t)); err != nil {
			return err
		}
		for _, h := range r.hits {
			if _, err := matchPositions(h.matches); err != nil {
				return err
			}
		}
	}
	return nil
}

// BenchmarkDecodeMultiSearch reads a page of 20 penalties: "parse" the
// JSON alone (hits, facets, match positions), "search" the whole search
// after the request, to the encoded response.
func BenchmarkDecodeMultiSearch(b *testing.B) {
	answer := readTestdata(b, "penalty_page20.json")
	b.Run("parse", func(b *testing.B) {
		buf := make([]byte, len(answer))
		b.SetBytes(int64(len(answer)))
		b.ReportAllocs()
		for b.Loop() {
			copy(buf, answer) // parseMultiSearch may reuse its input's memory
			if err := decodeAnswer(buf, TypePenalty); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("search", func(b *testing.B) {
		b.SetBytes(int64(len(answer)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := searchAnswer(b, "q=化工&type=penalty", answer); err != nil {
				b.Fatal(err)
			}
		}
	})
}
