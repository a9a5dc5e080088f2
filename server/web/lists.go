package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/flowchart"
	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// The lists: 权力清单 (browse by category, filter, search; an item's page
// with its 运行指南 and flowchart), 责任清单, 公共服务事项清单, and for each
// list its version history and a comparison of any two versions.

// listTitleKey is the message key of a list's title.
func listTitleKey(kind domain.ListKind) string { return "list." + kind.Info().Name }

// versionQuery reads ?version= (0: current).
func versionQuery(c *gin.Context) (int, error) {
	v := strings.TrimSpace(c.Query("version"))
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > domain.MaxListVersion {
		return 0, httpx.NewError(http.StatusBadRequest, "bad_request", printer(c).T("list.bad_version"))
	}
	return n, nil
}

func (h *Handlers) listMissing(c *gin.Context, kind domain.ListKind, n int, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		pr := printer(c)
		if n == 0 {
			return httpx.NotFound(pr.T("list.unpublished", pr.T(listTitleKey(kind))))
		}
		return httpx.NotFound(pr.T("list.no_version", pr.T(listTitleKey(kind)), n))
	}
	return err
}

// versionBanner describes which version a list page shows.
type versionBanner struct {
	Version store.VersionInfo
	Pinned  bool // an older version asked for by ?version=
	Current int  // number of the current version
}

type categoryTab struct {
	Value, Label string
	Count        int
	URL          string
	Active       bool
}

type listPage struct {
	pageData
	Kind       domain.ListKind
	KindTitle  string
	V          versionBanner
	Query      string
	Category   string
	Categories []categoryTab
	Groups     []powerGroup // the power list's page, by category
	Pager      listPager
	Parts      []respPart
	Services   []domain.ServiceItem
	Total      int
	Shown      int
	SearchURL  string
	APIURL     string
	VersionQS  string // "?version=n" when pinned
}

// powerGroup is the part of a page of the power list in one category.
type powerGroup struct {
	Category, Label string
	Count           int  // items of the category that match the filter, on every page
	Continued       bool // the category began on an earlier page
	Items           []store.PowerSummary
}

// powersPerPage is how many items a page of the power list shows.
const powersPerPage = 50

// listPager links the pages of a list: items From to To (1-based) of Total
// are on page Page of Pages.
type listPager struct {
	Page, Pages, From, To, Total int
	PrevURL, NextURL             string
	Links                        []pageLink
}

// pageQuery reads ?page= (default 1).
func pageQuery(c *gin.Context) (int, error) {
	v := strings.TrimSpace(c.Query("page"))
	if v == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, httpx.BadRequest("page", printer(c).T("list.bad_page"))
	}
	return n, nil
}

// listPageURL returns the URL of page n of the list at path with the
// request's other parameters.
func listPageURL(c *gin.Context, path string) func(int) string {
	vs := c.Request.URL.Query()
	vs.Del("lang")
	return func(n int) string {
		q := with(vs, func(v url.Values) {
			v.Del("page")
			if n > 1 {
				v.Set("page", strconv.Itoa(n))
			}
		})
		if len(q) == 0 {
			return withLang(printer(c).Lang(), path)
		}
		return withLang(printer(c).Lang(), path+"?"+q.Encode())
	}
}

// paginate places page of total items, perPage a page; a page past the
// last is not found (an empty list has one, empty, page).
func paginate(pr i18n.Printer, total, page, perPage int, pageURL func(int) string) (listPager, error) {
	p := listPager{Page: page, Pages: max(1, (total+perPage-1)/perPage), Total: total}
	if page > p.Pages {
		return p, httpx.NotFound(pr.T("list.no_page", page, p.Pages))
	}
	p.From, p.To = min((page-1)*perPage+1, total), min(page*perPage, total)
	if page > 1 {
		p.PrevURL = pageURL(page - 1)
	}
	if page < p.Pages {
		p.NextURL = pageURL(page + 1)
	}
	for n := 1; n <= p.Pages && p.Pages > 1; n++ {
		switch {
		case n == 1 || n == p.Pages || (n >= page-2 && n <= page+2):
			p.Links = append(p.Links, pageLink{Number: n, URL: pageURL(n), Current: n == page})
		case !p.Links[len(p.Links)-1].Gap:
			p.Links = append(p.Links, pageLink{Gap: true})
		}
	}
	return p, nil
}

type respPart struct {
	Part  string
	Label string
	Items []domain.ResponsibilityItem
}

// matches reports whether every term of q occurs in one of the texts.
func matches(q string, texts ...string) bool {
	all := strings.ToLower(strings.Join(texts, "\n"))
	for _, t := range strings.Fields(strings.ToLower(q)) {
		if !strings.Contains(all, t) {
			return false
		}
	}
	return true
}

func (h *Handlers) currentNumber(c *gin.Context, kind domain.ListKind) int {
	v, err := h.reads.ListVersion(c.Request.Context(), kind, 0)
	if err != nil {
		return 0
	}
	return v.Number
}

// list serves the page of version ?version= (default: the current one)
// of a list, its items filtered by ?q= (and, for powers, ?category=).
func (h *Handlers) list(kind domain.ListKind) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		httpx.CacheTags(c, cache.ListTag(string(kind)))
		pr := printer(c)
		n, err := versionQuery(c)
		if err != nil {
			return err
		}
		d := &listPage{pageData: h.page(c, pr.T(listTitleKey(kind)), kind.Info().Name), Kind: kind,
			KindTitle: pr.T(listTitleKey(kind)), Query: strings.TrimSpace(c.Query("q")),
			APIURL: "/api/v1/lists/" + string(kind)}
		if n > 0 {
			d.VersionQS = "?version=" + strconv.Itoa(n)
			d.APIURL += "/versions/" + strconv.Itoa(n)
		}
		v, err := listPagesOf[kind].index(h, c, d, n)
		if err != nil {
			return err
		}
		d.SearchURL = withLang(pr.Lang(), "/search?"+url.Values{"type": {kind.Info().SearchType}, "q": {d.Query}}.Encode())
		d.V = h.banner(c, kind, v, n)
		d.Demo = d.Demo || v.Demo
		d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {d.KindTitle, ""}}
		return h.render(c, kind.Info().Name, d)
	}
}

// banner describes version v, read for ?version=n, of a list.
func (h *Handlers) banner(c *gin.Context, kind domain.ListKind, v store.VersionInfo, n int) versionBanner {
	b := versionBanner{Version: v, Pinned: n > 0, Current: v.Number}
	if n > 0 {
		b.Current = h.currentNumber(c, kind)
	}
	return b
}

// ---------------------------------------------------------------- items

// flowStep is one node of a flowchart in the text alternative.
type flowStep struct {
	N         int
	Label     string
	Kind      string
	TimeLimit string
	Note      string
	Next      []string
}

type flowView struct {
	SVG         string
	Description string
	Steps       []flowStep
	SVGURL      string
	FileName    string
	// Generic: the item has no flowchart of its own; this is its
	// category's standard flow, shown labelled and without time limits.
	Generic bool
}

func flowSteps(pr i18n.Printer, f domain.Flow) []flowStep {
	labels := map[string]string{}
	for _, n := range f.Nodes {
		labels[n.Key] = n.Label
	}
	var out []flowStep
	for i, n := range f.Nodes {
		s := flowStep{N: i + 1, Label: n.Label, Kind: pr.T("flow.kind." + string(n.Kind)), TimeLimit: n.TimeLimit, Note: n.Note}
		for _, e := range f.Edges {
			if e.From == n.Key {
				t := labels[e.To]
				if e.Label != "" {
					t = e.Label + " → " + t
				}
				s.Next = append(s.Next, t)
			}
		}
		out = append(out, s)
	}
	return out
}

type itemPage struct {
	pageData
	Kind      domain.ListKind
	KindTitle string
	V         versionBanner
	Power     domain.PowerItem
	Resp      domain.ResponsibilityItem
	Service   domain.ServiceItem
	Flow      *flowView
	APIURL    string
	ListURL   string
}

// codeParam reads the :code of a list item.
func codeParam(c *gin.Context) (string, error) {
	code := c.Param("code")
	if !domain.IsItemCode(code) {
		return "", httpx.NotFound(printer(c).T("list.bad_code"))
	}
	return code, nil
}

// itemRequest reads the :code and ?version= of an item's page.
func itemRequest(c *gin.Context) (code string, n int, err error) {
	if code, err = codeParam(c); err != nil {
		return "", 0, err
	}
	n, err = versionQuery(c)
	return code, n, err
}

// noItem is the 404 of an item that the version does not have.
func noItem(c *gin.Context, code string) error {
	return httpx.NotFound(printer(c).T("list.no_item", code))
}

// listItem serves the page of one item of a list.
func (h *Handlers) listItem(kind domain.ListKind) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		httpx.CacheTags(c, cache.ListTag(string(kind)))
		pr := printer(c)
		code, n, err := itemRequest(c)
		if err != nil {
			return err
		}
		d := &itemPage{Kind: kind, KindTitle: pr.T(listTitleKey(kind)), ListURL: "/lists/" + string(kind)}
		v, title, err := listPagesOf[kind].item(h, c, d, code, n)
		if err != nil {
			return err
		}
		d.pageData = h.page(c, title, kind.Info().Name)
		d.V = h.banner(c, kind, v, n)
		d.Demo = d.Demo || v.Demo
		d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {d.KindTitle, d.ListURL}, {title, ""}}
		d.JSONLD = map[string]any{"@context": "https://schema.org", "@type": "GovernmentService", "name": title,
			"identifier": code, "serviceType": pr.T(listTitleKey(kind)),
			"provider": bureauLD(),
			"url":      "/lists/" + string(kind) + "/" + url.PathEscape(code)}
		if d.Flow != nil && d.Flow.SVG == "" {
			// Without its picture the page is not kept: the next visitor
			// gets the flowchart once it can be drawn again.
			return h.renderStatus(c, http.StatusOK, kind.Info().Item, d, "no-store")
		}
		return h.render(c, kind.Info().Item, d)
	}
}

// itemFlow renders the flowchart of an item of a list, or nil when it has
// none; n is the version asked for. A flowchart that cannot be drawn (the
// flowchart command is missing or failed) is logged, and the page shows
// the steps as text only.
func (h *Handlers) itemFlow(c *gin.Context, kind domain.ListKind, name, code, category string, f domain.Flow, n int) (*flowView, error) {
	if len(f.Nodes) == 0 {
		return nil, nil
	}
	pr := printer(c)
	svg, generic, err := h.drawFlow(c, name, code, category, f)
	if err != nil {
		if httpx.ClientGone(c.Request) {
			return nil, err
		}
		h.log.ErrorContext(c.Request.Context(), "flowchart not drawn; the page lists its steps as text", "kind", kind, "code", code, "err", err)
		svg = nil
	}
	if generic {
		f = flowchart.Generic(f)
	}
	return &flowView{SVG: string(svg), Description: flowchart.Describe(f), Steps: flowSteps(pr, f), Generic: generic,
		SVGURL: "/lists/" + string(kind) + "/" + url.PathEscape(code) + "/flowchart.svg" + versionQS(n), FileName: code + "-flowchart"}, nil
}

// drawFlow draws the flowchart f of an item of category ("" for a public
// service). The unchanged standard flow of the category is not the item's
// own: it is drawn labelled generic, without time limits, and generic is
// true.
func (h *Handlers) drawFlow(c *gin.Context, name, code, category string, f domain.Flow) (svg []byte, generic bool, err error) {
	title := flowTitle(printer(c), name, code)
	if flowchart.IsGeneric(category, f) {
		svg, err = h.flowcharts.RenderGeneric(c.Request.Context(), title, f)
		return svg, true, err
	}
	svg, err = h.flowcharts.RenderTitled(c.Request.Context(), title, f)
	return svg, false, err
}

// flowTitle is the title of an item's flowchart.
func flowTitle(pr i18n.Printer, name, code string) string {
	return name + "（" + code + "）" + pr.T("flow.title")
}

// versionQS is the query naming version n; "" for the current one.
func versionQS(n int) string {
	if n == 0 {
		return ""
	}
	return "?version=" + strconv.Itoa(n)
}

func versionPath(n int) string {
	if n == 0 {
		return ""
	}
	return "/versions/" + strconv.Itoa(n)
}

// flowchartSVG serves an item's flowchart as an SVG file to download.
func (h *Handlers) flowchartSVG(kind domain.ListKind) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		httpx.CacheTags(c, cache.ListTag(string(kind)))
		pr := printer(c)
		code, n, err := itemRequest(c)
		if err != nil {
			return err
		}
		name, category, flow, err := listPagesOf[kind].flow(h, c, code, n)
		if err != nil {
			return err
		}
		if len(flow.Nodes) == 0 {
			return httpx.NotFound(pr.T("flow.none"))
		}
		svg, _, err := h.drawFlow(c, name, code, category, flow)
		if errors.Is(err, flowchart.ErrUnavailable) {
			return fmt.Errorf("%w: %w", httpx.NewError(http.StatusServiceUnavailable, "unavailable", pr.T("flow.unavailable")), err)
		}
		if err != nil {
			return err
		}
		doc := append([]byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"), svg...)
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-flowchart.svg"`, code))
		c.Header("X-Content-Type-Options", "nosniff")
		writePage(c, http.StatusOK, "image/svg+xml; charset=utf-8", doc, "public, max-age=300")
		return nil
	}
}

// ---------------------------------------------------------------- versions

type versionsPage struct {
	pageData
	Kind      domain.ListKind
	KindTitle string
	Versions  []store.VersionInfo
	From, To  int
	APIURL    string
}

func (h *Handlers) versions(kind domain.ListKind) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		httpx.CacheTags(c, cache.ListTag(string(kind)))
		pr := printer(c)
		vs, err := h.reads.ListVersions(c.Request.Context(), kind)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return h.listMissing(c, kind, 0, store.ErrNotFound)
		}
		title := pr.T(listTitleKey(kind))
		d := &versionsPage{pageData: h.page(c, pr.T("versions.title", title), kind.Info().Name), Kind: kind,
			KindTitle: title, Versions: vs, To: vs[0].Number, From: vs[0].Number - 1,
			APIURL: "/api/v1/lists/" + string(kind) + "/versions"}
		if d.From < 1 {
			d.From = 1
		}
		for _, v := range vs {
			d.Demo = d.Demo || v.Demo
		}
		d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {title, "/lists/" + string(kind)}, {pr.T("versions.crumb"), ""}}
		return h.render(c, "versions", d)
	}
}

type comparePage struct {
	pageData
	Kind      domain.ListKind
	KindTitle string
	Versions  []store.VersionInfo
	From, To  store.VersionInfo
	Diff      listDiff
	Error     string
}

// compare shows what changed between two versions of a list:
// ?from=&to= (default: the version before the current one, and the
// current one).
func (h *Handlers) compare(kind domain.ListKind) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		httpx.CacheTags(c, cache.ListTag(string(kind)))
		pr := printer(c)
		ctx := c.Request.Context()
		vs, err := h.reads.ListVersions(ctx, kind)
		if err != nil {
			return err
		}
		if len(vs) == 0 {
			return h.listMissing(c, kind, 0, store.ErrNotFound)
		}
		num := func(name string, def int) (int, error) {
			v := strings.TrimSpace(c.Query(name))
			if v == "" {
				return def, nil
			}
			n, err := strconv.Atoi(v)
			if err != nil || !slices.ContainsFunc(vs, func(x store.VersionInfo) bool { return x.Number == n }) {
				return 0, httpx.NewError(http.StatusBadRequest, "bad_request", pr.T("compare.bad_version", name, v))
			}
			return n, nil
		}
		to, err := num("to", vs[0].Number)
		if err != nil {
			return err
		}
		from, err := num("from", max(to-1, 1))
		if err != nil {
			return err
		}
		title := pr.T(listTitleKey(kind))
		d := &comparePage{pageData: h.page(c, pr.T("compare.title", title, from, to), kind.Info().Name), Kind: kind,
			KindTitle: title, Versions: vs}
		a, fromItems, err := listPagesOf[kind].all(h, c, from)
		if err != nil {
			return err
		}
		b, toItems, err := listPagesOf[kind].all(h, c, to)
		if err != nil {
			return err
		}
		d.From, d.To = a, b
		d.Diff = diffLists(pr, fromItems, toItems)
		d.Demo = d.Demo || a.Demo || b.Demo
		d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {title, "/lists/" + string(kind)},
			{pr.T("versions.crumb"), "/lists/" + string(kind) + "/versions"}, {pr.T("compare.crumb", from, to), ""}}
		return h.render(c, "compare", d)
	}
}
