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
	go c.Run(ctx, time.Second)
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
