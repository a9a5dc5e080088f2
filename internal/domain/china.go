package domain

import (
	"strconv"
	"strings"
	"time"
)

// China is China Standard Time, the Asia/Shanghai zone: UTC+8 all year,
// without daylight saving since 1991. Every date Gongshi publishes is a
// calendar date there, and every instant it shows is written in it.
var China = time.FixedZone("CST", 8*60*60)

// ChinaDate returns the calendar date of instant t in China Standard Time
// (UTC+8), as 00:00 UTC of that date — the form every domain date takes.
func ChinaDate(t time.Time) time.Time {
	y, m, d := t.In(China).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// FormatDate writes the calendar date of t (in t's location) as
// DateLayout, YYYY-MM-DD: exactly t.Format(DateLayout), but written by
// hand for the four-digit years every record has, since it runs for every
// date of every exported row and time.Format costs several times more.
func FormatDate(t time.Time) string {
	y, m, d := t.Date()
	if y < 1000 || y > 9999 {
		return t.Format(DateLayout)
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + m/10), byte('0' + m%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}

// FormatOptionalDate is FormatDate, or "" for the zero time: how records,
// exports and pages write a date that was not given.
func FormatOptionalDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return FormatDate(t)
}

// FormatInstant writes an instant in China Standard Time as RFC 3339
// ("2026-11-25T10:00:00+08:00").
func FormatInstant(t time.Time) string { return t.In(China).Format(time.RFC3339) }

// GroupThousands writes n with a comma between groups of three digits:
// 1,234,567.
func GroupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
