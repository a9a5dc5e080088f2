// Package ratelimit limits requests per client with GCRA in Redis
// (go-redis/redis_rate), falling back to an in-process token bucket when
// Redis does not answer, so a Redis outage never turns into errors.
package ratelimit

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// Limit is a number of requests per period, with a burst.
type Limit struct {
	Rate   int
	Burst  int
	Period time.Duration
}

// PerMinute is n requests a minute with a burst of n/6 (at least 10).
func PerMinute(n int) Limit {
	return Limit{Rate: n, Burst: max(n/6, 10), Period: time.Minute}
}

// Result is the outcome of one Allow.
type Result struct {
	Allowed    bool
	Limit      int
	Remaining  int
	RetryAfter time.Duration // when not allowed: how long until one request is
	ResetAfter time.Duration // until the bucket is full again
	Local      bool          // decided by the in-process fallback
}

// Limiter decides whether a client may make one more request.
type Limiter struct {
	redis     *redis_rate.Limiter
	downUntil atomic.Int64 // unix nanoseconds: skip Redis until then after a failure

	mu    sync.Mutex
	local map[string]*localBucket
}

type localBucket struct {
	lim  *rate.Limiter
	used time.Time
}

// New returns a Limiter on rdb (nil: in-process only).
func New(rdb *redis.Client) *Limiter {
	l := &Limiter{local: map[string]*localBucket{}}
	if rdb != nil {
		l.redis = redis_rate.NewLimiter(rdb)
	}
	return l
}

// Allow takes one request from key's bucket.
func (l *Limiter) Allow(ctx context.Context, key string, lim Limit) Result {
	if l.redis != nil && time.Now().UnixNano() >= l.downUntil.Load() {
		ctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		r, err := l.redis.Allow(ctx, "gongshi:rl:"+key, redis_rate.Limit{Rate: lim.Rate, Burst: lim.Burst, Period: lim.Period})
		if err == nil {
			return Result{Allowed: r.Allowed > 0, Limit: lim.Rate, Remaining: r.Remaining,
				RetryAfter: max(r.RetryAfter, 0), ResetAfter: max(r.ResetAfter, 0)}
		}
		// Do not make every request wait for a Redis that is down.
		l.downUntil.Store(time.Now().Add(5 * time.Second).UnixNano())
	}
	return l.allowLocal(key, lim)
}

func (l *Limiter) allowLocal(key string, lim Limit) Result {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.local[key]
	if !ok {
		if len(l.local) > 100_000 {
			l.evict(now)
		}
		b = &localBucket{lim: rate.NewLimiter(rate.Every(lim.Period/time.Duration(lim.Rate)), lim.Burst)}
		l.local[key] = b
	}
	b.used = now
	res := Result{Limit: lim.Rate, Local: true}
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		res.RetryAfter = d
	} else {
		res.Allowed = true
	}
	tokens := b.lim.TokensAt(now)
	res.Remaining = max(int(math.Floor(tokens)), 0)
	missing := float64(lim.Burst) - tokens
	res.ResetAfter = time.Duration(missing * float64(lim.Period) / float64(lim.Rate))
	return res
}

// evict drops buckets idle for over ten minutes.
func (l *Limiter) evict(now time.Time) {
	for k, b := range l.local {
		if now.Sub(b.used) > 10*time.Minute {
			delete(l.local, k)
		}
	}
}
