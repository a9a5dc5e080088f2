package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// The quarterly figures are what the bureau's rule-of-law reports state,
// computed from the records. What each counts:
//
//   - Decisions (penalties, permits) are those that stand: published, or
//     withdrawn only because their publicity period ended or by credit
//     repair — the decision was made and not annulled. Decisions withdrawn
//     as revoked or corrected are not counted (a corrected one counts once
//     it is published again). A decision is dated by its decision date.
//     Some counted decisions are no longer on the public lists: their
//     filters say so (IncludesEnded).
//   - Inspections are the published inspection results, dated by the
//     inspection date. Enterprises inspected are the distinct parties
//     among them (by credit code; by kind, name and registration or ID
//     number when there is no code).
//   - Enforcement documents (执法文书) are counted from what Gongshi holds:
//     one 现场检查记录 per inspection, one 责令限期整改指令书 per inspection
//     that found a problem (发现问题已责令整改, 立案查处), and one 行政处罚决定书
//     per decided case. Other documents (e.g. 强制措施决定书) are not held.
//   - Cases are the decided penalty cases (立案 dates are not held); the
//     pre-accident ones (事前) are those of stage 事前, and large ones those
//     with a fine of at least EnforcementRules.LargeFineYuan.
//   - Referrals are the published counts of the quarters in the period.
//   - Disclosure rates are the shares published on time: decisions within
//     PublishDeadlineWorkdays working days of the decision, inspection
//     results within EnforcementRules.ResultDeadlineWorkdays of the
//     inspection.
//
// Year on year, every figure is also computed for the same days one year
// earlier, with the same filters and the same counting rules: that is
// the comparable basis.

// FiguresQuery selects the period and records of the quarterly figures.
type FiguresQuery struct {
	Quarter    domain.Quarter
	YearToDate bool // from 1 January to the quarter's end
	// AgencyCode keeps the decisions of the agency and the inspections and
	// referrals of the body with this credit code; DistrictCode those of
	// the district. Zero values do not filter.
	AgencyCode   string
	DistrictCode string
	Calendar     domain.Calendar
	Rules        domain.EnforcementRules // zero: domain.DefaultEnforcementRules()
}

// Ratio is an exact value: Num / Den. Counts have Den 1; amounts are in
// fen; shares and averages divide two counts or an amount by a count.
type Ratio struct {
	Num, Den int64
}

// Float is Num / Den, 0 when Den is 0.
func (r Ratio) Float() float64 {
	if r.Den == 0 {
		return 0
	}
	return float64(r.Num) / float64(r.Den)
}

// Figure kinds: how a figure's value reads.
const (
	FigureCount  = "count"  // a number of things
	FigureAmount = "amount" // yuan: Value.Num fen over Value.Den
	FigureShare  = "share"  // a fraction between 0 and 1
)

// Figure is one figure of the quarterly report.
type Figure struct {
	Key   string
	Label string // as the report states it
	Unit  string // 家, 家次, 项, 份, 件, 人, 元, or "" for a share
	Kind  string // FigureCount, FigureAmount or FigureShare
	Value Ratio
	Prev  Ratio // the same figure one year earlier (the comparable basis)
	// Change is (Value − Prev) / Prev for counts and amounts; nil for
	// shares and when Prev is 0.
	Change *float64
	// Filters select the records the figure counts, one per data set it
	// draws on.
	Filters []FigureFilter
}

// Number is the figure's value as a number: a count, yuan, or a share.
func (f Figure) Number() float64 {
	if f.Kind == FigureAmount {
		return f.Value.Float() / 100
	}
	return f.Value.Float()
}

// FigureFilter names the records behind a figure: the dataset (the same
// name as its list API and download) and the query parameters that
// select them, with what is counted of them.
type FigureFilter struct {
	Dataset string            // penalties, permits, inspection-results, criminal-referrals
	Params  map[string]string // e.g. decision_date_from, stage, fine_min (yuan)
	Counts  string            // records, distinct parties, hazards, fines, records published on time, …
	// IncludesEnded: the count includes decisions whose publicity period
	// has ended or that were repaired, which the public list no longer
	// shows.
	IncludesEnded bool
}

// QuarterlyFigures is the report of one quarter, or of the year to its
// end.
type QuarterlyFigures struct {
	Quarter          domain.Quarter
	YearToDate       bool
	From, To         time.Time // the period, inclusive
	PrevFrom, PrevTo time.Time // the comparable period a year earlier
	AsOf             time.Time // the records as of this day
	Complete         bool      // the period ended before AsOf
	Figures          []Figure
}

// Figure returns the figure with the key.
func (q QuarterlyFigures) Figure(key string) (Figure, bool) {
	for _, f := range q.Figures {
		if f.Key == key {
			return f, true
		}
	}
	return Figure{}, false
}

// periodPair holds one aggregate for the period (0) and the comparable
// period (1).
type periodPair [2]int64

// Counted decisions: those that stand (see above).
const standingDecision = `(p.status = 'published' OR p.withdraw_reason IN ('expired', 'repaired'))`

// QuarterlyFigures computes the figures of the quarter (or year to date)
// q selects, from the records as of today.
func (pub *Public) QuarterlyFigures(ctx context.Context, q FiguresQuery) (QuarterlyFigures, error) {
	if !q.Quarter.Valid() {
		return QuarterlyFigures{}, fmt.Errorf("store.QuarterlyFigures(%v): %w", q.Quarter, errors.New("not a quarter"))
	}
	rules := q.Rules
	if rules.CertificatePattern == "" {
		rules = domain.DefaultEnforcementRules()
	}
	today := civilDate(pub.today())
	r := QuarterlyFigures{Quarter: q.Quarter, YearToDate: q.YearToDate, From: q.Quarter.Start(), To: q.Quarter.End(), AsOf: today}
	if q.YearToDate {
		r.From = time.Date(q.Quarter.Year, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	r.PrevFrom, r.PrevTo = r.From.AddDate(-1, 0, 0), r.To.AddDate(-1, 0, 0)
	r.Complete = r.To.Before(today)

	if err := pub.s.syncCalendar(ctx, q.Calendar, today); err != nil {
		return QuarterlyFigures{}, fmt.Errorf("store.QuarterlyFigures(%v): %w", q.Quarter, err)
	}
	if err := pub.s.maybeFold(ctx); err != nil {
		return QuarterlyFigures{}, fmt.Errorf("store.QuarterlyFigures(%v): %w", q.Quarter, err)
	}
	table := workdayTable(q.Calendar, today.AddDate(0, 0, 1))
	var dec decisionAggs
	var permits permitAggs
	var insp inspectionAggs
	var refs referralAggs
	var wg sync.WaitGroup
	errs := make([]error, 4)
	run := func(i int, fn func() error) {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = fn() }()
	}
	run(0, func() (err error) { dec, err = pub.decisionAggs(ctx, q, r, table, rules); return })
	run(1, func() (err error) { permits, err = pub.permitAggs(ctx, q, r); return })
	run(2, func() (err error) { insp, err = pub.inspectionAggs(ctx, q, r, table, rules); return })
	run(3, func() (err error) { refs, err = pub.referralAggs(ctx, q, r); return })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return QuarterlyFigures{}, fmt.Errorf("store.QuarterlyFigures(%v): %w", q.Quarter, err)
	}
	r.Figures = buildFigures(q, r, rules, dec, permits, insp, refs)
	return r, nil
}

type decisionAggs struct {
	cases, pre, large, fines, preFines, onTime periodPair
}

type permitAggs struct{ count, onTime periodPair }

type inspectionAggs struct {
	inspections, enterprises, problems, hazards, onTime periodPair
}

type referralAggs struct{ pre, accident, persons periodPair }

// periodWhere starts a filter of records dated by col within the period
// ($1 to $2) or the comparable period ($3 to $4).
func periodWhere(r QuarterlyFigures, col string) *where {
	w := &where{args: []any{r.From, r.To, r.PrevFrom, r.PrevTo}}
	w.conds = append(w.conds, fmt.Sprintf("(%[1]s BETWEEN $1 AND $2 OR %[1]s BETWEEN $3 AND $4)", col))
	return w
}

// periodOf is the SQL of the period (0 or 1) of a record dated by col.
func periodOf(col string) string {
	return fmt.Sprintf("CASE WHEN %s BETWEEN $1 AND $2 THEN 0 ELSE 1 END", col)
}

// lagSQL is the number of working days from the date d to the date of the
// instant at, read from the working-day table, which it adds to w's
// arguments.
func lagSQL(w *where, table []int32, d, at string) string {
	t, base, last := w.arg(table), w.arg(calendarBase), w.arg(len(table)-1)
	idx := func(x string) string {
		return fmt.Sprintf("(%s::int[])[least(greatest(%s - %s::date, 0), %s::int) + 1]", t, x, base, last)
	}
	return idx("("+at+" AT TIME ZONE 'Asia/Shanghai')::date") + " - " + idx(d)
}

// scanPairs reads rows of (period, values…) into pairs.
func scanPairs(ctx context.Context, pub *Public, sql string, args []any, pairs ...*periodPair) error {
	rows, err := pub.s.pool.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	var period int
	vals := make([]int64, len(pairs))
	dest := []any{&period}
	for i := range vals {
		dest = append(dest, &vals[i])
	}
	_, err = pgx.ForEachRow(rows, dest, func() error {
		for i, p := range pairs {
			p[period] = vals[i]
		}
		return nil
	})
	return err
}

// decisionAggs counts the standing penalty decisions of the period and
// the comparable period from the tallies (aggregates.go): the quarters'
// months are whole, and the lags were counted at write time in the
// calendar table (synced from q.Calendar by QuarterlyFigures). Under
// rules whose large fine is not the tallied one, the large cases are
// counted from the records (decisionAggsScan).
func (pub *Public) decisionAggs(ctx context.Context, q FiguresQuery, r QuarterlyFigures, table []int32, rules domain.EnforcementRules) (decisionAggs, error) {
	if rules.LargeFine().Yuan() != domain.Money(LargeFineTallied*100).Yuan() {
		return pub.decisionAggsScan(ctx, q, r, table, rules)
	}
	var a decisionAggs
	w := periodWhere(r, "p.month")
	w.conds = append(w.conds, standingTally)
	w.recordFilters(q.AgencyCode, q.DistrictCode, "", "", time.Time{}, time.Time{})
	sql := fmt.Sprintf(`SELECT %s, coalesce(sum(p.records), 0)::bigint,
			coalesce(sum(p.records) FILTER (WHERE p.stage = '事前'), 0)::bigint,
			coalesce(sum(p.records) FILTER (WHERE p.stage = '事前' AND p.large), 0)::bigint,
			coalesce(sum(p.fines_fen), 0)::bigint,
			coalesce(sum(p.fines_fen) FILTER (WHERE p.stage = '事前'), 0)::bigint
		FROM penalty_tallies p WHERE %s GROUP BY 1`, periodOf("p.month"), w.sql())
	if err := scanPairs(ctx, pub, sql, w.args, &a.cases, &a.pre, &a.large, &a.fines, &a.preFines); err != nil {
		return a, fmt.Errorf("decisions: %w", err)
	}
	onTime, err := pub.onTimeTallies(ctx, q, r, "penalty")
	a.onTime = onTime
	return a, err
}

// standingTally selects the tallies of standing decisions (see
// standingDecision).
const standingTally = `p.state IN ('published', 'expired', 'repaired')`

// onTimeTallies counts the standing decisions of an entity published
// within PublishDeadlineWorkdays working days, per period.
func (pub *Public) onTimeTallies(ctx context.Context, q FiguresQuery, r QuarterlyFigures, entity string) (periodPair, error) {
	var onTime periodPair
	w := periodWhere(r, "p.month")
	w.conds = append(w.conds, standingTally)
	w.add("p.entity = %s", entity)
	w.recordFilters(q.AgencyCode, q.DistrictCode, "", "", time.Time{}, time.Time{})
	sql := fmt.Sprintf(`SELECT %s, coalesce(sum(p.records) FILTER (WHERE p.lag <= %d), 0)::bigint
		FROM publication_tallies p WHERE %s GROUP BY 1`, periodOf("p.month"), PublishDeadlineWorkdays, w.sql())
	if err := scanPairs(ctx, pub, sql, w.args, &onTime); err != nil {
		return onTime, fmt.Errorf("%s lags: %w", entity, err)
	}
	return onTime, nil
}

// decisionAggsScan is decisionAggs counted from the records.
func (pub *Public) decisionAggsScan(ctx context.Context, q FiguresQuery, r QuarterlyFigures, table []int32, rules domain.EnforcementRules) (decisionAggs, error) {
	var a decisionAggs
	w := periodWhere(r, "p.decision_date")
	w.conds = append(w.conds, standingDecision)
	w.recordFilters(q.AgencyCode, q.DistrictCode, "", "", time.Time{}, time.Time{})
	large := w.arg(rules.LargeFine().Yuan())
	lag := lagSQL(w, table, "p.decision_date", "p.published_at")
	sql := fmt.Sprintf(`SELECT %s, count(*), count(*) FILTER (WHERE p.stage = '事前'),
			count(*) FILTER (WHERE p.stage = '事前' AND p.fine_yuan >= %s::numeric),
			coalesce(sum(p.fine_yuan * 100), 0)::bigint,
			coalesce(sum(p.fine_yuan * 100) FILTER (WHERE p.stage = '事前'), 0)::bigint,
			count(*) FILTER (WHERE %s <= %d)
		FROM penalties p WHERE %s GROUP BY 1`,
		periodOf("p.decision_date"), large, lag, PublishDeadlineWorkdays, w.sql())
	err := scanPairs(ctx, pub, sql, w.args, &a.cases, &a.pre, &a.large, &a.fines, &a.preFines, &a.onTime)
	if err != nil {
		return a, fmt.Errorf("decisions: %w", err)
	}
	return a, nil
}

// permitAggs counts the standing permit decisions from the tallies, as
// decisionAggs.
func (pub *Public) permitAggs(ctx context.Context, q FiguresQuery, r QuarterlyFigures) (permitAggs, error) {
	var a permitAggs
	w := periodWhere(r, "p.month")
	w.conds = append(w.conds, standingTally)
	w.recordFilters(q.AgencyCode, q.DistrictCode, "", "", time.Time{}, time.Time{})
	sql := fmt.Sprintf(`SELECT %s, coalesce(sum(p.records), 0)::bigint FROM permit_tallies p WHERE %s GROUP BY 1`,
		periodOf("p.month"), w.sql())
	if err := scanPairs(ctx, pub, sql, w.args, &a.count); err != nil {
		return a, fmt.Errorf("permits: %w", err)
	}
	onTime, err := pub.onTimeTallies(ctx, q, r, "permit")
	a.onTime = onTime
	return a, err
}

// partyIdentity is the SQL identity of an inspected party (alias p).
const partyIdentity = `CASE WHEN p.credit_code <> '' AND p.credit_code <> '00000000000000000X' THEN p.credit_code
	ELSE concat_ws('|', p.party_kind, p.party_name, p.business_reg_no, p.id_no) END`

func (pub *Public) inspectionAggs(ctx context.Context, q FiguresQuery, r QuarterlyFigures, table []int32, rules domain.EnforcementRules) (inspectionAggs, error) {
	var a inspectionAggs
	w := periodWhere(r, "p.inspection_date")
	w.conds = append(w.conds, "p.status = 'published'")
	bodyFilters(w, "p.body_id", q.AgencyCode, q.DistrictCode)
	lag := lagSQL(w, table, "p.inspection_date", "p.published_at")
	sql := fmt.Sprintf(`SELECT %s, count(*), count(DISTINCT %s), count(*) FILTER (WHERE p.outcome <> '未发现问题'),
			coalesce(sum(p.hazards), 0), count(*) FILTER (WHERE %s <= %d)
		FROM inspection_results p WHERE %s GROUP BY 1`,
		periodOf("p.inspection_date"), partyIdentity, lag, rules.ResultDeadlineWorkdays, w.sql())
	if err := scanPairs(ctx, pub, sql, w.args, &a.inspections, &a.enterprises, &a.problems, &a.hazards, &a.onTime); err != nil {
		return a, fmt.Errorf("inspections: %w", err)
	}
	return a, nil
}

func (pub *Public) referralAggs(ctx context.Context, q FiguresQuery, r QuarterlyFigures) (referralAggs, error) {
	var a referralAggs
	// A quarter is in a period when its first day is.
	start := "make_date(c.year, c.quarter * 3 - 2, 1)"
	w := periodWhere(r, start)
	referralConds(w, q.AgencyCode, q.DistrictCode, "")
	sql := fmt.Sprintf(`SELECT %s, coalesce(sum(c.cases) FILTER (WHERE c.stage = '事前'), 0),
			coalesce(sum(c.cases) FILTER (WHERE c.stage = '事故'), 0), coalesce(sum(c.persons), 0)
		FROM criminal_referrals c WHERE %s GROUP BY 1`,
		periodOf(start), w.sql())
	if err := scanPairs(ctx, pub, sql, w.args, &a.pre, &a.accident, &a.persons); err != nil {
		return a, fmt.Errorf("referrals: %w", err)
	}
	return a, nil
}

// buildFigures turns the aggregates into the report's figures.
func buildFigures(q FiguresQuery, r QuarterlyFigures, rules domain.EnforcementRules, d decisionAggs, p permitAggs,
	in inspectionAggs, ref referralAggs) []Figure {
	date := func(t time.Time) string { return t.Format(domain.DateLayout) }
	base := func(dataset, from, to string) map[string]string {
		m := map[string]string{from: date(r.From), to: date(r.To)}
		if q.DistrictCode != "" {
			m["district"] = q.DistrictCode
		}
		if q.AgencyCode != "" {
			key := "agency_code"
			if dataset == "inspection-results" || dataset == "criminal-referrals" {
				key = "body_code"
			}
			m[key] = q.AgencyCode
		}
		return m
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	penalties := func(counts string, kv ...string) FigureFilter {
		return FigureFilter{Dataset: "penalties", Params: with(base("penalties", "decision_date_from", "decision_date_to"), kv...),
			Counts: counts, IncludesEnded: true}
	}
	results := func(counts string, kv ...string) FigureFilter {
		return FigureFilter{Dataset: "inspection-results",
			Params: with(base("inspection-results", "inspection_date_from", "inspection_date_to"), kv...), Counts: counts}
	}
	referrals := func(counts string, kv ...string) FigureFilter {
		m := base("criminal-referrals", "from", "to")
		m["from"], m["to"] = domain.QuarterOf(r.From).String(), q.Quarter.String()
		return FigureFilter{Dataset: "criminal-referrals", Params: with(m, kv...), Counts: counts}
	}
	permits := FigureFilter{Dataset: "permits", Params: base("permits", "decision_date_from", "decision_date_to"),
		Counts: "records", IncludesEnded: true}
	pre := string(domain.StagePreAccident)
	largeYuan := strconv.FormatInt(rules.LargeFineYuan, 10)
	one := periodPair{1, 1}
	sum := func(ps ...periodPair) periodPair {
		var s periodPair
		for _, p := range ps {
			s[0], s[1] = s[0]+p[0], s[1]+p[1]
		}
		return s
	}
	return []Figure{
		figure("enterprises_inspected", "检查企业", "家", FigureCount, in.enterprises, one, results("distinct parties")),
		figure("inspections", "检查", "家次", FigureCount, in.inspections, one, results("records")),
		figure("hazards", "发现隐患", "项", FigureCount, in.hazards, one, results("hazards")),
		figure("documents", "执法文书", "份", FigureCount, sum(in.inspections, in.problems, d.cases), one,
			results("records (现场检查记录)"),
			results("records (责令限期整改指令书)", "outcome", string(domain.OutcomeRectified)),
			results("records (责令限期整改指令书)", "outcome", string(domain.OutcomeCase)),
			penalties("records (行政处罚决定书)")),
		figure("cases", "行政处罚案件", "件", FigureCount, d.cases, one, penalties("records")),
		figure("pre_accident_cases", "事前处罚案件", "件", FigureCount, d.pre, one, penalties("records", "stage", pre)),
		figure("pre_accident_share", "事前处罚案件占比", "", FigureShare, d.pre, d.cases,
			penalties("records", "stage", pre), penalties("records")),
		figure("large_cases", "事前罚款"+formatWan(rules.LargeFineYuan)+"以上案件", "件", FigureCount, d.large, one,
			penalties("records", "stage", pre, "fine_min", largeYuan)),
		figure("large_case_share", "占事前处罚案件比例", "", FigureShare, d.large, d.pre,
			penalties("records", "stage", pre, "fine_min", largeYuan), penalties("records", "stage", pre)),
		figure("fines", "罚款金额", "元", FigureAmount, d.fines, one, penalties("fines")),
		figure("pre_accident_fines", "事前罚款金额", "元", FigureAmount, d.preFines, one, penalties("fines", "stage", pre)),
		figure("pre_accident_fine_share", "事前罚款占比", "", FigureShare, d.preFines, d.fines,
			penalties("fines", "stage", pre), penalties("fines")),
		figure("average_pre_accident_fine", "事前案件平均罚款", "元", FigureAmount, d.preFines, d.pre,
			penalties("fines / records", "stage", pre)),
		figure("referrals", "移送司法机关案件", "件", FigureCount, sum(ref.pre, ref.accident), one, referrals("cases")),
		figure("referrals_pre_accident", "事前违法移送案件", "件", FigureCount, ref.pre, one, referrals("cases", "stage", pre)),
		figure("referrals_accident", "事故移送案件", "件", FigureCount, ref.accident, one,
			referrals("cases", "stage", string(domain.StageAccident))),
		figure("referral_persons", "移送涉案人员", "人", FigureCount, ref.persons, one, referrals("persons")),
		figure("penalty_disclosure_rate", "行政处罚按时公开率", "", FigureShare, d.onTime, d.cases,
			penalties("records published within "+strconv.Itoa(PublishDeadlineWorkdays)+" working days"), penalties("records")),
		figure("permits", "行政许可决定", "件", FigureCount, p.count, one, permits),
		figure("permit_disclosure_rate", "行政许可按时公开率", "", FigureShare, p.onTime, p.count,
			FigureFilter{Dataset: permits.Dataset, Params: permits.Params, IncludesEnded: true,
				Counts: "records published within " + strconv.Itoa(PublishDeadlineWorkdays) + " working days"}, permits),
		figure("result_disclosure_rate", "检查结果按时公开率", "", FigureShare, in.onTime, in.inspections,
			results("records published within "+strconv.Itoa(rules.ResultDeadlineWorkdays)+" working days"), results("records")),
	}
}

// figure builds a figure from the period and comparable-period values of
// its numerator and denominator.
func figure(key, label, unit, kind string, num, den periodPair, filters ...FigureFilter) Figure {
	f := Figure{Key: key, Label: label, Unit: unit, Kind: kind, Value: Ratio{num[0], den[0]}, Prev: Ratio{num[1], den[1]},
		Filters: filters}
	if kind != FigureShare && f.Prev.Num > 0 && f.Prev.Den > 0 && f.Value.Den > 0 {
		c := f.Value.Float()/f.Prev.Float() - 1
		f.Change = &c
	}
	return f
}

// formatWan writes whole yuan as a report does: 5万元, 3000元.
func formatWan(yuan int64) string {
	if yuan >= 10_000 && yuan%10_000 == 0 {
		return strconv.FormatInt(yuan/10_000, 10) + "万元"
	}
	return strconv.FormatInt(yuan, 10) + "元"
}

// PlanProgress is a plan with how much of it was done: per target, the
// distinct enterprises of its industry the plan's body inspected in the
// plan's year (published results).
type PlanProgress struct {
	PublishedPlan
	Targets   []TargetProgress
	Planned   int64 // the sum of the targets
	Inspected int64 // distinct enterprises the body inspected in the year, all industries
}

// TargetProgress is the progress of one target of a plan.
type TargetProgress struct {
	Category  string
	Planned   int64
	Inspected int64
}

// PlanProgress returns the plans q selects with their progress as of
// today.
func (pub *Public) PlanProgress(ctx context.Context, q PlanQuery) ([]PlanProgress, error) {
	plans, err := pub.EnforcementPlans(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]PlanProgress, len(plans))
	ids := make([]int64, len(plans))
	for i, p := range plans {
		out[i].PublishedPlan = p
		ids[i] = p.ID
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT e.id, coalesce(p.category, ''), count(DISTINCT `+partyIdentity+`)
		FROM enforcement_plans e JOIN inspection_results p ON p.body_id = e.body_id AND p.status = 'published'
			AND p.inspection_date BETWEEN make_date(e.year, 1, 1) AND make_date(e.year, 12, 31)
		WHERE e.id = ANY($1) GROUP BY GROUPING SETS ((e.id, p.category), (e.id))`, ids)
	if err != nil {
		return nil, fmt.Errorf("store.PlanProgress: %w", err)
	}
	done := map[int64]map[string]int64{}
	var id, n int64
	var category string
	_, err = pgx.ForEachRow(rows, []any{&id, &category, &n}, func() error {
		if done[id] == nil {
			done[id] = map[string]int64{}
		}
		done[id][category] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store.PlanProgress: %w", err)
	}
	for i := range out {
		pp := &out[i]
		pp.Inspected = done[pp.ID][""]
		for _, t := range pp.EnforcementPlan.Targets {
			pp.Targets = append(pp.Targets, TargetProgress{t.Category, int64(t.Enterprises), done[pp.ID][t.Category]})
			pp.Planned += int64(t.Enterprises)
		}
	}
	return out, nil
}
