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

// An entry is stored under the generation its key was derived in: after
// a Bump, the same request has a new key and the old entry is not found.
func TestKeysFollowTheGeneration(t *testing.T) {
	c, err := cache.Open(testenv.RedisURL(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if !c.Enabled() {
		t.Fatal("not enabled with Redis up")
	}
	gen := c.Generation()
	key := c.Key("GET /api/v1/penalties/1?", gen)
	if key != c.Key("GET /api/v1/penalties/1?", gen) || key == c.Key("GET /api/v1/penalties/2?", gen) {
		t.Errorf("keys are not one per request: %s", key)
	}
	// Set writes in the background, and other packages' tests may flush
	// the database meanwhile: set again until the entry reads back.
	var got []byte
	for i := 0; i < 50 && got == nil; i++ {
		c.Set(key, []byte("entry"), time.Minute)
		time.Sleep(10 * time.Millisecond)
		got, _ = c.Get(ctx, key)
	}
	if string(got) != "entry" {
		t.Fatalf("Get after Set: %q", got)
	}

	c.Bump(ctx)
	if c.Generation() <= gen || !c.Enabled() {
		t.Fatalf("after Bump: generation %d (was %d), enabled %v", c.Generation(), gen, c.Enabled())
	}
	next := c.Key("GET /api/v1/penalties/1?", c.Generation())
	if next == key {
		t.Fatal("the key did not change with the generation")
	}
	if b, ok := c.Get(ctx, next); ok {
		t.Errorf("an entry of the previous generation is found: %q", b)
	}
}

// Writes are made by one writer, however many entries wait: a Redis that
// is slow to write grows a queue, not a goroutine per entry. Close stops
// the writer before closing the client.
func TestWritesAreBounded(t *testing.T) {
	url := testenv.RedisURL(t)
	c, err := cache.Open(url, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
		c.Set(c.Key(strconv.Itoa(i), c.Generation()), []byte("entry"), time.Minute)
	}
	if grown := runtime.NumGoroutine() - before; grown > 20 {
		t.Errorf("%d goroutines more after 2,000 writes to a slow Redis, want a bounded writer", grown)
	}
	if err := admin.Do(ctx, "CLIENT", "UNPAUSE").Err(); err != nil {
		t.Fatal(err)
	}
	key := c.Key("after the pause", c.Generation())
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
