package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/api"
	"github.com/gongshi/gongshi/server/httpx"
)

// The pages of the enforcement disclosure system (行政执法公示): bodies and
// officers, the certificate check, the random-inspection list with its
// versions, tasks with their draws, results, plans, referrals, and the
// quarterly report. Every page reads through EnforcementStore, the same
// public read path as the API.

// EnforcementStore is what the enforcement pages read; *store.Public
// implements it (it is api.EnforcementReads).
type EnforcementStore = api.EnforcementReads

// registerEnforcement adds the enforcement pages.
func (h *Handlers) registerEnforcement(get func(string, httpx.Accepted, httpx.HandlerFunc), page func(...string) httpx.Accepted) {
	get("/enforcement", page(), h.enforcementIndex)
	get("/verify", page("no"), h.verifyPage)
	get("/verify/:certificate_no", page(), h.verifyPage)
	get("/enforcement/bodies", page(), h.bodiesPage)
	get("/enforcement/officers", page("body_code", "status", "cursor"), h.officersPage)
	get("/enforcement/inspection-items", page("version"), h.itemsPage)
	get("/enforcement/registers/:register", page("version"), h.registerPage)
	get("/enforcement/tasks", page("body_code", "year", "cursor"), h.tasksPage)
	get("/enforcement/tasks/:id", page(), h.taskPage)
	get("/enforcement/results", page("body_code", "task_id", "kind", "category", "outcome", "party_kind",
		"credit_code", "inspection_date_from", "inspection_date_to", "q", "cursor"), h.resultsPage)
	get("/enforcement/results/:id", page(), h.resultPage)
	get("/enforcement/plans", page("year"), h.plansPage)
	get("/enforcement/referrals", page(), h.referralsPage)
	get("/reports/quarterly", page("quarter", "ytd", "agency_code"), h.quarterlyPage)
	get("/reports/quarterly.csv", page("quarter", "ytd", "agency_code"), h.quarterlyCSV)
}

// enfPage is the data of the simple enforcement pages.
type enfPage struct {
	pageData
	Data any
	// NextURL is the next page of a list.
	NextURL string
}

func (h *Handlers) enfRender(c *gin.Context, name, titleKey string, data any, next string, crumbs ...crumb) error {
	pr := printer(c)
	d := &enfPage{pageData: h.page(c, pr.T(titleKey), "enforcement"), Data: data, NextURL: next}
	d.Crumbs = append([]crumb{{pr.T("nav.home"), "/"}, {pr.T("enf.title"), "/enforcement"}}, crumbs...)
	d.Crumbs = append(d.Crumbs, crumb{pr.T(titleKey), ""})
	return h.render(c, name, d)
}

// nextPage is the URL of the next page of a list page: its query with the
// cursor replaced.
func nextPage(c *gin.Context, cursor string) string {
	if cursor == "" {
		return ""
	}
	q := c.Request.URL.Query()
	q.Set("cursor", cursor)
	return c.Request.URL.Path + "?" + q.Encode()
}

func (h *Handlers) enforcementIndex(c *gin.Context) error {
	if p := httpx.QueryParams(c, "lang"); p.Err() != nil {
		return p.Err()
	}
	pr := printer(c)
	d := &enfPage{pageData: h.page(c, pr.T("enf.title"), "enforcement")}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("enf.title"), ""}}
	return h.render(c, "enf_index", d)
}

// verifyView is the certificate check's page.
type verifyView struct {
	Asked  bool   // a certificate number was given
	Number string // as given, normalised
	Check  struct {
		Found, Valid                   bool
		Status, Name, Body, ValidUntil string
	}
	Problem string // why the number was refused
}

// verifyPage checks an enforcement certificate: /verify?no=… (the form)
// or /verify/{certificate_no} (the link a QR code on the certificate
// carries). Only the name, body, status and validity are shown.
func (h *Handlers) verifyPage(c *gin.Context) error {
	no := c.Param("certificate_no")
	if no == "" {
		no = c.Query("no")
	}
	v := verifyView{Number: domain.NormalizeCode(no)}
	if v.Number != "" {
		v.Asked = true
		if n := len([]rune(v.Number)); n > 40 {
			v.Problem = printer(c).T("verify.too_long")
		} else {
			r, err := api.VerifyCertificate(c.Request.Context(), h.enf, v.Number)
			if err != nil {
				return err
			}
			v.Check.Found, v.Check.Valid, v.Check.Status = r.Found, r.Valid, r.Status
			v.Check.Name, v.Check.Body, v.Check.ValidUntil = r.Name, r.Body, r.ValidUntil
		}
	}
	pr := printer(c)
	d := &enfPage{pageData: h.page(c, pr.T("verify.title"), "verify"), Data: v}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("enf.title"), "/enforcement"}, {pr.T("verify.title"), ""}}
	d.NoIndex = v.Asked // one page per certificate is no page for a search engine
	return h.render(c, "verify", d)
}

func (h *Handlers) bodiesPage(c *gin.Context) error {
	if p := httpx.QueryParams(c, "lang"); p.Err() != nil {
		return p.Err()
	}
	bs, err := h.enf.EnforcementBodies(c.Request.Context(), store.BodyQuery{})
	if err != nil {
		return err
	}
	return h.enfRender(c, "enf_bodies", "enf.bodies", bs, "")
}

type officersView struct {
	Body     *store.PublishedBody
	Status   string
	Statuses []domain.OfficerStatus
	Page     store.Page[store.PublishedOfficer]
}

func (h *Handlers) officersPage(c *gin.Context) error {
	p := httpx.QueryParams(c, "lang", "body_code", "status", "cursor")
	q := store.OfficerQuery{BodyCode: p.CreditCode("body_code"), Cursor: p.Str("cursor"), Limit: 50,
		Status: domain.OfficerStatus(p.Enum("status", statusNames(domain.OfficerStatuses)))}
	if err := p.Err(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	v := officersView{Status: string(q.Status), Statuses: domain.OfficerStatuses}
	if q.BodyCode != "" {
		b, err := h.enf.EnforcementBody(ctx, q.BodyCode)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound(printer(c).T("enf.no_body"))
		}
		if err != nil {
			return err
		}
		v.Body = &b
	}
	page, err := h.enf.Officers(ctx, q)
	if errors.Is(err, store.ErrCursor) { // a stale or edited link: the first page
		q.Cursor = ""
		page, err = h.enf.Officers(ctx, q)
	}
	if err != nil {
		return err
	}
	v.Page = page
	return h.enfRender(c, "enf_officers", "enf.officers", v, nextPage(c, page.Next), crumb{printer(c).T("enf.bodies"), "/enforcement/bodies"})
}

func statusNames[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

type itemsView struct {
	Version store.RegisterVersion
	Items   []domain.InspectionItem
	Pinned  bool
}

func (h *Handlers) itemsPage(c *gin.Context) error {
	p := httpx.QueryParams(c, "lang", "version")
	n := p.IntIn("version", 0, 1, 100_000)
	if err := p.Err(); err != nil {
		return err
	}
	v, items, err := h.enf.InspectionItems(c.Request.Context(), n)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound(printer(c).T("enf.no_items"))
	}
	if err != nil {
		return err
	}
	return h.enfRender(c, "enf_items", "enf.items", itemsView{v, items, n != 0}, "")
}

type registerView struct {
	Register store.Register
	Versions []store.RegisterVersion
	Shown    store.RegisterVersion
	Changes  []store.RegisterChange
}

// registerPage lists the versions of a register and what one of them (the
// newest, or ?version=n) added, changed and removed.
func (h *Handlers) registerPage(c *gin.Context) error {
	reg := store.Register(c.Param("register"))
	known := false
	for _, r := range store.Registers {
		known = known || r == reg
	}
	if !known {
		return httpx.NotFound(printer(c).T("enf.no_register"))
	}
	p := httpx.QueryParams(c, "lang", "version")
	n := p.IntIn("version", 0, 1, 100_000)
	if err := p.Err(); err != nil {
		return err
	}
	ctx := c.Request.Context()
	vs, err := h.enf.RegisterVersions(ctx, reg)
	if err != nil {
		return err
	}
	v := registerView{Register: reg, Versions: vs}
	if len(vs) > 0 {
		v.Shown, v.Changes, err = h.enf.RegisterChanges(ctx, reg, n)
		if errors.Is(err, store.ErrNotFound) {
			return httpx.NotFound(printer(c).T("enf.no_version"))
		}
		if err != nil {
			return err
		}
	}
	return h.enfRender(c, "enf_register", "enf.register."+string(reg), v, "")
}

func (h *Handlers) tasksPage(c *gin.Context) error {
	p := httpx.QueryParams(c, "lang", "body_code", "year", "cursor")
	q := store.TaskQuery{BodyCode: p.CreditCode("body_code"), Year: p.IntIn("year", 0, 1990, 9999), Cursor: p.Str("cursor"), Limit: 50}
	if err := p.Err(); err != nil {
		return err
	}
	page, err := h.enf.InspectionTasks(c.Request.Context(), q)
	if errors.Is(err, store.ErrCursor) { // a stale or edited link: the first page
		q.Cursor = ""
		page, err = h.enf.InspectionTasks(c.Request.Context(), q)
	}
	if err != nil {
		return err
	}
	return h.enfRender(c, "enf_tasks", "enf.tasks", page, nextPage(c, page.Next))
}

type taskView struct {
	Task        store.PublishedTask
	Enterprises []int
	Inspectors  []int
	Seed        string
	InspSeed    string
	ResultsURL  string
}

func (h *Handlers) taskPage(c *gin.Context) error {
	id, err := httpx.PathInt(c, "id")
	if err != nil {
		return err
	}
	t, err := h.enf.InspectionTask(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound(printer(c).T("enf.no_task"))
	}
	if err != nil {
		return err
	}
	d, err := api.TaskDraw(t.InspectionTask)
	if err != nil {
		return err
	}
	v := taskView{Task: t, Enterprises: d.Enterprises, Inspectors: d.Inspectors, Seed: d.Seed, InspSeed: d.InspectorSeed,
		ResultsURL: fmt.Sprintf("/enforcement/results?task_id=%d", t.ID)}
	return h.enfRender(c, "enf_task", "enf.task", v, "", crumb{printer(c).T("enf.tasks"), "/enforcement/tasks"})
}

type resultsView struct {
	Query    url.Values
	Page     store.Page[store.PublishedInspectionResult]
	Outcomes []domain.InspectionOutcome
	Kinds    []string
	Cats     []string
	APIURL   string
}

func (h *Handlers) resultsPage(c *gin.Context) error {
	p := httpx.QueryParams(c, "lang", "body_code", "task_id", "kind", "category", "outcome", "party_kind",
		"credit_code", "inspection_date_from", "inspection_date_to", "q", "cursor")
	q := api.InspectionResultQuery(p)
	q.Sort, q.Cursor, q.Limit = store.InspectionResultSort, p.Str("cursor"), 50
	if err := p.Err(); err != nil {
		return err
	}
	page, err := h.enf.InspectionResults(c.Request.Context(), q)
	if errors.Is(err, store.ErrCursor) { // a stale or edited link: the first page
		q.Cursor = ""
		page, err = h.enf.InspectionResults(c.Request.Context(), q)
	}
	if err != nil {
		return err
	}
	aq := c.Request.URL.Query()
	aq.Del("lang")
	aq.Del("cursor")
	v := resultsView{Query: c.Request.URL.Query(), Page: page, Outcomes: domain.InspectionOutcomes,
		Kinds: domain.InspectionKinds, Cats: domain.EnterpriseCategories, APIURL: "/api/v1/inspection-results?" + aq.Encode()}
	return h.enfRender(c, "enf_results", "enf.results", v, nextPage(c, page.Next))
}

func (h *Handlers) resultPage(c *gin.Context) error {
	id, err := httpx.PathInt(c, "id")
	if err != nil {
		return err
	}
	r, err := h.enf.InspectionResult(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound(printer(c).T("enf.no_result"))
	}
	if err != nil {
		return err
	}
	return h.enfRender(c, "enf_result", "enf.result", r, "", crumb{printer(c).T("enf.results"), "/enforcement/results"})
}

type plansView struct {
	Year  int
	Plans []store.PlanProgress
}

// planYear is the year the plan pages show by default: the current one.
func (h *Handlers) planYear() int { return domain.ChinaDate(h.now()).Year() }

func (h *Handlers) plansPage(c *gin.Context) error {
	p := httpx.QueryParams(c, "lang", "year")
	year := p.IntIn("year", h.planYear(), 1990, 9999)
	if err := p.Err(); err != nil {
		return err
	}
	ps, err := h.enf.PlanProgress(c.Request.Context(), store.PlanQuery{Year: year})
	if err != nil {
		return err
	}
	return h.enfRender(c, "enf_plans", "enf.plans", plansView{year, ps}, "")
}

// PlanTotals is the plan-versus-done summary the statistics page shows.
type PlanTotals struct {
	Year               int
	Plans              int
	Planned, Inspected int64
}

// planTotals sums this year's plans; the zero value when there is none or
// they cannot be read (the statistics page does not fail for them).
func (h *Handlers) planTotals(ctx context.Context) PlanTotals {
	t := PlanTotals{Year: h.planYear()}
	if h.enf == nil {
		return t
	}
	ps, err := h.enf.PlanProgress(ctx, store.PlanQuery{Year: t.Year})
	if err != nil {
		h.log.WarnContext(ctx, "stats: enforcement plans unreadable", "err", err)
		return t
	}
	for _, p := range ps {
		t.Plans++
		t.Planned += p.Planned
		t.Inspected += p.Inspected
	}
	return t
}

func (h *Handlers) referralsPage(c *gin.Context) error {
	if p := httpx.QueryParams(c, "lang"); p.Err() != nil {
		return p.Err()
	}
	rs, err := h.enf.CriminalReferrals(c.Request.Context(), store.ReferralQuery{})
	if err != nil {
		return err
	}
	return h.enfRender(c, "enf_referrals", "enf.referrals", api.ReferralTotals(rs), "")
}
