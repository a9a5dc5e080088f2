package api

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// ReadStore is what the public read API needs: *store.Public implements
// it, so every record it serves is published, within its publicity period
// and masked.
type ReadStore interface {
	Penalties(ctx context.Context, q store.PenaltyQuery) (store.Page[domain.PublishedPenalty], error)
	Permits(ctx context.Context, q store.PermitQuery) (store.Page[domain.PublishedPermit], error)
	Penalty(ctx context.Context, id int64) (domain.PublishedPenalty, error)
	Permit(ctx context.Context, id int64) (domain.PublishedPermit, error)
	Subject(ctx context.Context, creditCode string) (store.Subject, error)
	Districts(ctx context.Context) ([]store.District, error)
	ListVersions(ctx context.Context, kind domain.ListKind) ([]store.VersionInfo, error)
	ListVersion(ctx context.Context, kind domain.ListKind, n int) (store.VersionInfo, error)
	ListChanges(ctx context.Context, kind domain.ListKind, n int) (store.VersionInfo, []domain.ListChange, error)
	PowerItems(ctx context.Context, n int, category string) (store.VersionInfo, []store.PowerSummary, error)
	PowerItem(ctx context.Context, code string, n int) (store.VersionInfo, domain.PowerItem, error)
	Responsibilities(ctx context.Context, n int) (store.VersionInfo, []domain.ResponsibilityItem, error)
	Services(ctx context.Context, n int) (store.VersionInfo, []domain.ServiceItem, error)
	Stats(ctx context.Context, q store.StatsQuery) (store.Stats, error)
	QuarterlyFigures(ctx context.Context, q store.FiguresQuery) (store.QuarterlyFigures, error)
	Withdrawals(ctx context.Context) ([]store.WithdrawalMonth, error) // for the pages
}

// readHandlers serve the public read API. Every handler validates its
// query, answers JSON (or SVG) with Cache-Control: public, max-age=60, and
// returns its errors to the adapter.
type readHandlers struct {
	store      ReadStore
	districts  *districtIndex
	calendar   domain.Calendar
	flowcharts Flowcharts
}

var (
	penaltyListParams = []string{"agency_code", "district", "category", "stage", "party_kind", "credit_code",
		"decision_date_from", "decision_date_to", "fine_min", "fine_max", "updated_since", "include_withdrawn",
		"sort", "cursor", "limit"}
	permitListParams = []string{"agency_code", "district", "category", "state", "party_kind", "credit_code",
		"decision_date_from", "decision_date_to", "updated_since", "include_withdrawn", "sort", "cursor", "limit"}
)

// changeParams reads updated_since and include_withdrawn, and checks that
// the sort is the change order when updated_since is given (the default
// then) and that include_withdrawn stands with updated_since alone: a
// filter on records that are no longer public would tell of them.
func changeParams(p *httpx.Params, filters ...string) (since time.Time, withdrawn bool, sort store.Sort) {
	if v := p.Str("updated_since"); v != "" {
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			p.Fail("updated_since", "must be an RFC 3339 timestamp such as 2026-11-25T08:00:00+08:00")
		}
		since = t
	}
	switch p.Str("include_withdrawn") {
	case "", "false":
	case "true":
		withdrawn = true
	default:
		p.Fail("include_withdrawn", "must be true or false")
	}
	sortGiven := p.Str("sort") != ""
	if !since.IsZero() && !sortGiven {
		sort = store.Sort{Key: "updated_at"}
	}
	if !since.IsZero() && sortGiven && p.Str("sort") != "updated_at" {
		p.Fail("sort", "must be updated_at (or left out) with updated_since: changes are listed oldest first")
	}
	if withdrawn {
		if p.Str("updated_since") == "" {
			p.Fail("include_withdrawn", "needs updated_since")
		}
		for _, f := range filters {
			if p.Str(f) != "" {
				p.Fail("include_withdrawn", "cannot be combined with "+f+": only updated_since, cursor and limit")
				break
			}
		}
	}
	return since, withdrawn, sort
}

var (
	penaltyFilterParams = []string{"agency_code", "district", "category", "stage", "party_kind", "credit_code",
		"decision_date_from", "decision_date_to", "fine_min", "fine_max"}
	permitFilterParams = []string{"agency_code", "district", "category", "state", "party_kind", "credit_code",
		"decision_date_from", "decision_date_to"}
)

// DefaultPageSize is the page size of a list when limit is not given.
const DefaultPageSize = 20

func enumValues[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// cursorError turns a store cursor error into a 400 naming the parameter.
func cursorError(err error) error {
	if errors.Is(err, store.ErrCursor) {
		return httpx.BadRequest("cursor", "not a cursor of this list and sort: "+
			"use the next link of the previous page unchanged")
	}
	return err
}

func (h readHandlers) penalties(c *gin.Context) error {
	p := httpx.QueryParams(c, penaltyListParams...)
	q := store.PenaltyQuery{
		AgencyCode: p.CreditCode("agency_code"),
		Category:   p.Enum("category", domain.PenaltyCategories),
		Stage:      domain.Stage(p.Enum("stage", enumValues(domain.Stages))),
		PartyKind:  domain.PartyKind(p.Enum("party_kind", enumValues(domain.PartyKinds))),
		CreditCode: p.CreditCode("credit_code"),
		FineMin:    p.Yuan("fine_min"),
		FineMax:    p.Yuan("fine_max"),
		Sort:       p.Sort("sort", store.PenaltySortKeys),
		Cursor:     p.Str("cursor"),
		Limit:      p.IntIn("limit", DefaultPageSize, 1, store.MaxPageSize),
	}
	q.DecidedFrom, q.DecidedTo = p.DateRange("decision_date")
	if q.FineMin != nil && q.FineMax != nil && *q.FineMax < *q.FineMin {
		p.Fail("fine_max", "is less than fine_min")
	}
	var sort store.Sort
	q.UpdatedSince, q.IncludeWithdrawn, sort = changeParams(p, penaltyFilterParams...)
	if sort.Key != "" {
		q.Sort = sort
	}
	return answerPage(h, c, p, &q, &q.DistrictCode, h.store.Penalties, penaltyOf, penaltiesPath, q.Limit, q.Sort)
}

func (h readHandlers) permits(c *gin.Context) error {
	p := httpx.QueryParams(c, permitListParams...)
	q := store.PermitQuery{
		AgencyCode: p.CreditCode("agency_code"),
		Category:   p.Enum("category", domain.PermitCategories),
		State:      domain.PermitState(p.Enum("state", enumValues(domain.PermitStates))),
		PartyKind:  domain.PartyKind(p.Enum("party_kind", enumValues(domain.PartyKinds))),
		CreditCode: p.CreditCode("credit_code"),
		Sort:       p.Sort("sort", store.PermitSortKeys),
		Cursor:     p.Str("cursor"),
		Limit:      p.IntIn("limit", DefaultPageSize, 1, store.MaxPageSize),
	}
	q.DecidedFrom, q.DecidedTo = p.DateRange("decision_date")
	var sort store.Sort
	q.UpdatedSince, q.IncludeWithdrawn, sort = changeParams(p, permitFilterParams...)
	if sort.Key != "" {
		q.Sort = sort
	}
	return answerPage(h, c, p, &q, &q.DistrictCode, h.store.Permits, permitOf, permitsPath, q.Limit, q.Sort)
}

// answerPage finishes a record list: it resolves the district parameter
// into *district (a field of *q), and once every parameter is valid reads
// the page and writes it, each record in its JSON form.
func answerPage[Q, R, J any](h readHandlers, c *gin.Context, p *httpx.Params, q *Q, district *string,
	read func(context.Context, Q) (store.Page[R], error), conv func(R) J, path string, limit int, sort store.Sort) error {
	code, err := h.districts.resolve(c.Request.Context(), h.store, p, "district")
	if err != nil {
		return err
	}
	*district = code
	if err := p.Err(); err != nil {
		return err
	}
	page, err := read(c.Request.Context(), *q)
	if err != nil {
		return cursorError(err)
	}
	return writeListPage(c, page, conv, limit, sort.String(), nextLink(path, p.Values, page.Next))
}

// writeListPage writes one page of a record list with its total and, when
// there is more, the next link in the body and in a Link header.
func writeListPage[R, J any](c *gin.Context, page store.Page[R], conv func(R) J, limit int, sort string, next *string) error {
	out := pageJSON[J]{Items: make([]J, len(page.Items)), Count: len(page.Items),
		Total: page.Total, TotalExact: page.TotalExact, Limit: limit, Sort: sort, Next: next,
		Withdrawn: tombstonesOf(page.Withdrawn)}
	for i, r := range page.Items {
		out.Items[i] = conv(r)
	}
	if next != nil {
		c.Header("Link", "<"+*next+`>; rel="next"`)
	}
	return writeJSON(c, out)
}

func (h readHandlers) penalty(c *gin.Context) error {
	return readOne(c, store.EntityPenalty, h.store.Penalty, penaltyOf,
		"no public penalty with this id (it may have been withdrawn or its publicity period has ended)")
}

func (h readHandlers) permit(c *gin.Context) error {
	return readOne(c, store.EntityPermit, h.store.Permit, permitOf, "no public permit with this id (it may have been withdrawn)")
}

// readOne answers GET …/{id}: the record of entity read by id, in its
// JSON form, or 404 with notFound; the detail takes no query parameters.
// The response depends on that record alone.
func readOne[R, J any](c *gin.Context, entity store.Entity, read func(context.Context, int64) (R, error), conv func(R) J, notFound string) error {
	id, err := httpx.PathInt(c, "id")
	if err != nil {
		return err
	}
	if p := httpx.QueryParams(c); p.Err() != nil {
		return p.Err()
	}
	httpx.CacheTags(c, cache.RecordTag(string(entity), id))
	r, err := read(c.Request.Context(), id)
	var gone *store.GoneError
	if errors.As(err, &gone) {
		return httpx.Gone(goneMessage(gone))
	}
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound(notFound)
	}
	if err != nil {
		return err
	}
	return writeJSON(c, conv(r))
}

func (h readHandlers) subject(c *gin.Context) error {
	p := httpx.QueryParams(c)
	p.Values.Set("credit_code", c.Param("credit_code")) // validated like the query parameter
	code := p.CreditCode("credit_code")
	if p.Err() != nil {
		return p.Err()
	}
	s, err := h.store.Subject(c.Request.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound("no public penalty or permit for this credit code")
	}
	if err != nil {
		return err
	}
	httpx.CacheTags(c, cache.SubjectTags(s)...)
	return writeJSON(c, subjectOf(s))
}

func (h readHandlers) stats(c *gin.Context) error {
	p := httpx.QueryParams(c, "agency_code", "district", "decision_date_from", "decision_date_to", "quarter", "ytd")
	q := store.StatsQuery{AgencyCode: p.CreditCode("agency_code"), Calendar: h.calendar}
	q.DecidedFrom, q.DecidedTo = p.DateRange("decision_date")
	quarter, ytd, withQuarter := QuarterParam(p)
	district, err := h.districts.resolve(c.Request.Context(), h.store, p, "district")
	if err != nil {
		return err
	}
	q.DistrictCode = district
	if p.Err() != nil {
		return p.Err()
	}
	s, err := h.store.Stats(c.Request.Context(), q)
	if err != nil {
		return err
	}
	out := statsOf(s)
	if withQuarter {
		f, err := h.store.QuarterlyFigures(c.Request.Context(), store.FiguresQuery{Quarter: quarter, YearToDate: ytd,
			AgencyCode: q.AgencyCode, DistrictCode: q.DistrictCode, Calendar: h.calendar})
		if err != nil {
			return err
		}
		out.Quarter = quarterFiguresOf(f)
	}
	return writeJSON(c, out)
}

// versionParam reads the optional version query parameter (0: current).
func versionParam(p *httpx.Params) int { return p.IntIn("version", 0, 1, domain.MaxListVersion) }

// listKind reads the :kind path parameter.
func listKind(c *gin.Context) (domain.ListKind, error) {
	if k, ok := domain.ParseListKind(c.Param("kind")); ok {
		return k, nil
	}
	return "", httpx.NotFound("unknown list; want " + domain.ListKindNames())
}

// versionNumber reads the :n path parameter.
func versionNumber(c *gin.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n <= 0 || n > domain.MaxListVersion {
		return 0, httpx.BadRequest("n", fmt.Sprintf("must be a version number, an integer from 1 to %d", domain.MaxListVersion))
	}
	return n, nil
}

// goneMessage says since when and why a record is no longer published,
// without any of its content.
func goneMessage(g *store.GoneError) string {
	if !g.Withdrawn {
		return fmt.Sprintf("this %s is no longer published: its publicity period ended on %s",
			g.Entity, g.Since.AddDate(0, 0, -1).Format(domain.DateLayout))
	}
	return fmt.Sprintf("this %s was withdrawn on %s (reason: %s); withdrawn records are not published",
		g.Entity, g.Since.In(domain.China).Format(domain.DateLayout), g.Reason)
}
