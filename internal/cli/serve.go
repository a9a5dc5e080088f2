package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongshi/gongshi/internal/blob"
	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/flowchart"
	"github.com/gongshi/gongshi/internal/netx"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/api"
	"github.com/gongshi/gongshi/server/httpx"
)

// runServe serves the portal until ctx ends, then shuts down in order:
// the HTTP server finishes its requests, the background workers (the
// indexer, the change listener, the cache refresher, the snapshots) stop
// and are waited for, and only then are Redis and the PostgreSQL pool
// closed.
func runServe(ctx context.Context, e *env, args []string) (err error) {
	fs := newFlags("serve", e.stderr)
	noIndexer := fs.Bool("no-indexer", false, "do not run the search indexer in this process")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	e.log.Info("starting", "config", e.cfg)
	if err := store.Migrate(ctx, directURL(e)); err != nil {
		return err
	}
	rules, err := publicityRules(e)
	if err != nil {
		return err
	}
	cal, err := calendar(e)
	if err != nil {
		return err
	}
	calendarCheck := calendarChecker(cal, now)
	if err := calendarCheck.Ping(ctx); err != nil {
		e.log.Warn("timeliness figures withhold this year's records until its holidays are known", "err", err)
	}
	life, wctx := startLifecycle(ctx)
	defer func() { err = errors.Join(err, life.shutdown()) }()

	s, err := store.Open(ctx, e.cfg.DatabaseURL, store.Options{StatementTimeout: e.cfg.StatementTimeout, SessionURL: e.cfg.DatabaseListenURL})
	if err != nil {
		return err
	}
	life.onShutdown("postgres", func() error { s.Close(); return nil })
	if !*noIndexer {
		if err := startIndexer(wctx, e, life); err != nil {
			return err
		}
	}

	// Cached responses are judged by the change log, never by what Redis
	// holds: the tracker follows the log (woken by notifications, polling
	// as a fallback) and vouches for entries only while it is current.
	tracker := cache.NewTracker(cache.StoreChanges(s), cache.TrackerOptions{Log: e.log})
	if err := tracker.Start(ctx); err != nil {
		e.log.Warn("change log unreadable at start; serving uncached until it is", "err", err)
	}
	rc, err := cache.Open(e.cfg.RedisURL, tracker, e.log)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	life.onShutdown("redis", rc.Close)
	life.goWorker(func() { tracker.Run(wctx) })
	life.goWorker(func() { s.ListenChanges(wctx, func(context.Context) { tracker.Kick() }) })
	// Flowcharts are drawn by the flowchart command, in a process of its
	// own: Graphviz never lives in this one. Without the command, pages
	// list an item's steps as text only.
	flowcharts := flowchart.NewRenderer(flowchart.Options{Command: e.cfg.FlowchartBin})
	if cmd, err := flowcharts.Command(); err != nil {
		e.log.Warn("flowcharts will be shown as text only", "err", err)
	} else {
		e.log.Info("flowcharts drawn by", "command", cmd)
	}

	// Public reads (pages, API, search) go to the read replica while it
	// holds every change the cache has seen and is at most
	// PORTAL_READ_MAX_LAG behind; the feed, snapshots, the admin API and
	// writes use the primary.
	reads, degrade, err := openReads(ctx, wctx, e, s, tracker.Head, life)
	if err != nil {
		return err
	}
	searcher := newSearch(wctx, e, reads)
	public := reads.Public(domain.DefaultMasking, now)
	primaryPublic := s.Public(domain.DefaultMasking, now)
	snapshotStorage, err := blob.FromConfig(e.cfg)
	if err != nil {
		return fmt.Errorf("PORTAL_SNAPSHOT_URL: %w", err)
	}
	snaps := snapshot.NewWithStorage(s, primaryPublic, snapshotStorage, e.log)
	snaps.KeepDays = e.cfg.SnapshotKeep
	snaps.VerifyEvery = e.cfg.SnapshotVerifyEvery
	registry := prometheus.NewRegistry()
	registry.MustRegister(snaps)
	life.goWorker(func() { snaps.Run(wctx, time.Hour) })
	handler := server.New(server.Deps{
		Log:               e.log,
		Ingest:            s,
		Keys:              s,
		Overview:          s,
		Search:            searcher,
		Reads:             public,
		Pages:             public,
		Enforcement:       public,
		EnforcementIngest: s,
		Datasets:          snaps,
		Feeds:             s.CreditFeed(primaryPublic),
		Flowcharts:        flowcharts,
		BaseURL:           e.cfg.BaseURL,
		Rules:             rules,
		Calendar:          &cal,
		Now:               now,
		Ready:             map[string]httpx.Checker{"postgres": s},
		Degrade:           withChecks(map[string]httpx.Checker{"redis": rc, "meilisearch": searcher, "snapshots": snaps, "calendar": calendarCheck}, degrade),
		Registry:          registry,
		Cache:             rc,
		Limiter:           ratelimit.New(rc.Client()),
		TrustedProxies:    e.cfg.TrustedProxies,
		Limits: httpx.Limits{
			PerIP:  ratelimit.PerMinute(e.cfg.RateIP),
			PerKey: ratelimit.PerMinute(e.cfg.RateKey),
		},
		Downloads: api.DownloadLimits{Max: e.cfg.Conns.LiveDownloads, PerIP: e.cfg.Conns.LiveDownloadsPerIP},
		Stall:     e.cfg.Conns.WriteTimeout,
	})
	return serveHTTP(ctx, e, handler)
}

// serveHTTP serves handler on the configured address until ctx ends, and
// then lets the requests in flight finish (15 s at most). The timeouts and
// the cap of connections per client address are PORTAL_*_TIMEOUT and
// PORTAL_CONNS_PER_IP.
func serveHTTP(ctx context.Context, e *env, handler http.Handler) error {
	srv := netx.NewServer(handler, e.cfg.Conns)
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", e.cfg.Addr, err)
	}
	ln = netx.LimitPerIP(ln, e.cfg.Conns.PerIP)
	fmt.Fprintf(e.stdout, "Gongshi portal serving at %s/\n", e.cfg.BaseURL)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	e.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// calendarChecker reports, for /readyz, whether the working-day calendar
// has holiday data for the current year; without it the timeliness
// figures withhold the year's records.
func calendarChecker(cal domain.Calendar, now func() time.Time) httpx.Checker {
	return httpx.CheckerFunc(func(context.Context) error { return cal.CheckSpan(now(), now()) })
}

// openReads returns the store public reads use: s itself, or, with
// DATABASE_READ_URL, one whose read-only queries go to that replica while
// it holds every change up to the cache's head (so that no cached response
// is older than its stamp) and is at most PORTAL_READ_MAX_LAG behind. The
// replica's state is then one more /readyz check (degraded, not failing:
// the primary answers meanwhile).
func openReads(ctx, wctx context.Context, e *env, s *store.Store, head func() int64, life *lifecycle) (*store.Store, map[string]httpx.Checker, error) {
	if e.cfg.DatabaseReadURL == "" {
		return s, nil, nil
	}
	r, err := s.OpenReplica(ctx, e.cfg.DatabaseReadURL, store.ReplicaOptions{MaxLag: e.cfg.ReadMaxLag, MinSeq: head,
		StatementTimeout: e.cfg.StatementTimeout})
	if err != nil {
		return nil, nil, err
	}
	life.onShutdown("postgres read replica", func() error { r.Close(); return nil })
	life.goWorker(func() { r.Run(wctx) })
	return s.Reading(r), map[string]httpx.Checker{"postgres-replica": r}, nil
}

// withChecks adds more to a map of /readyz checks.
func withChecks(m, more map[string]httpx.Checker) map[string]httpx.Checker {
	for k, v := range more {
		m[k] = v
	}
	return m
}

// directURL reaches PostgreSQL without a transaction-pooling proxy, for
// what needs a session of its own (migrations, leases, LISTEN):
// DATABASE_LISTEN_URL when set, else DATABASE_URL.
func directURL(e *env) string {
	if e.cfg.DatabaseListenURL != "" {
		return e.cfg.DatabaseListenURL
	}
	return e.cfg.DatabaseURL
}
