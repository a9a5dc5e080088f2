package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/charts"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// The statistics page: charts drawn as SVG on the server, each with its
// data table and a CSV download (/stats/{chart}.csv).

// chartView is one chart with its data.
type chartView struct {
	Name    string
	Title   string
	Note    string
	SVG     string
	Columns []string
	Rows    [][]string
	CSVURL  string
}

// statsMonths is how many months the monthly charts show.
const statsMonths = 24

func monthKeys(asOf time.Time, n int) []string {
	first := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -(n - 1), 0)
	out := make([]string, n)
	for i := range out {
		out[i] = first.AddDate(0, i, 0).Format("2006-01")
	}
	return out
}

// buildCharts turns the statistics into the page's charts.
func buildCharts(pr i18n.Printer, st store.Stats) []chartView {
	l := pr.Lang()
	byMonth := map[string]store.Tally{}
	for _, k := range st.Penalties.ByMonth {
		byMonth[k.Key] = k.Tally
	}
	months := monthKeys(st.AsOf, statsMonths)
	var out []chartView

	// Monthly cases.
	c := chartView{Name: "monthly", Title: pr.T("stats.monthly"), Note: pr.T("stats.monthly_note", statsMonths),
		Columns: []string{pr.T("stats.col.month"), pr.T("stats.col.cases")}}
	var pts []charts.Point
	for _, m := range months {
		t := byMonth[m]
		pts = append(pts, charts.Point{Label: m, Value: float64(t.Count), Display: domain.GroupThousands(t.Count)})
		c.Rows = append(c.Rows, []string{m, strconv.FormatInt(t.Count, 10)})
	}
	c.SVG = charts.Columns(charts.Chart{ID: "chart-monthly", Title: c.Title, Desc: c.Note, XLabel: pr.T("stats.col.month"),
		YLabel: pr.T("stats.col.cases"), Points: pts})
	out = append(out, c)

	// 处罚类别.
	c = chartView{Name: "categories", Title: pr.T("stats.categories"), Note: pr.T("stats.categories_note"),
		Columns: []string{pr.T("stats.col.category"), pr.T("stats.col.cases"), pr.T("stats.col.fines_wan")}}
	pts = nil
	for _, k := range st.Penalties.ByCategory {
		pts = append(pts, charts.Point{Label: pr.Enum(k.Key), Value: float64(k.Count), Display: domain.GroupThousands(k.Count)})
		c.Rows = append(c.Rows, []string{pr.Enum(k.Key), strconv.FormatInt(k.Count, 10), k.Fines.WanFixed(2)})
	}
	c.SVG = charts.Bars(charts.Chart{ID: "chart-categories", Title: c.Title, Desc: c.Note, XLabel: pr.T("stats.col.category"),
		YLabel: pr.T("stats.col.cases"), Points: pts})
	out = append(out, c)

	// Pre-accident share.
	total := st.Penalties.Count
	c = chartView{Name: "stages", Title: pr.T("stats.stages"), Note: pr.T("stats.stages_note"),
		Columns: []string{pr.T("stats.col.stage"), pr.T("stats.col.cases"), pr.T("stats.col.share"), pr.T("stats.col.fines_wan"),
			pr.T("stats.col.fine_share")}}
	pts = nil
	for _, k := range st.Penalties.ByStage {
		label := pr.Enum(k.Key)
		if k.Key == "" {
			label = pr.T("stats.stage_unknown")
		}
		share := pctFloat(k.Count, total)
		fineShare := pctFloat(int64(k.Fines), int64(st.Penalties.Fines))
		pts = append(pts, charts.Point{Label: label, Value: share, Display: pctText(share) + "（" + domain.GroupThousands(k.Count) + "）"})
		c.Rows = append(c.Rows, []string{label, strconv.FormatInt(k.Count, 10), pctText(share), k.Fines.WanFixed(2), pctText(fineShare)})
	}
	c.SVG = charts.Bars(charts.Chart{ID: "chart-stages", Title: c.Title, Desc: c.Note, XLabel: pr.T("stats.col.stage"),
		YLabel: pr.T("stats.col.share"), Points: pts, Max: 100})
	out = append(out, c)

	// Fines per month.
	c = chartView{Name: "fines", Title: pr.T("stats.fines"), Note: pr.T("stats.fines_note", statsMonths),
		Columns: []string{pr.T("stats.col.month"), pr.T("stats.col.fines_wan"), pr.T("stats.col.cases")}}
	pts = nil
	for _, m := range months {
		t := byMonth[m]
		pts = append(pts, charts.Point{Label: m, Value: t.Fines.WanFloat(), Display: t.Fines.WanFixed(2) + pr.T("stats.wan_unit")})
		c.Rows = append(c.Rows, []string{m, t.Fines.WanFixed(2), strconv.FormatInt(t.Count, 10)})
	}
	c.SVG = charts.Line(charts.Chart{ID: "chart-fines", Title: c.Title, Desc: c.Note, XLabel: pr.T("stats.col.month"),
		YLabel: pr.T("stats.col.fines_wan"), Points: pts})
	out = append(out, c)

	// Disclosure timeliness per agency.
	tl := st.Timeliness
	note := pr.T("stats.timeliness_note", tl.DeadlineWorkdays)
	if tl.Withheld > 0 {
		note += " " + pr.T("stats.timeliness_withheld", tl.Withheld)
	}
	c = chartView{Name: "timeliness", Title: pr.T("stats.timeliness"), Note: note,
		Columns: []string{pr.T("stats.col.agency"), pr.T("stats.col.records"), pr.T("stats.col.on_time"), pr.T("stats.col.on_time_share"),
			pr.T("stats.col.median_lag")}}
	pts = nil
	rows := append([]store.AgencyTimeliness{}, tl.Agencies...)
	for _, a := range rows {
		share := pctFloat(a.OnTime, a.Records)
		pts = append(pts, charts.Point{Label: a.Agency, Value: share, Display: pctText(share)})
		c.Rows = append(c.Rows, []string{a.Agency, strconv.FormatInt(a.Records, 10), strconv.FormatInt(a.OnTime, 10), pctText(share),
			strconv.FormatFloat(a.MedianLag, 'f', 1, 64)})
	}
	if tl.Overall.Records > 0 {
		share := pctFloat(tl.Overall.OnTime, tl.Overall.Records)
		c.Rows = append(c.Rows, []string{pr.T("stats.all_agencies"), strconv.FormatInt(tl.Overall.Records, 10),
			strconv.FormatInt(tl.Overall.OnTime, 10), pctText(share), strconv.FormatFloat(tl.Overall.MedianLag, 'f', 1, 64)})
	}
	c.SVG = charts.Bars(charts.Chart{ID: "chart-timeliness", Title: c.Title, Desc: c.Note, XLabel: pr.T("stats.col.agency"),
		YLabel: pr.T("stats.col.on_time_share"), Points: pts, Max: 100})
	out = append(out, c)

	for i := range out {
		out[i].CSVURL = withLang(l, "/stats/"+out[i].Name+".csv")
	}
	return out
}

func pctFloat(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return 100 * float64(part) / float64(whole)
}

func pctText(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) + "%" }

type statsPage struct {
	pageData
	S           store.Stats
	Charts      []chartView
	FineTotal   string
	PreAccident string
	OnTime      string
	APIURL      string
	Plans       PlanTotals // this year's enforcement plans: planned and done
}

func (h *Handlers) loadStats(c *gin.Context) (store.Stats, error) {
	return h.reads.Stats(c.Request.Context(), store.StatsQuery{Calendar: h.calendar})
}

func (h *Handlers) statsPage(c *gin.Context) error {
	st, err := h.loadStats(c)
	if err != nil {
		return err
	}
	pr := printer(c)
	d := &statsPage{pageData: h.page(c, pr.T("stats.title"), "stats"), S: st, Charts: buildCharts(pr, st),
		FineTotal: st.Penalties.Fines.WanFixed(1), APIURL: "/api/v1/stats", Plans: h.planTotals(c.Request.Context())}
	for _, k := range st.Penalties.ByStage {
		if k.Key == string(domain.StagePreAccident) {
			d.PreAccident = pctText(pctFloat(k.Count, st.Penalties.Count))
		}
	}
	if st.Timeliness.Overall.Records > 0 {
		d.OnTime = pctText(pctFloat(st.Timeliness.Overall.OnTime, st.Timeliness.Overall.Records))
	}
	d.Crumbs = []crumb{{pr.T("nav.home"), "/"}, {pr.T("stats.title"), ""}}
	return h.render(c, "stats", d)
}

// statsCSV serves one chart's data as CSV (UTF-8 with a byte-order mark,
// so spreadsheet programs read the Chinese headers).
func (h *Handlers) statsCSV(c *gin.Context) error {
	name, ok := strings.CutSuffix(c.Param("chart"), ".csv")
	if !ok {
		return httpx.NotFound(printer(c).T("stats.no_chart"))
	}
	st, err := h.loadStats(c)
	if err != nil {
		return err
	}
	for _, ch := range buildCharts(printer(c), st) {
		if ch.Name != name {
			continue
		}
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		w.Write(ch.Columns)
		w.WriteAll(ch.Rows)
		if err := w.Error(); err != nil {
			return err
		}
		c.Header("Content-Disposition", `attachment; filename="gongshi-stats-`+name+`-`+st.AsOf.Format("20060102")+`.csv"`)
		writePage(c, http.StatusOK, "text/csv; charset=utf-8", buf.Bytes(), "public, max-age=60")
		return nil
	}
	return httpx.NotFound(printer(c).T("stats.no_chart"))
}
