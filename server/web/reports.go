package web

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/api"
	"github.com/gongshi/gongshi/server/httpx"
)

// The quarterly report (/reports/quarterly): the figures the bureau's
// rule-of-law reports state, computed from the records for a quarter or
// the year to its end, each linked to the records it counts; printable
// (the page's print stylesheet) and downloadable as CSV.

// figureView is one figure as the page shows it.
type figureView struct {
	api.FigureJSON
	Text, PrevText, ChangeText string
	Links                      []figureLink
}

// figureLink is a link to the records behind a figure: the page of the
// list when there is one, else the list API.
type figureLink struct {
	Label, URL, Counts string
	IncludesEnded      bool
}

type quarterlyView struct {
	R       api.QuarterlyReport
	Figures []figureView
	CSVURL  string
	APIURL  string
	Query   url.Values
}

// figureText writes a value as the report does: counts grouped, yuan in
// 万元 with two places, shares as percentages.
func figureText(kind string, v float64, unit string) string {
	switch kind {
	case store.FigureShare:
		return strconv.FormatFloat(100*v, 'f', 1, 64) + "%"
	case store.FigureAmount:
		return strconv.FormatFloat(v/10_000, 'f', 2, 64) + "万元"
	}
	return domain.GroupThousands(int64(v)) + unit
}

// pageLink maps a figure's source to the page that lists the same records,
// where there is one with the same filters.
func figurePage(s api.FigureRecordsJSON) string {
	if s.Dataset == "inspection-results" {
		q := url.Values{}
		for k, v := range s.Params {
			q.Set(k, v)
		}
		return "/enforcement/results?" + q.Encode()
	}
	if s.Dataset == "criminal-referrals" {
		return "/enforcement/referrals"
	}
	return s.URL
}

func (h *Handlers) quarterlyReport(c *gin.Context) (api.QuarterlyReport, error) {
	p := httpx.QueryParams(c, "lang", "quarter", "ytd", "agency_code")
	today := domain.ChinaDate(h.now())
	q := api.ReadQuarterParams(p, today)
	if err := p.Err(); err != nil {
		return api.QuarterlyReport{}, err
	}
	return api.QuarterlyFigures(c.Request.Context(), h.enf, q, h.calendar, today)
}

func (h *Handlers) quarterlyPage(c *gin.Context) error {
	r, err := h.quarterlyReport(c)
	if err != nil {
		return err
	}
	pr := printer(c)
	aq := c.Request.URL.Query()
	aq.Del("lang")
	v := quarterlyView{R: r, Query: c.Request.URL.Query(), APIURL: "/api/v1/reports/quarterly?" + aq.Encode(),
		CSVURL: "/reports/quarterly.csv?" + aq.Encode()}
	for _, f := range r.Figures {
		fv := figureView{FigureJSON: f, Text: figureText(f.Kind, f.Value, f.Unit), PrevText: figureText(f.Kind, f.Prev, f.Unit),
			ChangeText: "—"}
		if f.Change != nil {
			fv.ChangeText = strconv.FormatFloat(100**f.Change, 'f', 1, 64) + "%"
			if *f.Change > 0 {
				fv.ChangeText = "+" + fv.ChangeText
			}
		}
		for _, s := range f.Sources {
			fv.Links = append(fv.Links, figureLink{Label: pr.T("report.source." + s.Dataset), URL: figurePage(s), Counts: s.Counts,
				IncludesEnded: s.IncludesEnded})
		}
		v.Figures = append(v.Figures, fv)
	}
	title := pr.T("report.title", r.Label)
	d := &enfPage{pageData: h.page(c, title, "enforcement"), Data: v}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("enf.title"), "/enforcement"}, {title, ""}}
	return h.render(c, "quarterly", d)
}

// quarterlyCSV serves the report as CSV.
func (h *Handlers) quarterlyCSV(c *gin.Context) error {
	r, err := h.quarterlyReport(c)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := api.WriteQuarterlyCSV(&buf, r); err != nil {
		return err
	}
	name := "quarterly-" + strings.ToLower(r.Quarter)
	if r.YearToDate {
		name += "-ytd"
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	writePage(c, http.StatusOK, "text/csv; charset=utf-8", buf.Bytes(), "public, max-age=60")
	return nil
}
