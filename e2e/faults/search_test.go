package faults_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/testenv"
)

// meiliDocs counts the documents of the penalties index; -1 when
// Meilisearch does not answer.
func (d *deployment) meiliDocs() int {
	req, _ := http.NewRequest(http.MethodGet, d.meili.URL+"/indexes/penalties/stats", nil)
	req.Header.Set("Authorization", "Bearer "+d.meili.MasterKey)
	resp, err := client.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	var st struct {
		NumberOfDocuments int `json:"numberOfDocuments"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&st) != nil {
		return -1
	}
	return st.NumberOfDocuments
}

// publicPenalties counts the penalties PostgreSQL holds as published.
func (d *deployment) publicPenalties() int {
	var n int
	if err := d.db().QueryRow(context.Background(), `SELECT count(*) FROM penalties WHERE status = 'published'`).Scan(&n); err != nil {
		d.t.Fatal(err)
	}
	return n
}

// Meilisearch is killed while records are published: every acknowledged
// record is stored, and after its restart the index converges to
// PostgreSQL's public set.
func TestMeilisearchKilledDuringPublishes(t *testing.T) {
	d := deploy(t, true)
	srv := d.serve()
	var next, acked, requests atomic.Int64
	stop := make(chan struct{})
	wg := load(3, scale(6*time.Second, 30*time.Second), stop, func() {
		n := int(next.Add(1))
		requests.Add(1)
		if _, _, err := d.publish(srv, penalty(2*n), penalty(2*n+1)); err == nil {
			acked.Add(2)
		}
	})
	time.Sleep(scale(1500*time.Millisecond, 8*time.Second))
	d.meili.Kill()
	time.Sleep(scale(1500*time.Millisecond, 8*time.Second))
	d.meili.Start()
	restarted := time.Now()
	wg.Wait()
	close(stop)
	want := d.publicPenalties()
	waitUntil(t, "the index to converge", 60*time.Second, func() bool { return d.meiliDocs() == want })
	heal := time.Since(restarted)
	if int64(want) != acked.Load() {
		t.Errorf("%d records acknowledged, %d stored", acked.Load(), want)
	}
	report(outcome{Scenario: "meilisearch killed during publishes", Requests: requests.Load(), Acked: acked.Load(),
		Stored: int64(want), Heal: heal, Note: "heal: restart → index equals PostgreSQL"})
}

// The active indexer is killed; the standby takes the lease and a record
// published afterwards becomes searchable.
func TestIndexerFailover(t *testing.T) {
	d := deploy(t, true)
	srv := d.serve("--no-indexer")
	active := testenv.StartPortal(t, d.env, "index")
	if _, _, err := d.publish(srv, penalty(1)); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "the first indexer to index", 30*time.Second, func() bool { return d.meiliDocs() == 1 })
	standby := testenv.StartPortal(t, d.env, "index")
	time.Sleep(500 * time.Millisecond)
	active.Kill()
	killed := time.Now()
	if _, _, err := d.publish(srv, penalty(2)); err != nil {
		t.Fatal(err)
	}
	heal := waitUntil(t, "the standby to index", 60*time.Second, func() bool { return d.meiliDocs() == 2 })
	if standby.Exited() {
		t.Fatalf("the standby exited:\n%s", standby.Log())
	}
	report(outcome{Scenario: "active indexer killed", Requests: 2, Acked: 2, Stored: int64(d.publicPenalties()),
		Heal: time.Since(killed).Round(time.Millisecond), Note: fmt.Sprintf("standby indexed in %v", heal.Round(time.Millisecond))})
}

// portal import is killed at random moments: a file is all or nothing.
func TestImportKilled(t *testing.T) {
	d := deploy(t, false)
	rows := scale(3000, 20000)
	path := filepath.Join(t.TempDir(), "penalties.csv")
	var b strings.Builder
	codes := []string{"CF_WSH", "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_WFXW", "CF_SY", "CF_YJ", "CF_CFLB",
		"CF_NR", "CF_NR_FK", "CF_JDRQ", "CF_CFJG", "CF_CFJGDM", "CF_SJLY", "CF_SJLYDM"}
	b.WriteString(strings.Join(codes, ",") + "\n")
	for i := range rows {
		r := penalty(50_000 + i)
		vals := make([]string, len(codes))
		for j, c := range codes {
			vals[j] = r[c]
		}
		b.WriteString(strings.Join(vals, ",") + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	attempts := scale(3, 8)
	var partial int
	for i := range attempts {
		cmd := exec.Command(testenv.PortalBin(t), "import", "penalties", path)
		cmd.Env = append(os.Environ(), d.env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+300*i) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		n := d.publicPenalties()
		if n != 0 && n != rows {
			partial++
			t.Errorf("after a kill %d ms into the import: %d of %d rows stored", 200+300*i, n, rows)
		}
		if n == rows {
			break // the import finished before the kill
		}
	}
	d.run("import", "penalties", path)
	if n := d.publicPenalties(); n != rows {
		t.Errorf("a full import stored %d of %d rows", n, rows)
	}
	report(outcome{Scenario: "portal import killed", Requests: int64(attempts), Acked: int64(rows), Stored: int64(d.publicPenalties()),
		Leaks: int64(partial), Note: "leaks: partial imports"})
}
