package domain

import (
	"testing"
	"time"
)

func TestFormatDateIsDateLayout(t *testing.T) {
	for _, d := range []time.Time{
		{}, time.Date(999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 2, 28, 23, 59, 0, 0, China), time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := FormatDate(d), d.Format(DateLayout); got != want {
			t.Errorf("FormatDate(%v) = %q, want %q", d, got, want)
		}
	}
	for day := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2031; day = day.AddDate(0, 0, 13) {
		if got, want := FormatDate(day), day.Format(DateLayout); got != want {
			t.Fatalf("FormatDate(%v) = %q, want %q", day, got, want)
		}
	}
	if FormatOptionalDate(time.Time{}) != "" || FormatOptionalDate(time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) != "2026-01-02" {
		t.Error("FormatOptionalDate: the zero time is written as \"\", any other as FormatDate")
	}
}

func TestChinaTime(t *testing.T) {
	utc := time.Date(2026, 11, 24, 16, 30, 0, 0, time.UTC) // 00:30 the next day in China
	if got := ChinaDate(utc); !got.Equal(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ChinaDate = %v", got)
	}
	if got := FormatInstant(utc); got != "2026-11-25T00:30:00+08:00" {
		t.Errorf("FormatInstant = %q", got)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	for _, u := range []time.Time{utc, time.Date(1995, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2040, 1, 1, 12, 0, 0, 0, time.UTC)} {
		if a, b := u.In(China).Format(time.RFC3339), u.In(shanghai).Format(time.RFC3339); a != b {
			t.Errorf("%v: China %s, Asia/Shanghai %s", u, a, b)
		}
	}
}

func TestMoneyFormats(t *testing.T) {
	for _, tc := range []struct {
		m                  Money
		wanOrEmpty, fixed2 string
		grouped            string
	}{
		{0, "", "0.00", "0.00"},
		{2_000_000, "2", "2.00", "20,000.00"},
		{123_456_789, "123.456789", "123.46", "1,234,567.89"},
		{5_000, "0.005", "0.01", "50.00"},
	} {
		if got := tc.m.WanOrEmpty(); got != tc.wanOrEmpty {
			t.Errorf("%d.WanOrEmpty() = %q, want %q", tc.m, got, tc.wanOrEmpty)
		}
		if got := tc.m.WanFixed(2); got != tc.fixed2 {
			t.Errorf("%d.WanFixed(2) = %q, want %q", tc.m, got, tc.fixed2)
		}
		if got := tc.m.YuanGrouped(); got != tc.grouped {
			t.Errorf("%d.YuanGrouped() = %q, want %q", tc.m, got, tc.grouped)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1234567: "-1,234,567"} {
		if got := GroupThousands(n); got != want {
			t.Errorf("GroupThousands(%d) = %q, want %q", n, got, want)
		}
	}
}
