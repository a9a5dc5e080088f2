// Package api is Gongshi's JSON API under /api/v1: the public read API
// (records, subjects, lists, statistics), search, the open-data catalog
// with its downloads and snapshots, the credit-center feeds and the
// authenticated ingest API. It is described in openapi/openapi.yaml.
// Handlers depend on the small interfaces below, never on drivers, and
// return their errors to one httpx.Adapter, which renders them as JSON.
package api

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// Flowcharts draws flowcharts; *flowchart.Renderer implements it.
type Flowcharts interface {
	RenderTitled(ctx context.Context, title string, f domain.Flow) ([]byte, error)
	// RenderGeneric draws a category's standard flow shown for an item
	// that has none of its own: labelled so, without time limits.
	RenderGeneric(ctx context.Context, title string, f domain.Flow) ([]byte, error)
}

// Deps is what the API needs. Every dependency must be set: the assembly
// stands in for a missing one.
type Deps struct {
	Log        *slog.Logger
	Reads      ReadStore
	Ingest     Ingester
	Datasets   DatasetStore
	Feeds      FeedStore
	Search     Searcher
	Flowcharts Flowcharts
	// Enforcement and EnforcementIngest are the enforcement disclosure
	// records' reads (*store.Public) and writes (*store.Store).
	Enforcement       EnforcementReads
	EnforcementIngest EnforcementIngester
	Rules             domain.PublicityRules
	Calendar          domain.Calendar
	Now               func() time.Time
	Downloads         DownloadLimits
	// Stall is how long a client may stop reading a streamed response
	// (downloads, feeds) before it is cut off; 0: 2 minutes.
	Stall time.Duration
}

// Groups are the route groups the API registers in, rooted at /api/v1,
// /api/v1/feeds and /api/v1/admin. The assembly attaches each group's
// policies (CORS, rate limits, response cache, authentication).
type Groups struct {
	Cached   httpx.Routes // public reads whose 200s the response cache may store
	Uncached httpx.Routes // public reads never stored: searches, downloads and snapshots
	Feeds    httpx.Routes // the credit-center feeds (scope feed)
	Admin    httpx.Routes // ingest (scope ingest)
}

// Handlers serve the API.
type Handlers struct {
	errors   httpx.Adapter
	reads    readHandlers
	ingest   ingestHandlers
	datasets *datasetHandlers
	feeds    feedHandlers
	search   Searcher
	enf      enforcementHandlers
	enfIn    enforcementIngest
}

// New returns the API's handlers.
func New(d Deps) *Handlers {
	stall := cmp.Or(d.Stall, defaultStall)
	return &Handlers{
		errors:   httpx.NewAdapter(d.Log, httpx.JSON),
		reads:    readHandlers{store: d.Reads, districts: &districtIndex{}, calendar: d.Calendar, flowcharts: d.Flowcharts},
		ingest:   ingestHandlers{store: d.Ingest, rules: d.Rules, now: d.Now},
		datasets: &datasetHandlers{store: d.Datasets, log: d.Log, exports: newSlots(d.Downloads), stall: stall},
		feeds:    feedHandlers{store: d.Feeds, log: d.Log, stall: stall},
		search:   d.Search,
		enf: enforcementHandlers{store: d.Enforcement, reads: d.Reads, districts: &districtIndex{}, calendar: d.Calendar,
			now: d.Now},
		enfIn: enforcementIngest{store: d.EnforcementIngest, now: d.Now},
	}
}

// listTagged declares that fn's answer depends on one list only (kind,
// or the :kind parameter when ""): a record's change leaves it cached,
// and browsers may keep it (httpx.CDN).
func listTagged(kind string, fn httpx.HandlerFunc) httpx.HandlerFunc {
	return func(c *gin.Context) error {
		k := kind
		if k == "" {
			k = c.Param("kind")
		}
		httpx.CacheTags(c, cache.ListTag(k))
		return fn(c)
	}
}

// Errors is the adapter that renders the API's errors; the assembly uses
// it for the errors of the API's middleware too.
func (h *Handlers) Errors() httpx.Adapter { return h.errors }

// Register adds every route of the API to its group.
func (h *Handlers) Register(g Groups) {
	do := h.errors.Handle
	r, c := h.reads, g.Cached
	c.GET("/penalties", do(r.penalties))
	c.GET("/penalties/:id", do(r.penalty))
	c.GET("/permits", do(r.permits))
	c.GET("/permits/:id", do(r.permit))
	c.GET("/subjects/:credit_code", do(r.subject))
	powers := string(domain.ListPowers)
	c.GET("/powers", do(listTagged(powers, r.powers)))
	c.GET("/powers/:code", do(listTagged(powers, r.power)))
	c.GET("/powers/:code/flowchart.svg", do(listTagged(powers, r.flowchart)))
	c.GET("/lists/:kind", do(listTagged("", r.list)))
	c.GET("/lists/:kind/versions", do(listTagged("", r.listVersions)))
	c.GET("/lists/:kind/versions/:n", do(listTagged("", r.listVersion)))
	c.GET("/lists/:kind/versions/:n/changes", do(listTagged("", r.listChanges)))
	c.GET("/stats", do(r.stats))

	u := g.Uncached
	// Search results follow the index, which trails the database: the
	// response cache learns of a change when it commits, before the
	// indexer has applied it.
	u.GET("/search", do(searchHandler(h.search)))

	ds := h.datasets
	c.GET("/datasets", do(ds.catalog))
	c.GET("/datasets/:name", do(ds.dataset))
	// Snapshots are re-issued without a change-log entry (when a record in
	// them is withdrawn), so the response cache could not tell their list
	// is stale: it is read each time, like their files.
	u.GET("/datasets/:name/snapshots", do(ds.snapshots))
	u.GET("/datasets/:name/download", do(ds.download))
	u.GET("/datasets/:name/snapshots/:date", do(ds.snapshot))
	u.GET("/datasets/:name/snapshots/:date/:format", do(ds.snapshotFile))

	e := h.enf
	c.GET("/enforcement-bodies", do(e.bodies))
	c.GET("/enforcement-bodies/:credit_code", do(e.body))
	c.GET("/officers", do(e.officers))
	c.GET("/officers/verify/:certificate_no", do(e.verify))
	c.GET("/registers/:register/versions", do(e.registerVersions))
	c.GET("/registers/:register/versions/:n/changes", do(e.registerChanges))
	c.GET("/inspection-items", do(e.inspectionItems))
	c.GET("/inspection-tasks", do(e.tasks))
	c.GET("/inspection-tasks/:id", do(e.task))
	c.GET("/inspection-results", do(e.results))
	c.GET("/inspection-results/:id", do(e.result))
	c.GET("/enforcement-plans", do(e.plans))
	c.GET("/criminal-referrals", do(e.referrals))
	c.GET("/reports/quarterly", do(e.quarterly))
	ed := enforcementDatasets{datasetHandlers: ds, store: e.store}
	c.GET("/enforcement-datasets", do(ed.list))
	c.GET("/enforcement-datasets/:name", do(ed.one))
	u.GET("/enforcement-datasets/:name/download", do(ed.download))

	g.Feeds.GET("/:feed", do(h.feeds.page))

	in, a := h.ingest, g.Admin
	a.POST("/penalties", do(in.penalties))
	a.POST("/permits", do(in.permits))
	a.POST("/penalties/:id/withdraw", do(in.withdraw(store.EntityPenalty)))
	a.POST("/permits/:id/withdraw", do(in.withdraw(store.EntityPermit)))
	a.PUT("/lists/:kind", do(in.publishList))
	ei := h.enfIn
	a.POST("/enforcement-bodies", do(handler(ei, bodyIngest)))
	a.POST("/officers", do(handler(ei, officerIngest)))
	a.PUT("/inspection-items", do(ei.publishItems))
	a.POST("/inspection-tasks", do(handler(ei, taskIngest)))
	a.POST("/inspection-results", do(handler(ei, resultIngest)))
	a.POST("/inspection-results/:id/withdraw", do(ei.withdrawResult))
	a.POST("/enforcement-plans", do(handler(ei, planIngest)))
	a.POST("/criminal-referrals", do(handler(ei, referralIngest)))
}
