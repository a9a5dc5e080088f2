package ratelimit_test

import (
	"context"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/testenv"
)

// countingHook counts the scripts a Redis client runs: one per decision
// taken by Redis.
type countingHook struct{ n atomic.Int64 }

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if strings.HasPrefix(cmd.Name(), "eval") {
			h.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// instance is one process's limiter, with the count of the scripts it ran.
type instance struct {
	*ratelimit.Limiter
	calls *countingHook
}

func newInstance(t *testing.T, url string) instance {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	h := &countingHook{}
	rdb.AddHook(h)
	return instance{ratelimit.New(rdb), h}
}

// shared returns n instances on database 10 of the test Redis and a key
// of this test's own, whose bucket is deleted afterwards. Other packages'
// tests flush database 9 when they start; these count tokens in buckets
// that must outlive that.
func shared(t *testing.T, n int) (string, []instance) {
	u, err := url.Parse(testenv.RedisURL(t)) // fails the test without Redis
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/10"
	var ls []instance
	for range n {
		ls = append(ls, newInstance(t, u.String()))
	}
	key := "test:" + t.Name() + ":" + time.Now().Format(time.RFC3339Nano)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		opt, _ := redis.ParseURL(u.String())
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		rdb.Del(ctx, "rate:gongshi:rl:"+key) // as redis_rate names it
	})
	return key, ls
}

// A small burst is leased one token at a time: across two instances the
// 429 comes at exactly the right request.
func TestLowLimitIsExactAcrossInstances(t *testing.T) {
	key, ls := shared(t, 2)
	lim := ratelimit.Limit{Rate: 10, Burst: 10, Period: time.Minute}
	ctx := context.Background()
	for i := range 10 {
		r := ls[i%2].Allow(ctx, key, lim)
		if !r.Allowed || r.Local || r.Limit != 10 || r.Remaining != 9-i {
			t.Fatalf("request %d: %+v", i+1, r)
		}
	}
	for _, l := range ls {
		r := l.Allow(ctx, key, lim)
		if r.Allowed || r.Remaining != 0 || r.RetryAfter <= 0 || r.RetryAfter > 6*time.Second || r.ResetAfter <= 0 {
			t.Errorf("over the limit: %+v", r)
		}
	}
}

// A large burst is spent from leases: Redis sees a small fraction of the
// requests, the headers count down one by one, and two instances
// together admit exactly the burst (the lease only moves spending in
// time, within the documented bound of instances × Burst/20).
func TestLeasesAdmitTheBurstWithFewRedisCalls(t *testing.T) {
	key, ls := shared(t, 2)
	a := ls[0]
	// A token comes back every 144 s: none does during the test.
	lim := ratelimit.Limit{Rate: 600, Burst: 600, Period: 24 * time.Hour}
	ctx := context.Background()

	last := lim.Burst
	for i := range 300 {
		r := a.Allow(ctx, key, lim)
		if !r.Allowed || r.Local || r.Remaining != last-1 {
			t.Fatalf("request %d on a: %+v after remaining %d", i+1, r, last)
		}
		last = r.Remaining
	}
	if n := a.calls.n.Load(); n > 300/10 {
		t.Errorf("300 requests took %d Redis calls", n)
	}

	allowed, denied := 300, [2]bool{}
	for i := 0; !denied[0] || !denied[1]; i++ {
		if i > 2*lim.Burst {
			t.Fatal("the limit is never reached")
		}
		if r := ls[i%2].Allow(ctx, key, lim); r.Allowed {
			allowed++
		} else {
			denied[i%2] = true
			if r.Remaining != 0 || r.RetryAfter <= 0 {
				t.Errorf("denied: %+v", r)
			}
		}
	}
	if allowed != lim.Burst {
		t.Errorf("two instances admitted %d requests for a burst of %d", allowed, lim.Burst)
	}

	// A denied client is answered without Redis until a token can come.
	before := a.calls.n.Load()
	for range 50 {
		if r := a.Allow(ctx, key, lim); r.Allowed || r.RetryAfter <= 0 {
			t.Fatalf("allowed again: %+v", r)
		}
	}
	if n := a.calls.n.Load() - before; n != 0 {
		t.Errorf("a denied client cost %d Redis calls", n)
	}
}

// Concurrent requests on two instances admit the burst, no more.
func TestConcurrentLeases(t *testing.T) {
	key, ls := shared(t, 2)
	lim := ratelimit.Limit{Rate: 1000, Burst: 1000, Period: 24 * time.Hour}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 300 {
				if ls[g%2].Allow(context.Background(), key, lim).Allowed {
					allowed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != int64(lim.Burst) {
		t.Errorf("admitted %d of 2400 requests for a burst of %d", n, lim.Burst)
	}
}

// A client making a request now and then reserves one token at a time,
// so an expired lease never takes tokens it did not use.
func TestSlowClientLeasesOneToken(t *testing.T) {
	key, ls := shared(t, 1)
	lim := ratelimit.Limit{Rate: 600, Burst: 600, Period: 24 * time.Hour}
	for i := range 3 {
		if i > 0 {
			time.Sleep(1100 * time.Millisecond)
		}
		if r := ls[0].Allow(context.Background(), key, lim); !r.Allowed || r.Remaining != lim.Burst-1-i {
			t.Fatalf("request %d: %+v", i+1, r)
		}
	}
	if n := ls[0].calls.n.Load(); n != 3 {
		t.Errorf("%d Redis calls for 3 requests over 2 s", n)
	}
}

// A request cancelled while its lease is renewed does not take Redis
// for down: the next request is decided by Redis again.
func TestCancelledRequestKeepsRedis(t *testing.T) {
	key, ls := shared(t, 1)
	lim := ratelimit.Limit{Rate: 10, Burst: 10, Period: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := ls[0].Allow(ctx, key, lim); !r.Local {
		t.Fatalf("cancelled request decided by Redis: %+v", r)
	}
	if r := ls[0].Allow(context.Background(), key, lim); !r.Allowed || r.Local || r.Remaining != 9 {
		t.Errorf("next request: %+v", r)
	}
}

// With Redis unreachable, the in-process bucket decides.
func TestRedisDownFallsBackToLocal(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	l := newInstance(t, "redis://"+addr+"/0")
	lim := ratelimit.Limit{Rate: 3, Burst: 3, Period: time.Minute}
	for i := range 3 {
		if r := l.Allow(context.Background(), "ip:down", lim); !r.Allowed || !r.Local || r.Remaining != 2-i {
			t.Fatalf("request %d: %+v", i+1, r)
		}
	}
	if r := l.Allow(context.Background(), "ip:down", lim); r.Allowed || !r.Local || r.RetryAfter <= 0 {
		t.Errorf("over the limit: %+v", r)
	}
}
