package httpx

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/store"
)

// Checker reports whether a dependency is healthy.
type Checker interface {
	Ping(ctx context.Context) error
}

// CheckerFunc is a Checker of a function.
type CheckerFunc func(ctx context.Context) error

// Ping calls f.
func (f CheckerFunc) Ping(ctx context.Context) error { return f(ctx) }

// Healthz answers that the process serves.
func Healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// Readyz answers 503 when a required dependency is down; a dependency
// the server can do without (Redis, Meilisearch) is reported as degraded.
// Everyone sees each dependency's state ("ok", "down", "down (degraded)");
// why one is down — an error naming internal addresses — is shown (as
// "errors") only to a local client (see Local) or to a key with the admin
// scope, checked by auth.
func Readyz(required, optional map[string]Checker, auth Authenticator) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
		defer cancel()
		status, degraded := http.StatusOK, false
		checks, reasons := map[string]string{}, map[string]string{}
		for name, ch := range required {
			if err := ch.Ping(ctx); err != nil {
				checks[name], reasons[name] = "down", err.Error()
				status = http.StatusServiceUnavailable
			} else {
				checks[name] = "ok"
			}
		}
		for name, ch := range optional {
			if err := ch.Ping(ctx); err != nil {
				checks[name], reasons[name] = "down (degraded)", err.Error()
				degraded = true
			} else {
				checks[name] = "ok"
			}
		}
		body := gin.H{"ready": status == http.StatusOK, "degraded": degraded, "checks": checks}
		if len(reasons) > 0 && (Local(c) || hasScope(ctx, c, auth, store.ScopeAdmin)) {
			body["errors"] = reasons
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(status, body)
	}
}

// Local reports whether the request comes from this host itself: its
// connection is from a loopback address and no proxy forwarded it (a
// reverse proxy on the same host forwards public requests from loopback).
func Local(c *gin.Context) bool {
	h := c.Request.Header
	if h.Get("X-Forwarded-For") != "" || h.Get("X-Real-Ip") != "" || h.Get("Forwarded") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		host = c.Request.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// hasScope reports whether the request bears a live API key holding
// scope; a missing, unknown or uncheckable key is simply no.
func hasScope(ctx context.Context, c *gin.Context, auth Authenticator, scope string) bool {
	secret, ok := bearer(c.Request)
	if !ok || secret == "" || auth == nil {
		return false
	}
	key, err := auth.Authenticate(ctx, secret)
	return err == nil && key.Has(scope)
}
