package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server/httpx"
)

// Whatever Redis loses — a restart without persistence, a flush, a
// failover to a replica that missed writes — a withdrawn record is not
// served from the cache more than a second after the withdrawal commits:
// the record's API detail, its page and the list.
func TestWithdrawalBeatsRedisFaults(t *testing.T) {
	faults := []struct {
		name string
		// start starts the Redis of the case and returns the URL servers
		// use and the fault to inject once the record's responses are
		// cached.
		start func(t *testing.T) (url string, fault func())
	}{
		{"restart", func(t *testing.T) (string, func()) {
			r := testenv.StartRedis(t)
			return r.URL(0), r.Restart
		}},
		{"flush", func(t *testing.T) (string, func()) {
			r := testenv.StartRedis(t)
			return r.URL(0), func() { r.Do("FLUSHALL") }
		}},
		{"failover", func(t *testing.T) (string, func()) {
			primary := testenv.StartRedis(t)
			host, port, _ := strings.Cut(primary.Addr, ":")
			replica := testenv.StartRedis(t, "--replicaof", host, port)
			waitFor(t, "the replica to sync", func() bool {
				info, _ := replica.Do("INFO", "replication").(string)
				return strings.Contains(info, "master_link_status:up")
			})
			sentinel := testenv.StartSentinel(t, "gongshi", primary.Addr)
			return "redis://" + sentinel.Addr + "/0?master_name=gongshi", func() {
				primary.Kill()
				waitFor(t, "Sentinel to promote the replica", func() bool {
					addr, _ := sentinel.Do("SENTINEL", "get-master-addr-by-name", "gongshi").([]any)
					return len(addr) == 2 && fmt.Sprint(addr[0], ":", addr[1]) == replica.Addr
				})
			}
		}},
	}
	for i, f := range faults {
		t.Run(f.name, func(t *testing.T) {
			s := testenv.Store(t)
			ctx := context.Background()
			p, errs := domain.ParsePenalty(testenv.PenaltyRecord(100+i), domain.ParseOptions{Now: fixedNow})
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			rs, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, []domain.Penalty{p}, store.WriteOptions{})
			if err != nil {
				t.Fatal(err)
			}
			url, fault := f.start(t)
			srv := cachedServer(t, s, url, httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000)})
			id := fmt.Sprint(rs[0].ID)
			urls := []string{srv.URL + "/api/v1/penalties/" + id, srv.URL + "/penalties/" + id, srv.URL + "/api/v1/penalties"}
			for _, u := range urls {
				waitForHit(t, u)
			}
			fault()
			// Served and cached again after the fault.
			for _, u := range urls {
				waitForHit(t, u)
			}
			if err := s.Withdraw(ctx, store.Actor{Name: "test"}, store.EntityPenalty, rs[0].ID, domain.ReasonRevoked, ""); err != nil {
				t.Fatal(err)
			}
			assertGoneWithin(t, urls, p.DecisionNo, time.Now(), time.Second)
		})
	}
}

// waitFor polls cond for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// assertGoneWithin requests every URL repeatedly for 3 s after a record
// was withdrawn at `at` and fails if any response later than limit still
// shows it (its decision number).
func assertGoneWithin(t *testing.T, urls []string, decisionNo string, at time.Time, limit time.Duration) {
	t.Helper()
	for time.Since(at) < 3*time.Second {
		for _, u := range urls {
			resp, body := get(t, u)
			shown := resp.StatusCode == 200 && strings.Contains(body, decisionNo)
			if lag := time.Since(at); shown && lag > limit {
				t.Fatalf("%s still shows the withdrawn record %s after the withdrawal (X-Cache %s)",
					u, lag.Round(time.Millisecond), resp.Header.Get("X-Cache"))
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}
