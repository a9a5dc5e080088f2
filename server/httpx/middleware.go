package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
)

// Header values written on every response. The middleware stores them
// under canonical keys directly, skipping Header.Set's canonicalization
// on the hot path; the slices are shared read-only (len == cap, so an
// Add copies them).
var (
	noCache        = []string{"no-cache"}
	anyOrigin      = []string{"*"}
	exposedHeaders = []string{"ETag, Last-Modified, Link, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-ID"}
)

// PageCSP is the Content-Security-Policy of the pages: scripts, styles,
// fonts and requests only from the portal itself, no inline script or
// style, images also as data: (a flowchart's PNG export draws its SVG
// from a data: URL), no plugins, forms submitted only to the portal and
// no framing by other sites.
const PageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// APICSP is the Content-Security-Policy of every other response (JSON,
// probes, metrics): nothing in it may load or run anything, or be framed.
const APICSP = "default-src 'none'; frame-ancestors 'none'"

// SecurityHeaders sets the headers that keep browsers from running,
// sniffing or framing a response other than as intended: the
// Content-Security-Policy csp, X-Frame-Options: DENY (for browsers that
// predate frame-ancestors), X-Content-Type-Options: nosniff and
// Referrer-Policy: strict-origin-when-cross-origin (links to other sites
// carry the portal's origin, never a search's query). The headers are set
// before the handlers run, so errors, rate-limit answers and responses
// replayed from the cache carry them too.
func SecurityHeaders(csp string) gin.HandlerFunc {
	policy := []string{csp}
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h["Content-Security-Policy"] = policy
		h["X-Frame-Options"] = frameDeny
		h["X-Content-Type-Options"] = noSniff
		h["Referrer-Policy"] = referrerPolicy
		c.Next()
	}
}

var (
	frameDeny      = []string{"DENY"}
	noSniff        = []string{"nosniff"}
	referrerPolicy = []string{"strict-origin-when-cross-origin"}
)

// RequestID gives every response an X-Request-ID: the client's, or a
// new one. The access log reads it back from the response header.
func RequestID() gin.HandlerFunc {
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

// AccessLog logs every request at level info; when that level is off, it
// costs nothing (the client IP in particular is not resolved).
func AccessLog(log *slog.Logger) gin.HandlerFunc {
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
			slog.Int("status", recordedStatus(c)),
			slog.Duration("took", time.Since(start)),
			slog.String("request_id", c.Writer.Header().Get("X-Request-ID")),
			slog.String("client", c.ClientIP()))
	}
}

// Recovery turns a panic into a logged 500 in the JSON error shape.
func Recovery(log *slog.Logger) gin.HandlerFunc {
	return gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, v any) {
		log.ErrorContext(c.Request.Context(), "panic", "value", v, "path", c.Request.URL.Path)
		c.Header("Cache-Control", "no-store")
		JSON(c, internalError(), nil)
	})
}

// DefaultCacheControl makes every response carry Cache-Control: handlers
// that can be cached publicly override it.
func DefaultCacheControl() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Writer.Header()["Cache-Control"] = noCache
		c.Next()
	}
}

// CORS lets browsers on any origin read the responses of its group (GET,
// HEAD) and answers their preflight requests, which CrossOrigin routes
// to it.
func CORS() gin.HandlerFunc {
	return func(c *gin.Context) {
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

// SameOriginOnly answers the CORS preflight (OPTIONS) of routes that
// browsers must not call from other origins — the admin API, whose keys
// belong on servers, not in web pages: 204 with the methods the routes
// take in Allow, and no Access-Control-Allow-* header, so a browser
// refuses the cross-origin request it was asking about. It is registered
// outside the routes' authentication, which a preflight never carries.
func SameOriginOnly(allow string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Allow", allow)
		c.Header("Cache-Control", "no-store")
		c.AbortWithStatus(http.StatusNoContent)
	}
}

// Routes is where a handler package registers its routes. The assembly
// creates one per route group, with the group's policies (middleware)
// already attached.
type Routes interface {
	GET(path string, h gin.HandlerFunc) // also answers HEAD
	POST(path string, h gin.HandlerFunc)
	PUT(path string, h gin.HandlerFunc)
}

// Group returns the Routes of a gin route group.
func Group(g *gin.RouterGroup) Routes { return group{g, nil} }

// CrossOrigin returns the Routes of a group whose middleware includes
// CORS: every path registered through it also answers the preflight
// (OPTIONS) that browsers send first.
func CrossOrigin(g *gin.RouterGroup) Routes { return group{g, map[string]bool{}} }

type group struct {
	g         *gin.RouterGroup
	preflight map[string]bool // paths that answer OPTIONS; nil: none
}

// GET routes path for GET and HEAD (RFC 9110: a HEAD is a GET without the
// body, which net/http drops).
func (r group) GET(path string, h gin.HandlerFunc) {
	r.g.GET(path, h)
	r.g.HEAD(path, h)
	r.options(path)
}
func (r group) POST(path string, h gin.HandlerFunc) { r.g.POST(path, h); r.options(path) }
func (r group) PUT(path string, h gin.HandlerFunc)  { r.g.PUT(path, h); r.options(path) }

// options registers the preflight of path once: CORS answers it, so the
// handler after it never runs.
func (r group) options(path string) {
	if r.preflight == nil || r.preflight[path] {
		return
	}
	r.preflight[path] = true
	r.g.OPTIONS(path, func(c *gin.Context) { c.AbortWithStatus(http.StatusNoContent) })
}

// PageRoutes is where the pages register their routes, each with the
// query parameters it takes.
type PageRoutes interface {
	GET(path string, q Accepted, h gin.HandlerFunc) // also answers HEAD
}

// Pages returns the PageRoutes of a gin route group: a route first
// checks its query (errs answers a parameter the route does not take),
// then runs policies (the response cache), then its handler.
func Pages(g *gin.RouterGroup, errs Adapter, policies ...gin.HandlerFunc) PageRoutes {
	return pages{g, errs, policies}
}

type pages struct {
	g        *gin.RouterGroup
	errs     Adapter
	policies []gin.HandlerFunc
}

func (p pages) GET(path string, q Accepted, h gin.HandlerFunc) {
	p.g.GET(path, p.chain(q, h)...)
	p.g.HEAD(path, p.chain(q, h)...)
}

func (p pages) chain(q Accepted, h gin.HandlerFunc) []gin.HandlerFunc {
	return slices.Concat([]gin.HandlerFunc{q.Check(p.errs)}, p.policies, []gin.HandlerFunc{h})
}
