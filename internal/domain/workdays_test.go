package domain

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestDefaultCalendar(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		date time.Time
		want bool
	}{
		{ymd(2024, 1, 1), false},  // 元旦, Monday
		{ymd(2024, 2, 4), true},   // 调休 Sunday
		{ymd(2024, 2, 9), true},   // 除夕 2024 was not a holiday
		{ymd(2024, 2, 12), false}, // 春节, Monday
		{ymd(2024, 2, 18), true},  // 调休 Sunday
		{ymd(2024, 5, 11), true},  // 调休 Saturday
		{ymd(2024, 6, 10), false}, // 端午
		{ymd(2024, 9, 14), true},  // 调休 Saturday
		{ymd(2025, 1, 28), false}, // 除夕 2025
		{ymd(2025, 2, 8), true},   // 调休 Saturday
		{ymd(2025, 4, 27), true},  // 调休 Sunday
		{ymd(2025, 6, 2), false},  // 端午, Monday
		{ymd(2025, 10, 8), false}, // 国庆 + 中秋, Wednesday
		{ymd(2025, 10, 11), true}, // 调休 Saturday
		{ymd(2026, 1, 2), false},  // 元旦, Friday
		{ymd(2026, 1, 4), true},   // 调休 Sunday
		{ymd(2026, 2, 23), false}, // 春节, Monday
		{ymd(2026, 2, 28), true},  // 调休 Saturday
		{ymd(2026, 9, 20), true},  // 调休 Sunday
		{ymd(2026, 10, 7), false}, // 国庆, Wednesday
		{ymd(2024, 3, 2), false},  // an ordinary Saturday
		{ymd(2024, 3, 4), true},   // an ordinary Monday
		{ymd(2027, 2, 8), false},  // 春节 2027, Monday
		{ymd(2027, 2, 14), true},  // 调休 Sunday
		{ymd(2030, 1, 1), true},   // no data: weekdays work
		{time.Date(2024, 2, 12, 23, 0, 0, 0, time.FixedZone("CST", 8*3600)), false},
	}
	for _, tt := range tests {
		if got := c.IsWorkday(tt.date); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date.Format(DateLayout), got, tt.want)
		}
	}
	// Sanity of the data: make-up days are not holidays and, since 2013,
	// fall on weekends (the tables also mark a few weekdays of 2012 and
	// before that were worked anyway).
	for k := range c.workdays {
		d, _ := time.Parse(DateLayout, k)
		if wd := d.Weekday(); d.Year() >= 2013 && wd != time.Saturday && wd != time.Sunday {
			t.Errorf("make-up working day %s is a %s", k, wd)
		}
		if c.holidays[k] {
			t.Errorf("%s is both a holiday and a working day", k)
		}
	}
}

// noticeHolidays and noticeWorkdays are the days off (weekends within them
// included) and make-up working days of the State Council notices for
// 2024, 2025 and 2026 (国办发明电〔2023〕7号, 〔2024〕12号 and the notice of
// 2025-11-04), transcribed by hand: the calendar Gongshi kept before it
// took its data from lunar-go.
var noticeHolidays = []struct{ from, to string }{
	{"2024-01-01", "2024-01-01"}, {"2024-02-10", "2024-02-17"}, {"2024-04-04", "2024-04-06"},
	{"2024-05-01", "2024-05-05"}, {"2024-06-10", "2024-06-10"}, {"2024-09-15", "2024-09-17"},
	{"2024-10-01", "2024-10-07"},
	{"2025-01-01", "2025-01-01"}, {"2025-01-28", "2025-02-04"}, {"2025-04-04", "2025-04-06"},
	{"2025-05-01", "2025-05-05"}, {"2025-05-31", "2025-06-02"}, {"2025-10-01", "2025-10-08"},
	{"2026-01-01", "2026-01-03"}, {"2026-02-15", "2026-02-23"}, {"2026-04-04", "2026-04-06"},
	{"2026-05-01", "2026-05-05"}, {"2026-06-19", "2026-06-21"}, {"2026-09-25", "2026-09-27"},
	{"2026-10-01", "2026-10-07"},
}

var noticeWorkdays = []string{
	"2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12",
	"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
	"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
}

// TestDefaultCalendarMatchesNotices compares the library's data with the
// hand-kept table, day by day, for 2024–2026.
func TestDefaultCalendarMatchesNotices(t *testing.T) {
	off := map[string]bool{}
	for _, h := range noticeHolidays {
		from, _ := time.Parse(DateLayout, h.from)
		to, _ := time.Parse(DateLayout, h.to)
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			off[dateKey(d)] = true
		}
	}
	work := map[string]bool{}
	for _, k := range noticeWorkdays {
		work[k] = true
	}
	c := DefaultCalendar()
	days := 0
	for d := ymd(2024, 1, 1); d.Year() <= 2026; d = d.AddDate(0, 0, 1) {
		k := dateKey(d)
		wd := d.Weekday()
		want := work[k] || !off[k] && wd != time.Saturday && wd != time.Sunday
		if got := c.IsWorkday(d); got != want {
			t.Errorf("%s (%s): IsWorkday = %v, the notice says %v", k, wd, got, want)
		}
		days++
	}
	if days != 366+365+365 {
		t.Fatalf("compared %d days", days)
	}
}

func TestCalendarCoverage(t *testing.T) {
	c := DefaultCalendar()
	years := c.KnownYears()
	if len(years) == 0 || years[0] != 2002 {
		t.Fatalf("KnownYears = %v, want 2002 onwards", years)
	}
	for y := 2002; y <= 2027; y++ {
		if !c.Covers(y) {
			t.Errorf("%d not covered", y)
		}
	}
	for _, y := range []int{1990, 2001, years[len(years)-1] + 1} {
		if c.Covers(y) {
			t.Errorf("%d covered", y)
		}
	}
	last := years[len(years)-1]
	if n, err := c.Workdays(ymd(2025, 1, 27), ymd(2025, 2, 12)); n != 7 || err != nil {
		t.Errorf("Workdays = %d, %v", n, err)
	}
	// A span into a year without data is an error naming the year, never
	// a count of weekdays.
	_, err := c.Workdays(ymd(last, 12, 20), ymd(last+1, 1, 10))
	var nc *NoCalendarError
	if !errors.Is(err, ErrNoCalendar) || !errors.As(err, &nc) || nc.Year != last+1 || !strings.Contains(err.Error(), "PORTAL_CALENDAR") {
		t.Errorf("Workdays into %d: %v", last+1, err)
	}
	if _, err := c.Workdays(ymd(1995, 3, 1), ymd(1995, 3, 20)); !errors.Is(err, ErrNoCalendar) {
		t.Errorf("Workdays in 1995: %v", err)
	}
	if d, err := c.Deadline(ymd(2024, 9, 27), 3); err != nil || !d.Equal(ymd(2024, 10, 8)) {
		t.Errorf("Deadline = %s, %v", d, err)
	}
	if _, err := c.Deadline(ymd(last, 12, 28), 7); !errors.Is(err, ErrNoCalendar) {
		t.Errorf("Deadline running into %d: %v", last+1, err)
	}
	if _, err := c.Deadline(ymd(last+1, 3, 1), 0); !errors.Is(err, ErrNoCalendar) {
		t.Errorf("Deadline in %d: %v", last+1, err)
	}
	var zero Calendar
	if zero.Covers(2025) || len(zero.KnownYears()) != 0 {
		t.Error("the zero Calendar covers a year")
	}
	// Each call is a calendar of its own.
	c.holidays["2025-03-03"] = true
	if !DefaultCalendar().IsWorkday(ymd(2025, 3, 3)) {
		t.Error("DefaultCalendar shares its maps")
	}
}

func TestAddWorkdays(t *testing.T) {
	c := DefaultCalendar()
	tests := []struct {
		from time.Time
		n    int
		want time.Time
	}{
		{ymd(2024, 3, 4), 0, ymd(2024, 3, 4)},
		{ymd(2024, 3, 4), 1, ymd(2024, 3, 5)},
		{ymd(2024, 3, 8), 1, ymd(2024, 3, 11)}, // Friday → Monday
		{ymd(2024, 3, 9), 1, ymd(2024, 3, 11)}, // from a Saturday
		{ymd(2024, 3, 4), 7, ymd(2024, 3, 13)},
		// Across the 2025 Spring Festival: 1-28 … 2-4 off, 2-8 worked.
		{ymd(2025, 1, 27), 7, ymd(2025, 2, 12)},
		// Across 国庆 2024: 10-1 … 10-7 off, 9-29 and 10-12 worked.
		{ymd(2024, 9, 27), 3, ymd(2024, 10, 8)},
		{ymd(2024, 3, 13), -7, ymd(2024, 3, 4)},
		{ymd(2024, 3, 11), -1, ymd(2024, 3, 8)},
	}
	for _, tt := range tests {
		got := c.AddWorkdays(tt.from, tt.n)
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s", tt.from.Format(DateLayout), tt.n, got.Format(DateLayout), tt.want.Format(DateLayout))
		}
	}
}

func TestWorkdaysBetween(t *testing.T) {
	c := DefaultCalendar()
	if got := c.WorkdaysBetween(ymd(2025, 1, 27), ymd(2025, 2, 12)); got != 7 {
		t.Errorf("WorkdaysBetween = %d, want 7", got)
	}
	if got := c.WorkdaysBetween(ymd(2025, 2, 12), ymd(2025, 1, 27)); got != -7 {
		t.Errorf("WorkdaysBetween reversed = %d, want -7", got)
	}
	if got := c.WorkdaysBetween(ymd(2024, 3, 4), ymd(2024, 3, 4)); got != 0 {
		t.Errorf("WorkdaysBetween same day = %d", got)
	}
	// WorkdaysBetween inverts AddWorkdays from any working day.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 500 {
		d := ymd(2024, 1, 1).AddDate(0, 0, rng.IntN(1100))
		n := rng.IntN(61) - 30
		if !c.IsWorkday(d) {
			continue
		}
		e := c.AddWorkdays(d, n)
		if got := c.WorkdaysBetween(d, e); got != n {
			t.Fatalf("WorkdaysBetween(%s, AddWorkdays(…, %d) = %s) = %d", d.Format(DateLayout), n, e.Format(DateLayout), got)
		}
	}
}

func TestLoadCalendar(t *testing.T) {
	c, err := LoadCalendar(strings.NewReader(`{"years": [2031], "holidays": ["2031-01-01", "2024-02-04"], "workdays": ["2024-02-12", "2031-01-04"]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		date time.Time
		want bool
	}{
		{ymd(2031, 1, 1), false}, // added
		{ymd(2031, 1, 4), true},  // a Saturday worked
		{ymd(2031, 1, 2), true},
		{ymd(2024, 2, 4), false}, // a default make-up day corrected
		{ymd(2024, 2, 12), true}, // a default holiday corrected
		{ymd(2024, 2, 13), false},
	} {
		if got := c.IsWorkday(tt.date); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date.Format(DateLayout), got, tt.want)
		}
	}
	if !c.Covers(2031) || !c.Covers(2025) || c.Covers(2030) {
		t.Errorf("KnownYears = %v", c.KnownYears())
	}
	for _, js := range []string{
		`{`,
		`{"holiday": []}`,
		`{"holidays": ["2027/01/01"]}`,
		`{"workdays": ["2027-02-30"]}`,
		`{"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}`,
		`{"holidays": ["2031-01-01"]}`, // a year without data, not declared
		`{"years": [3000]}`,
	} {
		if _, err := LoadCalendar(strings.NewReader(js)); err == nil {
			t.Errorf("LoadCalendar(%s) succeeded", js)
		}
	}
	_, err = LoadCalendar(strings.NewReader(`{"workdays": ["2031-01-04"]}`))
	if !strings.Contains(err.Error(), `list 2031 under "years"`) {
		t.Errorf("undeclared year: %v", err)
	}
}

func TestCalendarJSONRoundTrip(t *testing.T) {
	def := DefaultCalendar()
	js, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	c, err := LoadCalendar(strings.NewReader(string(js)))
	if err != nil {
		t.Fatal(err)
	}
	js2, _ := json.Marshal(c)
	if string(js) != string(js2) {
		t.Errorf("round trip changed the calendar:\n%s\n%s", js, js2)
	}
	if _, err := NewCalendar([]int{2027}, []time.Time{ymd(2027, 1, 1)}, []time.Time{ymd(2027, 1, 1)}); err == nil {
		t.Error("NewCalendar accepted a date in both lists")
	}
	if _, err := NewCalendar([]int{2027}, []time.Time{ymd(2028, 1, 1)}, nil); !errors.Is(err, ErrNoCalendar) {
		t.Errorf("NewCalendar with a date outside its years: %v", err)
	}
	nc, err := NewCalendar([]int{2027}, []time.Time{ymd(2027, 1, 1)}, []time.Time{ymd(2027, 1, 2)})
	if err != nil || nc.IsWorkday(ymd(2027, 1, 1)) || !nc.IsWorkday(ymd(2027, 1, 2)) || !nc.Covers(2027) || nc.Covers(2026) {
		t.Errorf("NewCalendar = %v", err)
	}
	var zero Calendar
	if zero.IsWorkday(ymd(2024, 3, 2)) || !zero.IsWorkday(ymd(2024, 1, 1)) {
		t.Error("the zero Calendar should have weekends only")
	}
}
