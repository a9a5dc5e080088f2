package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
)

// BenchmarkIngestPenalties reports records/s of POST /api/v1/admin/penalties
// with batches of 500 new penalties, in process: the request's decoding,
// validation and write, without the network. With -cpuprofile it shows
// what the server spends besides waiting for PostgreSQL.
func BenchmarkIngestPenalties(b *testing.B) {
	const batch = 500
	s := testenv.Store(b)
	h := server.New(server.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ingest: s, Keys: s, Overview: s,
		Reads: s.Public(domain.DefaultMasking, func() time.Time { return fixedNow }),
		Rules: domain.DefaultPublicityRules(), Now: func() time.Time { return fixedNow },
	})
	_, key, err := s.CreateKey(context.Background(), "bureau", []string{store.ScopeIngest})
	if err != nil {
		b.Fatal(err)
	}
	var bodies [][]byte
	for i := 0; i < 20; i++ {
		recs := make([]map[string]string, batch)
		for j := range recs {
			recs[j] = testenv.PenaltyRecord(i*batch + j + 1)
		}
		body, err := json.Marshal(recs)
		if err != nil {
			b.Fatal(err)
		}
		bodies = append(bodies, body)
	}
	next, written := 0, 0
	var total time.Duration
	for b.Loop() {
		if next == len(bodies) {
			b.StopTimer()
			testenv.Truncate(b, testenv.DatabaseURL(b))
			if _, key, err = s.CreateKey(context.Background(), "bureau", []string{store.ScopeIngest}); err != nil {
				b.Fatal(err)
			}
			next = 0
			b.StartTimer()
		}
		req := httptest.NewRequest(http.MethodPost, "/api/v1/admin/penalties", bytes.NewReader(bodies[next]))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, req)
		total += time.Since(start)
		if w.Code != http.StatusOK {
			b.Fatalf("batch %d: %d %s", next, w.Code, w.Body.String())
		}
		next++
		written += batch
	}
	b.ReportMetric(float64(written)/total.Seconds(), "records/s")
}
