package search_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// slowProxy is a DelayProxy to a real Meilisearch that counts the
// searches in flight; those that arrive while late is set are counted
// apart.
type slowProxy struct {
	*testenv.DelayProxy

	mu                  sync.Mutex
	late                bool
	lateNow, lateMax    int
	lateTotal, searches int
}

func newSlowProxy(t *testing.T, target string) *slowProxy {
	t.Helper()
	p := &slowProxy{}
	p.DelayProxy = testenv.StartDelayProxy(t, target, func(r *http.Request) func() {
		if r.URL.Path != "/multi-search" {
			return func() {}
		}
		return p.arrive()
	})
	return p
}

// arrive counts a search in; the function it returns counts it out.
func (p *slowProxy) arrive() func() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.searches++
	if !p.late {
		return func() {}
	}
	p.lateTotal++
	p.lateNow++
	p.lateMax = max(p.lateMax, p.lateNow)
	return func() {
		p.mu.Lock()
		p.lateNow--
		p.mu.Unlock()
	}
}

// overloadFixture is a search service on a real PostgreSQL with three
// published penalties, and a real Meilisearch indexing them.
type overloadFixture struct {
	s   *store.Store
	m   *testenv.Meili
	pub *store.Public
}

func newOverloadFixture(t *testing.T) *overloadFixture {
	t.Helper()
	ctx := context.Background()
	f := &overloadFixture{s: testenv.Store(t), m: testenv.StartMeili(t)}
	f.pub = f.s.Public(domain.DefaultMasking, time.Now)
	ps := []domain.Penalty{testenv.Penalty(1), testenv.Penalty(2), testenv.Penalty(3)}
	if _, err := f.s.UpsertPenalties(ctx, store.Actor{Name: "test"}, ps, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	w := search.NewWriter(search.Config{URL: f.m.URL, MasterKey: f.m.MasterKey})
	t.Cleanup(w.Close)
	if err := rebuild(ctx, w, 100, penalties(1, 2, 3)); err != nil {
		t.Fatal(err)
	}
	return f
}

// service returns a search service on Meilisearch at meiliURL.
func (f *overloadFixture) service(t *testing.T, meiliURL string, fallback int) *search.Service {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cfg := search.Config{URL: meiliURL, MasterKey: f.m.MasterKey, FallbackConcurrency: fallback}
	return search.NewService(ctx, cfg, f.pub, f.s, time.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func penaltyQuery(t *testing.T) search.Query {
	t.Helper()
	q, err := search.ParseQuery(url.Values{"q": {"化工"}, "type": {"penalty"}})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Once a slow Meilisearch failed a search, searches go to PostgreSQL at
// once: no more than one at a time probes Meilisearch, where each would
// otherwise wait out the timeout. When it is fast again, it answers again.
func TestBreakerKeepsSearchesOffASlowMeilisearch(t *testing.T) {
	f := newOverloadFixture(t)
	proxy := newSlowProxy(t, f.m.URL)
	svc := f.service(t, proxy.URL, 64)
	svc.Timeout, svc.Cooldown = 300*time.Millisecond, time.Second
	q := penaltyQuery(t)
	ctx := context.Background()
	if res, err := svc.Search(ctx, q); err != nil || res.Degraded || res.Total != 3 {
		t.Fatalf("Meilisearch fast: %+v, %v", res, err)
	}

	proxy.Delay.Store(int64(5 * time.Second))
	var degraded, failed atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(3500 * time.Millisecond)
	for range 16 {
		wg.Go(func() {
			for time.Now().Before(stop) {
				res, err := svc.Search(ctx, q)
				switch {
				case err != nil:
					failed.Add(1)
					t.Errorf("search while Meilisearch is slow: %v", err)
					return
				case res.Degraded && res.Total == 3:
					degraded.Add(1)
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	// The first searches all wait for Meilisearch; count from after the
	// first of them timed out and opened the breaker.
	time.Sleep(svc.Timeout + 400*time.Millisecond)
	proxy.mu.Lock()
	proxy.late = true
	proxy.mu.Unlock()
	wg.Wait()

	proxy.mu.Lock()
	lateMax, lateTotal := proxy.lateMax, proxy.lateTotal
	proxy.mu.Unlock()
	if lateMax > 1 {
		t.Errorf("%d searches at once reached the slow Meilisearch after the breaker opened, want one probe at a time", lateMax)
	}
	if lateTotal == 0 {
		t.Error("Meilisearch was never probed again")
	}
	if degraded.Load() == 0 {
		t.Error("no search was answered from PostgreSQL")
	}
	t.Logf("%d degraded answers, %d probes", degraded.Load(), lateTotal)

	proxy.Delay.Store(0)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res, err := svc.Search(ctx, q); err == nil && !res.Degraded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Meilisearch fast again, but searches stay degraded")
		}
	}
}

// lockPenalties holds an exclusive lock on the penalties table until the
// function it returns is called: PostgreSQL is stuck for the searches.
func lockPenalties(t *testing.T) (release func()) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE penalties IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			tx.Rollback(ctx)
			conn.Close(ctx)
		})
	}
	t.Cleanup(release)
	return release
}

// waitingOnLocks counts the sessions of the test database waiting for a
// lock.
func waitingOnLocks(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// With Meilisearch down and PostgreSQL stuck, no more searches than the
// fallback allows reach PostgreSQL; the others are refused quickly with
// ErrOverloaded and a retry hint, and a search that runs out of time is
// ErrOverloaded too, never a bare deadline error.
func TestFallbackShedsWhenPostgreSQLIsStuck(t *testing.T) {
	f := newOverloadFixture(t)
	svc := f.service(t, f.m.URL, 2)
	svc.FallbackWait = 200 * time.Millisecond
	f.m.Kill()
	q := penaltyQuery(t)
	ctx := context.Background()
	if res, err := svc.Search(ctx, q); err != nil || !res.Degraded || res.Total != 3 {
		t.Fatalf("Meilisearch down: %+v, %v", res, err)
	}

	release := lockPenalties(t)
	type answer struct {
		res *search.Result
		err error
	}
	answers := make(chan answer, 8)
	for range 8 {
		go func() {
			res, err := svc.Search(ctx, q)
			answers <- answer{res, err}
		}()
	}
	var shed int
	for range 6 {
		select {
		case a := <-answers:
			var oe *search.OverloadedError
			if !errors.Is(a.err, search.ErrOverloaded) || !errors.As(a.err, &oe) || oe.RetryAfter() <= 0 {
				t.Errorf("a search beyond the fallback's 2 slots: %+v, %v; want ErrOverloaded with a retry hint", a.res, a.err)
				continue
			}
			shed++
		case <-time.After(15 * time.Second):
			t.Fatalf("%d searches shed; the others wait on PostgreSQL", shed)
		}
	}
	if n := waitingOnLocks(t); n != 2 {
		t.Errorf("%d searches wait on PostgreSQL, want the fallback's 2", n)
	}
	release()
	for range 2 {
		if a := <-answers; a.err != nil || !a.res.Degraded || a.res.Total != 3 {
			t.Errorf("a search inside the fallback, once PostgreSQL is free: %+v, %v", a.res, a.err)
		}
	}

	lockPenalties(t)
	svc.FallbackTimeout = 300 * time.Millisecond
	_, err := svc.Search(ctx, q)
	if !errors.Is(err, search.ErrOverloaded) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a search out of time: %v; want ErrOverloaded", err)
	}
}
