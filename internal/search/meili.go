package search

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	meili "github.com/meilisearch/meilisearch-go"

	"github.com/gongshi/gongshi/internal/domain"
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
		Query:                meiliQuery(q.Text),
		Filter:               and(conds),
		Page:                 page,
		HitsPerPage:          &perPage,
		Facets:               facetAttributes(t),
		AttributesToRetrieve: retrieve(t),
		ShowMatchesPosition:  q.Text != "",
		Locales:              []string{"cmn"},
		ShowRankingScore:     multi,
		// Every word of the query must occur: with the default, "last",
		// Meilisearch drops words from the end until something matches,
		// and a full name or a decision number (苏, 应急, 罚 …) matched
		// every record of the city.
		MatchingStrategy: meili.All,
	}
	switch {
	case q.Sort != "":
		r.Sort = []string{meiliSort(q.Sort)}
	case r.Query == "" && (t == TypePenalty || t == TypePermit):
		r.Sort = []string{"decision_date:desc"} // browsing: newest first
	}
	return r
}

// meiliQuery is the query text Meilisearch is sent: "" (browse) when the
// text holds nothing but stop words — 苏州, 有限公司 — which Meilisearch
// would otherwise answer with nothing at all.
func meiliQuery(text string) string {
	rest := text
	for _, w := range stopWordsLongestFirst {
		rest = strings.ReplaceAll(rest, w, "")
	}
	if strings.IndexFunc(rest, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) < 0 {
		return ""
	}
	return text
}

// stopWordsLongestFirst are the stop words, longer ones first, so that
// removing them removes 有限公司 whole before 公司.
var stopWordsLongestFirst = func() []string {
	out := slices.Clone(stopWords)
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}()

// exactRequest finds the records of type t the query names exactly, with
// their facet counts.
func exactRequest(t Type, conds []string, ef string) *meili.SearchRequest {
	perPage := int64(exactLimit)
	return &meili.SearchRequest{IndexUID: IndexOf(t), Filter: and(append(slices.Clone(conds), ef)),
		Page: 1, HitsPerPage: &perPage, AttributesToRetrieve: retrieve(t), Locales: []string{"cmn"},
		Sort: sortOf(t), Facets: facetAttributes(t)}
}

// sortOf orders exact matches: records newest first.
func sortOf(t Type) []string {
	if t == TypePenalty || t == TypePermit {
		return []string{"decision_date:desc"}
	}
	return nil
}

// searchMeili answers q with one multi-search request: per type, the
// ranked query for the related results and, when the query is an
// identifier or a name, a query for the exact matches, which the ranked
// one leaves out.
func (s *Service) searchMeili(ctx context.Context, c *searchClient, q Query) (*Result, error) {
	kind, value := exactOf(q.Text)
	today := s.today()
	var reqs []*meili.SearchRequest
	var slots []slot
	for _, t := range q.Types {
		conds := filterFor(t, q.Filters, today)
		ranked := conds
		if ef := exactFilter(t, kind, value); ef != "" {
			reqs = append(reqs, exactRequest(t, conds, ef))
			slots = append(slots, slot{t, true})
			ranked = append(slices.Clone(conds), "NOT "+ef)
		}
		reqs = append(reqs, mainRequest(t, q, ranked))
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

	res := newResult(q, kind)
	var ranked []scoredHit
	for i, r := range results {
		sl := slots[i]
		if sl.exact {
			for _, h := range r.hits {
				res.Exact = append(res.Exact, exactHit(buildHit(sl.t, h)))
			}
			res.ExactTotal += r.totalHits
			res.Facets["type"][string(sl.t)] += r.totalHits
			// Facets count every match, exact or related.
			if err := mergeFacets(res.Facets, r.facets, facetsFor(sl.t)); err != nil {
				return nil, err
			}
			continue
		}
		res.Total += r.totalHits
		if r.totalHits >= MaxTotalHits {
			res.TotalExact = false
		}
		res.Facets["type"][string(sl.t)] += r.totalHits
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
	for _, h := range ranked {
		res.Hits = append(res.Hits, buildHit(h.t, h.hit))
	}
	res.Subjects = subjectsOf(res.Exact)
	return res, nil
}

// newResult is an empty result of q, whose text is of the given kind.
func newResult(q Query, kind exactKind) *Result {
	return &Result{Query: q.Text, Type: q.Type, QueryKind: queryKind(q.Text, kind), Exact: []Hit{}, Subjects: []Subject{},
		Hits: []Hit{}, Facets: map[string]map[string]int64{"type": {}}, TotalExact: true, Page: q.Page, PerPage: q.PerPage}
}

// exactHit marks h as an exact match.
func exactHit(h Hit) Hit {
	h.Exact, h.Match = true, MatchExact
	return h
}

// subjectsOf lists the enterprises of the exact record hits, once each:
// parties with a real 统一社会信用代码 that are not natural persons.
func subjectsOf(exact []Hit) []Subject {
	out := []Subject{}
	seen := map[string]bool{}
	for _, h := range exact {
		if _, ok := recordEntities[h.Type]; !ok {
			continue
		}
		code := rawString(h.Fields["credit_code"])
		if seen[code] || rawString(h.Fields["party_kind"]) == string(domain.PartyNaturalPerson) ||
			code == domain.USCCPlaceholder || domain.ValidateUSCC(code) != nil {
			continue
		}
		seen[code] = true
		out = append(out, Subject{CreditCode: code, Name: rawString(h.Fields["party_name"]), URL: "/subjects/" + code})
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
	return Hit{Type: t, ID: id, Title: title, Subtitle: subtitle, URL: link, Match: MatchRelated, Fields: fields}
}
