package store_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// replicaPair starts a private primary with the schema and a streaming
// replica of it, and returns the primary's store and the replica's URL.
func replicaPair(t *testing.T) (*store.Store, *testenv.Postgres, string) {
	t.Helper()
	ctx := context.Background()
	primary := testenv.StartPostgres(t)
	url := primary.URL("postgres")
	if err := store.Migrate(ctx, url); err != nil {
		t.Fatal(err)
	}
	standby := testenv.StartStandby(t, primary)
	s, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, standby, standby.URL("postgres")
}

func publicPenalty(t *testing.T, pub *store.Public, id int64) bool {
	t.Helper()
	ids, err := pub.PublicIDs(context.Background(), store.EntityPenalty, []int64{id})
	if err != nil {
		t.Fatal(err)
	}
	return ids[id]
}

func waitFor(t *testing.T, what string, within time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReplicaServesPublicReadsWithinTheBound checks the read path on a
// real streaming replica: reads go to the replica while it is current; a
// withdrawal the replica has not replayed (replay paused) is never served
// once the reader was promised its change-log position (the cache head),
// nor after MaxLag without such a promise; and reads go back to the
// replica once it catches up.
func TestReplicaServesPublicReadsWithinTheBound(t *testing.T) {
	s, standby, readURL := replicaPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var promised atomic.Int64
	r, err := s.OpenReplica(ctx, readURL, store.ReplicaOptions{MaxLag: 500 * time.Millisecond, Poll: 50 * time.Millisecond,
		MinSeq: promised.Load})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go r.Run(ctx)
	pub := s.Reading(r).Public(domain.DefaultMasking, time.Now)

	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(1), testenv.Penalty(2)}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := rs[0].ID, rs[1].ID
	waitFor(t, "the replica takes reads", 5*time.Second, func() bool { return r.Ping(ctx) == nil })
	// The replica may be up to MaxLag behind: the record appears there,
	// read from the replica, within it.
	waitFor(t, "a published penalty is public, read from the replica", 5*time.Second, func() bool {
		before := r.Stats().ToReplica
		return publicPenalty(t, pub, a) && r.Stats().ToReplica > before
	})

	// The replica stops replaying; withdrawals commit on the primary.
	ctl, err := store.Open(ctx, readURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close()
	if _, err := ctl.Pool().Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, a, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	head, err := s.LastChangeSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	promised.Store(head) // what the response cache now stamps its entries with
	if publicPenalty(t, pub, a) {
		t.Fatal("a withdrawn penalty was served by a replica behind the promised change-log position")
	}

	// Without a promise, the bound alone keeps it out after MaxLag.
	promised.Store(0)
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, b, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	time.Sleep(600 * time.Millisecond)
	if publicPenalty(t, pub, b) {
		t.Fatal("a withdrawn penalty was served by a replica more than MaxLag behind")
	}
	if err := r.Ping(ctx); err == nil || !strings.Contains(err.Error(), "primary") {
		t.Errorf("/readyz check of a paused replica: %v, want it to say reads go to the primary", err)
	}

	if _, err := ctl.Pool().Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the replica takes reads again", 5*time.Second, func() bool { return r.Ping(ctx) == nil })
	before := r.Stats().ToReplica
	if publicPenalty(t, pub, a) || publicPenalty(t, pub, b) {
		t.Fatal("the caught-up replica serves a withdrawn penalty")
	}
	if r.Stats().ToReplica == before {
		t.Fatalf("reads did not return to the caught-up replica: %+v", r.Stats())
	}
	_ = standby
}

// TestReplicaRestartFallsBackToThePrimary kills the replica under reads:
// every read still answers (from the primary), and the replica takes reads
// again after it restarts.
func TestReplicaRestartFallsBackToThePrimary(t *testing.T) {
	s, standby, readURL := replicaPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := s.OpenReplica(ctx, readURL, store.ReplicaOptions{Poll: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	go r.Run(ctx)
	pub := s.Reading(r).Public(domain.DefaultMasking, time.Now)
	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(1)}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := rs[0].ID
	waitFor(t, "the replica takes reads", 5*time.Second, func() bool { return r.Ping(ctx) == nil })
	waitFor(t, "the penalty is public through the replica", 5*time.Second, func() bool { return publicPenalty(t, pub, id) })
	standby.Kill()
	for range 20 { // connections to the dead replica: retried on the primary
		if !publicPenalty(t, pub, id) {
			t.Fatal("a read answered wrongly while the replica was down")
		}
	}
	if r.Ping(ctx) == nil {
		t.Error("a dead replica reports that it takes reads")
	}
	standby.Start()
	waitFor(t, "the restarted replica takes reads", 10*time.Second, func() bool { return r.Ping(ctx) == nil })
	before := r.Stats().ToReplica
	if !publicPenalty(t, pub, id) {
		t.Fatal("not public through the restarted replica")
	}
	if r.Stats().ToReplica == before {
		t.Fatalf("reads did not return to the restarted replica: %+v", r.Stats())
	}
}
