package cli

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

func TestCalendarCheckerNamesTheMissingYear(t *testing.T) {
	cal, err := domain.NewCalendar([]int{2026}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int) func() time.Time {
		return func() time.Time { return time.Date(y, 6, 1, 0, 0, 0, 0, domain.China) }
	}
	if err := calendarChecker(cal, at(2026)).Ping(context.Background()); err != nil {
		t.Errorf("a covered year: %v", err)
	}
	err = calendarChecker(cal, at(2027)).Ping(context.Background())
	var nc *domain.NoCalendarError
	if !errors.As(err, &nc) || nc.Year != 2027 {
		t.Errorf("an uncovered year: %v", err)
	}
}
