package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// BenchmarkUpsertPenalties reports records/s of the ingest API's write:
// batches of 500 new penalties (as e2e/benchingest posts them), each in
// its own transaction, into a table that already holds some.
func BenchmarkUpsertPenalties(b *testing.B) {
	const batch = 500
	s := testenv.Store(b)
	ctx := context.Background()
	ps := testenv.Penalties(b, 20*batch)
	if _, err := s.UpsertPenalties(ctx, cli, ps[:batch], store.WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	next := batch
	var total time.Duration
	written := 0
	for b.Loop() {
		if next+batch > len(ps) {
			b.StopTimer()
			s = testenv.Store(b)
			next = 0
			b.StartTimer()
		}
		start := time.Now()
		if _, err := s.UpsertPenalties(ctx, cli, ps[next:next+batch], store.WriteOptions{}); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		next += batch
		written += batch
	}
	b.ReportMetric(float64(written)/total.Seconds(), "records/s")
}
