package cli

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// A worker still finishing when the command shuts down uses its clients
// until it returns: they are closed after it, last opened first.
func TestShutdownWaitsForWorkersBeforeClosing(t *testing.T) {
	life, ctx := startLifecycle(context.Background())
	var mu sync.Mutex
	var events []string
	record := func(e string) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}
	life.onShutdown("pool", func() error { record("close pool"); return nil })
	life.onShutdown("redis", func() error { record("close redis"); return nil })
	for _, name := range []string{"indexer", "listener"} {
		life.goWorker(func() {
			<-ctx.Done()
			time.Sleep(50 * time.Millisecond) // a last write on the way out
			record(name + " done")
		})
	}
	if err := life.shutdown(); err != nil {
		t.Fatal(err)
	}
	if len(events) != 4 || !slices.Equal(events[2:], []string{"close redis", "close pool"}) {
		t.Errorf("shutdown order %v, want both workers done, then redis, then the pool", events)
	}
}
