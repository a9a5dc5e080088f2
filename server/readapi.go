package server

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
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
}

// readHandlers serve the public read API. Every handler validates its
// query, answers JSON (or SVG) with Cache-Control: public, max-age=60, and
// returns errors for handle() to render.
type readHandlers struct {
	store     ReadStore
	districts *districtIndex
	calendar  domain.Calendar
}

// registerReadAPI adds the public read endpoints under /api/v1. They are
// described in openapi/openapi.yaml.
func registerReadAPI(api *gin.RouterGroup, d Deps) {
	h := readHandlers{store: d.Reads, districts: &districtIndex{}, calendar: *d.Calendar}
	hd := func(fn handlerFunc) gin.HandlerFunc {
		return handle(d.Log, func(c *gin.Context) error {
			if h.store == nil {
				return newError(http.StatusServiceUnavailable, "unavailable", "the read API is not configured")
			}
			return fn(c)
		})
	}
	api.GET("/penalties", hd(h.penalties))
	api.GET("/penalties/:id", hd(h.penalty))
	api.GET("/permits", hd(h.permits))
	api.GET("/permits/:id", hd(h.permit))
	api.GET("/subjects/:credit_code", hd(h.subject))
	api.GET("/powers", hd(h.powers))
	api.GET("/powers/:code", hd(h.power))
	api.GET("/powers/:code/flowchart.svg", hd(h.flowchart))
	api.GET("/lists/:kind", hd(h.list))
	api.GET("/lists/:kind/versions", hd(h.listVersions))
	api.GET("/lists/:kind/versions/:n", hd(h.listVersion))
	api.GET("/lists/:kind/versions/:n/changes", hd(h.listChanges))
	api.GET("/stats", hd(h.stats))
}

var (
	penaltyListParams = []string{"agency_code", "district", "category", "stage", "party_kind", "credit_code",
		"decision_date_from", "decision_date_to", "fine_min", "fine_max", "sort", "cursor", "limit"}
	permitListParams = []string{"agency_code", "district", "category", "state", "party_kind", "credit_code",
		"decision_date_from", "decision_date_to", "sort", "cursor", "limit"}
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
		return badRequest("cursor", "not a cursor of this list and sort: "+
			"use the next link of the previous page unchanged")
	}
	return err
}

func (h readHandlers) penalties(c *gin.Context) error {
	p := queryParams(c, penaltyListParams...)
	q := store.PenaltyQuery{
		AgencyCode: p.creditCode("agency_code"),
		Category:   p.enum("category", domain.PenaltyCategories),
		Stage:      domain.Stage(p.enum("stage", enumValues(domain.Stages))),
		PartyKind:  domain.PartyKind(p.enum("party_kind", enumValues(domain.PartyKinds))),
		CreditCode: p.creditCode("credit_code"),
		FineMin:    p.yuan("fine_min"),
		FineMax:    p.yuan("fine_max"),
		Sort:       p.sort("sort", store.PenaltySortKeys),
		Cursor:     p.str("cursor"),
		Limit:      p.intIn("limit", DefaultPageSize, 1, store.MaxPageSize),
	}
	q.DecidedFrom, q.DecidedTo = p.dateRange("decision_date")
	if q.FineMin != nil && q.FineMax != nil && *q.FineMax < *q.FineMin {
		p.fail("fine_max", "is less than fine_min")
	}
	district, err := h.districts.resolve(c.Request.Context(), h.store, p, "district")
	if err != nil {
		return err
	}
	q.DistrictCode = district
	if p.err != nil {
		return p.err
	}
	page, err := h.store.Penalties(c.Request.Context(), q)
	if err != nil {
		return cursorError(err)
	}
	return writeListPage(c, page, penaltyOf, q.Limit, q.Sort.String(), nextLink(penaltiesPath, p.vals, page.Next))
}

func (h readHandlers) permits(c *gin.Context) error {
	p := queryParams(c, permitListParams...)
	q := store.PermitQuery{
		AgencyCode: p.creditCode("agency_code"),
		Category:   p.enum("category", domain.PermitCategories),
		State:      domain.PermitState(p.enum("state", enumValues(domain.PermitStates))),
		PartyKind:  domain.PartyKind(p.enum("party_kind", enumValues(domain.PartyKinds))),
		CreditCode: p.creditCode("credit_code"),
		Sort:       p.sort("sort", store.PermitSortKeys),
		Cursor:     p.str("cursor"),
		Limit:      p.intIn("limit", DefaultPageSize, 1, store.MaxPageSize),
	}
	q.DecidedFrom, q.DecidedTo = p.dateRange("decision_date")
	district, err := h.districts.resolve(c.Request.Context(), h.store, p, "district")
	if err != nil {
		return err
	}
	q.DistrictCode = district
	if p.err != nil {
		return p.err
	}
	page, err := h.store.Permits(c.Request.Context(), q)
	if err != nil {
		return cursorError(err)
	}
	return writeListPage(c, page, permitOf, q.Limit, q.Sort.String(), nextLink(permitsPath, p.vals, page.Next))
}

// writeListPage writes one page of a record list with its total and, when
// there is more, the next link in the body and in a Link header.
func writeListPage[R, J any](c *gin.Context, page store.Page[R], conv func(R) J, limit int, sort string, next *string) error {
	out := pageJSON[J]{Items: make([]J, len(page.Items)), Count: len(page.Items),
		Total: page.Total, Limit: limit, Sort: sort, Next: next}
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
	id, err := pathInt(c, "id")
	if err != nil {
		return err
	}
	if p := queryParams(c); p.err != nil {
		return p.err
	}
	CacheTags(c, cache.RecordTag(string(entity), id))
	r, err := read(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return newError(http.StatusNotFound, "not_found", notFound)
	}
	if err != nil {
		return err
	}
	return writeJSON(c, conv(r))
}

func (h readHandlers) subject(c *gin.Context) error {
	p := queryParams(c)
	p.vals.Set("credit_code", c.Param("credit_code")) // validated like the query parameter
	code := p.creditCode("credit_code")
	if p.err != nil {
		return p.err
	}
	s, err := h.store.Subject(c.Request.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return newError(http.StatusNotFound, "not_found", "no public penalty or permit for this credit code")
	}
	if err != nil {
		return err
	}
	CacheTags(c, subjectTags(s)...)
	return writeJSON(c, subjectOf(s))
}

func (h readHandlers) stats(c *gin.Context) error {
	p := queryParams(c, "agency_code", "district", "decision_date_from", "decision_date_to")
	q := store.StatsQuery{AgencyCode: p.creditCode("agency_code"), Calendar: h.calendar}
	q.DecidedFrom, q.DecidedTo = p.dateRange("decision_date")
	district, err := h.districts.resolve(c.Request.Context(), h.store, p, "district")
	if err != nil {
		return err
	}
	q.DistrictCode = district
	if p.err != nil {
		return p.err
	}
	s, err := h.store.Stats(c.Request.Context(), q)
	if err != nil {
		return err
	}
	return writeJSON(c, statsOf(s))
}

// versionParam reads the optional version query parameter (0: current).
func versionParam(p *params) int { return p.intIn("version", 0, 1, 1<<30) }

// listKind reads the :kind path parameter.
func listKind(c *gin.Context) (domain.ListKind, error) {
	k := domain.ListKind(c.Param("kind"))
	for _, v := range domain.ListKinds {
		if v == k {
			return k, nil
		}
	}
	return "", newError(http.StatusNotFound, "not_found", "unknown list; want powers, responsibilities or public-services")
}

// versionNumber reads the :n path parameter.
func versionNumber(c *gin.Context) (int, error) {
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n <= 0 {
		return 0, badRequest("n", "must be a version number, a positive integer")
	}
	return n, nil
}

// subjectTags are what a party's profile depends on: the party (a record
// added to it) and every record it shows (one changed or moved away).
func subjectTags(s store.Subject) []string {
	tags := make([]string, 0, 1+len(s.Penalties)+len(s.Permits))
	tags = append(tags, cache.SubjectTag(s.CreditCode))
	for _, p := range s.Penalties {
		tags = append(tags, cache.RecordTag(string(store.EntityPenalty), p.ID))
	}
	for _, p := range s.Permits {
		tags = append(tags, cache.RecordTag(string(store.EntityPermit), p.ID))
	}
	return tags
}
