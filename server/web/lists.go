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
	if err != nil || n < 1 {
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
	Powers     []store.PowerSummary
	Parts      []respPart
	Services   []domain.ServiceItem
	Total      int
	Shown      int
	SearchURL  string
	APIURL     string
	VersionQS  string // "?version=n" when pinned
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

func (h *Handlers) list(kind domain.ListKind) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		pr := printer(c)
		l := pr.Lang()
		n, err := versionQuery(c)
		if err != nil {
			return err
		}
		ctx := c.Request.Context()
		d := &listPage{pageData: h.page(c, pr.T(listTitleKey(kind)), kind.Info().Name), Kind: kind,
			KindTitle: pr.T(listTitleKey(kind)), Query: strings.TrimSpace(c.Query("q")),
			APIURL: "/api/v1/lists/" + string(kind)}
		if n > 0 {
			d.VersionQS = "?version=" + strconv.Itoa(n)
			d.APIURL += "/versions/" + strconv.Itoa(n)
		}
		var v store.VersionInfo
		switch kind {
		case domain.ListPowers:
			var items []store.PowerSummary
			v, items, err = h.reads.PowerItems(ctx, n, "")
			if err != nil {
				return h.listMissing(c, kind, n, err)
			}
			d.Category = strings.TrimSpace(c.Query("category"))
			if d.Category != "" && !slices.Contains(domain.PowerCategories, d.Category) {
				return httpx.NewError(http.StatusBadRequest, "bad_request", pr.T("list.bad_category"))
			}
			counts := map[string]int{}
			for _, it := range items {
				counts[it.Category]++
			}
			base := url.Values{}
			if n > 0 {
				base.Set("version", strconv.Itoa(n))
			}
			if d.Query != "" {
				base.Set("q", d.Query)
			}
			tabURL := func(cat string) string {
				vs := with(base, func(v url.Values) {
					if cat != "" {
						v.Set("category", cat)
					}
				})
				if len(vs) == 0 {
					return withLang(l, "/lists/powers")
				}
				return withLang(l, "/lists/powers?"+vs.Encode())
			}
			d.Categories = append(d.Categories, categoryTab{"", pr.T("list.all_categories"), len(items), tabURL(""), d.Category == ""})
			for _, cat := range domain.PowerCategories {
				if counts[cat] > 0 {
					d.Categories = append(d.Categories, categoryTab{cat, pr.Enum(cat), counts[cat], tabURL(cat), d.Category == cat})
				}
			}
			d.Total = len(items)
			for _, it := range items {
				if d.Category != "" && it.Category != d.Category {
					continue
				}
				if d.Query != "" && !matches(d.Query, it.Code, it.Name, it.Unit, it.Category, strings.Join(it.SubItems, " ")) {
					continue
				}
				d.Powers = append(d.Powers, it)
			}
			d.Shown = len(d.Powers)
			d.SearchURL = withLang(l, "/search?"+url.Values{"type": {"power"}, "q": {d.Query}}.Encode())
		case domain.ListResponsibilities:
			var items []domain.ResponsibilityItem
			v, items, err = h.reads.Responsibilities(ctx, n)
			if err != nil {
				return h.listMissing(c, kind, n, err)
			}
			d.Total = len(items)
			for _, part := range domain.ResponsibilityParts {
				p := respPart{Part: part, Label: pr.Enum(part)}
				for _, it := range items {
					if it.Part == part && (d.Query == "" || matches(d.Query, it.Code, it.Duty, it.Name, it.Detail, it.Basis)) {
						p.Items = append(p.Items, it)
					}
				}
				d.Shown += len(p.Items)
				if len(p.Items) > 0 {
					d.Parts = append(d.Parts, p)
				}
			}
			d.SearchURL = withLang(l, "/search?"+url.Values{"type": {"service"}, "q": {d.Query}}.Encode())
		case domain.ListPublicServices:
			var items []domain.ServiceItem
			v, items, err = h.reads.Services(ctx, n)
			if err != nil {
				return h.listMissing(c, kind, n, err)
			}
			d.Total = len(items)
			for _, it := range items {
				if d.Query == "" || matches(d.Query, it.Code, it.Name, it.Target, it.Unit, it.Conditions) {
					d.Services = append(d.Services, it)
				}
			}
			d.Shown = len(d.Services)
			d.SearchURL = withLang(l, "/search?"+url.Values{"type": {"service"}, "q": {d.Query}}.Encode())
		}
		d.V = versionBanner{Version: v, Pinned: n > 0, Current: v.Number}
		if n > 0 {
			d.V.Current = h.currentNumber(c, kind)
		}
		d.Demo = d.Demo || v.Demo
		d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {d.KindTitle, ""}}
		return h.render(c, kind.Info().Name, d)
	}
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

// flowOf renders an item's flowchart, or nil when it has none.
func flowOf(pr i18n.Printer, title string, f domain.Flow, svgURL, fileName string) (*flowView, error) {
	if len(f.Nodes) == 0 {
		return nil, nil
	}
	svg, err := flowchart.RenderTitled(title, f)
	if err != nil {
		return nil, err
	}
	return &flowView{SVG: string(svg), Description: flowchart.Describe(f), Steps: flowSteps(pr, f), SVGURL: svgURL,
		FileName: fileName}, nil
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

func (h *Handlers) listItem(kind domain.ListKind) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		pr := printer(c)
		code, err := codeParam(c)
		if err != nil {
			return err
		}
		n, err := versionQuery(c)
		if err != nil {
			return err
		}
		ctx := c.Request.Context()
		d := &itemPage{Kind: kind, KindTitle: pr.T(listTitleKey(kind)), ListURL: "/lists/" + string(kind)}
		vq := ""
		if n > 0 {
			vq = "?version=" + strconv.Itoa(n)
		}
		notFound := httpx.NotFound(pr.T("list.no_item", code))
		var v store.VersionInfo
		var title, template string
		switch kind {
		case domain.ListPowers:
			v, d.Power, err = h.reads.PowerItem(ctx, code, n)
			if errors.Is(err, store.ErrNotFound) {
				if _, verr := h.reads.ListVersion(ctx, kind, n); verr != nil {
					return h.listMissing(c, kind, n, verr)
				}
				return notFound
			}
			if err != nil {
				return err
			}
			title, template = d.Power.Name, "power"
			d.APIURL = "/api/v1/powers/" + url.PathEscape(code) + vq
			d.Flow, err = flowOf(pr, d.Power.Name+"（"+d.Power.Code+"）"+pr.T("flow.title"), d.Power.Flow,
				"/lists/powers/"+url.PathEscape(code)+"/flowchart.svg"+vq, code+"-flowchart")
		case domain.ListResponsibilities:
			var items []domain.ResponsibilityItem
			v, items, err = h.reads.Responsibilities(ctx, n)
			if err != nil {
				return h.listMissing(c, kind, n, err)
			}
			i := slices.IndexFunc(items, func(it domain.ResponsibilityItem) bool { return it.Code == code })
			if i < 0 {
				return notFound
			}
			d.Resp, title, template = items[i], items[i].Name, "responsibility"
			d.APIURL = "/api/v1/lists/responsibilities" + versionPath(n)
		case domain.ListPublicServices:
			var items []domain.ServiceItem
			v, items, err = h.reads.Services(ctx, n)
			if err != nil {
				return h.listMissing(c, kind, n, err)
			}
			i := slices.IndexFunc(items, func(it domain.ServiceItem) bool { return it.Code == code })
			if i < 0 {
				return notFound
			}
			d.Service, title, template = items[i], items[i].Name, "service"
			d.APIURL = "/api/v1/lists/public-services" + versionPath(n)
			d.Flow, err = flowOf(pr, d.Service.Name+"（"+d.Service.Code+"）"+pr.T("flow.title"), d.Service.Flow,
				"/lists/public-services/"+url.PathEscape(code)+"/flowchart.svg"+vq, code+"-flowchart")
		}
		if err != nil {
			return err
		}
		d.pageData = h.page(c, title, kind.Info().Name)
		d.V = versionBanner{Version: v, Pinned: n > 0, Current: v.Number}
		if n > 0 {
			d.V.Current = h.currentNumber(c, kind)
		}
		d.Demo = d.Demo || v.Demo
		d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {d.KindTitle, d.ListURL}, {title, ""}}
		d.JSONLD = map[string]any{"@context": "https://schema.org", "@type": "GovernmentService", "name": title,
			"identifier": code, "serviceType": pr.T(listTitleKey(kind)),
			"provider": map[string]any{"@type": "GovernmentOrganization", "name": "苏州市应急管理局"},
			"url":      "/lists/" + string(kind) + "/" + url.PathEscape(code)}
		return h.render(c, template, d)
	}
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
		pr := printer(c)
		code, err := codeParam(c)
		if err != nil {
			return err
		}
		n, err := versionQuery(c)
		if err != nil {
			return err
		}
		ctx := c.Request.Context()
		var name string
		var flow domain.Flow
		switch kind {
		case domain.ListPowers:
			_, it, err := h.reads.PowerItem(ctx, code, n)
			if err != nil {
				return h.listMissing(c, kind, n, err)
			}
			name, flow = it.Name, it.Flow
		default:
			_, items, err := h.reads.Services(ctx, n)
			if err != nil {
				return h.listMissing(c, kind, n, err)
			}
			i := slices.IndexFunc(items, func(it domain.ServiceItem) bool { return it.Code == code })
			if i < 0 {
				return httpx.NotFound(pr.T("list.no_item", code))
			}
			name, flow = items[i].Name, items[i].Flow
		}
		if len(flow.Nodes) == 0 {
			return httpx.NotFound(pr.T("flow.none"))
		}
		svg, err := flowchart.RenderTitled(name+"（"+code+"）"+pr.T("flow.title"), flow)
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
		a, fromItems, err := h.listItems(c, kind, from)
		if err != nil {
			return err
		}
		b, toItems, err := h.listItems(c, kind, to)
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

// listItems reads version n of a list with its items in full.
func (h *Handlers) listItems(c *gin.Context, kind domain.ListKind, n int) (store.VersionInfo, []listItem, error) {
	ctx := c.Request.Context()
	var out []listItem
	switch kind {
	case domain.ListPowers:
		v, items, err := h.pages.PowerListItems(ctx, n)
		if err != nil {
			return v, nil, h.listMissing(c, kind, n, err)
		}
		for _, it := range items {
			out = append(out, powerListItem(it))
		}
		return v, out, nil
	case domain.ListResponsibilities:
		v, items, err := h.reads.Responsibilities(ctx, n)
		if err != nil {
			return v, nil, h.listMissing(c, kind, n, err)
		}
		for _, it := range items {
			out = append(out, responsibilityListItem(it))
		}
		return v, out, nil
	default:
		v, items, err := h.reads.Services(ctx, n)
		if err != nil {
			return v, nil, h.listMissing(c, kind, n, err)
		}
		for _, it := range items {
			out = append(out, serviceListItem(it))
		}
		return v, out, nil
	}
}
