// Package scale_test runs Gongshi as several replicas behind nginx on
// private services — a PostgreSQL primary and streaming replica, Redis,
// two Meilisearch, two indexers — under mixed load with faults, and checks
// the withdrawal promise through every replica. It runs only with
// GONGSHI_SCALE=1 (make test-scale).
package scale_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMain(m *testing.M) {
	if os.Getenv("GONGSHI_SCALE") != "1" {
		fmt.Println("e2e/scale: skipped; run it with make test-scale (GONGSHI_SCALE=1)")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var client = &http.Client{Timeout: 10 * time.Second}

// stats counts requests by kind: errors by cause, and latencies.
type stats struct {
	mu     sync.Mutex
	n      map[string]int
	errs   map[string]int
	lat    map[string][]time.Duration
	counts atomic.Int64
}

func newStats() *stats {
	return &stats{n: map[string]int{}, errs: map[string]int{}, lat: map[string][]time.Duration{}}
}

func (s *stats) note(kind string, d time.Duration, status int, err error) {
	s.counts.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n[kind]++
	s.lat[kind] = append(s.lat[kind], d)
	switch {
	case err != nil:
		s.errs[kind+": transport"]++
	case status >= 300 && status != http.StatusNotModified && status != http.StatusGone: // 410: a record withdrawn during the run
		s.errs[fmt.Sprintf("%s: %d", kind, status)]++
	}
}

func (s *stats) print(t *testing.T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	kinds := make([]string, 0, len(s.n))
	for k := range s.n {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	total := 0
	for _, k := range kinds {
		l := s.lat[k]
		slices.Sort(l)
		total += s.n[k]
		t.Logf("  %-10s %6d requests  p50 %7s  p99 %7s", k, s.n[k], l[len(l)/2].Round(100*time.Microsecond),
			l[len(l)*99/100].Round(100*time.Microsecond))
	}
	t.Logf("  total      %6d requests", total)
	errs := make([]string, 0, len(s.errs))
	for k, v := range s.errs {
		errs = append(errs, fmt.Sprintf("%s ×%d", k, v))
	}
	sort.Strings(errs)
	t.Logf("  errors: %v", errs)
}

// nginx runs nginx balancing over the servers.
func nginx(t *testing.T, servers []string) string {
	bin := testenv.DebianTool(t, "nginx", "nginx", true)
	dir := t.TempDir()
	port := freePort(t)
	var up strings.Builder
	for _, s := range servers {
		fmt.Fprintf(&up, "    server %s max_fails=3 fail_timeout=2s;\n", s)
	}
	conf := fmt.Sprintf(`worker_processes 1;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream portal {
%[2]s    keepalive 32;
  }
  server {
    listen 127.0.0.1:%[3]d;
    location / {
      proxy_pass http://portal;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_next_upstream error timeout http_502;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 15s;
    }
  }
}
`, dir, up.String(), port)
	if os.Geteuid() == 0 {
		conf = "user root;\n" + conf
	}
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
	logf, err := os.Create(filepath.Join(dir, "stdout.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // SIGTERM: the master stops its workers too
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		logf.Close()
	})
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitUntil(t, "nginx", 10*time.Second, func() bool {
		resp, err := client.Get(url + "/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return url
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitUntil(t *testing.T, what string, limit time.Duration, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

type deployment struct {
	t       *testing.T
	primary *testenv.Postgres
	standby *testenv.Postgres
	meili   []*testenv.Meili
	env     []string
	key     string
	serves  []*testenv.Process
	index   []*testenv.Process
	lb      string
}

func (d *deployment) run(args ...string) string {
	d.t.Helper()
	cmd := exec.Command(testenv.PortalBin(d.t), args...)
	cmd.Env = append(os.Environ(), d.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		d.t.Fatalf("portal %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

func penalty(n int) map[string]string {
	r := testenv.PenaltyRecord(n)
	r["CF_JDRQ"] = time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	return r
}

func (d *deployment) post(base, path, body string) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+d.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, nil
}

// publish posts one record and returns its id (0 when not acknowledged).
func (d *deployment) publish(base string, n int) (int64, int, error) {
	body, _ := json.Marshal([]map[string]string{penalty(n)})
	status, b, err := d.post(base, "/api/v1/admin/penalties", string(body))
	if err != nil || status != http.StatusOK {
		return 0, status, err
	}
	var out struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &out); err != nil || len(out.Results) != 1 {
		return 0, status, fmt.Errorf("ingest answer %.200s: %v", b, err)
	}
	return out.Results[0].ID, status, nil
}

func status(url string) int {
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// searchHas reports whether a Meilisearch-backed search through base
// finds the penalty id by its decision number's party name.
func searchHas(base string, n int, id int64) (found, degraded bool) {
	resp, err := client.Get(base + "/api/v1/search?type=penalty&q=" + penalty(n)["CF_XDR_SHXYM"])
	if err != nil {
		return true, false
	}
	defer resp.Body.Close()
	type hit struct {
		ID json.Number `json:"id"`
	}
	var out struct {
		Exact    []hit `json:"exact"` // a credit code matches exactly
		Hits     []hit `json:"hits"`
		Degraded bool  `json:"degraded"`
	}
	if json.NewDecoder(resp.Body).Decode(&out) != nil {
		return true, false
	}
	for _, h := range append(out.Exact, out.Hits...) {
		if h.ID.String() == fmt.Sprint(id) {
			return true, out.Degraded
		}
	}
	return false, out.Degraded
}

func TestScale(t *testing.T) {
	d := &deployment{t: t}
	d.primary = testenv.StartPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	conn, err := pgx.Connect(ctx, d.primary.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE gongshi"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	cancel()
	redis := testenv.StartRedis(t)
	d.meili = []*testenv.Meili{testenv.StartMeili(t), testenv.StartMeili(t)}
	d.meili[1].Kill() // one master key for both: MEILI_MASTER_KEY is one
	d.meili[1].MasterKey = d.meili[0].MasterKey
	d.meili[1].Start()
	d.env = []string{
		"DATABASE_URL=" + d.primary.URL("gongshi"),
		"REDIS_URL=" + redis.URL(0),
		"MEILI_URL=" + d.meili[0].URL + "," + d.meili[1].URL,
		"MEILI_MASTER_KEY=" + d.meili[0].MasterKey,
		"PORTAL_LOG_LEVEL=warn",
		"PORTAL_RATE_IP=100000000",
		"PORTAL_RATE_KEY=100000000",
		"PORTAL_CONNS_PER_IP=0", // every request comes from nginx's address
		"PORTAL_LIVE_DOWNLOADS=16",
		"PORTAL_LIVE_DOWNLOADS_PER_IP=16",
		"PORTAL_SNAPSHOT_DIR=" + t.TempDir(),
	}
	if testenv.VersityBin() != "" {
		s3 := testenv.StartS3(t)
		d.env = append(d.env, "PORTAL_SNAPSHOT_URL=s3://"+s3.Bucket+"/scale", "AWS_ENDPOINT_URL_S3="+s3.Endpoint,
			"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID="+s3.AccessKey, "AWS_SECRET_ACCESS_KEY="+s3.SecretKey)
	} else {
		t.Fatal("versitygw is needed for the snapshots on S3: scripts/install-versitygw.sh, or set VERSITYGW_BIN")
	}
	d.run("migrate", "up")
	d.standby = testenv.StartStandby(t, d.primary)
	out := d.run("keys", "create", "--scope", "ingest", "--name", "scale")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	d.key = strings.TrimSpace(lines[len(lines)-1])
	out = d.run("keys", "create", "--scope", "feed", "--name", "scale-feed")
	lines = strings.Split(strings.TrimSpace(out), "\n")
	feedKey := strings.TrimSpace(lines[len(lines)-1])
	serveEnv := append(slices.Clone(d.env), "DATABASE_READ_URL="+d.standby.URL("gongshi"))
	for range 3 {
		d.serves = append(d.serves, testenv.StartPortal(t, serveEnv, "serve", "--no-indexer"))
	}
	for range 2 {
		d.index = append(d.index, testenv.StartPortal(t, d.env, "index"))
	}
	var addrs []string
	for _, s := range d.serves {
		addrs = append(addrs, s.Addr)
	}
	d.lb = nginx(t, addrs)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for i, s := range d.serves {
			l := s.Log()
			t.Logf("replica %d (exited %v), last of its log:\n%s", i, s.Exited(), l[max(0, len(l)-1500):])
		}
	})

	// Seed records.
	var next atomic.Int64
	var mu sync.Mutex
	acked := map[int64]int{} // id → record number
	for range 30 {
		n := int(next.Add(1))
		id, st, err := d.publish(d.lb, n)
		if err != nil || id == 0 {
			t.Fatalf("seed: %d %v", st, err)
		}
		acked[id] = n
	}

	st := newStats()
	loadCtx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	ids := func() []int64 {
		mu.Lock()
		defer mu.Unlock()
		out := make([]int64, 0, len(acked))
		for id := range acked {
			out = append(out, id)
		}
		return out
	}
	kinds := []string{"record", "page", "list", "search", "download", "feed"}
	for w := range 4 {
		wg.Go(func() {
			for i := w; loadCtx.Err() == nil; i++ {
				all := ids()
				id := all[i%len(all)]
				kind := kinds[i%len(kinds)]
				var url string
				switch kind {
				case "record":
					url = fmt.Sprintf("%s/api/v1/penalties/%d", d.lb, id)
				case "page":
					url = fmt.Sprintf("%s/penalties/%d", d.lb, id)
				case "list":
					url = d.lb + "/api/v1/penalties?limit=20"
				case "search":
					url = d.lb + "/api/v1/search?q=" + "测试"
				case "download":
					url = d.lb + "/api/v1/datasets/penalties/download?format=csv"
				case "feed":
					url = d.lb + "/api/v1/feeds/penalties?limit=100"
				}
				start := time.Now()
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				if kind == "feed" {
					req.Header.Set("Authorization", "Bearer "+feedKey)
				}
				resp, err := client.Do(req)
				code := 0
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				st.note(kind, time.Since(start), code, err)
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	wg.Go(func() { // ingest
		for loadCtx.Err() == nil {
			n := int(next.Add(1))
			start := time.Now()
			id, code, err := d.publish(d.lb, n)
			st.note("ingest", time.Since(start), code, err)
			if id != 0 {
				mu.Lock()
				acked[id] = n
				mu.Unlock()
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	// Withdrawals through one replica, checked through every replica.
	withdrawn := map[int64]int{}
	withdrawCheck := func(label string) {
		t.Helper()
		all := ids()
		var id int64
		for _, c := range all {
			if _, done := withdrawn[c]; !done {
				id = c
				break
			}
		}
		mu.Lock()
		n := acked[id]
		mu.Unlock()
		via := d.serves[len(withdrawn)%len(d.serves)]
		if via.Exited() {
			via = d.serves[0]
		}
		code, b, err := d.post(via.URL(), fmt.Sprintf("/api/v1/admin/penalties/%d/withdraw", id), `{"reason":"revoked","note":"scale"}`)
		if err != nil || code/100 != 2 {
			t.Fatalf("withdraw %d: %d %s %v", id, code, b, err)
		}
		at := time.Now()
		withdrawn[id] = n
		time.Sleep(time.Second)
		for i, s := range d.serves {
			if s.Exited() {
				continue
			}
			for _, p := range []string{fmt.Sprintf("/api/v1/penalties/%d", id), fmt.Sprintf("/penalties/%d", id)} {
				if c := status(s.URL() + p); c == http.StatusOK {
					t.Errorf("%s: replica %d still serves withdrawn %s %s after withdrawal", label, i, p, time.Since(at).Round(time.Millisecond))
				}
			}
		}
		deadline := at.Add(3 * time.Second)
		for {
			found := false
			for _, s := range d.serves {
				if !s.Exited() {
					if f, _ := searchHas(s.URL(), n, id); f {
						found = true
					}
				}
			}
			if !found {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s: search still finds withdrawn %d after 3 s", label, id)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	heal := map[string]time.Duration{}
	// About a minute of load in all: a steady stretch, then each fault
	// with time to settle after it.
	time.Sleep(15 * time.Second)
	withdrawCheck("steady")

	// Fault 1: a portal replica dies.
	d.serves[1].Kill()
	heal["kill a portal replica"] = waitUntil(t, "nginx answering without replica 1", 10*time.Second, func() bool {
		return status(d.lb+"/readyz") == http.StatusOK
	})
	withdrawCheck("replica down")
	time.Sleep(8 * time.Second)

	// Fault 2: the active indexer dies; the standby takes over.
	d.index[0].Kill()
	start := time.Now()
	var n int
	var id int64
	for try := 0; id == 0; try++ {
		n = int(next.Add(1))
		var code int
		id, code, err = d.publish(d.lb, n)
		if id == 0 {
			t.Logf("publish after the indexer died: %d %v", code, err)
			if try == 5 {
				t.FailNow()
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	mu.Lock()
	acked[id] = n
	mu.Unlock()
	waitUntil(t, "the standby indexer indexing", 30*time.Second, func() bool { f, deg := searchHas(d.lb, n, id); return f && !deg })
	heal["kill the active indexer"] = time.Since(start)
	withdrawCheck("indexer failover")

	// Fault 3: one Meilisearch dies; searches go to the other.
	d.meili[0].Kill()
	start = time.Now()
	heal["kill one Meilisearch"] = waitUntil(t, "non-degraded search with one Meilisearch", 15*time.Second, func() bool {
		_, deg := searchHas(d.lb, n, id)
		return !deg
	})
	withdrawCheck("one Meilisearch down")
	d.meili[0].Start()

	// Fault 4: the PostgreSQL replica restarts; reads go to the primary.
	d.standby.Restart()
	start = time.Now()
	heal["restart the PostgreSQL replica"] = waitUntil(t, "readyz after the replica restart", 30*time.Second, func() bool {
		resp, err := client.Get(d.serves[0].URL() + "/readyz")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return !strings.Contains(string(b), "read replica")
	})
	withdrawCheck("after replica restart")
	time.Sleep(10 * time.Second)
	stopLoad()
	wg.Wait()

	// Afterwards: acknowledged writes stored exactly once; both
	// Meilisearch converge to PostgreSQL's public set.
	ctx = context.Background()
	db, err := pgx.Connect(ctx, d.primary.URL("gongshi"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	for id := range acked {
		var c int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM penalties WHERE decision_no = (SELECT decision_no FROM penalties WHERE id = $1)`, id).Scan(&c); err != nil || c != 1 {
			t.Errorf("acknowledged penalty %d stored %d times (%v)", id, c, err)
		}
	}
	// The feed replays every penalty change exactly once, in order.
	var changes int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM changes WHERE entity = 'penalty'`).Scan(&changes); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	pageURL := "/api/v1/feeds/penalties?limit=500"
	for pages := 0; pageURL != "" && pages < 1000; pages++ {
		req, _ := http.NewRequest(http.MethodGet, d.lb+pageURL, nil)
		req.Header.Set("Authorization", "Bearer "+feedKey)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct {
			Entries []struct {
				Seq int64 `json:"seq"`
			} `json:"changes"`
			Next    string `json:"next_cursor"`
			HasMore bool   `json:"has_more"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("feed page %s: %d %v", pageURL, resp.StatusCode, err)
		}
		for _, e := range page.Entries {
			if seen[e.Seq] {
				t.Errorf("the feed delivered change %d twice", e.Seq)
			}
			seen[e.Seq] = true
		}
		pageURL = ""
		if page.HasMore {
			pageURL = "/api/v1/feeds/penalties?limit=500&after=" + page.Next
		}
	}
	if len(seen) != changes {
		t.Errorf("the feed replayed %d changes, the change log holds %d", len(seen), changes)
	}
	t.Logf("  feed replay: %d changes, each once", len(seen))

	var public int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM penalties WHERE status = 'published'`).Scan(&public); err != nil {
		t.Fatal(err)
	}
	for i, m := range d.meili {
		waitUntil(t, fmt.Sprintf("Meilisearch %d converging to %d public penalties", i, public), 60*time.Second, func() bool {
			req, _ := http.NewRequest(http.MethodGet, m.URL+"/indexes/penalties/stats", nil)
			req.Header.Set("Authorization", "Bearer "+m.MasterKey)
			resp, err := client.Do(req)
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var s struct {
				NumberOfDocuments int `json:"numberOfDocuments"`
			}
			return json.NewDecoder(resp.Body).Decode(&s) == nil && s.NumberOfDocuments == public
		})
	}

	// Every snapshot is downloadable through every replica, with its
	// manifest's SHA-256.
	files := 0
	for i, srv := range d.serves {
		if srv.Exited() {
			continue
		}
		resp, err := client.Get(srv.URL() + "/api/v1/datasets/penalties/snapshots")
		if err != nil {
			t.Fatal(err)
		}
		var list struct {
			Snapshots []struct {
				Files []struct {
					SHA256 string `json:"sha256"`
					URL    string `json:"url"`
				} `json:"files"`
			} `json:"snapshots"`
		}
		err = json.NewDecoder(resp.Body).Decode(&list)
		resp.Body.Close()
		if err != nil || len(list.Snapshots) == 0 {
			t.Fatalf("replica %d lists no snapshots (%v)", i, err)
		}
		for _, sn := range list.Snapshots {
			for _, f := range sn.Files {
				resp, err := client.Get(srv.URL() + f.URL)
				if err != nil {
					t.Fatal(err)
				}
				h := sha256.New()
				_, err = io.Copy(h, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
					t.Errorf("replica %d: %s: %d, SHA-256 %x, manifest %s (%v)", i, f.URL, resp.StatusCode, h.Sum(nil), f.SHA256, err)
				}
				files++
			}
		}
	}
	t.Logf("  snapshots: %d file downloads through the live replicas, each with its manifest's SHA-256", files)

	t.Logf("scale: 3 portal replicas behind nginx, PG primary + streaming replica, 2 Meilisearch, 2 indexers; %d withdrawals checked", len(withdrawn))
	st.print(t)
	for _, k := range []string{"kill a portal replica", "kill the active indexer", "kill one Meilisearch", "restart the PostgreSQL replica"} {
		t.Logf("  heal: %-32s %s", k, heal[k].Round(time.Millisecond))
	}
}
