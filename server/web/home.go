package web

import (
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/store"
)

// The home page and the static pages (about, subscriptions).

type homePage struct {
	pageData
	O         store.Overview
	Penalties []domain.PublishedPenalty
	Permits   []domain.PublishedPermit
	Datasets  []datasetSummary
	Examples  []searchExample
}

// searchExample is a search the home page offers as an example: taken
// from a record that is public now, so it finds something.
type searchExample struct {
	Label, Text, URL string
}

// searchExamples are a company's full name, its credit code and a
// decision number from the newest public penalties (or permits): an
// organisation's, never a natural person's.
func searchExamples(pr i18n.Printer, penalties []domain.PublishedPenalty, permits []domain.PublishedPermit) []searchExample {
	type rec struct {
		kind             domain.PartyKind
		name, code, deci string
	}
	var recs []rec
	for _, p := range penalties {
		recs = append(recs, rec{p.Kind, p.Name, p.CreditCode, p.DecisionNo})
	}
	for _, p := range permits {
		recs = append(recs, rec{p.Kind, p.Name, p.CreditCode, p.DecisionNo})
	}
	example := func(label, text string) searchExample {
		return searchExample{Label: pr.T(label), Text: text, URL: withLang(pr.Lang(), "/search?q="+url.QueryEscape(text))}
	}
	for _, r := range recs {
		if r.kind != domain.PartyOrganization || domain.IsUSCCPlaceholder(r.code) || domain.ValidateUSCC(r.code) != nil {
			continue
		}
		return []searchExample{example("home.example_name", r.name), example("home.example_code", r.code),
			example("home.example_decision", r.deci)}
	}
	if len(recs) > 0 {
		return []searchExample{example("home.example_decision", recs[0].deci)}
	}
	return nil
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
	d.Examples = searchExamples(pr, d.Penalties, d.Permits)
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
