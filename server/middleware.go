package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/gongshi/gongshi/internal/i18n"
	"github.com/gongshi/gongshi/internal/ratelimit"
)

// ResponseCache stores whole responses; see internal/cache. Entries carry
// the change-log position they were computed at and the tags they depend
// on; the cache says whether they are still valid.
type ResponseCache interface {
	// Snapshot returns the change-log position a response computed from
	// now on reflects at least; ok is false while validity cannot be
	// judged (the change log is unreadable), and the cache is bypassed.
	Snapshot() (asOf int64, ok bool)
	Head() int64                          // the newest change-log position known
	Valid(asOf int64, tags []string) bool // no tag changed after asOf
	Key(normalized string) string
	Get(ctx context.Context, key string) ([]byte, bool)
	Set(key string, val []byte, ttl time.Duration)
}

// cacheTagsKey holds, in a request's context, the tags its response
// depends on (see CacheTags).
const cacheTagsKey = "gongshi.cache.tags"

// CacheTags declares what the response being written depends on (record,
// subject, dataset and list tags of internal/cache). A response that
// declares no tags depends on every change.
func CacheTags(c *gin.Context, tags ...string) {
	if prev, ok := c.Get(cacheTagsKey); ok {
		tags = append(prev.([]string), tags...)
	}
	c.Set(cacheTagsKey, tags)
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

// Header values written on every response. The middleware stores them
// under canonical keys directly, skipping Header.Set's canonicalization
// on the hot path; the slices are shared read-only (len == cap, so an
// Add copies them).
var (
	noCache        = []string{"no-cache"}
	anyOrigin      = []string{"*"}
	exposedHeaders = []string{"ETag, Last-Modified, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-ID"}
	cacheHit       = []string{"hit"}
	cacheMiss      = []string{"miss"}
)

// defaultCacheControl makes every response carry Cache-Control: handlers
// that can be cached publicly override it.
func defaultCacheControl() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Writer.Header()["Cache-Control"] = noCache
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
		h["Access-Control-Allow-Origin"] = anyOrigin
		h["Access-Control-Expose-Headers"] = exposedHeaders
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
		// One allocation for the three values (capacity 1 each: an Add copies).
		v := []string{strconv.Itoa(r.Limit), strconv.Itoa(r.Remaining), strconv.Itoa(ceilSeconds(r.ResetAfter))}
		h["Ratelimit-Limit"], h["Ratelimit-Remaining"], h["Ratelimit-Reset"] = v[0:1:1], v[1:2:2], v[2:3:3]
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

// cachedResponse is what the response cache stores: the response, the
// change-log position it was computed at, the tags it depends on and when
// it expires (unix seconds).
type cachedResponse struct {
	Status  int                 `json:"s"`
	Header  map[string][]string `json:"h"`
	Body    []byte              `json:"b"`
	AsOf    int64               `json:"a"`
	Tags    []string            `json:"t,omitempty"`
	Expires int64               `json:"e"`
}

// cacheable headers are replayed from the cache; others are per request.
var cachedHeaders = []string{"Content-Type", "Cache-Control", "ETag", "Last-Modified", "Link", "Content-Language"}

const maxCachedBody = 4 << 20

// notCached lists path prefixes whose responses are never cached: writes,
// authenticated feeds, health, metrics, streamed downloads and search
// (answered no-cache: Meilisearch is the fast path, and a lookup that can
// never hit would cost every search a Redis round trip).
var notCached = []string{"/api/v1/admin", "/api/v1/feeds", "/api/v1/search", "/healthz", "/readyz", "/metrics"}

func cacheablePath(p string) bool {
	for _, n := range notCached {
		if strings.HasPrefix(p, n) {
			return false
		}
	}
	return !strings.Contains(p, "/download") && !strings.Contains(p, "/snapshots/")
}

// normalizedRequest describes a GET or HEAD (they share entries) for the
// cache key: path, sorted query (url.Values.Encode sorts by key) and, for
// pages, the language negotiated from Accept-Language.
func normalizedRequest(r *http.Request) string {
	var q url.Values
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	key := "GET " + r.URL.Path + "?" + q.Encode()
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		lang, _ := i18n.Negotiate(q.Get("lang"), r.Header.Get("Accept-Language"))
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

// hitResponse is a cached response ready to replay: its header has
// canonical keys and X-Cache: hit, and is shared read-only by every
// request that replays it; its validators are parsed once.
type hitResponse struct {
	status   int
	header   http.Header
	body     []byte
	etag     string
	modified time.Time
	asOf     int64
	tags     []string
	expires  time.Time
	checked  atomic.Int64 // the change-log head it was last found valid at
}

func newHitResponse(e *cachedResponse) *hitResponse {
	h := make(http.Header, len(e.Header)+1)
	for k, v := range e.Header {
		h[http.CanonicalHeaderKey(k)] = slices.Clip(v)
	}
	h["X-Cache"] = cacheHit
	hr := &hitResponse{status: e.Status, header: h, body: e.Body, etag: h.Get("ETag"),
		asOf: e.AsOf, tags: e.Tags, expires: time.Unix(e.Expires, 0)}
	hr.checked.Store(e.AsOf)
	if lm := h.Get("Last-Modified"); lm != "" {
		hr.modified, _ = http.ParseTime(lm)
	}
	return hr
}

// localCache keeps the most recent cached responses in process, in front
// of Redis, by normalized request. Entries are judged valid exactly as
// Redis entries are, so it only saves the round trip.
type localCache struct {
	mu      sync.RWMutex
	entries map[string]*hitResponse
	max     int
}

func newLocalCache(max int) *localCache {
	return &localCache{entries: make(map[string]*hitResponse, max), max: max}
}

func (l *localCache) get(req string) *hitResponse {
	l.mu.RLock()
	e := l.entries[req]
	l.mu.RUnlock()
	return e
}

func (l *localCache) drop(req string, e *hitResponse) {
	l.mu.Lock()
	if l.entries[req] == e {
		delete(l.entries, req)
	}
	l.mu.Unlock()
}

func (l *localCache) put(req string, r *hitResponse) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.entries[req]; !ok && len(l.entries) >= l.max {
		for k := range l.entries { // evict an arbitrary tenth
			delete(l.entries, k)
			if len(l.entries) < l.max*9/10 {
				break
			}
		}
	}
	l.entries[req] = r
}

// valid reports whether e may be served now: not expired, and none of its
// tags changed since it was computed. A check is remembered until the
// change-log head moves, so a hot entry costs one comparison.
func (e *hitResponse) valid(rc ResponseCache, now time.Time) bool {
	if !now.Before(e.expires) {
		return false
	}
	head := rc.Head()
	if e.checked.Load() == head {
		return true
	}
	if !rc.Valid(e.asOf, e.tags) {
		return false
	}
	e.checked.Store(head)
	return true
}

// replay writes a cached response, or 304 when the request's validators
// match it, as the handler that produced it would.
func replay(c *gin.Context, e *hitResponse) {
	h := c.Writer.Header()
	for k, v := range e.header {
		h[k] = v
	}
	if (e.etag != "" || !e.modified.IsZero()) && notModified(c.Request, e.etag, e.modified) {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	c.Status(e.status)
	if c.Request.Method == http.MethodGet {
		c.Writer.Write(e.body)
	}
	c.Abort()
}

// responseCache serves public GETs from the cache and stores 200s that are
// publicly cacheable. An entry is served only while none of the tags its
// handler declared (CacheTags) changed since it was computed, and never
// past the next midnight (publicity periods end at a date) or ttl.
func responseCache(rc ResponseCache, ttl time.Duration, now func() time.Time, hits *prometheus.CounterVec) gin.HandlerFunc {
	local := newLocalCache(2048)
	hit, miss, shared := hits.WithLabelValues("hit"), hits.WithLabelValues("miss"), hits.WithLabelValues("shared")
	var flights singleflight.Group
	return func(c *gin.Context) {
		r := c.Request
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.Header.Get("Authorization") != "" ||
			!cacheablePath(r.URL.Path) {
			c.Writer.Header()["X-Cache"] = cacheMiss
			c.Next()
			return
		}
		asOf, ok := rc.Snapshot()
		if !ok {
			c.Writer.Header()["X-Cache"] = cacheMiss
			c.Next()
			return
		}
		req, t := normalizedRequest(r), now()
		if e := local.get(req); e != nil {
			if e.valid(rc, t) {
				hit.Inc()
				replay(c, e)
				return
			}
			local.drop(req, e)
		}
		key := rc.Key(req)
		if b, ok := rc.Get(r.Context(), key); ok {
			var e cachedResponse
			if json.Unmarshal(b, &e) == nil {
				if hr := newHitResponse(&e); hr.valid(rc, t) {
					hit.Inc()
					local.put(req, hr)
					replay(c, hr)
					return
				}
			}
		}
		// Concurrent misses of the same request at the same change-log
		// position wait for the first one's response instead of each
		// computing it: right after a change commits, a burst of requests
		// for a costly page reaches the database once per instance, not
		// once per request.
		led := false
		v, _, _ := flights.Do(strconv.FormatInt(asOf, 10)+" "+req, func() (any, error) {
			led = true
			miss.Inc()
			return serveAndStore(c, rc, key, asOf, t, expiry(t, ttl)), nil
		})
		hr, _ := v.(*hitResponse)
		if hr != nil {
			local.put(req, hr)
		}
		if led {
			return
		}
		if hr != nil {
			shared.Inc()
			replay(c, hr)
			return
		}
		// The first response could not be shared (an error, a 304, not
		// public): this request gets its own.
		miss.Inc()
		c.Writer.Header()["X-Cache"] = cacheMiss
		c.Next()
	}
}

// expiry is when an entry computed at t stops being served: after ttl, and
// at the latest at the next midnight of t's location, when publicity
// periods end.
func expiry(t time.Time, ttl time.Duration) time.Time {
	midnight := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
	if end := t.Add(ttl); end.Before(midnight) {
		return end
	}
	return midnight
}

// serveAndStore runs the handlers of a request that missed the cache and
// stores the response under key when it is a publicly cacheable 200 of a
// GET, returning it ready to replay; otherwise it returns nil. asOf is the
// change-log position read before the handlers ran, now the request's time.
func serveAndStore(c *gin.Context, rc ResponseCache, key string, asOf int64, now, expires time.Time) *hitResponse {
	c.Writer.Header()["X-Cache"] = cacheMiss
	w := &captureWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	cc := w.Header().Get("Cache-Control")
	if w.Status() != http.StatusOK || w.overflow || c.Request.Method != http.MethodGet ||
		!strings.Contains(cc, "public") || strings.Contains(cc, "no-store") {
		return nil
	}
	e := cachedResponse{Status: w.Status(), Header: map[string][]string{}, Body: w.buf.Bytes(),
		AsOf: asOf, Expires: expires.Unix()}
	if tags, ok := c.Get(cacheTagsKey); ok {
		e.Tags = tags.([]string)
	}
	for _, k := range cachedHeaders {
		if v := w.Header().Values(k); len(v) > 0 {
			e.Header[k] = v
		}
	}
	if b, err := json.Marshal(e); err == nil {
		if ttl := expires.Sub(now); ttl > time.Second {
			rc.Set(key, b, ttl)
		}
	}
	return newHitResponse(&e)
}

// metrics counts requests and their latency by route and status.
type metrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	cacheHits *prometheus.CounterVec

	mu     sync.RWMutex
	routes map[routeKey]routeMetrics
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
			Name: "gongshi_response_cache_total", Help: "Response cache lookups by result (shared: a miss answered with the response of a concurrent identical miss).",
		}, []string{"result"}),
		routes: map[routeKey]routeMetrics{},
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
		rm := m.route(routeKey{c.Request.Method, route, c.Writer.Status()})
		rm.requests.Inc()
		rm.latency.Observe(time.Since(start).Seconds())
	}
}

type routeKey struct {
	method, route string
	status        int
}

type routeMetrics struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

// route returns the series of one method, route and status. Looking a
// series up by label values hashes every label; this map is looked up by
// the key as is, and holds no more entries than the vectors have series.
func (m *metrics) route(k routeKey) routeMetrics {
	m.mu.RLock()
	rm, ok := m.routes[k]
	m.mu.RUnlock()
	if ok {
		return rm
	}
	rm = routeMetrics{m.requests.WithLabelValues(k.method, k.route, strconv.Itoa(k.status)), m.latency.WithLabelValues(k.route)}
	m.mu.Lock()
	m.routes[k] = rm
	m.mu.Unlock()
	return rm
}
