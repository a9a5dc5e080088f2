package search

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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
func (s *Service) searchMeili(ctx context.Context, c *searchClient, q Query) (*Result, error) {
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
	answer, err := c.multiSearch(ctx, reqs)
	if err != nil {
		return nil, err
	}
	results, err := parseMultiSearch(answer)
	if err != nil {
		return nil, err
	}
	if len(results) != len(reqs) {
		return nil, fmt.Errorf("multi-search: %d results for %d queries", len(results), len(reqs))
	}

	res := newResult(q)
	var exact []Hit
	var ranked []scoredHit
	for i, r := range results {
		sl := slots[i]
		if sl.exact {
			for _, h := range r.hits {
				hit := buildHit(sl.t, h)
				hit.Exact = true
				exact = append(exact, hit)
			}
			continue
		}
		res.Total += r.totalHits
		if r.totalHits >= MaxTotalHits {
			res.TotalExact = false
		}
		res.Facets["type"][string(sl.t)] = r.totalHits
		if err := mergeFacets(res.Facets, r.facets, facetsFor(sl.t)); err != nil {
			return nil, err
		}
		for j, h := range r.hits {
			ranked = append(ranked, scoredHit{t: sl.t, hit: h, typeRank: slices.Index(q.Types, sl.t), rank: j})
		}
	}
	if len(q.Types) > 1 {
		sortMerged(ranked, q.Sort)
		from := min((q.Page-1)*q.PerPage, len(ranked))
		ranked = ranked[from:min(from+q.PerPage, len(ranked))]
	}
	hits := make([]Hit, len(ranked))
	for i, h := range ranked {
		hits[i] = buildHit(h.t, h.hit)
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
	hit            meiliHit
	typeRank, rank int
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
			c = cmpFloat(number(b.hit.score), number(a.hit.score))
		case "fine_yuan":
			c = cmpFloat(number(a.hit.raw(field)), number(b.hit.raw(field)))
		default:
			c = strings.Compare(rawString(a.hit.raw(field)), rawString(b.hit.raw(field)))
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
func buildHit(t Type, h meiliHit) Hit {
	hit := newHit(t, h.fields)
	if len(h.matches) == 0 {
		return hit
	}
	positions, err := matchPositions(h.matches)
	if err != nil {
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
		if v := h.fields[attr]; len(v) > 0 && v[0] == '"' {
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
