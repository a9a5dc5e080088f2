package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/qrsvg"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// Record pages at permanent URLs (/penalties/{id}, /permits/{id}) and the
// profile of a party by its 统一社会信用代码 (/subjects/{code}).

// fieldRow is one field of a record as shown: its standard code, label
// and value ("" when not given).
type fieldRow struct {
	Code     string
	Label    string
	Value    string
	Extra    string // e.g. the fine in yuan beside the 万元 figure
	Personal bool   // masked on publication
	Long     bool   // free text: shown as a paragraph
}

// fieldRows pairs the dictionary with the record's values.
func fieldRows(pr i18n.Printer, fields []domain.Field, vals []string) []fieldRow {
	rows := make([]fieldRow, len(fields))
	for i, f := range fields {
		v := vals[i]
		if f.Type == domain.TypeEnum || f.Type == domain.TypeEnums {
			parts := strings.Split(v, ";")
			for j := range parts {
				parts[j] = pr.Enum(parts[j])
			}
			v = strings.Join(parts, "；")
			if pr.Lang() == i18n.Chinese {
				v = strings.ReplaceAll(v, "；", "、")
			}
		}
		rows[i] = fieldRow{Code: f.Code, Label: pr.Field(f.Code), Value: v, Personal: f.Personal,
			Long: len([]rune(v)) > 60}
	}
	return rows
}

// summaryRow is one line of a record's summary: what a reader needs
// first — who, what, on which basis, what was decided, when, by whom.
type summaryRow struct {
	Label  string
	Value  string
	Extra  string // a second line, e.g. the facts under the violation
	Strong bool   // the decision itself
}

// share is what a page offers for passing it on and printing: its
// absolute URL, a QR code of it, and the print colophon's date.
type share struct {
	URL       string        // the page's absolute URL (relative without a configured base URL)
	QR        template.HTML // an inline SVG QR code of URL; "" without an absolute URL
	PrintDate string        // the date printed in the colophon (the browser puts in its own)
	Publisher string
}

// shareOf is the share block of the page at path.
func (h *Handlers) shareOf(c *gin.Context, path string) share {
	sh := share{URL: h.absolute(withLang(langOf(c), path)), Publisher: bureau,
		PrintDate: domain.FormatDate(domain.ChinaDate(h.now()))}
	if strings.HasPrefix(sh.URL, "http://") || strings.HasPrefix(sh.URL, "https://") {
		svg, err := qrsvg.SVG(sh.URL, printer(c).T("share.qr_label", sh.URL))
		if err != nil {
			h.log.WarnContext(c.Request.Context(), "pages: no QR code", "url", sh.URL, "err", err)
		}
		sh.QR = template.HTML(svg) // drawn on the server from the URL alone
	}
	return sh
}

// splitEmpty parts the fields into those given and those left empty: the
// empty ones are folded away under one line.
func splitEmpty(rows []fieldRow) (given, empty []fieldRow) {
	for _, r := range rows {
		if r.Value == "" {
			empty = append(empty, r)
		} else {
			given = append(given, r)
		}
	}
	return given, empty
}

type recordPage struct {
	pageData
	Summary     []summaryRow
	Share       share
	EmptyFields []fieldRow // the standard fields this record leaves empty
	Kind        string     // penalty, permit
	ID          int64
	Heading     string
	Party       string
	CreditCode  string // when it identifies one party: links to the profile
	DecisionNo  string
	Agency      string
	AgencyCode  string
	District    string
	Decided     time.Time
	Until       time.Time // publicity period end (penalties)
	ValidTo     time.Time // permits
	State       string
	Basis       string
	Categories  []string
	Fine        string
	Published   time.Time
	Updated     time.Time
	RecordDemo  bool
	Fields      []fieldRow
	HasPersonal bool
	APIURL      string
	Remaining   int // days of publicity left
}

func (h *Handlers) recordID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, httpx.NotFound(printer(c).T("record.bad_id"))
	}
	return id, nil
}

func (h *Handlers) notPublic(c *gin.Context, err error) error {
	var gone *store.GoneError
	if errors.As(err, &gone) {
		pr := printer(c)
		if !gone.Withdrawn {
			return httpx.Gone(pr.T("record.gone_expired", domain.FormatDate(gone.Since.AddDate(0, 0, -1))))
		}
		return httpx.Gone(pr.T("record.gone_withdrawn", domain.FormatDate(gone.Since.In(domain.China)), pr.T("reason."+string(gone.Reason))))
	}
	if errors.Is(err, store.ErrNotFound) {
		return httpx.NotFound(printer(c).T("record.not_public"))
	}
	return err
}

func (h *Handlers) penalty(c *gin.Context) error {
	id, err := h.recordID(c)
	if err != nil {
		return err
	}
	httpx.CacheTags(c, cache.RecordTag(string(store.EntityPenalty), id))
	p, err := h.reads.Penalty(c.Request.Context(), id)
	if err != nil {
		return h.notPublic(c, err)
	}
	pr := printer(c)
	d := &recordPage{pageData: h.page(c, p.Name+" · "+p.DecisionNo, "search"), Kind: "penalty", ID: p.ID,
		Heading: pr.T("record.penalty_heading"), Party: p.Name, DecisionNo: p.DecisionNo, Agency: p.Agency,
		AgencyCode: p.AgencyCode, District: p.District, Decided: p.DecisionDate, Until: p.PublicityUntil,
		Basis: p.Basis, Categories: p.Categories, Published: p.PublishedAt, Updated: p.UpdatedAt, RecordDemo: p.Demo,
		APIURL: "/api/v1/penalties/" + strconv.FormatInt(p.ID, 10)}
	if p.Fine > 0 {
		d.Fine = p.Fine.YuanGrouped()
	}
	if p.CreditCode != "" && !domain.IsUSCCPlaceholder(p.CreditCode) {
		d.CreditCode = p.CreditCode
	}
	d.Fields = fieldRows(pr, domain.PenaltyFields, store.PenaltyValues(&p.Penalty, nil))
	for i := range d.Fields {
		if d.Fields[i].Code == "CF_NR_FK" && p.Fine > 0 {
			d.Fields[i].Extra = pr.T("record.yuan", p.Fine.YuanGrouped())
		}
		if d.Fields[i].Code == "CF_NR_WFFF" && p.Confiscated > 0 {
			d.Fields[i].Extra = pr.T("record.yuan", p.Confiscated.YuanGrouped())
		}
		d.HasPersonal = d.HasPersonal || (d.Fields[i].Personal && d.Fields[i].Value != "")
	}
	d.Summary = penaltySummary(pr, p)
	d.Fields, d.EmptyFields = splitEmpty(d.Fields)
	d.Share = h.shareOf(c, "/penalties/"+strconv.FormatInt(p.ID, 10))
	today := domain.ChinaDate(h.now())
	d.Remaining = int(p.PublicityUntil.Sub(today).Hours() / 24)
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("nav.search"), "/search?type=penalty"}, {p.DecisionNo, ""}}
	d.Description = pr.T("record.penalty_description", p.Agency, p.DecisionDate.Format(domain.DateLayout), p.Name, p.DecisionNo)
	d.JSONLD = penaltyJSONLD(p)
	return h.render(c, "penalty", d)
}

func (h *Handlers) permit(c *gin.Context) error {
	id, err := h.recordID(c)
	if err != nil {
		return err
	}
	httpx.CacheTags(c, cache.RecordTag(string(store.EntityPermit), id))
	p, err := h.reads.Permit(c.Request.Context(), id)
	if err != nil {
		return h.notPublic(c, err)
	}
	pr := printer(c)
	d := &recordPage{pageData: h.page(c, p.Name+" · "+p.DecisionNo, "search"), Kind: "permit", ID: p.ID,
		Heading: pr.T("record.permit_heading"), Party: p.Name, DecisionNo: p.DecisionNo, Agency: p.Agency,
		AgencyCode: p.AgencyCode, District: p.District, Decided: p.DecisionDate, ValidTo: p.ValidTo,
		State: string(p.State), Published: p.PublishedAt, Updated: p.UpdatedAt, RecordDemo: p.Demo,
		APIURL: "/api/v1/permits/" + strconv.FormatInt(p.ID, 10)}
	if p.CreditCode != "" && !domain.IsUSCCPlaceholder(p.CreditCode) {
		d.CreditCode = p.CreditCode
	}
	d.Fields = fieldRows(pr, domain.PermitFields, store.PermitValues(&p.Permit, nil))
	for _, f := range d.Fields {
		d.HasPersonal = d.HasPersonal || (f.Personal && f.Value != "")
	}
	d.Summary = permitSummary(pr, p)
	d.Fields, d.EmptyFields = splitEmpty(d.Fields)
	d.Share = h.shareOf(c, "/permits/"+strconv.FormatInt(p.ID, 10))
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("nav.search"), "/search?type=permit"}, {p.DecisionNo, ""}}
	d.Description = pr.T("record.permit_description", p.Agency, p.DecisionDate.Format(domain.DateLayout), p.Name, p.DecisionNo)
	d.JSONLD = permitJSONLD(p)
	return h.render(c, "permit", d)
}

// partyLine is the party as the summary names it: its name, and its
// credit code when that identifies it.
func partyLine(p domain.Party) string {
	if p.CreditCode != "" && !domain.IsUSCCPlaceholder(p.CreditCode) {
		return p.Name + "（" + p.CreditCode + "）"
	}
	return p.Name
}

// penaltySummary leads a penalty's page: party, violation, legal basis,
// decision and fine, date, agency.
func penaltySummary(pr i18n.Printer, p domain.PublishedPenalty) []summaryRow {
	decision := p.Content
	var extra []string
	if p.Fine > 0 {
		extra = append(extra, pr.T("record.fine")+" "+pr.T("record.yuan", p.Fine.YuanGrouped()))
	}
	if p.Confiscated > 0 {
		extra = append(extra, pr.T("record.confiscated")+" "+pr.T("record.yuan", p.Confiscated.YuanGrouped()))
	}
	if decision == "" && len(p.Categories) > 0 {
		cats := make([]string, len(p.Categories))
		for i, c := range p.Categories {
			cats[i] = pr.Enum(c)
		}
		decision = strings.Join(cats, "、")
	}
	return []summaryRow{
		{Label: pr.T("record.party"), Value: partyLine(p.Party)},
		{Label: pr.Field("CF_WFXW"), Value: p.ViolationType, Extra: p.Facts},
		{Label: pr.Field("CF_YJ"), Value: p.Basis},
		{Label: pr.T("record.decision"), Value: decision, Extra: strings.Join(extra, pr.T("record.list_sep")), Strong: true},
		{Label: pr.Field("CF_JDRQ"), Value: domain.FormatDate(p.DecisionDate)},
		{Label: pr.Field("CF_CFJG"), Value: p.Agency},
	}
}

// permitSummary leads a permit's page: party, what is permitted, its
// validity, date, agency.
func permitSummary(pr i18n.Printer, p domain.PublishedPermit) []summaryRow {
	what := p.CertName
	if what == "" {
		what = p.DocName
	}
	if p.PermitNo != "" {
		what += "（" + p.PermitNo + "）"
	}
	return []summaryRow{
		{Label: pr.T("record.party"), Value: partyLine(p.Party)},
		{Label: pr.T("record.permitted"), Value: what, Extra: p.Content, Strong: true},
		{Label: pr.Field("XK_XKLB"), Value: pr.Enum(p.Category)},
		{Label: pr.T("record.validity"), Value: domain.FormatOptionalDate(p.ValidFrom) + " — " + domain.FormatOptionalDate(p.ValidTo)},
		{Label: pr.Field("XK_JDRQ"), Value: domain.FormatDate(p.DecisionDate)},
		{Label: pr.Field("XK_XKJG"), Value: p.Agency},
	}
}

// agencyLD is the issuing agency as schema.org data.
func agencyLD(name, code string) map[string]any {
	return map[string]any{"@type": "GovernmentOrganization", "name": name, "identifier": code}
}

func partyLD(p domain.Party) map[string]any {
	t := "Organization"
	if p.Kind == domain.PartyNaturalPerson {
		t = "Person"
	}
	out := map[string]any{"@type": t, "name": p.Name}
	if p.CreditCode != "" && !domain.IsUSCCPlaceholder(p.CreditCode) {
		out["identifier"] = map[string]any{"@type": "PropertyValue", "propertyID": "统一社会信用代码", "value": p.CreditCode}
		out["url"] = "/subjects/" + p.CreditCode
	}
	return out
}

// penaltyJSONLD describes a penalty decision with schema.org terms: a
// government decision document about a party, by an agency.
func penaltyJSONLD(p domain.PublishedPenalty) map[string]any {
	out := map[string]any{
		"@context":       "https://schema.org",
		"@type":          "CreativeWork",
		"additionalType": "行政处罚决定",
		"@id":            "/penalties/" + strconv.FormatInt(p.ID, 10),
		"url":            "/penalties/" + strconv.FormatInt(p.ID, 10),
		"name":           "行政处罚决定书 " + p.DecisionNo,
		"identifier":     p.DecisionNo,
		"about":          partyLD(p.Party),
		"creator":        agencyLD(p.Agency, p.AgencyCode),
		"publisher":      agencyLD(p.Agency, p.AgencyCode),
		"dateCreated":    domain.FormatDate(p.DecisionDate),
		"datePublished":  domain.FormatInstant(p.PublishedAt),
		"dateModified":   domain.FormatInstant(p.UpdatedAt),
		"expires":        domain.FormatDate(p.PublicityUntil),
		"description":    p.ViolationType + "。" + p.Content,
		"keywords":       strings.Join(p.Categories, ","),
		"citation":       p.Basis,
		"inLanguage":     "zh-CN",
		"sameAs":         "/api/v1/penalties/" + strconv.FormatInt(p.ID, 10),
	}
	if p.District != "" {
		out["spatialCoverage"] = map[string]any{"@type": "AdministrativeArea", "name": p.District}
	}
	return out
}

// permitJSONLD describes a permit as a schema.org GovernmentPermit.
func permitJSONLD(p domain.PublishedPermit) map[string]any {
	name := p.CertName
	if name == "" {
		name = p.DocName
	}
	out := map[string]any{
		"@context":       "https://schema.org",
		"@type":          "GovernmentPermit",
		"@id":            "/permits/" + strconv.FormatInt(p.ID, 10),
		"url":            "/permits/" + strconv.FormatInt(p.ID, 10),
		"name":           name,
		"identifier":     p.DecisionNo,
		"issuedBy":       agencyLD(p.Agency, p.AgencyCode),
		"validFrom":      domain.FormatDate(p.ValidFrom),
		"validUntil":     domain.FormatDate(p.ValidTo),
		"validIn":        map[string]any{"@type": "AdministrativeArea", "name": "苏州市"},
		"permitAudience": map[string]any{"@type": "Audience", "audienceType": p.Name},
		"description":    p.Content,
		"sameAs":         "/api/v1/permits/" + strconv.FormatInt(p.ID, 10),
	}
	if p.PermitNo != "" {
		out["identifier"] = []string{p.DecisionNo, p.PermitNo}
	}
	return out
}

// ---------------------------------------------------------------- subjects

type timelineEntry struct {
	Date       time.Time
	Kind       string // penalty, permit
	KindLabel  string
	URL        string
	DecisionNo string
	Agency     string
	Title      string
	Detail     string
	Name       string // the party's name on this record
	Demo       bool
}

type subjectPage struct {
	pageData
	S         store.Subject
	Name      string
	Timeline  []timelineEntry
	Years     []timelineYear
	FineTotal string
	Truncated bool
	FeedURL   string
	APIURL    string
	ReportURL string
	Downloads []downloadLink // CSV and XLSX of its penalties and permits
}

type timelineYear struct {
	Year    int
	Entries []timelineEntry
}

// creditCodeParam reads and checks the :code path parameter.
func creditCodeParam(c *gin.Context) (string, error) {
	code := domain.NormalizeCode(c.Param("code"))
	if domain.IsUSCCPlaceholder(code) {
		return "", httpx.NotFound(printer(c).T("subject.placeholder"))
	}
	if err := domain.ValidateUSCC(code); err != nil {
		return "", httpx.NewError(http.StatusBadRequest, "bad_request", printer(c).T("subject.bad_code", code))
	}
	return code, nil
}

// loadSubject reads the subject of the :code path parameter, with the
// name it is shown by: its newest name, or its code.
func (h *Handlers) loadSubject(c *gin.Context) (store.Subject, string, error) {
	code, err := creditCodeParam(c)
	if err != nil {
		return store.Subject{}, "", err
	}
	s, err := h.reads.Subject(c.Request.Context(), code)
	if errors.Is(err, store.ErrNotFound) {
		return s, "", httpx.NotFound(printer(c).T("subject.none", code))
	}
	if err == nil {
		httpx.CacheTags(c, cache.SubjectTags(s)...)
	}
	name := s.CreditCode
	if len(s.Names) > 0 {
		name = s.Names[0].Name
	}
	return s, name, err
}

// subjectTimeline merges a subject's penalties and permits, newest first.
func subjectTimeline(pr i18n.Printer, s store.Subject) []timelineEntry {
	var out []timelineEntry
	for _, p := range s.Penalties {
		cats := make([]string, len(p.Categories))
		for i, c := range p.Categories {
			cats[i] = pr.Enum(c)
		}
		detail := strings.Join(cats, "、")
		if p.Fine > 0 {
			detail += " · " + pr.T("record.yuan", p.Fine.YuanGrouped())
		}
		out = append(out, timelineEntry{Date: p.DecisionDate, Kind: "penalty", KindLabel: pr.T("search.type.penalty"),
			URL: "/penalties/" + strconv.FormatInt(p.ID, 10), DecisionNo: p.DecisionNo, Agency: p.Agency,
			Title: p.ViolationType, Detail: detail, Name: p.Name, Demo: p.Demo})
	}
	for _, p := range s.Permits {
		title := p.CertName
		if title == "" {
			title = p.DocName
		}
		out = append(out, timelineEntry{Date: p.DecisionDate, Kind: "permit", KindLabel: pr.T("search.type.permit"),
			URL: "/permits/" + strconv.FormatInt(p.ID, 10), DecisionNo: p.DecisionNo, Agency: p.Agency,
			Title: title, Detail: p.Content + " · " + pr.Enum(string(p.State)), Name: p.Name, Demo: p.Demo})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Date.Equal(out[j].Date) {
			return out[i].Date.After(out[j].Date)
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

func (h *Handlers) subject(c *gin.Context) error {
	s, name, err := h.loadSubject(c)
	if err != nil {
		return err
	}
	pr := printer(c)
	d := &subjectPage{pageData: h.page(c, name, "search"), S: s, Name: name, FineTotal: s.FineTotal.YuanGrouped(),
		Truncated: int64(len(s.Penalties)) < s.PenaltyCount || int64(len(s.Permits)) < s.PermitCount,
		FeedURL:   "/subjects/" + s.CreditCode + "/feed.atom", APIURL: "/api/v1/subjects/" + s.CreditCode,
		ReportURL: "/subjects/" + s.CreditCode + "/report", Downloads: subjectDownloadLinks(pr, s.CreditCode)}
	d.Feed = d.FeedURL
	d.Timeline = subjectTimeline(pr, s)
	for _, e := range d.Timeline {
		y := e.Date.Year()
		if n := len(d.Years); n == 0 || d.Years[n-1].Year != y {
			d.Years = append(d.Years, timelineYear{Year: y})
		}
		d.Years[len(d.Years)-1].Entries = append(d.Years[len(d.Years)-1].Entries, e)
	}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("nav.search"), "/search"}, {name, ""}}
	d.JSONLD = map[string]any{
		"@context": "https://schema.org", "@type": "Organization", "@id": "/subjects/" + s.CreditCode, "name": name,
		"identifier": map[string]any{"@type": "PropertyValue", "propertyID": "统一社会信用代码", "value": s.CreditCode},
	}
	return h.render(c, "subject", d)
}

// ------------------------------------------------- one company's records

// subjectDownload is one company's public penalties or permits as a
// file, with the columns of the dataset of the same name.
type subjectDownload struct {
	dataset string // dataset.Penalties or dataset.Permits
	format  export.Format
}

// subjectDownloads are the files of a subject's records, by path suffix.
var subjectDownloads = []subjectDownload{
	{dataset.Penalties, export.CSV}, {dataset.Penalties, export.XLSX},
	{dataset.Permits, export.CSV}, {dataset.Permits, export.XLSX},
}

func (d subjectDownload) suffix() string { return "/" + d.dataset + "." + string(d.format) }

// subjectFile serves /subjects/{code}/{penalties|permits}.{csv|xlsx}:
// every public record of the party, masked as everywhere, in the
// dataset's columns — Chinese labels by default (the CSV with a
// byte-order mark, for spreadsheets), or ?headers=standard|en. A party's
// records are few, so the file is built in memory and sent only whole,
// with an ETag, like the pages.
func (h *Handlers) subjectFile(d subjectDownload) func(c *gin.Context) error {
	ds, ok := dataset.ByName(d.dataset)
	if !ok {
		panic("web: no dataset " + d.dataset)
	}
	return func(c *gin.Context) error {
		headers := export.HeadersZH
		if v := c.Query("headers"); v != "" {
			if headers, ok = export.ParseHeaders(v); !ok {
				return httpx.BadRequest("headers", printer(c).T("subject.bad_headers"))
			}
		}
		s, _, err := h.loadSubject(c)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		w, err := export.NewWriter(&buf, d.format, ds.Fields, export.Options{Headers: headers,
			BOM: d.format == export.CSV && headers != export.HeadersStandard, SheetName: ds.Name})
		if err != nil {
			return err
		}
		if err = h.eachSubjectRow(c, s.CreditCode, d.dataset, w.Write); err == nil {
			err = w.Close()
		}
		if err != nil {
			w.Abort()
			return err
		}
		day := domain.ChinaDate(h.now())
		c.Header("Content-Disposition", `attachment; filename="gongshi-`+s.CreditCode+"-"+d.dataset+"-"+
			day.Format(time.DateOnly)+"."+string(d.format)+`"`)
		c.Header("X-Content-Type-Options", "nosniff")
		writePage(c, http.StatusOK, d.format.ContentType(), buf.Bytes(), "public, max-age=60")
		return nil
	}
}

// eachSubjectRow gives row the values of every public record of the
// party in one dataset, newest first, through the public read path;
// each record's cache tag joins the response's, so a withdrawal purges
// the cached file.
func (h *Handlers) eachSubjectRow(c *gin.Context, code, name string, row func([]string) error) error {
	ctx := c.Request.Context()
	if name == dataset.Penalties {
		return eachRecordRow(c, store.EntityPenalty, func(cursor string) (store.Page[domain.PublishedPenalty], error) {
			return h.reads.Penalties(ctx, store.PenaltyQuery{CreditCode: code, Cursor: cursor, Limit: store.MaxPageSize})
		}, func(p *domain.PublishedPenalty, vals []string) (int64, []string) {
			return p.ID, store.PenaltyValues(&p.Penalty, vals)
		}, row)
	}
	return eachRecordRow(c, store.EntityPermit, func(cursor string) (store.Page[domain.PublishedPermit], error) {
		return h.reads.Permits(ctx, store.PermitQuery{CreditCode: code, Cursor: cursor, Limit: store.MaxPageSize})
	}, func(p *domain.PublishedPermit, vals []string) (int64, []string) {
		return p.ID, store.PermitValues(&p.Permit, vals)
	}, row)
}

// eachRecordRow pages through records, tagging the response with each
// and giving row its values (filled by values, which reuses vals).
func eachRecordRow[T any](c *gin.Context, entity store.Entity, page func(cursor string) (store.Page[T], error),
	values func(r *T, vals []string) (int64, []string), row func([]string) error) error {
	var vals []string
	var id int64
	cursor := ""
	for {
		pg, err := page(cursor)
		if err != nil {
			return err
		}
		for i := range pg.Items {
			id, vals = values(&pg.Items[i], vals)
			httpx.CacheTags(c, cache.RecordTag(string(entity), id))
			if err := row(vals); err != nil {
				return err
			}
		}
		if cursor = pg.Next; cursor == "" {
			return nil
		}
	}
}

// downloadLink is one file of a party's records offered on its pages.
type downloadLink struct {
	Label string
	URL   string
	Type  string
}

func subjectDownloadLinks(pr i18n.Printer, code string) []downloadLink {
	out := make([]downloadLink, len(subjectDownloads))
	for i, d := range subjectDownloads {
		out[i] = downloadLink{Label: pr.T("subject.download."+d.dataset, strings.ToUpper(string(d.format))),
			URL: "/subjects/" + code + d.suffix(), Type: d.format.MediaType()}
	}
	return out
}

// reportPage is the printable 公示信息报告 of a party: everything public
// about it on one page, for printing or saving as PDF.
type reportPage struct {
	pageData
	S         store.Subject
	Name      string
	Penalties []domain.PublishedPenalty
	Permits   []domain.PublishedPermit
	FineTotal string
	Truncated bool
	Share     share
	Generated string
	Downloads []downloadLink
}

func (h *Handlers) subjectReport(c *gin.Context) error {
	s, name, err := h.loadSubject(c)
	if err != nil {
		return err
	}
	pr := printer(c)
	d := &reportPage{pageData: h.page(c, pr.T("subject_report.title")+" · "+name, "search"), S: s, Name: name,
		Penalties: s.Penalties, Permits: s.Permits, FineTotal: s.FineTotal.YuanGrouped(),
		Truncated: int64(len(s.Penalties)) < s.PenaltyCount || int64(len(s.Permits)) < s.PermitCount,
		Share:     h.shareOf(c, "/subjects/"+s.CreditCode+"/report"),
		Generated: h.now().In(domain.China).Format("2006-01-02 15:04"), Downloads: subjectDownloadLinks(pr, s.CreditCode)}
	d.NoIndex = true // the profile is the page to find; the report is its print form
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {name, "/subjects/" + s.CreditCode}, {pr.T("subject_report.title"), ""}}
	return h.render(c, "report", d)
}
