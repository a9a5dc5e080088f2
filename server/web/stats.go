package web

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
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

// buildCharts turns the statistics into the page's charts; the monthly
// ones show months (YYYY-MM), oldest first.
func buildCharts(pr i18n.Printer, st store.Stats, months []string) []chartView {
	l := pr.Lang()
	// The monthly charts count the decisions made (see store.PenaltyStats.Decided).
	byMonth := map[string]store.Tally{}
	for _, k := range st.Penalties.Decided {
		byMonth[k.Key] = k.Tally
	}
	var out []chartView

	// Monthly cases.
	c := chartView{Name: "monthly", Title: pr.T("stats.monthly"), Note: pr.T("stats.monthly_decided", len(months)),
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
		c.Rows = append(c.Rows, []string{pr.Enum(k.Key), strconv.FormatInt(k.Count, 10), groupDecimal(k.Fines.WanFixed(2))})
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
		c.Rows = append(c.Rows, []string{label, strconv.FormatInt(k.Count, 10), pctText(share), groupDecimal(k.Fines.WanFixed(2)),
			pctText(fineShare)})
	}
	c.SVG = charts.Bars(charts.Chart{ID: "chart-stages", Title: c.Title, Desc: c.Note, XLabel: pr.T("stats.col.stage"),
		YLabel: pr.T("stats.col.share"), Points: pts, Max: 100})
	out = append(out, c)

	// Fines per month.
	c = chartView{Name: "fines", Title: pr.T("stats.fines"), Note: pr.T("stats.fines_decided", len(months)),
		Columns: []string{pr.T("stats.col.month"), pr.T("stats.col.fines_wan"), pr.T("stats.col.cases")}}
	pts = nil
	for _, m := range months {
		t := byMonth[m]
		pts = append(pts, charts.Point{Label: m, Value: t.Fines.WanFloat(), Display: groupDecimal(t.Fines.WanFixed(2)) + pr.T("stats.wan_unit")})
		c.Rows = append(c.Rows, []string{m, groupDecimal(t.Fines.WanFixed(2)), strconv.FormatInt(t.Count, 10)})
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
	labels, short, same := agencyLabels(rows)
	if same {
		c.Note += " " + pr.T("stats.same_name")
	}
	for i, a := range rows {
		share := pctFloat(a.OnTime, a.Records)
		pts = append(pts, charts.Point{Label: short[i], Value: share, Display: pctText(share)})
		c.Rows = append(c.Rows, []string{labels[i], strconv.FormatInt(a.Records, 10), strconv.FormatInt(a.OnTime, 10), pctText(share),
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

// agencyLabels names the agencies; two or more with the same name and
// different credit codes are told apart by their codes (same is true):
// in labels by the whole code, in short (for the chart, where a phone
// leaves room for about a dozen characters) by its last four characters.
func agencyLabels(as []store.AgencyTimeliness) (labels, short []string, same bool) {
	codes := map[string]map[string]bool{}
	for _, a := range as {
		if codes[a.Agency] == nil {
			codes[a.Agency] = map[string]bool{}
		}
		codes[a.Agency][a.AgencyCode] = true
	}
	labels, short = make([]string, len(as)), make([]string, len(as))
	for i, a := range as {
		labels[i], short[i] = a.Agency, a.Agency
		if len(codes[a.Agency]) > 1 {
			labels[i] = a.Agency + "（" + a.AgencyCode + "）"
			tail := a.AgencyCode
			if r := []rune(tail); len(r) > 4 {
				tail = "…" + string(r[len(r)-4:])
			}
			short[i] = a.Agency + "（" + tail + "）"
			same = true
		}
	}
	return labels, short, same
}

// groupDecimal puts thousands separators into the integer part of a
// decimal number: 11547.9 → 11,547.9.
func groupDecimal(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
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
	// The filters: district code, year, quarter and year to date, with
	// the choices offered.
	District  string
	Year      int
	Districts []store.DistrictTally
	Years     []int
	Quarter   string
	YTD       bool
	Quarters  []domain.Quarter
	Figures   *store.QuarterlyFigures
	Report    []figureRow
}

// figureRow is one figure of the quarterly report as the page shows it.
type figureRow struct {
	Label, Value, Prev, Change string
}

// statsFilter is what the statistics page and its CSV downloads show.
type statsFilter struct {
	district string
	year     int
	quarter  domain.Quarter
	ytd      bool
}

var districtCode = regexp.MustCompile(`^[0-9]{6}$`)

// statsParams reads the filters of the statistics page: district (a
// 6-digit code), year, quarter (2026Q3; the last complete quarter when
// absent) and ytd.
func (h *Handlers) statsParams(c *gin.Context) (statsFilter, error) {
	p := httpx.QueryParams(c, "lang", "district", "year", "quarter", "ytd")
	f := statsFilter{district: p.Str("district"), year: p.IntIn("year", 0, 1990, 9999)}
	if f.district != "" && !districtCode.MatchString(f.district) {
		p.Fail("district", "must be a 6-digit district code")
	}
	f.ytd = p.Enum("ytd", []string{"true", "false"}) == "true"
	f.quarter = domain.LastCompleteQuarter(h.now())
	if s := p.Str("quarter"); s != "" {
		q, err := domain.ParseQuarter(s)
		if err != nil {
			p.Fail("quarter", "must be a quarter such as 2026Q3")
		}
		f.quarter = q
	}
	return f, p.Err()
}

func (h *Handlers) loadStats(c *gin.Context, f statsFilter) (store.Stats, error) {
	q := store.StatsQuery{DistrictCode: f.district, Calendar: h.calendar}
	if f.year != 0 {
		q.DecidedFrom = time.Date(f.year, 1, 1, 0, 0, 0, 0, time.UTC)
		q.DecidedTo = time.Date(f.year, 12, 31, 0, 0, 0, 0, time.UTC)
	}
	return h.reads.Stats(c.Request.Context(), q)
}

// statsMonthKeys are the months the monthly charts show: the year's, or
// the last statsMonths.
func statsMonthKeys(st store.Stats, year int) []string {
	if year == 0 {
		return monthKeys(st.AsOf, statsMonths)
	}
	return monthKeys(time.Date(year, 12, 1, 0, 0, 0, 0, time.UTC), 12)
}

func (h *Handlers) statsPage(c *gin.Context) error {
	f, err := h.statsParams(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	st, err := h.loadStats(c, f)
	if err != nil {
		return err
	}
	all := st
	if f.district != "" || f.year != 0 {
		if all, err = h.reads.Stats(ctx, store.StatsQuery{Calendar: h.calendar}); err != nil {
			return err
		}
	}
	figs, err := h.reads.QuarterlyFigures(ctx, store.FiguresQuery{Quarter: f.quarter, YearToDate: f.ytd,
		DistrictCode: f.district, Calendar: h.calendar})
	if err != nil {
		return err
	}
	pr := printer(c)
	d := &statsPage{pageData: h.page(c, pr.T("stats.title"), "stats"), S: st,
		Charts: buildCharts(pr, st, statsMonthKeys(st, f.year)), FineTotal: groupDecimal(st.Penalties.Fines.WanFixed(1)),
		APIURL: "/api/v1/stats?quarter=" + f.quarter.String(), District: f.district, Year: f.year,
		Districts: all.Penalties.ByDistrict, Quarter: f.quarter.String(), YTD: f.ytd, Figures: &figs,
		Plans: h.planTotals(c.Request.Context())}
	if f.ytd {
		d.APIURL += "&ytd=true"
	}
	if f.district != "" {
		d.APIURL += "&district=" + f.district
	}
	for y := st.AsOf.Year(); y >= st.AsOf.Year()-9; y-- {
		d.Years = append(d.Years, y)
	}
	for q, i := domain.QuarterOf(st.AsOf), 0; i < 12; q, i = q.Prev(), i+1 {
		d.Quarters = append(d.Quarters, q)
	}
	d.Report = reportRows(pr, figs)
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

// reportFigures are the figures of the quarterly report the statistics
// page shows, in its order.
var reportFigures = []string{"cases", "pre_accident_cases", "pre_accident_share", "large_cases", "large_case_share",
	"fines", "pre_accident_fines", "pre_accident_fine_share", "average_pre_accident_fine", "penalty_disclosure_rate",
	"permits", "permit_disclosure_rate"}

func reportRows(pr i18n.Printer, q store.QuarterlyFigures) []figureRow {
	value := func(f store.Figure, r store.Ratio) string {
		if r.Den == 0 {
			return "—"
		}
		switch f.Kind {
		case store.FigureShare:
			return pctText(100 * r.Float())
		case store.FigureAmount:
			return groupDecimal(strconv.FormatFloat(r.Float()/100/10_000, 'f', 2, 64)) + pr.T("stats.wan_unit")
		}
		return domain.GroupThousands(int64(r.Float())) + " " + f.Unit
	}
	var out []figureRow
	for _, key := range reportFigures {
		f, ok := q.Figure(key)
		if !ok {
			continue
		}
		row := figureRow{Label: f.Label, Value: value(f, f.Value), Prev: value(f, f.Prev), Change: "—"}
		if f.Change != nil {
			row.Change = strconv.FormatFloat(100**f.Change, 'f', 1, 64) + "%"
		}
		out = append(out, row)
	}
	return out
}

// statsCSV serves one chart's data as CSV (UTF-8 with a byte-order mark,
// so spreadsheet programs read the Chinese headers).
func (h *Handlers) statsCSV(c *gin.Context) error {
	name, ok := strings.CutSuffix(c.Param("chart"), ".csv")
	if !ok {
		return httpx.NotFound(printer(c).T("stats.no_chart"))
	}
	f, err := h.statsParams(c)
	if err != nil {
		return err
	}
	st, err := h.loadStats(c, f)
	if err != nil {
		return err
	}
	for _, ch := range buildCharts(printer(c), st, statsMonthKeys(st, f.year)) {
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
