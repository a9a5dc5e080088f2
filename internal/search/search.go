// Package search owns Gongshi's search: the Meilisearch indexes, their
// settings and documents, the writer the indexer uses, and the searcher the
// API uses — with a PostgreSQL fallback while Meilisearch is unreachable.
// It is the only package that imports meilisearch-go.
package search

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gongshi/gongshi/internal/domain"
)

// Type is a kind of search result; each has its own index.
type Type string

const (
	TypePenalty Type = "penalty" // 行政处罚
	TypePermit  Type = "permit"  // 行政许可
	TypePower   Type = "power"   // 权力清单 items with their guides
	TypeService Type = "service" // 责任清单 and 公共服务事项 items
)

// Types lists every Type in the order type=all presents them.
var Types = []Type{TypePenalty, TypePermit, TypePower, TypeService}

// The Meilisearch indexes, one per Type.
const (
	IndexPenalties = "penalties"
	IndexPermits   = "permits"
	IndexPowers    = "powers"
	IndexServices  = "services"
)

// Indexes lists every index, in the order of Types.
var Indexes = []string{IndexPenalties, IndexPermits, IndexPowers, IndexServices}

// IndexOf returns the index holding documents of type t.
func IndexOf(t Type) string { return Indexes[slices.Index(Types, t)] }

// Limits of a search request.
const (
	MaxQueryRunes  = 200
	DefaultPerPage = 20
	MaxPerPage     = 100
	// MaxTotalHits is how deep a single-type search may page (Meilisearch's
	// pagination.maxTotalHits); type=all pages at most MaxAllHits deep.
	MaxTotalHits = 10000
	MaxAllHits   = 1000
	maxValues    = 20 // values of one filter parameter
)

// Filters restrict a search; values of one filter are alternatives (OR),
// different filters all apply (AND). Every value has been validated.
type Filters struct {
	Category      []string // 处罚类别 (penalties) or 许可类别 (permits)
	Year          []int    // decision year
	District      []string // district name or 6-digit code
	Agency        []string // agency name or credit code
	Stage         []string // 事前 / 事故 (penalties)
	SubjectKind   []string // 行政相对人类别
	PermitStatus  []string // 有效 / 无效 (permits)
	PowerCategory []string // 事项类型 of the power list
}

// Query is a validated search request.
type Query struct {
	Text    string // normalized; "" browses
	Type    string // as requested: penalty, permit, power, service or all
	Types   []Type // the types searched: Type, or every type all filters apply to
	Filters Filters
	Sort    string // "" (relevance) or a key of SortOptions
	Page    int    // from 1
	PerPage int
}

// Result is the one response shape of GET /api/v1/search, from Meilisearch
// or, degraded, from PostgreSQL. When the query is an identifier or a full
// registered name (QueryKind), the records it names exactly are Exact
// (every page carries them) and Hits are the related results, paged,
// which never repeat an exact match; Total counts the related results.
type Result struct {
	Query        string                      `json:"query"`
	Type         string                      `json:"type"`
	QueryKind    string                      `json:"query_kind"` // a Kind* constant
	Exact        []Hit                       `json:"exact"`
	ExactTotal   int64                       `json:"exact_total"`
	Subjects     []Subject                   `json:"subjects"` // the enterprises of the exact matches
	Hits         []Hit                       `json:"hits"`
	Facets       map[string]map[string]int64 `json:"facets"`
	Total        int64                       `json:"total"`
	TotalExact   bool                        `json:"total_exact"`
	Page         int                         `json:"page"`
	PerPage      int                         `json:"per_page"`
	ProcessingMS int64                       `json:"processing_ms"`
	Degraded     bool                        `json:"degraded"`
}

// Hit is one search result. Fields are the public fields of the document
// (see the *Doc types, whose names are those of the read API's records);
// Highlights hold HTML snippets of the fields that matched, text escaped
// and matches wrapped in <mark>…</mark>.
type Hit struct {
	Type       Type                       `json:"type"`
	ID         string                     `json:"id"`
	Title      string                     `json:"title"`
	Subtitle   string                     `json:"subtitle"`
	URL        string                     `json:"url"`
	Exact      bool                       `json:"exact,omitempty"` // the query is this record's credit code, decision or item number, or its party's name
	Match      string                     `json:"match"`           // MatchExact or MatchRelated
	Fields     map[string]json.RawMessage `json:"fields"`
	Highlights map[string]string          `json:"highlights,omitempty"`
}

// Values of Hit.Match.
const (
	MatchExact   = "exact"
	MatchRelated = "related"
)

// Subject is an enterprise whose records the query named exactly, with
// the page of its public records (/subjects/{credit_code}).
type Subject struct {
	CreditCode string `json:"credit_code"`
	Name       string `json:"name"`
	URL        string `json:"url"`
}

// SortOptions are the values of the sort parameter, with the types each
// applies to. Without one (or with "relevance"), hits are ranked.
var SortOptions = map[string][]Type{
	"decision_date:desc": {TypePenalty, TypePermit},
	"decision_date:asc":  {TypePenalty, TypePermit},
	"fine_amount:desc":   {TypePenalty},
	"fine_amount:asc":    {TypePenalty},
}

// sortAliases are the read API's spellings of the sort options.
var sortAliases = map[string]string{
	"-decision_date": "decision_date:desc", "decision_date": "decision_date:asc",
	"-fine": "fine_amount:desc", "fine": "fine_amount:asc",
}

// meiliSort is the Meilisearch sort of a sort option.
func meiliSort(sort string) string {
	return strings.Replace(sort, "fine_amount:", "fine_yuan:", 1)
}

// filterParam describes one filter parameter.
type filterParam struct {
	name  string
	types []Type
	check func(string) (string, error)
	field func(*Filters) *[]string
}

var districtCode = regexp.MustCompile(`^[0-9]{6}$`)

func enum(allowed []string) func(string) (string, error) {
	return func(v string) (string, error) {
		if slices.Contains(allowed, v) {
			return v, nil
		}
		return "", fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
	}
}

func name(maxRunes int) func(string) (string, error) {
	return func(v string) (string, error) {
		v = domain.NormalizeText(v)
		if v == "" || utf8.RuneCountInString(v) > maxRunes {
			return "", fmt.Errorf("must be 1 to %d characters", maxRunes)
		}
		if strings.IndexFunc(v, unicode.IsControl) >= 0 {
			return "", fmt.Errorf("must not contain control characters")
		}
		return v, nil
	}
}

func agencyValue(v string) (string, error) {
	if code := domain.NormalizeCode(v); domain.ValidateUSCC(code) == nil {
		return code, nil
	}
	return name(64)(v)
}

func districtValue(v string) (string, error) {
	if districtCode.MatchString(strings.TrimSpace(v)) {
		return strings.TrimSpace(v), nil
	}
	return name(20)(v)
}

func partyKinds() []string {
	out := make([]string, len(domain.PartyKinds))
	for i, k := range domain.PartyKinds {
		out[i] = string(k)
	}
	return out
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

var categories = func() []string {
	out := slices.Clone(domain.PenaltyCategories)
	for _, c := range domain.PermitCategories {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}()

var filterParams = []filterParam{
	{"category", []Type{TypePenalty, TypePermit}, enum(categories), func(f *Filters) *[]string { return &f.Category }},
	{"year", []Type{TypePenalty, TypePermit}, nil, nil},
	{"district", []Type{TypePenalty, TypePermit}, districtValue, func(f *Filters) *[]string { return &f.District }},
	{"agency", []Type{TypePenalty, TypePermit}, agencyValue, func(f *Filters) *[]string { return &f.Agency }},
	{"stage", []Type{TypePenalty}, enum(stringsOf(domain.Stages)), func(f *Filters) *[]string { return &f.Stage }},
	{"subject_kind", []Type{TypePenalty, TypePermit}, enum(partyKinds()), func(f *Filters) *[]string { return &f.SubjectKind }},
	{"permit_status", []Type{TypePermit}, enum(stringsOf(domain.PermitStates)), func(f *Filters) *[]string { return &f.PermitStatus }},
	{"power_category", []Type{TypePower}, enum(domain.PowerCategories), func(f *Filters) *[]string { return &f.PowerCategory }},
}

// FilterNames lists the filter parameters in a stable order; they are
// also the facet names of a Result.
var FilterNames = func() []string {
	out := make([]string, len(filterParams))
	for i, f := range filterParams {
		out[i] = f.name
	}
	return out
}()

// ParamError names the query parameter that made a request invalid.
type ParamError struct {
	Param   string
	Message string
}

func (e *ParamError) Error() string { return e.Param + ": " + e.Message }

// paramErr is a ParamError; a parameter name longer than maxParamName
// bytes (a client's made-up one) is cut at a character boundary, so an
// error repeats no more than a short prefix of what the client sent.
func paramErr(param, format string, a ...any) *ParamError {
	if len(param) > maxParamName {
		n := maxParamName
		for n > 0 && !utf8.RuneStart(param[n]) {
			n--
		}
		param = param[:n]
	}
	return &ParamError{Param: param, Message: fmt.Sprintf(format, a...)}
}

// maxParamName is the most bytes of a parameter's name an error repeats.
const maxParamName = 64

// ParseQuery validates the query parameters of a search request: q, type,
// sort, page, per_page and the filters in FilterNames. Anything else, a
// repeated single-valued parameter, a bad value or a filter or sort that
// applies to none of the requested types is a *ParamError naming the
// parameter.
func ParseQuery(values url.Values) (Query, error) {
	if err := checkParamNames(values); err != nil {
		return Query{}, err
	}
	q := Query{Type: "all", Page: 1, PerPage: DefaultPerPage}
	if err := q.parseText(values); err != nil {
		return Query{}, err
	}
	if err := q.parsePaging(values); err != nil {
		return Query{}, err
	}
	if err := q.parseSort(values); err != nil {
		return Query{}, err
	}
	if err := q.parseFilters(values); err != nil {
		return Query{}, err
	}
	limit := MaxTotalHits
	if len(q.Types) > 1 {
		limit = MaxAllHits
	}
	if q.Page*q.PerPage > limit {
		return Query{}, paramErr("page", "page × per_page may be at most %d; narrow the search instead", limit)
	}
	return q, nil
}

// checkParamNames rejects the first unknown parameter, in name order.
func checkParamNames(values url.Values) error {
	known := map[string]bool{"q": true, "type": true, "sort": true, "page": true, "per_page": true}
	for _, f := range filterParams {
		known[f.name] = true
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if !known[k] {
			return paramErr(k, "unknown parameter; known: q, type, sort, page, per_page, %s", strings.Join(FilterNames, ", "))
		}
	}
	return nil
}

// single is the value of a single-valued parameter; an empty value counts
// as absent.
func single(values url.Values, k string) (string, bool, error) {
	vs := nonEmpty(values[k])
	if len(vs) == 0 {
		return "", false, nil
	}
	if len(vs) > 1 {
		return "", false, paramErr(k, "give it once")
	}
	return vs[0], true, nil
}

// parseText reads q and type.
func (q *Query) parseText(values url.Values) error {
	v, ok, err := single(values, "q")
	if err != nil {
		return err
	}
	if ok {
		q.Text = strings.Join(strings.Fields(domain.NormalizeText(v)), " ")
		if utf8.RuneCountInString(q.Text) > MaxQueryRunes {
			return paramErr("q", "at most %d characters", MaxQueryRunes)
		}
		if strings.IndexFunc(q.Text, unicode.IsControl) >= 0 {
			return paramErr("q", "must not contain control characters")
		}
	}
	if v, ok, err = single(values, "type"); err != nil {
		return err
	} else if ok && v != "" {
		if v != "all" && !slices.Contains(Types, Type(v)) {
			return paramErr("type", "must be one of penalty, permit, power, service, all")
		}
		q.Type = v
	}
	return nil
}

// parsePaging reads page and per_page.
func (q *Query) parsePaging(values url.Values) error {
	for _, p := range []struct {
		name     string
		dst      *int
		min, max int
	}{{"page", &q.Page, 1, MaxTotalHits}, {"per_page", &q.PerPage, 1, MaxPerPage}} {
		v, ok, err := single(values, p.name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < p.min || n > p.max {
			return paramErr(p.name, "must be an integer from %d to %d", p.min, p.max)
		}
		*p.dst = n
	}
	return nil
}

// parseSort reads sort.
func (q *Query) parseSort(values url.Values) error {
	v, ok, err := single(values, "sort")
	if err != nil || !ok || v == "relevance" {
		return err
	}
	if a, ok := sortAliases[v]; ok {
		v = a
	}
	if _, known := SortOptions[v]; !known {
		return paramErr("sort", "must be relevance, decision_date:desc, decision_date:asc, fine_amount:desc "+
			"or fine_amount:asc (or -decision_date, decision_date, -fine, fine)")
	}
	q.Sort = v
	return nil
}

// parseFilters reads the filters, and sets Types to the requested types
// that every filter and the sort apply to.
func (q *Query) parseFilters(values url.Values) error {
	q.Types = slices.Clone(Types)
	if q.Type != "all" {
		q.Types = []Type{Type(q.Type)}
	}
	for _, f := range filterParams {
		vs := nonEmpty(values[f.name])
		if len(vs) == 0 {
			continue
		}
		if len(vs) > maxValues {
			return paramErr(f.name, "at most %d values", maxValues)
		}
		for _, v := range vs {
			if err := q.addFilterValue(f, v); err != nil {
				return err
			}
		}
		if err := q.restrict(f.name, f.types); err != nil {
			return err
		}
	}
	if q.Sort != "" {
		return q.restrict("sort", SortOptions[q.Sort])
	}
	return nil
}

// addFilterValue adds one value of filter f, once.
func (q *Query) addFilterValue(f filterParam, v string) error {
	if f.name == "year" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1949 || n > 2200 {
			return paramErr("year", "must be a year such as 2025")
		}
		if !slices.Contains(q.Filters.Year, n) {
			q.Filters.Year = append(q.Filters.Year, n)
		}
		return nil
	}
	checked, err := f.check(v)
	if err != nil {
		return paramErr(f.name, "%v", err)
	}
	if dst := f.field(&q.Filters); !slices.Contains(*dst, checked) {
		*dst = append(*dst, checked)
	}
	return nil
}

// restrict keeps the searched types that param applies to; none left is
// an error naming param.
func (q *Query) restrict(param string, applies []Type) error {
	kept := slices.DeleteFunc(slices.Clone(q.Types), func(t Type) bool { return !slices.Contains(applies, t) })
	if len(kept) == 0 {
		if q.Type != "all" {
			return paramErr(param, "does not apply to type=%s", q.Type)
		}
		return paramErr(param, "applies to no type the other parameters allow")
	}
	q.Types = kept
	return nil
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, v)
		}
	}
	return out
}

// exactKind says which identifier a query is, if any.
type exactKind int

const (
	exactNone       exactKind = iota
	exactCreditCode           // a valid 统一社会信用代码
	exactDecisionNo           // looks like a decision or permit number: 〔2025〕12号
	exactItemCode             // looks like a list item code: 320500CF0001
	exactName                 // looks like a full registered name: …有限公司, …经营部
)

// Query kinds, as Result.QueryKind reports them.
const (
	KindBrowse     = ""
	KindText       = "text"
	KindCreditCode = "credit_code"
	KindDecisionNo = "decision_no"
	KindItemCode   = "item_code"
	KindName       = "name"
)

var kindNames = map[exactKind]string{exactCreditCode: KindCreditCode, exactDecisionNo: KindDecisionNo,
	exactItemCode: KindItemCode, exactName: KindName}

// queryKind names what the query text is.
func queryKind(text string, kind exactKind) string {
	if text == "" {
		return KindBrowse
	}
	if k, ok := kindNames[kind]; ok {
		return k
	}
	return KindText
}

var (
	decisionNoPattern = regexp.MustCompile(`[0-9]+.*号|[〔\[［(（【〖﹝].*[0-9]`)
	itemCodePattern   = regexp.MustCompile(`^[0-9A-Z][0-9A-Z-]{4,}$`)
	// nameSuffixes end the registered names of the businesses decisions
	// are made on: companies, their branches, 个体工商户 and co-operatives.
	nameSuffixes = []string{"公司", "分公司", "厂", "店", "经营部", "门市部", "商行", "供应站", "加油站", "站", "合作社",
		"事务所", "中心", "馆", "场", "院", "所"}
)

// minNameRunes is the shortest text taken for a full registered name.
const minNameRunes = 4

// exactOf classifies the query text: the identifier an exact match needs,
// as its MatchKey (a credit code and an item code: normalized as stored).
func exactOf(text string) (exactKind, string) {
	if text == "" || strings.ContainsAny(text, " ") && !decisionNoPattern.MatchString(text) {
		return exactNone, ""
	}
	if code := domain.NormalizeCode(text); len(code) == 18 && domain.ValidateUSCC(code) == nil {
		return exactCreditCode, code
	}
	if decisionNoPattern.MatchString(text) && utf8.RuneCountInString(text) <= 64 && strings.ContainsAny(text, "0123456789") {
		return exactDecisionNo, MatchKey(text)
	}
	if code := domain.NormalizeCode(text); itemCodePattern.MatchString(code) && strings.ContainsAny(code, "0123456789") {
		return exactItemCode, code
	}
	if looksLikeName(text) {
		return exactName, MatchKey(text)
	}
	return exactNone, ""
}

// looksLikeName reports whether text can be a full registered name: Han
// characters, no spaces, ending as such names end.
func looksLikeName(text string) bool {
	if strings.ContainsAny(text, " ") || utf8.RuneCountInString(text) < minNameRunes || utf8.RuneCountInString(text) > 100 {
		return false
	}
	if strings.IndexFunc(text, func(r rune) bool { return unicode.Is(unicode.Han, r) }) < 0 {
		return false
	}
	for _, s := range nameSuffixes {
		if strings.HasSuffix(text, s) {
			return true
		}
	}
	return false
}
