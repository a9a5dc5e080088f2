package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// QuarterlyReport is the quarterly figures as the API, the report page
// and its CSV show them: each figure with its value, the comparable value
// a year earlier, and links to the records it counts.
type QuarterlyReport struct {
	Quarter    string `json:"quarter"`
	Label      string `json:"label"`
	YearToDate bool   `json:"year_to_date"`
	From       string `json:"from"`
	To         string `json:"to"`
	PrevFrom   string `json:"prev_from"`
	PrevTo     string `json:"prev_to"`
	AsOf       string `json:"as_of"`
	Complete   bool   `json:"complete"`
	// CalendarGaps are the years of the period, the comparable period and
	// the publication dates that the working-day calendar has no holidays
	// for: there the disclosure rates count only weekends as days off.
	CalendarGaps []int         `json:"calendar_gaps"`
	Figures      []FigureJSON  `json:"figures"`
	Quarters     []string      `json:"-"` // the quarters a reader may choose, newest first
	Params       QuarterParams `json:"-"`
}

// QuarterParams are the report's query, as read.
type QuarterParams struct {
	Quarter    domain.Quarter
	YearToDate bool
	District   string
	AgencyCode string
}

// FigureJSON is one figure of the report.
type FigureJSON struct {
	Key   string  `json:"key"`
	Label string  `json:"label"`
	Unit  string  `json:"unit"`
	Kind  string  `json:"kind"`
	Value float64 `json:"value"` // a count, yuan, or a share from 0 to 1
	Prev  float64 `json:"prev"`
	Num   int64   `json:"numerator"` // exact: counts, or fen for amounts
	Den   int64   `json:"denominator"`
	// Change is the year-on-year change (a fraction); null for shares and
	// when the comparable value is 0.
	Change  *float64            `json:"change"`
	Sources []FigureRecordsJSON `json:"sources"`
}

// FigureRecordsJSON names the records a figure counts: the list API (URL)
// and download (DatasetURL, when the dataset is open data) that select
// them.
type FigureRecordsJSON struct {
	Dataset       string            `json:"dataset"`
	Params        map[string]string `json:"params"`
	Counts        string            `json:"counts"`
	IncludesEnded bool              `json:"includes_ended"`
	URL           string            `json:"url"`
	DatasetURL    *string           `json:"dataset_url"`
}

// countedRecordsOf names the records a figure counts: their list in the API
// and, where there is one, their dataset.
func countedRecordsOf(f store.FigureFilter) FigureRecordsJSON {
	q := url.Values{}
	keys := make([]string, 0, len(f.Params))
	for k := range f.Params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		q.Set(k, f.Params[k])
	}
	s := FigureRecordsJSON{Dataset: f.Dataset, Params: f.Params, Counts: f.Counts, IncludesEnded: f.IncludesEnded,
		URL: "/api/v1/" + f.Dataset + "?" + q.Encode()}
	if f.Dataset != "criminal-referrals" {
		u := "/api/v1/datasets/" + f.Dataset + "/download"
		s.DatasetURL = &u
	}
	return s
}

func ratioValue(kind string, r store.Ratio) float64 {
	v := r.Float()
	if kind == store.FigureAmount {
		return v / 100
	}
	return v
}

// QuarterlyReportOf is the report form of the figures.
func QuarterlyReportOf(f store.QuarterlyFigures, cal domain.Calendar) QuarterlyReport {
	r := QuarterlyReport{Quarter: f.Quarter.String(), Label: f.Quarter.Label(), YearToDate: f.YearToDate,
		From: domain.FormatDate(f.From), To: domain.FormatDate(f.To), PrevFrom: domain.FormatDate(f.PrevFrom),
		PrevTo: domain.FormatDate(f.PrevTo), AsOf: domain.FormatDate(f.AsOf), Complete: f.Complete,
		CalendarGaps: []int{}, Figures: make([]FigureJSON, len(f.Figures))}
	if r.YearToDate {
		r.Label = fmt.Sprintf("%d年1—%d月", f.Quarter.Year, f.Quarter.Q*3)
	}
	for y := f.PrevFrom.Year(); y <= f.AsOf.Year(); y++ {
		if !cal.Covers(y) {
			r.CalendarGaps = append(r.CalendarGaps, y)
		}
	}
	for i, fig := range f.Figures {
		j := FigureJSON{Key: fig.Key, Label: fig.Label, Unit: fig.Unit, Kind: fig.Kind, Value: ratioValue(fig.Kind, fig.Value),
			Prev: ratioValue(fig.Kind, fig.Prev), Num: fig.Value.Num, Den: fig.Value.Den, Change: fig.Change,
			Sources: make([]FigureRecordsJSON, len(fig.Filters))}
		for k, flt := range fig.Filters {
			j.Sources[k] = countedRecordsOf(flt)
		}
		r.Figures[i] = j
	}
	return r
}

// ReadQuarterParams reads quarter (default: the most recent complete
// quarter as of today), ytd and agency_code.
func ReadQuarterParams(p *httpx.Params, today time.Time) QuarterParams {
	q := QuarterParams{Quarter: quarterParam(p, "quarter"), AgencyCode: p.CreditCode("agency_code")}
	if !q.Quarter.Valid() {
		q.Quarter = domain.LastCompleteQuarter(today)
	}
	switch p.Str("ytd") {
	case "", "0", "false":
	case "1", "true":
		q.YearToDate = true
	default:
		p.Fail("ytd", "must be true or false")
	}
	if q.Quarter.Start().After(today) {
		p.Fail("quarter", "has not begun")
	}
	return q
}

// RecentQuarters are the quarters of the last three years up to today's,
// newest first.
func RecentQuarters(today time.Time) []string {
	var out []string
	q := domain.QuarterOf(today)
	for range 12 {
		out = append(out, q.String())
		q = q.Prev()
	}
	return out
}

// QuarterlyFigures computes the report q asks for.
func QuarterlyFigures(ctx context.Context, s interface {
	QuarterlyFigures(context.Context, store.FiguresQuery) (store.QuarterlyFigures, error)
}, q QuarterParams, cal domain.Calendar, today time.Time) (QuarterlyReport, error) {
	f, err := s.QuarterlyFigures(ctx, store.FiguresQuery{Quarter: q.Quarter, YearToDate: q.YearToDate,
		AgencyCode: q.AgencyCode, DistrictCode: q.District, Calendar: cal})
	if err != nil {
		return QuarterlyReport{}, err
	}
	r := QuarterlyReportOf(f, cal)
	r.Quarters, r.Params = RecentQuarters(today), q
	return r, nil
}

func (h enforcementHandlers) quarterly(c *gin.Context) error {
	p := httpx.QueryParams(c, "quarter", "ytd", "district", "agency_code")
	today := domain.ChinaDate(h.now())
	q := ReadQuarterParams(p, today)
	if err := h.district(c, p, &q.District); err != nil {
		return err
	}
	if err := p.Err(); err != nil {
		return err
	}
	r, err := QuarterlyFigures(c.Request.Context(), h.store, q, h.calendar, today)
	if err != nil {
		return err
	}
	return writeJSON(c, r)
}

// WriteQuarterlyCSV writes the report as CSV (UTF-8 with a BOM, for
// spreadsheet programs): one row per figure with its value, comparable
// value, change and the list URL of its first source.
func WriteQuarterlyCSV(w io.Writer, r QuarterlyReport) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"期间", "key", "指标", "单位", "数值", "上年同期", "同比", "来源"})
	period := r.From + "至" + r.To
	for _, f := range r.Figures {
		change := ""
		if f.Change != nil {
			change = strconv.FormatFloat(*f.Change, 'f', 4, 64)
		}
		src := ""
		if len(f.Sources) > 0 {
			src = f.Sources[0].URL
		}
		_ = cw.Write([]string{period, f.Key, f.Label, f.Unit, formatFigure(f.Kind, f.Value), formatFigure(f.Kind, f.Prev), change, src})
	}
	cw.Flush()
	return cw.Error()
}

// formatFigure writes a value exactly enough for a spreadsheet: counts
// whole, yuan with two places, shares with four.
func formatFigure(kind string, v float64) string {
	switch kind {
	case store.FigureAmount:
		return strconv.FormatFloat(v, 'f', 2, 64)
	case store.FigureShare:
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}
