package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

// A record in today's snapshot is withdrawn as repaired (信用修复) while
// clients download the snapshot from two servers, and the server that
// took the withdrawal is killed at once, before it can re-issue the
// snapshot. From the moment the withdrawal is acknowledged no download
// from either server may hold the record; the other server re-issues the
// snapshot without it, and every format of every served snapshot of the
// day lacks it.
func TestSnapshotWithdrawalSurvivesAKill(t *testing.T) {
	d := deploy(t, false)
	n := scale(20, 200)
	recs := make([]map[string]string, n)
	for i := range recs {
		recs[i] = penalty(70_000 + i)
	}
	target := recs[n/2]["CF_WSH"]
	path := filepath.Join(t.TempDir(), "penalties.json")
	raw, _ := json.Marshal(recs)
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	d.run("import", "penalties", path)
	var id int64
	if err := d.db().QueryRow(context.Background(), `SELECT id FROM penalties WHERE decision_no = $1`, target).Scan(&id); err != nil {
		t.Fatal(err)
	}

	a, b := d.serve("--no-indexer"), d.serve("--no-indexer")
	day := domain.ChinaDate(time.Now()).Format(time.DateOnly)
	file := func(srv string, format string) string {
		return srv + "/api/v1/datasets/penalties/snapshots/" + day + "/" + format
	}
	waitUntil(t, "today's snapshot", 60*time.Second, func() bool {
		status, _, body := get(file(a.URL(), "csv"))
		return status == 200 && strings.Contains(body, target)
	})

	var c counter
	var withdrawnAt atomic.Int64 // unix nanoseconds once the withdrawal is acknowledged
	var killed atomic.Bool
	stop := make(chan struct{})
	formats := []string{"csv", "ndjson", "json"}
	var turn atomic.Int64
	wg := load(4, scale(40*time.Second, 120*time.Second), stop, func() {
		i := turn.Add(1)
		srv := b.URL()
		if i%2 == 0 && !killed.Load() {
			srv = a.URL()
		}
		started := time.Now().UnixNano()
		status, _, body := get(file(srv, formats[i%int64(len(formats))]))
		c.requests.Add(1)
		switch {
		case status == 200 && strings.Contains(body, target) && withdrawnAt.Load() != 0 && started > withdrawnAt.Load():
			c.leaks.Add(1)
			c.note("%s served the withdrawn record", srv)
		case status >= 500 && status != 503 && !(status == 0 && killed.Load()):
			c.fivexx.Add(1)
			c.note("%d %.100s", status, body)
		}
		time.Sleep(5 * time.Millisecond)
	})
	time.Sleep(time.Second)
	if err := d.withdraw(a, id, "repaired"); err != nil {
		t.Fatal(err)
	}
	withdrawnAt.Store(time.Now().UnixNano())
	killed.Store(true)
	a.Kill()
	heal := waitUntil(t, "the snapshot re-issued without the record", 60*time.Second, func() bool {
		status, _, body := get(file(b.URL(), "csv"))
		return status == 200 && !strings.Contains(body, target) && strings.Contains(body, recs[0]["CF_WSH"])
	})
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()

	for _, f := range append(formats, "xlsx") {
		status, _, body := get(file(b.URL(), f))
		if f == "xlsx" && status == 200 {
			body = xlsxText(t, body)
		}
		if status != 200 || strings.Contains(body, target) || !strings.Contains(body, recs[0]["CF_WSH"]) {
			c.leaks.Add(1)
			t.Errorf("the re-issued %s snapshot: %d, holds the withdrawn record: %v", f, status, strings.Contains(body, target))
		}
	}
	if c.leaks.Load() > 0 || c.fivexx.Load() > 0 {
		t.Errorf("%d leaks, %d unexpected answers: %s", c.leaks.Load(), c.fivexx.Load(), &c)
	}
	report(outcome{Scenario: "snapshot record withdrawn, server killed", Requests: c.requests.Load(), Acked: 1, Stored: 1,
		Leaks: c.leaks.Load(), Heal: heal, Note: fmt.Sprintf("re-issued by the other server; %d unexpected answers", c.fivexx.Load())})
}
