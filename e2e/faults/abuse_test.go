package faults_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// dialFrom connects to addr from the loopback address local (all of
// 127.0.0.0/8 is loopback), with a small receive buffer so that a client
// that stops reading makes the server's writes block soon.
func dialFrom(local, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second,
		Control: func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		}}
	return d.Dial("tcp", addr)
}

// clientFrom is an HTTP client whose connections come from local.
func clientFrom(local string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableCompression: true,
		DialContext: func(_ context.Context, _, addr string) (net.Conn, error) { return dialFrom(local, addr) }}}
}

// madeUpSecret is a well-formed API-key secret that no key has.
func madeUpSecret() string {
	raw := make([]byte, 30)
	rand.Read(raw)
	body := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	return "gs_" + body[:8] + "_" + body[8:]
}

// Slow bodies from one address: the connections beyond its cap are
// refused at once, the others are answered or cut off within the read
// timeout, and another address is served all along.
func TestAbuseSlowBodies(t *testing.T) {
	const readTimeout, perIP = 2 * time.Second, 20
	d := deploy(t, false)
	d.env = append(d.env, "PORTAL_READ_TIMEOUT="+readTimeout.String(), fmt.Sprintf("PORTAL_CONNS_PER_IP=%d", perIP))
	srv := d.serve("--no-indexer")
	slow := scale(60, 300)
	var refused, cut, held atomic.Int64
	var answer atomic.Value  // the first status line a cut request got
	var longest atomic.Int64 // nanoseconds
	var wg sync.WaitGroup
	for range slow {
		wg.Go(func() {
			conn, err := dialFrom("127.0.0.1", srv.Addr)
			if err != nil {
				refused.Add(1)
				return
			}
			defer conn.Close()
			start := time.Now()
			fmt.Fprintf(conn, "POST /api/v1/admin/penalties HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n[", d.key)
			go func() { // a byte every 200 ms, for as long as the connection takes them (bounded)
				for range 100 {
					time.Sleep(200 * time.Millisecond)
					if _, err := conn.Write([]byte(" ")); err != nil {
						return
					}
				}
			}()
			conn.SetReadDeadline(time.Now().Add(readTimeout + 8*time.Second))
			var first strings.Builder
			n, err := io.Copy(&first, io.LimitReader(conn, 1<<16)) // an answer and the close, or the close alone
			if line, _, ok := strings.Cut(first.String(), "\r\n"); ok {
				answer.CompareAndSwap(nil, line)
			}
			took := time.Since(start)
			switch {
			case isTimeout(err):
				held.Add(1)
			case n == 0 && took < readTimeout/2:
				refused.Add(1)
			default:
				cut.Add(1)
				for {
					l := longest.Load()
					if int64(took) <= l || longest.CompareAndSwap(l, int64(took)) {
						break
					}
				}
			}
		})
	}
	var c counter
	other := clientFrom("127.0.0.2")
	stop := make(chan struct{})
	legit := load(2, readTimeout+10*time.Second, stop, func() {
		c.requests.Add(1)
		resp, err := other.Get(srv.URL() + "/api/v1/penalties")
		if err != nil {
			c.fivexx.Add(1)
			c.note("%v", err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			c.fivexx.Add(1)
			c.note("%d", resp.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	})
	wg.Wait()
	close(stop)
	legit.Wait()
	if held.Load() > 0 {
		t.Errorf("%d of %d slow requests still held their connections %v after the read timeout", held.Load(), slow, 8*time.Second)
	}
	if refused.Load() < int64(slow-perIP) {
		t.Errorf("%d of %d connections from one address refused; want all beyond %d", refused.Load(), slow, perIP)
	}
	if c.fivexx.Load() > 0 {
		t.Errorf("another address: %d of %d requests failed: %s", c.fivexx.Load(), c.requests.Load(), &c)
	}
	report(outcome{Scenario: fmt.Sprintf("%d slow request bodies from one address", slow), Requests: c.requests.Load(),
		Note: fmt.Sprintf("%d refused at once, %d cut after ≤ %v (read timeout %v; answer %q), %d held; other address: %d failed",
			refused.Load(), cut.Load(), time.Duration(longest.Load()).Round(100*time.Millisecond), readTimeout, answer.Load(),
			held.Load(), c.fivexx.Load())})
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// Made-up Bearer tokens from one address spend its rate budget: 429
// beyond it, and no key lookup in PostgreSQL for the refused ones.
func TestAbuseRandomTokens(t *testing.T) {
	const ratePerMinute = 60 // a burst of 10
	d := deploy(t, false)
	d.env = append(d.env, fmt.Sprintf("PORTAL_RATE_IP=%d", ratePerMinute))
	srv := d.serve("--no-indexer")
	db := d.db()
	lookups := func() int64 {
		time.Sleep(1500 * time.Millisecond) // statistics reach pg_stat_* within a second
		var n int64
		if _, err := db.Exec(context.Background(), `SELECT pg_stat_clear_snapshot()`); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(context.Background(),
			`SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'api_keys'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := lookups()
	codes := map[int]int64{}
	var mu sync.Mutex
	var c counter
	start := time.Now()
	wg := load(8, scale(3*time.Second, 20*time.Second), nil, func() {
		c.requests.Add(1)
		req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/api/v1/feeds/penalties", nil)
		req.Header.Set("Authorization", "Bearer "+madeUpSecret())
		resp, err := client.Do(req)
		if err != nil {
			c.note("%v", err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		mu.Lock()
		codes[resp.StatusCode]++
		mu.Unlock()
	})
	wg.Wait()
	took := time.Since(start)
	queried := lookups() - before
	// The budget: the burst, the refill over the run, and a little for
	// the leases the limiter takes from Redis ahead.
	budget := int64(10 + ratePerMinute*took.Seconds()/60 + 5)
	if codes[http.StatusTooManyRequests] == 0 || codes[http.StatusUnauthorized] > budget {
		t.Errorf("%d requests with made-up tokens from one address: %v; want 429 beyond a budget of about %d", c.requests.Load(), codes, budget)
	}
	if queried > budget {
		t.Errorf("%d key lookups in PostgreSQL for %d made-up tokens; want at most the IP's budget, %d", queried, c.requests.Load(), budget)
	}
	report(outcome{Scenario: "made-up bearer tokens from one address", Requests: c.requests.Load(),
		Note: fmt.Sprintf("%d 401, %d 429, %d key lookups (budget ≈ %d)", codes[401], codes[429], queried, budget)})
}

// Two clients that stop reading a live download lose their places within
// the write timeout; a third client is then served.
func TestAbuseSlowReaders(t *testing.T) {
	const writeTimeout = time.Second
	d := deploy(t, false)
	d.run("demo", "--penalties", fmt.Sprint(scale(3000, 20000)), "--permits", "0", "--all-public")
	d.env = append(d.env, "PORTAL_WRITE_TIMEOUT="+writeTimeout.String(), "PORTAL_LIVE_DOWNLOADS=2", "PORTAL_LIVE_DOWNLOADS_PER_IP=2")
	srv := d.serve("--no-indexer")
	download := "/api/v1/datasets/penalties/download?format=json"
	for range 2 {
		conn, err := dialFrom("127.0.0.1", srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", download)
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		status, err := bufio.NewReaderSize(conn, 64).ReadString('\n')
		if err != nil || !strings.Contains(status, " 200 ") {
			t.Fatalf("a slow reader's download: %q %v", status, err)
		}
		// …and reads nothing more.
	}
	third := clientFrom("127.0.0.2")
	var requests atomic.Int64
	var sizes []int64
	served := func() bool {
		requests.Add(1)
		resp, err := third.Get(srv.URL() + download)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		n, _ := io.Copy(io.Discard, resp.Body)
		if resp.StatusCode == http.StatusOK {
			sizes = append(sizes, n)
		}
		return resp.StatusCode == http.StatusOK
	}
	heal := waitUntil(t, "a third client to be served", writeTimeout+scale(10*time.Second, 20*time.Second), served)
	report(outcome{Scenario: "two slow readers of live downloads (cap 2)", Requests: requests.Load(), Heal: heal,
		Note: fmt.Sprintf("write timeout %v; download %d bytes", writeTimeout, sizes[len(sizes)-1])})
}
