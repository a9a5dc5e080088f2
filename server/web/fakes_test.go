package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/flowchart"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
	"github.com/gongshi/gongshi/server/web"
)

// The handler tests run the pages against small fakes of the interfaces
// they depend on: no database, no search engine, no Graphviz. The tests of
// package server run the same pages on the real services.

func init() { gin.SetMode(gin.ReleaseMode) }

var testNow = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.China)

// fakeReads is a read path holding two versions of each list and no
// records; what it does not hold is store.ErrNotFound, and err, when set,
// is the answer to everything.
type fakeReads struct {
	err      error
	versions map[domain.ListKind][]store.VersionInfo // newest first
	powers   map[int][]domain.PowerItem              // by version number
	resps    map[int][]domain.ResponsibilityItem
	services map[int][]domain.ServiceItem
}

func newFakeReads() *fakeReads {
	r := &fakeReads{versions: map[domain.ListKind][]store.VersionInfo{},
		powers: map[int][]domain.PowerItem{}, resps: map[int][]domain.ResponsibilityItem{}, services: map[int][]domain.ServiceItem{}}
	for _, k := range domain.ListKinds {
		for n := 2; n >= 1; n-- {
			r.versions[k] = append(r.versions[k], store.VersionInfo{Kind: k, Number: n,
				EffectiveDate: time.Date(2026, 1, n, 0, 0, 0, 0, time.UTC), Items: 2})
		}
	}
	for n := 1; n <= 2; n++ {
		r.powers[n] = []domain.PowerItem{
			{Code: "320500CF0001", Name: "对生产经营单位未履行安全生产职责的处罚", Category: "行政处罚", Unit: "执法监督处",
				Flow: domain.StandardFlow("行政处罚")},
			{Code: "320500XK0002", Name: "危险化学品经营许可", Category: "行政许可", Unit: "危化处"},
		}
		r.resps[n] = []domain.ResponsibilityItem{
			{Code: "ZR001", Part: "主要职责", Duty: "安全生产综合监督管理", Name: "组织编制安全生产规划"},
			{Code: "ZR002", Part: "职责边界", Duty: "危险化学品安全监管", Name: "与市场监管部门的分工"},
		}
		r.services[n] = []domain.ServiceItem{
			{Code: "GG001", Name: "安全生产举报受理", Unit: "执法监督处", Flow: domain.StandardFlow(domain.ServiceCategory)},
			{Code: "GG002", Name: "应急科普宣传", Unit: "宣教中心"},
		}
	}
	r.powers[2][1].Name = "危险化学品经营许可（含变更）"
	return r
}

// version finds version n (0: the newest) of a list.
func (r *fakeReads) version(kind domain.ListKind, n int) (store.VersionInfo, error) {
	if r.err != nil {
		return store.VersionInfo{}, r.err
	}
	for _, v := range r.versions[kind] {
		if n == 0 || v.Number == n {
			return v, nil
		}
	}
	return store.VersionInfo{}, store.ErrNotFound
}

func (r *fakeReads) ListVersion(_ context.Context, kind domain.ListKind, n int) (store.VersionInfo, error) {
	return r.version(kind, n)
}

func (r *fakeReads) ListVersions(_ context.Context, kind domain.ListKind) ([]store.VersionInfo, error) {
	return r.versions[kind], r.err
}

func (r *fakeReads) PowerItems(_ context.Context, n int, _ string) (store.VersionInfo, []store.PowerSummary, error) {
	v, err := r.version(domain.ListPowers, n)
	var out []store.PowerSummary
	for _, it := range r.powers[v.Number] {
		out = append(out, store.PowerSummary{Code: it.Code, Name: it.Name, Category: it.Category, Unit: it.Unit})
	}
	return v, out, err
}

func (r *fakeReads) PowerItem(_ context.Context, code string, n int) (store.VersionInfo, domain.PowerItem, error) {
	v, err := r.version(domain.ListPowers, n)
	if err != nil {
		return v, domain.PowerItem{}, err
	}
	for _, it := range r.powers[v.Number] {
		if it.Code == code {
			return v, it, nil
		}
	}
	return v, domain.PowerItem{}, store.ErrNotFound
}

func (r *fakeReads) Responsibilities(_ context.Context, n int) (store.VersionInfo, []domain.ResponsibilityItem, error) {
	v, err := r.version(domain.ListResponsibilities, n)
	return v, r.resps[v.Number], err
}

func (r *fakeReads) Services(_ context.Context, n int) (store.VersionInfo, []domain.ServiceItem, error) {
	v, err := r.version(domain.ListPublicServices, n)
	return v, r.services[v.Number], err
}

func (r *fakeReads) Penalties(context.Context, store.PenaltyQuery) (store.Page[domain.PublishedPenalty], error) {
	return store.Page[domain.PublishedPenalty]{}, r.err
}

func (r *fakeReads) Permits(context.Context, store.PermitQuery) (store.Page[domain.PublishedPermit], error) {
	return store.Page[domain.PublishedPermit]{}, r.err
}

func (r *fakeReads) Penalty(context.Context, int64) (domain.PublishedPenalty, error) {
	return domain.PublishedPenalty{}, store.ErrNotFound
}

func (r *fakeReads) Permit(context.Context, int64) (domain.PublishedPermit, error) {
	return domain.PublishedPermit{}, store.ErrNotFound
}

func (r *fakeReads) Subject(context.Context, string) (store.Subject, error) {
	return store.Subject{}, store.ErrNotFound
}

func (r *fakeReads) Stats(context.Context, store.StatsQuery) (store.Stats, error) {
	return store.Stats{AsOf: testNow}, r.err
}

func (r *fakeReads) QuarterlyFigures(_ context.Context, q store.FiguresQuery) (store.QuarterlyFigures, error) {
	return store.QuarterlyFigures{Quarter: q.Quarter, AsOf: testNow}, r.err
}

func (r *fakeReads) Withdrawals(context.Context) ([]store.WithdrawalMonth, error) { return nil, r.err }

// fakePages is the rest of what pages read: the full power list comes
// from the same fake read path.
type fakePages struct{ reads *fakeReads }

func (p fakePages) PowerListItems(_ context.Context, n int) (store.VersionInfo, []domain.PowerItem, error) {
	v, err := p.reads.version(domain.ListPowers, n)
	return v, p.reads.powers[v.Number], err
}

func (fakePages) HasDemoData(context.Context) (bool, error) { return false, nil }

func (fakePages) SampleRows(context.Context, string, int) ([][]string, error) { return nil, nil }

type fakeDatasets struct{}

func (fakeDatasets) DatasetState(_ context.Context, name string) (store.DatasetState, error) {
	return store.DatasetState{Dataset: name, Modified: testNow}, nil
}

func (fakeDatasets) Snapshots(context.Context, string) ([]store.Snapshot, error) { return nil, nil }

type fakeOverview struct{}

func (fakeOverview) Overview(context.Context, time.Time) (store.Overview, error) {
	return store.Overview{}, nil
}

// fakeSearch answers every search with result (or err) and keeps the
// queries it was asked.
type fakeSearch struct {
	mu      sync.Mutex
	queries []search.Query
	result  *search.Result
	err     error
}

func (s *fakeSearch) Search(_ context.Context, q search.Query) (*search.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, q)
	return s.result, s.err
}

// fakeFlowcharts draws every flowchart as an empty picture with its title.
type fakeFlowcharts struct{}

func (fakeFlowcharts) RenderTitled(_ context.Context, title string, _ domain.Flow) ([]byte, error) {
	return []byte(`<svg><title>` + title + `</title></svg>`), nil
}

func (fakeFlowcharts) RenderGeneric(_ context.Context, title string, _ domain.Flow) ([]byte, error) {
	return []byte(`<svg><title>` + title + `（` + flowchart.GenericLabel + `）</title></svg>`), nil
}

// pagesFixture serves the pages on fakes; log holds what they logged.
type pagesFixture struct {
	t      *testing.T
	h      http.Handler
	reads  *fakeReads
	search *fakeSearch
	log    *bytes.Buffer
}

func newPagesFixture(t *testing.T) *pagesFixture {
	f := &pagesFixture{t: t, reads: newFakeReads(), search: &fakeSearch{result: &search.Result{}}, log: &bytes.Buffer{}}
	log := slog.New(slog.NewJSONHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := web.New(web.Deps{Log: log, Overview: fakeOverview{}, Reads: f.reads, Pages: fakePages{f.reads},
		Datasets: fakeDatasets{}, Search: f.search, Flowcharts: fakeFlowcharts{},
		Now: func() time.Time { return testNow }, Calendar: domain.DefaultCalendar()})
	r := gin.New()
	h.Register(httpx.Pages(r.Group(""), h.Errors()))
	r.NoRoute(h.NotFound)
	f.h = r
	return f
}

// get answers path, with optional request headers ("Name: value").
func (f *pagesFixture) get(path string, headers ...string) (*http.Response, string) {
	f.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, req)
	resp := w.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// logged returns the log records at level.
func (f *pagesFixture) logged(level string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(f.log.String()), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["level"] == level {
			out = append(out, rec)
		}
	}
	return out
}

// Every fake implements what the pages depend on.
var (
	_ web.ReadStore    = (*fakeReads)(nil)
	_ web.PageStore    = fakePages{}
	_ web.DatasetStore = fakeDatasets{}
	_ web.Searcher     = (*fakeSearch)(nil)
	_ web.Flowcharts   = fakeFlowcharts{}
)

func (fakePages) SitemapSpans(context.Context) (map[store.Entity]int64, error) {
	return map[store.Entity]int64{store.EntityPenalty: 1, store.EntityPermit: 1}, nil
}

func (fakePages) SitemapEntries(context.Context, store.Entity, int64) ([]store.SitemapEntry, error) {
	return nil, nil
}
