// Package server is Gongshi's HTTP layer: the gin engine, its middleware,
// the JSON API handlers and the page handlers. Handlers depend on small
// interfaces, never on drivers.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
)

// Checker reports whether a dependency is healthy.
type Checker interface {
	Ping(ctx context.Context) error
}

// Deps is everything the HTTP layer needs.
type Deps struct {
	Log      *slog.Logger
	Ingest   Ingester
	Keys     Authenticator
	Overview OverviewReader
	Reads    ReadStore    // public read API (readapi.go)
	Datasets DatasetStore // open-data catalog and downloads (datasets.go)
	Feeds    FeedStore    // credit-center feeds (feeds.go)
	Search   Searcher     // full-text search (search.go)
	Pages    PageStore    // what the HTML pages need beyond Reads (pages.go); *store.Public
	BaseURL  string       // public URL of the portal, for absolute links in Atom feeds; "": relative links
	// TrustedProxies are the IPs and CIDR ranges (reverse proxies, load
	// balancers) whose X-Forwarded-For / X-Real-IP name the client. From
	// anyone else those headers are ignored: a client could otherwise
	// choose the IP its rate limit is counted under.
	TrustedProxies []string
	Rules          domain.PublicityRules
	Calendar       *domain.Calendar // working days for disclosure timeliness; nil: domain.DefaultCalendar()
	Now            func() time.Time
	Ready          map[string]Checker // dependencies /readyz requires (503 when one is down)
	Degrade        map[string]Checker // dependencies /readyz reports but serves without (cache, search)

	Cache    ResponseCache // nil: no response cache
	Limiter  RateLimiter   // nil: an in-process limiter
	Limits   Limits        // zero: DefaultLimits
	CacheTTL time.Duration // zero: 10 minutes
	Registry *prometheus.Registry
}

// DefaultLimits are generous for people and strict enough for scrapers.
var DefaultLimits = Limits{PerIP: ratelimit.PerMinute(600), PerKey: ratelimit.PerMinute(6000)}

// New builds the HTTP handler.
func New(d Deps) http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Calendar == nil {
		cal := domain.DefaultCalendar()
		d.Calendar = &cal
	}
	if d.Limiter == nil {
		d.Limiter = ratelimit.New(nil)
	}
	if d.Limits == (Limits{}) {
		d.Limits = DefaultLimits
	}
	if d.CacheTTL == 0 {
		d.CacheTTL = 10 * time.Minute
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	m := newMetrics(d.Registry)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// gin's default list, spelled canonically: gin looks each up on every
	// request, and canonicalizing "X-Real-IP" allocates.
	r.RemoteIPHeaders = []string{"X-Forwarded-For", "X-Real-Ip"}
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		d.Log.Error("bad trusted proxies; trusting none", "err", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(requestID(), recovery(d.Log), m.middleware(), accessLog(d.Log), defaultCacheControl(), cors(),
		rateLimit(d.Limiter, d.Limits))
	if d.Cache != nil {
		r.Use(responseCache(d.Cache, d.CacheTTL, d.Now, m.cacheHits))
	}
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) {
		writeError(c, d.Log, newError(http.StatusNotFound, "not_found", "no such page or endpoint"))
	})
	r.NoMethod(func(c *gin.Context) {
		writeError(c, d.Log, newError(http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed here"))
	})

	r.GET("/healthz", func(c *gin.Context) {
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"status": "ok"})
	})
	r.GET("/readyz", readyz(d.Ready, d.Degrade))
	r.GET("/openapi.yaml", serveSpec)
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{})))

	ih := ingestHandlers{store: d.Ingest, rules: d.Rules, now: d.Now}
	admin := r.Group("/api/v1/admin", requireScope(d.Keys, store.ScopeIngest))
	admin.POST("/penalties", handle(d.Log, ih.penalties))
	admin.POST("/permits", handle(d.Log, ih.permits))
	admin.POST("/penalties/:id/withdraw", handle(d.Log, ih.withdraw(store.EntityPenalty)))
	admin.POST("/permits/:id/withdraw", handle(d.Log, ih.withdraw(store.EntityPermit)))
	admin.PUT("/lists/:kind", handle(d.Log, ih.publishList))

	api := r.Group("/api/v1")
	registerReadAPI(api, d)
	registerDatasets(api, d)
	registerFeeds(api, d)
	registerSearch(api, d)

	registerPages(r, d)
	return r
}

// readyz answers 503 when a required dependency is down; a dependency
// the server can do without (Redis, Meilisearch) is reported as degraded.
func readyz(required, optional map[string]Checker) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		status, degraded, out := http.StatusOK, false, gin.H{}
		for name, ch := range required {
			if err := ch.Ping(ctx); err != nil {
				out[name] = "down: " + err.Error()
				status = http.StatusServiceUnavailable
			} else {
				out[name] = "ok"
			}
		}
		for name, ch := range optional {
			if err := ch.Ping(ctx); err != nil {
				out[name] = "down (degraded): " + err.Error()
				degraded = true
			} else {
				out[name] = "ok"
			}
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(status, gin.H{"ready": status == http.StatusOK, "degraded": degraded, "checks": out})
	}
}

// requestID gives every response an X-Request-ID: the client's, or a
// new one. The access log reads it back from the response header.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Request.Header.Get("X-Request-Id") // canonical spelling: no allocation
		if id == "" || len(id) > 64 {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Writer.Header()["X-Request-Id"] = []string{id}
		c.Next()
	}
}

// accessLog logs every request at level info; when that level is off, it
// costs nothing (the client IP in particular is not resolved).
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		if !log.Enabled(ctx, slog.LevelInfo) {
			c.Next()
			return
		}
		start := time.Now()
		c.Next()
		log.LogAttrs(ctx, slog.LevelInfo, "http",
			slog.String("method", c.Request.Method),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", c.Writer.Status()),
			slog.Duration("took", time.Since(start)),
			slog.String("request_id", c.Writer.Header().Get("X-Request-ID")),
			slog.String("client", c.ClientIP()))
	}
}

func recovery(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, v any) {
		log.ErrorContext(c.Request.Context(), "panic", "value", v, "path", c.Request.URL.Path)
		c.Header("Cache-Control", "no-store")
		c.AbortWithStatusJSON(http.StatusInternalServerError,
			newError(http.StatusInternalServerError, "internal", "internal error; it has been logged"))
	})
}
