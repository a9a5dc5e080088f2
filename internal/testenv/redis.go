package testenv

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisURL returns a URL for Redis database 9 of REDIS_URL's server (or
// 127.0.0.1:6379), flushed first, failing the test if Redis is missing.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("REDIS_URL")
	if raw == "" {
		raw = "redis://127.0.0.1:6379/0"
	}
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("testenv: REDIS_URL: %v", err)
	}
	u.Path = "/9"
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		tb.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		tb.Fatalf("testenv: Redis is required (set REDIS_URL): %v", err)
	}
	return u.String()
}
