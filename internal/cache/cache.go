// Package cache is Gongshi's Redis response cache. Entries are keyed by a
// generation number that is bumped whenever a change lands in the change
// log, so a response computed before a change is never served after it:
// old entries are simply never asked for again and expire. Redis trouble
// never fails a request: reads become misses and writes are dropped.
package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	genKey       = "gongshi:cache:gen"
	readTimeout  = 100 * time.Millisecond
	writeTimeout = time.Second
	// writeQueue is how many entries may wait to be written; while the
	// writer is that far behind, new entries are dropped.
	writeQueue = 512
	// writeBatch is how many waiting entries one round trip writes.
	writeBatch = 64
)

// Cache stores whole responses in Redis.
type Cache struct {
	rdb   *redis.Client
	log   *slog.Logger
	gen   atomic.Int64
	ok    atomic.Bool // Redis answered the last call
	dirty atomic.Bool // a Bump failed: the next successful contact must bump

	writes    chan entry    // entries waiting for the writer
	stop      chan struct{} // closed by Close
	stopped   chan struct{} // closed when the writer has returned
	closeOnce sync.Once
}

// entry is a response waiting to be written.
type entry struct {
	key string
	val []byte
	ttl time.Duration
}

// Open connects to Redis at url with short timeouts; the client reconnects
// by itself, so a Redis that is down at start is not an error.
func Open(url string, log *slog.Logger) (*Cache, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	opt.DialTimeout = 500 * time.Millisecond
	opt.ReadTimeout = 200 * time.Millisecond
	opt.WriteTimeout = 200 * time.Millisecond
	opt.MaxRetries = 0
	opt.DialerRetries = 1
	return New(redis.NewClient(opt), log), nil
}

// SetLogger routes go-redis's own messages, process-wide, to log at level
// debug: outages are reported once by Cache itself. The command calls it
// once at start.
func SetLogger(log *slog.Logger) { redis.SetLogger(slogLogger{log}) }

// New wraps a Redis client and starts the writer of Set; Close stops it.
func New(rdb *redis.Client, log *slog.Logger) *Cache {
	c := &Cache{rdb: rdb, log: log, writes: make(chan entry, writeQueue), stop: make(chan struct{}),
		stopped: make(chan struct{})}
	go c.writer()
	c.Refresh(context.Background())
	return c
}

// Client returns the Redis client, for the rate limiter to share.
func (c *Cache) Client() *redis.Client { return c.rdb }

// Close stops the writer, waits for it, and closes the Redis client.
// Entries still waiting are dropped.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() { close(c.stop) })
	<-c.stopped
	return c.rdb.Close()
}

// Ping reports whether Redis answers.
func (c *Cache) Ping(ctx context.Context) error { return c.rdb.Ping(ctx).Err() }

// Enabled reports whether entries may be read and written: Redis answered
// and no change may have landed unrecorded.
func (c *Cache) Enabled() bool { return c.ok.Load() && !c.dirty.Load() }

// Generation is the current cache generation.
func (c *Cache) Generation() int64 { return c.gen.Load() }

// Refresh reads the generation from Redis (at start, and periodically so
// that Redis coming back is noticed). If a Bump failed meanwhile, it bumps
// instead: changes may have landed while Redis was unreachable.
func (c *Cache) Refresh(ctx context.Context) {
	if c.dirty.Load() {
		c.Bump(ctx)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	v, err := c.rdb.Get(ctx, genKey).Int64()
	if errors.Is(err, redis.Nil) {
		v, err = 0, nil
	}
	c.note(err)
	if err == nil {
		c.setGen(v)
	}
}

// setGen raises the local generation to v, never lowering it.
func (c *Cache) setGen(v int64) {
	for {
		cur := c.gen.Load()
		if v <= cur || c.gen.CompareAndSwap(cur, v) {
			return
		}
	}
}

// Bump starts a new generation: call it after a change has committed.
// When Redis cannot be reached, caching is suspended (every Get misses)
// until a later Bump or Refresh succeeds, so nothing stale can be served
// once Redis returns.
func (c *Cache) Bump(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	v, err := c.rdb.Incr(ctx, genKey).Result()
	c.note(err)
	if err != nil {
		c.dirty.Store(true)
		return
	}
	c.dirty.Store(false)
	c.setGen(v)
}

// Run refreshes the generation every interval until ctx ends.
func (c *Cache) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.Refresh(ctx)
		}
	}
}

func (c *Cache) note(err error) {
	was := c.ok.Swap(err == nil)
	if err != nil && was {
		c.log.Warn("redis unavailable; serving uncached", "err", err)
	}
}

// Key derives the cache key of a normalized request description at
// generation gen (normally Generation(), read once per request).
func (c *Cache) Key(normalized string, gen int64) string {
	sum := sha256.Sum256([]byte(normalized))
	return "gongshi:resp:" + strconv.FormatInt(gen, 10) + ":" + hex.EncodeToString(sum[:16])
}

// Get returns the entry under key; any problem is a miss.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool) {
	if !c.ok.Load() || c.dirty.Load() {
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

// Set stores an entry in the background, by the one writer; failures are
// logged, not returned, and an entry that finds writeQueue entries
// waiting is dropped. An entry is only written under the generation it
// was computed in.
func (c *Cache) Set(key string, val []byte, ttl time.Duration) {
	if !c.ok.Load() || c.dirty.Load() {
		return
	}
	select {
	case c.writes <- entry{key, val, ttl}:
	default:
	}
}

// writer writes the entries of Set until Close, those waiting together
// in one round trip.
func (c *Cache) writer() {
	defer close(c.stopped)
	batch := make([]entry, 0, writeBatch)
	for {
		select {
		case <-c.stop:
			return
		case e := <-c.writes:
			batch = append(batch[:0], e)
		}
	fill:
		for len(batch) < writeBatch {
			select {
			case e := <-c.writes:
				batch = append(batch, e)
			default:
				break fill
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, e := range batch {
				p.Set(ctx, e.key, e.val, e.ttl)
			}
			return nil
		})
		cancel()
		c.note(err)
		clear(batch) // let the bodies go
	}
}

// slogLogger routes go-redis's internal messages to debug logs: outages
// are reported once by Cache itself.
type slogLogger struct{ log *slog.Logger }

func (l slogLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
