package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/testenv"
)

// deployment is a private Gongshi: its own PostgreSQL cluster, Redis and
// (optionally) Meilisearch, and the portal processes started on them.
type deployment struct {
	t     *testing.T
	pg    *testenv.Postgres
	redis *testenv.RedisServer
	meili *testenv.Meili
	env   []string
	key   string // an ingest key's secret
}

// deploy starts the services of a private deployment, migrates its
// database and creates an ingest key.
func deploy(t *testing.T, withSearch bool) *deployment {
	t.Helper()
	d := &deployment{t: t, pg: testenv.StartPostgres(t), redis: testenv.StartRedis(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.pg.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE gongshi"); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	d.env = []string{
		"DATABASE_URL=" + d.pg.URL("gongshi"),
		"REDIS_URL=" + d.redis.URL(0),
		"PORTAL_LOG_LEVEL=warn",
		"PORTAL_RATE_IP=100000000",
		"PORTAL_RATE_KEY=100000000",
		"PORTAL_SNAPSHOT_DIR=" + t.TempDir(),
	}
	if withSearch {
		d.meili = testenv.StartMeili(t)
		d.env = append(d.env, "MEILI_URL="+d.meili.URL, "MEILI_MASTER_KEY="+d.meili.MasterKey)
	} else {
		d.env = append(d.env, "MEILI_URL=http://127.0.0.1:1") // no search: degraded mode
	}
	d.run("migrate", "up")
	out := d.run("keys", "create", "--scope", "ingest", "--name", "faults")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	d.key = strings.TrimSpace(lines[len(lines)-1])
	return d
}

// run runs a portal command to completion and returns its standard output.
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

// serve starts a portal server on the deployment; extra arguments follow
// "serve".
func (d *deployment) serve(extra ...string) *testenv.Process {
	d.t.Helper()
	return testenv.StartPortal(d.t, d.env, append([]string{"serve"}, extra...)...)
}

// db opens a connection to the deployment's database.
func (d *deployment) db() *pgx.Conn {
	d.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.pg.URL("gongshi"))
	if err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// penalty is a valid raw penalty numbered n, decided yesterday so that it
// is public today.
func penalty(n int) map[string]string {
	r := testenv.PenaltyRecord(n)
	r["CF_JDRQ"] = time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	return r
}

// client is an HTTP client with a short timeout, so a hung server is a
// failed request, not a hung test.
var client = &http.Client{Timeout: 10 * time.Second}

// publish posts records to the ingest API and returns the ids of the
// records it acknowledged (200); err is set when it did not.
func (d *deployment) publish(srv *testenv.Process, recs ...map[string]string) (ids []int64, status int, err error) {
	body, _ := json.Marshal(recs)
	req, _ := http.NewRequest(http.MethodPost, srv.URL()+"/api/v1/admin/penalties", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+d.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return nil, resp.StatusCode, fmt.Errorf("ingest: %d %.200s", resp.StatusCode, b)
	}
	var out struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, resp.StatusCode, fmt.Errorf("ingest answer: %w: %.200s", err, b)
	}
	for _, r := range out.Results {
		ids = append(ids, r.ID)
	}
	return ids, resp.StatusCode, nil
}

// withdraw withdraws a penalty through the admin API.
func (d *deployment) withdraw(srv *testenv.Process, id int64, reason string) error {
	body := strings.NewReader(`{"reason":"` + reason + `","note":"faults"}`)
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/admin/penalties/%d/withdraw", srv.URL(), id), body)
	req.Header.Set("Authorization", "Bearer "+d.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("withdraw %d: %d %.200s", id, resp.StatusCode, b)
	}
	return nil
}

// get fetches a URL; a transport error is status 0.
func get(url string) (status int, cache string, body string) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Cache"), string(b)
}

// waitUntil polls cond every 50 ms for up to limit and returns how long
// it took; it fails the test on timeout.
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
