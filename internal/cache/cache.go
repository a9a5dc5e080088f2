// Package cache is Gongshi's response cache: whole responses kept in Redis
// (shared by every server) and judged valid by a Tracker that follows the
// change log in PostgreSQL. A response is stored with the change-log
// position it was computed at and the tags it depends on; it is served
// only while none of those tags has changed since. Validity never depends
// on what Redis holds, so a Redis that restarts empty, is flushed, or fails
// over to a stale replica cannot make a withdrawn record reappear. Redis
// trouble never fails a request: reads become misses and writes are
// dropped.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	readTimeout  = 100 * time.Millisecond
	writeTimeout = time.Second
	keyPrefix    = "gongshi:resp:v2:"
	// pendingWrites bounds the entries waiting to be written to Redis;
	// beyond it new entries are dropped (they are only an optimisation).
	pendingWrites = 256
)

// Cache stores whole responses in Redis.
type Cache struct {
	rdb    redis.UniversalClient
	log    *slog.Logger
	tr     *Tracker
	ok     atomic.Bool // Redis answered the last call
	writes chan write
}

type write struct {
	key string
	val []byte
	ttl time.Duration
}

// Open connects to the Redis that url names (see NewClient) with short
// timeouts; a Redis that is down at start is not an error. Validity of
// entries is decided by tr.
func Open(url string, tr *Tracker, log *slog.Logger) (*Cache, error) {
	rdb, err := NewClient(url)
	if err != nil {
		return nil, err
	}
	redis.SetLogger(slogLogger{log})
	return New(rdb, tr, log), nil
}

// New wraps a Redis client.
func New(rdb redis.UniversalClient, tr *Tracker, log *slog.Logger) *Cache {
	c := &Cache{rdb: rdb, log: log, tr: tr, writes: make(chan write, pendingWrites)}
	c.probe(context.Background())
	return c
}

// Client returns the Redis client, for the rate limiter to share.
func (c *Cache) Client() redis.UniversalClient { return c.rdb }

// Close closes the Redis client; call it after Run has returned.
func (c *Cache) Close() error { return c.rdb.Close() }

// Ping reports whether Redis answers.
func (c *Cache) Ping(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }

// Snapshot returns the change-log position a response computed from now on
// reflects at least; ok is false while the tracker cannot vouch for its
// knowledge, and then nothing may be read from or written to the cache.
func (c *Cache) Snapshot() (asOf int64, ok bool) {
	if !c.tr.Fresh() {
		return 0, false
	}
	return c.tr.Head(), true
}

// Head is the tracker's current change-log position, for remembering when
// an entry was last found valid.
func (c *Cache) Head() int64 { return c.tr.Head() }

// Valid reports whether an entry computed at asOf depending on tags may be
// served now.
func (c *Cache) Valid(asOf int64, tags []string) bool {
	return c.tr.Fresh() && c.tr.Valid(asOf, tags)
}

// Key derives the Redis key of a normalized request description.
func (c *Cache) Key(normalized string) string {
	sum := sha256.Sum256([]byte(normalized))
	return keyPrefix + hex.EncodeToString(sum[:16])
}

// Get returns the entry under key; any problem is a miss.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool) {
	if !c.ok.Load() {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	b, err := c.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false
	}
	c.note(err)
	return b, err == nil
}

// Set queues an entry for writing by Run; when the queue is full or Redis
// is down, the entry is dropped.
func (c *Cache) Set(key string, val []byte, ttl time.Duration) {
	if !c.ok.Load() {
		return
	}
	select {
	case c.writes <- write{key, val, ttl}:
	default:
	}
}

// Run writes queued entries and checks every interval whether Redis
// answers, until ctx ends.
func (c *Cache) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.probe(ctx)
		case w := <-c.writes:
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			c.note(c.rdb.Set(wctx, w.key, w.val, w.ttl).Err())
			cancel()
		}
	}
}

func (c *Cache) probe(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	c.note(c.rdb.Ping(ctx).Err())
}

func (c *Cache) note(err error) {
	was := c.ok.Swap(err == nil)
	switch {
	case err != nil && was:
		c.log.Warn("redis unavailable; serving without the shared cache", "err", err)
	case err == nil && !was:
		c.log.Info("redis available; shared cache in use")
	}
}

// slogLogger routes go-redis's internal messages to debug logs: outages
// are reported once by Cache itself.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
