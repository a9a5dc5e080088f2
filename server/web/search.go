package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/server/httpx"
)

// The search page: GET /search?q=&type=&<filters>&sort=&page= with the
// parameters of GET /api/v1/search, so every search has a shareable URL.

type searchTab struct {
	Type   string
	Label  string
	Count  int64
	URL    string
	Active bool
}

type facetValue struct {
	Value    string
	Label    string
	Count    int64
	Selected bool
}

type facetGroup struct {
	Name   string
	Label  string
	Values []facetValue
}

type hitSnippet struct {
	Label string
	HTML  string // escaped text with <mark>…</mark>
}

type searchHit struct {
	search.Hit
	TypeLabel string
	Snippets  []hitSnippet
	Demo      bool
}

type sortOption struct {
	Value, Label string
	Selected     bool
}

type pageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

type activeFilter struct {
	Label     string
	RemoveURL string
}

type searchPageData struct {
	pageData
	Query       string
	Type        string
	Searched    bool // a query or a filter was given
	Result      *search.Result
	Hits        []searchHit
	ExactHits   []searchHit // the records the query names exactly (page 1)
	ExactKind   string      // what the query names exactly ("" for free text): the label of the kind
	ExactMore   int         // the exact matches are more than listed; their number listed
	Tabs        []searchTab
	Facets      []facetGroup
	Hidden      []hiddenField // the parameters the facet form keeps
	Sorts       []sortOption
	Pages       []pageLink
	PrevURL     string
	NextURL     string
	From, To    int
	Active      []activeFilter
	ClearURL    string
	AllTypesURL string // the same words in every type, when one type was searched
	CreditCode  string // the query is a valid 统一社会信用代码
	ParamError  string
	FeedURL     string
	APIURL      string
	MaxPageNote bool
}

type hiddenField struct{ Name, Value string }

// searchValues is the request's query without the page's own parameters.
func searchValues(c *gin.Context) url.Values {
	vs := c.Request.URL.Query()
	vs.Del("lang")
	for k, v := range vs {
		if len(v) == 1 && strings.TrimSpace(v[0]) == "" && k != "q" {
			vs.Del(k) // an empty select or field counts as absent
		}
	}
	if strings.TrimSpace(vs.Get("q")) == "" {
		vs.Del("q")
	}
	if vs.Get("type") == "all" {
		vs.Del("type")
	}
	if vs.Get("sort") == "relevance" {
		vs.Del("sort")
	}
	return vs
}

// searchURL is the search page for vs in language l.
func searchURL(l i18n.Lang, vs url.Values) string {
	if len(vs) == 0 {
		return withLang(l, "/search")
	}
	return withLang(l, "/search?"+vs.Encode())
}

func with(vs url.Values, change func(url.Values)) url.Values {
	out := url.Values{}
	for k, v := range vs {
		out[k] = slices.Clone(v)
	}
	change(out)
	return out
}

var typeLabelKeys = map[string]string{"all": "search.type.all", "penalty": "search.type.penalty",
	"permit": "search.type.permit", "power": "search.type.power", "service": "search.type.service"}

func (h *Handlers) searchPage(c *gin.Context) error {
	pr := printer(c)
	l := pr.Lang()
	vs := searchValues(c)
	data := &searchPageData{pageData: h.page(c, pr.T("search.title"), "search"), Type: "all"}
	data.Query = strings.TrimSpace(vs.Get("q"))
	if data.Query != "" {
		data.Title = pr.T("search.title_q", data.Query)
	}
	data.Searched = len(vs) > 0
	q, err := search.ParseQuery(vs)
	var pe *search.ParamError
	if errors.As(err, &pe) {
		data.ParamError = pe.Param + ": " + pe.Message
		data.NoIndex = true
		return h.renderStatus(c, http.StatusBadRequest, "search", data, "no-store")
	}
	if err != nil {
		return err
	}
	data.Type = q.Type
	if q.Type != "all" {
		data.AllTypesURL = searchURL(l, with(vs, func(v url.Values) {
			for k := range v {
				if k != "q" {
					v.Del(k)
				}
			}
		}))
	}
	res, err := h.search.Search(c.Request.Context(), q)
	if err != nil {
		return err
	}
	data.Result = res
	if code := domain.NormalizeCode(data.Query); len(code) == 18 && domain.ValidateUSCC(code) == nil {
		data.CreditCode = code
	}
	data.FeedURL = withLang(l, "/search/feed.atom?"+with(vs, func(v url.Values) { v.Del("page") }).Encode())
	data.Feed = data.FeedURL
	data.APIURL = "/api/v1/search?" + vs.Encode()
	data.Tabs = searchTabs(pr, vs, q, res)
	data.facets(pr, vs, res)
	data.Sorts = sortOptions(pr, q)
	data.Hits = searchHits(pr, res.Hits)
	data.exact(pr, q, res)
	data.paginate(l, vs, q, res)
	// Results follow the index, which trails the database by seconds:
	// browsers revalidate, and shared caches do not store them.
	return h.renderStatus(c, http.StatusOK, "search", data, "no-cache")
}

// searchTabs are the tabs of all types and of each type, with the counts
// of the type facet; each keeps the filters and sort that apply to it.
func searchTabs(pr i18n.Printer, vs url.Values, q search.Query, res *search.Result) []searchTab {
	var all int64
	for _, t := range search.Types {
		all += res.Facets["type"][string(t)]
	}
	var tabs []searchTab
	for _, t := range append([]string{"all"}, typeStrings()...) {
		tab := searchTab{Type: t, Label: pr.T(typeLabelKeys[t]), Active: t == q.Type}
		tab.URL = searchURL(pr.Lang(), with(vs, func(v url.Values) {
			v.Del("page")
			if t == "all" {
				v.Del("type")
			} else {
				v.Set("type", t)
			}
			// Keep only the filters and sort that apply to the new type.
			for _, name := range append(slices.Clone(search.FilterNames), "sort") {
				if len(v[name]) == 0 {
					continue
				}
				if _, err := search.ParseQuery(url.Values{name: v[name], "type": {t}}); err != nil {
					v.Del(name)
				}
			}
		}))
		if t == "all" {
			tab.Count = all
		} else {
			tab.Count = res.Facets["type"][t]
		}
		if q.Type != "all" && t != q.Type && t != "all" {
			tab.Count = -1 // unknown: this search did not count other types
		}
		tabs = append(tabs, tab)
	}
	return tabs
}

// facets adds the facets of the searched types, values by count, with
// the active filters and the form's hidden fields.
func (data *searchPageData) facets(pr i18n.Printer, vs url.Values, res *search.Result) {
	l := pr.Lang()
	for _, name := range search.FilterNames {
		counts := res.Facets[name]
		selected := vs[name]
		if len(counts) == 0 && len(selected) == 0 {
			continue
		}
		g := facetGroup{Name: name, Label: pr.T("facet." + name), Values: facetValues(pr, name, counts, selected)}
		data.Facets = append(data.Facets, g)
		for _, v := range selected {
			data.Active = append(data.Active, activeFilter{
				Label: g.Label + "：" + facetLabel(pr, name, v),
				RemoveURL: searchURL(l, with(vs, func(x url.Values) {
					x.Del("page")
					x[name] = slices.DeleteFunc(slices.Clone(x[name]), func(s string) bool { return s == v })
				})),
			})
		}
	}
	for _, k := range []string{"q", "type", "sort"} {
		if v := vs.Get(k); v != "" {
			data.Hidden = append(data.Hidden, hiddenField{k, v})
		}
	}
	if l == i18n.English {
		data.Hidden = append(data.Hidden, hiddenField{"lang", "en"})
	}
	if len(data.Active) > 0 {
		data.ClearURL = searchURL(l, with(vs, func(x url.Values) {
			for _, name := range search.FilterNames {
				x.Del(name)
			}
			x.Del("page")
		}))
	}
}

// facetValues are the values of one facet: the selected ones first, then
// by count (years newest first), at most twelve.
func facetValues(pr i18n.Printer, name string, counts map[string]int64, selected []string) []facetValue {
	var out []facetValue
	for v, n := range counts {
		out = append(out, facetValue{Value: v, Label: facetLabel(pr, name, v), Count: n, Selected: slices.Contains(selected, v)})
	}
	for _, v := range selected {
		if _, ok := counts[v]; !ok {
			out = append(out, facetValue{Value: v, Label: facetLabel(pr, name, v), Selected: true})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Selected != b.Selected {
			return a.Selected
		}
		if name == "year" {
			return a.Value > b.Value
		}
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Value < b.Value
	})
	if len(out) > 12 {
		out = out[:12]
	}
	return out
}

// sortOptions are the sorts that apply to the searched types.
func sortOptions(pr i18n.Printer, q search.Query) []sortOption {
	out := []sortOption{{"relevance", pr.T("search.sort.relevance"), q.Sort == ""}}
	for _, s := range []string{"decision_date:desc", "decision_date:asc", "fine_amount:desc", "fine_amount:asc"} {
		applies := false
		for _, t := range q.Types {
			applies = applies || slices.Contains(search.SortOptions[s], t)
		}
		if applies && (len(q.Types) == 1 || !strings.HasPrefix(s, "fine")) {
			out = append(out, sortOption{s, pr.T("search.sort." + strings.ReplaceAll(s, ":", "_")), q.Sort == s})
		}
	}
	return out
}

// exactKinds are the query kinds that name records exactly.
var exactKinds = []string{search.KindCreditCode, search.KindDecisionNo, search.KindName, search.KindItemCode}

// exact adds, on the first page, the exact matches of a query that is an
// identifier or a full name — or says there is none. A degraded answer
// (PostgreSQL) compares numbers as typed and names not at all, so it
// never claims there is none.
func (data *searchPageData) exact(pr i18n.Printer, q search.Query, res *search.Result) {
	if !slices.Contains(exactKinds, res.QueryKind) || q.Page != 1 || (res.Degraded && len(res.Exact) == 0) {
		return
	}
	data.ExactKind = pr.T("search.kind." + res.QueryKind)
	data.ExactHits = searchHits(pr, res.Exact)
	if res.ExactTotal > int64(len(res.Exact)) {
		data.ExactMore = len(res.Exact)
	}
}

// searchHits are the hits as shown, with up to three highlighted snippets.
func searchHits(pr i18n.Printer, hits []search.Hit) []searchHit {
	var out []searchHit
	for _, hit := range hits {
		sh := searchHit{Hit: hit, TypeLabel: pr.T(typeLabelKeys[string(hit.Type)])}
		sh.URL = withLang(pr.Lang(), hit.URL)
		for _, attr := range snippetOrder {
			if html, ok := hit.Highlights[attr]; ok && strings.Contains(html, "<mark>") {
				sh.Snippets = append(sh.Snippets, hitSnippet{Label: pr.T("hl." + attr), HTML: html})
			}
			if len(sh.Snippets) == 3 {
				break
			}
		}
		if raw, ok := hit.Fields["demo"]; ok && string(raw) == "true" {
			sh.Demo = true
		}
		out = append(out, sh)
	}
	return out
}

// paginate adds the links to the pages of results, as far as the index
// lets a search page.
func (data *searchPageData) paginate(l i18n.Lang, vs url.Values, q search.Query, res *search.Result) {
	pages := int((res.Total + int64(q.PerPage) - 1) / int64(q.PerPage))
	limit := search.MaxTotalHits
	if len(q.Types) > 1 {
		limit = search.MaxAllHits
	}
	if maxPages := limit / q.PerPage; pages > maxPages {
		pages = maxPages
		data.MaxPageNote = true
	}
	pageURL := func(n int) string {
		return searchURL(l, with(vs, func(v url.Values) {
			if n == 1 {
				v.Del("page")
			} else {
				v.Set("page", strconv.Itoa(n))
			}
		}))
	}
	if q.Page > 1 {
		data.PrevURL = pageURL(q.Page - 1)
	}
	if q.Page < pages {
		data.NextURL = pageURL(q.Page + 1)
	}
	for n := 1; n <= pages; n++ {
		if n == 1 || n == pages || (n >= q.Page-2 && n <= q.Page+2) {
			data.Pages = append(data.Pages, pageLink{Number: n, URL: pageURL(n), Current: n == q.Page})
		} else if len(data.Pages) > 0 && !data.Pages[len(data.Pages)-1].Gap {
			data.Pages = append(data.Pages, pageLink{Gap: true})
		}
	}
	if len(res.Hits) > 0 {
		data.From = (q.Page-1)*q.PerPage + 1
		data.To = data.From + len(res.Hits) - 1
	}
}

// snippetOrder is the order in which highlighted fields are shown.
var snippetOrder = []string{"party_name", "name", "credit_code", "decision_no", "permit_no", "code", "violation_type",
	"document_name", "facts", "content", "conditions", "flow_steps", "legal_basis", "guide_basis", "agency"}

func typeStrings() []string {
	out := make([]string, len(search.Types))
	for i, t := range search.Types {
		out[i] = string(t)
	}
	return out
}

// facetLabel is how a facet value is shown.
func facetLabel(pr i18n.Printer, name, v string) string {
	switch name {
	case "year":
		return v
	case "agency", "district":
		return v
	}
	return pr.Enum(v)
}

type suggestion struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle"`
	URL      string `json:"url"`
	Type     string `json:"type"`
}

// suggest answers the search box's suggestions while typing: the first
// few hits of q, as JSON.
func (h *Handlers) suggest(c *gin.Context) error {
	text := strings.TrimSpace(c.Query("q"))
	out := []suggestion{}
	if text != "" {
		q, err := search.ParseQuery(url.Values{"q": {text}, "per_page": {"6"}})
		if err != nil {
			return httpx.BadRequest("q", err.Error())
		}
		res, err := h.search.Search(c.Request.Context(), q)
		if err != nil {
			return err
		}
		l := langOf(c)
		for _, hit := range append(slices.Clone(res.Exact), res.Hits...) {
			if len(out) == q.PerPage {
				break
			}
			out = append(out, suggestion{Title: hit.Title, Subtitle: hit.Subtitle, URL: withLang(l, hit.URL), Type: string(hit.Type)})
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-cache")
	c.Data(http.StatusOK, "application/json; charset=utf-8", b)
	return nil
}
