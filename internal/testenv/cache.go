package testenv

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/store"
)

// Cache opens the response cache on the Redis at redisURL, judged by a
// tracker following s's change log (woken by its notifications, as portal
// serve wires it), and stops both when the test ends.
func Cache(tb testing.TB, s *store.Store, redisURL string) *cache.Cache {
	tb.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr := cache.NewTracker(cache.StoreChanges(s), cache.TrackerOptions{Log: log})
	ctx, cancel := context.WithCancel(context.Background())
	if err := tr.Start(ctx); err != nil {
		cancel()
		tb.Fatal(err)
	}
	c, err := cache.Open(redisURL, tr, log)
	if err != nil {
		cancel()
		tb.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { tr.Run(ctx) })
	wg.Go(func() { s.ListenChanges(ctx, func(context.Context) { tr.Kick() }) })
	tb.Cleanup(func() {
		cancel()
		wg.Wait()
		c.Close()
	})
	return c
}
