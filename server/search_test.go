package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/indexer"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

// searchFixture is the HTTP server with real search behind it: PostgreSQL,
// Meilisearch and a running indexer.
type searchFixture struct {
	t   *testing.T
	s   *store.Store
	m   *testenv.Meili
	srv *httptest.Server
}

func newSearchFixture(t *testing.T) *searchFixture {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := testenv.Store(t)
	m := testenv.StartMeili(t)
	now := func() time.Time { return fixedNow }
	pub := s.Public(domain.DefaultMasking, now)
	cfg := search.Config{URL: m.URL, MasterKey: m.MasterKey}
	w := search.NewWriter(cfg)
	w.Poll = 10 * time.Millisecond
	t.Cleanup(w.Close)
	ix := indexer.New(s, pub, w, now, log, indexer.Options{Poll: 200 * time.Millisecond, MaxBackoff: 300 * time.Millisecond, ExpiryEvery: -1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ix.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	svc := search.NewService(ctx, cfg, pub, s, now, log)
	svc.Cooldown = 100 * time.Millisecond
	h := server.New(server.Deps{
		Log:    log,
		Ingest: s, Keys: s, Overview: s,
		Search: svc,
		Rules:  domain.DefaultPublicityRules(),
		Now:    now,
		Ready:  map[string]httpx.Checker{"postgres": s}, Degrade: map[string]httpx.Checker{"meilisearch": svc},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &searchFixture{t: t, s: s, m: m, srv: srv}
}

// synced waits until the indexer applied every committed change.
func (f *searchFixture) synced() {
	f.t.Helper()
	ctx := context.Background()
	last, err := f.s.LastChangeSeq(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; {
		seq, found, err := f.s.SearchCursor(ctx, indexer.CursorName)
		if err != nil {
			f.t.Fatal(err)
		}
		if found && seq >= last {
			return
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("the indexer did not catch up (cursor %d of %d)", seq, last)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *searchFixture) get(path string) (*http.Response, []byte) {
	f.t.Helper()
	resp, err := http.Get(f.srv.URL + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp, b
}

func searchPath(params url.Values) string { return "/api/v1/search?" + params.Encode() }

func TestSearchAPI(t *testing.T) {
	f := newSearchFixture(t)
	ctx := context.Background()
	var ps []domain.Penalty
	for n := 1; n <= 5; n++ {
		ps = append(ps, testenv.Penalty(n))
	}
	rs, err := f.s.UpsertPenalties(ctx, store.Actor{Name: "test"}, ps, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.synced()

	resp, body := f.get(searchPath(url.Values{"q": {"化工 培训"}, "type": {"penalty"}, "per_page": {"2"}}))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	if cc := resp.Header.Get("Cache-Control"); strings.Contains(cc, "public") {
		t.Errorf("Cache-Control %q: search results must not enter the shared response cache", cc)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	wantKeys := []string{"degraded", "exact", "exact_total", "facets", "hits", "page", "per_page", "processing_ms", "query",
		"query_kind", "subjects", "total", "total_exact", "type"}
	var gotKeys []string
	for k := range raw {
		gotKeys = append(gotKeys, k)
	}
	slices.Sort(gotKeys)
	if !slices.Equal(gotKeys, wantKeys) {
		t.Errorf("response keys %v, want %v", gotKeys, wantKeys)
	}
	res := decode[search.Result](t, body)
	if res.Total != 5 || !res.TotalExact || len(res.Hits) != 2 || res.Page != 1 || res.PerPage != 2 || res.Degraded ||
		res.Query != "化工 培训" || res.Type != "penalty" || res.Facets["category"]["罚款"] != 5 {
		t.Errorf("result %+v", res)
	}
	h := res.Hits[0]
	if h.Type != search.TypePenalty || h.URL != "/penalties/"+h.ID || h.Title == "" || h.Subtitle == "" ||
		len(h.Fields["decision_no"]) == 0 || !strings.Contains(h.Highlights["violation_type"], "<mark>") {
		t.Errorf("hit %+v", h)
	}

	// The exact decision number — typed with any brackets — the credit
	// code and the full name are exact matches, apart from the related
	// results, over every type; the company's page comes with them.
	for _, tc := range []struct{ q, kind string }{
		{ps[3].DecisionNo, search.KindDecisionNo},
		{"(苏)应急罚[2025]4号", search.KindDecisionNo},
		{"【苏】应急罚（2025）4号", search.KindDecisionNo},
		{ps[3].Party.CreditCode, search.KindCreditCode},
		{ps[3].Party.Name, search.KindName},
	} {
		resp, body = f.get(searchPath(url.Values{"q": {tc.q}}))
		res = decode[search.Result](t, body)
		if resp.StatusCode != 200 || res.QueryKind != tc.kind || res.ExactTotal != 1 || len(res.Exact) != 1 ||
			res.Exact[0].ID != idStr(rs[3].ID) || res.Exact[0].Match != search.MatchExact || !res.Exact[0].Exact {
			t.Errorf("%s: status %d, kind %q, exact %d %+v", tc.q, resp.StatusCode, res.QueryKind, res.ExactTotal, res.Exact)
		}
		if len(res.Subjects) != 1 || res.Subjects[0].URL != "/subjects/"+ps[3].Party.CreditCode {
			t.Errorf("%s: subjects %+v", tc.q, res.Subjects)
		}
		for _, h := range res.Hits {
			if h.ID == idStr(rs[3].ID) || h.Match != search.MatchRelated {
				t.Errorf("%s: related hit %s %q", tc.q, h.ID, h.Match)
			}
		}
	}
	resp, body = f.get(searchPath(url.Values{"q": {"苏州没有这家化工有限公司"}}))
	res = decode[search.Result](t, body)
	if resp.StatusCode != 200 || res.QueryKind != search.KindName || res.ExactTotal != 0 || len(res.Exact) != 0 {
		t.Errorf("an unknown name: kind %q, exact %+v", res.QueryKind, res.Exact)
	}

	// Withdrawn: gone from search.
	if err := f.s.Withdraw(ctx, store.Actor{Name: "test"}, store.EntityPenalty, rs[0].ID, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	f.synced()
	_, body = f.get(searchPath(url.Values{"q": {"化工"}, "type": {"penalty"}}))
	res = decode[search.Result](t, body)
	for _, h := range res.Hits {
		if h.ID == idStr(rs[0].ID) {
			t.Error("a withdrawn penalty is still found")
		}
	}
	if res.Total != 4 {
		t.Errorf("after withdrawal: %d, want 4", res.Total)
	}
	_, body = f.get(searchPath(url.Values{"q": {ps[0].DecisionNo}}))
	if res = decode[search.Result](t, body); res.ExactTotal != 0 || len(res.Exact) != 0 || len(res.Subjects) != 0 {
		t.Errorf("a withdrawn penalty is still an exact match: %+v", res.Exact)
	}

	// Degraded: Meilisearch down, same shape from PostgreSQL; /readyz says so.
	f.m.Kill()
	resp, body = f.get(searchPath(url.Values{"q": {"化工"}, "type": {"penalty"}}))
	res = decode[search.Result](t, body)
	if resp.StatusCode != 200 || !res.Degraded || res.Total != 4 || len(res.Hits) != 4 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("degraded: status %d, %+v", resp.StatusCode, res)
	}
	resp, body = f.get("/readyz")
	var ready struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	json.Unmarshal(body, &ready)
	if resp.StatusCode != 200 || ready.Checks["postgres"] != "ok" || !strings.Contains(ready.Checks["meilisearch"], "degraded") {
		t.Errorf("/readyz with Meilisearch down: %d %s", resp.StatusCode, body)
	}
	f.m.Start()
	for deadline := time.Now().Add(10 * time.Second); ; {
		_, body = f.get(searchPath(url.Values{"q": {"化工"}}))
		if !decode[search.Result](t, body).Degraded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still degraded after Meilisearch came back")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if resp, _ := f.get("/readyz"); resp.StatusCode != 200 {
		t.Errorf("/readyz after Meilisearch came back: %d", resp.StatusCode)
	}
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// TestSearchAPIBadRequests: every invalid parameter is a 400 naming it, in
// the one error shape, before any search runs.
func TestSearchAPIBadRequests(t *testing.T) {
	h := server.New(server.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return fixedNow }})
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, tc := range []struct{ query, param string }{
		{"q=化工&filter=" + url.QueryEscape(`year = 2025 OR 1 = 1`), "filter"},
		{"q=化工&color=red", "color"},
		{"type=everything", "type"},
		{"category=" + url.QueryEscape(`罚款" OR category = "警告`), "category"},
		{"year=last", "year"},
		{"sort=" + url.QueryEscape("-decision_date,-fine"), "sort"},
		{"type=power&stage=事前", "stage"},
		{"type=permit&sort=-fine", "sort"},
		{"page=0", "page"},
		{"per_page=1000", "per_page"},
		{"q=a&q=b", "q"},
	} {
		resp, err := http.Get(srv.URL + "/api/v1/search?" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		e := decode[apiError](t, b)
		if resp.StatusCode != 400 || e.Code != "bad_request" || len(e.Errors) != 1 || e.Errors[0].Field != tc.param ||
			!strings.HasPrefix(e.Message, tc.param+":") {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.query, resp.StatusCode, b, tc.param)
		}
	}
	// Valid, but no search configured.
	resp, err := http.Get(srv.URL + "/api/v1/search?q=化工")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("without a searcher: %d, want 503", resp.StatusCode)
	}
}
