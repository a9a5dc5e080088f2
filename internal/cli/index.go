package cli

import (
	"context"
	"sync"

	"github.com/gongshi/gongshi/internal/store"
)

func runIndex(ctx context.Context, e *env, args []string) error {
	return usagef("the indexer is not available in this build")
}

func startIndexer(ctx context.Context, e *env, s *store.Store, wg *sync.WaitGroup) error {
	e.log.Warn("indexer not available in this build; search documents are not being updated")
	return nil
}
