package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

// discardWriter is the cheapest http.ResponseWriter: a cached GET is
// measured through the middleware and the cache, not through a recorder.
type discardWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(b []byte) (int, error) { w.n += len(b); return len(b), nil }

// BenchmarkCachedGet serves GET /api/v1/penalties/{id} from the response
// cache, with the Redis rate limiter, wired as `portal serve` wires them,
// logging errors only as scripts/bench-cache.sh runs the server. Run it
// with -benchmem to see what a cache hit allocates.
func BenchmarkCachedGet(b *testing.B) {
	s := testenv.Store(b)
	ctx := context.Background()
	p, errs := domain.ParsePenalty(testenv.PenaltyRecord(1), domain.ParseOptions{Now: fixedNow})
	if len(errs) > 0 {
		b.Fatal(errs)
	}
	rs, err := s.UpsertPenalties(ctx, store.Actor{Name: "bench"}, []domain.Penalty{p}, store.WriteOptions{})
	if err != nil {
		b.Fatal(err)
	}
	c := testenv.Cache(b, s, testenv.RedisURL(b))
	now := func() time.Time { return fixedNow }
	errorsOnly := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelError}))
	h := server.New(server.Deps{
		Log: errorsOnly, Ingest: s, Keys: s, Overview: s, Reads: s.Public(domain.DefaultMasking, now),
		Rules: domain.DefaultPublicityRules(), Now: now, Cache: c, Limiter: ratelimit.New(c.Client()),
		Limits: httpx.Limits{PerIP: ratelimit.PerMinute(100_000_000), PerKey: ratelimit.PerMinute(1000)},
	})
	req, err := http.NewRequest(http.MethodGet, "/api/v1/penalties/"+strconv.FormatInt(rs[0].ID, 10), nil)
	if err != nil {
		b.Fatal(err)
	}
	req.RemoteAddr = "192.0.2.1:40000"
	w := &discardWriter{h: http.Header{}}
	serve := func() string {
		clear(w.h)
		w.code, w.n = 0, 0
		h.ServeHTTP(w, req)
		return w.h.Get("X-Cache")
	}
	// The cache write is asynchronous: wait for the first hit.
	for i := 0; serve() != "hit"; i++ {
		if w.code != http.StatusOK || i == 50 {
			b.Fatalf("no cache hit: status %d, X-Cache %q", w.code, w.h.Get("X-Cache"))
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.ReportAllocs()
	for b.Loop() {
		if serve() != "hit" || w.code != http.StatusOK || w.n == 0 {
			b.Fatalf("not a cache hit: status %d, X-Cache %q, %d bytes", w.code, w.h.Get("X-Cache"), w.n)
		}
	}
}
