package httpx_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/server/httpx"
)

// Every response of a group with SecurityHeaders carries them, error
// answers included; the pages' policy allows no inline script or style.
func TestSecurityHeaders(t *testing.T) {
	r := gin.New()
	a := httpx.NewAdapter(slog.New(slog.DiscardHandler), httpx.JSON)
	g := r.Group("", httpx.SecurityHeaders(httpx.PageCSP))
	g.GET("/ok", func(c *gin.Context) { c.String(200, "ok") })
	g.GET("/fail", a.Handle(func(*gin.Context) error { return httpx.NotFound("no") }))
	for _, path := range []string{"/ok", "/fail"} {
		h := serve(r, http.MethodGet, path).Header()
		if h.Get("Content-Security-Policy") != httpx.PageCSP || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: %v", path, h)
		}
	}
	for _, csp := range []string{httpx.PageCSP, httpx.APICSP} {
		if strings.Contains(csp, "unsafe-") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("policy %q allows inline code or framing", csp)
		}
	}
	for _, d := range []string{"script-src 'self'", "style-src 'self'", "object-src 'none'", "base-uri 'none'"} {
		if !strings.Contains(httpx.PageCSP, d+";") {
			t.Errorf("page policy lacks %s", d)
		}
	}
}
