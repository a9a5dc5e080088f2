package httpx_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// serve answers one request of method and path on r.
func serve(r http.Handler, method, path string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

// The one adapter: the status from one table, the JSON error shape, no
// caching of errors, 5xx logged as errors with their cause hidden from the
// client, 4xx logged as information.
func TestAdapterRendersErrorsAsJSON(t *testing.T) {
	var logs bytes.Buffer
	a := httpx.NewAdapter(slog.New(slog.NewJSONHandler(&logs, nil)), httpx.JSON)
	for _, tc := range []struct {
		err    error
		status int
		code   string
		level  string
	}{
		{httpx.BadRequest("limit", "must be an integer"), 400, "bad_request", "INFO"},
		{httpx.ValidationFailed(domain.FieldErrors{{Field: "CF_WSH", Code: domain.CodeRequired}}), 422, "validation_failed", "INFO"},
		{fmt.Errorf("store.Penalty(7): %w", store.ErrNotFound), 404, "not_found", "INFO"},
		{fmt.Errorf("store.Withdraw(7): %w", store.ErrConflict), 409, "conflict", "INFO"},
		{store.ErrForbidden, 403, "forbidden", "INFO"},
		{httpx.Unavailable("search"), 503, "unavailable", "ERROR"},
		{errors.New("dial tcp: the secret cause"), 500, "internal", "ERROR"},
	} {
		logs.Reset()
		r := gin.New()
		r.GET("/x", a.Handle(func(*gin.Context) error { return tc.err }))
		w := serve(r, http.MethodGet, "/x")
		var e httpx.Error
		if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || w.Code != tc.status || e.Code != tc.code {
			t.Errorf("%v: %d %s", tc.err, w.Code, w.Body)
		}
		if w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%v: Cache-Control %q", tc.err, w.Header().Get("Cache-Control"))
		}
		if strings.Contains(w.Body.String(), "secret") {
			t.Errorf("%v: the cause reaches the client: %s", tc.err, w.Body)
		}
		if !strings.Contains(logs.String(), `"level":"`+tc.level+`"`) || !strings.Contains(logs.String(), `"status":`+fmt.Sprint(tc.status)) {
			t.Errorf("%v: logged %s, want level %s", tc.err, logs.String(), tc.level)
		}
	}
}

func TestErrorOf(t *testing.T) {
	shown := httpx.NotFound("no public penalty with this id")
	if e, explicit := httpx.ErrorOf(fmt.Errorf("wrapped: %w", shown)); e != shown || !explicit {
		t.Errorf("an Error in the chain: %v, explicit %v", e, explicit)
	}
	if e, explicit := httpx.ErrorOf(store.ErrNotFound); e.Status != 404 || explicit {
		t.Errorf("a store sentinel: %v, explicit %v", e, explicit)
	}
}

// A cross-origin group answers the preflight of its routes with CORS,
// before anything else of the group runs; other groups have neither.
func TestCrossOriginGroups(t *testing.T) {
	r := gin.New()
	ran := 0
	count := func(c *gin.Context) { ran++; c.Next() }
	ok := func(c *gin.Context) { c.String(http.StatusOK, "ok") }
	httpx.CrossOrigin(r.Group("/api/v1", httpx.CORS(), count)).GET("/penalties", ok)
	httpx.Group(r.Group("/api/v1/admin", count)).POST("/penalties", ok)
	r.HandleMethodNotAllowed = true

	w := serve(r, http.MethodOptions, "/api/v1/penalties")
	if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != "*" ||
		w.Header().Get("Access-Control-Allow-Methods") != "GET, HEAD, OPTIONS" || ran != 0 {
		t.Errorf("preflight: %d %v, group middleware ran %d times", w.Code, w.Header(), ran)
	}
	w = serve(r, http.MethodGet, "/api/v1/penalties")
	if w.Code != http.StatusOK || w.Header().Get("Access-Control-Allow-Origin") != "*" || ran != 1 {
		t.Errorf("GET: %d %v", w.Code, w.Header())
	}
	w = serve(r, http.MethodPost, "/api/v1/admin/penalties")
	if w.Code != http.StatusOK || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("admin: %d %v", w.Code, w.Header())
	}
	if w := serve(r, http.MethodOptions, "/api/v1/admin/penalties"); w.Code == http.StatusNoContent {
		t.Errorf("admin answers a preflight: %d %v", w.Code, w.Header())
	}
}
