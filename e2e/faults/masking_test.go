package faults_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongshi/gongshi/indexer"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/domain/identtest"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

// TestNoIdentifierInAnyPublicChannel publishes penalties and permits
// through the ingest API with generated natural persons' identifiers — ID
// numbers, mobile and bank-card numbers, spelled with separators,
// full-width digits, prefixes and labels, glued to codes — in every
// free-text field and in a withdrawal note, lets the indexer put them in a
// real Meilisearch, takes the day's snapshot, and then reads every public
// channel: the JSON API (lists, details, profile, search, statistics),
// the pages (home, records, profiles, search, suggestions, datasets,
// statistics), the Atom feeds, every download format, the snapshot files,
// the masked credit-center feed and the search documents themselves. No
// identifier may survive in any of them once separators are removed and
// full-width forms folded; the full feed (scope feed:full) still carries
// them all, so the search would see a leak.
func TestNoIdentifierInAnyPublicChannel(t *testing.T) {
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := testenv.Store(t)
	now := time.Now
	today := domain.ChinaDate(now())
	pub := s.Public(domain.DefaultMasking, now)

	m := testenv.StartMeili(t)
	cfg := search.Config{URL: m.URL, MasterKey: m.MasterKey}
	w := search.NewWriter(cfg)
	w.Poll = 10 * time.Millisecond
	t.Cleanup(w.Close)
	ix := indexer.New(s, pub, w, now, log, indexer.Options{Poll: 50 * time.Millisecond, ExpiryEvery: -1, RebuildDocs: 100})
	ictx, cancelIndexer := context.WithCancel(ctx)
	indexerDone := make(chan error, 1)
	go func() { indexerDone <- ix.Run(ictx) }()
	stopIndexer := sync.OnceFunc(func() {
		cancelIndexer()
		<-indexerDone
	})
	t.Cleanup(stopIndexer)
	sctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	svc := search.NewService(sctx, cfg, pub, s, now, log)
	snaps := snapshot.New(s, pub, t.TempDir(), log)
	srv := httptest.NewServer(server.New(server.Deps{
		Log: log, Ingest: s, Keys: s, Overview: s, Reads: pub, Pages: pub, Datasets: snaps, Feeds: s.CreditFeed(pub),
		Search: svc, Rules: domain.DefaultPublicityRules(), Now: now,
		Limits: httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000), PerKey: ratelimit.PerMinute(1_000_000)},
	}))
	t.Cleanup(srv.Close)
	c := &channels{t: t, base: srv.URL}
	c.ingestKey = c.key(ctx, s, store.ScopeIngest)
	feedKey := c.key(ctx, s, store.ScopeFeed)
	fullKey := c.key(ctx, s, store.ScopeFeedFull)

	// The indexer has built its (empty) indexes: what follows reaches
	// Meilisearch through the change log, as every publication does.
	waitFor(t, "the indexes", func() bool { return meiliDocuments(t, m, search.IndexPenalties) != nil })

	rng := rand.New(rand.NewPCG(2026, 12))
	penalties, permits := c.records(rng, today)
	penaltyIDs := c.ingest("/api/v1/admin/penalties", penalties)
	permitIDs := c.ingest("/api/v1/admin/permits", permits)
	withdrawn := penaltyIDs[len(penaltyIDs)-1]
	c.post(fmt.Sprintf("/api/v1/admin/penalties/%d/withdraw", withdrawn),
		map[string]string{"reason": "corrected", "note": c.text(rng, "", 0)}, c.ingestKey)
	public := len(penaltyIDs) - 1
	waitFor(t, "the search documents", func() bool {
		return len(meiliDocuments(t, m, search.IndexPenalties)) == public &&
			len(meiliDocuments(t, m, search.IndexPermits)) == len(permitIDs)
	})
	if _, err := snaps.TakeSnapshots(ctx); err != nil {
		t.Fatalf("snapshots: %v", err)
	}

	// The full feed holds every identifier written but those of the
	// withdrawn record: the check can fail.
	var full strings.Builder
	for _, feed := range []string{"penalties", "permits"} {
		full.WriteString(c.get("/api/v1/feeds/"+feed+"?limit=1000", fullKey))
	}
	held := identtest.Survivors(full.String(), c.ids)
	for _, id := range c.ids {
		if !slices.Contains(held, id) && !slices.Contains(c.lastPenalty, id) {
			t.Fatalf("the full feed lacks the %s %s of a public record", id.Kind, id.Digits)
		}
	}

	// Every public channel.
	q := url.QueryEscape("有限公司")
	paths := []string{"/", "/stats", "/data", "/data/penalties", "/data/permits",
		"/search?q=" + q, "/search?q=" + q + "&type=penalty", "/search?q=" + q + "&type=permit",
		"/search/suggest?q=" + url.QueryEscape("苏州"), "/search/feed.atom?q=" + q,
		"/api/v1/penalties?limit=100", "/api/v1/permits?limit=100", "/api/v1/search?q=" + q,
		"/api/v1/search?q=" + q + "&type=permit", "/api/v1/stats"}
	for _, chart := range []string{"monthly", "categories", "stages", "fines", "timeliness"} {
		paths = append(paths, "/stats/"+chart+".csv")
	}
	for _, id := range penaltyIDs[:public] {
		paths = append(paths, fmt.Sprintf("/penalties/%d", id), fmt.Sprintf("/api/v1/penalties/%d", id))
	}
	for _, id := range permitIDs {
		paths = append(paths, fmt.Sprintf("/permits/%d", id), fmt.Sprintf("/api/v1/permits/%d", id))
	}
	for _, code := range c.creditCodes {
		paths = append(paths, "/subjects/"+code, "/subjects/"+code+"/feed.atom", "/api/v1/subjects/"+code)
	}
	day := today.Format(time.DateOnly)
	for _, ds := range []string{"penalties", "permits"} {
		paths = append(paths, "/api/v1/datasets/"+ds, "/api/v1/datasets/"+ds+"/snapshots/"+day)
		for _, f := range []string{"format=csv", "format=csv&bom=1", "format=csv&bom=1&headers=zh", "format=csv&headers=en",
			"format=ndjson", "format=json", "format=xlsx"} {
			paths = append(paths, "/api/v1/datasets/"+ds+"/download?"+f)
		}
		for _, f := range []string{"csv", "ndjson", "json", "xlsx"} {
			paths = append(paths, "/api/v1/datasets/"+ds+"/snapshots/"+day+"/"+f)
		}
	}
	for _, p := range paths {
		c.check(p, c.get(p, ""))
	}
	for _, feed := range []string{"penalties", "permits"} {
		p := "/api/v1/feeds/" + feed + "?limit=1000"
		c.check(p+" (masked feed)", c.get(p, feedKey))
	}
	for _, p := range []string{fmt.Sprintf("/penalties/%d", withdrawn), fmt.Sprintf("/api/v1/penalties/%d", withdrawn)} {
		c.check(p+" (withdrawn)", c.fetch(p, "", http.StatusNotFound, http.StatusGone))
	}
	c.checkDocuments(m, "incremental")

	// Searching by an identifier's digits finds nothing.
	for _, id := range c.ids {
		var res struct {
			Total int64 `json:"total"`
		}
		body := c.get("/api/v1/search?q="+url.QueryEscape(id.Digits), "")
		if err := json.Unmarshal([]byte(body), &res); err != nil {
			t.Fatalf("search answer: %v", err)
		}
		if res.Total != 0 {
			t.Errorf("searching the %s %s finds %d records", id.Kind, id.Digits, res.Total)
		}
	}

	// A rebuild of the indexes, from the public read path, masks as well.
	stopIndexer()
	if _, err := ix.Rebuild(ctx); err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	c.checkDocuments(m, "rebuilt")
	t.Logf("%d identifiers in %d penalties and %d permits; %d public outputs read, none holds one",
		len(c.ids), len(penaltyIDs), len(permitIDs), c.outputs)
	report(outcome{Scenario: "identifiers in free text, every channel", Requests: int64(c.outputs),
		Acked: int64(len(penaltyIDs) + len(permitIDs)), Stored: int64(len(penaltyIDs) + len(permitIDs)),
		Leaks: c.leaks, Note: fmt.Sprintf("%d identifiers in many spellings", len(c.ids))})
}

// channels publishes records and reads the public channels of a portal.
type channels struct {
	t           *testing.T
	base        string
	ingestKey   string
	ids         []identtest.Identifier // every identifier written
	lastPenalty []identtest.Identifier // those of the last penalty, which is withdrawn
	creditCodes []string               // of the parties with one
	outputs     int
	leaks       int64 // identifiers found in outputs (must be 0)
}

func (c *channels) key(ctx context.Context, s *store.Store, scope string) string {
	c.t.Helper()
	_, secret, err := s.CreateKey(ctx, "masking "+scope, []string{scope})
	if err != nil {
		c.t.Fatal(err)
	}
	return secret
}

// text returns Chinese text with generated identifiers that fits the
// field with the given code ("": a multi-line note of up to 1,000
// characters), less reserve characters, and notes them.
func (c *channels) text(rng *rand.Rand, code string, reserve int) string {
	f, ok := recordFields[code]
	if !ok {
		f = domain.Field{MaxLength: 1000, Multiline: true}
	}
	s, ids := identtest.TextWithin(rng, 2, f.MaxLength-reserve, f.Multiline)
	c.ids = append(c.ids, ids...)
	return s
}

// recordFields are the fields of penalties and permits, by code.
var recordFields = func() map[string]domain.Field {
	m := map[string]domain.Field{}
	for _, f := range append(domain.PenaltyFields, domain.PermitFields...) {
		m[f.Code] = f
	}
	return m
}()

// records returns raw penalties of an organisation, a 个体工商户, a
// natural person and another organisation (withdrawn later), and raw
// permits, with identifiers in every free-text field (names stay
// searchable by 有限公司).
func (c *channels) records(rng *rand.Rand, today time.Time) (penalties, permits []map[string]string) {
	kinds := []domain.PartyKind{domain.PartyOrganization, domain.PartyIndividualBusiness, domain.PartyNaturalPerson,
		domain.PartyOrganization}
	for n, kind := range kinds {
		first := len(c.ids)
		r := testenv.PenaltyRecord(n + 1)
		r["CF_JDRQ"] = today.AddDate(0, 0, -3-n).Format(domain.DateLayout)
		for _, code := range []string{"CF_WSH", "CF_XDR_GSZC", "CF_XDR_SWDJ", "CF_XDR_SYDW", "CF_XDR_SHZZ", "CF_FRDB", "CF_WFXW",
			"CF_SY", "CF_YJ", "CF_NR", "CF_NR_ZKDX", "CF_SJLY", "BZ"} {
			r[code] = c.text(rng, code, 0)
		}
		if n == 0 { // an agency takes its name from its first record
			r["CF_CFJG"] = c.text(rng, "CF_CFJG", 0)
		}
		r["CF_XDR_MC"] = fmt.Sprintf("苏州市第%d有限公司", n+1) + c.text(rng, "CF_XDR_MC", 12)
		r["CF_XDR_LB"] = string(kind)
		switch kind {
		case domain.PartyIndividualBusiness:
			r["CF_XDR_SHXYM"] = domain.USCCPlaceholder
		case domain.PartyNaturalPerson:
			delete(r, "CF_XDR_SHXYM")
			id := identtest.GenerateKind(rng, "id18")
			c.ids = append(c.ids, id)
			r["CF_XDR_ZJLX"], r["CF_XDR_ZJHM"] = "身份证", id.Digits
		}
		if code := r["CF_XDR_SHXYM"]; code != "" && !domain.IsUSCCPlaceholder(code) && n < len(kinds)-1 {
			c.creditCodes = append(c.creditCodes, code)
		}
		id := identtest.GenerateKind(rng, "id18")
		c.ids = append(c.ids, id)
		r["CF_FR_ZJLX"], r["CF_FR_ZJHM"] = "身份证", id.Digits
		penalties = append(penalties, r)
		c.lastPenalty = c.ids[first:]
	}
	for n := range 3 {
		r := testenv.PermitRecord(n + 1)
		r["XK_JDRQ"] = today.AddDate(0, 0, -3-n).Format(domain.DateLayout)
		r["XK_YXQZ"] = r["XK_JDRQ"]
		for _, code := range []string{"XK_XKWS", "XK_WSH", "XK_XDR_GSZC", "XK_XDR_SWDJ", "XK_XDR_SYDW", "XK_XDR_SHZZ", "XK_FRDB",
			"XK_XKZS", "XK_XKBH", "XK_NR", "XK_LYDW", "BZ"} {
			r[code] = c.text(rng, code, 0)
		}
		if n == 0 {
			r["XK_XKJG"] = c.text(rng, "XK_XKJG", 0)
		}
		r["XK_XDR_MC"] = fmt.Sprintf("苏州市第%d有限公司", n+11) + c.text(rng, "XK_XDR_MC", 12)
		r["XK_XKJGDM"], r["XK_LYDWDM"] = testenv.OtherCode, testenv.OtherCode
		c.creditCodes = append(c.creditCodes, r["XK_XDR_SHXYM"])
		permits = append(permits, r)
	}
	return penalties, permits
}

// ingest publishes records through the ingest API and returns their ids.
func (c *channels) ingest(path string, records []map[string]string) []int64 {
	c.t.Helper()
	var res struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(c.post(path, records, c.ingestKey)), &res); err != nil {
		c.t.Fatal(err)
	}
	var ids []int64
	for _, r := range res.Results {
		ids = append(ids, r.ID)
	}
	if len(ids) != len(records) {
		c.t.Fatalf("%s published %d of %d records", path, len(ids), len(records))
	}
	return ids
}

func (c *channels) post(path string, body any, key string) string {
	c.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	return c.do(req)
}

// get reads a public output; with a key, as its bearer.
func (c *channels) get(path, key string) string {
	c.t.Helper()
	return c.fetch(path, key, http.StatusOK)
}

// fetch reads a public output that must answer one of the statuses; an
// XLSX workbook as the text of its cells.
func (c *channels) fetch(path, key string, statuses ...int) string {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	body := c.do(req, statuses...)
	if strings.Contains(path, "xlsx") {
		return xlsxText(c.t, body)
	}
	return body
}

// do sends req and returns the body of its answer, which must have one of
// the statuses (any below 300 if none is given).
func (c *channels) do(req *http.Request, statuses ...int) string {
	c.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if (len(statuses) == 0 && resp.StatusCode >= 300) || (len(statuses) > 0 && !slices.Contains(statuses, resp.StatusCode)) {
		c.t.Fatalf("%s %s: %s: %.300s", req.Method, req.URL.Path, resp.Status, b)
	}
	return string(b)
}

// check fails for every identifier that survives in an output.
func (c *channels) check(what, body string) {
	c.t.Helper()
	c.outputs++
	if strings.TrimSpace(body) == "" {
		c.t.Errorf("%s is empty", what)
	}
	for _, id := range identtest.Survivors(body, c.ids) {
		c.leaks++
		c.t.Errorf("%s shows the %s %s", what, id.Kind, id.Digits)
	}
}

// checkDocuments checks the documents of the record indexes as
// Meilisearch holds them.
func (c *channels) checkDocuments(m *testenv.Meili, when string) {
	c.t.Helper()
	for _, index := range []string{search.IndexPenalties, search.IndexPermits} {
		docs := meiliDocuments(c.t, m, index)
		if len(docs) == 0 {
			c.t.Errorf("the %s index is empty (%s)", index, when)
		}
		c.check(fmt.Sprintf("the %s search documents (%s)", index, when), strings.Join(docs, "\n"))
	}
}

// xlsxText returns the text of every cell of a workbook.
func xlsxText(t *testing.T, body string) string {
	t.Helper()
	f, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			b.WriteString(strings.Join(row, "\t"))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// meiliDocuments returns the documents of a Meilisearch index, each as
// JSON; nil while the index does not exist.
func meiliDocuments(t *testing.T, m *testenv.Meili, index string) []string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, m.URL+"/indexes/"+index+"/documents?limit=1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+m.MasterKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	var res struct {
		Results []json.RawMessage `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("documents of %s: %s, %v", index, resp.Status, err)
	}
	docs := make([]string, 0, len(res.Results))
	for _, d := range res.Results {
		docs = append(docs, string(d))
	}
	return docs
}

// waitFor polls cond for up to 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 30 s for %s", what)
		}
	}
}
