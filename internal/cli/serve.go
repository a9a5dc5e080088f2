package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongshi/gongshi/internal/blob"
	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server"
)

func runServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags("serve", e.stderr)
	noIndexer := fs.Bool("no-indexer", false, "do not run the search indexer in this process")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	e.log.Info("starting", "config", e.cfg)
	if err := store.Migrate(ctx, e.cfg.DatabaseURL); err != nil {
		return err
	}
	s, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	rules, err := publicityRules(e)
	if err != nil {
		return err
	}
	cal, err := calendar(e)
	if err != nil {
		return err
	}

	var workers sync.WaitGroup
	wctx, stopWorkers := context.WithCancel(ctx)
	defer func() { stopWorkers(); workers.Wait() }()
	if !*noIndexer {
		if err := startIndexer(wctx, e, s, &workers); err != nil {
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
	defer rc.Close()
	workers.Add(3)
	go func() { defer workers.Done(); tracker.Run(wctx) }()
	go func() { defer workers.Done(); s.ListenChanges(wctx, func(context.Context) { tracker.Kick() }) }()
	go func() { defer workers.Done(); rc.Run(wctx, 2*time.Second) }()

	searcher := newSearch(wctx, e, s)
	public := s.Public(domain.DefaultMasking, now)
	snapshotStorage, err := blob.FromConfig(e.cfg)
	if err != nil {
		return fmt.Errorf("PORTAL_SNAPSHOT_URL: %w", err)
	}
	snaps := snapshot.NewWithStorage(s, public, snapshotStorage, e.log)
	snaps.KeepDays = e.cfg.SnapshotKeep
	snaps.VerifyEvery = e.cfg.SnapshotVerifyEvery
	registry := prometheus.NewRegistry()
	registry.MustRegister(snaps)
	workers.Add(1)
	go func() { defer workers.Done(); snaps.Run(wctx, time.Hour) }()
	handler := server.New(server.Deps{
		Log:            e.log,
		Ingest:         s,
		Keys:           s,
		Overview:       s,
		Search:         searcher,
		Reads:          public,
		Pages:          public,
		Datasets:       snaps,
		Feeds:          s.CreditFeed(public),
		BaseURL:        e.cfg.BaseURL,
		Rules:          rules,
		Calendar:       &cal,
		Now:            now,
		Ready:          map[string]server.Checker{"postgres": s},
		Degrade:        map[string]server.Checker{"redis": rc, "meilisearch": searcher, "snapshots": snaps},
		Registry:       registry,
		Cache:          rc,
		Limiter:        ratelimit.New(rc.Client()),
		TrustedProxies: e.cfg.TrustedProxies,
		Limits: server.Limits{
			PerIP:  ratelimit.PerMinute(e.cfg.RateIP),
			PerKey: ratelimit.PerMinute(e.cfg.RateKey),
		},
	})
	srv := &http.Server{
		Addr:              e.cfg.Addr,
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", e.cfg.Addr, err)
	}
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
