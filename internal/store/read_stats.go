package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// StatsQuery narrows the statistics to some public records; zero fields do
// not filter. Calendar tells working days for disclosure timeliness.
type StatsQuery struct {
	AgencyCode   string
	DistrictCode string
	DecidedFrom  time.Time
	DecidedTo    time.Time
	Calendar     domain.Calendar
}

// PublishDeadlineWorkdays is how many working days after its decision a
// penalty or permit must be published (reference §4).
const PublishDeadlineWorkdays = 7

// Stats are aggregate figures over the public records (published, and for
// penalties within their publicity period) as of today.
type Stats struct {
	AsOf       time.Time
	Penalties  PenaltyStats
	Permits    PermitStats
	Timeliness Timeliness
}

// Tally is a number of records and the sum of their fines.
type Tally struct {
	Count int64
	Fines domain.Money
}

// PenaltyStats are counts and fine totals of public penalties.
type PenaltyStats struct {
	Tally
	Confiscated domain.Money
	Fined       int64   // penalties with a fine
	ByMonth     []Keyed // key: YYYY-MM of the decision date, oldest first
	ByCategory  []Keyed // key: 处罚类别, in the order of domain.PenaltyCategories
	ByDistrict  []DistrictTally
	ByStage     []Keyed // key: 事前, 事故, or "" when the stage is not reported
	// Decided counts, by month (YYYY-MM) of the decision, every decision
	// made that stands, as the quarterly figures count them: published
	// ones and those withdrawn since because their publicity period ended
	// or by credit repair; revoked and corrected ones are not counted.
	Decided []Keyed
}

// Keyed is a Tally for one key.
type Keyed struct {
	Key string
	Tally
}

// DistrictTally is a Tally for the district of the issuing agencies; Code
// and Name are "" for agencies outside every known district.
type DistrictTally struct {
	Code, Name string
	Tally
}

// PermitStats are counts of public permits.
type PermitStats struct {
	Count      int64
	ByMonth    []Keyed // Fines are zero
	ByDistrict []DistrictTally
	ByState    []Keyed // key: 当前状态
	ByCategory []Keyed // key: 许可类别
}

// Timeliness is how soon public penalties and permits were published after
// their decision, in working days, for all agencies and per agency.
type Timeliness struct {
	DeadlineWorkdays int
	Overall          AgencyTimeliness // AgencyCode and Agency are ""
	Agencies         []AgencyTimeliness
	// Withheld counts the records left out of the figures because no
	// holiday data covers their decision or publication date (or a year
	// between them): their working days cannot be counted, and a count
	// on weekdays alone would be silently wrong.
	Withheld int64
}

// AgencyTimeliness is the disclosure timeliness of one agency: of Records
// decisions, OnTime were published within the deadline; MedianLag is the
// median number of working days from decision to publication.
type AgencyTimeliness struct {
	AgencyCode string
	Agency     string
	Records    int64
	OnTime     int64
	MedianLag  float64
}

// calendarBase is the first date the working-day table covers; decisions
// cannot be older (domain.ParseOptions rejects them).
var calendarBase = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// workdayTable returns, for every date from calendarBase to last, the
// number of working days after calendarBase up to and including it, so the
// working days between two dates a and b are table[b] − table[a], the
// same as Calendar.WorkdaysBetween.
func workdayTable(cal domain.Calendar, last time.Time) []int32 {
	days := int(last.Sub(calendarBase).Hours()/24) + 1
	t := make([]int32, days)
	n := int32(0)
	d := calendarBase
	for i := 1; i < days; i++ {
		d = d.AddDate(0, 0, 1)
		if cal.IsWorkday(d) {
			n++
		}
		t[i] = n
	}
	return t
}

// coveredRuns returns, for every date from calendarBase to last, the
// number of the run of consecutive years with holiday data it falls in
// (1, 2, …), or 0 in a year without: two dates' working days can be
// counted only when both fall in the same run.
func coveredRuns(cal domain.Calendar, last time.Time) []int32 {
	days := int(last.Sub(calendarBase).Hours()/24) + 1
	runs := make([]int32, days)
	run, prev := int32(0), false
	for i, d := 0, calendarBase; i < days; i, d = i+1, d.AddDate(0, 0, 1) {
		covered := cal.Covers(d.Year())
		if covered && !prev {
			run++
		}
		if covered {
			runs[i] = run
		}
		prev = covered
	}
	return runs
}

// Stats computes the statistics q selects from the maintained tallies
// (see aggregates.go): the cost is the number of groups — months ×
// agencies × the grouped dimensions — not the number of records. Only
// the days of a date filter that starts or ends inside a month are
// counted from the records (penaltyGroups, permitGroups, lagGroups,
// through the decision-date index), with the lag of every record looked
// up in a working-day table passed to PostgreSQL; medians come from the
// lag histograms.
func (pub *Public) Stats(ctx context.Context, q StatsQuery) (Stats, error) {
	today := pub.today()
	st := Stats{AsOf: today, Timeliness: Timeliness{DeadlineWorkdays: PublishDeadlineWorkdays}}
	if err := pub.s.syncCalendar(ctx, q.Calendar, today); err != nil {
		return Stats{}, fmt.Errorf("store.Stats: %w", err)
	}
	if err := pub.s.maybeFold(ctx); err != nil {
		return Stats{}, fmt.Errorf("store.Stats: %w", err)
	}
	m := splitMonths(q.DecidedFrom, q.DecidedTo)
	pq := PenaltyQuery{AgencyCode: q.AgencyCode, DistrictCode: q.DistrictCode}
	mq := PermitQuery{AgencyCode: q.AgencyCode, DistrictCode: q.DistrictCode}

	var agencies map[int64]agencyInfo
	var penalties []penaltyGroup
	var permits []permitGroup
	var lags []lagGroup
	var decided []Keyed
	var mu sync.Mutex
	var wg sync.WaitGroup
	var errs []error
	run := func(fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	collect := func(dst any, src any) {
		mu.Lock()
		defer mu.Unlock()
		switch d := dst.(type) {
		case *[]penaltyGroup:
			*d = append(*d, src.([]penaltyGroup)...)
		case *[]permitGroup:
			*d = append(*d, src.([]permitGroup)...)
		case *[]lagGroup:
			*d = append(*d, src.([]lagGroup)...)
		case *[]Keyed:
			*d = append(*d, src.([]Keyed)...)
		}
	}
	run(func() (err error) { agencies, err = pub.agencies(ctx); return })
	if m.whole {
		run(func() error { g, err := pub.publicPenaltyTallies(ctx, m, pq); collect(&penalties, g); return err })
		run(func() error { g, err := pub.publicPermitTallies(ctx, m, mq); collect(&permits, g); return err })
		run(func() error {
			g, err := pub.publicLagTallies(ctx, m, q.AgencyCode, q.DistrictCode)
			collect(&lags, g)
			return err
		})
		run(func() error {
			g, err := pub.decidedTallies(ctx, m, q.AgencyCode, q.DistrictCode)
			collect(&decided, g)
			return err
		})
	}
	for _, e := range m.edges {
		epq, emq := pq, mq
		epq.DecidedFrom, epq.DecidedTo, emq.DecidedFrom, emq.DecidedTo = e[0], e[1], e[0], e[1]
		run(func() error { g, err := pub.penaltyGroups(ctx, epq); collect(&penalties, g); return err })
		run(func() error { g, err := pub.permitGroups(ctx, emq); collect(&permits, g); return err })
		run(func() error { g, err := pub.lagGroups(ctx, epq, emq, q.Calendar, today); collect(&lags, g); return err })
		run(func() error {
			g, err := pub.decidedScan(ctx, e[0], e[1], q.AgencyCode, q.DistrictCode)
			collect(&decided, g)
			return err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Stats{}, fmt.Errorf("store.Stats: %w", err)
	}
	st.Penalties = rollUpPenalties(penalties, agencies)
	st.Penalties.Decided = sumKeyed(decided)
	st.Permits = rollUpPermits(permits, agencies)
	st.Timeliness.Overall, st.Timeliness.Agencies, st.Timeliness.Withheld = rollUpLags(lags, agencies)
	return st, nil
}

type agencyInfo struct {
	code, name, districtCode, district string
}

func (pub *Public) agencies(ctx context.Context) (map[int64]agencyInfo, error) {
	rows, err := pub.s.pool.Query(ctx, `SELECT a.id, a.credit_code, a.name, coalesce(d.code, ''), coalesce(d.name, '')
		FROM agencies a LEFT JOIN districts d ON d.code = a.district_code`)
	if err != nil {
		return nil, fmt.Errorf("agencies: %w", err)
	}
	out := map[int64]agencyInfo{}
	var id int64
	var a agencyInfo
	_, err = pgx.ForEachRow(rows, []any{&id, &a.code, &a.name, &a.districtCode, &a.district}, func() error {
		a.name = pub.rules.Text(a.name) // as in the records
		out[id] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("agencies: %w", err)
	}
	return out, nil
}

type penaltyGroup struct {
	month       string
	agency      int64
	stage       string
	categories  []string
	count       int64
	fines, conf domain.Money
	fined       int64
}

func (pub *Public) penaltyGroups(ctx context.Context, q PenaltyQuery) ([]penaltyGroup, error) {
	w := pub.penaltyWhere(q)
	rows, err := pub.s.pool.Query(ctx, `SELECT to_char(date_trunc('month', p.decision_date), 'YYYY-MM'), p.agency_id,
			coalesce(p.stage::text, ''), p.categories, count(*), (sum(p.fine_yuan) * 100)::bigint,
			(sum(p.confiscated_yuan) * 100)::bigint, count(*) FILTER (WHERE p.fine_yuan > 0)
		FROM penalties p WHERE `+w.sql()+`
		GROUP BY date_trunc('month', p.decision_date), p.agency_id, p.stage, p.categories`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("penalty groups: %w", err)
	}
	var out []penaltyGroup
	var g penaltyGroup
	_, err = pgx.ForEachRow(rows, []any{&g.month, &g.agency, &g.stage, &g.categories, &g.count, &g.fines, &g.conf, &g.fined},
		func() error {
			out = append(out, g)
			g.categories = nil // scan the next row into a fresh slice
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("penalty groups: %w", err)
	}
	return out, nil
}

type permitGroup struct {
	month           string
	agency          int64
	state, category string
	count           int64
}

func (pub *Public) permitGroups(ctx context.Context, q PermitQuery) ([]permitGroup, error) {
	w := permitWhere(q)
	rows, err := pub.s.pool.Query(ctx, `SELECT to_char(date_trunc('month', p.decision_date), 'YYYY-MM'), p.agency_id,
			p.state::text, p.category, count(*)
		FROM permits p WHERE `+w.sql()+`
		GROUP BY date_trunc('month', p.decision_date), p.agency_id, p.state, p.category`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("permit groups: %w", err)
	}
	var out []permitGroup
	var g permitGroup
	_, err = pgx.ForEachRow(rows, []any{&g.month, &g.agency, &g.state, &g.category, &g.count}, func() error {
		out = append(out, g)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("permit groups: %w", err)
	}
	return out, nil
}

type lagGroup struct {
	agency int64
	lag    *int // nil: no holiday data to count the working days
	count  int64
}

// lagGroups counts public penalties and permits by agency and publication
// lag in working days: table[published date] − table[decision date], with
// dates clamped into the table.
func (pub *Public) lagGroups(ctx context.Context, pq PenaltyQuery, mq PermitQuery, cal domain.Calendar, today time.Time) ([]lagGroup, error) {
	last := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	table := workdayTable(cal, last)
	w := &where{args: []any{table, calendarBase, len(table) - 1, coveredRuns(cal, last)}}
	pub.penaltyConds(w, pq)
	penaltyCond := w.sql()
	w.conds = nil
	permitConds(w, mq)
	permitCond := w.sql()
	at := func(array, col string) string {
		return fmt.Sprintf("(%s)[least(greatest(%s - $2::date, 0), $3::int) + 1]", array, col)
	}
	lag := at("$1::int[]", "pd") + ` - ` + at("$1::int[]", "d")
	counted := at("$4::int[]", "d") + ` <> 0 AND ` + at("$4::int[]", "d") + ` = ` + at("$4::int[]", "pd")
	rows, err := pub.s.pool.Query(ctx, `SELECT agency_id, CASE WHEN `+counted+` THEN `+lag+` END AS lag, count(*) FROM (
			SELECT p.agency_id, p.decision_date AS d, (p.published_at AT TIME ZONE 'Asia/Shanghai')::date AS pd
			FROM penalties p WHERE `+penaltyCond+`
			UNION ALL
			SELECT p.agency_id, p.decision_date, (p.published_at AT TIME ZONE 'Asia/Shanghai')::date
			FROM permits p WHERE `+permitCond+`
		) r GROUP BY 1, 2`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("lag groups: %w", err)
	}
	var out []lagGroup
	var g lagGroup
	_, err = pgx.ForEachRow(rows, []any{&g.agency, &g.lag, &g.count}, func() error {
		out = append(out, g)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("lag groups: %w", err)
	}
	return out, nil
}

// tallies accumulates Tallies by key, remembering the order keys appear in.
type tallies struct {
	keys []string
	m    map[string]*Tally
}

func (t *tallies) add(key string, n int64, fines domain.Money) {
	if t.m == nil {
		t.m = map[string]*Tally{}
	}
	x, ok := t.m[key]
	if !ok {
		x = &Tally{}
		t.m[key] = x
		t.keys = append(t.keys, key)
	}
	x.Count += n
	x.Fines += fines
}

// sorted returns the tallies ordered by cmp of their keys.
func (t *tallies) sorted(cmp func(a, b string) int) []Keyed {
	keys := slices.Clone(t.keys)
	slices.SortFunc(keys, cmp)
	out := make([]Keyed, len(keys))
	for i, k := range keys {
		out[i] = Keyed{k, *t.m[k]}
	}
	return out
}

func districtTallies(t *tallies, names map[string]string) []DistrictTally {
	var out []DistrictTally
	for _, k := range t.sorted(strings.Compare) {
		out = append(out, DistrictTally{Code: k.Key, Name: names[k.Key], Tally: k.Tally})
	}
	return out
}

func rollUpPenalties(groups []penaltyGroup, agencies map[int64]agencyInfo) PenaltyStats {
	var st PenaltyStats
	var months, districts, stages, cats tallies
	names := map[string]string{}
	for _, g := range groups {
		st.Count += g.count
		st.Fines += g.fines
		st.Confiscated += g.conf
		st.Fined += g.fined
		months.add(g.month, g.count, g.fines)
		a := agencies[g.agency]
		names[a.districtCode] = a.district
		districts.add(a.districtCode, g.count, g.fines)
		stages.add(g.stage, g.count, g.fines)
		for _, c := range g.categories {
			cats.add(c, g.count, g.fines)
		}
	}
	st.ByMonth = months.sorted(strings.Compare)
	st.ByDistrict = districtTallies(&districts, names)
	stageOrder := []string{string(domain.StagePreAccident), string(domain.StageAccident), ""}
	st.ByStage = stages.sorted(func(a, b string) int { return slices.Index(stageOrder, a) - slices.Index(stageOrder, b) })
	st.ByCategory = cats.sorted(func(a, b string) int {
		return slices.Index(domain.PenaltyCategories, a) - slices.Index(domain.PenaltyCategories, b)
	})
	return st
}

func rollUpPermits(groups []permitGroup, agencies map[int64]agencyInfo) PermitStats {
	var st PermitStats
	var months, districts, states, cats tallies
	names := map[string]string{}
	for _, g := range groups {
		st.Count += g.count
		months.add(g.month, g.count, 0)
		a := agencies[g.agency]
		names[a.districtCode] = a.district
		districts.add(a.districtCode, g.count, 0)
		states.add(g.state, g.count, 0)
		cats.add(g.category, g.count, 0)
	}
	st.ByMonth = months.sorted(strings.Compare)
	st.ByDistrict = districtTallies(&districts, names)
	stateOrder := []string{string(domain.PermitValid), string(domain.PermitInvalid)}
	st.ByState = states.sorted(func(a, b string) int { return slices.Index(stateOrder, a) - slices.Index(stateOrder, b) })
	st.ByCategory = cats.sorted(func(a, b string) int {
		return slices.Index(domain.PermitCategories, a) - slices.Index(domain.PermitCategories, b)
	})
	return st
}

// rollUpLags turns lag histograms into timeliness overall and per agency
// (ordered by name, then code).
func rollUpLags(groups []lagGroup, agencies map[int64]agencyInfo) (overall AgencyTimeliness, out []AgencyTimeliness, withheld int64) {
	all := map[int]int64{}
	per := map[int64]map[int]int64{}
	for _, g := range groups {
		if g.lag == nil {
			withheld += g.count
			continue
		}
		all[*g.lag] += g.count
		if per[g.agency] == nil {
			per[g.agency] = map[int]int64{}
		}
		per[g.agency][*g.lag] += g.count
	}
	overall = timeliness(all)
	for id, h := range per {
		t := timeliness(h)
		t.AgencyCode, t.Agency = agencies[id].code, agencies[id].name
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b AgencyTimeliness) int {
		if c := strings.Compare(a.Agency, b.Agency); c != 0 {
			return c
		}
		return strings.Compare(a.AgencyCode, b.AgencyCode)
	})
	return overall, out, withheld
}

// timeliness summarises a histogram of lags: how many records, how many
// on time, and the median lag (the mean of the two middle values for an
// even count, as percentile_cont(0.5)).
func timeliness(h map[int]int64) AgencyTimeliness {
	var t AgencyTimeliness
	lags := make([]int, 0, len(h))
	for lag, n := range h {
		lags = append(lags, lag)
		t.Records += n
		if lag <= PublishDeadlineWorkdays {
			t.OnTime += n
		}
	}
	if t.Records == 0 {
		return t
	}
	slices.Sort(lags)
	at := func(i int64) int { // the i-th smallest lag, 0-based
		for _, l := range lags {
			if i < h[l] {
				return l
			}
			i -= h[l]
		}
		return lags[len(lags)-1]
	}
	if t.Records%2 == 1 {
		t.MedianLag = float64(at(t.Records / 2))
	} else {
		t.MedianLag = float64(at(t.Records/2-1)+at(t.Records/2)) / 2
	}
	return t
}
