package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
)

// ResponseCache stores whole responses; see internal/cache.
type ResponseCache interface {
	Enabled() bool     // false while the generation cannot be trusted (Redis unreachable)
	Generation() int64 // bumped when a change commits
	Key(normalized string, gen int64) string
	Get(ctx context.Context, key string) ([]byte, bool)
	Set(key string, val []byte, ttl time.Duration)
}

var (
	cacheHit  = []string{"hit"}
	cacheMiss = []string{"miss"}
)

// cachedResponse is what the response cache stores.
type cachedResponse struct {
	Status int                 `json:"s"`
	Header map[string][]string `json:"h"`
	Body   []byte              `json:"b"`
}

// cacheable headers are replayed from the cache; others are per request.
var cachedHeaders = []string{"Content-Type", "Cache-Control", "ETag", "Last-Modified", "Link", "Content-Language"}

const maxCachedBody = 4 << 20

// Cacher serves the public GETs of the route groups it is attached to
// from the response cache, and stores their 200s that are publicly
// cacheable. The key carries the cache generation, bumped when a change
// commits, so nothing computed before a change is served after it.
type Cacher struct {
	rc                      ResponseCache
	ttl, localTTL           time.Duration
	local                   *localCache
	flights                 singleflight.Group
	hit, miss, sharedMisses prometheus.Counter
}

// NewCacher returns a Cacher storing entries in rc for ttl and counting
// its lookups in m.
func NewCacher(rc ResponseCache, ttl time.Duration, m *Metrics) *Cacher {
	return &Cacher{rc: rc, ttl: ttl, localTTL: min(ttl, time.Minute), local: newLocalCache(2048),
		hit: m.cacheHits.WithLabelValues("hit"), miss: m.cacheHits.WithLabelValues("miss"),
		sharedMisses: m.cacheHits.WithLabelValues("shared")}
}

// Variant adds what besides its path and query a group's responses depend
// on to the cache key (the pages' negotiated language); nil: nothing.
type Variant func(*http.Request) string

// Middleware is the cache of one route group, whose responses vary as
// variant says.
func (ch *Cacher) Middleware(variant Variant) gin.HandlerFunc {
	return func(c *gin.Context) {
		r := c.Request
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.Header.Get("Authorization") != "" ||
			!ch.rc.Enabled() {
			c.Writer.Header()["X-Cache"] = cacheMiss
			c.Next()
			return
		}
		req, gen, now := normalizedRequest(r, variant), ch.rc.Generation(), time.Now()
		if e, ok := ch.local.get(req, gen, now); ok {
			ch.hit.Inc()
			replay(c, e)
			return
		}
		key := ch.rc.Key(req, gen)
		if b, ok := ch.rc.Get(r.Context(), key); ok {
			var e cachedResponse
			if json.Unmarshal(b, &e) == nil {
				hr := newHitResponse(&e)
				ch.hit.Inc()
				ch.local.put(req, gen, hr, now.Add(ch.localTTL))
				replay(c, hr)
				return
			}
		}
		// Concurrent misses of the same request in the same generation
		// wait for the first one's response instead of each computing it:
		// right after a change commits, a burst of requests for a costly
		// page (the home page counts every record) reaches the database
		// once per instance, not once per request.
		led := false
		v, _, _ := ch.flights.Do(strconv.FormatInt(gen, 10)+" "+req, func() (any, error) {
			led = true
			ch.miss.Inc()
			return serveAndStore(c, ch.rc, key, ch.ttl), nil
		})
		hr, _ := v.(*hitResponse)
		if hr != nil {
			ch.local.put(req, gen, hr, now.Add(ch.localTTL))
		}
		if led {
			return
		}
		if hr != nil {
			ch.sharedMisses.Inc()
			replay(c, hr)
			return
		}
		// The first response could not be shared (an error, a 304, not
		// public): this request gets its own.
		ch.miss.Inc()
		c.Writer.Header()["X-Cache"] = cacheMiss
		c.Next()
	}
}

// normalizedRequest describes a GET or HEAD (they share entries) for the
// cache key: path, sorted query (url.Values.Encode sorts by key) and what
// variant adds.
func normalizedRequest(r *http.Request, variant Variant) string {
	var q url.Values
	if r.URL.RawQuery != "" {
		q = r.URL.Query()
	}
	key := "GET " + r.URL.Path + "?" + q.Encode()
	if variant != nil {
		key += variant(r)
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
}

func newHitResponse(e *cachedResponse) *hitResponse {
	h := make(http.Header, len(e.Header)+1)
	for k, v := range e.Header {
		h[http.CanonicalHeaderKey(k)] = slices.Clip(v)
	}
	h["X-Cache"] = cacheHit
	hr := &hitResponse{status: e.Status, header: h, body: e.Body, etag: h.Get("ETag")}
	if lm := h.Get("Last-Modified"); lm != "" {
		hr.modified, _ = http.ParseTime(lm)
	}
	return hr
}

// localCache keeps the most recent cached responses in process, in front
// of Redis, by normalized request. An entry remembers the generation it
// was read in and is only served in that generation, so it can never
// serve what Redis would not; it only saves the round trip.
type localCache struct {
	mu      sync.RWMutex
	entries map[string]localEntry
	max     int
}

type localEntry struct {
	resp    *hitResponse
	gen     int64
	expires time.Time
}

func newLocalCache(max int) *localCache {
	return &localCache{entries: make(map[string]localEntry, max), max: max}
}

func (l *localCache) get(req string, gen int64, now time.Time) (*hitResponse, bool) {
	l.mu.RLock()
	e, ok := l.entries[req]
	l.mu.RUnlock()
	if !ok || e.gen != gen || now.After(e.expires) {
		return nil, false
	}
	return e.resp, true
}

func (l *localCache) put(req string, gen int64, r *hitResponse, expires time.Time) {
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
	l.entries[req] = localEntry{r, gen, expires}
}

// replay writes a cached response, or 304 when the request's validators
// match it, as the handler that produced it would.
func replay(c *gin.Context, e *hitResponse) {
	h := c.Writer.Header()
	for k, v := range e.header {
		h[k] = v
	}
	if (e.etag != "" || !e.modified.IsZero()) && NotModified(c.Request, e.etag, e.modified) {
		c.AbortWithStatus(http.StatusNotModified)
		return
	}
	c.Status(e.status)
	if c.Request.Method == http.MethodGet {
		c.Writer.Write(e.body)
	}
	c.Abort()
}

// serveAndStore runs the handlers of a request that missed the cache and
// stores the response under key when it is a publicly cacheable 200 of a
// GET, returning it ready to replay; otherwise it returns nil.
func serveAndStore(c *gin.Context, rc ResponseCache, key string, ttl time.Duration) *hitResponse {
	c.Writer.Header()["X-Cache"] = cacheMiss
	w := &captureWriter{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	cc := w.Header().Get("Cache-Control")
	if w.Status() != http.StatusOK || w.overflow || c.Request.Method != http.MethodGet ||
		!strings.Contains(cc, "public") || strings.Contains(cc, "no-store") {
		return nil
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
	return newHitResponse(&e)
}
