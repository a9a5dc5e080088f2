package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestListLatencies measures every list shape (each filter under the
// default order, each order unfiltered, the change lists) at its first
// page and 100 pages of 20 deep: p50 and p95 of GONGSHI_BENCH_RUNS reads
// (default 50) each, page and total together as the API reads them. It
// runs against GONGSHI_LIST_DB (a loaded set, read only), for example
//
//	GONGSHI_LIST_DB=postgres://…/gongshi_bench go test -run TestListLatencies -v ./internal/store/
//
// and is skipped without it; scripts/bench-lists.sh runs it.
func TestListLatencies(t *testing.T) {
	if os.Getenv("GONGSHI_LIST_DB") == "" {
		t.Skip("set GONGSHI_LIST_DB to a loaded database to measure the lists")
	}
	runs, _ := strconv.Atoi(os.Getenv("GONGSHI_BENCH_RUNS"))
	if runs <= 0 {
		runs = 50
	}
	f := openListFixture(t, 0)
	var total int64
	if err := f.s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM penalties`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("lists on %d penalties, %d reads per figure (ms)\n", total, runs)
	fmt.Printf("%-58s %8s %8s %8s %8s %6s\n", "shape", "p50", "p95", "deep p50", "deep p95", "depth")
	worst := time.Duration(0)
	for _, sh := range f.benchShapes() {
		first := f.measure(t, sh, "", runs)
		deep, pages := f.deepCursor(t, sh, 100)
		var d []time.Duration
		if deep != "" {
			d = f.measure(t, sh, deep, runs)
		}
		fmt.Printf("%-58s %8s %8s %8s %8s %6d\n", sh.name, ms(pct(first, 50)), ms(pct(first, 95)), ms(pct(d, 50)), ms(pct(d, 95)), pages+1)
		worst = max(worst, pct(first, 95), pct(d, 95))
	}
	fmt.Printf("worst p95: %s ms\n", ms(worst))
}

// measure reads the shape's page at cursor runs times, each bounded.
func (f listFixture) measure(t *testing.T, sh listShape, cursor string, runs int) []time.Duration {
	t.Helper()
	ds := make([]time.Duration, 0, runs)
	for range runs {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start := time.Now()
		var err error
		if sh.penalty != nil {
			q := *sh.penalty
			q.Cursor = cursor
			_, err = f.pub.Penalties(ctx, q)
		} else {
			q := *sh.permit
			q.Cursor = cursor
			_, err = f.pub.Permits(ctx, q)
		}
		ds = append(ds, time.Since(start))
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", sh.name, err)
		}
	}
	slices.Sort(ds)
	return ds
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[min(len(ds)-1, (len(ds)*p+99)/100-1)]
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000)
}
