package server_test

// The harness of scripts/bench-export.sh: it runs these "tests" from a
// compiled test binary — load the benchmark database, serve it, pull the
// feed — each only when its environment variable is set, so `go test`
// skips them.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/store/bulkload"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

func benchEnv(t *testing.T, name string) string {
	v := os.Getenv(name)
	if v == "" {
		t.Skip("set " + name + " (scripts/bench-export.sh does)")
	}
	return v
}

func benchStore(t *testing.T) *store.Store {
	u := benchEnv(t, "GONGSHI_BENCH_DB")
	ctx := context.Background()
	if err := store.Migrate(ctx, u); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, u, store.Options{StatementTimeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestBenchLoad fills the benchmark database with GONGSHI_BENCH_ROWS
// public penalties (one change-log entry each) unless it holds that many.
// scripts/bench.sh loads demo data itself; this is for running
// scripts/bench-export.sh alone.
func TestBenchLoad(t *testing.T) {
	s := benchStore(t)
	n, err := strconv.Atoi(benchEnv(t, "GONGSHI_BENCH_ROWS"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var have int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM penalties`).Scan(&have); err != nil {
		t.Fatal(err)
	}
	if have == n {
		return
	}
	if _, err := s.Pool().Exec(ctx, `TRUNCATE penalties, changes, audit_log, agencies RESTART IDENTITY CASCADE`); err != nil {
		t.Fatal(err)
	}
	i := 0
	start := time.Now()
	_, err = bulkload.Penalties(ctx, s, store.Actor{Name: "bench"}, func() (bulkload.Penalty, bool) {
		if i == n {
			return bulkload.Penalty{}, false
		}
		p := genPenalty(i)
		p.PublicityUntil = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC) // all public
		i++
		return bulkload.Penalty{Penalty: p}, true
	}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"penalties", "changes", "agencies"} {
		if _, err := s.Pool().Exec(ctx, `VACUUM ANALYZE `+table); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "loaded %d penalties in %v\n", n, time.Since(start))
}

// TestBenchKey writes the secret of a new feed key (scope feed: masked,
// like most consumers) to GONGSHI_BENCH_KEYFILE.
func TestBenchKey(t *testing.T) {
	file := benchEnv(t, "GONGSHI_BENCH_KEYFILE")
	s := benchStore(t)
	ctx := context.Background()
	if _, err := s.Pool().Exec(ctx, `DELETE FROM api_keys WHERE name = 'bench-export-feed'`); err != nil {
		t.Fatal(err)
	}
	_, secret, err := s.CreateKey(ctx, "bench-export-feed", []string{store.ScopeFeed})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBenchServe serves the benchmark database at GONGSHI_BENCH_ADDR,
// wired as `portal serve` wires it, until SIGINT or SIGTERM.
func TestBenchServe(t *testing.T) {
	addr := benchEnv(t, "GONGSHI_BENCH_ADDR")
	s := benchStore(t)
	shanghai := time.FixedZone("CST", 8*3600)
	now := func() time.Time { return time.Now().In(shanghai) }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pub := s.Public(domain.DefaultMasking, now)
	h := server.New(server.Deps{
		Log: log, Ingest: s, Keys: s, Overview: s,
		Datasets: snapshot.New(s, pub, t.TempDir(), log),
		Feeds:    s.CreditFeed(pub),
		Rules:    domain.DefaultPublicityRules(), Now: now,
		Ready: map[string]httpx.Checker{"postgres": s},
		// The benchmark measures throughput, not the rate limits.
		Limits: httpx.Limits{PerIP: ratelimit.PerMinute(1 << 30), PerKey: ratelimit.PerMinute(1 << 30)},
	})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.Fatal(err)
	}
}

// TestBenchFeedPull pulls the whole penalties feed from GONGSHI_BENCH_URL
// in pages of 5,000 and prints the entries and the time taken.
func TestBenchFeedPull(t *testing.T) {
	base := benchEnv(t, "GONGSHI_BENCH_URL")
	key, err := os.ReadFile(benchEnv(t, "GONGSHI_BENCH_KEYFILE"))
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	start := time.Now()
	entries, pages, cursor := 0, 0, ""
	for {
		req, _ := http.NewRequest("GET", base+"/api/v1/feeds/penalties?limit=5000&after="+cursor, nil)
		req.Header.Set("Authorization", "Bearer "+string(key))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		// A consumer that stores entries parses them; the benchmark
		// measures the server, so it reads the envelope's head (which
		// carries the cursor) and counts the rest without decoding it.
		head := make([]byte, 512)
		n, _ := io.ReadFull(resp.Body, head)
		var env struct {
			NextCursor string `json:"next_cursor"`
			HasMore    bool   `json:"has_more"`
		}
		i := bytes.Index(head[:n], []byte(`,"changes":[`))
		if resp.StatusCode != 200 || i < 0 {
			t.Fatalf("page %d: %d %q", pages, resp.StatusCode, head[:n])
		}
		if err := json.Unmarshal(append(head[:i:i], '}'), &env); err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		count := &entryCounter{}
		count.Write(head[i:n])
		if _, err := io.Copy(count, resp.Body); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		pages++
		entries += count.n
		cursor = env.NextCursor
		if !env.HasMore {
			break
		}
	}
	fmt.Printf("feed_entries=%d feed_pages=%d feed_seconds=%.3f\n", entries, pages, time.Since(start).Seconds())
}

// entryCounter counts the feed entries in a stream: each starts a line
// with {"seq":.
type entryCounter struct {
	n    int
	tail []byte
}

var entryStart = []byte("\n{\"seq\":")

func (c *entryCounter) Write(p []byte) (int, error) {
	// A marker split across writes: join only the seam.
	seam := append(c.tail, p[:min(len(p), len(entryStart)-1)]...)
	c.n += bytes.Count(seam, entryStart) + bytes.Count(p, entryStart)
	keep := min(len(p), len(entryStart)-1)
	c.tail = append(c.tail[:0], p[len(p)-keep:]...)
	return len(p), nil
}
