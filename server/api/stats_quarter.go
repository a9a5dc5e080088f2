package api

import (
	"math"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// StatsFigureKeys are the quarterly figures /api/v1/stats and /stats give
// for a quarter: the decision figures of a rule-of-law quarterly report.
var StatsFigureKeys = []string{"cases", "pre_accident_cases", "pre_accident_share", "large_cases", "large_case_share",
	"fines", "pre_accident_fines", "pre_accident_fine_share", "average_pre_accident_fine", "penalty_disclosure_rate",
	"permits", "permit_disclosure_rate"}

// QuarterParam reads quarter (e.g. 2026Q3) and ytd (true: from 1 January
// to the quarter's end; it qualifies a quarter and means nothing without
// one) of the statistics; ok is false when no quarter is asked for.
func QuarterParam(p *httpx.Params) (q domain.Quarter, ytd, ok bool) {
	ytd = p.Enum("ytd", []string{"true", "false"}) == "true"
	s := p.Str("quarter")
	if s == "" {
		return q, false, false
	}
	q, err := domain.ParseQuarter(s)
	if err != nil {
		p.Fail("quarter", "must be a quarter such as 2026Q3")
		return q, false, false
	}
	return q, ytd, true
}

type quarterFiguresJSON struct {
	Quarter      string       `json:"quarter"`
	Label        string       `json:"label"`
	YearToDate   bool         `json:"year_to_date"`
	From         string       `json:"from"`
	To           string       `json:"to"`
	PreviousFrom string       `json:"previous_from"`
	PreviousTo   string       `json:"previous_to"`
	Complete     bool         `json:"complete"`
	Figures      []figureJSON `json:"figures"`
}

type figureJSON struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Unit     string   `json:"unit"`
	Kind     string   `json:"kind"`
	Value    *float64 `json:"value"`    // nil: a share or average of nothing
	Previous *float64 `json:"previous"` // the same days one year earlier
	Change   *float64 `json:"change"`
}

func statsRatio(kind string, r store.Ratio) *float64 {
	if r.Den == 0 {
		return nil
	}
	v := r.Float()
	switch kind {
	case store.FigureAmount:
		v = math.Round(v) / 100 // fen → yuan, to the fen
	case store.FigureShare:
		v = math.Round(v*10000) / 10000
	}
	return &v
}

func quarterFiguresOf(f store.QuarterlyFigures) *quarterFiguresJSON {
	label := f.Quarter.Label()
	if f.YearToDate {
		label = f.From.Format("2006年1月") + "至" + f.To.Format("1月")
	}
	out := &quarterFiguresJSON{Quarter: f.Quarter.String(), Label: label, YearToDate: f.YearToDate,
		From: domain.FormatDate(f.From), To: domain.FormatDate(f.To), PreviousFrom: domain.FormatDate(f.PrevFrom),
		PreviousTo: domain.FormatDate(f.PrevTo), Complete: f.Complete, Figures: []figureJSON{}}
	for _, key := range StatsFigureKeys {
		fig, ok := f.Figure(key)
		if !ok {
			continue
		}
		var change *float64
		if fig.Change != nil {
			c := math.Round(*fig.Change*10000) / 10000
			change = &c
		}
		out.Figures = append(out.Figures, figureJSON{Key: fig.Key, Label: fig.Label, Unit: fig.Unit, Kind: fig.Kind,
			Value: statsRatio(fig.Kind, fig.Value), Previous: statsRatio(fig.Kind, fig.Prev), Change: change})
	}
	return out
}
