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

func newIndexer(e *env, s *store.Store, w *search.Writer) *indexer.Indexer {
	return indexer.New(s, s.Public(domain.DefaultMasking, now), w, now, e.log, indexer.Options{})
}

func searchConfig(e *env) search.Config {
	return search.Config{URL: firstMeili(e), MasterKey: e.cfg.MeiliMasterKey, FallbackConcurrency: e.cfg.SearchFallback}
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
	w := search.NewWriter(searchConfig(e))
	defer w.Close()
	ix := newIndexer(e, s, w)
	if *rebuild {
		st, err := ix.Rebuild(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "rebuilt the search indexes in %s: %d penalties, %d permits, %d power items, %d list items; changes after #%d are replayed by the running indexer\n",
			st.Took.Round(time.Millisecond), st.Penalties, st.Permits, st.Powers, st.Services, st.From)
		return nil
	}
	return ix.Run(ctx)
}

// startIndexer runs the indexer as a worker of portal serve until ctx
// ends; its own pool and Meilisearch client close when it returns.
func startIndexer(ctx context.Context, e *env, life *lifecycle) error {
	s, err := openIndexerStore(ctx, e)
	if err != nil {
		return err
	}
	w := search.NewWriter(searchConfig(e))
	ix := newIndexer(e, s, w)
	life.goWorker(func() {
		defer s.Close()
		defer w.Close()
		if err := ix.Run(ctx); err != nil {
			e.log.Error("indexer stopped", "err", err)
		}
	})
	return nil
}

// newSearch returns the search service the HTTP server uses: Meilisearch
// with a search-only key, PostgreSQL while Meilisearch is unreachable.
func newSearch(ctx context.Context, e *env, s *store.Store) *search.Service {
	return search.NewService(ctx, searchConfig(e), s.Public(domain.DefaultMasking, now), s, now, e.log)
}

// firstMeili is the first of MEILI_URL's servers.
func firstMeili(e *env) string {
	if len(e.cfg.MeiliURLs) > 0 {
		return e.cfg.MeiliURLs[0]
	}
	return e.cfg.MeiliURL
}
