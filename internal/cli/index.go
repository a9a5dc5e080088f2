package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/gongshi/gongshi/indexer"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
)

// openIndexerStore opens the indexer's own pool: a rebuild streams every
// record in one statement, which the request statement_timeout would cut.
// Its lease and notifications need sessions of their own
// (DATABASE_LISTEN_URL when DATABASE_URL goes through a transaction pooler).
func openIndexerStore(ctx context.Context, e *env) (*store.Store, error) {
	return store.Open(ctx, e.cfg.DatabaseURL, store.Options{MaxConns: 4, SessionURL: e.cfg.DatabaseListenURL})
}

// indexers returns one indexer per Meilisearch of MEILI_URL, each with
// its own writer, cursor and leases; close the writers when done.
func indexers(e *env, s *store.Store) ([]*indexer.Indexer, func()) {
	var ixs []*indexer.Indexer
	var writers []*search.Writer
	for i, url := range meiliURLs(e) {
		w := search.NewWriter(searchConfigAt(e, url))
		writers = append(writers, w)
		ixs = append(ixs, indexer.New(s, s.Public(domain.DefaultMasking, now), w, now, e.log.With("meili_url", url),
			indexer.MeiliOptions(indexer.Options{}, i, url)))
	}
	return ixs, func() {
		for _, w := range writers {
			w.Close()
		}
	}
}

func searchConfigAt(e *env, url string) search.Config {
	return search.Config{URL: url, MasterKey: e.cfg.MeiliMasterKey, FallbackConcurrency: e.cfg.SearchFallback}
}

// meiliURLs lists MEILI_URL's servers.
func meiliURLs(e *env) []string {
	if len(e.cfg.MeiliURLs) > 0 {
		return e.cfg.MeiliURLs
	}
	return []string{e.cfg.MeiliURL}
}

// runIndex runs the indexer in the foreground; with --rebuild it rebuilds
// every index from PostgreSQL, swaps them in and exits.
func runIndex(ctx context.Context, e *env, args []string) error {
	fs := newFlags("index", e.stderr)
	rebuild := fs.Bool("rebuild", false, "rebuild every search index from PostgreSQL, swap them in and exit")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("index takes no arguments, got %q", pos)
	}
	e.log.Info("starting the indexer", "config", e.cfg)
	if err := store.Migrate(ctx, directURL(e)); err != nil {
		return err
	}
	s, err := openIndexerStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	ixs, closeWriters := indexers(e, s)
	defer closeWriters()
	if *rebuild {
		for _, ix := range ixs {
			st, err := ix.Rebuild(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "rebuilt the search indexes in %s: %d penalties, %d permits, %d power items, %d list items; changes after #%d are replayed by the running indexer\n",
				st.Took.Round(time.Millisecond), st.Penalties, st.Permits, st.Powers, st.Services, st.From)
		}
		return nil
	}
	return runIndexers(ctx, ixs)
}

// runIndexers runs each indexer until ctx ends; the first error ends them all.
func runIndexers(ctx context.Context, ixs []*indexer.Indexer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(ixs))
	for _, ix := range ixs {
		go func() { errc <- ix.Run(ctx) }()
	}
	var first error
	for range ixs {
		if err := <-errc; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// startIndexer runs the indexer as a worker of portal serve until ctx
// ends; its own pool and Meilisearch client close when it returns.
func startIndexer(ctx context.Context, e *env, life *lifecycle) error {
	s, err := openIndexerStore(ctx, e)
	if err != nil {
		return err
	}
	ixs, closeWriters := indexers(e, s)
	life.goWorker(func() {
		defer s.Close()
		defer closeWriters()
		if err := runIndexers(ctx, ixs); err != nil {
			e.log.Error("indexer stopped", "err", err)
		}
	})
	return nil
}

// newSearch returns the search service the HTTP server uses: Meilisearch
// with a search-only key (the next of MEILI_URL's when one fails),
// PostgreSQL while none is reachable.
func newSearch(ctx context.Context, e *env, s *store.Store) *search.Service {
	var cfgs []search.Config
	for _, url := range meiliURLs(e) {
		cfgs = append(cfgs, searchConfigAt(e, url))
	}
	return search.NewFailover(ctx, cfgs, s.Public(domain.DefaultMasking, now), s, now, e.log)
}
