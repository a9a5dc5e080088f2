package demo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/store/bulkload"
)

// The demo enforcement records (示例数据) of the bureau's disclosure duty:
// the eleven bureaus and two entrusted bodies as enforcement bodies, their
// officers, two versions of the random-inspection list, and from 1 January
// of the year before the last complete quarter to today: random-inspection
// tasks, inspection results, annual plans and criminal-referral counts.
//
// They are consistent with the demo penalties of the same Options, which
// are generated again to derive them: every pre-accident case against a
// company or shop found "during an inspection" gets that inspection as a
// 立案查处 result linked to its decision, and each quarter's inspections
// are scaled to its cases in the proportions of the bureau's report for
// 2019 (reference §7: 16,765 enterprises inspected, 40,302 enforcement
// documents and 4,277 cases in nine months; 12 pre-accident and 52
// accident-related referrals). The quarterly figures of the demo data
// therefore have the report's shape: see enforcementRatios.

// enforcementRatios are the proportions of the bureau's report, per
// decided case of a quarter.
var enforcementRatios = struct {
	enterprises, inspections, problems float64 // distinct enterprises, inspections, inspections finding a problem
	accidentReferral, preReferral      float64 // share of accident / pre-accident cases referred
	secondPerson                       float64 // share of referrals with a second person
}{
	enterprises: 16_765.0 / 4_277,
	// 40,302 documents = inspections + problems + cases, with about 1.3
	// inspections per enterprise and two in three finding a problem.
	inspections:      1.3 * 16_765.0 / 4_277,
	problems:         (40_302.0 - 1.3*16_765 - 4_277) / 4_277,
	accidentReferral: 52.0 / 127,
	preReferral:      12.0 / 4_150,
	secondPerson:     18.0 / 64,
}

// maxQuarterCases caps the cases a quarter's inspections are scaled to: a
// city bureau decides about 1,500 cases a quarter, and a benchmark-sized
// penalty set should not make the inspections grow without bound.
const maxQuarterCases = 2_000

// minQuarterCases gives a quarter without demo penalties some inspections.
const minQuarterCases = 40

// EnforcementSummary reports what LoadEnforcement wrote.
type EnforcementSummary struct {
	Bodies, Officers int
	ListVersions     int // versions of the random-inspection list published now (0: one existed)
	Tasks, Results   int
	Linked           int // results linked to a demo penalty
	Plans, Referrals int
	Elapsed          time.Duration
}

// String renders the summary for the command line.
func (s EnforcementSummary) String() string {
	return fmt.Sprintf("  enforcement: %d bodies, %d officers, %d random-inspection list versions, %d tasks, "+
		"%d inspection results (%d linked to penalties), %d annual plans, %d referral counts, in %v",
		s.Bodies, s.Officers, s.ListVersions, s.Tasks, s.Results, s.Linked, s.Plans, s.Referrals, s.Elapsed.Round(time.Millisecond))
}

// enforcementData is the whole demo enforcement data set, in memory.
type enforcementData struct {
	from      time.Time // first day of the inspections
	bodies    []domain.EnforcementBody
	officers  []domain.Officer
	tasks     []domain.InspectionTask
	results   []store.DatedInspectionResult
	corrected map[int]bool // results withdrawn as corrected, by index
	plans     []domain.EnforcementPlan
	referrals []domain.CriminalReferral
	linked    int
}

// enforcementGen builds the data set of one seed and day.
type enforcementGen struct {
	r     *rand.Rand
	seed  uint64
	now   time.Time
	today time.Time
	wd    *workdays
	d     enforcementData
	// per body and year: the next number of an inspection record and task
	recordSeq, taskSeq map[string]int
	nextCompany        uint64
}

// bodyCodes are the credit codes of the demo bodies: the agencies, then
// the entrusted bodies.
func bodyCodes() []string {
	var out []string
	for _, a := range agencies {
		out = append(out, a.code)
	}
	for _, e := range entrustedBodies {
		out = append(out, creditCode("12", e.region, e.body))
	}
	return out
}

// generateEnforcement builds the demo enforcement data consistent with the
// penalties newPenaltyGen(opt…) yields.
func generateEnforcement(opt Options) enforcementData {
	opt = opt.withDefaults()
	today := domain.ChinaDate(opt.Now)
	from := time.Date(domain.LastCompleteQuarter(today).Year-1, 1, 1, 0, 0, 0, 0, time.UTC)
	g := &enforcementGen{
		r:    rand.New(rand.NewPCG(opt.Seed, 0x656e666f726365)),
		seed: opt.Seed, now: opt.Now, today: today,
		wd:        newWorkdays(domain.DefaultCalendar(), from.AddDate(0, -1, 0), today.AddDate(0, 3, 0)),
		recordSeq: map[string]int{}, taskSeq: map[string]int{},
		nextCompany: 10_000_000, // beyond every penalty pool, so these companies are new
	}
	g.d.from, g.d.corrected = from, map[int]bool{}
	g.bodiesAndOfficers()
	cases, linked := g.fromPenalties(opt)
	for q := domain.QuarterOf(from); !q.Start().After(today); q = q.Next() {
		tasks := g.quarterTasks(q)
		g.quarterResults(q, cases[q], linked[q], tasks)
	}
	g.plansFromResults()
	return g.d
}

func (g *enforcementGen) bodiesAndOfficers() {
	r := g.r
	codes := bodyCodes()
	for i, a := range agencies {
		g.d.bodies = append(g.d.bodies, domain.EnforcementBody{Name: a.name, CreditCode: a.code, LegalBasis: bureauBasis,
			DistrictCode: a.region, Status: domain.BodyActive, Remarks: Remark})
		g.officersOf(i, codes[i], a.region, 20+a.weight*3+boolInt(i == municipal)*40)
	}
	for j, e := range entrustedBodies {
		code := codes[len(agencies)+j]
		g.d.bodies = append(g.d.bodies, domain.EnforcementBody{Name: e.name, CreditCode: code, LegalBasis: e.basis,
			DistrictCode: e.region, Entrusted: true, EntrustingBody: agencies[e.by].name, EntrustingCode: agencies[e.by].code,
			Status: domain.BodyActive, Remarks: Remark})
		g.officersOf(len(agencies)+j, code, e.region, 12+r.IntN(10))
	}
}

// officersOf adds n officers of body i: certificates 苏执 + region + a
// serial, mostly valid for two to five more years.
func (g *enforcementGen) officersOf(i int, code, region string, n int) {
	r := g.r
	for k := range n {
		o := domain.Officer{CertificateNo: fmt.Sprintf("苏执%s%02d%02d", region, i, k+1), Name: personName(r),
			IssuingAuthority: "江苏省人民政府", BodyCode: code, Status: domain.OfficerValid,
			ValidUntil: g.today.AddDate(0, 0, 60+r.IntN(5*365))}
		switch n := r.IntN(100); {
		case n < 3:
			o.Status = domain.OfficerSuspended
		case n < 7:
			o.Status = domain.OfficerRevoked
			o.ValidUntil = g.today.AddDate(0, 0, -r.IntN(700))
		case n < 9: // not renewed yet: verification says 已过期
			o.ValidUntil = g.today.AddDate(0, 0, -1-r.IntN(60))
		}
		g.d.officers = append(g.d.officers, o)
	}
}

// fromPenalties generates the demo penalties again and returns, by
// quarter of the decision, the number of cases that stand, and by quarter
// of the inspection, the pre-accident cases found by inspecting a company
// or shop in the data set's period. It also derives the referrals.
func (g *enforcementGen) fromPenalties(opt Options) (map[domain.Quarter]int, map[domain.Quarter][]bulkload.Penalty) {
	cases := map[domain.Quarter]int{}
	linked := map[domain.Quarter][]bulkload.Penalty{}
	type refKey struct {
		agency string
		q      domain.Quarter
		stage  domain.Stage
	}
	refs := map[refKey]*domain.CriminalReferral{}
	var refOrder []refKey
	r := rand.New(rand.NewPCG(g.seed, 0x7265666572))
	pg := newPenaltyGen(opt.Seed, opt.Penalties, opt.Now, opt.AllPublic)
	for {
		b, ok := pg.next()
		if !ok {
			break
		}
		if b.DecisionDate.Before(g.d.from) {
			continue
		}
		if w := b.Withdrawn; w != nil && (w.Reason == domain.ReasonRevoked || w.Reason == domain.ReasonCorrected) {
			continue
		}
		q := domain.QuarterOf(b.DecisionDate)
		cases[q]++
		share := enforcementRatios.preReferral
		if b.Stage == domain.StageAccident {
			share = enforcementRatios.accidentReferral
		}
		if r.Float64() < share {
			k := refKey{b.AgencyCode, q, b.Stage}
			c, ok := refs[k]
			if !ok {
				c = &domain.CriminalReferral{Year: q.Year, Quarter: q.Q, BodyCode: b.AgencyCode, Stage: b.Stage}
				refs[k], refOrder = c, append(refOrder, k)
			}
			c.Cases++
			c.Persons += 1 + boolInt(r.Float64() < enforcementRatios.secondPerson)
		}
		if b.Stage != domain.StagePreAccident || b.Kind == domain.PartyNaturalPerson {
			continue
		}
		if day, ok := inspectionDay(b.Facts); ok && !day.Before(g.d.from) {
			linked[domain.QuarterOf(day)] = append(linked[domain.QuarterOf(day)], b)
		}
	}
	for _, k := range refOrder {
		g.d.referrals = append(g.d.referrals, *refs[k])
	}
	return cases, linked
}

// inspectionDay reads the inspection date a demo penalty's facts begin
// with (2026年3月5日，执法人员对…).
func inspectionDay(facts string) (time.Time, bool) {
	head, _, ok := strings.Cut(facts, "，执法人员对")
	if !ok {
		return time.Time{}, false
	}
	d, err := domain.ParseDate(head)
	return d, err == nil
}

// quarterTasks adds one random-inspection task per bureau for quarter q
// and returns them by body code.
func (g *enforcementGen) quarterTasks(q domain.Quarter) map[string]domain.InspectionTask {
	r := g.r
	out := map[string]domain.InspectionTask{}
	industry := []string{"工贸", "危险化学品", "烟花爆竹", "工贸"}[q.Q-1]
	for _, a := range agencies {
		g.taskSeq[a.code+strconv.Itoa(q.Year)]++
		code := fmt.Sprintf("%s双随机〔%d〕%d号", a.docPrefix, q.Year, g.taskSeq[a.code+strconv.Itoa(q.Year)])
		candidates := 300 + a.weight*60 + r.IntN(200)
		if a.weight == 0 {
			candidates = 600 + r.IntN(200)
		}
		t := domain.InspectionTask{Code: code, Name: fmt.Sprintf("%s%s%s企业双随机抽查", a.name, q.Label(), industry),
			BodyCode: a.code, PlanYear: q.Year, ItemCodes: taskItems[industry], StartDate: q.Start(), EndDate: q.End(),
			Candidates: candidates, Drawn: candidates / 20, InspectorPool: 20 + a.weight*3, Inspectors: 2 * (candidates / 20),
			Seed:      fmt.Sprintf("%s %s %s", q, a.name, code),
			Algorithm: domain.DrawFisherYatesSHA256, DrawnOn: g.wd.add(q.Start().AddDate(0, 0, -12), 1), Remarks: Remark}
		t.Inspectors = min(t.Inspectors, t.InspectorPool)
		g.d.tasks = append(g.d.tasks, t)
		out[a.code] = t
	}
	return out
}

// quarterResults adds the inspection results of quarter q: one 立案查处
// per linked case, and fresh enterprises, re-inspections and problems in
// the report's proportions to the quarter's cases.
func (g *enforcementGen) quarterResults(q domain.Quarter, cases int, linked []bulkload.Penalty, tasks map[string]domain.InspectionTask) {
	r := g.r
	last := q.End()
	if g.today.Before(last) {
		last = g.today
	}
	if q.Start().After(last) {
		return
	}
	// A quarter in progress has the cases decided so far.
	c := float64(min(max(cases, minQuarterCases), maxQuarterCases))
	wanted := func(ratio float64) int { return int(math.Round(c * ratio)) }
	for _, p := range linked {
		body := p.AgencyCode
		res := domain.InspectionResult{BodyCode: body, Kind: []string{domain.KindKey, domain.KindCampaign}[r.IntN(2)],
			Party: p.Party, Category: categoryOf(p.Name), InspectionDate: mustInspectionDay(p.Facts),
			Outcome: domain.OutcomeCase, Hazards: 1 + r.IntN(5), PenaltyDecisionNo: p.DecisionNo, PenaltyAgencyCode: p.AgencyCode,
			Summary: "现场检查发现违法行为，已责令改正并立案查处。（" + Remark + "）"}
		g.addResult(res)
		g.d.linked++
	}
	fresh := wanted(enforcementRatios.enterprises) - len(linked)
	all := wanted(enforcementRatios.inspections) - len(linked)
	problems := float64(wanted(enforcementRatios.problems)-len(linked)) / float64(max(all, 1))
	days := g.workdaysOf(q.Start(), last)
	var seen []domain.InspectionResult
	drawn := map[string]int{}
	for k := range max(all, 0) {
		var res domain.InspectionResult
		if k < fresh || len(seen) == 0 {
			res = g.freshInspection(r)
			if t, ok := tasks[res.BodyCode]; ok && drawn[res.BodyCode] < t.Drawn {
				drawn[res.BodyCode]++
				res.TaskCode, res.Kind = t.Code, domain.KindRandom
			}
			seen = append(seen, res)
		} else { // a re-inspection (复查) of an enterprise inspected this quarter
			res = seen[r.IntN(len(seen))]
			res.TaskCode, res.Kind = "", domain.KindKey
		}
		res.InspectionDate = days[r.IntN(len(days))]
		res.Outcome, res.Hazards, res.Summary = domain.OutcomeClean, 0, "现场检查未发现问题。（"+Remark+"）"
		if r.Float64() < problems {
			res.Outcome, res.Hazards = domain.OutcomeRectified, 1+r.IntN(6)
			res.Summary = fmt.Sprintf("现场检查发现事故隐患%d项，已下达责令限期整改指令书。（%s）", res.Hazards, Remark)
		}
		g.addResult(res)
	}
}

// freshInspection is an inspection of a company or shop not inspected
// before, by a body chosen as cases are decided.
func (g *enforcementGen) freshInspection(r *rand.Rand) domain.InspectionResult {
	g.nextCompany++
	var c company
	if r.IntN(100) < 8 {
		c = shopAt(g.seed, g.nextCompany)
	} else {
		c = companyAt(g.seed, g.nextCompany)
	}
	body := agencies[deciding(r, c.district)].code
	if r.IntN(100) < 4 {
		e := entrustedBodies[r.IntN(len(entrustedBodies))]
		body = creditCode("12", e.region, e.body)
	}
	kind := []string{domain.KindKey, domain.KindKey, domain.KindCampaign, domain.KindComplaint}[r.IntN(4)]
	return domain.InspectionResult{BodyCode: body, Kind: kind, Party: c.party, Category: categoryOf(c.party.Name)}
}

// addResult numbers a result, dates its publication and adds it.
func (g *enforcementGen) addResult(res domain.InspectionResult) {
	r := g.r
	key := res.BodyCode + strconv.Itoa(res.InspectionDate.Year())
	g.recordSeq[key]++
	res.RecordNo = fmt.Sprintf("%s检〔%d〕%d号", g.docPrefix(res.BodyCode), res.InspectionDate.Year(), g.recordSeq[key])
	at := instant(r, g.wd.add(res.InspectionDate, resultLag(r)))
	if at.After(g.now) {
		at = g.now.Add(-time.Duration(1+r.IntN(3600)) * time.Second)
	}
	if r.IntN(500) == 0 && at.Before(g.now.Add(-48*time.Hour)) {
		g.d.corrected[len(g.d.results)] = true
	}
	g.d.results = append(g.d.results, store.DatedInspectionResult{InspectionResult: res, PublishedAt: at})
}

// resultLag draws how many working days after the inspection a result is
// published: mostly within the 20 the rules allow.
func resultLag(r *rand.Rand) int {
	if r.IntN(100) < 3 {
		return 21 + r.IntN(10)
	}
	return 2 + r.IntN(17)
}

func (g *enforcementGen) docPrefix(bodyCode string) string {
	for _, a := range agencies {
		if a.code == bodyCode {
			return a.docPrefix
		}
	}
	return "苏应急执法"
}

func (g *enforcementGen) workdaysOf(from, to time.Time) []time.Time {
	var out []time.Time
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if g.wd.cal.IsWorkday(d) {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		out = append(out, from)
	}
	return out
}

func mustInspectionDay(facts string) time.Time {
	d, ok := inspectionDay(facts)
	if !ok {
		panic("demo: a linked case has no inspection date")
	}
	return d
}

// plansFromResults adds each bureau's plan for each year: per industry,
// about 5% more enterprises than the bureau inspects in the year (the
// year in progress extrapolated).
func (g *enforcementGen) plansFromResults() {
	type key struct {
		body     string
		year     int
		category string
	}
	seen := map[key]map[string]bool{}
	for _, d := range g.d.results {
		k := key{d.BodyCode, d.InspectionDate.Year(), d.Category}
		if seen[k] == nil {
			seen[k] = map[string]bool{}
		}
		seen[k][d.Party.CreditCode+d.Party.BusinessRegNo] = true
	}
	for year := g.d.from.Year(); year <= g.today.Year(); year++ {
		elapsed := 1.0
		if year == g.today.Year() {
			elapsed = float64(g.today.YearDay()) / 365
		}
		for _, a := range agencies {
			p := domain.EnforcementPlan{Year: year, BodyCode: a.code, Name: fmt.Sprintf("%s%d年度安全生产监督检查计划", a.name, year),
				ApprovedOn: g.wd.add(time.Date(year, 1, 10, 0, 0, 0, 0, time.UTC), 5), Remarks: Remark}
			for _, cat := range domain.EnterpriseCategories {
				if n := len(seen[key{a.code, year, cat}]); n > 0 {
					p.Targets = append(p.Targets, domain.PlanTarget{Category: cat, Enterprises: int(math.Ceil(float64(n) / elapsed * 1.05))})
				}
			}
			if len(p.Targets) > 0 {
				g.d.plans = append(g.d.plans, p)
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// enforcementChunk is how many records one write carries.
const enforcementChunk = 2_000

// LoadEnforcement writes the demo enforcement records consistent with the
// demo penalties of the same Options (load them first, with Load). Bodies,
// officers, tasks, results, plans and referrals are upserted, so loading
// twice changes nothing; the random-inspection list is published only
// when none was, so demo items never replace real ones.
func LoadEnforcement(ctx context.Context, s *store.Store, opt Options) (EnforcementSummary, error) {
	start := time.Now()
	opt = opt.withDefaults()
	d := generateEnforcement(opt)
	w := store.WriteOptions{Demo: true}
	var sum EnforcementSummary
	fail := func(err error) (EnforcementSummary, error) { return sum, fmt.Errorf("demo.LoadEnforcement: %w", err) }
	if _, err := s.UpsertEnforcementBodies(ctx, opt.Actor, d.bodies, w); err != nil {
		return fail(err)
	}
	sum.Bodies = len(d.bodies)
	if _, err := s.UpsertOfficers(ctx, opt.Actor, d.officers, w); err != nil {
		return fail(err)
	}
	sum.Officers = len(d.officers)
	pub := s.Public(domain.DefaultMasking, func() time.Time { return domain.ChinaDate(opt.Now) })
	versions, err := pub.RegisterVersions(ctx, store.RegisterInspectionItems)
	if err != nil {
		return fail(err)
	}
	if len(versions) == 0 {
		for v, eff := range []time.Time{d.from, time.Date(d.from.Year()+1, 3, 1, 0, 0, 0, 0, time.UTC)} {
			if eff.After(domain.ChinaDate(opt.Now)) {
				break
			}
			in := store.InspectionItemsInput{EffectiveDate: eff, Note: "示例数据：随机抽查事项清单", Items: inspectionItems(v + 1)}
			if _, err := s.PublishInspectionItems(ctx, opt.Actor, in, w); err != nil {
				return fail(err)
			}
			sum.ListVersions++
		}
	}
	if _, err := s.UpsertInspectionTasks(ctx, opt.Actor, d.tasks, w); err != nil {
		return fail(err)
	}
	sum.Tasks = len(d.tasks)
	ids := make([]int64, 0, len(d.results))
	for i := 0; i < len(d.results); i += enforcementChunk {
		rs, err := s.BackfillInspectionResults(ctx, opt.Actor, d.results[i:min(i+enforcementChunk, len(d.results))], w)
		if err != nil {
			return fail(err)
		}
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
	}
	for i := range d.corrected {
		err := s.WithdrawInspectionResult(ctx, opt.Actor, ids[i], domain.ReasonCorrected, "检查记录内容有误，更正后重新公示。（"+Remark+"）")
		if err != nil && !errors.Is(err, store.ErrConflict) { // already withdrawn by an earlier load
			return fail(err)
		}
	}
	sum.Results, sum.Linked = len(d.results), d.linked
	if _, err := s.UpsertEnforcementPlans(ctx, opt.Actor, d.plans, w); err != nil {
		return fail(err)
	}
	sum.Plans = len(d.plans)
	if _, err := s.UpsertCriminalReferrals(ctx, opt.Actor, d.referrals, w); err != nil {
		return fail(err)
	}
	sum.Referrals = len(d.referrals)
	sum.Elapsed = time.Since(start)
	return sum, nil
}
