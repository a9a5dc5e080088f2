package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// Calendar tells working days from days off: Monday to Friday are working
// days and weekends are off, except for the listed holidays (days off,
// 放假) and make-up working days (调休上班, usually a weekend day).
//
// A calendar covers the years whose official holidays it knows. Only
// there is a count of working days right: elsewhere IsWorkday,
// AddWorkdays and WorkdaysBetween see weekends only. Figures that are
// published — disclosure timeliness — use Workdays or Deadline, which
// return an error wrapping ErrNoCalendar for a date in a year not covered,
// or check Covers themselves. The zero Calendar covers no year.
//
// Every method works on calendar dates: a time.Time argument stands for its
// date in its own location (t.Date()), and dates returned are at 00:00 UTC.
// Convert instants with ChinaDate first.
type Calendar struct {
	holidays map[string]bool // DateLayout keys
	workdays map[string]bool
	years    map[int]bool // years whose holidays are all known
}

// ErrNoCalendar is wrapped by the errors of Calendar methods asked about a
// year the calendar has no holiday data for.
var ErrNoCalendar = errors.New("no holiday data")

// NoCalendarError names the year a calendar does not cover.
type NoCalendarError struct{ Year int }

func (e *NoCalendarError) Error() string {
	return fmt.Sprintf("calendar: no holiday data for %d (add the year's holidays and make-up working days with PORTAL_CALENDAR)", e.Year)
}

func (e *NoCalendarError) Unwrap() error { return ErrNoCalendar }

// calendarFile is the JSON form of a Calendar.
type calendarFile struct {
	Years    []int    `json:"years,omitempty"`
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

// NewCalendar returns a calendar covering years, with the given holidays
// and make-up working days. A date in both lists, or in a year not covered,
// is an error.
func NewCalendar(years []int, holidays, workdays []time.Time) (Calendar, error) {
	c := Calendar{holidays: map[string]bool{}, workdays: map[string]bool{}, years: map[int]bool{}}
	for _, y := range years {
		c.years[y] = true
	}
	for _, d := range holidays {
		if !c.years[d.Year()] {
			return Calendar{}, &NoCalendarError{Year: d.Year()}
		}
		c.holidays[dateKey(d)] = true
	}
	for _, d := range workdays {
		k := dateKey(d)
		switch {
		case c.holidays[k]:
			return Calendar{}, fmt.Errorf("calendar: %s is both a holiday and a working day", k)
		case !c.years[d.Year()]:
			return Calendar{}, &NoCalendarError{Year: d.Year()}
		}
		c.workdays[k] = true
	}
	return c, nil
}

// DefaultCalendar returns the mainland China public holidays and make-up
// working days from the State Council's yearly notices, as the
// github.com/6tail/lunar-go holiday tables hold them (from 2002; each
// year's data is released days after its notice, usually in November of
// the year before). It covers exactly the years those tables hold the
// holidays of. Each call returns a calendar of its own.
func DefaultCalendar() Calendar {
	base := officialCalendar()
	return Calendar{holidays: maps.Clone(base.holidays), workdays: maps.Clone(base.workdays), years: maps.Clone(base.years)}
}

// officialCalendar reads the lunar-go tables once.
var officialCalendar = sync.OnceValue(func() Calendar {
	c := Calendar{holidays: map[string]bool{}, workdays: map[string]bool{}, years: map[int]bool{}}
	var days []*HolidayUtil.Holiday
	for y := 2001; y <= 2100; y++ {
		for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
			h := e.Value.(*HolidayUtil.Holiday)
			days = append(days, h)
			if !h.IsWork() && strings.HasPrefix(h.GetTarget(), strconv.Itoa(y)) {
				c.years[y] = true // a holiday of the year itself, not a make-up day for the next 元旦
			}
		}
	}
	for _, h := range days {
		day := h.GetDay()
		if y, _ := strconv.Atoi(day[:4]); !c.years[y] {
			continue // 2001-12-29, worked for 2002's 元旦, in a year otherwise unknown
		}
		if h.IsWork() {
			c.workdays[day] = true
		} else {
			c.holidays[day] = true
		}
	}
	return c
})

// LoadCalendar returns DefaultCalendar with the dates of a JSON file applied
// on top, in the form
//
//	{"years": [2028], "holidays": ["2028-01-01", …], "workdays": ["2028-01-29", …]}
//
// "years" adds years the file gives every holiday and make-up working day
// of, so that they count as covered. A listed holiday stops being a working
// day and a listed working day stops being a holiday, so the file can both
// add a year and correct (or add a local holiday to) a covered one. Dates
// are YYYY-MM-DD, each in a covered year; unknown keys, other date forms or
// a date in both lists are errors.
func LoadCalendar(r io.Reader) (Calendar, error) {
	var f calendarFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Calendar{}, fmt.Errorf("calendar: %w", err)
	}
	c := DefaultCalendar()
	for _, y := range f.Years {
		if y < 1990 || y > 2100 {
			return Calendar{}, fmt.Errorf("calendar: year %d is out of range", y)
		}
		c.years[y] = true
	}
	parse := func(what, s string) (string, error) {
		d, err := time.Parse(DateLayout, s)
		if err != nil {
			return "", fmt.Errorf("calendar: %s %q is not a YYYY-MM-DD date", what, s)
		}
		if !c.years[d.Year()] {
			return "", fmt.Errorf("calendar: %s %s is in %d, which has no holiday data: list %d under \"years\" once the file gives all of its holidays and make-up working days",
				what, s, d.Year(), d.Year())
		}
		return dateKey(d), nil
	}
	seen := map[string]bool{}
	for _, s := range f.Holidays {
		k, err := parse("holiday", s)
		if err != nil {
			return Calendar{}, err
		}
		seen[k] = true
		c.holidays[k] = true
		delete(c.workdays, k)
	}
	for _, s := range f.Workdays {
		k, err := parse("working day", s)
		if err != nil {
			return Calendar{}, err
		}
		if seen[k] {
			return Calendar{}, fmt.Errorf("calendar: %s is both a holiday and a working day", k)
		}
		c.workdays[k] = true
		delete(c.holidays, k)
	}
	return c, nil
}

// Covers reports whether c knows the holidays of year.
func (c Calendar) Covers(year int) bool { return c.years[year] }

// KnownYears returns the years c covers, in order.
func (c Calendar) KnownYears() []int {
	ys := slices.Collect(maps.Keys(c.years))
	slices.Sort(ys)
	return ys
}

// CheckSpan returns nil when c covers every year from a's to b's (in either
// order), else a *NoCalendarError for the first year it does not.
func (c Calendar) CheckSpan(a, b time.Time) error {
	ya, yb := a.Year(), b.Year()
	if yb < ya {
		ya, yb = yb, ya
	}
	for y := ya; y <= yb; y++ {
		if !c.years[y] {
			return &NoCalendarError{Year: y}
		}
	}
	return nil
}

// Workdays is WorkdaysBetween for dates c covers: it returns an error
// wrapping ErrNoCalendar instead of a count when a year from a to b is not
// covered.
func (c Calendar) Workdays(a, b time.Time) (int, error) {
	if err := c.CheckSpan(a, b); err != nil {
		return 0, err
	}
	return c.WorkdaysBetween(a, b), nil
}

// Deadline is AddWorkdays for dates c covers: it returns an error wrapping
// ErrNoCalendar when the count runs through a year not covered.
func (c Calendar) Deadline(d time.Time, n int) (time.Time, error) {
	if err := c.CheckSpan(d, d); err != nil {
		return time.Time{}, err
	}
	e := c.AddWorkdays(d, n)
	if err := c.CheckSpan(d, e); err != nil {
		return time.Time{}, err
	}
	return e, nil
}

// MarshalJSON writes c in the form LoadCalendar reads, years and dates
// sorted.
func (c Calendar) MarshalJSON() ([]byte, error) {
	f := calendarFile{Years: c.KnownYears(), Holidays: sortedKeys(c.holidays), Workdays: sortedKeys(c.workdays)}
	return json.Marshal(f)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// IsWorkday reports whether d is a working day; in a year c does not
// cover, whether it is a weekday.
func (c Calendar) IsWorkday(d time.Time) bool {
	k := dateKey(d)
	switch {
	case c.workdays[k]:
		return true
	case c.holidays[k]:
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkdays returns the date n working days after d (before d if n is
// negative), not counting d itself; for n = 0 it returns d's date. The
// deadline "within 7 working days of the decision" is AddWorkdays(decision, 7).
// It does not check that c covers the dates: see Deadline.
func (c Calendar) AddWorkdays(d time.Time, n int) time.Time {
	d = dateOf(d)
	step := 1
	if n < 0 {
		step, n = -1, -n
	}
	for n > 0 {
		d = d.AddDate(0, 0, step)
		if c.IsWorkday(d) {
			n--
		}
	}
	return d
}

// WorkdaysBetween returns how many working days follow a up to and including
// b — so WorkdaysBetween(d, c.AddWorkdays(d, n)) == n — and the negative of
// the count from b to a when b is before a. A record published on day p was
// on time when WorkdaysBetween(decision, p) <= 7. It does not check that c
// covers the dates: see Workdays.
func (c Calendar) WorkdaysBetween(a, b time.Time) int {
	a, b = dateOf(a), dateOf(b)
	sign := 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return sign * n
}

// dateOf returns t's calendar date (in t's location) at 00:00 UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func dateKey(t time.Time) string { return dateOf(t).Format(DateLayout) }
