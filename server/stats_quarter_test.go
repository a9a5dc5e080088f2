package server_test

import (
	"strings"
	"testing"
)

// /api/v1/stats?quarter= gives the quarterly report's figures over every
// decision made in the period — a revoked one left out — beside the same
// days a year earlier; ytd=true runs from 1 January. A bad quarter or ytd
// is a 400 naming the parameter.
func TestStatsQuarter(t *testing.T) {
	f := newReadFixture(t)
	seedPenalties(f)
	type figure struct {
		Key      string   `json:"key"`
		Value    *float64 `json:"value"`
		Previous *float64 `json:"previous"`
	}
	type statsOut struct {
		Penalties struct {
			Decided []struct {
				Month string `json:"month"`
				Count int64  `json:"count"`
			} `json:"decided_by_month"`
		} `json:"penalties"`
		Quarter *struct {
			Quarter    string   `json:"quarter"`
			YearToDate bool     `json:"year_to_date"`
			From       string   `json:"from"`
			To         string   `json:"to"`
			Figures    []figure `json:"figures"`
		} `json:"quarter"`
	}
	values := func(st statsOut) map[string]float64 {
		out := map[string]float64{}
		for _, f := range st.Quarter.Figures {
			if f.Value != nil {
				out[f.Key] = *f.Value
			}
		}
		return out
	}
	if st := getJSON[statsOut](f, "/api/v1/stats", 200); st.Quarter != nil {
		t.Errorf("quarter figures without a quarter: %+v", st.Quarter)
	}
	// 2026Q4: a (20000, 事前) and person (3000, 事前) decided 2026-10-15;
	// the revoked decision of the same day does not count.
	st := getJSON[statsOut](f, "/api/v1/stats?quarter=2026Q4", 200)
	if st.Quarter == nil || st.Quarter.Quarter != "2026Q4" || st.Quarter.From != "2026-10-01" || st.Quarter.To != "2026-12-31" {
		t.Fatalf("quarter: %+v", st.Quarter)
	}
	want := map[string]float64{"cases": 2, "pre_accident_cases": 2, "pre_accident_share": 1, "large_cases": 0,
		"fines": 23000, "pre_accident_fines": 23000, "pre_accident_fine_share": 1, "average_pre_accident_fine": 11500}
	got := values(st)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("2026Q4 %s = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	// The year to date adds b (5000, 事故, 2026-09) and c (a warning, 2026-08).
	st = getJSON[statsOut](f, "/api/v1/stats?quarter=2026Q4&ytd=true", 200)
	got = values(st)
	if !st.Quarter.YearToDate || st.Quarter.From != "2026-01-01" || got["cases"] != 4 || got["pre_accident_share"] != 0.5 ||
		got["fines"] != 28000 {
		t.Errorf("year to date: %+v %v", st.Quarter, got)
	}
	months := map[string]int64{}
	for _, m := range st.Penalties.Decided {
		months[m.Month] = m.Count
	}
	if months["2026-10"] != 2 || months["2026-09"] != 1 || months["2026-08"] != 1 {
		t.Errorf("decided by month: %+v", st.Penalties.Decided)
	}
	for path, param := range map[string]string{"/api/v1/stats?quarter=2026Q5": "quarter",
		"/api/v1/stats?quarter=2026Q3&ytd=yes": "ytd"} {
		resp, body := f.get(path)
		if resp.StatusCode != 400 || !strings.Contains(string(body), param) {
			t.Errorf("GET %s: %d %s, want a 400 naming %s", path, resp.StatusCode, body, param)
		}
	}
}
