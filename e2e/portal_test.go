// Package e2e tests the portal end to end: the real server on a migrated
// PostgreSQL database with 示例数据, a Meilisearch index built by the
// indexer, and headless Chromium (Debian's chromium, driven by chromedp)
// doing what a citizen does. Screenshots go to artifacts/e2e/; with
// GONGSHI_UPDATE_SCREENSHOTS=1 the README's screenshots in docs/screenshots
// are refreshed too.
package e2e_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/gongshi/gongshi/indexer"
	"github.com/gongshi/gongshi/internal/demo"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

func TestMain(m *testing.M) {
	server.ReleaseMode()
	testenv.FlowchartOnPath() // the in-process portal draws real flowcharts
	testenv.Main(m)
}

// portal is a running server with demo data and a search index.
type portal struct {
	URL   string
	s     *store.Store
	pub   *store.Public
	today time.Time

	personPenalty int64  // a natural person's penalty: its full ID number must never show
	company       string // a company with public records
	companyCode   string
}

func logger() *slog.Logger {
	if os.Getenv("GONGSHI_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startPortal loads 2,000 demo penalties and 600 permits, one penalty of a
// natural person identified by testenv.PersonID, builds the search indexes
// and serves the portal on a loopback port.
func startPortal(t *testing.T) *portal {
	t.Helper()
	ctx := context.Background()
	log := logger()
	s := testenv.Store(t)
	now := time.Now
	p := &portal{s: s, today: domain.ChinaDate(now())}
	start := time.Now()
	if _, err := demo.Load(ctx, s, demo.Options{Penalties: 2000, Permits: 600}); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	if _, err := demo.LoadEnforcement(ctx, s, demo.Options{Penalties: 2000, Permits: 600}); err != nil {
		t.Fatalf("demo.LoadEnforcement: %v", err)
	}

	// A natural person's penalty, with the ID number also written into
	// the facts: the public read path must mask both.
	r := testenv.PersonPenaltyRecord(1)
	r["CF_JDRQ"] = p.today.AddDate(0, 0, -5).Format(domain.DateLayout)
	r["CF_SY"] = "经查，当事人李四（身份证号码" + testenv.PersonID + "）在危险化学品仓库未按规定取得特种作业操作证上岗作业。"
	pen, errs := domain.ParsePenalty(r, domain.ParseOptions{Now: now()})
	if len(errs) > 0 {
		t.Fatalf("person penalty: %v", errs)
	}
	res, err := s.UpsertPenalties(ctx, store.Actor{Name: "e2e"}, []domain.Penalty{pen}, store.WriteOptions{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	p.personPenalty = res[0].ID

	p.pub = s.Public(domain.DefaultMasking, now)
	// The company: the organization with the richest public history —
	// penalties and permits, under several names if any.
	type history struct {
		penalties, permits int
		names              map[string]bool
	}
	byCode := map[string]*history{}
	note := func(code, name string, penalty bool) {
		if code == "" || domain.IsUSCCPlaceholder(code) {
			return
		}
		h := byCode[code]
		if h == nil {
			h = &history{names: map[string]bool{}}
			byCode[code] = h
		}
		h.names[name] = true
		if penalty {
			h.penalties++
		} else {
			h.permits++
		}
	}
	if err := p.pub.EachPenalty(ctx, func(r domain.PublishedPenalty) error {
		note(r.CreditCode, r.Name, true)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.pub.EachPermit(ctx, func(r domain.PublishedPermit) error {
		note(r.CreditCode, r.Name, false)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	best := -1
	for code, h := range byCode {
		score := 10*len(h.names) + h.penalties + h.permits
		if h.penalties > 0 && h.permits > 0 {
			score += 1000
		}
		if h.penalties == 0 {
			score -= 1000 // the journey opens a penalty from the search
		}
		if score > best || (score == best && code < p.companyCode) {
			best, p.companyCode = score, code
		}
	}
	if p.companyCode == "" {
		t.Fatal("no party with a credit code among the demo records")
	}
	sub, err := p.pub.Subject(ctx, p.companyCode)
	if err != nil {
		t.Fatal(err)
	}
	p.company = sub.Names[0].Name
	t.Logf("the company: %s %s, %d penalties, %d permits, %d names", p.company, p.companyCode, sub.PenaltyCount,
		sub.PermitCount, len(sub.Names))

	m := testenv.StartMeili(t)
	cfg := search.Config{URL: m.URL, MasterKey: m.MasterKey}
	w := search.NewWriter(cfg)
	w.Poll = 10 * time.Millisecond
	t.Cleanup(w.Close)
	ix := indexer.New(s, p.pub, w, now, log, indexer.Options{RebuildDocs: 2000, ExpiryEvery: -1})
	if _, err := ix.Rebuild(ctx); err != nil {
		t.Fatalf("rebuild the search indexes: %v", err)
	}
	sctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	svc := search.NewService(sctx, cfg, p.pub, s, now, log)

	snaps := snapshot.New(s, p.pub, t.TempDir(), log)
	if _, err := snaps.TakeSnapshots(ctx); err != nil {
		t.Fatalf("snapshots: %v", err)
	}
	// The portal knows its public URL (PORTAL_BASE_URL), as in production:
	// record pages show it with a QR code.
	srv := httptest.NewUnstartedServer(nil)
	p.URL = "http://" + srv.Listener.Addr().String()
	srv.Config.Handler = server.New(server.Deps{
		Log: log, Ingest: s, Keys: s, Overview: s, Reads: p.pub, Pages: p.pub, Datasets: snaps, Search: svc,
		Feeds: s.CreditFeed(p.pub), Enforcement: p.pub, EnforcementIngest: s,
		Rules: domain.DefaultPublicityRules(), Now: now, BaseURL: p.URL,
		Limits: httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000), PerKey: ratelimit.PerMinute(1_000_000)},
	})
	srv.Start()
	t.Cleanup(srv.Close)
	t.Logf("portal with demo data and search index ready in %v at %s", time.Since(start).Round(time.Millisecond), p.URL)
	return p
}

// repoRoot is the repository's top folder.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

// artifacts is where screenshots are kept: artifacts/e2e (git-ignored).
func artifacts(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(repoRoot(), "artifacts", "e2e")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
