package server

import (
	"context"
	"io"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/flowchart"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/api"
	"github.com/gongshi/gongshi/server/httpx"
	"github.com/gongshi/gongshi/server/web"
)

// ReleaseMode turns gin's debug output off for the whole process. The
// command calls it once at start; a library never changes it.
func ReleaseMode() { gin.SetMode(gin.ReleaseMode) }

// complete returns d with its defaults (a clock, the built-in calendar,
// the default limits, a flowchart renderer) filled in and every missing
// dependency replaced, here and only here, by a stand-in that behaves as
// the dependency does when it is down: a missing store, searcher, feed or
// key store makes the features that need it answer 503 "… is not
// configured"; a missing response cache never hits; a missing rate
// limiter is an in-process one.
func complete(d Deps) Deps {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Calendar == nil {
		cal := domain.DefaultCalendar()
		d.Calendar = &cal
	}
	if d.Limits == (httpx.Limits{}) {
		d.Limits = httpx.DefaultLimits
	}
	if d.CacheTTL == 0 {
		d.CacheTTL = 10 * time.Minute
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Limiter == nil {
		d.Limiter = ratelimit.New(nil)
	}
	if d.Flowcharts == nil {
		d.Flowcharts = flowchart.NewRenderer(flowchart.Options{})
	}
	if d.Cache == nil {
		d.Cache = noCache{}
	}
	standIn(&d.Ingest, "the ingest API")
	standIn(&d.Keys, "the API key store")
	standIn(&d.Overview, "the overview")
	standIn(&d.Reads, "the read API")
	standIn(&d.Datasets, "the open-data catalog")
	standIn(&d.Feeds, "the credit-center feed")
	standIn(&d.Search, "search")
	standIn(&d.Pages, "the pages' store")
	standIn(&d.Enforcement, "the enforcement records")
	standIn(&d.EnforcementIngest, "the enforcement ingest API")
	return d
}

// standIn sets *dep, when nil, to an unconfigured stand-in for what.
func standIn[T any](dep *T, what string) {
	if any(*dep) == nil {
		*dep = any(unconfigured(what)).(T)
	}
}

// unconfigured stands in for any missing store, searcher or feed: every
// call fails with a 503 naming the missing feature.
type unconfigured string

func (u unconfigured) err() error { return httpx.Unavailable(string(u)) }

func (u unconfigured) Search(context.Context, search.Query) (*search.Result, error) {
	return nil, u.err()
}

func (u unconfigured) Authenticate(context.Context, string) (store.APIKey, error) {
	return store.APIKey{}, u.err()
}

func (u unconfigured) Overview(context.Context, time.Time) (store.Overview, error) {
	return store.Overview{}, u.err()
}

func (u unconfigured) UpsertPenalties(context.Context, store.Actor, []domain.Penalty, store.WriteOptions) ([]store.UpsertResult, error) {
	return nil, u.err()
}

func (u unconfigured) UpsertPermits(context.Context, store.Actor, []domain.Permit, store.WriteOptions) ([]store.UpsertResult, error) {
	return nil, u.err()
}

func (u unconfigured) Withdraw(context.Context, store.Actor, store.Entity, int64, domain.WithdrawReason, string) error {
	return u.err()
}

func (u unconfigured) PublishList(context.Context, store.Actor, store.ListInput, store.WriteOptions) (store.PublishResult, error) {
	return store.PublishResult{}, u.err()
}

func (u unconfigured) Penalties(context.Context, store.PenaltyQuery) (store.Page[domain.PublishedPenalty], error) {
	return store.Page[domain.PublishedPenalty]{}, u.err()
}

func (u unconfigured) Permits(context.Context, store.PermitQuery) (store.Page[domain.PublishedPermit], error) {
	return store.Page[domain.PublishedPermit]{}, u.err()
}

func (u unconfigured) Penalty(context.Context, int64) (domain.PublishedPenalty, error) {
	return domain.PublishedPenalty{}, u.err()
}

func (u unconfigured) Permit(context.Context, int64) (domain.PublishedPermit, error) {
	return domain.PublishedPermit{}, u.err()
}

func (u unconfigured) Subject(context.Context, string) (store.Subject, error) {
	return store.Subject{}, u.err()
}

func (u unconfigured) Districts(context.Context) ([]store.District, error) { return nil, u.err() }

func (u unconfigured) ListVersions(context.Context, domain.ListKind) ([]store.VersionInfo, error) {
	return nil, u.err()
}

func (u unconfigured) ListVersion(context.Context, domain.ListKind, int) (store.VersionInfo, error) {
	return store.VersionInfo{}, u.err()
}

func (u unconfigured) ListChanges(context.Context, domain.ListKind, int) (store.VersionInfo, []domain.ListChange, error) {
	return store.VersionInfo{}, nil, u.err()
}

func (u unconfigured) PowerItems(context.Context, int, string) (store.VersionInfo, []store.PowerSummary, error) {
	return store.VersionInfo{}, nil, u.err()
}

func (u unconfigured) PowerItem(context.Context, string, int) (store.VersionInfo, domain.PowerItem, error) {
	return store.VersionInfo{}, domain.PowerItem{}, u.err()
}

func (u unconfigured) Responsibilities(context.Context, int) (store.VersionInfo, []domain.ResponsibilityItem, error) {
	return store.VersionInfo{}, nil, u.err()
}

func (u unconfigured) Services(context.Context, int) (store.VersionInfo, []domain.ServiceItem, error) {
	return store.VersionInfo{}, nil, u.err()
}

func (u unconfigured) Stats(context.Context, store.StatsQuery) (store.Stats, error) {
	return store.Stats{}, u.err()
}

func (u unconfigured) QuarterlyFigures(context.Context, store.FiguresQuery) (store.QuarterlyFigures, error) {
	return store.QuarterlyFigures{}, u.err()
}

func (u unconfigured) Withdrawals(context.Context) ([]store.WithdrawalMonth, error) {
	return nil, u.err()
}

func (u unconfigured) PowerListItems(context.Context, int) (store.VersionInfo, []domain.PowerItem, error) {
	return store.VersionInfo{}, nil, u.err()
}

func (u unconfigured) HasDemoData(context.Context) (bool, error) { return false, u.err() }

func (u unconfigured) SampleRows(context.Context, string, int) ([][]string, error) {
	return nil, u.err()
}

func (u unconfigured) SitemapSpans(context.Context) (map[store.Entity]int64, error) {
	return nil, u.err()
}

func (u unconfigured) SitemapEntries(context.Context, store.Entity, int64) ([]store.SitemapEntry, error) {
	return nil, u.err()
}

func (u unconfigured) DatasetState(context.Context, string) (store.DatasetState, error) {
	return store.DatasetState{}, u.err()
}

func (u unconfigured) ExportDataset(context.Context, string, func(store.DatasetState) error, func([]string) error) error {
	return u.err()
}

func (u unconfigured) Snapshots(context.Context, string) ([]store.Snapshot, error) {
	return nil, u.err()
}

func (u unconfigured) Snapshot(context.Context, string, time.Time) (store.Snapshot, error) {
	return store.Snapshot{}, u.err()
}

func (u unconfigured) OpenSnapshotFile(context.Context, string, time.Time, export.Format) (io.ReadSeekCloser, store.Snapshot, store.SnapshotFile, error) {
	return nil, store.Snapshot{}, store.SnapshotFile{}, u.err()
}

func (u unconfigured) FeedPage(context.Context, store.Entity, int64, int, func(store.FeedPage) error, func(*store.FeedEntry) error) error {
	return u.err()
}

func (u unconfigured) FullFeedPage(context.Context, store.Entity, int64, int, func(store.FeedPage) error, func(*store.FeedEntry) error) error {
	return u.err()
}

// noCache stands in for a missing response cache: it can never vouch for
// an entry, so every request is computed.
type noCache struct{}

func (noCache) Snapshot() (int64, bool)                       { return 0, false }
func (noCache) Head() int64                                   { return 0 }
func (noCache) Valid(int64, []string) bool                    { return false }
func (noCache) Key(string) string                             { return "" }
func (noCache) Get(context.Context, string) ([]byte, bool)    { return nil, false }
func (noCache) Set(key string, val []byte, ttl time.Duration) {}

// The stand-ins implement every interface they stand in for.
var (
	_ interface {
		api.Ingester
		httpx.Authenticator
		web.OverviewReader
		api.ReadStore
		web.ReadStore
		api.DatasetStore
		web.DatasetStore
		api.FeedStore
		api.Searcher
		web.PageStore
	} = unconfigured("")
	_ httpx.ResponseCache = noCache{}
)
