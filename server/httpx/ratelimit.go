package httpx

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/ratelimit"
)

// RateLimiter decides whether a client may make one more request.
type RateLimiter interface {
	Allow(ctx context.Context, key string, lim ratelimit.Limit) ratelimit.Result
}

// Limits are the request budgets per client.
type Limits struct {
	PerIP  ratelimit.Limit // anonymous clients, by IP
	PerKey ratelimit.Limit // authenticated clients (ingest, feeds), by key
}

// DefaultLimits are generous for people and strict enough for scrapers.
var DefaultLimits = Limits{PerIP: ratelimit.PerMinute(600), PerKey: ratelimit.PerMinute(6000)}

// LimitByIP spends one request of the client IP's budget. 429 carries
// Retry-After; every response carries the RateLimit-* headers.
func LimitByIP(a Adapter, l RateLimiter, limits Limits) gin.HandlerFunc {
	return rateLimit(a, l, limits, nil)
}

// LimitByKey is LimitByIP for the authenticated routes: a request bearing
// an API key that memo knows authenticated spends the key's budget
// instead. Any other token — unknown, made up, refused — spends the IP's,
// and so does a key's first request in this process.
func LimitByKey(a Adapter, l RateLimiter, limits Limits, memo *KeyMemo) gin.HandlerFunc {
	return rateLimit(a, l, limits, memo)
}

func rateLimit(a Adapter, l RateLimiter, limits Limits, memo *KeyMemo) gin.HandlerFunc {
	return func(c *gin.Context) {
		key, lim := "ip:"+c.ClientIP(), limits.PerIP
		if secret, ok := bearer(c.Request); ok && memo.isAdmitted(secret) {
			sum := sha256.Sum256([]byte(secret))
			key, lim = "key:"+hex.EncodeToString(sum[:12]), limits.PerKey
		}
		r := l.Allow(c.Request.Context(), key, lim)
		h := c.Writer.Header()
		// One allocation for the three values (capacity 1 each: an Add copies).
		v := []string{strconv.Itoa(r.Limit), strconv.Itoa(r.Remaining), strconv.Itoa(ceilSeconds(r.ResetAfter))}
		h["Ratelimit-Limit"], h["Ratelimit-Remaining"], h["Ratelimit-Reset"] = v[0:1:1], v[1:2:2], v[2:3:3]
		if !r.Allowed {
			h.Set("Retry-After", strconv.Itoa(max(ceilSeconds(r.RetryAfter), 1)))
			a.Fail(c, NewError(http.StatusTooManyRequests, "rate_limited",
				"too many requests; retry after "+h.Get("Retry-After")+" s"))
			return
		}
		c.Next()
	}
}

func ceilSeconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
