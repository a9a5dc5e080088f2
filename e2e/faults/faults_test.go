// Package faults_test runs Gongshi's fault and abuse scenarios against
// private deployments: its own PostgreSQL cluster, Redis and Meilisearch,
// started on loopback, crashed and restarted on purpose, never the
// machine's shared services. Each scenario reports the requests it made,
// the writes acknowledged and found stored, the leaks it found (withdrawn
// or private data served when it must not be: always 0) and how long the
// system took to heal; the table is printed at the end.
//
// `make test` runs the short version; `make test-faults` sets
// GONGSHI_FAULTS=long for longer loads.
package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
)

// long is set by make test-faults: more records, longer loads.
var long = os.Getenv("GONGSHI_FAULTS") == "long"

// scale picks the short or the long figure.
func scale[T any](short, longer T) T {
	if long {
		return longer
	}
	return short
}

// outcome is one scenario's line of the report.
type outcome struct {
	Scenario string
	Requests int64
	Acked    int64 // writes acknowledged to the client
	Stored   int64 // of those, found stored (must equal Acked)
	Leaks    int64 // withdrawn or private data served too late (must be 0)
	Heal     time.Duration
	Note     string
}

var (
	mu       sync.Mutex
	outcomes []outcome
)

func report(o outcome) {
	mu.Lock()
	outcomes = append(outcomes, o)
	mu.Unlock()
}

func TestMain(m *testing.M) {
	server.ReleaseMode()
	code := m.Run()
	testenv.DropDatabase() // the database of the scenarios that use the shared PostgreSQL
	mu.Lock()
	defer mu.Unlock()
	if len(outcomes) > 0 {
		sort.SliceStable(outcomes, func(i, j int) bool { return outcomes[i].Scenario < outcomes[j].Scenario })
		w := tabwriter.NewWriter(os.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(w, "scenario\trequests\tacked\tstored\tleaks\ttime to heal\tnote")
		for _, o := range outcomes {
			heal := "—"
			if o.Heal > 0 {
				heal = o.Heal.Round(time.Millisecond).String()
			}
			fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%s\t%s\n", o.Scenario, o.Requests, o.Acked, o.Stored, o.Leaks, heal, o.Note)
		}
		w.Flush()
	}
	os.Exit(code)
}

// counter counts requests and their outcomes from many goroutines.
type counter struct {
	requests, fivexx, leaks atomic.Int64
	mu                      sync.Mutex
	samples                 []string
}

func (c *counter) note(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.samples) < 5 {
		c.samples = append(c.samples, fmt.Sprintf(format, args...))
	}
}

func (c *counter) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.samples, "; ")
}

// load runs fn from n goroutines until stop is closed or limit passes.
func load(n int, limit time.Duration, stop <-chan struct{}, fn func()) *sync.WaitGroup {
	var wg sync.WaitGroup
	deadline := time.Now().Add(limit)
	for range n {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				select {
				case <-stop:
					return
				default:
				}
				fn()
			}
		})
	}
	return &wg
}

// A withdrawal is not served from any cache more than a second after it
// commits, whatever Redis lost in between: restarted empty, flushed, or
// failed over by Sentinel to a replica.
func TestCacheFaultsNeverServeAWithdrawal(t *testing.T) {
	for i, fault := range []string{"restart", "flush", "failover"} {
		t.Run(fault, func(t *testing.T) {
			d := deploy(t, false)
			inject := map[string]func(){"restart": d.redis.Restart, "flush": func() { d.redis.Do("FLUSHALL") }}
			if fault == "failover" {
				inject[fault] = d.sentinelFailover()
			}
			srv := d.serve("--no-indexer")
			rec := penalty(100 + i)
			ids, _, err := d.publish(srv, rec)
			if err != nil {
				t.Fatal(err)
			}
			urls := []string{fmt.Sprintf("%s/api/v1/penalties/%d", srv.URL(), ids[0]),
				fmt.Sprintf("%s/penalties/%d", srv.URL(), ids[0]), srv.URL() + "/api/v1/penalties"}
			var requests atomic.Int64
			cached := func() bool {
				for _, u := range urls {
					requests.Add(1)
					if _, c, _ := get(u); c != "hit" {
						return false
					}
				}
				return true
			}
			waitUntil(t, "the record's responses to be cached", 10*time.Second, cached)
			inject[fault]()
			heal := waitUntil(t, "the record's responses to be cached again", 15*time.Second, cached)
			if err := d.withdraw(srv, ids[0], "revoked"); err != nil {
				t.Fatal(err)
			}
			at := time.Now()
			var leaks int64
			for time.Since(at) < 3*time.Second {
				for _, u := range urls {
					requests.Add(1)
					status, c, body := get(u)
					if status == 200 && strings.Contains(body, rec["CF_WSH"]) && time.Since(at) > time.Second {
						leaks++
						t.Errorf("%s shows the withdrawn record %v after the withdrawal (X-Cache %s)", u, time.Since(at).Round(time.Millisecond), c)
					}
				}
				time.Sleep(20 * time.Millisecond)
			}
			report(outcome{Scenario: "redis " + fault + " between caching and withdrawal", Requests: requests.Load(),
				Acked: 1, Stored: 1, Leaks: leaks, Heal: heal, Note: "heal: until pages are cached again"})
		})
	}
}

// Clients hammering a record while it is withdrawn never see it more than
// a second after the commit.
func TestWithdrawalUnderHammer(t *testing.T) {
	d := deploy(t, false)
	srv := d.serve("--no-indexer")
	rec := penalty(7)
	ids, _, err := d.publish(srv, rec)
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("%s/penalties/%d", srv.URL(), ids[0])
	var withdrawnAt atomic.Int64
	var c counter
	stop := make(chan struct{})
	wg := load(8, scale(4*time.Second, 20*time.Second), stop, func() {
		c.requests.Add(1)
		status, cache, body := get(page)
		if status >= 500 {
			c.fivexx.Add(1)
		}
		if at := withdrawnAt.Load(); at != 0 && status == 200 && strings.Contains(body, rec["CF_WSH"]) {
			if lag := time.Since(time.Unix(0, at)); lag > time.Second {
				c.leaks.Add(1)
				c.note("served %v after the withdrawal (X-Cache %s)", lag.Round(time.Millisecond), cache)
			}
		}
	})
	time.Sleep(scale(time.Second, 5*time.Second))
	if err := d.withdraw(srv, ids[0], "repaired"); err != nil {
		t.Fatal(err)
	}
	withdrawnAt.Store(time.Now().UnixNano())
	wg.Wait()
	close(stop)
	if c.leaks.Load() > 0 || c.fivexx.Load() > 0 {
		t.Errorf("%d leaks, %d 5xx: %s", c.leaks.Load(), c.fivexx.Load(), &c)
	}
	report(outcome{Scenario: "withdrawal while 8 clients hammer the page", Requests: c.requests.Load(), Acked: 1, Stored: 1,
		Leaks: c.leaks.Load()})
}

// With Redis down the portal keeps answering; when Redis returns the
// cache is used again.
func TestRedisStopUnderLoad(t *testing.T) {
	d := deploy(t, false)
	srv := d.serve("--no-indexer")
	if _, _, err := d.publish(srv, penalty(1), penalty(2)); err != nil {
		t.Fatal(err)
	}
	var c counter
	stop := make(chan struct{})
	urls := []string{srv.URL() + "/", srv.URL() + "/api/v1/penalties", srv.URL() + "/stats"}
	var n atomic.Int64
	wg := load(6, scale(6*time.Second, 30*time.Second), stop, func() {
		c.requests.Add(1)
		if status, _, body := get(urls[n.Add(1)%int64(len(urls))]); status != 200 {
			c.fivexx.Add(1)
			c.note("%d %.120s", status, body)
		}
	})
	time.Sleep(scale(time.Second, 5*time.Second))
	d.redis.Kill()
	time.Sleep(scale(2*time.Second, 10*time.Second))
	d.redis.Start()
	heal := waitUntil(t, "the cache to be used again", 20*time.Second, func() bool {
		_, cache, _ := get(srv.URL() + "/api/v1/penalties")
		return cache == "hit"
	})
	close(stop)
	wg.Wait()
	if c.fivexx.Load() > 0 {
		t.Errorf("%d of %d requests failed while Redis was down: %s", c.fivexx.Load(), c.requests.Load(), &c)
	}
	report(outcome{Scenario: "redis stopped under read load", Requests: c.requests.Load(), Heal: heal,
		Note: fmt.Sprintf("%d non-200", c.fivexx.Load())})
}

// PostgreSQL crashes while clients publish: every answer is a 200 or a
// 503 with Retry-After (never a 500, nor a dropped connection: the portal
// itself stays up), every acknowledged record is stored, and publishing
// works again after the restart.
func TestPostgresCrashDuringIngest(t *testing.T) {
	d := deploy(t, false)
	srv := d.serve("--no-indexer")
	// ingest posts one record: its status and Retry-After, or the
	// transport error.
	ingest := func(rec map[string]string) (status int, retryAfter string, body []byte, err error) {
		b, _ := json.Marshal([]map[string]string{rec})
		req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/api/v1/admin/penalties", bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+d.key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", nil, err
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), body, err
	}
	var next atomic.Int64
	var acked sync.Map // decision number → true
	var c counter
	var ackedN, unavailable, wrong atomic.Int64
	stop := make(chan struct{})
	wg := load(4, scale(8*time.Second, 40*time.Second), stop, func() {
		n := int(next.Add(1))
		rec := penalty(1000 + n)
		c.requests.Add(1)
		status, retryAfter, body, err := ingest(rec)
		switch {
		case err != nil:
			wrong.Add(1)
			c.note("transport error: %v", err)
		case status == http.StatusOK:
			acked.Store(rec["CF_WSH"], true)
			ackedN.Add(1)
		case status == http.StatusServiceUnavailable && retryAfter != "":
			unavailable.Add(1)
		default:
			wrong.Add(1)
			c.note("%d (Retry-After %q) %.200s", status, retryAfter, body)
		}
	})
	time.Sleep(scale(2*time.Second, 10*time.Second))
	d.pg.Kill()
	time.Sleep(time.Second)
	d.pg.Start()
	crashAt := time.Now()
	heal := waitUntil(t, "publishing to work again", 30*time.Second, func() bool {
		_, _, err := d.publish(srv, penalty(999_999))
		return err == nil
	})
	_ = crashAt
	close(stop)
	wg.Wait()
	conn := d.db()
	stored := map[string]bool{}
	rows, err := conn.Query(context.Background(), `SELECT decision_no FROM penalties`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var no string
		rows.Scan(&no)
		stored[no] = true
	}
	rows.Close()
	var lost []string
	var storedAcked int64
	acked.Range(func(k, _ any) bool {
		if stored[k.(string)] {
			storedAcked++
		} else {
			lost = append(lost, k.(string))
		}
		return true
	})
	if len(lost) > 0 {
		t.Errorf("%d acknowledged records are not stored: %v", len(lost), lost[:min(len(lost), 5)])
	}
	if wrong.Load() > 0 {
		t.Errorf("%d of %d answers were not a 200 or a 503 with Retry-After: %s", wrong.Load(), c.requests.Load(), &c)
	}
	report(outcome{Scenario: "postgres crash during ingest", Requests: c.requests.Load(), Acked: ackedN.Load(),
		Stored: storedAcked, Heal: heal, Note: fmt.Sprintf("%d 503 with Retry-After, %d other answers", unavailable.Load(), wrong.Load())})
}

// sentinelFailover puts a replica and a Sentinel beside the deployment's
// Redis and points the portal's REDIS_URL at the Sentinel; the function
// it returns kills the primary and waits until the replica is promoted.
func (d *deployment) sentinelFailover() func() {
	t := d.t
	host, port, _ := strings.Cut(d.redis.Addr, ":")
	replica := testenv.StartRedis(t, "--replicaof", host, port)
	waitUntil(t, "the replica to sync", 20*time.Second, func() bool {
		info, _ := replica.Do("INFO", "replication").(string)
		return strings.Contains(info, "master_link_status:up")
	})
	sentinel := testenv.StartSentinel(t, "gongshi", d.redis.Addr)
	d.env = append(d.env, "REDIS_URL=redis://"+sentinel.Addr+"/0?master_name=gongshi")
	return func() {
		d.redis.Kill()
		waitUntil(t, "Sentinel to promote the replica", 60*time.Second, func() bool {
			addr, _ := sentinel.Do("SENTINEL", "get-master-addr-by-name", "gongshi").([]any)
			return len(addr) == 2 && fmt.Sprint(addr[0], ":", addr[1]) == replica.Addr
		})
	}
}
