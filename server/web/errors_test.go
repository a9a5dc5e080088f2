package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/search"
)

// A search shed under load is a 503 page that says, in the reader's
// language, when to try again, with the same Retry-After; it is logged as
// a warning, and the search box and its suggestions answer 503 too.
func TestSearchPageOverloaded(t *testing.T) {
	f := newPagesFixture(t)
	f.search.err = fmt.Errorf("search (degraded): %w", &search.OverloadedError{Reason: "the secret cause", Retry: 4 * time.Second})
	for path, want := range map[string]string{
		"/search?q=化工":             "请在 4 秒后重试",
		"/search?q=化工&lang=en":     "please try again in 4 seconds",
		"/search/feed.atom?q=化工":   "请在 4 秒后重试",
		"/search/suggest?q=化工":     "",
		"/search?q=化工&type=permit": "服务繁忙",
	} {
		resp, body := f.get(path)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "4" ||
			resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d, Retry-After %q, Cache-Control %q", path, resp.StatusCode, resp.Header.Get("Retry-After"),
				resp.Header.Get("Cache-Control"))
		}
		if !strings.Contains(body, want) || strings.Contains(body, "secret cause") {
			t.Errorf("%s: the page does not say %q, or shows the cause:\n%.600s", path, want, body)
		}
	}
	if n := len(f.logged("ERROR")); n != 0 {
		t.Errorf("%d errors logged for shed searches", n)
	}
	if n := len(f.logged("WARN")); n != 5 {
		t.Errorf("%d warnings logged for 5 shed searches", n)
	}
}
