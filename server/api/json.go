package api

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// The JSON shapes of the public read API. A record's fields are named by
// the data dictionary (domain.PenaltyFields, domain.PermitFields: the Name
// of each standard code), and the spec maps each back to its code with
// x-standard-code; TestRecordJSONFollowsDictionary keeps the three in step.
// Amounts are yuan as decimal strings with two places ("20000.00"), dates
// YYYY-MM-DD and instants RFC 3339 in China Standard Time.

func optionalDate(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := domain.FormatDate(*t)
	return &s
}

func optionalString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// partyJSON is the 行政相对人 block, masked by the public read path.
type partyJSON struct {
	PartyName      string `json:"party_name"`
	PartyKind      string `json:"party_kind"`
	CreditCode     string `json:"credit_code"`
	BusinessRegNo  string `json:"business_reg_no"`
	OrgCode        string `json:"org_code"`
	TaxRegNo       string `json:"tax_reg_no"`
	InstitutionNo  string `json:"institution_no"`
	SocialOrgNo    string `json:"social_org_no"`
	LegalRep       string `json:"legal_rep"`
	LegalRepIDType string `json:"legal_rep_id_type"`
	LegalRepIDNo   string `json:"legal_rep_id_no"`
	IDType         string `json:"id_type"`
	IDNo           string `json:"id_no"`
}

func partyOf(p domain.Party) partyJSON {
	return partyJSON{p.Name, string(p.Kind), p.CreditCode, p.BusinessRegNo, p.OrgCode, p.TaxRegNo, p.InstitutionNo,
		p.SocialOrgNo, p.LegalRep, p.LegalRepIDType, p.LegalRepIDNo, p.IDType, p.IDNo}
}

// publicationJSON is what Gongshi adds to the standard fields.
type publicationJSON struct {
	ID           int64   `json:"id"`
	URL          string  `json:"url"`
	District     *string `json:"district"`
	DistrictCode *string `json:"district_code"`
	Status       string  `json:"status"`
	PublishedAt  string  `json:"published_at"`
	UpdatedAt    string  `json:"updated_at"`
	Demo         bool    `json:"demo"`
}

func publicationOf(p domain.Publication, path string) publicationJSON {
	return publicationJSON{
		ID: p.ID, URL: fmt.Sprintf("%s/%d", path, p.ID), District: optionalString(p.District),
		DistrictCode: optionalString(p.DistrictCode), Status: string(p.Status),
		PublishedAt: domain.FormatInstant(p.PublishedAt), UpdatedAt: domain.FormatInstant(p.UpdatedAt), Demo: p.Demo,
	}
}

type penaltyJSON struct {
	publicationJSON
	DecisionNo string `json:"decision_no"`
	partyJSON
	ViolationType   string   `json:"violation_type"`
	Facts           string   `json:"facts"`
	Basis           string   `json:"basis"`
	Categories      []string `json:"categories"`
	Content         string   `json:"content"`
	Fine            string   `json:"fine"`
	Confiscated     string   `json:"confiscated"`
	LicenceAffected string   `json:"licence_affected"`
	DecisionDate    string   `json:"decision_date"`
	ValidUntil      *string  `json:"valid_until"`
	PublicityUntil  string   `json:"publicity_until"`
	Agency          string   `json:"agency"`
	AgencyCode      string   `json:"agency_code"`
	Source          string   `json:"source"`
	SourceCode      string   `json:"source_code"`
	Remarks         string   `json:"remarks"`
	Stage           *string  `json:"stage"`
	PublicityClass  string   `json:"publicity_class"`
}

const (
	penaltiesPath = "/api/v1/penalties"
	permitsPath   = "/api/v1/permits"
	subjectsPath  = "/api/v1/subjects"
	powersPath    = "/api/v1/powers"
	listsPath     = "/api/v1/lists"
)

func penaltyOf(p domain.PublishedPenalty) penaltyJSON {
	return penaltyJSON{
		publicationJSON: publicationOf(p.Publication, penaltiesPath),
		DecisionNo:      p.DecisionNo,
		partyJSON:       partyOf(p.Party),
		ViolationType:   p.ViolationType,
		Facts:           p.Facts,
		Basis:           p.Basis,
		Categories:      nonNilStrings(p.Categories),
		Content:         p.Content,
		Fine:            p.Fine.Yuan(),
		Confiscated:     p.Confiscated.Yuan(),
		LicenceAffected: p.LicenceAffected,
		DecisionDate:    domain.FormatDate(p.DecisionDate),
		ValidUntil:      optionalDate(p.ValidUntil),
		PublicityUntil:  domain.FormatDate(p.PublicityUntil),
		Agency:          p.Agency,
		AgencyCode:      p.AgencyCode,
		Source:          p.Source,
		SourceCode:      p.SourceCode,
		Remarks:         p.Remarks,
		Stage:           optionalString(string(p.Stage)),
		PublicityClass:  string(p.Class),
	}
}

type permitJSON struct {
	publicationJSON
	DocumentName string `json:"document_name"`
	DecisionNo   string `json:"decision_no"`
	partyJSON
	Category        string `json:"category"`
	CertificateName string `json:"certificate_name"`
	PermitNo        string `json:"permit_no"`
	Content         string `json:"content"`
	DecisionDate    string `json:"decision_date"`
	ValidFrom       string `json:"valid_from"`
	ValidTo         string `json:"valid_to"`
	Agency          string `json:"agency"`
	AgencyCode      string `json:"agency_code"`
	State           string `json:"state"`
	Source          string `json:"source"`
	SourceCode      string `json:"source_code"`
	Remarks         string `json:"remarks"`
}

func permitOf(p domain.PublishedPermit) permitJSON {
	return permitJSON{
		publicationJSON: publicationOf(p.Publication, permitsPath),
		DocumentName:    p.DocName,
		DecisionNo:      p.DecisionNo,
		partyJSON:       partyOf(p.Party),
		Category:        p.Category,
		CertificateName: p.CertName,
		PermitNo:        p.PermitNo,
		Content:         p.Content,
		DecisionDate:    domain.FormatDate(p.DecisionDate),
		ValidFrom:       domain.FormatDate(p.ValidFrom),
		ValidTo:         domain.FormatDate(p.ValidTo),
		Agency:          p.Agency,
		AgencyCode:      p.AgencyCode,
		State:           string(p.State),
		Source:          p.Source,
		SourceCode:      p.SourceCode,
		Remarks:         p.Remarks,
	}
}

// pageJSON is one page of a list.
type pageJSON[T any] struct {
	Items      []T     `json:"items"`
	Count      int     `json:"count"`
	Total      int64   `json:"total"`
	TotalExact bool    `json:"total_exact"`
	Limit      int     `json:"limit"`
	Sort       string  `json:"sort"`
	Next       *string `json:"next"`
	// Withdrawn is present only for include_withdrawn=true.
	Withdrawn []tombstoneJSON `json:"withdrawn,omitempty"`
}

// tombstoneJSON is a record no longer public: its id, when and why, and
// nothing of its content.
type tombstoneJSON struct {
	ID          int64   `json:"id"`
	WithdrawnAt *string `json:"withdrawn_at"`
	Reason      string  `json:"reason"`
	UpdatedAt   string  `json:"updated_at"`
}

func tombstonesOf(ts []store.Tombstone) []tombstoneJSON {
	if ts == nil {
		return nil
	}
	out := make([]tombstoneJSON, len(ts))
	for i, t := range ts {
		out[i] = tombstoneJSON{ID: t.ID, Reason: t.Reason, UpdatedAt: domain.FormatInstant(t.UpdatedAt)}
		if t.WithdrawnAt != nil {
			at := domain.FormatInstant(*t.WithdrawnAt)
			out[i].WithdrawnAt = &at
		}
	}
	return out
}

// nextLink is the URL of the next page: the request's own query with the
// cursor replaced.
func nextLink(path string, query url.Values, cursor string) *string {
	if cursor == "" {
		return nil
	}
	q := url.Values{}
	for k, v := range query {
		if k != "cursor" {
			q[k] = v
		}
	}
	q.Set("cursor", cursor)
	s := path + "?" + q.Encode()
	return &s
}

type subjectNameJSON struct {
	Name              string `json:"name"`
	FirstDecisionDate string `json:"first_decision_date"`
	LastDecisionDate  string `json:"last_decision_date"`
	Records           int64  `json:"records"`
}

type timelineJSON struct {
	Date       string `json:"date"`
	Kind       string `json:"kind"` // penalty, permit
	ID         int64  `json:"id"`
	URL        string `json:"url"`
	DecisionNo string `json:"decision_no"`
	Agency     string `json:"agency"`
	Title      string `json:"title"`
}

type subjectJSON struct {
	CreditCode        string            `json:"credit_code"`
	URL               string            `json:"url"`
	Name              string            `json:"name"`
	Names             []subjectNameJSON `json:"names"`
	PenaltyCount      int64             `json:"penalty_count"`
	PermitCount       int64             `json:"permit_count"`
	FineTotal         string            `json:"fine_total"`
	ConfiscatedTotal  string            `json:"confiscated_total"`
	FirstDecisionDate string            `json:"first_decision_date"`
	LastDecisionDate  string            `json:"last_decision_date"`
	Timeline          []timelineJSON    `json:"timeline"`
	Penalties         []penaltyJSON     `json:"penalties"`
	Permits           []permitJSON      `json:"permits"`
	PenaltiesURL      string            `json:"penalties_url"`
	PermitsURL        string            `json:"permits_url"`
	Truncated         bool              `json:"truncated"`
	Demo              bool              `json:"demo"`
}

func subjectOf(s store.Subject) subjectJSON {
	out := subjectJSON{
		CreditCode:       s.CreditCode,
		URL:              subjectsPath + "/" + s.CreditCode,
		Names:            []subjectNameJSON{},
		PenaltyCount:     s.PenaltyCount,
		PermitCount:      s.PermitCount,
		FineTotal:        s.FineTotal.Yuan(),
		ConfiscatedTotal: s.ConfiscatedTotal.Yuan(),
		Timeline:         []timelineJSON{},
		Penalties:        []penaltyJSON{},
		Permits:          []permitJSON{},
		PenaltiesURL:     penaltiesPath + "?credit_code=" + url.QueryEscape(s.CreditCode),
		PermitsURL:       permitsPath + "?credit_code=" + url.QueryEscape(s.CreditCode),
		Truncated:        int64(len(s.Penalties)) < s.PenaltyCount || int64(len(s.Permits)) < s.PermitCount,
	}
	var first, last time.Time
	for i, n := range s.Names {
		if i == 0 {
			out.Name = n.Name
		}
		out.Names = append(out.Names, subjectNameJSON{n.Name, domain.FormatDate(n.First), domain.FormatDate(n.Last), n.Records})
		if first.IsZero() || n.First.Before(first) {
			first = n.First
		}
		if n.Last.After(last) {
			last = n.Last
		}
	}
	out.FirstDecisionDate, out.LastDecisionDate = domain.FormatDate(first), domain.FormatDate(last)
	for _, p := range s.Penalties {
		j := penaltyOf(p)
		out.Penalties = append(out.Penalties, j)
		out.Demo = out.Demo || p.Demo
		title := p.ViolationType
		if cats := strings.Join(p.Categories, "、"); cats != "" {
			title += "（" + cats + "）"
		}
		out.Timeline = append(out.Timeline, timelineJSON{j.DecisionDate, "penalty", p.ID, j.URL, p.DecisionNo, p.Agency, title})
	}
	for _, p := range s.Permits {
		j := permitOf(p)
		out.Permits = append(out.Permits, j)
		out.Demo = out.Demo || p.Demo
		title := p.DocName
		if p.CertName != "" {
			title = p.CertName
		}
		out.Timeline = append(out.Timeline, timelineJSON{j.DecisionDate, "permit", p.ID, j.URL, p.DecisionNo, p.Agency, title})
	}
	sortTimeline(out.Timeline)
	return out
}

// sortTimeline orders entries by date, then penalties before permits,
// then by id: a stable, chronological history.
func sortTimeline(t []timelineJSON) {
	less := func(a, b timelineJSON) bool {
		if a.Date != b.Date {
			return a.Date < b.Date
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		return a.ID < b.ID
	}
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && less(t[j], t[j-1]); j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

// versionJSON describes one version of a list.
type versionJSON struct {
	Kind          string `json:"kind"`
	Number        int    `json:"number"`
	EffectiveDate string `json:"effective_date"`
	Note          string `json:"note"`
	ItemCount     int    `json:"item_count"`
	Added         int    `json:"added"`
	Changed       int    `json:"changed"`
	Removed       int    `json:"removed"`
	PublishedAt   string `json:"published_at"`
	Demo          bool   `json:"demo"`
	URL           string `json:"url"`
	ChangesURL    string `json:"changes_url"`
}

func versionOf(v store.VersionInfo) versionJSON {
	u := fmt.Sprintf("%s/%s/versions/%d", listsPath, v.Kind, v.Number)
	return versionJSON{
		Kind: string(v.Kind), Number: v.Number, EffectiveDate: domain.FormatDate(v.EffectiveDate), Note: v.Note,
		ItemCount: v.Items, Added: v.Added, Changed: v.Changed, Removed: v.Removed,
		PublishedAt: domain.FormatInstant(v.PublishedAt), Demo: v.Demo, URL: u, ChangesURL: u + "/changes",
	}
}

type powerSummaryJSON struct {
	Code         string   `json:"code"`
	Name         string   `json:"name"`
	Category     string   `json:"category"`
	SubItems     []string `json:"sub_items"`
	Unit         string   `json:"unit"`
	Level        string   `json:"level"`
	URL          string   `json:"url"`
	FlowchartURL string   `json:"flowchart_url"`
}

// powerURLs are the paths of an item; a version other than the current
// one is named in the query.
func powerURLs(code string, version int) (string, string) {
	u := powersPath + "/" + url.PathEscape(code)
	q := ""
	if version > 0 {
		q = fmt.Sprintf("?version=%d", version)
	}
	return u + q, u + "/flowchart.svg" + q
}

func powerSummaryOf(p store.PowerSummary, version int) powerSummaryJSON {
	u, f := powerURLs(p.Code, version)
	return powerSummaryJSON{p.Code, p.Name, p.Category, nonNilStrings(p.SubItems), p.Unit, p.Level, u, f}
}

type powerItemJSON struct {
	domain.PowerItem
	URL          string      `json:"url"`
	FlowchartURL string      `json:"flowchart_url"`
	Version      versionJSON `json:"version"`
}

func powerItemOf(v store.VersionInfo, it domain.PowerItem, pinned bool) powerItemJSON {
	n := 0
	if pinned {
		n = v.Number
	}
	u, f := powerURLs(it.Code, n)
	it.SubItems = nonNilStrings(it.SubItems)
	it.Guide.Materials = nonNilStrings(it.Guide.Materials)
	if it.Duties == nil {
		it.Duties = []domain.Duty{}
	}
	it.Flow = nonNilFlow(it.Flow)
	return powerItemJSON{PowerItem: it, URL: u, FlowchartURL: f, Version: versionOf(v)}
}

func nonNilFlow(f domain.Flow) domain.Flow {
	if f.Nodes == nil {
		f.Nodes = []domain.FlowNode{}
	}
	if f.Edges == nil {
		f.Edges = []domain.FlowEdge{}
	}
	return f
}

// The stats shapes.

type tallyJSON struct {
	Count     int64  `json:"count"`
	FineTotal string `json:"fine_total"`
}

type monthJSON struct {
	Month string `json:"month"`
	tallyJSON
}

type categoryJSON struct {
	Category string `json:"category"`
	tallyJSON
}

type districtJSON struct {
	DistrictCode *string `json:"district_code"`
	District     *string `json:"district"`
	tallyJSON
}

type stageJSON struct {
	Stage *string `json:"stage"`
	tallyJSON
}

type preAccidentJSON struct {
	Count         int64    `json:"count"`
	StageReported int64    `json:"stage_reported"`
	Share         *float64 `json:"share"`
	FineTotal     string   `json:"fine_total"`
	FineShare     *float64 `json:"fine_share"`
	FineAverage   *string  `json:"fine_average"`
}

type penaltyStatsJSON struct {
	Count            int64           `json:"count"`
	FineTotal        string          `json:"fine_total"`
	FineAverage      *string         `json:"fine_average"`
	Fined            int64           `json:"fined"`
	FineAverageFined *string         `json:"fine_average_fined"`
	ConfiscatedTotal string          `json:"confiscated_total"`
	PreAccident      preAccidentJSON `json:"pre_accident"`
	ByMonth          []monthJSON     `json:"by_month"`
	ByCategory       []categoryJSON  `json:"by_category"`
	ByDistrict       []districtJSON  `json:"by_district"`
	ByStage          []stageJSON     `json:"by_stage"`
	// DecidedByMonth counts every decision made in each month that
	// stands, published or since withdrawn as expired or repaired.
	DecidedByMonth []monthJSON `json:"decided_by_month"`
}

type countJSON struct {
	Month    string `json:"month,omitempty"`
	State    string `json:"state,omitempty"`
	Category string `json:"category,omitempty"`
	Count    int64  `json:"count"`
}

type permitDistrictJSON struct {
	DistrictCode *string `json:"district_code"`
	District     *string `json:"district"`
	Count        int64   `json:"count"`
}

type permitStatsJSON struct {
	Count      int64                `json:"count"`
	ByMonth    []countJSON          `json:"by_month"`
	ByCategory []countJSON          `json:"by_category"`
	ByDistrict []permitDistrictJSON `json:"by_district"`
	ByState    []countJSON          `json:"by_state"`
}

type timelinessJSON struct {
	AgencyCode        string   `json:"agency_code,omitempty"`
	Agency            string   `json:"agency,omitempty"`
	Records           int64    `json:"records"`
	OnTime            int64    `json:"on_time"`
	OnTimeShare       *float64 `json:"on_time_share"`
	MedianLagWorkdays *float64 `json:"median_lag_workdays"`
}

type statsJSON struct {
	AsOf       string           `json:"as_of"`
	Penalties  penaltyStatsJSON `json:"penalties"`
	Permits    permitStatsJSON  `json:"permits"`
	Timeliness struct {
		DeadlineWorkdays int              `json:"deadline_workdays"`
		Overall          timelinessJSON   `json:"overall"`
		Agencies         []timelinessJSON `json:"agencies"`
		Withheld         int64            `json:"withheld"`
	} `json:"timeliness"`
	// Quarter holds the figures of the quarter (or year to date) asked
	// for, over every decision made in it (see store.QuarterlyFigures).
	Quarter *quarterFiguresJSON `json:"quarter,omitempty"`
}

// share is part/whole rounded to four places; nil when whole is 0.
func share(part, whole int64) *float64 {
	if whole == 0 {
		return nil
	}
	v := float64(int64(float64(part)/float64(whole)*10000+0.5)) / 10000
	return &v
}

// average is total/n in yuan, rounded half up to the fen; nil when n is 0.
func average(total domain.Money, n int64) *string {
	if n == 0 {
		return nil
	}
	s := domain.Money((int64(total)*2 + n) / (2 * n)).Yuan()
	return &s
}

func tallyOf(t store.Tally) tallyJSON { return tallyJSON{t.Count, t.Fines.Yuan()} }

func statsOf(s store.Stats) statsJSON {
	var out statsJSON
	out.AsOf = domain.FormatDate(s.AsOf)
	p := s.Penalties
	out.Penalties = penaltyStatsJSON{
		Count:            p.Count,
		FineTotal:        p.Fines.Yuan(),
		FineAverage:      average(p.Fines, p.Count),
		Fined:            p.Fined,
		FineAverageFined: average(p.Fines, p.Fined),
		ConfiscatedTotal: p.Confiscated.Yuan(),
		ByMonth:          []monthJSON{},
		ByCategory:       []categoryJSON{},
		ByDistrict:       []districtJSON{},
		ByStage:          []stageJSON{},
	}
	var reported, reportedFines, pre store.Tally
	for _, k := range p.ByStage {
		out.Penalties.ByStage = append(out.Penalties.ByStage, stageJSON{optionalString(k.Key), tallyOf(k.Tally)})
		if k.Key != "" {
			reported.Count += k.Count
			reportedFines.Fines += k.Fines
		}
		if k.Key == string(domain.StagePreAccident) {
			pre = k.Tally
		}
	}
	out.Penalties.PreAccident = preAccidentJSON{
		Count: pre.Count, StageReported: reported.Count, Share: share(pre.Count, reported.Count),
		FineTotal: pre.Fines.Yuan(), FineShare: share(int64(pre.Fines), int64(reportedFines.Fines)),
		FineAverage: average(pre.Fines, pre.Count),
	}
	for _, k := range p.ByMonth {
		out.Penalties.ByMonth = append(out.Penalties.ByMonth, monthJSON{k.Key, tallyOf(k.Tally)})
	}
	out.Penalties.DecidedByMonth = []monthJSON{}
	for _, k := range p.Decided {
		out.Penalties.DecidedByMonth = append(out.Penalties.DecidedByMonth, monthJSON{k.Key, tallyOf(k.Tally)})
	}
	for _, k := range p.ByCategory {
		out.Penalties.ByCategory = append(out.Penalties.ByCategory, categoryJSON{k.Key, tallyOf(k.Tally)})
	}
	for _, d := range p.ByDistrict {
		out.Penalties.ByDistrict = append(out.Penalties.ByDistrict,
			districtJSON{optionalString(d.Code), optionalString(d.Name), tallyOf(d.Tally)})
	}
	m := s.Permits
	out.Permits = permitStatsJSON{Count: m.Count, ByMonth: []countJSON{}, ByCategory: []countJSON{},
		ByDistrict: []permitDistrictJSON{}, ByState: []countJSON{}}
	for _, k := range m.ByMonth {
		out.Permits.ByMonth = append(out.Permits.ByMonth, countJSON{Month: k.Key, Count: k.Count})
	}
	for _, k := range m.ByCategory {
		out.Permits.ByCategory = append(out.Permits.ByCategory, countJSON{Category: k.Key, Count: k.Count})
	}
	for _, k := range m.ByState {
		out.Permits.ByState = append(out.Permits.ByState, countJSON{State: k.Key, Count: k.Count})
	}
	for _, d := range m.ByDistrict {
		out.Permits.ByDistrict = append(out.Permits.ByDistrict,
			permitDistrictJSON{optionalString(d.Code), optionalString(d.Name), d.Count})
	}
	t := s.Timeliness
	out.Timeliness.DeadlineWorkdays = t.DeadlineWorkdays
	out.Timeliness.Overall = timelinessOf(t.Overall)
	out.Timeliness.Withheld = t.Withheld
	out.Timeliness.Agencies = []timelinessJSON{}
	for _, a := range t.Agencies {
		out.Timeliness.Agencies = append(out.Timeliness.Agencies, timelinessOf(a))
	}
	return out
}

func timelinessOf(a store.AgencyTimeliness) timelinessJSON {
	j := timelinessJSON{AgencyCode: a.AgencyCode, Agency: a.Agency, Records: a.Records, OnTime: a.OnTime,
		OnTimeShare: share(a.OnTime, a.Records)}
	if a.Records > 0 {
		m := a.MedianLag
		j.MedianLagWorkdays = &m
	}
	return j
}
