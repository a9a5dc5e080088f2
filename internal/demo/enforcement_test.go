package demo

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// Every demo enforcement record passes the validation of the ingest and
// import paths, the same seed and day give the same data, and the data
// hangs together: linked cases exist, tasks' results lie in their dates.
func TestEnforcementDataIsValidAndDeterministic(t *testing.T) {
	opt := Options{Now: testNow}
	d := generateEnforcement(opt)
	if again := generateEnforcement(opt); !reflect.DeepEqual(d, again) {
		t.Fatal("two generations differ")
	}
	popt := domain.EnforcementOptions{Now: testNow}
	strict, err := domain.LoadEnforcementRules(strings.NewReader(`{"certificate_pattern": "^苏执[0-9]{10}$"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range d.bodies {
		if got, errs := domain.ParseEnforcementBody(domain.BodyRecord(b), popt); len(errs) > 0 || !reflect.DeepEqual(got, b) {
			t.Fatalf("body %s: %v", b.Name, errs)
		}
	}
	certs := map[string]bool{}
	for _, o := range d.officers {
		got, errs := domain.ParseOfficer(domain.OfficerRecord(o), domain.EnforcementOptions{Now: testNow, Rules: strict})
		if len(errs) > 0 || !reflect.DeepEqual(got, o) || certs[o.CertificateNo] {
			t.Fatalf("officer %s: %v", o.CertificateNo, errs)
		}
		certs[o.CertificateNo] = true
	}
	for v := 1; v <= 2; v++ {
		if errs := domain.ValidateInspectionItems(inspectionItems(v)); len(errs) > 0 {
			t.Fatalf("list version %d: %v", v, errs)
		}
	}
	tasks := map[string]domain.InspectionTask{}
	for _, task := range d.tasks {
		got, errs := domain.ParseInspectionTask(domain.TaskRecord(task), popt)
		if len(errs) > 0 || !reflect.DeepEqual(got, task) {
			t.Fatalf("task %s: %v", task.Code, errs)
		}
		if _, err := task.DrawEnterprises(); err != nil {
			t.Fatalf("task %s: %v", task.Code, err)
		}
		tasks[task.BodyCode+task.Code] = task
	}
	records := map[string]bool{}
	drawn := map[string]int{}
	for _, r := range d.results {
		got, errs := domain.ParseInspectionResult(domain.InspectionResultRecord(r.InspectionResult), popt)
		if len(errs) > 0 || !reflect.DeepEqual(got, r.InspectionResult) {
			t.Fatalf("result %s: %v\n%+v", r.RecordNo, errs, r.InspectionResult)
		}
		if records[r.BodyCode+r.RecordNo] || r.PublishedAt.After(testNow) || domain.ChinaDate(r.PublishedAt).Before(r.InspectionDate) {
			t.Fatalf("result %s: repeated, or published at %v", r.RecordNo, r.PublishedAt)
		}
		records[r.BodyCode+r.RecordNo] = true
		if r.TaskCode != "" {
			task, ok := tasks[r.BodyCode+r.TaskCode]
			if !ok || r.InspectionDate.Before(task.StartDate) || r.InspectionDate.After(task.EndDate) {
				t.Fatalf("result %s of task %s on %s", r.RecordNo, r.TaskCode, r.InspectionDate)
			}
			drawn[r.BodyCode+r.TaskCode]++
			if drawn[r.BodyCode+r.TaskCode] > task.Drawn {
				t.Fatalf("task %s has more results than it drew", r.TaskCode)
			}
		}
		if !strings.Contains(r.Summary, Remark) {
			t.Fatalf("result %s is not marked %s", r.RecordNo, Remark)
		}
	}
	for _, p := range d.plans {
		if errs := domain.ValidatePlan(p); len(errs) > 0 {
			t.Fatalf("plan %s: %v", p.Name, errs)
		}
		for _, row := range domain.PlanRecords(p) {
			if _, errs := domain.ParsePlanRow(row, popt); len(errs) > 0 {
				t.Fatalf("plan %s: %v", p.Name, errs)
			}
		}
	}
	for _, c := range d.referrals {
		if got, errs := domain.ParseReferral(domain.ReferralRecord(c), popt); len(errs) > 0 || got != c || c.Persons < c.Cases {
			t.Fatalf("referral %+v: %v", c, errs)
		}
	}
	if d.linked == 0 || len(d.corrected) == 0 || len(d.referrals) == 0 {
		t.Errorf("linked %d, corrected %d, referrals %d", d.linked, len(d.corrected), len(d.referrals))
	}
}

// recountFigures computes the quarterly figures of one period from the
// generated records, independently of the store's queries.
func recountFigures(opt Options, d enforcementData, from, to time.Time) map[string]store.Ratio {
	cal := domain.DefaultCalendar()
	in := func(day time.Time) bool { return !day.Before(from) && !day.After(to) }
	c := map[string]int64{}
	pg := newPenaltyGen(opt.Seed, opt.Penalties, opt.Now, false)
	for b, ok := pg.next(); ok; b, ok = pg.next() {
		if w := b.Withdrawn; !in(b.DecisionDate) || w != nil && (w.Reason == domain.ReasonRevoked || w.Reason == domain.ReasonCorrected) {
			continue
		}
		c["cases"]++
		c["fines"] += int64(b.Fine)
		if cal.WorkdaysBetween(b.DecisionDate, domain.ChinaDate(b.PublishedAt)) <= 7 {
			c["penalty_on_time"]++
		}
		if b.Stage == domain.StagePreAccident {
			c["pre"]++
			c["pre_fines"] += int64(b.Fine)
			if b.Fine >= 5_000_000 {
				c["large"]++
			}
		}
	}
	qg := newPermitGen(opt.Seed, opt.Permits, opt.Now, false)
	for b, ok := qg.next(); ok; b, ok = qg.next() {
		if w := b.Withdrawn; !in(b.DecisionDate) || w != nil && (w.Reason == domain.ReasonRevoked || w.Reason == domain.ReasonCorrected) {
			continue
		}
		c["permits"]++
		if cal.WorkdaysBetween(b.DecisionDate, domain.ChinaDate(b.PublishedAt)) <= 7 {
			c["permit_on_time"]++
		}
	}
	parties := map[string]bool{}
	for i, r := range d.results {
		if d.corrected[i] || !in(r.InspectionDate) {
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
		key := r.Party.CreditCode
		if key == domain.USCCPlaceholder {
			key += r.Party.Name + r.Party.BusinessRegNo
		}
		parties[key] = true
	}
	c["enterprises"] = int64(len(parties))
	for _, ref := range d.referrals {
		if in(domain.Quarter{Year: ref.Year, Q: ref.Quarter}.Start()) {
			c["ref_"+string(ref.Stage)] += int64(ref.Cases)
			c["persons"] += int64(ref.Persons)
		}
	}
	c["documents"] = c["inspections"] + c["problems"] + c["cases"]
	c["referrals"] = c["ref_事前"] + c["ref_事故"]
	c["one"] = 1
	out := map[string]store.Ratio{}
	// Each figure is a count over another (one for plain counts).
	for _, def := range [][3]string{
		{"enterprises_inspected", "enterprises", "one"}, {"inspections", "inspections", "one"}, {"hazards", "hazards", "one"},
		{"documents", "documents", "one"}, {"cases", "cases", "one"}, {"pre_accident_cases", "pre", "one"},
		{"pre_accident_share", "pre", "cases"}, {"large_cases", "large", "one"}, {"large_case_share", "large", "pre"},
		{"fines", "fines", "one"}, {"pre_accident_fines", "pre_fines", "one"}, {"pre_accident_fine_share", "pre_fines", "fines"},
		{"average_pre_accident_fine", "pre_fines", "pre"}, {"referrals", "referrals", "one"},
		{"referrals_pre_accident", "ref_事前", "one"}, {"referrals_accident", "ref_事故", "one"}, {"referral_persons", "persons", "one"},
		{"penalty_disclosure_rate", "penalty_on_time", "cases"}, {"permits", "permits", "one"},
		{"permit_disclosure_rate", "permit_on_time", "permits"}, {"result_disclosure_rate", "result_on_time", "inspections"},
	} {
		out[def[0]] = store.Ratio{Num: c[def[1]], Den: c[def[2]]}
	}
	return out
}

// The quarterly figures of the demo data's last complete quarter, and of
// the year to its end, equal a recount of the generated records, and have
// the shape of the bureau's report.
func TestDemoQuarterlyFigures(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	opt := Options{Now: testNow}
	if _, err := Load(ctx, s, opt); err != nil {
		t.Fatal(err)
	}
	sum, err := LoadEnforcement(ctx, s, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + sum.String())
	before := count(t, s, `SELECT count(*) FROM changes`)
	if _, err := LoadEnforcement(ctx, s, opt); err != nil {
		t.Fatal(err)
	}
	if after := count(t, s, `SELECT count(*) FROM changes`); after != before {
		t.Errorf("loading again wrote %d change-log entries", after-before)
	}
	if n := count(t, s, `SELECT count(*) FROM inspection_results WHERE penalty_decision_no <> ''`); n != sum.Linked || n == 0 {
		t.Errorf("%d linked results, summary %d", n, sum.Linked)
	}

	d := generateEnforcement(opt)
	pub := s.Public(domain.DefaultMasking, func() time.Time { return domain.ChinaDate(testNow) })
	q := domain.LastCompleteQuarter(domain.ChinaDate(testNow))
	for _, ytd := range []bool{false, true} {
		got, err := pub.QuarterlyFigures(ctx, store.FiguresQuery{Quarter: q, YearToDate: ytd, Calendar: domain.DefaultCalendar()})
		if err != nil {
			t.Fatal(err)
		}
		want := recountFigures(opt.withDefaults(), d, got.From, got.To)
		wantPrev := recountFigures(opt.withDefaults(), d, got.PrevFrom, got.PrevTo)
		var lines []string
		for _, f := range got.Figures {
			if f.Value != want[f.Key] || f.Prev != wantPrev[f.Key] {
				t.Errorf("%s ytd=%v: %s = %+v (previous %+v), recount %+v (previous %+v)", q, ytd, f.Key, f.Value, f.Prev, want[f.Key], wantPrev[f.Key])
			}
			lines = append(lines, f.Key+" "+formatFigure(f))
		}
		t.Logf("%s ytd=%v:\n  %s", q, ytd, strings.Join(lines, "\n  "))
		fig := func(k string) float64 { f, _ := got.Figure(k); return f.Number() }
		cases := fig("cases")
		for _, c := range []struct {
			name     string
			v        float64
			min, max float64
		}{
			{"pre-accident share", fig("pre_accident_share"), 0.95, 0.99},
			{"share of large pre-accident cases", fig("large_case_share"), 0.12, 0.28},
			{"average pre-accident fine", fig("average_pre_accident_fine"), 28_000, 46_000},
			{"enterprises per case", fig("enterprises_inspected") / cases, 3.4, 4.4},
			{"documents per case", fig("documents") / cases, 8.4, 10.4},
			{"inspections per enterprise", fig("inspections") / fig("enterprises_inspected"), 1.15, 1.45},
			{"penalty disclosure rate", fig("penalty_disclosure_rate"), 0.85, 1},
			{"result disclosure rate", fig("result_disclosure_rate"), 0.9, 1},
		} {
			if c.v < c.min || c.v > c.max {
				t.Errorf("%s ytd=%v: %s %.3f, want %.2f–%.2f", q, ytd, c.name, c.v, c.min, c.max)
			}
		}
		if ytd && (fig("referrals_accident") == 0 || fig("referral_persons") < fig("referrals")) {
			t.Errorf("%s year to date: referrals %v, persons %v", q, fig("referrals"), fig("referral_persons"))
		}
	}
	// Every demo body and officer is marked as demo data.
	if n := count(t, s, `SELECT count(*) FROM enforcement_officers WHERE NOT demo`); n != 0 {
		t.Errorf("%d officers not marked demo", n)
	}
}

func formatFigure(f store.Figure) string {
	if f.Kind == store.FigureShare {
		return strconv.FormatFloat(100*f.Number(), 'f', 2, 64) + "%"
	}
	return strconv.FormatFloat(f.Number(), 'f', 0, 64) + f.Unit
}
