package faults_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/testenv"
)

// fallbackTimeout is how long the portal lets a search from PostgreSQL
// run.
const fallbackTimeout = 10 * time.Second

// patient waits for an answer longer than the portal lets any search
// run, so that every request ends with the portal's answer.
var patient = &http.Client{Timeout: 3 * fallbackTimeout}

// lockPenalties holds an exclusive lock on the penalties table, as a
// long maintenance statement would, until release is called.
func (d *deployment) lockPenalties() (release func()) {
	d.t.Helper()
	ctx := context.Background()
	tx, err := d.db().Begin(ctx)
	if err != nil {
		d.t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "LOCK TABLE penalties IN ACCESS EXCLUSIVE MODE"); err != nil {
		d.t.Fatal(err)
	}
	return func() { tx.Rollback(ctx) }
}

// envWithMeili is d's environment with Meilisearch at meiliURL.
func (d *deployment) envWithMeili(meiliURL string) []string {
	var env []string
	for _, kv := range d.env {
		if !strings.HasPrefix(kv, "MEILI_URL=") {
			env = append(env, kv)
		}
	}
	return append(env, "MEILI_URL="+meiliURL)
}

// Meilisearch turns slow (> 2 s) under a mixed search load — the JSON
// API, the search page and its suggestions — and for longer than a search
// may run PostgreSQL is stuck behind a lock: searches are answered from
// PostgreSQL, and what PostgreSQL cannot take is refused with 503 and
// Retry-After, never 500; when Meilisearch is fast again it answers again.
func TestSearchLoadWhileMeilisearchSlow(t *testing.T) {
	d := deploy(t, true)
	d.run("demo", "--penalties", strconv.Itoa(scale(1000, 20000)), "--permits", "300", "--all-public")
	proxy := testenv.StartDelayProxy(t, d.meili.URL, nil)
	testenv.StartPortal(t, d.env, "index") // the indexer reaches Meilisearch directly
	srv := testenv.StartPortal(t, d.envWithMeili(proxy.URL), "serve", "--no-indexer")
	waitUntil(t, "Meilisearch to answer searches", 60*time.Second, func() bool {
		_, _, body := get(srv.URL() + "/api/v1/search?type=penalty")
		return strings.Contains(body, `"degraded":false`) && !strings.Contains(body, `"total":0,`)
	})

	words := []string{"化工", "安全", "培训", "危险化学品", "消防", "许可", "粉尘", "有限公司"}
	paths := []func(n int64) string{
		func(n int64) string {
			return "/api/v1/search?type=penalty&q=" + url.QueryEscape(words[n%8]) + "&page=" + strconv.FormatInt(n%5+1, 10)
		},
		func(n int64) string { return "/api/v1/search?q=" + url.QueryEscape(words[n%8]) },
		func(n int64) string {
			return "/api/v1/search?type=all&sort=-decision_date&page=" + strconv.FormatInt(n%10+1, 10)
		},
		func(n int64) string {
			return "/search?q=" + url.QueryEscape(words[n%8]) + "&page=" + strconv.FormatInt(n%3+1, 10)
		},
		func(n int64) string { return "/search/suggest?q=" + url.QueryEscape(words[n%8]) },
	}
	var c counter
	var next, ok, degraded, shed atomic.Int64
	var slow atomic.Bool
	stop := make(chan struct{})
	wg := load(scale(12, 24), scale(40*time.Second, 120*time.Second), stop, func() {
		n := next.Add(1)
		path := paths[n%int64(len(paths))](n / int64(len(paths)))
		c.requests.Add(1)
		resp, err := patient.Get(srv.URL() + path)
		if err != nil {
			c.fivexx.Add(1)
			c.note("%s: %v", path, err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch retry := resp.Header.Get("Retry-After"); {
		case resp.StatusCode == http.StatusOK:
			ok.Add(1)
			if slow.Load() && strings.Contains(string(body), `"degraded":true`) {
				degraded.Add(1)
			}
		case resp.StatusCode == http.StatusServiceUnavailable && retry != "" && retry != "0" && strings.Trim(retry, "0123456789") == "":
			shed.Add(1)
		default:
			c.fivexx.Add(1)
			c.note("%s: %d, Retry-After %q: %.120s", path, resp.StatusCode, retry, body)
		}
	})
	time.Sleep(scale(1500*time.Millisecond, 10*time.Second))
	proxy.Delay.Store(int64(3 * time.Second))
	slow.Store(true)
	time.Sleep(scale(time.Second, 20*time.Second))
	release := d.lockPenalties()
	time.Sleep(fallbackTimeout + time.Second)
	release()
	time.Sleep(scale(time.Second, 20*time.Second))
	proxy.Delay.Store(0)
	heal := waitUntil(t, "Meilisearch to answer searches again", 30*time.Second, func() bool {
		_, _, body := get(srv.URL() + "/api/v1/search?q=" + url.QueryEscape("化工"))
		return strings.Contains(body, `"degraded":false`)
	})
	slow.Store(false)
	close(stop)
	wg.Wait()

	if c.fivexx.Load() > 0 {
		t.Errorf("%d of %d searches answered neither 200 nor 503 with Retry-After: %s", c.fivexx.Load(), c.requests.Load(), &c)
	}
	if degraded.Load() == 0 {
		t.Error("no search was answered from PostgreSQL while Meilisearch was slow")
	}
	report(outcome{Scenario: "meilisearch slow (3 s), postgres stuck 11 s, under search load", Requests: c.requests.Load(), Heal: heal,
		Note: fmt.Sprintf("%d 200 (%d degraded API answers), %d 503 with Retry-After, %d other; heal: fast again → not degraded",
			ok.Load(), degraded.Load(), shed.Load(), c.fivexx.Load())})
}
