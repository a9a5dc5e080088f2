// Package server assembles Gongshi's HTTP handler: the gin engine, the
// middleware every request passes, and the route groups of the JSON API
// (server/api) and of the pages (server/web), each group with its
// policies — CORS, rate limits, the response cache, authentication. The
// handlers live in those packages and the shared middleware in
// server/httpx; this package only wires them.
package server

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/flowchart"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/api"
	"github.com/gongshi/gongshi/server/httpx"
	"github.com/gongshi/gongshi/server/web"
)

// Deps is everything the HTTP layer needs. A dependency left nil is
// replaced by a stand-in (see complete), so that the handlers never test
// for one.
type Deps struct {
	Log      *slog.Logger
	Ingest   api.Ingester
	Keys     httpx.Authenticator
	Overview web.OverviewReader
	Reads    api.ReadStore    // public read API and pages; *store.Public
	Datasets api.DatasetStore // open-data catalog, downloads and snapshots; *snapshot.Service
	Feeds    api.FeedStore    // credit-center feeds; *store.CreditFeed
	Search   api.Searcher     // full-text search; *search.Service
	// Flowcharts draws the lists' flowcharts; nil: a renderer of its own.
	Flowcharts *flowchart.Renderer
	Pages      web.PageStore // what the pages need beyond Reads; *store.Public
	// Enforcement reads the enforcement disclosure records for the API and
	// the pages (*store.Public); EnforcementIngest writes them (*store.Store).
	Enforcement       api.EnforcementReads
	EnforcementIngest api.EnforcementIngester
	BaseURL           string // public URL of the portal, for absolute links in Atom feeds; "": relative links
	// TrustedProxies are the IPs and CIDR ranges (reverse proxies, load
	// balancers) whose X-Forwarded-For / X-Real-IP name the client. From
	// anyone else those headers are ignored: a client could otherwise
	// choose the IP its rate limit is counted under.
	TrustedProxies []string
	Rules          domain.PublicityRules
	Calendar       *domain.Calendar // working days for disclosure timeliness; nil: domain.DefaultCalendar()
	Now            func() time.Time
	Ready          map[string]httpx.Checker // dependencies /readyz requires (503 when one is down)
	Degrade        map[string]httpx.Checker // dependencies /readyz reports but serves without (cache, search)

	Cache    httpx.ResponseCache // nil: no response cache
	Limiter  httpx.RateLimiter   // nil: an in-process limiter
	Limits   httpx.Limits        // zero: httpx.DefaultLimits
	CacheTTL time.Duration       // zero: 10 minutes
	// Downloads bound the live dataset downloads; zero: 2 at once.
	Downloads api.DownloadLimits
	// Stall is how long a client may stop reading a streamed response
	// (downloads, feeds) before it is cut off, releasing what the
	// response holds; the server's write timeout. Zero: 2 minutes.
	Stall    time.Duration
	Registry *prometheus.Registry
}

// New builds the HTTP handler. Every request passes the request id,
// recovery, metrics, access log and default Cache-Control middleware;
// then the policies of its route group:
//
//	/healthz /readyz /metrics          API headers
//	/api/v1 (reads, datasets)          API headers, CORS, limit by IP, valid query, response cache
//	/api/v1 (search, downloads)        API headers, CORS, limit by IP, valid query
//	/api/v1/feeds                      API headers, CORS, limit by key (by IP without one), scope feed
//	                                   when a key is given (the masked feed is public), valid query
//	/api/v1/admin                      API headers, limit by key, scope ingest, valid query, no query
//	                                   parameters, JSON bodies
//	pages, assets, /openapi.yaml       page headers, limit by IP, valid query, each route's query
//	                                   parameters, response cache (by language)
//	anything else (404, 405)           page headers, limit by IP
//
// Outside /api/, responses of text types are compressed (httpx.Compress).
//
// Page headers are the pages' Content-Security-Policy and the other
// security headers (httpx.SecurityHeaders); API headers the same with a
// policy that allows nothing. A valid query is well-formed percent-encoded
// UTF-8 (httpx.ValidQuery).
func New(d Deps) http.Handler {
	d = complete(d)
	m := httpx.NewMetrics(d.Registry)
	r := gin.New()
	// gin's default list, spelled canonically: gin looks each up on every
	// request, and canonicalizing "X-Real-IP" allocates.
	r.RemoteIPHeaders = []string{"X-Forwarded-For", "X-Real-Ip"}
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		d.Log.Error("bad trusted proxies; trusting none", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(httpx.RequestID(), httpx.Recovery(d.Log), m.Middleware(), httpx.AccessLog(d.Log), httpx.DefaultCacheControl(), httpx.CDN())

	apis := api.New(api.Deps{Log: d.Log, Reads: d.Reads, Ingest: d.Ingest, Datasets: d.Datasets, Feeds: d.Feeds,
		Search: d.Search, Flowcharts: d.Flowcharts, Rules: d.Rules, Calendar: *d.Calendar, Now: d.Now,
		Downloads: d.Downloads, Stall: d.Stall, Enforcement: d.Enforcement, EnforcementIngest: d.EnforcementIngest})
	pages := web.New(web.Deps{Log: d.Log, Overview: d.Overview, Reads: d.Reads, Pages: d.Pages, Datasets: d.Datasets,
		Search: d.Search, Flowcharts: d.Flowcharts, Now: d.Now, BaseURL: d.BaseURL, Calendar: *d.Calendar,
		Enforcement: d.Enforcement})
	errs := apis.Errors()      // the middleware's errors are JSON
	keys := httpx.NewKeyMemo() // which tokens spend a key's budget, which are refused unasked
	byIP, byKey := httpx.LimitByIP(errs, d.Limiter, d.Limits), httpx.LimitByKey(errs, d.Limiter, d.Limits, keys)
	cache := httpx.NewCacher(d.Cache, d.CacheTTL, d.Now, m)

	pageHeaders, apiHeaders := httpx.SecurityHeaders(httpx.PageCSP), httpx.SecurityHeaders(httpx.APICSP)
	probes := r.Group("", apiHeaders)
	probes.GET("/healthz", httpx.Healthz)
	probes.GET("/readyz", httpx.Readyz(d.Ready, d.Degrade, d.Keys))
	probes.GET("/metrics", m.Handler())

	public := r.Group("/api/v1", apiHeaders, httpx.CORS(), byIP, httpx.ValidQuery(errs))
	apis.Register(api.Groups{
		Cached:   httpx.CrossOrigin(public.Group("", cache.Middleware(nil))),
		Uncached: httpx.CrossOrigin(public),
		Feeds: httpx.CrossOrigin(r.Group("/api/v1/feeds", apiHeaders, httpx.CORS(), byKey, httpx.ValidQuery(errs),
			api.AnonymousFeeds(httpx.RequireScope(errs, api.FeedKeys(d.Keys), store.ScopeFeed, keys)))),
		Admin: httpx.Group(r.Group("/api/v1/admin", apiHeaders, byKey, httpx.RequireScope(errs, d.Keys, store.ScopeIngest, keys),
			httpx.ValidQuery(errs), httpx.Accept().Check(errs), httpx.RequireJSON(errs))),
	})

	r.OPTIONS("/api/v1/admin/*path", apiHeaders, httpx.SameOriginOnly("POST, PUT, OPTIONS"))

	site := httpx.Pages(r.Group("", pageHeaders, byIP, httpx.ValidQuery(pages.Errors())), pages.Errors(), cache.Middleware(web.CacheVariant))
	site.GET("/openapi.yaml", httpx.Accept(), api.ServeSpec)
	pages.Register(site)

	r.HandleMethodNotAllowed = true
	r.NoRoute(pageHeaders, byIP, func(c *gin.Context) {
		// Browsers get an HTML 404 for unknown pages; API clients keep JSON.
		if !strings.HasPrefix(c.Request.URL.Path, "/api/") && strings.Contains(c.GetHeader("Accept"), "text/html") {
			pages.NotFound(c)
			return
		}
		errs.Fail(c, httpx.NotFound("no such page or endpoint"))
	})
	r.NoMethod(pageHeaders, byIP, func(c *gin.Context) {
		errs.Fail(c, httpx.NewError(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed here"))
	})
	h, err := httpx.Compress(r)
	if err != nil {
		d.Log.Error("pages served uncompressed", "err", err)
		return r
	}
	return h
}
