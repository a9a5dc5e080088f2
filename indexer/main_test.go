package indexer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongshi/gongshi/indexer"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var (
	shanghai = time.FixedZone("CST", 8*3600)
	actor    = store.Actor{Name: "test"}
)

// env is a store, a Meilisearch and an indexer between them, with the
// search service the API uses.
type env struct {
	t     *testing.T
	s     *store.Store
	m     *testenv.Meili
	w     *search.Writer
	ix    *indexer.Indexer
	svc   *search.Service
	today atomic.Pointer[time.Time]
	log   *slog.Logger
}

func testLogger() *slog.Logger {
	if os.Getenv("GONGSHI_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func fastOptions() indexer.Options {
	return indexer.Options{Poll: 500 * time.Millisecond, Standby: 100 * time.Millisecond,
		MaxBackoff: 300 * time.Millisecond, ExpiryEvery: -1, RebuildDocs: 100}
}

func newEnv(t *testing.T, opt indexer.Options) *env {
	t.Helper()
	e := &env{t: t, s: testenv.Store(t), m: testenv.StartMeili(t), log: testLogger()}
	d := time.Date(2026, 11, 25, 10, 0, 0, 0, shanghai)
	e.today.Store(&d)
	e.w = search.NewWriter(search.Config{URL: e.m.URL, MasterKey: e.m.MasterKey})
	e.w.Poll = 10 * time.Millisecond
	t.Cleanup(e.w.Close)
	e.ix = e.newIndexer(opt)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	e.svc = search.NewService(ctx, search.Config{URL: e.m.URL, MasterKey: e.m.MasterKey}, e.pub(), e.s, e.now, e.log)
	e.svc.Cooldown = 200 * time.Millisecond
	return e
}

func (e *env) now() time.Time { return *e.today.Load() }

func (e *env) setToday(d time.Time) { e.today.Store(&d) }

func (e *env) pub() *store.Public { return e.s.Public(domain.DefaultMasking, e.now) }

func (e *env) newIndexer(opt indexer.Options) *indexer.Indexer {
	return indexer.New(e.s, e.pub(), e.w, e.now, e.log, opt)
}

// run runs ix until the test ends (or stop is called).
func (e *env) run(ix *indexer.Indexer) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := ix.Run(ctx); err != nil {
			e.t.Errorf("indexer: %v", err)
		}
	})
	stop = func() { cancel(); wg.Wait() }
	e.t.Cleanup(stop)
	return stop
}

// synced waits until the indexer has applied every change committed so far.
func (e *env) synced() {
	e.t.Helper()
	ctx := context.Background()
	last, err := e.s.LastChangeSeq(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		seq, found, err := e.s.SearchCursor(ctx, indexer.CursorName)
		if err != nil {
			e.t.Fatal(err)
		}
		if found && seq >= last {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("indexer did not reach change %d within 60s (cursor %d, stored %v)", last, seq, found)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// search runs a search as the API does, from query parameters.
func (e *env) search(params string) *search.Result {
	e.t.Helper()
	res, err := e.trySearch(params)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// trySearch is search for goroutines other than the test's.
func (e *env) trySearch(params string) (*search.Result, error) {
	vs, err := url.ParseQuery(params)
	if err != nil {
		return nil, err
	}
	q, err := search.ParseQuery(vs)
	if err != nil {
		return nil, fmt.Errorf("ParseQuery(%s): %w", params, err)
	}
	res, err := e.svc.Search(context.Background(), q)
	if err != nil {
		return nil, fmt.Errorf("Search(%s): %w", params, err)
	}
	return res, nil
}

// penalty parses a fixture record after applying changes to it.
func penalty(t *testing.T, n int, change func(r map[string]string)) domain.Penalty {
	t.Helper()
	r := testenv.PenaltyRecord(n)
	if change != nil {
		change(r)
	}
	p, errs := domain.ParsePenalty(r, domain.ParseOptions{Now: time.Date(2026, 11, 25, 10, 0, 0, 0, shanghai)})
	if len(errs) > 0 {
		t.Fatalf("fixture %d: %v", n, errs)
	}
	return p
}

func permit(t *testing.T, n int, change func(r map[string]string)) domain.Permit {
	t.Helper()
	r := testenv.PermitRecord(n)
	if change != nil {
		change(r)
	}
	p, errs := domain.ParsePermit(r, domain.ParseOptions{Now: time.Date(2026, 11, 25, 10, 0, 0, 0, shanghai)})
	if len(errs) > 0 {
		t.Fatalf("fixture %d: %v", n, errs)
	}
	return p
}

func (e *env) upsertPenalties(ps ...domain.Penalty) []int64 {
	e.t.Helper()
	rs, err := e.s.UpsertPenalties(context.Background(), actor, ps, store.WriteOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func (e *env) upsertPermits(ps ...domain.Permit) []int64 {
	e.t.Helper()
	rs, err := e.s.UpsertPermits(context.Background(), actor, ps, store.WriteOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func (e *env) withdraw(entity store.Entity, id int64) {
	e.t.Helper()
	if err := e.s.Withdraw(context.Background(), actor, entity, id, domain.ReasonRevoked, "撤销"); err != nil {
		e.t.Fatal(err)
	}
}

// hitIDs returns the ids of hits of type t, in order.
// hitIDs lists the ids of the hits of type t, exact matches first.
func hitIDs(res *search.Result, t search.Type) []string {
	var out []string
	for _, h := range append(slices.Clone(res.Exact), res.Hits...) {
		if h.Type == t {
			out = append(out, h.ID)
		}
	}
	return out
}

func idString(id int64) string { return strconv.FormatInt(id, 10) }

func idStrings(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = idString(id)
	}
	return out
}

// documents reads every document of a live index straight from
// Meilisearch, keyed by id.
func (e *env) documents(index string) map[string]map[string]any {
	e.t.Helper()
	out := map[string]map[string]any{}
	for offset := 0; ; offset += 1000 {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/indexes/%s/documents?limit=1000&offset=%d", e.m.URL, index, offset), nil)
		req.Header.Set("Authorization", "Bearer "+e.m.MasterKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			e.t.Fatal(err)
		}
		var page struct {
			Results []map[string]any `json:"results"`
			Total   int              `json:"total"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			e.t.Fatalf("documents of %s: status %d, %v", index, resp.StatusCode, err)
		}
		for _, d := range page.Results {
			out[fmt.Sprint(d["id"])] = d
		}
		if offset+1000 >= page.Total {
			return out
		}
	}
}

// publicPenaltyIDs lists the ids of the public penalties, as strings.
func (e *env) publicPenaltyIDs() []string {
	e.t.Helper()
	var ids []string
	err := e.pub().EachPenalty(context.Background(), func(p domain.PublishedPenalty) error {
		ids = append(ids, idString(p.ID))
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(ids)
	return ids
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sameIDs(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}
