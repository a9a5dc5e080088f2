package httpx

import (
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics counts requests and their latency by route and status, and the
// response cache's lookups.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	cacheHits *prometheus.CounterVec

	mu     sync.RWMutex
	routes map[routeKey]routeMetrics
}

// NewMetrics registers the HTTP metrics in reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		reg: reg,
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

// Middleware counts every request under its route pattern.
func (m *Metrics) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		rm := m.route(routeKey{c.Request.Method, route, recordedStatus(c)})
		rm.requests.Inc()
		rm.latency.Observe(time.Since(start).Seconds())
	}
}

// recordedStatus is the status a request is logged and counted under:
// the response's, except StatusClientClosedRequest for a failure whose
// client had already gone away.
func recordedStatus(c *gin.Context) int {
	status := c.Writer.Status()
	if status >= 500 && ClientGone(c.Request) {
		return StatusClientClosedRequest
	}
	return status
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() gin.HandlerFunc {
	return gin.WrapH(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
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
func (m *Metrics) route(k routeKey) routeMetrics {
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
