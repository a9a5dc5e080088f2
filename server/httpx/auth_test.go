package httpx_test

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// countingKeys is a key store that counts the questions asked of it.
type countingKeys struct {
	keys  map[string]store.APIKey
	calls atomic.Int64
}

func (k *countingKeys) Authenticate(_ context.Context, secret string) (store.APIKey, error) {
	k.calls.Add(1)
	if key, ok := k.keys[secret]; ok {
		return key, nil
	}
	return store.APIKey{}, store.ErrNotFound
}

// secret makes a well-formed secret that no key has.
func secret() string {
	raw := make([]byte, 30)
	rand.Read(raw)
	body := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	return "gs_" + body[:8] + "_" + body[8:]
}

// authenticated is a route behind LimitByKey and RequireScope, with an
// IP budget of ipBudget requests and a large key budget.
func authenticated(keys httpx.Authenticator, ipBudget int) http.Handler {
	a := httpx.NewAdapter(slog.New(slog.NewTextHandler(io.Discard, nil)), httpx.JSON)
	limits := httpx.Limits{PerIP: ratelimit.Limit{Rate: ipBudget, Burst: ipBudget, Period: time.Hour},
		PerKey: ratelimit.Limit{Rate: 100_000, Burst: 100_000, Period: time.Hour}}
	memo := httpx.NewKeyMemo()
	r := gin.New()
	r.GET("/feed", httpx.LimitByKey(a, ratelimit.New(nil), limits, memo), httpx.RequireScope(a, keys, store.ScopeFeed, memo),
		func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	return r
}

func request(h http.Handler, ip, authorization string) int {
	req := httptest.NewRequest(http.MethodGet, "/feed", nil)
	req.RemoteAddr = ip + ":4321"
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w.Code
}

// Made-up tokens spend the client IP's budget, not a budget each, and the
// key store is asked at most once per request the IP's budget admits;
// a real key keeps its own budget.
func TestRandomTokensSpendTheIPBudget(t *testing.T) {
	good := secret()
	keys := &countingKeys{keys: map[string]store.APIKey{good: {ID: 1, Name: "center", Scopes: []string{store.ScopeFeed}}}}
	const budget = 10
	h := authenticated(keys, budget)
	if code := request(h, "192.0.2.1", "Bearer "+good); code != http.StatusOK {
		t.Fatalf("the real key: %d", code)
	}
	codes := map[int]int{}
	for range 100 {
		codes[request(h, "192.0.2.1", "Bearer "+secret())]++
	}
	if codes[http.StatusTooManyRequests] < 100-budget || codes[http.StatusUnauthorized] > budget {
		t.Errorf("100 made-up tokens from one IP with a budget of %d: %v; want 429 beyond the budget", budget, codes)
	}
	if n := keys.calls.Load(); n > budget {
		t.Errorf("the key store was asked %d times for an IP budget of %d", n, budget)
	}
	for range 2 * budget {
		if code := request(h, "192.0.2.1", "Bearer "+good); code != http.StatusOK {
			t.Fatalf("the real key, its IP's budget spent: %d; want its own budget", code)
		}
	}
}

// Malformed tokens, and a token once refused, are refused without asking
// the key store.
func TestBadTokensRefusedWithoutAQuery(t *testing.T) {
	keys := &countingKeys{}
	h := authenticated(keys, 1000)
	for _, auth := range []string{"Bearer x", "Bearer " + strings.Repeat("a", 52), "Bearer gs_" + strings.Repeat("A", 49), "Basic dXNlcjpwYXNz", "Bearer"} {
		if code := request(h, "192.0.2.2", auth); code != http.StatusUnauthorized {
			t.Errorf("%q: %d, want 401", auth, code)
		}
	}
	if n := keys.calls.Load(); n != 0 {
		t.Errorf("malformed tokens asked the key store %d times", n)
	}
	revoked := secret()
	for range 5 {
		if code := request(h, "192.0.2.2", "Bearer "+revoked); code != http.StatusUnauthorized {
			t.Errorf("unknown token: %d, want 401", code)
		}
	}
	if n := keys.calls.Load(); n != 1 {
		t.Errorf("one unknown token sent 5 times asked the key store %d times, want once", n)
	}
}

// The scheme's name is case-insensitive (RFC 7235 §2.1).
func TestBearerSchemeAnyCase(t *testing.T) {
	good := secret()
	h := authenticated(&countingKeys{keys: map[string]store.APIKey{good: {ID: 1, Scopes: []string{store.ScopeFeed}}}}, 100)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		if code := request(h, "192.0.2.3", scheme+" "+good); code != http.StatusOK {
			t.Errorf("%s: %d, want 200", scheme, code)
		}
	}
}
