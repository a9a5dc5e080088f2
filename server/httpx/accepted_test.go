package httpx_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/server/httpx"
)

// A route taking declared parameters answers any other, or a repeated
// one, with a 400 naming it before the middleware after the check runs.
func TestAcceptedCheck(t *testing.T) {
	r := gin.New()
	a := httpx.NewAdapter(slog.New(slog.DiscardHandler), httpx.JSON)
	ran := 0
	count := func(c *gin.Context) { ran++; c.Next() }
	httpx.Pages(r.Group(""), a, count).GET("/p", httpx.Accept("lang", "q").Repeatable("year"),
		func(c *gin.Context) { c.String(200, "ok") })
	for _, tc := range []struct {
		query, field, code string
	}{
		{"", "", ""},
		{"?lang=en&q=x&year=2025&year=2026", "", ""},
		{"?zz=1", "zz", "unknown"},
		{"?q=x&a=1&zz=1", "a", "unknown"},
		{"?q=x&q=y", "q", "format"},
	} {
		ran = 0
		w := serve(r, http.MethodGet, "/p"+tc.query)
		if tc.field == "" {
			if w.Code != 200 || ran != 1 {
				t.Errorf("%q: %d, later middleware ran %d times", tc.query, w.Code, ran)
			}
			continue
		}
		if w.Code != 400 || ran != 0 || !strings.Contains(w.Body.String(), `"field":"`+tc.field+`"`) ||
			!strings.Contains(w.Body.String(), `"code":"`+tc.code+`"`) {
			t.Errorf("%q: %d %s, later middleware ran %d times", tc.query, w.Code, w.Body, ran)
		}
	}
}
