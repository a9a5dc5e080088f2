package httpx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/server/httpx"
)

// A search refused to protect PostgreSQL is a 503 "overloaded" with the
// error's own Retry-After, logged as a warning, not as a failure.
func TestAdapterShedsOverloadedSearches(t *testing.T) {
	var logs bytes.Buffer
	a := httpx.NewAdapter(slog.New(slog.NewJSONHandler(&logs, nil)), httpx.JSON)
	err := fmt.Errorf("search (degraded): %w",
		&search.OverloadedError{Reason: "4 searches already answered from PostgreSQL", Retry: 2500 * time.Millisecond})
	r := gin.New()
	r.GET("/x", a.Handle(func(*gin.Context) error { return err }))
	w := serve(r, http.MethodGet, "/x")
	var e httpx.Error
	if jerr := json.Unmarshal(w.Body.Bytes(), &e); jerr != nil || w.Code != http.StatusServiceUnavailable || e.Code != "overloaded" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if got := w.Header().Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After %q, want the error's 2.5 s rounded up to 3", got)
	}
	if strings.Contains(w.Body.String(), "PostgreSQL") {
		t.Errorf("the cause reaches the client: %s", w.Body)
	}
	if !strings.Contains(logs.String(), `"level":"WARN"`) || strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("logged %s, want a warning", logs.String())
	}
}
