package domain

import (
	"encoding/json"
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
		{ymd(2030, 1, 1), true},   // no data: weekdays work
		{time.Date(2024, 2, 12, 23, 0, 0, 0, time.FixedZone("CST", 8*3600)), false},
	}
	for _, tt := range tests {
		if got := c.IsWorkday(tt.date); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date.Format(DateLayout), got, tt.want)
		}
	}
	// Sanity of the data: make-up days fall on weekends and are not holidays.
	for _, k := range defaultWorkdays {
		d, _ := time.Parse(DateLayout, k)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			t.Errorf("make-up working day %s is a %s", k, wd)
		}
		if c.holidays[k] {
			t.Errorf("%s is both a holiday and a working day", k)
		}
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
	c, err := LoadCalendar(strings.NewReader(`{"holidays": ["2027-01-01", "2024-02-04"], "workdays": ["2024-02-12"]}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		date time.Time
		want bool
	}{
		{ymd(2027, 1, 1), false}, // added
		{ymd(2024, 2, 4), false}, // a default make-up day corrected
		{ymd(2024, 2, 12), true}, // a default holiday corrected
		{ymd(2024, 2, 13), false},
	} {
		if got := c.IsWorkday(tt.date); got != tt.want {
			t.Errorf("IsWorkday(%s) = %v, want %v", tt.date.Format(DateLayout), got, tt.want)
		}
	}
	for _, js := range []string{
		`{`,
		`{"holiday": []}`,
		`{"holidays": ["2027/01/01"]}`,
		`{"workdays": ["2027-02-30"]}`,
		`{"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]}`,
	} {
		if _, err := LoadCalendar(strings.NewReader(js)); err == nil {
			t.Errorf("LoadCalendar(%s) succeeded", js)
		}
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
	if _, err := NewCalendar([]time.Time{ymd(2027, 1, 1)}, []time.Time{ymd(2027, 1, 1)}); err == nil {
		t.Error("NewCalendar accepted a date in both lists")
	}
	nc, err := NewCalendar([]time.Time{ymd(2027, 1, 1)}, []time.Time{ymd(2027, 1, 2)})
	if err != nil || nc.IsWorkday(ymd(2027, 1, 1)) || !nc.IsWorkday(ymd(2027, 1, 2)) {
		t.Errorf("NewCalendar = %v", err)
	}
	var zero Calendar
	if zero.IsWorkday(ymd(2024, 3, 2)) || !zero.IsWorkday(ymd(2024, 1, 1)) {
		t.Error("the zero Calendar should have weekends only")
	}
}
