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
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	readTimeout  = 100 * time.Millisecond
	writeTimeout = time.Second
	keyPrefix    = "gongshi:resp:v2:"
	// writeQueue is how many entries may wait to be written; while the
	// writer is that far behind, new entries are dropped (they are only
	// an optimisation).
	writeQueue = 512
	// writeBatch is how many waiting entries one round trip writes.
	writeBatch = 64
	// probeEvery is how often the writer checks that Redis answers, so
	// that Redis coming back is noticed.
	probeEvery = 2 * time.Second
)

// Cache stores whole responses in Redis.
type Cache struct {
	rdb redis.UniversalClient
	log *slog.Logger
	tr  *Tracker
	ok  atomic.Bool // Redis answered the last call

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

// Open connects to the Redis that url names (see NewClient) with short
// timeouts; a Redis that is down at start is not an error. Validity of
// entries is decided by tr.
func Open(url string, tr *Tracker, log *slog.Logger) (*Cache, error) {
	rdb, err := NewClient(url)
	if err != nil {
		return nil, err
	}
	return New(rdb, tr, log), nil
}

// SetLogger routes go-redis's own messages, process-wide, to log at level
// debug: outages are reported once by Cache itself. The command calls it
// once at start.
func SetLogger(log *slog.Logger) { redis.SetLogger(slogLogger{log}) }

// New wraps a Redis client and starts the writer of Set; Close stops it.
func New(rdb redis.UniversalClient, tr *Tracker, log *slog.Logger) *Cache {
	c := &Cache{rdb: rdb, log: log, tr: tr, writes: make(chan entry, writeQueue), stop: make(chan struct{}),
		stopped: make(chan struct{})}
	c.probe()
	go c.writer()
	return c
}

// Client returns the Redis client, for the rate limiter to share.
func (c *Cache) Client() redis.UniversalClient { return c.rdb }

// Close stops the writer, waits for it, and closes the Redis client.
// Entries still waiting are dropped.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() { close(c.stop) })
	<-c.stopped
	return c.rdb.Close()
}

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

// Set stores an entry in the background, by the one writer; failures are
// logged, not returned, and an entry that finds writeQueue entries
// waiting (or Redis down) is dropped.
func (c *Cache) Set(key string, val []byte, ttl time.Duration) {
	if !c.ok.Load() {
		return
	}
	select {
	case c.writes <- entry{key, val, ttl}:
	default:
	}
}

// writer writes the entries of Set until Close, those waiting together in
// one round trip, and checks every probeEvery whether Redis answers.
func (c *Cache) writer() {
	defer close(c.stopped)
	probe := time.NewTicker(probeEvery)
	defer probe.Stop()
	batch := make([]entry, 0, writeBatch)
	for {
		select {
		case <-c.stop:
			return
		case <-probe.C:
			c.probe()
			continue
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

func (c *Cache) probe() {
	ctx, cancel := context.WithTimeout(context.Background(), readTimeout)
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
