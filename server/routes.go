package server

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// RouteInfo is one route of the server: a method and a gin path pattern
// such as /api/v1/penalties/:id.
type RouteInfo struct {
	Method string
	Path   string
}

// Routes lists the routes of a handler built by New, for tests and tools
// that check them against the API contract; nil for any other handler.
// The CORS preflights (OPTIONS) are left out: they are no operations.
func Routes(h http.Handler) []RouteInfo {
	if u, ok := h.(interface{ Unwrap() http.Handler }); ok {
		h = u.Unwrap()
	}
	e, ok := h.(*gin.Engine)
	if !ok {
		return nil
	}
	var out []RouteInfo
	for _, r := range e.Routes() {
		if r.Method != http.MethodOptions {
			out = append(out, RouteInfo{Method: r.Method, Path: r.Path})
		}
	}
	return out
}
