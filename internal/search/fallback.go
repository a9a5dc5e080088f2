package search

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// typePage is what one type contributes to a degraded-mode result.
type typePage struct {
	total  int64
	hits   []Hit
	facets map[string]map[string]int64
}

// searchPostgres answers q from PostgreSQL. Results of several types are
// concatenated in type order (penalties, permits, powers, services) and
// paged over the whole; every term must occur in a record's searchable
// text; exact identifier matches come first within their type. The total
// is exact. At most Config.FallbackConcurrency run at once; a search that
// finds no slot within FallbackWait, or runs out of time, is
// ErrOverloaded, so a busy PostgreSQL sheds load instead of queueing it.
func (s *Service) searchPostgres(ctx context.Context, q Query) (*Result, error) {
	if err := s.gate.enter(ctx, s.FallbackWait); err != nil {
		return nil, err
	}
	defer s.gate.leave()
	fctx, cancel := context.WithTimeout(ctx, s.FallbackTimeout)
	defer cancel()
	res, err := s.searchPostgresIn(fctx, q)
	if err != nil && ctx.Err() != nil {
		return nil, callerDone(ctx)
	}
	if err != nil {
		return nil, asOverload(err)
	}
	return res, nil
}

// searchPostgresIn is the search of searchPostgres, within ctx.
func (s *Service) searchPostgresIn(ctx context.Context, q Query) (*Result, error) {
	kind, value := exactOf(q.Text)
	terms := strings.Fields(q.Text)
	res := newResult(q, kind)
	start := (q.Page - 1) * q.PerPage
	end := start + q.PerPage
	var acc int64
	for _, t := range q.Types {
		offset := max(0, int64(start)-acc)
		limit := max(0, int64(end)-max(int64(start), acc))
		p, err := s.searchType(ctx, t, q, terms, kind, value, int(offset), int(limit))
		if err != nil {
			return nil, err
		}
		acc += p.total
		res.Total += p.total
		res.Facets["type"][string(t)] = p.total
		for attr, values := range p.facets {
			if res.Facets[attr] == nil {
				res.Facets[attr] = map[string]int64{}
			}
			for v, n := range values {
				res.Facets[attr][v] += n
			}
		}
		// Exact matches rank first within their type; they are shown
		// apart from the related results (on the page they fall on).
		for _, h := range p.hits {
			if h.Exact {
				res.Exact = append(res.Exact, exactHit(h))
				res.ExactTotal++
				res.Total--
			} else {
				res.Hits = append(res.Hits, h)
			}
		}
	}
	if len(res.Hits) > q.PerPage {
		res.Hits = res.Hits[:q.PerPage]
	}
	res.Subjects = subjectsOf(res.Exact)
	return res, nil
}

func (s *Service) recordQuery(q Query, terms []string, kind exactKind, value string, offset, limit int) store.RecordQuery {
	rq := store.RecordQuery{
		Terms: terms, Category: q.Filters.Category, Year: q.Filters.Year, District: q.Filters.District,
		Agency: q.Filters.Agency, Stage: q.Filters.Stage, SubjectKind: q.Filters.SubjectKind,
		PermitStatus: q.Filters.PermitStatus, Sort: q.Sort, Offset: offset, Limit: limit,
	}
	switch kind {
	case exactCreditCode:
		rq.Exact = value
	case exactDecisionNo:
		rq.Exact = q.Text // PostgreSQL compares the number as stored
	}
	return rq
}

func (s *Service) searchType(ctx context.Context, t Type, q Query, terms []string, kind exactKind, value string,
	offset, limit int) (typePage, error) {
	switch t {
	case TypePenalty:
		rq := s.recordQuery(q, terms, kind, value, offset, limit)
		rq.PermitStatus = nil
		page, err := s.records.SearchPenalties(ctx, rq)
		if err != nil {
			return typePage{}, err
		}
		p := typePage{total: page.Total, facets: page.Facets}
		for _, r := range page.Records {
			h, err := docHit(t, PenaltyDocument(r, 0), terms)
			if err != nil {
				return typePage{}, err
			}
			h.Exact = page.Exact[r.ID]
			p.hits = append(p.hits, h)
		}
		return p, nil
	case TypePermit:
		rq := s.recordQuery(q, terms, kind, value, offset, limit)
		rq.Stage = nil
		page, err := s.records.SearchPermits(ctx, rq)
		if err != nil {
			return typePage{}, err
		}
		p := typePage{total: page.Total, facets: page.Facets}
		for _, r := range page.Records {
			h, err := docHit(t, PermitDocument(r, 0), terms)
			if err != nil {
				return typePage{}, err
			}
			h.Exact = page.Exact[r.ID]
			p.hits = append(p.hits, h)
		}
		return p, nil
	}
	return s.searchList(ctx, t, q, terms, kind, value, offset, limit)
}

// searchList searches the current lists in memory: they hold hundreds of
// items, not millions.
func (s *Service) searchList(ctx context.Context, t Type, q Query, terms []string, kind exactKind, value string,
	offset, limit int) (typePage, error) {
	var docs []any
	for _, k := range domain.ListKindsOfSearchType(string(t)) {
		l, err := s.lists.CurrentListItems(ctx, k)
		if err != nil {
			return typePage{}, err
		}
		powers, services := ListDocuments(l)
		for _, d := range powers {
			if len(q.Filters.PowerCategory) == 0 || slices.Contains(q.Filters.PowerCategory, d.Category) {
				docs = append(docs, d)
			}
		}
		for _, d := range services {
			docs = append(docs, d)
		}
	}
	a := indexAttrs[IndexOf(t)]
	var exact, rest []map[string]json.RawMessage
	facets := map[string]map[string]int64{}
	for _, d := range docs {
		fields, err := docFields(d)
		if err != nil {
			return typePage{}, err
		}
		text := strings.ToLower(searchableText(fields, a.searchable))
		matched := true
		for _, term := range terms {
			if !strings.Contains(text, strings.ToLower(term)) {
				matched = false
				break
			}
		}
		isExact := kind == exactItemCode && rawString(fields["code"]) == value
		if !matched && !isExact {
			continue
		}
		if t == TypePower {
			if facets["power_category"] == nil {
				facets["power_category"] = map[string]int64{}
			}
			facets["power_category"][rawString(fields["category"])]++
		}
		if isExact {
			exact = append(exact, fields)
		} else {
			rest = append(rest, fields)
		}
	}
	all := append(exact, rest...)
	p := typePage{total: int64(len(all)), facets: facets}
	from := min(offset, len(all))
	for i, f := range all[from:min(from+limit, len(all))] {
		h := fieldsHit(t, f, terms)
		h.Exact = from+i < len(exact)
		p.hits = append(p.hits, h)
	}
	return p, nil
}

// docFields is a document's fields as a hit carries them.
func docFields(doc any) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encode document: %w", err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return nil, fmt.Errorf("decode document: %w", err)
	}
	for k := range internalFields {
		delete(fields, k)
	}
	return fields, nil
}

// searchableText joins the values of the searchable attributes.
func searchableText(fields map[string]json.RawMessage, attrs []string) string {
	var b strings.Builder
	for _, a := range attrs {
		raw := fields[a]
		if s := rawString(raw); s != "" {
			b.WriteString(s)
			b.WriteByte('\n')
			continue
		}
		var list []string
		if json.Unmarshal(raw, &list) == nil {
			b.WriteString(strings.Join(list, "\n"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func docHit(t Type, doc any, terms []string) (Hit, error) {
	fields, err := docFields(doc)
	if err != nil {
		return Hit{}, err
	}
	return fieldsHit(t, fields, terms), nil
}

// fieldsHit builds a degraded-mode hit, marking the terms itself.
func fieldsHit(t Type, fields map[string]json.RawMessage, terms []string) Hit {
	hit := newHit(t, fields)
	a := indexAttrs[IndexOf(t)]
	for _, attr := range a.highlight {
		raw := fields[attr]
		text := rawString(raw)
		crop := slices.Contains(a.crop, attr)
		if text == "" {
			var list []string
			if json.Unmarshal(raw, &list) == nil {
				text, crop = strings.Join(list, "；"), true
			}
		}
		if text == "" {
			continue
		}
		if marked, ok := markTerms(text, terms, crop); ok {
			if hit.Highlights == nil {
				hit.Highlights = map[string]string{}
			}
			hit.Highlights[attr] = renderMarked(marked)
		}
	}
	return hit
}
