// Package ratelimit limits requests per client with GCRA in Redis
// (go-redis/redis_rate), falling back to an in-process token bucket when
// Redis does not answer, so a Redis outage never turns into errors.
//
// A busy client does not cost one Redis round trip per request: each
// process leases tokens from the client's Redis bucket in batches and
// spends them locally (see lease). A batch is at most a twentieth of the
// burst, so with N processes sharing Redis a client is admitted at most
// N×Burst/20 requests beyond its limit; with Burst < 40 the batch is one
// token and every request is decided by Redis, exactly.
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

const (
	redisTimeout = 100 * time.Millisecond
	// leasePeriod bounds how long reserved tokens may wait to be spent,
	// and so how stale the headers derived from a lease may be.
	leasePeriod = time.Second
	// leaseShare: a lease is at most Burst/leaseShare tokens.
	leaseShare = 20
	idleAfter  = 10 * time.Minute // clients forgotten when the table is large
	maxClients = 100_000
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

// maxLease is the largest batch a process reserves at once.
func (lim Limit) maxLease() int { return max(lim.Burst/leaseShare, 1) }

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

	mu      sync.Mutex
	clients map[string]*client
}

// client is the in-process state of one key: its lease of Redis tokens
// and the fallback bucket used while Redis is down.
type client struct {
	used time.Time // guarded by Limiter.mu

	mu       sync.Mutex
	lease    lease
	fallback *rate.Limiter
}

// New returns a Limiter on rdb (nil: in-process only).
func New(rdb redis.UniversalClient) *Limiter {
	l := &Limiter{clients: map[string]*client{}}
	if rdb != nil {
		l.redis = redis_rate.NewLimiter(rdb)
	}
	return l
}

// Allow takes one request from key's bucket. The client's requests wait
// while its lease is renewed, rather than each asking Redis.
func (l *Limiter) Allow(ctx context.Context, key string, lim Limit) Result {
	c := l.client(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if l.redis != nil && time.Now().UnixNano() >= l.downUntil.Load() {
		r, err := c.lease.allow(ctx, l.redis, key, lim)
		if err == nil {
			return r
		}
		// Do not make every request wait for a Redis that is down; a
		// request that was cancelled says nothing about Redis.
		if ctx.Err() == nil {
			l.downUntil.Store(time.Now().Add(5 * time.Second).UnixNano())
		}
	}
	return c.allowLocal(lim)
}

// client returns key's state, creating it.
func (l *Limiter) client(key string) *client {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.clients[key]
	if !ok {
		if len(l.clients) >= maxClients {
			l.evict(now)
		}
		c = &client{}
		l.clients[key] = c
	}
	c.used = now
	return c
}

// evict forgets the clients idle for idleAfter and, when that frees too
// little, arbitrary others until a tenth of the table is free, so that
// many clients at once never make each new one scan the table. A client
// forgotten early loses at most its lease (requests refused too soon,
// never admitted too many) and, while Redis is down, its fallback bucket.
func (l *Limiter) evict(now time.Time) {
	for k, c := range l.clients {
		if now.Sub(c.used) > idleAfter {
			delete(l.clients, k)
		}
	}
	for k := range l.clients {
		if len(l.clients) < maxClients*9/10 {
			break
		}
		delete(l.clients, k)
	}
}

// lease holds tokens reserved from a client's Redis bucket, spent in
// process. Tokens are reserved with AllowAtMost, which never takes more
// than the bucket holds, so a lease only moves spending later in time:
// by at most leasePeriod, and by at most one batch per process. Its size
// follows the client's pace: doubled when a lease was spent within the
// period, halved when one expired unspent, so a client making a request
// now and then reserves one token at a time and loses none.
type lease struct {
	left        int               // reserved tokens not spent yet
	granted     int               // tokens the last reservation got
	at          time.Time         // when they were reserved
	res         redis_rate.Result // what Redis answered then
	deniedUntil time.Time         // Redis refused until then: no token can come sooner
}

func (ls *lease) allow(ctx context.Context, rl *redis_rate.Limiter, key string, lim Limit) (Result, error) {
	now := time.Now()
	age := now.Sub(ls.at)
	if ls.left > 0 && age < leasePeriod {
		ls.left--
		return ls.allowed(lim, now), nil
	}
	if now.Before(ls.deniedUntil) {
		return ls.denied(lim, now), nil
	}
	n := ls.granted
	switch {
	case age < leasePeriod:
		n *= 2
	case ls.left > 0:
		n /= 2
	}
	ctx, cancel := context.WithTimeout(ctx, redisTimeout)
	defer cancel()
	r, err := rl.AllowAtMost(ctx, "gongshi:rl:"+key, redis_rate.Limit{Rate: lim.Rate, Burst: lim.Burst, Period: lim.Period},
		min(max(n, 1), lim.maxLease()))
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: reserve for %s: %w", key, err)
	}
	*ls = lease{left: max(r.Allowed-1, 0), granted: r.Allowed, at: now, res: *r}
	if r.Allowed == 0 {
		ls.deniedUntil = now.Add(r.RetryAfter)
		return ls.denied(lim, now), nil
	}
	return ls.allowed(lim, now), nil
}

// allowed describes the bucket as Redis last saw it, aged to now and
// counting the tokens still leased here as available.
func (ls *lease) allowed(lim Limit, now time.Time) Result {
	age := now.Sub(ls.at)
	perToken := lim.Period.Seconds() / float64(lim.Rate)
	refilled := age.Seconds() / perToken
	return Result{
		Allowed:    true,
		Limit:      lim.Rate,
		Remaining:  int(min(float64(ls.res.Remaining+ls.left)+refilled, float64(lim.Burst))),
		ResetAfter: max(ls.res.ResetAfter-age-time.Duration(float64(ls.left)*perToken*float64(time.Second)), 0),
	}
}

func (ls *lease) denied(lim Limit, now time.Time) Result {
	return Result{Limit: lim.Rate, RetryAfter: max(ls.deniedUntil.Sub(now), 0), ResetAfter: max(ls.res.ResetAfter-now.Sub(ls.at), 0)}
}

// allowLocal decides with an in-process token bucket, while Redis is down.
func (c *client) allowLocal(lim Limit) Result {
	now := time.Now()
	if c.fallback == nil {
		c.fallback = rate.NewLimiter(rate.Every(lim.Period/time.Duration(lim.Rate)), lim.Burst)
	}
	res := Result{Limit: lim.Rate, Local: true}
	r := c.fallback.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		res.RetryAfter = d
	} else {
		res.Allowed = true
	}
	tokens := c.fallback.TokensAt(now)
	res.Remaining = max(int(math.Floor(tokens)), 0)
	missing := float64(lim.Burst) - tokens
	res.ResetAfter = time.Duration(missing * float64(lim.Period) / float64(lim.Rate))
	return res
}
