package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/ratelimit"
)

// ResponseCache stores whole responses; see internal/cache.
type ResponseCache interface {
	Enabled() bool // false while the generation cannot be trusted (Redis unreachable)
	Key(normalized string) string
	Get(ctx context.Context, key string) ([]byte, bool)
	Set(key string, val []byte, ttl time.Duration)
}

// RateLimiter decides whether a client may make one more request.
type RateLimiter interface {
	Allow(ctx context.Context, key string, lim ratelimit.Limit) ratelimit.Result
}

// Limits are the request budgets per client.
type Limits struct {
	PerIP  ratelimit.Limit // anonymous clients, by IP
	PerKey ratelimit.Limit // authenticated clients (ingest, feeds), by key
}

// defaultCacheControl makes every response carry Cache-Control: handlers
// that can be cached publicly override it.
func defaultCacheControl() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "no-cache")
		c.Next()
	}
}

// cors lets browsers on any origin read the public API (GET, HEAD) and
// answers preflight requests.
func cors() gin.HandlerFunc {
	return func(c *gin.Context) {
		p := c.Request.URL.Path
		if !strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/api/v1/admin") {
			c.Next()
			return
		}
		h := c.Writer.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "ETag, Last-Modified, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-ID")
		if c.Request.Method == http.MethodOptions {
			h.Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Authorization, If-None-Match, If-Modified-Since")
			h.Set("Access-Control-Max-Age", "86400")
			h.Set("Cache-Control", "public, max-age=86400")
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	}
}

func authenticatedPath(p string) bool {
	return strings.HasPrefix(p, "/api/v1/admin") || strings.HasPrefix(p, "/api/v1/feeds")
}

// rateLimit spends one request of the client's budget: by API key on the
// authenticated routes, by IP elsewhere. 429 carries Retry-After; every
// response carries the RateLimit-* headers.
func rateLimit(l RateLimiter, limits Limits) gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			c.Next() // probes are never limited
			return
		}
		key, lim := "ip:"+c.ClientIP(), limits.PerIP
		if secret, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer "); ok && authenticatedPath(c.Request.URL.Path) {
			sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
			key, lim = "key:"+hex.EncodeToString(sum[:12]), limits.PerKey
		}
		r := l.Allow(c.Request.Context(), key, lim)
		h := c.Writer.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(r.Limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(r.Remaining))
		h.Set("RateLimit-Reset", strconv.Itoa(ceilSeconds(r.ResetAfter)))
		if !r.Allowed {
			h.Set("Retry-After", strconv.Itoa(max(ceilSeconds(r.RetryAfter), 1)))
			c.Header("Cache-Control", "no-store")
			c.AbortWithStatusJSON(http.StatusTooManyRequests, newError(http.StatusTooManyRequests, "rate_limited",
				"too many requests; retry after "+h.Get("Retry-After")+" s"))
			return
		}
		c.Next()
	}
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }

// cachedResponse is what the response cache stores.
type cachedResponse struct {
	Status int                 `json:"s"`
	Header map[string][]string `json:"h"`
	Body   []byte              `json:"b"`
}

// cacheable headers are replayed from the cache; others are per request.
var cachedHeaders = []string{"Content-Type", "Cache-Control", "ETag", "Last-Modified", "Link", "Content-Language"}

const maxCachedBody = 4 << 20

// notCached lists path prefixes whose responses are never cached: writes,
// authenticated feeds, health, metrics and streamed downloads.
var notCached = []string{"/api/v1/admin", "/api/v1/feeds", "/healthz", "/readyz", "/metrics"}

func cacheablePath(p string) bool {
	for _, n := range notCached {
		if strings.HasPrefix(p, n) {
			return false
		}
	}
	return !strings.Contains(p, "/download") && !strings.Contains(p, "/snapshots/")
}

// normalizedRequest describes a request for the cache key: path, sorted
// query (url.Values.Encode sorts by key) and, for pages, the language
// negotiated from Accept-Language.
func normalizedRequest(r *http.Request) string {
	key := r.Method + " " + r.URL.Path + "?" + r.URL.Query().Encode()
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		lang, _ := i18n.Negotiate(r.URL.Query().Get("lang"), r.Header.Get("Accept-Language"))
		key += " lang=" + string(lang)
	}
	return key
}

// captureWriter copies the body of a response while writing it.
type captureWriter struct {
	gin.ResponseWriter
	buf      bytes.Buffer
	overflow bool
}

func (w *captureWriter) Write(b []byte) (int, error) {
	if !w.overflow {
		if w.buf.Len()+len(b) > maxCachedBody {
			w.overflow = true
			w.buf = bytes.Buffer{}
		} else {
			w.buf.Write(b)
		}
	}
	return w.ResponseWriter.Write(b)
}

func (w *captureWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// localCache keeps the most recent cached responses in process, in front
// of Redis. Its keys carry the generation like Redis's, so it can never
// serve what Redis would not; it only saves the round trip.
type localCache struct {
	mu      sync.Mutex
	entries map[string]localEntry
	max     int
}

type localEntry struct {
	resp    *cachedResponse
	expires time.Time
}

func newLocalCache(max int) *localCache {
	return &localCache{entries: make(map[string]localEntry, max), max: max}
}

func (l *localCache) get(key string, now time.Time) (*cachedResponse, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.entries[key]
	if !ok || now.After(e.expires) {
		return nil, false
	}
	return e.resp, true
}

func (l *localCache) put(key string, r *cachedResponse, expires time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.entries) >= l.max {
		for k := range l.entries { // evict an arbitrary tenth
			delete(l.entries, k)
			if len(l.entries) < l.max*9/10 {
				break
			}
		}
	}
	l.entries[key] = localEntry{r, expires}
}

// replay writes a cached response.
func replay(c *gin.Context, e *cachedResponse) {
	h := c.Writer.Header()
	for k, v := range e.Header {
		h[k] = v
	}
	h.Set("X-Cache", "hit")
	if etag := h.Get("ETag"); etag != "" && c.Request.Header.Get("If-None-Match") == etag {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	c.Status(e.Status)
	if c.Request.Method == http.MethodGet {
		c.Writer.Write(e.Body)
	}
	c.Abort()
}

// responseCache serves public GETs from the cache and stores 200s that are
// publicly cacheable. The key carries the cache generation, bumped when a
// change commits, so nothing computed before a change is served after it.
func responseCache(rc ResponseCache, ttl time.Duration, hits *prometheus.CounterVec) gin.HandlerFunc {
	local := newLocalCache(2048)
	localTTL := min(ttl, time.Minute)
	return func(c *gin.Context) {
		r := c.Request
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.Header.Get("Authorization") != "" ||
			!cacheablePath(r.URL.Path) || !rc.Enabled() {
			c.Header("X-Cache", "miss")
			c.Next()
			return
		}
		key := rc.Key(normalizedRequest(&http.Request{Method: http.MethodGet, URL: r.URL, Header: r.Header}))
		now := time.Now()
		if e, ok := local.get(key, now); ok {
			hits.WithLabelValues("hit").Inc()
			replay(c, e)
			return
		}
		if b, ok := rc.Get(r.Context(), key); ok {
			var e cachedResponse
			if json.Unmarshal(b, &e) == nil {
				hits.WithLabelValues("hit").Inc()
				local.put(key, &e, now.Add(localTTL))
				replay(c, &e)
				return
			}
		}
		hits.WithLabelValues("miss").Inc()
		c.Writer.Header().Set("X-Cache", "miss")
		w := &captureWriter{ResponseWriter: c.Writer}
		c.Writer = w
		c.Next()
		cc := w.Header().Get("Cache-Control")
		if w.Status() != http.StatusOK || w.overflow || r.Method != http.MethodGet ||
			!strings.Contains(cc, "public") || strings.Contains(cc, "no-store") {
			return
		}
		e := cachedResponse{Status: w.Status(), Header: map[string][]string{}, Body: w.buf.Bytes()}
		for _, k := range cachedHeaders {
			if v := w.Header().Values(k); len(v) > 0 {
				e.Header[k] = v
			}
		}
		if b, err := json.Marshal(e); err == nil {
			rc.Set(key, b, ttl)
		}
	}
}

// metrics counts requests and their latency by route and status.
type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	cacheHits *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongshi_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "gongshi_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"}),
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongshi_response_cache_total", Help: "Response cache lookups by result.",
		}, []string{"result"}),
	}
	reg.MustRegister(m.requests, m.latency, m.cacheHits)
	return m
}

func (m *metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
		m.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	}
}
