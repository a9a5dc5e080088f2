package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// Records whose decision or publication falls in a year the calendar has
// no holiday data for are withheld from the timeliness figures, not
// counted on weekdays alone.
func TestTimelinessWithholdsYearsWithoutHolidayData(t *testing.T) {
	ctx := context.Background()
	s := testenv.Store(t)
	cal, err := domain.NewCalendar([]int{2025}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	cases := []struct{ decided, published time.Time }{
		{day(2025, 3, 3), day(2025, 3, 5)},    // counted: 2 working days
		{day(2025, 6, 2), day(2025, 6, 20)},   // counted: 14
		{day(2025, 9, 1), day(2025, 9, 3)},    // counted: 2
		{day(2025, 12, 29), day(2026, 1, 5)},  // withheld: published in 2026
		{day(2026, 2, 2), day(2026, 2, 4)},    // withheld: all in 2026
		{day(2026, 10, 8), day(2026, 10, 12)}, // withheld
	}
	var ps []domain.Penalty
	for i, c := range cases {
		p := testenv.Penalty(900 + i)
		p.DecisionDate = c.decided
		ps = append(ps, p)
	}
	rs, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, ps, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if _, err := s.Pool().Exec(ctx, `UPDATE penalties SET published_at = $2::date + time '10:00', publicity_until = '2099-01-01' WHERE id = $1`,
			r.ID, cases[i].published); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.Public(domain.DefaultMasking, time.Now).Stats(ctx, store.StatsQuery{Calendar: cal})
	if err != nil {
		t.Fatal(err)
	}
	tl := st.Timeliness
	if tl.Overall.Records != 3 || tl.Overall.OnTime != 2 || tl.Overall.MedianLag != 2 || tl.Withheld != 3 {
		t.Errorf("timeliness %+v, withheld %d; want 3 records (2 on time, median 2) and 3 withheld", tl.Overall, tl.Withheld)
	}
}
