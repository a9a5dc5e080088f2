package store_test

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestSessionURLBehindPgBouncer runs the store through a real PgBouncer in
// transaction-pooling mode. Writes and reads work through the pooler; a
// LISTEN through it hears nothing (its server connection went back to the
// pool), while with SessionURL (DATABASE_LISTEN_URL) reaching PostgreSQL
// directly every committed change is heard, and a lease is a real session.
func TestSessionURLBehindPgBouncer(t *testing.T) {
	testenv.Store(t) // an empty, migrated database
	direct := testenv.DatabaseURL(t)
	u, err := url.Parse(direct)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	bouncer := testenv.StartPgBouncer(t, u.Hostname(), port, false)
	pooledURL := bouncer.URL(strings.TrimPrefix(u.Path, "/"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	listenFrom := func(ctx context.Context, s *store.Store) *atomic.Int64 {
		var heard atomic.Int64
		go s.ListenChanges(ctx, func(context.Context) { heard.Add(1) })
		waitFor(t, "the listener's first call", 5*time.Second, func() bool { return heard.Load() > 0 })
		time.Sleep(200 * time.Millisecond)
		return &heard
	}
	bare, err := store.Open(ctx, pooledURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer bare.Close()
	s, err := store.Open(ctx, pooledURL, store.Options{SessionURL: direct})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	lctx, stop := context.WithCancel(ctx)
	defer stop() // before the stores close: a listener holds a connection
	viaPooler, viaSession := listenFrom(lctx, bare), listenFrom(lctx, s)
	quiet, before := viaPooler.Load(), viaSession.Load()

	for i := range 3 {
		if _, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(i + 1)}, store.WriteOptions{}); err != nil {
			t.Fatalf("a write through PgBouncer: %v", err)
		}
	}
	waitFor(t, "a notification on DATABASE_LISTEN_URL", 3*time.Second, func() bool { return viaSession.Load() > before })
	head, err := s.LastChangeSeq(ctx)
	if err != nil || head < 3 {
		t.Fatalf("reading through PgBouncer: head %d, %v", head, err)
	}
	if got := viaPooler.Load(); got != quiet {
		t.Logf("a LISTEN through the pooler heard %d notifications (PgBouncer forwarded them by chance)", got-quiet)
	}

	l, err := s.TryLease(ctx, store.IndexerLease)
	if err != nil {
		t.Fatalf("a lease with DATABASE_LISTEN_URL: %v", err)
	}
	defer l.Close()
	if _, err := s.TryLease(ctx, store.IndexerLease); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("a second lease while the first is held: %v, want ErrLeaseHeld", err)
	}
}
