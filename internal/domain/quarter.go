package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Quarter is one calendar quarter, the period the bureau reports by.
type Quarter struct {
	Year int
	Q    int // 1–4
}

// QuarterOf returns the quarter date d falls in.
func QuarterOf(d time.Time) Quarter {
	return Quarter{Year: d.Year(), Q: (int(d.Month())-1)/3 + 1}
}

// LastCompleteQuarter returns the newest quarter that ended before day
// today.
func LastCompleteQuarter(today time.Time) Quarter {
	return QuarterOf(today).Prev()
}

// Valid reports whether q is a quarter of a year 1990–9999.
func (q Quarter) Valid() bool { return q.Q >= 1 && q.Q <= 4 && q.Year >= 1990 && q.Year <= 9999 }

// Start is the quarter's first day, at 00:00 UTC.
func (q Quarter) Start() time.Time {
	return time.Date(q.Year, time.Month(3*(q.Q-1)+1), 1, 0, 0, 0, 0, time.UTC)
}

// End is the quarter's last day.
func (q Quarter) End() time.Time { return q.Next().Start().AddDate(0, 0, -1) }

// Next is the quarter after q.
func (q Quarter) Next() Quarter {
	if q.Q == 4 {
		return Quarter{q.Year + 1, 1}
	}
	return Quarter{q.Year, q.Q + 1}
}

// Prev is the quarter before q.
func (q Quarter) Prev() Quarter {
	if q.Q == 1 {
		return Quarter{q.Year - 1, 4}
	}
	return Quarter{q.Year, q.Q - 1}
}

// String is the quarter as 2026Q3.
func (q Quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.Q) }

// Label is the quarter in Chinese: 2026年第三季度.
func (q Quarter) Label() string {
	return fmt.Sprintf("%d年第%s季度", q.Year, []string{"", "一", "二", "三", "四"}[q.Q])
}

// ParseQuarter reads 2026Q3, 2026-Q3, 2026q3 or 2026年第三季度 (also with 第3季度).
func ParseQuarter(s string) (Quarter, error) {
	n := NormalizeCode(s)
	var y, q string
	switch {
	case strings.Contains(n, "Q"):
		y, q, _ = strings.Cut(n, "Q")
		y = strings.TrimSuffix(y, "-")
	case strings.Contains(n, "年"):
		var rest string
		y, rest, _ = strings.Cut(n, "年")
		rest = strings.TrimSuffix(strings.TrimPrefix(rest, "第"), "季度")
		q = map[string]string{"一": "1", "二": "2", "三": "3", "四": "4"}[rest]
		if q == "" {
			q = rest
		}
	}
	year, err1 := strconv.Atoi(y)
	quarter, err2 := strconv.Atoi(q)
	r := Quarter{year, quarter}
	if err1 != nil || err2 != nil || len(y) != 4 || !r.Valid() {
		return Quarter{}, errorf(ErrFormat, "%q is not a quarter (use 2026Q3)", s)
	}
	return r, nil
}
