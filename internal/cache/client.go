package cache

import (
	"fmt"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeouts of every Redis call: the cache and the rate limiter fail open,
// so a slow Redis must cost little.
const (
	dialTimeout   = 500 * time.Millisecond
	callTimeout   = 200 * time.Millisecond
	dialerRetries = 1
)

// NewClient connects to the Redis that url names, in one of three forms:
//
//	redis://[user:pass@]host:port/db                            one server
//	redis://[user:pass@]sentinel:port/db?master_name=M&addr=…   the primary that Sentinel names (failover)
//	redis://[user:pass@]host:port?cluster=true&addr=host:port…  Redis Cluster
//
// (rediss:// for TLS). The client reconnects by itself; a Redis that is
// down now is not an error.
func NewClient(raw string) (redis.UniversalClient, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("cache.NewClient: %w", err)
	}
	q := u.Query()
	switch {
	case q.Has("master_name"):
		opt, err := redis.ParseFailoverURL(raw)
		if err != nil {
			return nil, fmt.Errorf("cache.NewClient: %w", err)
		}
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = dialTimeout, callTimeout, callTimeout
		opt.MaxRetries, opt.DialerRetries = 0, dialerRetries
		return redis.NewFailoverClient(opt), nil
	case q.Has("cluster"):
		if q.Get("cluster") != "true" {
			return nil, fmt.Errorf("cache.NewClient: cluster=%q: want cluster=true", q.Get("cluster"))
		}
		q.Del("cluster")
		u.RawQuery = q.Encode()
		opt, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("cache.NewClient: %w", err)
		}
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = dialTimeout, callTimeout, callTimeout
		opt.MaxRetries, opt.DialerRetries = 0, dialerRetries
		return redis.NewClusterClient(opt), nil
	default:
		opt, err := redis.ParseURL(raw)
		if err != nil {
			return nil, fmt.Errorf("cache.NewClient: %w", err)
		}
		opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = dialTimeout, callTimeout, callTimeout
		opt.MaxRetries, opt.DialerRetries = 0, dialerRetries
		return redis.NewClient(opt), nil
	}
}
