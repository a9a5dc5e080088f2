package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// listPages is what the pages of one list do with its item type.
type listPages struct {
	// index reads version n of the list into its page, filtered.
	index func(h *Handlers, c *gin.Context, d *listPage, n int) (store.VersionInfo, error)
	// item reads the item code of version n into its page and returns
	// the item's name.
	item func(h *Handlers, c *gin.Context, d *itemPage, code string, n int) (store.VersionInfo, string, error)
	// flow reads the name, category ("" for a public service) and
	// flowchart of an item (lists whose items have flowcharts only).
	flow func(h *Handlers, c *gin.Context, code string, n int) (name, category string, f domain.Flow, err error)
	// all reads version n with its items in full, for comparisons.
	all func(h *Handlers, c *gin.Context, n int) (store.VersionInfo, []listItem, error)
}

// listPagesOf holds the pages of every list of domain.ListKindTable.
var listPagesOf = map[domain.ListKind]listPages{
	domain.ListPowers: {(*Handlers).powersIndex, (*Handlers).powerItem, (*Handlers).powerFlow,
		(*Handlers).powersAll},
	domain.ListResponsibilities: {(*Handlers).responsibilitiesIndex, (*Handlers).responsibilityItem, nil,
		(*Handlers).responsibilitiesAll},
	domain.ListPublicServices: {(*Handlers).servicesIndex, (*Handlers).serviceItem, (*Handlers).serviceFlow,
		(*Handlers).servicesAll},
}

// ---------------------------------------------------------------- powers

func (h *Handlers) powersIndex(c *gin.Context, d *listPage, n int) (store.VersionInfo, error) {
	pr := printer(c)
	v, items, err := h.reads.PowerItems(c.Request.Context(), n, "")
	if err != nil {
		return v, h.listMissing(c, domain.ListPowers, n, err)
	}
	d.Category = strings.TrimSpace(c.Query("category"))
	if d.Category != "" && !slices.Contains(domain.PowerCategories, d.Category) {
		return v, httpx.NewError(http.StatusBadRequest, "bad_request", pr.T("list.bad_category"))
	}
	page, err := pageQuery(c)
	if err != nil {
		return v, err
	}
	d.Categories = categoryTabs(c, items, d.Category, d.Query, n)
	d.Total = len(items)
	var shown []store.PowerSummary
	for _, it := range items {
		if d.Category != "" && it.Category != d.Category {
			continue
		}
		if d.Query != "" && !matches(d.Query, it.Code, it.Name, it.Unit, it.Category, strings.Join(it.SubItems, " ")) {
			continue
		}
		shown = append(shown, it)
	}
	d.Shown = len(shown)
	d.Groups, d.Pager, err = powerGroups(c, shown, page, listPageURL(c, "/lists/powers"))
	return v, err
}

// powerGroups are the items of page page (of powersPerPage items) of
// the filtered items, grouped by category in the order of
// domain.PowerCategories, each group counting all its filtered items.
func powerGroups(c *gin.Context, items []store.PowerSummary, page int, pageURL func(int) string) ([]powerGroup, listPager, error) {
	rank := func(cat string) int {
		if i := slices.Index(domain.PowerCategories, cat); i >= 0 {
			return i
		}
		return len(domain.PowerCategories)
	}
	slices.SortStableFunc(items, func(a, b store.PowerSummary) int { return rank(a.Category) - rank(b.Category) })
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Category]++
	}
	pg, err := paginate(printer(c), len(items), page, powersPerPage, pageURL)
	if err != nil {
		return nil, pg, err
	}
	var groups []powerGroup
	if pg.To == 0 {
		return nil, pg, nil
	}
	for i, it := range items[pg.From-1 : pg.To] {
		if len(groups) == 0 || groups[len(groups)-1].Category != it.Category {
			groups = append(groups, powerGroup{Category: it.Category, Label: printer(c).Enum(it.Category),
				Count: counts[it.Category], Continued: i == 0 && pg.From > 1 && items[pg.From-2].Category == it.Category})
		}
		g := &groups[len(groups)-1]
		g.Items = append(g.Items, it)
	}
	return groups, pg, nil
}

// categoryTabs are the tabs of the power list: all items, then each
// category that has items, keeping the version and the filter words.
func categoryTabs(c *gin.Context, items []store.PowerSummary, active, query string, n int) []categoryTab {
	pr := printer(c)
	counts := map[string]int{}
	for _, it := range items {
		counts[it.Category]++
	}
	base := url.Values{}
	if n > 0 {
		base.Set("version", strconv.Itoa(n))
	}
	if query != "" {
		base.Set("q", query)
	}
	tabURL := func(cat string) string {
		vs := with(base, func(v url.Values) {
			if cat != "" {
				v.Set("category", cat)
			}
		})
		if len(vs) == 0 {
			return withLang(pr.Lang(), "/lists/powers")
		}
		return withLang(pr.Lang(), "/lists/powers?"+vs.Encode())
	}
	tabs := []categoryTab{{"", pr.T("list.all_categories"), len(items), tabURL(""), active == ""}}
	for _, cat := range domain.PowerCategories {
		if counts[cat] > 0 {
			tabs = append(tabs, categoryTab{cat, pr.Enum(cat), counts[cat], tabURL(cat), active == cat})
		}
	}
	return tabs
}

func (h *Handlers) powerItem(c *gin.Context, d *itemPage, code string, n int) (store.VersionInfo, string, error) {
	ctx := c.Request.Context()
	v, it, err := h.reads.PowerItem(ctx, code, n)
	if errors.Is(err, store.ErrNotFound) {
		if _, verr := h.reads.ListVersion(ctx, domain.ListPowers, n); verr != nil {
			return v, "", h.listMissing(c, domain.ListPowers, n, verr)
		}
		return v, "", noItem(c, code)
	}
	if err != nil {
		return v, "", err
	}
	d.Power = it
	d.APIURL = "/api/v1/powers/" + url.PathEscape(code) + versionQS(n)
	d.Flow, err = h.itemFlow(c, domain.ListPowers, it.Name, it.Code, it.Category, it.Flow, n)
	return v, it.Name, err
}

func (h *Handlers) powerFlow(c *gin.Context, code string, n int) (string, string, domain.Flow, error) {
	_, it, err := h.reads.PowerItem(c.Request.Context(), code, n)
	if err != nil {
		return "", "", domain.Flow{}, h.listMissing(c, domain.ListPowers, n, err)
	}
	return it.Name, it.Category, it.Flow, nil
}

func (h *Handlers) powersAll(c *gin.Context, n int) (store.VersionInfo, []listItem, error) {
	v, items, err := h.pages.PowerListItems(c.Request.Context(), n)
	return allItems(h, c, domain.ListPowers, n, v, items, err, powerListItem)
}

// ---------------------------------------------------------------- responsibilities

func (h *Handlers) responsibilitiesIndex(c *gin.Context, d *listPage, n int) (store.VersionInfo, error) {
	pr := printer(c)
	v, items, err := h.reads.Responsibilities(c.Request.Context(), n)
	if err != nil {
		return v, h.listMissing(c, domain.ListResponsibilities, n, err)
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
	return v, nil
}

func (h *Handlers) responsibilityItem(c *gin.Context, d *itemPage, code string, n int) (store.VersionInfo, string, error) {
	v, items, err := h.reads.Responsibilities(c.Request.Context(), n)
	if err != nil {
		return v, "", h.listMissing(c, domain.ListResponsibilities, n, err)
	}
	i := slices.IndexFunc(items, func(it domain.ResponsibilityItem) bool { return it.Code == code })
	if i < 0 {
		return v, "", noItem(c, code)
	}
	d.Resp = items[i]
	d.APIURL = "/api/v1/lists/responsibilities" + versionPath(n)
	return v, items[i].Name, nil
}

func (h *Handlers) responsibilitiesAll(c *gin.Context, n int) (store.VersionInfo, []listItem, error) {
	v, items, err := h.reads.Responsibilities(c.Request.Context(), n)
	return allItems(h, c, domain.ListResponsibilities, n, v, items, err, responsibilityListItem)
}

// ---------------------------------------------------------------- public services

func (h *Handlers) servicesIndex(c *gin.Context, d *listPage, n int) (store.VersionInfo, error) {
	v, items, err := h.reads.Services(c.Request.Context(), n)
	if err != nil {
		return v, h.listMissing(c, domain.ListPublicServices, n, err)
	}
	d.Total = len(items)
	for _, it := range items {
		if d.Query == "" || matches(d.Query, it.Code, it.Name, it.Target, it.Unit, it.Conditions) {
			d.Services = append(d.Services, it)
		}
	}
	d.Shown = len(d.Services)
	return v, nil
}

// service reads the item code of version n of the public-service list.
func (h *Handlers) service(c *gin.Context, code string, n int) (store.VersionInfo, domain.ServiceItem, error) {
	v, items, err := h.reads.Services(c.Request.Context(), n)
	if err != nil {
		return v, domain.ServiceItem{}, h.listMissing(c, domain.ListPublicServices, n, err)
	}
	i := slices.IndexFunc(items, func(it domain.ServiceItem) bool { return it.Code == code })
	if i < 0 {
		return v, domain.ServiceItem{}, noItem(c, code)
	}
	return v, items[i], nil
}

func (h *Handlers) serviceItem(c *gin.Context, d *itemPage, code string, n int) (store.VersionInfo, string, error) {
	v, it, err := h.service(c, code, n)
	if err != nil {
		return v, "", err
	}
	d.Service = it
	d.APIURL = "/api/v1/lists/public-services" + versionPath(n)
	d.Flow, err = h.itemFlow(c, domain.ListPublicServices, it.Name, it.Code, "", it.Flow, n)
	return v, it.Name, err
}

func (h *Handlers) serviceFlow(c *gin.Context, code string, n int) (string, string, domain.Flow, error) {
	_, it, err := h.service(c, code, n)
	return it.Name, "", it.Flow, err
}

func (h *Handlers) servicesAll(c *gin.Context, n int) (store.VersionInfo, []listItem, error) {
	v, items, err := h.reads.Services(c.Request.Context(), n)
	return allItems(h, c, domain.ListPublicServices, n, v, items, err, serviceListItem)
}

// allItems turns the items of version n of a list, read with err, into
// the form comparisons use.
func allItems[T any](h *Handlers, c *gin.Context, kind domain.ListKind, n int, v store.VersionInfo, items []T, err error,
	conv func(T) listItem) (store.VersionInfo, []listItem, error) {
	if err != nil {
		return v, nil, h.listMissing(c, kind, n, err)
	}
	var out []listItem
	for _, it := range items {
		out = append(out, conv(it))
	}
	return v, out, nil
}
