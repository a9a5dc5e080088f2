package search_test

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/indexer"
	"github.com/gongshi/gongshi/internal/demo"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// relevanceToday is the "today" of the relevance data set and its searches.
var relevanceToday = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.China)

// relevanceEnv loads the demo data set (fixed seed and date) and one
// penalty of 昆山毅科精细化工有限公司 into a fresh database, builds the indexes and returns the search service over them.
func relevanceEnv(t *testing.T) *search.Service {
	t.Helper()
	ctx := context.Background()
	s := testenv.Store(t)
	if _, err := demo.Load(ctx, s, demo.Options{Penalties: 3000, Permits: 1500, Seed: demo.DefaultSeed, Now: relevanceToday}); err != nil {
		t.Fatal(err)
	}
	// The company the pinyin queries are about, as citizens name it.
	r := testenv.PenaltyRecord(9001)
	r["CF_XDR_MC"], r["CF_WSH"] = "昆山毅科精细化工有限公司", "昆应急罚〔2026〕901号"
	p, errs := domain.ParsePenalty(r, domain.ParseOptions{Now: relevanceToday})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, []domain.Penalty{p}, store.WriteOptions{Demo: true}); err != nil {
		t.Fatal(err)
	}
	m := testenv.StartMeili(t)
	cfg := search.Config{URL: m.URL, MasterKey: m.MasterKey}
	w := search.NewWriter(cfg)
	w.Poll = 10 * time.Millisecond
	t.Cleanup(w.Close)
	now := func() time.Time { return relevanceToday }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pub := s.Public(domain.DefaultMasking, now)
	start := time.Now()
	st, err := indexer.New(s, pub, w, now, log, indexer.Options{ExpiryEvery: -1}).Rebuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("indexed %d penalties, %d permits in %v", st.Penalties, st.Permits, time.Since(start))
	sctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	return search.NewService(sctx, cfg, pub, s, now, log)
}

// relevanceCase is one line of testdata/relevance/queries.tsv.
type relevanceCase struct {
	line               int
	query, first       string
	minExact, maxExact int64
	maxTotal           int64
}

func readRelevanceCases(t *testing.T) []relevanceCase {
	t.Helper()
	b, err := os.ReadFile("testdata/relevance/queries.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []relevanceCase
	for i, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 5 {
			t.Fatalf("queries.tsv:%d: %d fields, want 5", i+1, len(f))
		}
		c := relevanceCase{line: i + 1, query: f[0], first: f[1]}
		for j, dst := range []*int64{&c.minExact, &c.maxExact, &c.maxTotal} {
			if *dst, err = strconv.ParseInt(f[2+j], 10, 64); err != nil {
				t.Fatalf("queries.tsv:%d: %v", i+1, err)
			}
		}
		out = append(out, c)
	}
	return out
}

// TestRelevance runs the written relevance test set against Meilisearch
// holding the demo data: each query's first result, its exact matches
// (shown apart, before the related results) and how many results it
// finds at most — a full name or a decision number must not find the
// whole city.
func TestRelevance(t *testing.T) {
	cases := readRelevanceCases(t)
	if len(cases) < 30 {
		t.Fatalf("%d queries; the set has at least 30", len(cases))
	}
	svc := relevanceEnv(t)
	for _, c := range cases {
		q, err := search.ParseQuery(url.Values{"q": {c.query}})
		if err != nil {
			t.Fatalf("queries.tsv:%d: %v", c.line, err)
		}
		res, err := svc.Search(context.Background(), q)
		if err != nil {
			t.Fatalf("queries.tsv:%d %q: %v", c.line, c.query, err)
		}
		if res.Degraded {
			t.Fatalf("queries.tsv:%d %q: answered degraded", c.line, c.query)
		}
		first := "-"
		switch {
		case len(res.Exact) > 0:
			first = res.Exact[0].Title
		case len(res.Hits) > 0:
			first = res.Hits[0].Title
		}
		if first != c.first {
			t.Errorf("queries.tsv:%d %q: first result %q, want %q", c.line, c.query, first, c.first)
		}
		if res.ExactTotal < c.minExact || res.ExactTotal > c.maxExact {
			t.Errorf("queries.tsv:%d %q: %d exact matches, want %d to %d", c.line, c.query, res.ExactTotal, c.minExact, c.maxExact)
		}
		if total := res.ExactTotal + res.Total; total > c.maxTotal {
			t.Errorf("queries.tsv:%d %q: %d results (%d exact), want at most %d", c.line, c.query, total, res.ExactTotal, c.maxTotal)
		}
		for _, h := range res.Exact {
			if h.Match != search.MatchExact {
				t.Errorf("queries.tsv:%d %q: exact hit %s marked %q", c.line, c.query, h.ID, h.Match)
			}
		}
		for _, h := range res.Hits {
			if h.Match != search.MatchRelated || slices.ContainsFunc(res.Exact, func(e search.Hit) bool { return e.Type == h.Type && e.ID == h.ID }) {
				t.Errorf("queries.tsv:%d %q: related hit %s marked %q or repeating an exact one", c.line, c.query, h.ID, h.Match)
			}
		}
	}
}
