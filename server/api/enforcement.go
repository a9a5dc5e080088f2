package api

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// EnforcementReads is the public read path of the enforcement disclosure
// records (执法主体, 执法人员, 随机抽查事项清单, tasks, results, plans,
// referrals and the quarterly figures); *store.Public implements it, so
// results are published and masked, and officers carry no field beyond
// name, certificate, issuing authority, body, status and validity.
type EnforcementReads interface {
	EnforcementBodies(ctx context.Context, q store.BodyQuery) ([]store.PublishedBody, error)
	EnforcementBody(ctx context.Context, creditCode string) (store.PublishedBody, error)
	Officers(ctx context.Context, q store.OfficerQuery) (store.Page[store.PublishedOfficer], error)
	VerifyOfficer(ctx context.Context, certificateNo string) (domain.OfficerCheck, error)
	RegisterVersions(ctx context.Context, reg store.Register) ([]store.RegisterVersion, error)
	RegisterChanges(ctx context.Context, reg store.Register, n int) (store.RegisterVersion, []store.RegisterChange, error)
	InspectionItems(ctx context.Context, n int) (store.RegisterVersion, []domain.InspectionItem, error)
	InspectionTasks(ctx context.Context, q store.TaskQuery) (store.Page[store.PublishedTask], error)
	InspectionTask(ctx context.Context, id int64) (store.PublishedTask, error)
	InspectionResults(ctx context.Context, q store.InspectionResultQuery) (store.Page[store.PublishedInspectionResult], error)
	InspectionResult(ctx context.Context, id int64) (store.PublishedInspectionResult, error)
	PlanProgress(ctx context.Context, q store.PlanQuery) ([]store.PlanProgress, error)
	CriminalReferrals(ctx context.Context, q store.ReferralQuery) ([]store.PublishedReferral, error)
	QuarterlyFigures(ctx context.Context, q store.FiguresQuery) (store.QuarterlyFigures, error)
	EnforcementDatasetState(ctx context.Context, name string) (store.DatasetState, error)
	ExportEnforcementDataset(ctx context.Context, name string, start func(store.DatasetState) error, row func([]string) error) error
}

// The paths of the enforcement reads.
const (
	bodiesPath     = "/api/v1/enforcement-bodies"
	officersPath   = "/api/v1/officers"
	verifyPath     = "/api/v1/officers/verify"
	registersPath  = "/api/v1/registers"
	itemsPath      = "/api/v1/inspection-items"
	tasksPath      = "/api/v1/inspection-tasks"
	resultsPath    = "/api/v1/inspection-results"
	plansPath      = "/api/v1/enforcement-plans"
	referralsPath  = "/api/v1/criminal-referrals"
	quarterlyPath  = "/api/v1/reports/quarterly"
	maxRegisterVer = 100_000
)

// enforcementHandlers serve the enforcement reads.
type enforcementHandlers struct {
	store     EnforcementReads
	reads     ReadStore // the districts, by name or code
	districts *districtIndex
	calendar  domain.Calendar
	now       func() time.Time
}

// district resolves the district parameter (a name or a GB/T 2260 code)
// into *code, as the record lists do.
func (h enforcementHandlers) district(c *gin.Context, p *httpx.Params, code *string) error {
	v, err := h.districts.resolve(c.Request.Context(), h.reads, p, "district")
	*code = v
	return err
}

type bodyJSON struct {
	Name           string  `json:"name"`
	CreditCode     string  `json:"credit_code"`
	LegalBasis     string  `json:"legal_basis"`
	DistrictCode   string  `json:"district_code"`
	District       string  `json:"district"`
	Entrusted      bool    `json:"entrusted"`
	EntrustingBody *string `json:"entrusting_body"`
	EntrustingCode *string `json:"entrusting_code"`
	Status         string  `json:"status"`
	Remarks        string  `json:"remarks"`
	ValidOfficers  int64   `json:"valid_officers"`
	URL            string  `json:"url"`
	OfficersURL    string  `json:"officers_url"`
	PublishedAt    string  `json:"published_at"`
	UpdatedAt      string  `json:"updated_at"`
	Demo           bool    `json:"demo"`
}

func bodyOf(b store.PublishedBody) bodyJSON {
	return bodyJSON{
		Name: b.Name, CreditCode: b.CreditCode, LegalBasis: b.LegalBasis, DistrictCode: b.DistrictCode, District: b.District,
		Entrusted: b.Entrusted, EntrustingBody: optionalString(b.EntrustingBody), EntrustingCode: optionalString(b.EntrustingCode),
		Status: string(b.Status), Remarks: b.Remarks, ValidOfficers: b.ValidOfficers,
		URL: bodiesPath + "/" + b.CreditCode, OfficersURL: officersPath + "?body_code=" + b.CreditCode,
		PublishedAt: domain.FormatInstant(b.PublishedAt), UpdatedAt: domain.FormatInstant(b.UpdatedAt), Demo: b.Demo,
	}
}

// officerJSON is all that is published of an officer.
type officerJSON struct {
	CertificateNo    string `json:"certificate_no"`
	Name             string `json:"name"`
	IssuingAuthority string `json:"issuing_authority"`
	BodyCode         string `json:"body_code"`
	Body             string `json:"body"`
	Status           string `json:"status"`
	ValidUntil       string `json:"valid_until"`
	VerifyURL        string `json:"verify_url"`
	Demo             bool   `json:"demo"`
}

func officerOf(o store.PublishedOfficer) officerJSON {
	return officerJSON{CertificateNo: o.CertificateNo, Name: o.Name, IssuingAuthority: o.IssuingAuthority,
		BodyCode: o.BodyCode, Body: o.Body, Status: string(o.Effective), ValidUntil: domain.FormatDate(o.ValidUntil),
		VerifyURL: verifyPath + "/" + url.PathEscape(o.CertificateNo), Demo: o.Demo}
}

// VerificationJSON is the answer to a certificate check.
type verificationJSON struct {
	CertificateNo string `json:"certificate_no"`
	Found         bool   `json:"found"`
	Valid         bool   `json:"valid"`
	Status        string `json:"status,omitempty"`
	Name          string `json:"name,omitempty"`
	Body          string `json:"body,omitempty"`
	ValidUntil    string `json:"valid_until,omitempty"`
}

// VerifyCertificate checks a certificate number: found false when no such
// certificate is registered. Only the store's errors are returned.
func VerifyCertificate(ctx context.Context, s interface {
	VerifyOfficer(context.Context, string) (domain.OfficerCheck, error)
}, no string) (verificationJSON, error) {
	v := verificationJSON{CertificateNo: domain.NormalizeCode(no)}
	chk, err := s.VerifyOfficer(ctx, no)
	if errors.Is(err, store.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	v.Found, v.Valid = true, chk.Status == domain.OfficerValid
	v.Status, v.Name, v.Body, v.ValidUntil = string(chk.Status), chk.Name, chk.Body, domain.FormatDate(chk.ValidUntil)
	return v, nil
}

// certificateParam reads a certificate number from the path: 1 to 40
// characters once normalised.
func certificateParam(c *gin.Context) (string, error) {
	no := domain.NormalizeCode(c.Param("certificate_no"))
	if n := len([]rune(no)); n == 0 || n > 40 {
		return "", httpx.BadRequest("certificate_no", "must be an enforcement certificate number of 1 to 40 characters")
	}
	return no, nil
}

func (h enforcementHandlers) bodies(c *gin.Context) error {
	p := httpx.QueryParams(c, "district", "status")
	q := store.BodyQuery{Status: domain.BodyStatus(p.Enum("status", enumValues(domain.BodyStatuses)))}
	if err := h.district(c, p, &q.DistrictCode); err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return err
	}
	bs, err := h.store.EnforcementBodies(c.Request.Context(), q)
	if err != nil {
		return err
	}
	out := make([]bodyJSON, len(bs))
	for i, b := range bs {
		out[i] = bodyOf(b)
	}
	return writeJSON(c, gin.H{"items": out, "count": len(out)})
}

func (h enforcementHandlers) body(c *gin.Context) error {
	p := httpx.QueryParams(c)
	p.Values.Set("credit_code", c.Param("credit_code"))
	code := p.CreditCode("credit_code")
	if err := p.Err(); err != nil {
		return err
	}
	b, err := h.store.EnforcementBody(c.Request.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound("no enforcement body with this credit code is registered")
	}
	if err != nil {
		return err
	}
	return writeJSON(c, bodyOf(b))
}

func (h enforcementHandlers) officers(c *gin.Context) error {
	p := httpx.QueryParams(c, "body_code", "district", "status", "cursor", "limit")
	q := store.OfficerQuery{BodyCode: p.CreditCode("body_code"),
		Status: domain.OfficerStatus(p.Enum("status", enumValues(domain.OfficerStatuses))),
		Cursor: p.Str("cursor"), Limit: p.IntIn("limit", DefaultPageSize, 1, store.MaxPageSize)}
	if err := h.district(c, p, &q.DistrictCode); err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return err
	}
	page, err := h.store.Officers(c.Request.Context(), q)
	if err != nil {
		return cursorError(err)
	}
	return writeListPage(c, page, officerOf, q.Limit, "name", nextLink(officersPath, p.Values, page.Next))
}

func (h enforcementHandlers) verify(c *gin.Context) error {
	no, err := certificateParam(c)
	if err != nil {
		return err
	}
	if p := httpx.QueryParams(c); p.Err() != nil {
		return p.Err()
	}
	v, err := VerifyCertificate(c.Request.Context(), h.store, no)
	if err != nil {
		return err
	}
	if !v.Found {
		return httpx.NotFound("no enforcement certificate with this number is registered: it may be forged, or mistyped")
	}
	return writeJSON(c, v)
}

// registerParam reads the :register path parameter.
func registerParam(c *gin.Context) (store.Register, error) {
	r := store.Register(c.Param("register"))
	for _, k := range store.Registers {
		if k == r {
			return r, nil
		}
	}
	return "", httpx.NotFound("unknown register; want bodies, officers or inspection-items")
}

type registerVersionJSON struct {
	Register      string `json:"register"`
	Number        int    `json:"number"`
	EffectiveDate string `json:"effective_date"`
	Note          string `json:"note"`
	ItemCount     int    `json:"item_count"`
	Added         int    `json:"added"`
	Changed       int    `json:"changed"`
	Removed       int    `json:"removed"`
	PublishedAt   string `json:"published_at"`
	Demo          bool   `json:"demo"`
	ChangesURL    string `json:"changes_url"`
}

func registerVersionOf(v store.RegisterVersion) registerVersionJSON {
	return registerVersionJSON{Register: string(v.Register), Number: v.Number, EffectiveDate: domain.FormatDate(v.EffectiveDate),
		Note: v.Note, ItemCount: v.Items, Added: v.Added, Changed: v.Changed, Removed: v.Removed,
		PublishedAt: domain.FormatInstant(v.PublishedAt), Demo: v.Demo,
		ChangesURL: fmt.Sprintf("%s/%s/versions/%d/changes", registersPath, v.Register, v.Number)}
}

type registerChangeJSON struct {
	Key     string            `json:"key"`
	Name    string            `json:"name"`
	Change  string            `json:"change"`
	Fields  []string          `json:"fields"`
	Content map[string]string `json:"content"`
}

func (h enforcementHandlers) registerVersions(c *gin.Context) error {
	reg, err := registerParam(c)
	if err != nil {
		return err
	}
	if p := httpx.QueryParams(c); p.Err() != nil {
		return p.Err()
	}
	vs, err := h.store.RegisterVersions(c.Request.Context(), reg)
	if err != nil {
		return err
	}
	out := make([]registerVersionJSON, len(vs))
	for i, v := range vs {
		out[i] = registerVersionOf(v)
	}
	return writeJSON(c, gin.H{"register": reg, "versions": out})
}

func (h enforcementHandlers) registerChanges(c *gin.Context) error {
	reg, err := registerParam(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("n"))
	if err != nil || n <= 0 || n > maxRegisterVer {
		return httpx.BadRequest("n", fmt.Sprintf("must be a version number, an integer from 1 to %d", maxRegisterVer))
	}
	if p := httpx.QueryParams(c); p.Err() != nil {
		return p.Err()
	}
	v, cs, err := h.store.RegisterChanges(c.Request.Context(), reg, n)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound(fmt.Sprintf("the %s register has no version %d", reg, n))
	}
	if err != nil {
		return err
	}
	out := make([]registerChangeJSON, len(cs))
	for i, ch := range cs {
		out[i] = registerChangeJSON{Key: ch.Key, Name: ch.Name, Change: ch.Change, Fields: nonNilStrings(ch.Fields), Content: ch.Content}
	}
	return writeJSON(c, gin.H{"version": registerVersionOf(v), "changes": out})
}

func (h enforcementHandlers) inspectionItems(c *gin.Context) error {
	p := httpx.QueryParams(c, "version")
	n := p.IntIn("version", 0, 1, maxRegisterVer)
	if err := p.Err(); err != nil {
		return err
	}
	v, items, err := h.store.InspectionItems(c.Request.Context(), n)
	if errors.Is(err, store.ErrNotFound) {
		if n == 0 {
			return httpx.NotFound("no random-inspection list is published yet")
		}
		return httpx.NotFound(fmt.Sprintf("the random-inspection list has no version %d", n))
	}
	if err != nil {
		return err
	}
	if items == nil {
		items = []domain.InspectionItem{}
	}
	return writeJSON(c, gin.H{"version": registerVersionOf(v), "items": items})
}

type taskJSON struct {
	ID            int64    `json:"id"`
	URL           string   `json:"url"`
	Code          string   `json:"code"`
	Name          string   `json:"name"`
	BodyCode      string   `json:"body_code"`
	Body          string   `json:"body"`
	District      string   `json:"district"`
	PlanYear      *int     `json:"plan_year"`
	ItemCodes     []string `json:"item_codes"`
	StartDate     string   `json:"start_date"`
	EndDate       string   `json:"end_date"`
	Candidates    int      `json:"candidates"`
	Drawn         int      `json:"drawn"`
	InspectorPool int      `json:"inspector_pool"`
	Inspectors    int      `json:"inspectors"`
	Seed          string   `json:"seed"`
	Algorithm     string   `json:"algorithm"`
	DrawnOn       string   `json:"drawn_on"`
	Remarks       string   `json:"remarks"`
	Results       int64    `json:"results"`
	ResultsURL    string   `json:"results_url"`
	PublishedAt   string   `json:"published_at"`
	UpdatedAt     string   `json:"updated_at"`
	Demo          bool     `json:"demo"`
}

func taskOf(t store.PublishedTask) taskJSON {
	var year *int
	if t.PlanYear != 0 {
		year = &t.PlanYear
	}
	return taskJSON{ID: t.ID, URL: fmt.Sprintf("%s/%d", tasksPath, t.ID), Code: t.Code, Name: t.Name, BodyCode: t.BodyCode,
		Body: t.Body, District: t.District, PlanYear: year, ItemCodes: nonNilStrings(t.ItemCodes),
		StartDate: domain.FormatDate(t.StartDate), EndDate: domain.FormatDate(t.EndDate), Candidates: t.Candidates,
		Drawn: t.Drawn, InspectorPool: t.InspectorPool, Inspectors: t.Inspectors, Seed: t.Seed, Algorithm: t.Algorithm,
		DrawnOn: domain.FormatDate(t.DrawnOn), Remarks: t.Remarks, Results: t.Results,
		ResultsURL:  fmt.Sprintf("%s?task_id=%d", resultsPath, t.ID),
		PublishedAt: domain.FormatInstant(t.PublishedAt), UpdatedAt: domain.FormatInstant(t.UpdatedAt), Demo: t.Demo}
}

// drawJSON is a task's draw, repeated: the 1-based positions in the
// published candidate (and inspector) lists, in draw order.
type drawJSON struct {
	Algorithm     string `json:"algorithm"`
	Seed          string `json:"seed"`
	Enterprises   []int  `json:"enterprises"`
	Inspectors    []int  `json:"inspectors"`
	InspectorSeed string `json:"inspector_seed"`
}

// TaskDraw repeats a task's draw as anyone can from its published seed.
func TaskDraw(t domain.InspectionTask) (drawJSON, error) {
	e, err := t.DrawEnterprises()
	if err != nil {
		return drawJSON{}, fmt.Errorf("draw of task %s: %w", t.Code, err)
	}
	in, err := t.DrawInspectors()
	if err != nil {
		return drawJSON{}, fmt.Errorf("inspector draw of task %s: %w", t.Code, err)
	}
	d := drawJSON{Algorithm: t.Algorithm, Seed: t.Seed, Enterprises: e, Inspectors: in}
	if d.Inspectors == nil {
		d.Inspectors = []int{}
	} else {
		d.InspectorSeed = t.Seed + domain.InspectorSeedSuffix
	}
	return d, nil
}

func (h enforcementHandlers) tasks(c *gin.Context) error {
	p := httpx.QueryParams(c, "body_code", "district", "year", "cursor", "limit")
	q := store.TaskQuery{BodyCode: p.CreditCode("body_code"), Year: p.IntIn("year", 0, 1990, 9999), Cursor: p.Str("cursor"),
		Limit: p.IntIn("limit", DefaultPageSize, 1, store.MaxPageSize)}
	if err := h.district(c, p, &q.DistrictCode); err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return err
	}
	page, err := h.store.InspectionTasks(c.Request.Context(), q)
	if err != nil {
		return cursorError(err)
	}
	return writeListPage(c, page, taskOf, q.Limit, store.TaskSort.String(), nextLink(tasksPath, p.Values, page.Next))
}

func (h enforcementHandlers) task(c *gin.Context) error {
	id, err := httpx.PathInt(c, "id")
	if err != nil {
		return err
	}
	if p := httpx.QueryParams(c); p.Err() != nil {
		return p.Err()
	}
	t, err := h.store.InspectionTask(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound("no inspection task with this id")
	}
	if err != nil {
		return err
	}
	d, err := TaskDraw(t.InspectionTask)
	if err != nil {
		return err
	}
	return writeJSON(c, struct {
		taskJSON
		Draw drawJSON `json:"draw"`
	}{taskOf(t), d})
}

type inspectionResultJSON struct {
	publicationJSON
	RecordNo string  `json:"record_no"`
	Body     string  `json:"body"`
	BodyCode string  `json:"body_code"`
	TaskCode *string `json:"task_code"`
	TaskURL  *string `json:"task_url"`
	Kind     string  `json:"kind"`
	partyJSON
	Category          string  `json:"category"`
	InspectionDate    string  `json:"inspection_date"`
	Outcome           string  `json:"outcome"`
	Hazards           int     `json:"hazards"`
	PenaltyDecisionNo *string `json:"penalty_decision_no"`
	PenaltyAgencyCode *string `json:"penalty_agency_code"`
	PenaltyURL        *string `json:"penalty_url"`
	Summary           string  `json:"summary"`
}

func inspectionResultOf(r store.PublishedInspectionResult) inspectionResultJSON {
	out := inspectionResultJSON{publicationJSON: publicationOf(r.Publication, resultsPath), RecordNo: r.RecordNo,
		Body: r.Body, BodyCode: r.BodyCode, TaskCode: optionalString(r.TaskCode), Kind: r.Kind, partyJSON: partyOf(r.Party),
		Category: r.Category, InspectionDate: domain.FormatDate(r.InspectionDate), Outcome: string(r.Outcome),
		Hazards: r.Hazards, PenaltyDecisionNo: optionalString(r.PenaltyDecisionNo),
		PenaltyAgencyCode: optionalString(r.PenaltyAgencyCode), Summary: r.Summary}
	if r.TaskID != 0 {
		u := fmt.Sprintf("%s/%d", tasksPath, r.TaskID)
		out.TaskURL = &u
	}
	if r.PenaltyID != 0 {
		u := fmt.Sprintf("%s/%d", penaltiesPath, r.PenaltyID)
		out.PenaltyURL = &u
	}
	return out
}

// inspectionResultParams are the filters of the results list. The list
// is filtered in PostgreSQL (by body, district, task, kind, industry,
// outcome, party and dates) and found by the party's name (q), in
// PostgreSQL, not by the search index.
var inspectionResultParams = []string{"q", "body_code", "district", "task_id", "kind", "category", "outcome",
	"party_kind", "credit_code", "inspection_date_from", "inspection_date_to", "sort", "cursor", "limit"}

// InspectionResultQuery reads the results list's filters from p.
func InspectionResultQuery(p *httpx.Params) store.InspectionResultQuery {
	q := store.InspectionResultQuery{
		BodyCode: p.CreditCode("body_code"),
		Kind:     p.Enum("kind", domain.InspectionKinds), Category: p.Enum("category", domain.EnterpriseCategories),
		Outcome:    domain.InspectionOutcome(p.Enum("outcome", enumValues(domain.InspectionOutcomes))),
		PartyKind:  domain.PartyKind(p.Enum("party_kind", enumValues(domain.PartyKinds))),
		CreditCode: p.CreditCode("credit_code"),
	}
	if v := p.Str("task_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			p.Fail("task_id", "must be a positive integer")
		}
		q.TaskID = id
	}
	q.InspectedFrom, q.InspectedTo = p.DateRange("inspection_date")
	partyQuery(p, &q)
	return q
}

// Limits of the q parameter of the results list.
const (
	partyQueryMin = 2
	partyQueryMax = 100
)

// partyQuery reads q: a 统一社会信用代码 goes to the exact credit-code
// filter, anything else is a party name or part of one. Digits match any
// digit (see store.InspectionResultQuery.Name), so a name must hold at
// least partyQueryMin characters besides digits and spaces: digits alone
// would match every name with as many. A q that masking would change
// (it holds an ID, phone or account number) is refused whole.
func partyQuery(p *httpx.Params, q *store.InspectionResultQuery) {
	v := p.Str("q")
	if v == "" {
		return
	}
	if n := utf8.RuneCountInString(v); n > partyQueryMax {
		p.Fail("q", fmt.Sprintf("must be at most %d characters, not %d", partyQueryMax, n))
		return
	}
	if code := domain.NormalizeCode(v); len(code) == 18 && domain.ValidateUSCC(code) == nil {
		if q.CreditCode != "" && q.CreditCode != code {
			p.Fail("q", "names another 统一社会信用代码 than credit_code")
		}
		q.CreditCode = code
		return
	}
	if domain.DefaultMasking.Text(v) != v {
		p.Fail("q", "holds what reads as a personal identifier (an ID, phone or account number): those are never searchable")
		return
	}
	letters := 0
	for _, r := range v {
		if !unicode.IsDigit(r) && !unicode.IsSpace(r) {
			letters++
		}
	}
	if letters < partyQueryMin {
		p.Fail("q", fmt.Sprintf("must hold at least %d characters of a name besides digits and spaces "+
			"(digits alone are searched only as a whole 统一社会信用代码)", partyQueryMin))
		return
	}
	q.Name = v
}

func (h enforcementHandlers) results(c *gin.Context) error {
	p := httpx.QueryParams(c, inspectionResultParams...)
	q := InspectionResultQuery(p)
	q.Sort = store.InspectionResultSort
	if p.Str("sort") != "" {
		q.Sort = p.Sort("sort", store.InspectionResultSortKeys)
	}
	q.Cursor, q.Limit = p.Str("cursor"), p.IntIn("limit", DefaultPageSize, 1, store.MaxPageSize)
	if err := h.district(c, p, &q.DistrictCode); err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return err
	}
	page, err := h.store.InspectionResults(c.Request.Context(), q)
	if err != nil {
		return cursorError(err)
	}
	return writeListPage(c, page, inspectionResultOf, q.Limit, q.Sort.String(), nextLink(resultsPath, p.Values, page.Next))
}

func (h enforcementHandlers) result(c *gin.Context) error {
	return readOne(c, store.EntityInspectionResult, h.store.InspectionResult, inspectionResultOf,
		"no public inspection result with this id (it may have been withdrawn)")
}

type targetJSON struct {
	Category  string `json:"category"`
	Planned   int64  `json:"planned"`
	Inspected int64  `json:"inspected"`
}

type planJSON struct {
	Year       int          `json:"year"`
	BodyCode   string       `json:"body_code"`
	Body       string       `json:"body"`
	District   string       `json:"district"`
	Name       string       `json:"name"`
	ApprovedOn string       `json:"approved_on"`
	Remarks    string       `json:"remarks"`
	Targets    []targetJSON `json:"targets"`
	Planned    int64        `json:"planned"`
	Inspected  int64        `json:"inspected"`
	ResultsURL string       `json:"results_url"`
	Demo       bool         `json:"demo"`
}

func planOf(p store.PlanProgress) planJSON {
	out := planJSON{Year: p.Year, BodyCode: p.BodyCode, Body: p.Body, District: p.District, Name: p.Name,
		ApprovedOn: domain.FormatDate(p.ApprovedOn), Remarks: p.Remarks, Targets: []targetJSON{}, Planned: p.Planned,
		Inspected: p.Inspected, Demo: p.Demo,
		ResultsURL: fmt.Sprintf("%s?body_code=%s&inspection_date_from=%d-01-01&inspection_date_to=%d-12-31", resultsPath,
			p.BodyCode, p.Year, p.Year)}
	for _, t := range p.Targets {
		out.Targets = append(out.Targets, targetJSON(t))
	}
	return out
}

func (h enforcementHandlers) plans(c *gin.Context) error {
	p := httpx.QueryParams(c, "year", "body_code", "district")
	q := store.PlanQuery{Year: p.IntIn("year", 0, 1990, 9999), BodyCode: p.CreditCode("body_code")}
	if err := h.district(c, p, &q.DistrictCode); err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return err
	}
	ps, err := h.store.PlanProgress(c.Request.Context(), q)
	if err != nil {
		return err
	}
	out := make([]planJSON, len(ps))
	for i, pp := range ps {
		out[i] = planOf(pp)
	}
	return writeJSON(c, gin.H{"items": out, "count": len(out)})
}

type referralJSON struct {
	Quarter  string `json:"quarter"`
	BodyCode string `json:"body_code"`
	Body     string `json:"body"`
	District string `json:"district"`
	Stage    string `json:"stage"`
	Cases    int    `json:"cases"`
	Persons  int    `json:"persons"`
	Demo     bool   `json:"demo"`
}

// ReferralTotal is the referrals of one quarter and stage, summed over
// the bodies a query selects.
type ReferralTotal struct {
	Quarter string `json:"quarter"`
	Stage   string `json:"stage"`
	Cases   int    `json:"cases"`
	Persons int    `json:"persons"`
}

// ReferralTotals sums referral counts by quarter and stage, in quarter
// order, 事前 before 事故.
func ReferralTotals(rs []store.PublishedReferral) []ReferralTotal {
	out := []ReferralTotal{}
	idx := map[[2]string]int{}
	for _, r := range rs {
		q := domain.Quarter{Year: r.Year, Q: r.Quarter}.String()
		k := [2]string{q, string(r.Stage)}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, ReferralTotal{Quarter: q, Stage: string(r.Stage)})
		}
		out[i].Cases += r.Cases
		out[i].Persons += r.Persons
	}
	for i := 1; i < len(out); i++ { // stable insertion sort: few rows
		for j := i; j > 0 && referralLess(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func referralLess(a, b ReferralTotal) bool {
	if a.Quarter != b.Quarter {
		return a.Quarter < b.Quarter
	}
	return a.Stage == string(domain.StagePreAccident) && b.Stage != a.Stage
}

// quarterParam reads a quarter such as 2026Q3; zero when absent.
func quarterParam(p *httpx.Params, name string) domain.Quarter {
	v := p.Str(name)
	if v == "" {
		return domain.Quarter{}
	}
	q, err := domain.ParseQuarter(v)
	if err != nil {
		p.Fail(name, "must be a quarter such as 2026Q3")
	}
	return q
}

func (h enforcementHandlers) referrals(c *gin.Context) error {
	p := httpx.QueryParams(c, "from", "to", "body_code", "district", "stage")
	q := store.ReferralQuery{From: quarterParam(p, "from"), To: quarterParam(p, "to"), BodyCode: p.CreditCode("body_code"),
		Stage: domain.Stage(p.Enum("stage", enumValues(domain.Stages)))}
	if err := h.district(c, p, &q.DistrictCode); err != nil {
		return err
	}
	if q.From.Valid() && q.To.Valid() && q.To.Start().Before(q.From.Start()) {
		p.Fail("to", "is before from")
	}
	if err := p.Err(); err != nil {
		return err
	}
	rs, err := h.store.CriminalReferrals(c.Request.Context(), q)
	if err != nil {
		return err
	}
	items := make([]referralJSON, len(rs))
	for i, r := range rs {
		items[i] = referralJSON{Quarter: domain.Quarter{Year: r.Year, Q: r.Quarter}.String(), BodyCode: r.BodyCode, Body: r.Body,
			District: r.District, Stage: string(r.Stage), Cases: r.Cases, Persons: r.Persons, Demo: r.Demo}
	}
	return writeJSON(c, gin.H{"totals": ReferralTotals(rs), "items": items})
}
