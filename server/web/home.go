package web

import (
	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// The home page and the static pages (about, subscriptions).

type homePage struct {
	pageData
	O         store.Overview
	Penalties []domain.PublishedPenalty
	Permits   []domain.PublishedPermit
	Datasets  []datasetSummary
}

// homeLatest is how many of the newest penalties and permits the home
// page lists.
const homeLatest = 6

func (h *Handlers) home(c *gin.Context) error {
	pr := printer(c)
	d := &homePage{pageData: h.page(c, pr.T("home.title"), "home")}
	ctx := c.Request.Context()
	o, err := h.overview.Overview(ctx, h.now())
	if err != nil {
		return err
	}
	d.O = o
	d.Demo = d.Demo || o.Demo
	newest := store.Sort{Key: "published_at", Desc: true}
	ps, err := h.reads.Penalties(ctx, store.PenaltyQuery{Sort: newest, Limit: homeLatest})
	if err != nil {
		return err
	}
	d.Penalties = ps.Items
	ms, err := h.reads.Permits(ctx, store.PermitQuery{Sort: newest, Limit: homeLatest})
	if err != nil {
		return err
	}
	d.Permits = ms.Items
	l := langOf(c)
	for _, ds := range dataset.All {
		d.Datasets = append(d.Datasets, datasetSummary{Name: ds.Name, Title: localized(l, ds.Title)})
	}
	d.JSONLD = map[string]any{
		"@context": "https://schema.org", "@type": "WebSite", "name": pr.T("site.name"), "url": "/",
		"publisher": bureauLD(),
		"potentialAction": map[string]any{"@type": "SearchAction", "target": "/search?q={search_term_string}",
			"query-input": "required name=search_term_string"},
	}
	return h.render(c, "home", d)
}

type staticPage struct {
	pageData
	Masking domain.MaskingRules
}

func (h *Handlers) about(c *gin.Context) error {
	pr := printer(c)
	d := &staticPage{pageData: h.page(c, pr.T("about.title"), "about"), Masking: domain.DefaultMasking}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("about.title"), ""}}
	return h.render(c, "about", d)
}

func (h *Handlers) subscribe(c *gin.Context) error {
	pr := printer(c)
	d := &staticPage{pageData: h.page(c, pr.T("subscribe.title"), "subscribe")}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("subscribe.title"), ""}}
	return h.render(c, "subscribe", d)
}
