package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// The read queries of the public API. Every one is a method of *Public: it
// applies the public filter (published; for penalties also within the
// publicity period) and masks what it returns, like the rest of Public.

// Sort orders a list of records by one key, then by id in the same
// direction, so every order is total and a cursor can resume it.
type Sort struct {
	Key  string // one of PenaltySortKeys or PermitSortKeys
	Desc bool
}

// String returns s as written in a query: the key, "-" first when
// descending.
func (s Sort) String() string {
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}

// ParseSort reads "key" or "-key" with key among keys.
func ParseSort(s string, keys []string) (Sort, bool) {
	k, desc := strings.CutPrefix(s, "-")
	for _, v := range keys {
		if v == k {
			return Sort{Key: k, Desc: desc}, true
		}
	}
	return Sort{}, false
}

// sortColumn is what a sort key orders by: the column and the form of its
// value in a cursor.
type sortColumn struct {
	expr string
	kind string // date, instant, yuan
}

var penaltySorts = map[string]sortColumn{
	"decision_date": {"p.decision_date", "date"},
	"published_at":  {"p.published_at", "instant"},
	"fine":          {"p.fine_yuan", "yuan"},
	"updated_at":    {"p.updated_at", "instant"},
}

var permitSorts = map[string]sortColumn{
	"decision_date": {"p.decision_date", "date"},
	"published_at":  {"p.published_at", "instant"},
	"valid_to":      {"p.valid_to", "date"},
	"updated_at":    {"p.updated_at", "instant"},
}

// PenaltySortKeys and PermitSortKeys are the keys a list can be sorted by.
var (
	PenaltySortKeys = []string{"decision_date", "published_at", "fine", "updated_at"}
	PermitSortKeys  = []string{"decision_date", "published_at", "valid_to", "updated_at"}
)

// DefaultSort is the order of a list when none is asked for: newest
// decisions first.
var DefaultSort = Sort{Key: "decision_date", Desc: true}

// Cursor is where a page of a list ends: the list and the sort it was
// made for, the sort key of the last record and its id. Its String form is
// opaque to clients.
type Cursor struct {
	List string `json:"l"`
	Sort string `json:"s"`
	Key  string `json:"k"`
	ID   int64  `json:"i"`
}

// ErrCursor reports a cursor that was not made by Cursor.String, or was
// made for another list or sort.
var ErrCursor = errors.New("invalid cursor")

// String encodes c as URL-safe base64 of its JSON.
func (c Cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseCursor decodes a cursor made by Cursor.String for sort s of list,
// sortable by sorts, checking that its key has the form the sort needs.
func parseCursor(raw, list string, s Sort, sorts map[string]sortColumn) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: not base64url", ErrCursor)
	}
	var c Cursor
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.ID <= 0 {
		return Cursor{}, fmt.Errorf("%w: malformed", ErrCursor)
	}
	if c.List != list {
		return Cursor{}, fmt.Errorf("%w: made for another list, not %s", ErrCursor, list)
	}
	if c.Sort != s.String() {
		return Cursor{}, fmt.Errorf("%w: made for sort=%s, not sort=%s", ErrCursor, c.Sort, s)
	}
	if _, err := cursorValue(sorts[s.Key].kind, c.Key); err != nil {
		return Cursor{}, fmt.Errorf("%w: bad key", ErrCursor)
	}
	return c, nil
}

// cursorValue turns a cursor key into the query argument it stands for.
func cursorValue(kind, key string) (any, error) {
	switch kind {
	case "date":
		return time.Parse(domain.DateLayout, key)
	case "instant":
		return time.Parse(time.RFC3339Nano, key)
	case "yuan":
		m, err := domain.ParseYuan(key)
		return m.Yuan(), err
	}
	return nil, fmt.Errorf("unknown sort kind %q", kind)
}

// PenaltyQuery selects public penalties. Zero fields do not filter.
type PenaltyQuery struct {
	AgencyCode   string           // 处罚机关统一社会信用代码 (CF_CFJGDM)
	DistrictCode string           // the issuing agency's district
	Category     string           // 处罚类别: the decision carries it (CF_CFLB)
	Stage        domain.Stage     // CF_AJJD
	PartyKind    domain.PartyKind // CF_XDR_LB
	CreditCode   string           // the party's 统一社会信用代码 (CF_XDR_SHXYM)
	DecidedFrom  time.Time        // decision date on or after
	DecidedTo    time.Time        // decision date on or before
	FineMin      *domain.Money    // fine at least
	FineMax      *domain.Money    // fine at most
	UpdatedSince time.Time        // changed (published, updated) at or after; see ListChanges
	// IncludeWithdrawn lists, beside the public records changed since
	// UpdatedSince, the ones that left the public set since then, as
	// tombstones. It needs UpdatedSince and no other filter.
	IncludeWithdrawn bool
	Sort             Sort // zero: DefaultSort

	Cursor string // from Page.Next; "" for the first page
	Limit  int    // page size, 1 to MaxPageSize
}

// PermitQuery selects public permits. Zero fields do not filter.
type PermitQuery struct {
	AgencyCode   string // 许可机关统一社会信用代码 (XK_XKJGDM)
	DistrictCode string
	Category     string             // 许可类别 (XK_XKLB)
	State        domain.PermitState // 当前状态 (XK_ZT)
	PartyKind    domain.PartyKind
	CreditCode   string
	DecidedFrom  time.Time
	DecidedTo    time.Time
	UpdatedSince time.Time
	// IncludeWithdrawn is PenaltyQuery.IncludeWithdrawn for permits.
	IncludeWithdrawn bool
	Sort             Sort
	Cursor           string
	Limit            int
}

// MaxPageSize is the largest page a list query returns.
const MaxPageSize = 100

// Page is one page of a list: its records, how many records match in all,
// and the cursor of the next page ("" on the last page). Total is exact
// when TotalExact; otherwise the list has more than TotalCap records and
// Total is the planner's estimate (at least TotalCap+1), so that a total
// costs no more than a page.
type Page[T any] struct {
	Items      []T
	Total      int64
	TotalExact bool
	Next       string
	// Withdrawn holds, for a query with IncludeWithdrawn, the records of
	// this page's stretch of the change order that are no longer public.
	Withdrawn []Tombstone
}

// updatedSince keeps the records changed at or after t (zero: all).
func (w *where) updatedSince(t time.Time) {
	if !t.IsZero() {
		w.add("p.updated_at >= %s::timestamptz", t)
	}
}

// recordFilters are the filters penalties and permits share.
func (w *where) recordFilters(agencyCode, districtCode string, kind domain.PartyKind, creditCode string, from, to time.Time) {
	if agencyCode != "" {
		w.add("p.agency_id = (SELECT id FROM agencies WHERE credit_code = %s)", agencyCode)
	}
	if districtCode != "" {
		w.add("p.agency_id IN (SELECT id FROM agencies WHERE district_code = %s)", districtCode)
	}
	if kind != "" {
		w.add("p.party_kind = %s", string(kind))
	}
	if creditCode != "" {
		w.add("p.credit_code = %s", creditCode)
	}
	if !from.IsZero() {
		w.add("p.decision_date >= %s", from)
	}
	if !to.IsZero() {
		w.add("p.decision_date <= %s", to)
	}
}

func (pub *Public) penaltyWhere(q PenaltyQuery) *where {
	w := &where{}
	pub.penaltyConds(w, q)
	return w
}

// penaltyConds adds the public filter and q's filters to w.
func (pub *Public) penaltyConds(w *where, q PenaltyQuery) {
	w.add("p.status = 'published' AND p.publicity_until >= %s::date", pub.today())
	w.recordFilters(q.AgencyCode, q.DistrictCode, q.PartyKind, q.CreditCode, q.DecidedFrom, q.DecidedTo)
	w.updatedSince(q.UpdatedSince)
	if q.Category != "" {
		// @> (not = ANY) so that the planner estimates it from the
		// column's element statistics.
		w.add("p.categories @> ARRAY[%s::text]", q.Category)
	}
	if q.Stage != "" {
		w.add("p.stage = %s", string(q.Stage))
	}
	if q.FineMin != nil {
		w.add("p.fine_yuan >= %s::numeric", q.FineMin.Yuan())
	}
	if q.FineMax != nil {
		w.add("p.fine_yuan <= %s::numeric", q.FineMax.Yuan())
	}
}

func permitWhere(q PermitQuery) *where {
	w := &where{}
	permitConds(w, q)
	return w
}

// permitConds adds the public filter and q's filters to w.
func permitConds(w *where, q PermitQuery) {
	w.conds = append(w.conds, publicPermit)
	w.recordFilters(q.AgencyCode, q.DistrictCode, q.PartyKind, q.CreditCode, q.DecidedFrom, q.DecidedTo)
	w.updatedSince(q.UpdatedSince)
	if q.Category != "" {
		w.add("p.category = %s", q.Category)
	}
	if q.State != "" {
		w.add("p.state = %s", string(q.State))
	}
}

func penaltySortKey(s Sort) func(domain.PublishedPenalty) (string, int64) {
	return func(p domain.PublishedPenalty) (string, int64) {
		switch s.Key {
		case "published_at":
			return p.PublishedAt.UTC().Format(time.RFC3339Nano), p.ID
		case "fine":
			return p.Fine.Yuan(), p.ID
		case "updated_at":
			return p.UpdatedAt.UTC().Format(time.RFC3339Nano), p.ID
		}
		return p.DecisionDate.Format(domain.DateLayout), p.ID
	}
}

func permitSortKey(s Sort) func(domain.PublishedPermit) (string, int64) {
	return func(p domain.PublishedPermit) (string, int64) {
		switch s.Key {
		case "published_at":
			return p.PublishedAt.UTC().Format(time.RFC3339Nano), p.ID
		case "valid_to":
			return p.ValidTo.Format(domain.DateLayout), p.ID
		case "updated_at":
			return p.UpdatedAt.UTC().Format(time.RFC3339Nano), p.ID
		}
		return p.DecisionDate.Format(domain.DateLayout), p.ID
	}
}

// listSort is the order of a list asked for with sort s: DefaultSort when
// none is asked for, or the change order (updated_at ascending) for a
// list of changes since a time.
func listSort(s Sort, updatedSince time.Time) Sort {
	switch {
	case s.Key != "":
		return s
	case !updatedSince.IsZero():
		return changeSort
	}
	return DefaultSort
}

// penaltyList is the list of the public penalties q selects.
func (pub *Public) penaltyList(ctx context.Context, q PenaltyQuery) (listSpec, error) {
	l := listSpec{table: "penalties", selectSQL: penaltySelect, where: pub.penaltyWhere(q), sorts: penaltySorts,
		sort: q.Sort, cursor: q.Cursor, limit: q.Limit}
	var err error
	l.few, err = pub.penaltiesFew(ctx, q)
	return l, err
}

// penaltyChanges is the list of the penalties changed since
// q.UpdatedSince, with tombstones.
func (pub *Public) penaltyChanges(q PenaltyQuery) changesSpec {
	return changesSpec{table: "penalties", public: "p.status = 'published' AND p.publicity_until >= %s::date",
		today: pub.today(), since: q.UpdatedSince, cursor: q.Cursor, limit: q.Limit}
}

// permitList is penaltyList for permits.
func (pub *Public) permitList(ctx context.Context, q PermitQuery) (listSpec, error) {
	l := listSpec{table: "permits", selectSQL: permitSelect, where: permitWhere(q), sorts: permitSorts,
		sort: q.Sort, cursor: q.Cursor, limit: q.Limit}
	var err error
	l.few, err = pub.permitsFew(ctx, q)
	return l, err
}

func permitChanges(q PermitQuery) changesSpec {
	return changesSpec{table: "permits", public: publicPermit, since: q.UpdatedSince, cursor: q.Cursor, limit: q.Limit}
}

// Penalties returns one page of the public penalties q selects, masked. A
// cursor that is not from a page of the same sort is ErrCursor. With
// q.IncludeWithdrawn, the page walks every penalty changed since
// q.UpdatedSince in (updated_at, id) order and lists those no longer
// public as tombstones.
func (pub *Public) Penalties(ctx context.Context, q PenaltyQuery) (Page[domain.PublishedPenalty], error) {
	if q.IncludeWithdrawn {
		page, err := runChanges(ctx, pub, pub.penaltyChanges(q), pub.PenaltiesByID,
			func(p domain.PublishedPenalty) int64 { return p.ID })
		if err != nil {
			return page, fmt.Errorf("store.Penalties: %w", err)
		}
		return page, nil
	}
	q.Sort = listSort(q.Sort, q.UpdatedSince)
	l, err := pub.penaltyList(ctx, q)
	if err != nil {
		return Page[domain.PublishedPenalty]{}, fmt.Errorf("store.Penalties: %w", err)
	}
	page, err := runList(ctx, pub, l, scanPenalty, penaltySortKey(q.Sort))
	if err != nil {
		return page, fmt.Errorf("store.Penalties: %w", err)
	}
	for i := range page.Items {
		page.Items[i] = pub.maskPenalty(page.Items[i])
	}
	return page, nil
}

// Permits is Penalties for permits.
func (pub *Public) Permits(ctx context.Context, q PermitQuery) (Page[domain.PublishedPermit], error) {
	if q.IncludeWithdrawn {
		page, err := runChanges(ctx, pub, permitChanges(q), pub.PermitsByID,
			func(p domain.PublishedPermit) int64 { return p.ID })
		if err != nil {
			return page, fmt.Errorf("store.Permits: %w", err)
		}
		return page, nil
	}
	q.Sort = listSort(q.Sort, q.UpdatedSince)
	l, err := pub.permitList(ctx, q)
	if err != nil {
		return Page[domain.PublishedPermit]{}, fmt.Errorf("store.Permits: %w", err)
	}
	page, err := runList(ctx, pub, l, scanPermit, permitSortKey(q.Sort))
	if err != nil {
		return page, fmt.Errorf("store.Permits: %w", err)
	}
	for i := range page.Items {
		page.Items[i] = pub.maskPermit(page.Items[i])
	}
	return page, nil
}

// Penalty returns the public penalty with the id, masked; ErrNotFound when
// it does not exist or is not public (withdrawn, or past its publicity
// period).
func (pub *Public) Penalty(ctx context.Context, id int64) (domain.PublishedPenalty, error) {
	ps, err := pub.PenaltiesByID(ctx, []int64{id})
	if err != nil {
		return domain.PublishedPenalty{}, err
	}
	if len(ps) == 0 {
		return domain.PublishedPenalty{}, fmt.Errorf("store.Penalty(%d): %w", id, pub.gone(ctx, EntityPenalty, id))
	}
	return ps[0], nil
}

// Permit is Penalty for permits.
func (pub *Public) Permit(ctx context.Context, id int64) (domain.PublishedPermit, error) {
	ps, err := pub.PermitsByID(ctx, []int64{id})
	if err != nil {
		return domain.PublishedPermit{}, err
	}
	if len(ps) == 0 {
		return domain.PublishedPermit{}, fmt.Errorf("store.Permit(%d): %w", id, pub.gone(ctx, EntityPermit, id))
	}
	return ps[0], nil
}

// District is a district of Suzhou (reference data).
type District struct {
	Code string
	Name string
}

// Districts lists the districts agencies may belong to, by code.
func (pub *Public) Districts(ctx context.Context) ([]District, error) {
	rows, err := pub.s.pool.Query(ctx, `SELECT code, name FROM districts ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("store.Districts: %w", err)
	}
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByPos[District])
	if err != nil {
		return nil, fmt.Errorf("store.Districts: %w", err)
	}
	return ds, nil
}
