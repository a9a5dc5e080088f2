package search

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	meili "github.com/meilisearch/meilisearch-go"
)

// exactLimit is how many exact matches of an identifier are put first.
const exactLimit = 10

// slot says what one query of a multi-search is for.
type slot struct {
	t     Type
	exact bool
}

func and(conds []string) any {
	if len(conds) == 0 {
		return nil
	}
	return strings.Join(conds, " AND ")
}

// mainRequest is the ranked query for type t; with several types each
// returns the first page*per_page hits, merged afterwards.
func mainRequest(t Type, q Query, conds []string) *meili.SearchRequest {
	page, perPage := int64(q.Page), int64(q.PerPage)
	multi := len(q.Types) > 1
	if multi {
		page, perPage = 1, int64(q.Page*q.PerPage)
	}
	r := &meili.SearchRequest{
		IndexUID:             IndexOf(t),
		Query:                q.Text,
		Filter:               and(conds),
		Page:                 page,
		HitsPerPage:          &perPage,
		Facets:               facetAttributes(t),
		AttributesToRetrieve: retrieve(t),
		ShowMatchesPosition:  q.Text != "",
		Locales:              []string{"cmn"},
		ShowRankingScore:     multi,
	}
	switch {
	case q.Sort != "":
		r.Sort = []string{meiliSort(q.Sort)}
		r.MatchingStrategy = meili.All
	case q.Text == "" && (t == TypePenalty || t == TypePermit):
		r.Sort = []string{"decision_date:desc"} // browsing: newest first
	}
	return r
}

// searchMeili answers q with one multi-search request: per type, the
// ranked query and, when the query is an identifier, a query for the
// exact matches, which come first.
func (s *Service) searchMeili(ctx context.Context, c meili.ServiceManager, q Query) (*Result, error) {
	kind, value := exactOf(q.Text)
	today := s.today()
	var reqs []*meili.SearchRequest
	var slots []slot
	for _, t := range q.Types {
		conds := filterFor(t, q.Filters, today)
		if ef := exactFilter(t, kind, value); ef != "" {
			reqs = append(reqs, &meili.SearchRequest{IndexUID: IndexOf(t), Filter: and(append(slices.Clone(conds), ef)),
				Limit: exactLimit, AttributesToRetrieve: retrieve(t), Locales: []string{"cmn"}})
			slots = append(slots, slot{t, true})
		}
		reqs = append(reqs, mainRequest(t, q, conds))
		slots = append(slots, slot{t, false})
	}
	resp, err := c.MultiSearch(ctx, &meili.MultiSearchRequest{Queries: reqs})
	if err != nil {
		return nil, fmt.Errorf("multi-search: %w", err)
	}
	if len(resp.Results) != len(reqs) {
		return nil, fmt.Errorf("multi-search: %d results for %d queries", len(resp.Results), len(reqs))
	}

	res := newResult(q)
	var exact []Hit
	var ranked []scoredHit
	for i, r := range resp.Results {
		sl := slots[i]
		if sl.exact {
			for _, h := range r.Hits {
				hit := buildHit(sl.t, h)
				hit.Exact = true
				exact = append(exact, hit)
			}
			continue
		}
		res.Total += r.TotalHits
		if r.TotalHits >= MaxTotalHits {
			res.TotalExact = false
		}
		res.Facets["type"][string(sl.t)] = r.TotalHits
		if err := mergeFacets(res.Facets, r.FacetDistribution, facetsFor(sl.t)); err != nil {
			return nil, err
		}
		for j, h := range r.Hits {
			ranked = append(ranked, scoredHit{t: sl.t, raw: h, typeRank: slices.Index(q.Types, sl.t), rank: j})
		}
	}
	if len(q.Types) > 1 {
		sortMerged(ranked, q.Sort)
		from := min((q.Page-1)*q.PerPage, len(ranked))
		ranked = ranked[from:min(from+q.PerPage, len(ranked))]
	}
	hits := make([]Hit, len(ranked))
	for i, h := range ranked {
		hits[i] = buildHit(h.t, h.raw)
	}
	res.Hits = exactFirst(exact, hits, q.Page, q.PerPage)
	return res, nil
}

func newResult(q Query) *Result {
	return &Result{Query: q.Text, Type: q.Type, Hits: []Hit{}, Facets: map[string]map[string]int64{"type": {}},
		TotalExact: true, Page: q.Page, PerPage: q.PerPage}
}

// exactFirst puts the exact matches at the top of the first page; on every
// page, ranked hits that are exact matches are dropped, so none repeats.
func exactFirst(exact, ranked []Hit, page, perPage int) []Hit {
	if len(exact) == 0 {
		return ranked
	}
	seen := map[string]bool{}
	var out []Hit
	for _, h := range exact {
		k := string(h.Type) + "/" + h.ID
		if !seen[k] {
			seen[k] = true
			if page == 1 {
				out = append(out, h)
			}
		}
	}
	for _, h := range ranked {
		if !seen[string(h.Type)+"/"+h.ID] {
			out = append(out, h)
		}
	}
	if len(out) > perPage {
		out = out[:perPage]
	}
	if out == nil {
		out = []Hit{}
	}
	return out
}

// scoredHit is a hit of one type's ranked query, to merge with others.
type scoredHit struct {
	t              Type
	raw            meili.Hit
	typeRank, rank int
}

func (h scoredHit) number(field string) float64 {
	var f float64
	_ = json.Unmarshal(h.raw[field], &f)
	return f
}

// sortMerged orders the hits of several types: by the sort field when
// one is given, else by ranking score; ties keep rank, then type order.
func sortMerged(hs []scoredHit, sort string) {
	var field, dir string
	if sort != "" {
		field, dir, _ = strings.Cut(meiliSort(sort), ":")
	}
	slices.SortStableFunc(hs, func(a, b scoredHit) int {
		var c int
		switch field {
		case "":
			c = cmpFloat(b.number("_rankingScore"), a.number("_rankingScore"))
		case "fine_yuan":
			c = cmpFloat(a.number(field), b.number(field))
		default:
			c = strings.Compare(rawString(a.raw[field]), rawString(b.raw[field]))
		}
		if dir == "desc" {
			c = -c
		}
		if c != 0 {
			return c
		}
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return a.typeRank - b.typeRank
	})
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// mergeFacets adds a facetDistribution ({"attr":{"value":n}}) to facets,
// under the names of the filter parameters (params maps attributes to them).
func mergeFacets(facets map[string]map[string]int64, raw json.RawMessage, params map[string]string) error {
	if len(raw) == 0 {
		return nil
	}
	var dist map[string]map[string]int64
	if err := json.Unmarshal(raw, &dist); err != nil {
		return fmt.Errorf("facet distribution: %w", err)
	}
	for attr, values := range dist {
		name := params[attr]
		if name == "" {
			continue
		}
		if facets[name] == nil {
			facets[name] = map[string]int64{}
		}
		for v, n := range values {
			facets[name][v] += n
		}
	}
	return nil
}

// rawString returns a JSON string's value, or a number's text.
func rawString(raw json.RawMessage) string {
	if len(raw) >= 2 && raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		return string(raw[1 : len(raw)-1]) // no escapes: the bytes are the value
	}
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	if len(raw) > 0 && (raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
		return string(raw)
	}
	return ""
}

// matchPosition is one entry of a hit's _matchesPosition: bytes
// [start, start+length) of the attribute, or of its array elements indices.
type matchPosition struct {
	Start   int   `json:"start"`
	Length  int   `json:"length"`
	Indices []int `json:"indices"`
}

// buildHit turns a Meilisearch hit into a Hit: public fields, title, URL,
// and highlights of the highlighted attributes where Meilisearch matched.
func buildHit(t Type, h meili.Hit) Hit {
	fields := make(map[string]json.RawMessage, len(h))
	for k, v := range h {
		if k[0] == '_' || internalFields[k] {
			continue
		}
		fields[k] = v
	}
	hit := newHit(t, fields)
	raw, ok := h["_matchesPosition"]
	if !ok {
		return hit
	}
	var positions map[string][]matchPosition
	if json.Unmarshal(raw, &positions) != nil {
		return hit
	}
	a := indexAttrs[IndexOf(t)]
	for _, attr := range a.highlight {
		ps := positions[attr]
		if len(ps) == 0 {
			continue
		}
		crop := slices.Contains(a.crop, attr)
		var marked string
		if v := fields[attr]; len(v) > 0 && v[0] == '"' {
			spans := make([]span, len(ps))
			for i, p := range ps {
				spans[i] = span{p.Start, p.Start + p.Length}
			}
			marked, _ = markSpans(rawString(v), spans, crop)
		} else {
			marked = markElements(v, ps)
		}
		if marked != "" {
			if hit.Highlights == nil {
				hit.Highlights = map[string]string{}
			}
			hit.Highlights[attr] = renderMarked(marked)
		}
	}
	return hit
}

// markElements marks the matched elements of an array attribute and
// joins them.
func markElements(raw json.RawMessage, ps []matchPosition) string {
	var list []string
	if json.Unmarshal(raw, &list) != nil {
		return ""
	}
	byElement := map[int][]span{}
	var order []int
	for _, p := range ps {
		for _, i := range p.Indices {
			if _, seen := byElement[i]; !seen {
				order = append(order, i)
			}
			byElement[i] = append(byElement[i], span{p.Start, p.Start + p.Length})
		}
	}
	slices.Sort(order)
	var out []string
	for _, i := range order {
		if i >= 0 && i < len(list) {
			if m, ok := markSpans(list[i], byElement[i], true); ok {
				out = append(out, m)
			}
		}
	}
	return strings.Join(out, "；")
}

func newHit(t Type, fields map[string]json.RawMessage) Hit {
	id, title, subtitle, link := describe(t, func(k string) string { return rawString(fields[k]) })
	return Hit{Type: t, ID: id, Title: title, Subtitle: subtitle, URL: link, Fields: fields}
}

// MarshalJSON encodes a hit with its fields in the order of the type's
// document.
func (h Hit) MarshalJSON() ([]byte, error) { return h.appendJSON(nil) }

// appendJSON appends the hit's JSON encoding to b in one pass: a map of
// raw values would cost a sort of its keys and a pass per value.
func (h Hit) appendJSON(b []byte) ([]byte, error) {
	type head struct {
		Type     Type   `json:"type"`
		ID       string `json:"id"`
		Title    string `json:"title"`
		Subtitle string `json:"subtitle"`
		URL      string `json:"url"`
		Exact    bool   `json:"exact,omitempty"`
	}
	hb, err := json.Marshal(head{h.Type, h.ID, h.Title, h.Subtitle, h.URL, h.Exact})
	if err != nil {
		return nil, err
	}
	b = append(b, hb[:len(hb)-1]...)
	b = append(b, `,"fields":`...)
	b = appendFields(b, h.Type, h.Fields)
	if len(h.Highlights) > 0 {
		hl, err := json.Marshal(h.Highlights)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"highlights":`...)
		b = append(b, hl...)
	}
	return append(b, '}'), nil
}

// MarshalJSON encodes the result in one pass over its hits.
func (r *Result) MarshalJSON() ([]byte, error) {
	type tail struct {
		Facets       map[string]map[string]int64 `json:"facets"`
		Total        int64                       `json:"total"`
		TotalExact   bool                        `json:"total_exact"`
		Page         int                         `json:"page"`
		PerPage      int                         `json:"per_page"`
		ProcessingMS int64                       `json:"processing_ms"`
		Degraded     bool                        `json:"degraded"`
	}
	b := make([]byte, 0, 4096+len(r.Hits)*2048)
	q, _ := json.Marshal(r.Query)
	t, _ := json.Marshal(r.Type)
	b = append(b, `{"query":`...)
	b = append(b, q...)
	b = append(b, `,"type":`...)
	b = append(b, t...)
	b = append(b, `,"hits":[`...)
	for i, h := range r.Hits {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = h.appendJSON(b); err != nil {
			return nil, err
		}
	}
	tb, err := json.Marshal(tail{r.Facets, r.Total, r.TotalExact, r.Page, r.PerPage, r.ProcessingMS, r.Degraded})
	if err != nil {
		return nil, err
	}
	b = append(b, "],"...)
	return append(b, tb[1:]...), nil
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
		if plainKey(name) {
			b = append(b, '"')
			b = append(b, name...)
			b = append(b, '"', ':')
		} else {
			k, _ := json.Marshal(name)
			b = append(b, k...)
			b = append(b, ':')
		}
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

// plainKey reports whether a key needs no escaping: a-z, 0-9 and _.
func plainKey(k string) bool {
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// appendEscaped appends raw JSON with <, >, &, U+2028 and U+2029 escaped.
func appendEscaped(b []byte, v []byte) []byte {
	if bytes.IndexAny(v, "<>&\u2028\u2029") < 0 {
		return append(b, v...)
	}
	for _, r := range string(v) {
		switch r {
		case '<', '>', '&', '\u2028', '\u2029':
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return b
}
