package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// This file answers searches from PostgreSQL while Meilisearch is
// unreachable (degraded mode): the same filters and facets, over the
// public columns, with long numbers hidden from matching.

// RecordQuery is a degraded-mode search over public penalties or permits.
// Every field has been validated by the caller; the store still binds
// every value as a parameter.
type RecordQuery struct {
	Terms        []string // each must occur in the record's searchable text (case-insensitive)
	Exact        string   // a credit code or decision number whose records rank first
	Category     []string // 处罚类别 (penalties) or 许可类别 (permits); any of
	Year         []int    // decision year; any of
	District     []string // district names or 6-digit codes; any of
	Agency       []string // agency names or credit codes; any of
	Stage        []string // penalties only
	SubjectKind  []string
	PermitStatus []string // permits only
	Sort         string   // "" (newest first), "decision_date:asc|desc", "fine_amount:asc|desc" (penalties only)
	Offset       int
	Limit        int
}

// RecordPage is one page of a degraded-mode search.
type RecordPage[T any] struct {
	Total   int64
	Records []T            // public and masked, in rank order
	Exact   map[int64]bool // ids of records that matched RecordQuery.Exact
	Facets  map[string]map[string]int64
}

// recordSearch describes how to search one table.
type recordSearch struct {
	table string
	// plain columns are public as stored (checked codes); free-text
	// columns are masked by the public read path (domain.MaskingRules.Text).
	plain, free []string
	// columns the facets and the order need besides the common ones.
	extra    string
	category string // condition on $n for the category filter
	status   string // condition on $n for the permit_status filter
	facets   string // facet queries on m beyond the common ones
	sorts    map[string]string
}

var penaltySearch = recordSearch{
	table: "penalties",
	plain: []string{"credit_code"},
	free: []string{"party_name", "decision_no", "violation_type", "basis", "licence_affected", "source_name", "legal_rep",
		"business_reg_no", "facts", "content", "remarks"},
	extra:    "p.categories, p.fine_yuan, coalesce(p.stage::text, '') AS stage",
	category: `p.categories && %s::text[]`,
	facets: `
		UNION ALL SELECT 'category', c, count(*), 0, false FROM m, unnest(m.categories) AS c GROUP BY 2
		UNION ALL SELECT 'stage', stage, count(*), 0, false FROM m WHERE stage <> '' GROUP BY 2`,
	sorts: map[string]string{
		"decision_date:desc": "decision_date DESC", "decision_date:asc": "decision_date ASC",
		"fine_amount:desc": "fine_yuan DESC", "fine_amount:asc": "fine_yuan ASC",
	},
}

var permitSearch = recordSearch{
	table: "permits",
	plain: []string{"credit_code"},
	free: []string{"party_name", "decision_no", "document_name", "certificate_name", "permit_no", "source_name",
		"legal_rep", "business_reg_no", "content", "remarks"},
	extra:    "p.category, p.state::text AS state",
	category: `p.category = ANY(%s)`,
	status:   `p.state::text = ANY(%s)`,
	facets: `
		UNION ALL SELECT 'category', category, count(*), 0, false FROM m GROUP BY 2
		UNION ALL SELECT 'permit_status', state, count(*), 0, false FROM m GROUP BY 2`,
	sorts: map[string]string{"decision_date:desc": "decision_date DESC", "decision_date:asc": "decision_date ASC"},
}

// text is the lower-cased searchable text of a record. With scrub, the
// number runs of 11 digits or more in its free text are hidden
// (gongshi_scrub): a term with digits is matched against it, so it cannot
// find a record by digits the public read path masks. A term without
// digits cannot match inside a number, and is matched against the cheaper
// unscrubbed text. The free columns are joined by line breaks, which end
// a number run as they do in Text.
func (rs recordSearch) text(scrub bool) string {
	var parts, free []string
	for _, c := range rs.plain {
		parts = append(parts, "p."+c)
	}
	for _, c := range rs.free {
		free = append(free, "p."+c)
	}
	freeText := strings.Join(free, " || E'\\n' || ")
	if scrub {
		freeText = "gongshi_scrub(" + freeText + ")"
	}
	parts = append(parts, freeText)
	return "lower(" + strings.Join(parts, " || ' ' || ") + ")"
}

// likeEscaper makes a term match literally inside LIKE '%…%'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func hasDigit(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' || r >= '０' && r <= '９' }) >= 0
}

// where adds the public filter and q's filters to w.
func (rs recordSearch) where(pub *Public, q RecordQuery, w *where) {
	w.conds = append(w.conds, "p.status = 'published'")
	if rs.table == "penalties" {
		w.add("p.publicity_until >= %s::date", pub.today())
	}
	for _, t := range q.Terms {
		w.add(rs.text(hasDigit(t))+" LIKE %s", "%"+likeEscaper.Replace(strings.ToLower(t))+"%")
	}
	if len(q.Category) > 0 {
		w.add(rs.category, q.Category)
	}
	if len(q.Year) > 0 {
		w.add("extract(year FROM p.decision_date)::int = ANY(%s)", q.Year)
	}
	if len(q.District) > 0 {
		w.add("(d.name = ANY(%[1]s) OR d.code = ANY(%[1]s))", q.District)
	}
	if len(q.Agency) > 0 {
		w.add("(a.name = ANY(%[1]s) OR a.credit_code::text = ANY(%[1]s))", q.Agency)
	}
	if len(q.Stage) > 0 {
		w.add("p.stage::text = ANY(%s)", q.Stage)
	}
	if len(q.SubjectKind) > 0 {
		w.add("p.party_kind::text = ANY(%s)", q.SubjectKind)
	}
	if len(q.PermitStatus) > 0 && rs.status != "" {
		w.add(rs.status, q.PermitStatus)
	}
}

// search matches, counts, facets and pages in one scan of the table; it
// returns the ids of the page in rank order.
func (rs recordSearch) search(ctx context.Context, pub *Public, q RecordQuery) (ids []int64, exact map[int64]bool,
	total int64, facets map[string]map[string]int64, err error) {
	if q.Sort != "" && rs.sorts[q.Sort] == "" {
		return nil, nil, 0, nil, fmt.Errorf("store: sort %q does not apply to %s", q.Sort, rs.table)
	}
	if (len(q.Stage) > 0 && rs.table != "penalties") || (len(q.PermitStatus) > 0 && rs.table != "permits") {
		return nil, nil, 0, nil, fmt.Errorf("store: a filter does not apply to %s", rs.table)
	}
	w := &where{}
	rs.where(pub, q, w)
	exactCol := "false"
	if q.Exact != "" {
		e := w.arg(q.Exact)
		exactCol = "(p.credit_code = " + e + " OR p.decision_no = " + e + ")"
	}
	order := []string{"exact DESC"}
	if q.Sort != "" {
		order = append(order, rs.sorts[q.Sort])
	}
	order = append(order, "decision_date DESC", "id DESC")
	rows, err := pub.s.pool.Query(ctx, `WITH m AS MATERIALIZED (
			SELECT p.id, `+rs.extra+`, p.decision_date, coalesce(d.name, '') AS district, a.name AS agency,
				p.party_kind::text AS kind, `+exactCol+` AS exact
			FROM `+rs.table+` p JOIN agencies a ON a.id = p.agency_id LEFT JOIN districts d ON d.code = a.district_code
			WHERE `+w.sql()+`)
		SELECT 'total', '', count(*), 0::bigint, false FROM m
		UNION ALL SELECT 'year', extract(year FROM decision_date)::int::text, count(*), 0, false FROM m GROUP BY 2
		UNION ALL SELECT 'district', district, count(*), 0, false FROM m WHERE district <> '' GROUP BY 2
		UNION ALL SELECT 'agency', agency, count(*), 0, false FROM m GROUP BY 2
		UNION ALL SELECT 'subject_kind', kind, count(*), 0, false FROM m GROUP BY 2`+rs.facets+`
		UNION ALL (SELECT 'page', '', 0, id, exact FROM m ORDER BY `+strings.Join(order, ", ")+
		` OFFSET `+w.arg(max(q.Offset, 0))+` LIMIT `+w.arg(max(q.Limit, 0))+`)`, w.args...)
	if err != nil {
		return nil, nil, 0, nil, err
	}
	facets = map[string]map[string]int64{}
	exact = map[int64]bool{}
	var facet, value string
	var n, id int64
	var isExact bool
	_, err = pgx.ForEachRow(rows, []any{&facet, &value, &n, &id, &isExact}, func() error {
		switch facet {
		case "total":
			total = n
		case "page":
			ids = append(ids, id)
			if isExact {
				exact[id] = true
			}
		default:
			if facets[facet] == nil {
				facets[facet] = map[string]int64{}
			}
			if facet == "agency" {
				value = pub.rules.Text(value) // agency names are typed free text
			}
			facets[facet][value] += n
		}
		return nil
	})
	return ids, exact, total, facets, err
}

// inOrder returns recs ordered as ids; records no longer public are dropped.
func inOrder[T any](ids []int64, recs []T, id func(T) int64) []T {
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	out := slices.Clone(recs)
	slices.SortFunc(out, func(a, b T) int { return pos[id(a)] - pos[id(b)] })
	return out
}

// SearchPenalties is the degraded-mode search over public penalties: every
// term must occur in a penalty's searchable text (public columns, with long
// numbers hidden), the filters restrict the set, and records matching Exact
// come first. Records come from the public read path, masked.
func (pub *Public) SearchPenalties(ctx context.Context, q RecordQuery) (RecordPage[domain.PublishedPenalty], error) {
	ids, exact, total, facets, err := penaltySearch.search(ctx, pub, q)
	if err != nil {
		return RecordPage[domain.PublishedPenalty]{}, fmt.Errorf("store.SearchPenalties: %w", err)
	}
	page := RecordPage[domain.PublishedPenalty]{Total: total, Exact: exact, Facets: facets}
	if len(ids) > 0 {
		recs, err := pub.PenaltiesByID(ctx, ids)
		if err != nil {
			return page, err
		}
		page.Records = inOrder(ids, recs, func(p domain.PublishedPenalty) int64 { return p.ID })
	}
	return page, nil
}

// SearchPermits is SearchPenalties for permits.
func (pub *Public) SearchPermits(ctx context.Context, q RecordQuery) (RecordPage[domain.PublishedPermit], error) {
	ids, exact, total, facets, err := permitSearch.search(ctx, pub, q)
	if err != nil {
		return RecordPage[domain.PublishedPermit]{}, fmt.Errorf("store.SearchPermits: %w", err)
	}
	page := RecordPage[domain.PublishedPermit]{Total: total, Exact: exact, Facets: facets}
	if len(ids) > 0 {
		recs, err := pub.PermitsByID(ctx, ids)
		if err != nil {
			return page, err
		}
		page.Records = inOrder(ids, recs, func(p domain.PublishedPermit) int64 { return p.ID })
	}
	return page, nil
}
