package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
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
	setSurrogateKeys(c.Writer.Header(), tags)
}

var (
	cacheHit  = []string{"hit"}
	cacheMiss = []string{"miss"}
)

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
var cachedHeaders = []string{"Content-Type", "Cache-Control", "ETag", "Last-Modified", "Link", "Content-Language", "Content-Disposition", "Vary", "Surrogate-Key", "Cache-Tag"}

const maxCachedBody = 4 << 20

// Cacher serves the public GETs of the route groups it is attached to
// from the response cache, and stores their 200s that are publicly
// cacheable. An entry is served only while none of the tags its handler
// declared (CacheTags) changed since it was computed, and never past the
// next midnight (publicity periods end at a date) or ttl.
type Cacher struct {
	rc                      ResponseCache
	ttl                     time.Duration
	now                     func() time.Time
	local                   *localCache
	flights                 singleflight.Group
	hit, miss, sharedMisses prometheus.Counter
}

// NewCacher returns a Cacher storing entries in rc for ttl at most, with
// days ending at midnight in now's location, counting its lookups in m.
func NewCacher(rc ResponseCache, ttl time.Duration, now func() time.Time, m *Metrics) *Cacher {
	return &Cacher{rc: rc, ttl: ttl, now: now, local: newLocalCache(2048),
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
		if (r.Method != http.MethodGet && r.Method != http.MethodHead) || r.Header.Get("Authorization") != "" {
			c.Writer.Header()["X-Cache"] = cacheMiss
			c.Next()
			return
		}
		asOf, ok := ch.rc.Snapshot()
		if !ok {
			c.Writer.Header()["X-Cache"] = cacheMiss
			c.Next()
			return
		}
		req, now := normalizedRequest(c, variant), ch.now()
		if e := ch.local.get(req); e != nil {
			if e.valid(ch.rc, now) {
				ch.hit.Inc()
				replay(c, e)
				return
			}
			ch.local.drop(req, e)
		}
		key := ch.rc.Key(req)
		if b, ok := ch.rc.Get(r.Context(), key); ok {
			var e cachedResponse
			if json.Unmarshal(b, &e) == nil {
				if hr := newHitResponse(&e); hr.valid(ch.rc, now) {
					ch.hit.Inc()
					ch.local.put(req, hr)
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
		v, _, _ := ch.flights.Do(strconv.FormatInt(asOf, 10)+" "+req, func() (any, error) {
			led = true
			ch.miss.Inc()
			return serveAndStore(c, ch.rc, key, asOf, now, expiry(now, ch.ttl)), nil
		})
		hr, _ := v.(*hitResponse)
		if hr != nil {
			ch.local.put(req, hr)
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

// normalizedRequest describes a GET or HEAD (they share entries) for the
// cache key: path, sorted query (url.Values.Encode sorts by key) and what
// variant adds. On a route that declared the parameters it takes (see
// Accepted.Check), the query holds only those.
func normalizedRequest(c *gin.Context, variant Variant) string {
	r := c.Request
	var q string
	if r.URL.RawQuery != "" {
		vs := r.URL.Query()
		if a, ok := c.Get(acceptedKey); ok {
			q = a.(Accepted).canonical(vs)
		} else {
			q = vs.Encode()
		}
	}
	key := "GET " + r.URL.Path + "?" + q
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
			if k == "ETag" {
				// Compress may have marked the tag already; the
				// replay is marked again when compressed.
				v = []string{identityTag(v[0])}
			}
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
