package httpx

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Checker reports whether a dependency is healthy.
type Checker interface {
	Ping(ctx context.Context) error
}

// Healthz answers that the process serves.
func Healthz(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// Readyz answers 503 when a required dependency is down; a dependency
// the server can do without (Redis, Meilisearch) is reported as degraded.
func Readyz(required, optional map[string]Checker) gin.HandlerFunc {
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
