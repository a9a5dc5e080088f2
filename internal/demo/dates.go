package demo

import (
	"math/rand/v2"
	"sort"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

// china is China Standard Time, in which decisions are dated and published.
var china = domain.China

// firstDay is the first decision date of the demo data.
var firstDay = time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)

// amendment2021 is when the amended 安全生产法 came into force.
var amendment2021 = time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC)

// workdays answers working-day questions for the dates of the data set
// from a precomputed table; domain.Calendar, which it is built from,
// formats a key for every day it looks at, too slow for a million records.
type workdays struct {
	cal   domain.Calendar
	first time.Time
	rank  []int32     // by day offset: working days from first up to and including that day
	days  []time.Time // the working days in order; days[rank-1] has that rank
}

func newWorkdays(cal domain.Calendar, first, last time.Time) *workdays {
	w := &workdays{cal: cal, first: first}
	var n int32
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		if cal.IsWorkday(d) {
			n++
			w.days = append(w.days, d)
		}
		w.rank = append(w.rank, n)
	}
	return w
}

func (w *workdays) offset(d time.Time) (int, bool) {
	o := int(d.Sub(w.first).Hours() / 24)
	return o, o >= 0 && o < len(w.rank)
}

// add returns the date n ≥ 0 working days after d (domain.Calendar.AddWorkdays).
func (w *workdays) add(d time.Time, n int) time.Time {
	if o, ok := w.offset(d); ok {
		if r := int(w.rank[o]) + n; r >= 1 && r <= len(w.days) {
			return w.days[r-1]
		}
	}
	return w.cal.AddWorkdays(d, n)
}

// between returns how many working days follow a up to and including b
// (domain.Calendar.WorkdaysBetween).
func (w *workdays) between(a, b time.Time) int {
	oa, okA := w.offset(a)
	ob, okB := w.offset(b)
	if okA && okB {
		return int(w.rank[ob] - w.rank[oa])
	}
	return w.cal.WorkdaysBetween(a, b)
}

// timeline maps a position u in [0, 1) to a working day between first and
// last, denser where enforcement was busier, so records generated in
// order of u come out in date order whatever their number.
type timeline struct {
	days []time.Time // working days
	cum  []float64   // cumulative weight up to and including days[i]
}

// yearWeight is the relative number of decisions per working day of a
// year: enforcement grew after the 2019 reform and the 2021 amendment and
// dipped in 2020.
func yearWeight(y int) float64 {
	switch {
	case y <= 2017:
		return 0.75
	case y == 2018:
		return 0.85
	case y == 2019:
		return 1.05
	case y == 2020:
		return 0.9
	case y == 2021:
		return 1.1
	default:
		return 1.25
	}
}

// recentDays is the span of an all-public data set (Options.AllPublic):
// shorter than the shortest publicity period (轻微, 3 months), so that no
// decision has expired by the data set's today.
const recentDays = 60

// firstDecisionDay is the first decision date of a data set as of today.
func firstDecisionDay(today time.Time, allPublic bool) time.Time {
	if allPublic {
		return today.AddDate(0, 0, -recentDays)
	}
	return firstDay
}

// newTimeline spreads decisions over the working days of w from first to
// last by weight.
func newTimeline(w *workdays, first, last time.Time, weight func(time.Time) float64) *timeline {
	t := &timeline{}
	total := 0.0
	for _, d := range w.days {
		if d.Before(first) {
			continue
		}
		if d.After(last) {
			break
		}
		total += weight(d)
		t.days = append(t.days, d)
		t.cum = append(t.cum, total)
	}
	if len(t.days) == 0 { // a range without a working day: use its first day
		t.days, t.cum = []time.Time{w.first}, []float64{1}
	}
	return t
}

// at returns the working day at position u (0 ≤ u < 1); it never decreases
// as u grows.
func (t *timeline) at(u float64) time.Time {
	target := u * t.cum[len(t.cum)-1]
	i := sort.SearchFloat64s(t.cum, target)
	if i >= len(t.days) {
		i = len(t.days) - 1
	}
	return t.days[i]
}

// penaltyWeight is the density of penalty decisions: by year, lighter in
// January and around the Spring Festival, heavier in the autumn campaigns.
func penaltyWeight(d time.Time) float64 {
	w := yearWeight(d.Year())
	switch d.Month() {
	case time.January:
		w *= 0.8
	case time.February:
		w *= 0.6
	case time.October, time.November:
		w *= 1.15
	}
	return w
}

// permitWeight is the density of permit decisions; fireworks retail
// licences cluster before the Spring Festival (see permits.go).
func permitWeight(d time.Time) float64 {
	return yearWeight(d.Year())
}

// instant returns the instant of a China date at a random office hour
// (08:30–17:30).
func instant(r *rand.Rand, day time.Time) time.Time {
	min := 8*60 + 30 + r.IntN(9*60)
	return time.Date(day.Year(), day.Month(), day.Day(), min/60, min%60, r.IntN(60), 0, china)
}

// publicationLag draws how many working days after its decision a record
// is published: 1 to 9, mostly within the 7 the rules allow.
func publicationLag(r *rand.Rand) int {
	switch n := r.IntN(100); {
	case n < 10:
		return 1
	case n < 25:
		return 2
	case n < 43:
		return 3
	case n < 60:
		return 4
	case n < 74:
		return 5
	case n < 84:
		return 6
	case n < 93:
		return 7
	case n < 97:
		return 8
	default:
		return 9
	}
}

// publishedAt returns when a decision of the given date was published:
// lag working days later at an office hour, but never after now.
func publishedAt(r *rand.Rand, w *workdays, decision time.Time, now time.Time) time.Time {
	at := instant(r, w.add(decision, publicationLag(r)))
	if !at.After(now) {
		return at
	}
	// Decided in the last few days: published at some point since.
	start := time.Date(decision.Year(), decision.Month(), decision.Day(), 8, 30, 0, 0, china)
	if !now.After(start) {
		return now
	}
	return start.Add(time.Duration(r.Int64N(int64(now.Sub(start)))))
}
