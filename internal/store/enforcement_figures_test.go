package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/store/bulkload"
	"github.com/gongshi/gongshi/internal/testenv"
)

// figureData is a random but fixed set of decisions, inspections and
// referrals over 2025 and 2026, kept in memory to be recounted.
type figureData struct {
	penalties []bulkload.Penalty
	permits   []bulkload.Permit
	results   []store.DatedInspectionResult
	withdrawn map[int]bool // results withdrawn after loading, by index
	referrals []domain.CriminalReferral
}

var china = time.FixedZone("CST", 8*3600)

// figureDays are the dates records fall on: every day of 2025 and 2026 up
// to enfToday's eve.
func randomDay(r *rand.Rand) time.Time {
	first := mustDate("2025-01-01")
	return first.AddDate(0, 0, r.IntN(int(enfToday.Sub(first).Hours()/24)))
}

// publishedAfter is an instant lag working days after day (at most now).
func publishedAfter(cal domain.Calendar, day time.Time, lag int) time.Time {
	d := cal.AddWorkdays(day, lag)
	at := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, china)
	if limit := time.Date(2026, 12, 2, 18, 0, 0, 0, china); at.After(limit) {
		at = limit
	}
	return at
}

func newFigureData(cal domain.Calendar) figureData {
	r := rand.New(rand.NewPCG(7, 11))
	var f figureData
	agencies := []struct{ code, name string }{{bureauCode, "苏州市应急管理局"}, {districtCode, "苏州市吴中区应急管理局"}}
	for i := range 400 {
		p := testenv.Penalty(i)
		ag := agencies[r.IntN(2)]
		p.Agency, p.AgencyCode, p.Source, p.SourceCode = ag.name, ag.code, ag.name, ag.code
		p.DecisionDate = randomDay(r)
		p.PublicityUntil = p.DecisionDate.AddDate(0, 3+r.IntN(12), 0)
		switch n := r.IntN(100); {
		case n < 88:
			p.Stage = domain.StagePreAccident
		case n < 96:
			p.Stage = domain.StageAccident
		default:
			p.Stage = ""
		}
		if r.IntN(10) == 0 {
			p.Categories, p.Fine, p.Content = []string{"警告"}, 0, "警告"
		} else {
			p.Categories, p.Fine = []string{"罚款"}, domain.Money(int64(5+r.IntN(120))*100_000)
		}
		b := bulkload.Penalty{Penalty: p, PublishedAt: publishedAfter(cal, p.DecisionDate, r.IntN(12))}
		if n := r.IntN(20); n < 4 {
			reason := []domain.WithdrawReason{domain.ReasonRevoked, domain.ReasonCorrected, domain.ReasonExpired, domain.ReasonRepaired}[n]
			b.Withdrawn = &bulkload.Withdrawal{Reason: reason, Note: "测试"}
		}
		f.penalties = append(f.penalties, b)
	}
	for i := range 150 {
		p, errs := domain.ParsePermit(testenv.PermitRecord(i), domain.ParseOptions{})
		if len(errs) > 0 {
			panic(errs)
		}
		ag := agencies[r.IntN(2)]
		p.Agency, p.AgencyCode, p.Source, p.SourceCode = ag.name, ag.code, ag.name, ag.code
		p.DecisionDate = randomDay(r)
		p.ValidFrom, p.ValidTo = p.DecisionDate, p.DecisionDate.AddDate(3, 0, 0)
		b := bulkload.Permit{Permit: p, PublishedAt: publishedAfter(cal, p.DecisionDate, r.IntN(10))}
		if r.IntN(15) == 0 {
			b.Withdrawn = &bulkload.Withdrawal{Reason: domain.ReasonRevoked, Note: "撤销"}
		}
		f.permits = append(f.permits, b)
	}
	bodies := []string{bureauCode, squadCode, districtCode}
	f.withdrawn = map[int]bool{}
	for i := range 500 {
		var party domain.Party
		switch n := r.IntN(40); {
		case n < 30:
			party = domain.Party{Name: fmt.Sprintf("苏州测试第%d有限公司", n), Kind: domain.PartyOrganization, CreditCode: testenv.USCC("320505", n)}
		case n < 35:
			party = domain.Party{Name: fmt.Sprintf("测试五金店%d", n), Kind: domain.PartyIndividualBusiness,
				CreditCode: domain.USCCPlaceholder, BusinessRegNo: fmt.Sprintf("32050660000%04d", n)}
		default:
			party = domain.Party{Name: "李四", Kind: domain.PartyNaturalPerson, IDType: "身份证", IDNo: testenv.PersonID}
		}
		outcome := domain.InspectionOutcomes[r.IntN(3)]
		res := domain.InspectionResult{RecordNo: fmt.Sprintf("检〔%d〕", i), BodyCode: bodies[r.IntN(3)], Kind: domain.KindKey,
			Party: party, Category: domain.EnterpriseCategories[r.IntN(4)], InspectionDate: randomDay(r), Outcome: outcome}
		if outcome != domain.OutcomeClean {
			res.Hazards = 1 + r.IntN(5)
		}
		f.results = append(f.results, store.DatedInspectionResult{InspectionResult: res,
			PublishedAt: publishedAfter(cal, res.InspectionDate, r.IntN(30))})
		if r.IntN(25) == 0 {
			f.withdrawn[i] = true
		}
	}
	for _, q := range []domain.Quarter{{Year: 2025, Q: 1}, {Year: 2025, Q: 2}, {Year: 2025, Q: 3}, {Year: 2025, Q: 4},
		{Year: 2026, Q: 1}, {Year: 2026, Q: 2}, {Year: 2026, Q: 3}, {Year: 2026, Q: 4}} {
		for _, body := range []string{bureauCode, districtCode} {
			for _, stage := range domain.Stages {
				cases := r.IntN(6)
				f.referrals = append(f.referrals, domain.CriminalReferral{Year: q.Year, Quarter: q.Q, BodyCode: body,
					Stage: stage, Cases: cases, Persons: cases + r.IntN(3)})
			}
		}
	}
	return f
}

func (f figureData) load(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	registerBodies(t, s)
	i := 0
	_, err := bulkload.Penalties(ctx, s, cli, func() (bulkload.Penalty, bool) {
		if i == len(f.penalties) {
			return bulkload.Penalty{}, false
		}
		i++
		return f.penalties[i-1], true
	}, store.WriteOptions{})
	mustNil(t, err)
	j := 0
	_, err = bulkload.Permits(ctx, s, cli, func() (bulkload.Permit, bool) {
		if j == len(f.permits) {
			return bulkload.Permit{}, false
		}
		j++
		return f.permits[j-1], true
	}, store.WriteOptions{})
	mustNil(t, err)
	rs, err := s.BackfillInspectionResults(ctx, cli, f.results, store.WriteOptions{})
	mustNil(t, err)
	for k := range f.withdrawn {
		mustNil(t, s.WithdrawInspectionResult(ctx, cli, rs[k].ID, domain.ReasonRevoked, ""))
	}
	_, err = s.UpsertCriminalReferrals(ctx, cli, f.referrals, store.WriteOptions{})
	mustNil(t, err)
}

// recount computes the figures of one period from the data in memory,
// following the definitions of the store's documentation.
func (f figureData) recount(cal domain.Calendar, from, to time.Time, agency, district string) map[string]store.Ratio {
	in := func(d time.Time) bool { return !d.Before(from) && !d.After(to) }
	keep := func(code string) bool {
		switch {
		case agency != "" && code != agency:
			return false
		case district == "320506" && code != districtCode:
			return false
		}
		return true
	}
	c := map[string]int64{}
	for _, p := range f.penalties {
		if !in(p.DecisionDate) || !keep(p.AgencyCode) {
			continue
		}
		if w := p.Withdrawn; w != nil && w.Reason != domain.ReasonExpired && w.Reason != domain.ReasonRepaired {
			continue
		}
		c["cases"]++
		c["fines"] += int64(p.Fine)
		if cal.WorkdaysBetween(p.DecisionDate, domain.ChinaDate(p.PublishedAt)) <= 7 {
			c["penalty_on_time"]++
		}
		if p.Stage == domain.StagePreAccident {
			c["pre"]++
			c["pre_fines"] += int64(p.Fine)
			if p.Fine >= 50_000*100 {
				c["large"]++
			}
		}
	}
	for _, p := range f.permits {
		if !in(p.DecisionDate) || !keep(p.AgencyCode) || p.Withdrawn != nil {
			continue
		}
		c["permits"]++
		if cal.WorkdaysBetween(p.DecisionDate, domain.ChinaDate(p.PublishedAt)) <= 7 {
			c["permit_on_time"]++
		}
	}
	parties := map[string]bool{}
	for i, r := range f.results {
		if f.withdrawn[i] || !in(r.InspectionDate) || !keep(r.BodyCode) {
			continue
		}
		c["inspections"]++
		c["hazards"] += int64(r.Hazards)
		if r.Outcome != domain.OutcomeClean {
			c["problems"]++
		}
		if cal.WorkdaysBetween(r.InspectionDate, domain.ChinaDate(r.PublishedAt)) <= 20 {
			c["result_on_time"]++
		}
		id := r.Party.CreditCode
		if id == "" || id == domain.USCCPlaceholder {
			id = string(r.Party.Kind) + r.Party.Name + r.Party.BusinessRegNo + r.Party.IDNo
		}
		parties[id] = true
	}
	c["enterprises"] = int64(len(parties))
	for _, ref := range f.referrals {
		if !in(domain.Quarter{Year: ref.Year, Q: ref.Quarter}.Start()) || !keep(ref.BodyCode) {
			continue
		}
		c["referral_"+string(ref.Stage)] += int64(ref.Cases)
		c["persons"] += int64(ref.Persons)
	}
	n := func(k string) store.Ratio { return store.Ratio{Num: c[k], Den: 1} }
	of := func(a, b string) store.Ratio { return store.Ratio{Num: c[a], Den: c[b]} }
	return map[string]store.Ratio{
		"enterprises_inspected":     n("enterprises"),
		"inspections":               n("inspections"),
		"hazards":                   n("hazards"),
		"documents":                 {Num: c["inspections"] + c["problems"] + c["cases"], Den: 1},
		"cases":                     n("cases"),
		"pre_accident_cases":        n("pre"),
		"pre_accident_share":        of("pre", "cases"),
		"large_cases":               n("large"),
		"large_case_share":          of("large", "pre"),
		"fines":                     n("fines"),
		"pre_accident_fines":        n("pre_fines"),
		"pre_accident_fine_share":   of("pre_fines", "fines"),
		"average_pre_accident_fine": of("pre_fines", "pre"),
		"referrals":                 {Num: c["referral_事前"] + c["referral_事故"], Den: 1},
		"referrals_pre_accident":    n("referral_事前"),
		"referrals_accident":        n("referral_事故"),
		"referral_persons":          n("persons"),
		"penalty_disclosure_rate":   of("penalty_on_time", "cases"),
		"permits":                   n("permits"),
		"permit_disclosure_rate":    of("permit_on_time", "permits"),
		"result_disclosure_rate":    of("result_on_time", "inspections"),
	}
}

func TestQuarterlyFiguresEqualARecount(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	cal := domain.DefaultCalendar()
	data := newFigureData(cal)
	data.load(t, s)
	pub := enfPublic(s)
	q3 := domain.Quarter{Year: 2026, Q: 3}
	cases := []store.FiguresQuery{
		{Quarter: q3, Calendar: cal},
		{Quarter: q3, YearToDate: true, Calendar: cal},
		{Quarter: q3, AgencyCode: bureauCode, Calendar: cal},
		{Quarter: domain.Quarter{Year: 2026, Q: 1}, DistrictCode: "320506", Calendar: cal},
		{Quarter: domain.Quarter{Year: 2026, Q: 4}, YearToDate: true, Calendar: cal}, // not over yet
	}
	for _, q := range cases {
		name := fmt.Sprintf("%s ytd=%v agency=%s district=%s", q.Quarter, q.YearToDate, q.AgencyCode, q.DistrictCode)
		got, err := pub.QuarterlyFigures(ctx, q)
		mustNil(t, err)
		from := q.Quarter.Start()
		if q.YearToDate {
			from = time.Date(q.Quarter.Year, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		if !got.From.Equal(from) || !got.To.Equal(q.Quarter.End()) || !got.PrevFrom.Equal(from.AddDate(-1, 0, 0)) ||
			got.Complete != q.Quarter.End().Before(enfToday) {
			t.Errorf("%s: period %v–%v, previous %v, complete %v", name, got.From, got.To, got.PrevFrom, got.Complete)
		}
		want := data.recount(cal, from, q.Quarter.End(), q.AgencyCode, q.DistrictCode)
		wantPrev := data.recount(cal, from.AddDate(-1, 0, 0), q.Quarter.End().AddDate(-1, 0, 0), q.AgencyCode, q.DistrictCode)
		if len(got.Figures) != len(want) {
			t.Errorf("%s: %d figures, want %d", name, len(got.Figures), len(want))
		}
		for _, f := range got.Figures {
			if f.Value != want[f.Key] || f.Prev != wantPrev[f.Key] {
				t.Errorf("%s: %s = %+v (previous %+v), recount %+v (previous %+v)", name, f.Key, f.Value, f.Prev, want[f.Key], wantPrev[f.Key])
			}
			if len(f.Filters) == 0 {
				t.Errorf("%s: %s has no filter", name, f.Key)
			}
		}
		// The data set is not trivial: every kind of record is counted.
		for _, k := range []string{"cases", "pre_accident_cases", "inspections", "enterprises_inspected", "permits", "referrals"} {
			if want[k].Num == 0 && q.AgencyCode == "" && q.DistrictCode == "" {
				t.Errorf("%s: the test data has no %s", name, k)
			}
		}
	}

	// Year on year and the filters that reproduce a figure.
	got, err := pub.QuarterlyFigures(ctx, store.FiguresQuery{Quarter: q3, AgencyCode: bureauCode, Calendar: cal})
	mustNil(t, err)
	cases3, _ := got.Figure("cases")
	if cases3.Change == nil || *cases3.Change != float64(cases3.Value.Num)/float64(cases3.Prev.Num)-1 {
		t.Errorf("change of cases: %+v", cases3)
	}
	large, _ := got.Figure("large_cases")
	params := large.Filters[0].Params
	if large.Label != "事前罚款5万元以上案件" || large.Filters[0].Dataset != "penalties" || params["stage"] != "事前" ||
		params["fine_min"] != "50000" || params["decision_date_from"] != "2026-07-01" || params["decision_date_to"] != "2026-09-30" ||
		params["agency_code"] != bureauCode || !large.Filters[0].IncludesEnded {
		t.Errorf("filter of large cases: %+v", large)
	}
	share, _ := got.Figure("pre_accident_share")
	if share.Change != nil || share.Kind != store.FigureShare {
		t.Errorf("a share has no relative change: %+v", share)
	}
	refs, _ := got.Figure("referral_persons")
	if p := refs.Filters[0].Params; refs.Filters[0].Dataset != "criminal-referrals" || p["from"] != "2026Q3" || p["to"] != "2026Q3" || p["body_code"] != bureauCode {
		t.Errorf("filter of referrals: %+v", refs.Filters)
	}
	if _, err := pub.QuarterlyFigures(ctx, store.FiguresQuery{Quarter: domain.Quarter{Year: 2026, Q: 5}}); err == nil {
		t.Error("quarter 5: want an error")
	}
}
