package api_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/api"
)

// The report names the years whose holidays the working-day calendar
// lacks, so a disclosure rate counted through them is marked; its values
// keep their units (fen → yuan) and its sources link to the lists.
func TestQuarterlyReportOf(t *testing.T) {
	cal, err := domain.NewCalendar([]int{2025}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := domain.Quarter{Year: 2026, Q: 1}
	f := store.QuarterlyFigures{Quarter: q, From: q.Start(), To: q.End(), PrevFrom: q.Start().AddDate(-1, 0, 0),
		PrevTo: q.End().AddDate(-1, 0, 0), AsOf: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC), Complete: true,
		Figures: []store.Figure{{Key: "fines", Label: "罚款金额", Unit: "元", Kind: store.FigureAmount,
			Value: store.Ratio{Num: 1_234_500, Den: 1}, Prev: store.Ratio{Num: 1_000_000, Den: 1},
			Filters: []store.FigureFilter{{Dataset: "penalties", Params: map[string]string{"stage": "事前",
				"decision_date_from": "2026-01-01"}, Counts: "fines"}}}}}
	r := api.QuarterlyReportOf(f, cal)
	if !slices.Equal(r.CalendarGaps, []int{2026}) {
		t.Errorf("calendar gaps %v, want [2026]", r.CalendarGaps)
	}
	fig := r.Figures[0]
	if fig.Value != 12_345 || fig.Prev != 10_000 || fig.Num != 1_234_500 {
		t.Errorf("fines %+v", fig)
	}
	if u := fig.Sources[0].URL; u != "/api/v1/penalties?decision_date_from=2026-01-01&stage=%E4%BA%8B%E5%89%8D" {
		t.Errorf("source URL %s", u)
	}
	var buf bytes.Buffer
	if err := api.WriteQuarterlyCSV(&buf, r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), ",fines,罚款金额,元,12345.00,10000.00,") {
		t.Errorf("CSV:\n%s", buf.String())
	}
}

// Referral totals sum the bodies by quarter and type, in quarter order,
// 事前 before 事故.
func TestReferralTotals(t *testing.T) {
	rs := []store.PublishedReferral{
		{CriminalReferral: domain.CriminalReferral{Year: 2026, Quarter: 2, Stage: domain.StageAccident, Cases: 1, Persons: 2}},
		{CriminalReferral: domain.CriminalReferral{Year: 2026, Quarter: 1, Stage: domain.StageAccident, Cases: 2, Persons: 2}},
		{CriminalReferral: domain.CriminalReferral{Year: 2026, Quarter: 1, Stage: domain.StagePreAccident, Cases: 1, Persons: 1}},
		{CriminalReferral: domain.CriminalReferral{Year: 2026, Quarter: 1, Stage: domain.StageAccident, Cases: 3, Persons: 5}},
	}
	got := api.ReferralTotals(rs)
	want := []api.ReferralTotal{{"2026Q1", "事前", 1, 1}, {"2026Q1", "事故", 5, 7}, {"2026Q2", "事故", 1, 2}}
	if !slices.Equal(got, want) {
		t.Errorf("totals %v, want %v", got, want)
	}
}
