package cache_test

import (
	"context"
	"io"
	"log/slog"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/redis/go-redis/v9"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Entries are stored in Redis by request; whether one may be served is the
// tracker's decision, not Redis's.
func TestEntriesRoundTripThroughRedis(t *testing.T) {
	src := &logSource{}
	tr := cache.NewTracker(src, cache.TrackerOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := tr.Start(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := cache.Open(testenv.RedisURL(t), tr, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	key := c.Key("GET /api/v1/penalties/1?")
	if key != c.Key("GET /api/v1/penalties/1?") || key == c.Key("GET /api/v1/penalties/2?") {
		t.Errorf("keys are not one per request: %s", key)
	}
	var got []byte
	for i := 0; i < 50 && got == nil; i++ { // written in the background
		c.Set(key, []byte("entry"), time.Minute)
		time.Sleep(10 * time.Millisecond)
		got, _ = c.Get(ctx, key)
	}
	if string(got) != "entry" {
		t.Fatalf("Get after Set: %q", got)
	}
	asOf, ok := c.Snapshot()
	if !ok || !c.Valid(asOf, []string{"penalty/1"}) {
		t.Fatalf("a fresh entry is not valid: snapshot %d %v", asOf, ok)
	}
	src.add("penalty/1")
	if err := tr.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Valid(asOf, []string{"penalty/1"}) {
		t.Error("an entry about a changed record is valid")
	}
}

func TestClientURLForms(t *testing.T) {
	for _, u := range []string{
		"redis://127.0.0.1:6379/0",
		"redis://127.0.0.1:26379/0?master_name=gongshi&addr=127.0.0.1:26380",
		"redis://127.0.0.1:7000?cluster=true&addr=127.0.0.1:7001",
	} {
		c, err := cache.NewClient(u)
		if err != nil {
			t.Errorf("%s: %v", u, err)
			continue
		}
		c.Close()
	}
	for _, u := range []string{"http://x", "redis://127.0.0.1:6379/x", "redis://h?cluster=yes", "redis://h?master_name=m&bogus=1"} {
		if c, err := cache.NewClient(u); err == nil {
			c.Close()
			t.Errorf("%s: accepted", u)
		}
	}
}

// Writes are made by one writer, however many entries wait: a Redis that
// is slow to write grows a queue, not a goroutine per entry. Close stops
// the writer before closing the client.
func TestWritesAreBounded(t *testing.T) {
	url := testenv.RedisURL(t)
	tr := cache.NewTracker(&logSource{}, cache.TrackerOptions{})
	c, err := cache.Open(url, tr, quiet)
	if err != nil {
		t.Fatal(err)
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	admin := redis.NewClient(opt)
	defer admin.Close()
	ctx := context.Background()
	// Writes wait for a second and a half; reads still answer, so the
	// cache stays enabled.
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "1500", "WRITE").Err(); err != nil {
		t.Fatal(err)
	}
	defer admin.Do(ctx, "CLIENT", "UNPAUSE")
	before := runtime.NumGoroutine()
	for i := range 2000 {
		c.Set(c.Key(strconv.Itoa(i)), []byte("entry"), time.Minute)
	}
	if grown := runtime.NumGoroutine() - before; grown > 20 {
		t.Errorf("%d goroutines more after 2,000 writes to a slow Redis, want a bounded writer", grown)
	}
	if err := admin.Do(ctx, "CLIENT", "UNPAUSE").Err(); err != nil {
		t.Fatal(err)
	}
	key := c.Key("after the pause")
	var got []byte
	for deadline := time.Now().Add(5 * time.Second); got == nil && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c.Set(key, []byte("entry"), time.Minute)
		got, _ = c.Get(ctx, key)
	}
	if string(got) != "entry" {
		t.Fatalf("an entry set after the pause never reads back: %q", got)
	}
	done := make(chan error, 1)
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close does not return")
	}
	c.Set(key, []byte("after close"), time.Minute) // dropped, not a panic
}
