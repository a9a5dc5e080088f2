package domain

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"
)

// Calendar tells working days from days off: Monday to Friday are working
// days and weekends are off, except for the listed holidays (days off,
// 放假) and make-up working days (调休上班, usually a weekend day). The zero
// Calendar has weekends only.
//
// Every method works on calendar dates: a time.Time argument stands for its
// date in its own location (t.Date()), and dates returned are at 00:00 UTC.
// Convert instants with ChinaDate first.
type Calendar struct {
	holidays map[string]bool // DateLayout keys
	workdays map[string]bool
}

// calendarFile is the JSON form of a Calendar.
type calendarFile struct {
	Holidays []string `json:"holidays"`
	Workdays []string `json:"workdays"`
}

// NewCalendar returns a calendar with the given holidays and make-up working
// days. A date in both lists is an error.
func NewCalendar(holidays, workdays []time.Time) (Calendar, error) {
	c := Calendar{holidays: map[string]bool{}, workdays: map[string]bool{}}
	for _, d := range holidays {
		c.holidays[dateKey(d)] = true
	}
	for _, d := range workdays {
		k := dateKey(d)
		if c.holidays[k] {
			return Calendar{}, fmt.Errorf("calendar: %s is both a holiday and a working day", k)
		}
		c.workdays[k] = true
	}
	return c, nil
}

// DefaultCalendar returns the mainland China public holidays and make-up
// working days of 2024, 2025 and 2026, from the State Council notices
// (国办发明电〔2023〕7号, 〔2024〕12号 and the notice of 2025-11-04). Every
// year the new notice must be checked and added — until then that year has
// weekends only — through a JSON file read by LoadCalendar.
func DefaultCalendar() Calendar {
	c := Calendar{holidays: map[string]bool{}, workdays: map[string]bool{}}
	for _, h := range defaultHolidays {
		from, _ := time.Parse(DateLayout, h.from)
		to, _ := time.Parse(DateLayout, h.to)
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			c.holidays[dateKey(d)] = true
		}
	}
	for _, k := range defaultWorkdays {
		c.workdays[k] = true
	}
	return c
}

// defaultHolidays are the days-off ranges (inclusive) of the State Council
// notices, weekends within them included.
var defaultHolidays = []struct{ from, to string }{
	// 2024
	{"2024-01-01", "2024-01-01"}, // 元旦
	{"2024-02-10", "2024-02-17"}, // 春节
	{"2024-04-04", "2024-04-06"}, // 清明节
	{"2024-05-01", "2024-05-05"}, // 劳动节
	{"2024-06-10", "2024-06-10"}, // 端午节
	{"2024-09-15", "2024-09-17"}, // 中秋节
	{"2024-10-01", "2024-10-07"}, // 国庆节
	// 2025
	{"2025-01-01", "2025-01-01"}, // 元旦
	{"2025-01-28", "2025-02-04"}, // 春节
	{"2025-04-04", "2025-04-06"}, // 清明节
	{"2025-05-01", "2025-05-05"}, // 劳动节
	{"2025-05-31", "2025-06-02"}, // 端午节
	{"2025-10-01", "2025-10-08"}, // 国庆节、中秋节
	// 2026
	{"2026-01-01", "2026-01-03"}, // 元旦
	{"2026-02-15", "2026-02-23"}, // 春节
	{"2026-04-04", "2026-04-06"}, // 清明节
	{"2026-05-01", "2026-05-05"}, // 劳动节
	{"2026-06-19", "2026-06-21"}, // 端午节
	{"2026-09-25", "2026-09-27"}, // 中秋节
	{"2026-10-01", "2026-10-07"}, // 国庆节
}

// defaultWorkdays are the make-up working days (调休上班) of the same notices.
var defaultWorkdays = []string{
	"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12",
	"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
	"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
}

// LoadCalendar returns DefaultCalendar with the dates of a JSON file applied
// on top, in the form
//
//	{"holidays": ["2027-01-01", …], "workdays": ["2027-02-07", …]}
//
// A listed holiday stops being a working day and a listed working day stops
// being a holiday, so the file can both add a year and correct a default
// date. Dates are YYYY-MM-DD; unknown keys, other date forms or a date in
// both lists are errors.
func LoadCalendar(r io.Reader) (Calendar, error) {
	var f calendarFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return Calendar{}, fmt.Errorf("calendar: %w", err)
	}
	c := DefaultCalendar()
	seen := map[string]bool{}
	for _, s := range f.Holidays {
		d, err := time.Parse(DateLayout, s)
		if err != nil {
			return Calendar{}, fmt.Errorf("calendar: holiday %q is not a YYYY-MM-DD date", s)
		}
		k := dateKey(d)
		seen[k] = true
		c.holidays[k] = true
		delete(c.workdays, k)
	}
	for _, s := range f.Workdays {
		d, err := time.Parse(DateLayout, s)
		if err != nil {
			return Calendar{}, fmt.Errorf("calendar: working day %q is not a YYYY-MM-DD date", s)
		}
		k := dateKey(d)
		if seen[k] {
			return Calendar{}, fmt.Errorf("calendar: %s is both a holiday and a working day", k)
		}
		c.workdays[k] = true
		delete(c.holidays, k)
	}
	return c, nil
}

// MarshalJSON writes c in the form LoadCalendar reads, dates sorted.
func (c Calendar) MarshalJSON() ([]byte, error) {
	f := calendarFile{Holidays: sortedKeys(c.holidays), Workdays: sortedKeys(c.workdays)}
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

// IsWorkday reports whether d is a working day.
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
// on time when WorkdaysBetween(decision, p) <= 7.
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
