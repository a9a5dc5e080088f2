package cache_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/testenv"
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
