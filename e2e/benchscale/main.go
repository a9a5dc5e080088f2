// Command benchscale measures the public reads of a running portal over
// HTTP for scripts/bench-scale.sh (make bench-scale): p50/p95 of each read
// uncached, the first request after a publish, and the response cache's
// hit ratio under a mixed read load with one write a second. It talks to
// loopback only, and every phase is bounded in requests and time.
//
//	benchscale measure -base URL -key SECRET -size N -out FILE
//	benchscale report FILE...   (one FILE per size, smallest first)
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/gongshi/gongshi/internal/testenv"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchscale measure|report …")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "measure":
		err = measure(os.Args[2:])
	case "report":
		err = report(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
}

// bench is one measuring run against one portal.
type bench struct {
	base     string
	key      string
	client   *http.Client
	runs     int
	deadline time.Time
	seq      atomic.Int64 // numbers the records this run publishes
	rng      *rand.Rand
}

// read is one public read to measure.
type read struct {
	name    string
	url     string // path and query
	subject string // the credit code a publish gives its record, if the read is that subject's
}

func measure(args []string) error {
	fs := flag.NewFlagSet("measure", flag.ContinueOnError)
	base := fs.String("base", "", "the portal's base URL (loopback)")
	key := fs.String("key", "", "an API key of scope ingest")
	size := fs.Int("size", 0, "penalties loaded (for the output only)")
	runs := fs.Int("runs", 50, "requests per read and phase")
	load := fs.Duration("load", 60*time.Second, "length of the mixed read load")
	workers := fs.Int("workers", 4, "concurrent readers of the mixed load")
	maxTime := fs.Duration("max", 30*time.Minute, "stop measuring after this long")
	out := fs.String("out", "", "TSV file to write the figures to")
	phases := fs.String("phases", "reads,load", "what to measure: reads (uncached and after a publish), load (hit ratio); load alone appends to -out")
	withSearch := fs.Bool("search", true, "measure the search page (false without a search engine: its PostgreSQL fallback reads every record by design)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
		return fmt.Errorf("-base must be a loopback URL, got %q", *base)
	}
	if *key == "" || *out == "" || *runs < 1 {
		return errors.New("-key, -out and -runs ≥ 1 are required")
	}
	b := &bench{base: strings.TrimSuffix(*base, "/"), key: *key, runs: *runs,
		client:   &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		deadline: time.Now().Add(*maxTime), rng: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 13))}
	b.seq.Store(time.Now().Unix() % 100_000 * 10)
	doReads, doLoad := strings.Contains(*phases, "reads"), strings.Contains(*phases, "load")
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if !doReads {
		flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(*out, flags, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	defer w.Flush()
	pool, err := b.discover()
	if err != nil {
		return err
	}
	var reads []read
	if doReads {
		fmt.Fprintf(w, "# size\t%d\n", *size)
		if reads, err = b.reads(pool, *withSearch); err != nil {
			return err
		}
	}
	if doReads {
		fmt.Fprintf(os.Stderr, "benchscale: %d reads × %d requests uncached, then after a publish\n", len(reads), b.runs)
	}
	for _, r := range reads {
		if time.Now().After(b.deadline) {
			return fmt.Errorf("out of time (-max %s) before %s", *maxTime, r.name)
		}
		un, err := b.uncached(r)
		if err != nil {
			return err
		}
		after, misses, err := b.afterPublish(r)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "read\t%s\t%s\t%.2f\t%.2f\t%.2f\t%.2f\t%d/%d\n", r.name, r.url,
			pct(un, 50), pct(un, 95), pct(after, 50), pct(after, 95), misses, len(after))
		fmt.Fprintf(os.Stderr, "  %-40s p50 %7.1f  p95 %7.1f ms | after a publish p50 %7.1f  p95 %7.1f ms (%d/%d misses)\n",
			r.name, pct(un, 50), pct(un, 95), pct(after, 50), pct(after, 95), misses, len(after))
		w.Flush()
	}
	if !doLoad {
		return w.Flush()
	}
	hits, err := b.mixedLoad(pool, *load, *workers)
	if err != nil {
		return err
	}
	for _, c := range []string{"record", "subject", "list"} {
		h := hits[c]
		fmt.Fprintf(w, "hits\t%s\t%d\t%d\n", c, h[0], h[1])
		fmt.Fprintf(os.Stderr, "  hit ratio %-8s %d/%d = %.1f%%\n", c, h[0], h[1], 100*ratio(h[0], h[1]))
	}
	return w.Flush()
}

// pool is what the reads and the mixed load pick from: records, subjects,
// filter values, found through the API.
type pool struct {
	penaltyIDs   []int64
	subjects     []string
	agency       string
	permitAgency string
	penaltyCode  string
	permitCode   string
	dateFrom     string
	dateTo       string
}

func (b *bench) discover() (*pool, error) {
	p := &pool{}
	next := "/api/v1/penalties?limit=100"
	seen := map[string]bool{}
	for i := 0; i < 10 && next != ""; i++ {
		var page struct {
			Items []struct {
				ID           int64  `json:"id"`
				CreditCode   string `json:"credit_code"`
				AgencyCode   string `json:"agency_code"`
				DecisionDate string `json:"decision_date"`
			} `json:"items"`
			Next *string `json:"next"`
		}
		if err := b.getJSON(next, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			p.penaltyIDs = append(p.penaltyIDs, it.ID)
			if strings.HasPrefix(it.CreditCode, "9") && !seen[it.CreditCode] && len(p.subjects) < 200 {
				seen[it.CreditCode] = true
				p.subjects = append(p.subjects, it.CreditCode)
			}
			if p.agency == "" {
				p.agency, p.penaltyCode = it.AgencyCode, it.CreditCode
			}
			if p.dateTo == "" {
				p.dateTo = it.DecisionDate
			}
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
	}
	var permits struct {
		Items []struct {
			CreditCode string `json:"credit_code"`
			AgencyCode string `json:"agency_code"`
		} `json:"items"`
	}
	if err := b.getJSON("/api/v1/permits?limit=50", &permits); err != nil {
		return nil, err
	}
	for _, it := range permits.Items {
		if p.permitCode == "" && it.CreditCode != "" {
			p.permitCode, p.permitAgency = it.CreditCode, it.AgencyCode
		}
	}
	if len(p.penaltyIDs) == 0 || p.permitCode == "" || p.dateTo == "" {
		return nil, errors.New("the database holds no public penalties or permits")
	}
	to, err := time.Parse("2006-01-02", p.dateTo)
	if err != nil {
		return nil, fmt.Errorf("decision_date %q: %w", p.dateTo, err)
	}
	p.dateFrom = to.AddDate(0, 0, -14).Format("2006-01-02")
	return p, nil
}

// reads lists every read to measure; the list shapes at the first page and
// 100 pages of 20 deep (following next links).
func (b *bench) reads(p *pool, withSearch bool) ([]read, error) {
	rs := []read{{name: "home /", url: "/"}, {name: "/stats", url: "/stats"}, {name: "/api/v1/stats", url: "/api/v1/stats"}}
	dates := "decision_date_from=" + p.dateFrom + "&decision_date_to=" + p.dateTo
	lists := []struct{ path, q string }{
		{"/api/v1/penalties", ""},
		{"/api/v1/penalties", "sort=decision_date"},
		{"/api/v1/penalties", "sort=published_at"},
		{"/api/v1/penalties", "sort=-published_at"},
		{"/api/v1/penalties", "sort=fine"},
		{"/api/v1/penalties", "sort=-fine"},
		{"/api/v1/penalties", "agency_code=" + p.agency},
		{"/api/v1/penalties", "district=320505"},
		{"/api/v1/penalties", "category=" + url.QueryEscape("警告")},
		{"/api/v1/penalties", "category=" + url.QueryEscape("行政拘留")}, // no record has it
		{"/api/v1/penalties", "stage=" + url.QueryEscape("事故")},
		{"/api/v1/penalties", "party_kind=" + url.QueryEscape("个体工商户")},
		{"/api/v1/penalties", "credit_code=" + p.penaltyCode},
		{"/api/v1/penalties", dates},
		{"/api/v1/penalties", "fine_min=100000"},
		{"/api/v1/penalties", "fine_max=1000"},
		{"/api/v1/permits", ""},
		{"/api/v1/permits", "sort=decision_date"},
		{"/api/v1/permits", "sort=published_at"},
		{"/api/v1/permits", "sort=-published_at"},
		{"/api/v1/permits", "sort=valid_to"},
		{"/api/v1/permits", "sort=-valid_to"},
		{"/api/v1/permits", "agency_code=" + p.permitAgency},
		{"/api/v1/permits", "district=320505"},
		{"/api/v1/permits", "category=" + url.QueryEscape("普通")},
		{"/api/v1/permits", "state=" + url.QueryEscape("有效")},
		{"/api/v1/permits", "party_kind=" + url.QueryEscape("个体工商户")},
		{"/api/v1/permits", "credit_code=" + p.permitCode},
		{"/api/v1/permits", dates},
	}
	for _, l := range lists {
		first := l.path + "?limit=20"
		if l.q != "" {
			first += "&" + l.q
		}
		label := strings.TrimPrefix(l.path, "/api/v1/")
		if l.q != "" {
			label += "?" + shortQuery(l.q)
		}
		rs = append(rs, read{name: label + " p1", url: first})
		deep, depth, err := b.follow(first, 100)
		if err != nil {
			return nil, err
		}
		if depth < 100 {
			fmt.Fprintf(os.Stderr, "  %s has %d pages only: its last is measured as p101\n", label, depth+1)
		}
		rs = append(rs, read{name: label + " p101", url: deep})
	}
	rs = append(rs, read{name: "subject page", url: "/subjects/" + p.subjects[0], subject: p.subjects[0]},
		read{name: "power list page", url: "/lists/powers"})
	if withSearch {
		rs = append(rs, read{name: "search page", url: "/search?q=" + url.QueryEscape("化工")})
	}
	return rs, nil
}

// shortQuery keeps a label short: a credit or agency code becomes its name.
func shortQuery(q string) string {
	vs, _ := url.ParseQuery(q)
	var parts []string
	for k, v := range vs {
		if k == "credit_code" || k == "agency_code" || strings.HasPrefix(k, "decision_date") {
			parts = append(parts, k)
			continue
		}
		parts = append(parts, k+"="+v[0])
	}
	sort.Strings(parts)
	return strings.Join(parts, "&")
}

// follow pages from first through up to n next links and returns the last
// page's URL and how many links it followed.
func (b *bench) follow(first string, n int) (string, int, error) {
	cur := first
	for i := 0; i < n; i++ {
		var page struct {
			Next *string `json:"next"`
		}
		if err := b.getJSON(cur, &page); err != nil {
			return "", 0, err
		}
		if page.Next == nil {
			return cur, i, nil
		}
		cur = *page.Next
	}
	return cur, n, nil
}

// uncached times runs requests of r that bypass the response cache: a
// request with an Authorization header is never looked up nor stored
// (httpx.Cacher), so each one computes its response.
func (b *bench) uncached(r read) ([]float64, error) {
	var ms []float64
	for i := 0; i < b.runs; i++ {
		d, xc, err := b.timed(r.url, true)
		if err != nil {
			return nil, err
		}
		if xc != "miss" {
			return nil, fmt.Errorf("%s: X-Cache %q on a request that must bypass the cache", r.url, xc)
		}
		ms = append(ms, d)
	}
	return ms, nil
}

// afterPublish times the first ordinary request of r after a publish: the
// read is cached first, then one record is ingested (of r's subject, if
// any), then r is read until the cache has seen the write — the first
// miss — for 300 ms at most (a read the write does not invalidate stays a
// hit; a hit before then was the cache not yet knowing of the write, which
// it may not for up to 1 s).
func (b *bench) afterPublish(r read) ([]float64, int, error) {
	var ms []float64
	misses := 0
	for i := 0; i < b.runs; i++ {
		if _, _, err := b.timed(r.url, false); err != nil {
			return nil, 0, err
		}
		if _, err := b.publish(r.subject); err != nil {
			return nil, 0, err
		}
		until := time.Now().Add(300 * time.Millisecond)
		for {
			d, xc, err := b.timed(r.url, false)
			if err != nil {
				return nil, 0, err
			}
			if xc == "miss" || time.Now().After(until) {
				if xc == "miss" {
					misses++
				}
				ms = append(ms, d)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	return ms, misses, nil
}

// mixedLoad reads record pages, subject pages and lists from workers for d
// while one record is published or withdrawn every second, and returns
// hits and requests per class (X-Cache).
func (b *bench) mixedLoad(p *pool, d time.Duration, workers int) (map[string][2]int64, error) {
	type target struct{ class, url string }
	var ts []target
	for i, id := range p.penaltyIDs {
		if i >= 500 {
			break
		}
		ts = append(ts, target{"record", fmt.Sprintf("/penalties/%d", id)}, target{"record", fmt.Sprintf("/api/v1/penalties/%d", id)})
	}
	for _, c := range p.subjects {
		ts = append(ts, target{"subject", "/subjects/" + c})
	}
	for _, q := range []string{"", "&district=320505", "&sort=-published_at"} {
		ts = append(ts, target{"list", "/api/v1/penalties?limit=20" + q}, target{"list", "/api/v1/permits?limit=20" + q})
	}
	ts = append(ts, target{"list", "/api/v1/penalties?limit=20&sort=-fine"}, target{"list", "/api/v1/permits?limit=20&sort=-valid_to"})
	// Every URL once first: the ratio is of a warm cache, not of its filling.
	for _, t := range ts {
		if _, _, err := b.timed(t.url, false); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var mu sync.Mutex
	counts := map[string][2]int64{}
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			for ctx.Err() == nil {
				t := ts[rng.IntN(len(ts))]
				_, xc, err := b.timed(t.url, false)
				if err != nil {
					if ctx.Err() == nil {
						firstErr.CompareAndSwap(nil, err)
					}
					return
				}
				mu.Lock()
				c := counts[t.class]
				if xc == "hit" {
					c[0]++
				}
				c[1]++
				counts[t.class] = c
				mu.Unlock()
			}
		}(uint64(w + 1))
	}
	// The writer: a new penalty of a subject of the pool, then its
	// withdrawal, alternating, one a second.
	var last int64
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	writes := 0
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
			var err error
			if last == 0 {
				last, err = b.publish(p.subjects[b.rng.IntN(len(p.subjects))])
			} else {
				err = b.withdraw(last)
				last = 0
			}
			if err != nil {
				cancel()
				wg.Wait()
				return nil, err
			}
			writes++
		}
	}
	wg.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "  mixed load: %s, %d readers, %d writes\n", d, workers, writes)
	return counts, nil
}

// timed GETs path and returns its time in ms and its X-Cache header; with
// bypass it sends an Authorization header, which the cache never serves.
func (b *bench) timed(path string, bypass bool) (float64, string, error) {
	req, err := http.NewRequest(http.MethodGet, b.base+path, nil)
	if err != nil {
		return 0, "", err
	}
	if bypass {
		req.Header.Set("Authorization", "Bearer uncached")
	}
	start := time.Now()
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("GET %s: %w", path, err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		return 0, "", fmt.Errorf("GET %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, "", fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return d, resp.Header.Get("X-Cache"), nil
}

func (b *bench) getJSON(path string, v any) error {
	resp, err := b.client.Get(b.base + path)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// publish ingests one new penalty (of subject, when given) through the
// admin API and returns its id.
func (b *bench) publish(subject string) (int64, error) {
	n := int(b.seq.Add(1))
	r := testenv.PenaltyRecord(n)
	r["CF_WSH"] = fmt.Sprintf("（苏）应急罚〔2026〕压测%d号", n)
	r["CF_JDRQ"] = time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format("2006-01-02")
	if subject != "" {
		r["CF_XDR_SHXYM"] = subject
	}
	var res struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	if err := b.post("/api/v1/admin/penalties", r, &res); err != nil {
		return 0, err
	}
	if len(res.Results) != 1 {
		return 0, fmt.Errorf("publish: %d results", len(res.Results))
	}
	return res.Results[0].ID, nil
}

func (b *bench) withdraw(id int64) error {
	return b.post(fmt.Sprintf("/api/v1/admin/penalties/%d/withdraw", id),
		map[string]string{"reason": "revoked", "note": "bench-scale"}, nil)
}

func (b *bench) post(path string, body, v any) error {
	buf, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(http.MethodPost, b.base+path, bytes.NewReader(buf))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+b.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		return fmt.Errorf("POST %s: %s: %s", path, resp.Status, msg)
	}
	if v == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// pct is the p-th percentile (nearest rank) of ms.
func pct(ms []float64, p int) float64 {
	if len(ms) == 0 {
		return 0
	}
	s := append([]float64(nil), ms...)
	sort.Float64s(s)
	i := (p*len(s) + 99) / 100
	if i < 1 {
		i = 1
	}
	return s[i-1]
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Targets of the benchmark.
const (
	targetP95    = 50.0 // ms, uncached, at the largest size
	targetGrowth = 1.3  // p95 at the largest size ÷ at the smallest
	targetHits   = 0.95 // record and subject pages
)

// result is one size's figures.
type result struct {
	size  int
	reads map[string][4]float64 // p50, p95, after p50, after p95
	order []string
	after map[string]string // misses/requests after a publish
	hits  map[string][2]int64
}

func report(files []string) error {
	var rs []result
	for _, f := range files {
		r, err := readResult(f)
		if err != nil {
			return err
		}
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return errors.New("no result files")
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].size < rs[j].size })
	small, large := rs[0], rs[len(rs)-1]
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight|tabwriter.Debug)
	head := "read\t"
	for _, r := range rs {
		head += fmt.Sprintf("p50 %s\tp95 %s\t", human(r.size), human(r.size))
	}
	head += fmt.Sprintf("after-publish p95 %s\tp95 ratio %s/%s\tp95 ≤ %.0f ms\tratio ≤ %.1f\t", human(large.size), human(large.size), human(small.size), targetP95, targetGrowth)
	fmt.Fprintln(tw, head)
	met, missed := 0, 0
	verdict := func(ok bool) string {
		if ok {
			met++
			return "met"
		}
		missed++
		return "MISSED"
	}
	for _, name := range large.order {
		line := name + "\t"
		for _, r := range rs {
			f, ok := r.reads[name]
			if !ok {
				line += "-\t-\t"
				continue
			}
			line += fmt.Sprintf("%.1f\t%.1f\t", f[0], f[1])
		}
		l := large.reads[name]
		line += fmt.Sprintf("%.1f (%s miss)\t", l[3], large.after[name])
		if s, ok := small.reads[name]; ok && len(rs) > 1 && s[1] > 0 {
			g := l[1] / s[1]
			line += fmt.Sprintf("%.2f\t%s\t%s\t", g, verdict(l[1] <= targetP95), verdict(g <= targetGrowth))
		} else {
			line += fmt.Sprintf("-\t%s\t-\t", verdict(l[1] <= targetP95))
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()
	fmt.Println()
	for _, r := range rs {
		for _, c := range []string{"record", "subject", "list"} {
			h := r.hits[c]
			v := fmt.Sprintf("%.1f%%", 100*ratio(h[0], h[1]))
			target := "(no target)"
			if c != "list" {
				target = fmt.Sprintf("≥ %.0f%%: %s", 100*targetHits, verdict(ratio(h[0], h[1]) >= targetHits))
			}
			fmt.Printf("hit ratio at %s, %-7s pages, 60 s mixed load, 1 write/s: %s of %d requests %s\n", human(r.size), c, v, h[1], target)
		}
	}
	fmt.Printf("\ntargets: %d met, %d missed (p95 target applies to the largest size run, %s; ratio %s/%s)\n",
		met, missed, human(large.size), human(large.size), human(small.size))
	return nil
}

func readResult(path string) (result, error) {
	r := result{reads: map[string][4]float64{}, after: map[string]string{}, hits: map[string][2]int64{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, "\t")
		switch {
		case len(f) == 2 && f[0] == "# size":
			r.size, _ = strconv.Atoi(f[1])
		case len(f) == 8 && f[0] == "read":
			var v [4]float64
			for i := range v {
				v[i], _ = strconv.ParseFloat(f[3+i], 64)
			}
			r.reads[f[1]] = v
			r.after[f[1]] = f[7]
			r.order = append(r.order, f[1])
		case len(f) == 4 && f[0] == "hits":
			h, _ := strconv.ParseInt(f[2], 10, 64)
			t, _ := strconv.ParseInt(f[3], 10, 64)
			r.hits[f[1]] = [2]int64{h, t}
		}
	}
	if r.size == 0 {
		return r, fmt.Errorf("%s: no size line", path)
	}
	return r, nil
}

func human(n int) string {
	switch {
	case n >= 1_000_000 && n%100_000 == 0:
		return strconv.FormatFloat(float64(n)/1e6, 'f', -1, 64) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
