package store_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

func TestZZExp(t *testing.T) {
	u := os.Getenv("EXP_DB")
	if u == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("EXP_N"))
	s, err := store.Open(context.Background(), u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ps := testPenalties(t, n)
	start := time.Now()
	_, err = s.BulkLoadPenalties(context.Background(), bulkActor, penaltyIter(ps, func(_ int, p domain.Penalty) store.BulkPenalty {
		return store.BulkPenalty{Penalty: p}
	}), store.WriteOptions{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d rows in %v: %.0f rows/s", n, time.Since(start), float64(n)/time.Since(start).Seconds())
}
