// Package web is the portal's pages: HTML rendered on the server from the
// embedded templates in public/templates, complete without JavaScript,
// with the Atom feeds, CSV and SVG downloads that go with them and the
// static assets. Every page reads through the public read path (ReadStore
// and PageStore are *store.Public), renders into a buffer, and is sent
// with an ETag (the hash of its bytes) and Cache-Control: public,
// max-age=60 — or no-cache for search results, whose index lags the
// database by the indexer's delay. Handlers return their errors to one
// httpx.Adapter, which renders them as an HTML error page.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// bureau is who publishes the portal and its data.
var bureau = dataset.Publisher

// bureauLD is the bureau as schema.org data.
func bureauLD() map[string]any {
	return map[string]any{"@type": "GovernmentOrganization", "name": bureau}
}

// OverviewReader reads the home page's headline figures.
type OverviewReader interface {
	Overview(ctx context.Context, today time.Time) (store.Overview, error)
}

// ReadStore is the public read path the pages show: *store.Public
// implements it, so every record is published, within its publicity
// period and masked.
type ReadStore interface {
	Penalties(ctx context.Context, q store.PenaltyQuery) (store.Page[domain.PublishedPenalty], error)
	Permits(ctx context.Context, q store.PermitQuery) (store.Page[domain.PublishedPermit], error)
	Penalty(ctx context.Context, id int64) (domain.PublishedPenalty, error)
	Permit(ctx context.Context, id int64) (domain.PublishedPermit, error)
	Subject(ctx context.Context, creditCode string) (store.Subject, error)
	ListVersions(ctx context.Context, kind domain.ListKind) ([]store.VersionInfo, error)
	ListVersion(ctx context.Context, kind domain.ListKind, n int) (store.VersionInfo, error)
	PowerItems(ctx context.Context, n int, category string) (store.VersionInfo, []store.PowerSummary, error)
	PowerItem(ctx context.Context, code string, n int) (store.VersionInfo, domain.PowerItem, error)
	Responsibilities(ctx context.Context, n int) (store.VersionInfo, []domain.ResponsibilityItem, error)
	Services(ctx context.Context, n int) (store.VersionInfo, []domain.ServiceItem, error)
	Stats(ctx context.Context, q store.StatsQuery) (store.Stats, error)
	QuarterlyFigures(ctx context.Context, q store.FiguresQuery) (store.QuarterlyFigures, error)
	Withdrawals(ctx context.Context) ([]store.WithdrawalMonth, error)
}

// PageStore is what pages need beyond the read API; *store.Public
// implements it.
type PageStore interface {
	// PowerListItems is version n (0: current) of the power list in full.
	PowerListItems(ctx context.Context, n int) (store.VersionInfo, []domain.PowerItem, error)
	// HasDemoData reports whether the published data is 示例数据.
	HasDemoData(ctx context.Context) (bool, error)
	// SampleRows is up to n rows of a dataset, as its downloads write them.
	SampleRows(ctx context.Context, name string, n int) ([][]string, error)
	// SitemapSpans and SitemapEntries list the public records' pages for
	// the sitemap, store.SitemapSpan ids per file.
	SitemapSpans(ctx context.Context) (map[store.Entity]int64, error)
	SitemapEntries(ctx context.Context, entity store.Entity, n int64) ([]store.SitemapEntry, error)
}

// DatasetStore is what the data pages show of the datasets' versions and
// snapshots; internal/snapshot.Service implements it.
type DatasetStore interface {
	DatasetState(ctx context.Context, name string) (store.DatasetState, error)
	Snapshots(ctx context.Context, name string) ([]store.Snapshot, error)
}

// Searcher answers full-text searches; *search.Service implements it.
type Searcher interface {
	Search(ctx context.Context, q search.Query) (*search.Result, error)
}

// Flowcharts draws flowcharts; *flowchart.Renderer implements it.
type Flowcharts interface {
	RenderTitled(ctx context.Context, title string, f domain.Flow) ([]byte, error)
	// RenderGeneric draws a category's standard flow shown for an item
	// that has none of its own: labelled so, without time limits.
	RenderGeneric(ctx context.Context, title string, f domain.Flow) ([]byte, error)
}

// Deps is what the pages need. Every dependency must be set: the
// assembly stands in for a missing one.
type Deps struct {
	Log        *slog.Logger
	Overview   OverviewReader
	Reads      ReadStore
	Pages      PageStore
	Datasets   DatasetStore
	Search     Searcher
	Flowcharts Flowcharts
	Now        func() time.Time
	BaseURL    string // public URL of the portal, for absolute links in Atom feeds; "": relative links
	Calendar   domain.Calendar
	// Enforcement reads the enforcement disclosure records; *store.Public.
	Enforcement EnforcementStore
}

// Handlers serve the pages.
type Handlers struct {
	log        *slog.Logger
	errors     httpx.Adapter
	overview   OverviewReader
	reads      ReadStore
	pages      PageStore
	datasets   DatasetStore
	search     Searcher
	flowcharts Flowcharts
	now        func() time.Time
	baseURL    string
	demo       *demoFlag
	calendar   domain.Calendar
	enf        EnforcementStore
}

// New returns the pages' handlers.
func New(d Deps) *Handlers {
	h := &Handlers{log: d.Log, overview: d.Overview, reads: d.Reads, pages: d.Pages, datasets: d.Datasets,
		search: d.Search, flowcharts: d.Flowcharts, now: d.Now, baseURL: d.BaseURL, demo: &demoFlag{}, calendar: d.Calendar,
		enf: d.Enforcement}
	h.errors = httpx.NewAdapter(d.Log, h.renderError)
	return h
}

// Errors is the adapter that renders errors as HTML pages.
func (h *Handlers) Errors() httpx.Adapter { return h.errors }

// CacheVariant is what the pages' responses depend on besides their URL,
// for the response cache: the language negotiated from Accept-Language.
func CacheVariant(r *http.Request) string {
	lang, _ := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
	return " lang=" + string(lang)
}

// Register adds the portal's pages, their feeds and downloads, and the
// static assets, each with the query parameters it takes: every page
// takes lang; anything else is a 400 naming the parameter.
func (h *Handlers) Register(r httpx.PageRoutes) {
	get := func(p string, q httpx.Accepted, fn httpx.HandlerFunc) { r.GET(p, q, h.errors.Handle(fn)) }
	page := func(names ...string) httpx.Accepted { return httpx.Accept(append([]string{"lang"}, names...)...) }
	searchParams := page(append([]string{"q", "type", "sort", "page", "per_page"}, search.FilterNames...)...).
		Repeatable(search.FilterNames...)
	get("/", page(), h.home)
	get("/search", searchParams, h.searchPage)
	get("/search/feed.atom", searchParams, h.searchFeed)
	get("/search/suggest", page("q"), h.suggest)
	get("/penalties/:id", page(), h.penalty)
	get("/permits/:id", page(), h.permit)
	get("/subjects/:code", page(), h.subject)
	get("/subjects/:code/feed.atom", page(), h.subjectFeed)
	get("/subjects/:code/report", page(), h.subjectReport)
	for _, d := range subjectDownloads {
		get("/subjects/:code"+d.suffix(), page("headers"), h.subjectFile(d))
	}
	for _, k := range domain.ListKinds {
		base := "/lists/" + string(k)
		get(base, page("version", "q", "category", "page"), h.list(k))
		get(base+"/versions", page(), h.versions(k))
		get(base+"/compare", page("from", "to"), h.compare(k))
		get(base+"/:code", page("version"), h.listItem(k))
		if k.Info().Flowcharts {
			get(base+"/:code/flowchart.svg", page("version"), h.flowchartSVG(k))
		}
	}
	get("/data", page(), h.datasetsPage)
	get("/data/:name", page(), h.datasetPage)
	get("/stats", page("district", "year", "quarter", "ytd"), h.statsPage)
	get("/stats/:chart", page("district", "year", "quarter", "ytd"), h.statsCSV)
	get("/withdrawals", page(), h.withdrawalsPage)
	get("/api", page(), h.apiReference)
	get("/subscribe", page(), h.subscribe)
	get("/about", page(), h.about)
	get("/robots.txt", page(), h.robots)
	get("/sitemap.xml", page(), h.sitemap)
	get("/sitemaps/:file", page(), h.sitemapFile)
	h.registerEnforcement(get, page)
	r.GET("/static/*filepath", httpx.Accept("v"), serveStatic)
}

// NotFound answers a request for a page that does not exist.
func (h *Handlers) NotFound(c *gin.Context) { h.errors.Fail(c, httpx.NotFound("no such page")) }

// demoFlag caches HasDemoData for a few minutes: the banner is on every
// page, and the answer changes only when data is loaded.
type demoFlag struct {
	mu    sync.Mutex
	value bool
	until time.Time
}

func (d *demoFlag) get(ctx context.Context, ps PageStore, log *slog.Logger) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if time.Now().Before(d.until) {
		return d.value
	}
	v, err := ps.HasDemoData(ctx)
	if err != nil {
		log.WarnContext(ctx, "pages: cannot tell whether the data is demo data", "err", err)
		d.until = time.Now().Add(10 * time.Second)
		return d.value
	}
	d.value, d.until = v, time.Now().Add(5*time.Minute)
	return v
}
