package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMigrateDownToEmptyAndUpAgain(t *testing.T) {
	u := testenv.DatabaseURL(t)
	ctx := context.Background()
	m, err := store.NewMigrator(u)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Down(ctx, true); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var tables, types int
	conn.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'goose_db_version'`).Scan(&tables)
	conn.QueryRow(ctx, `SELECT count(*) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
		WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd')`).Scan(&types)
	if tables != 0 || types != 0 {
		t.Errorf("after down: %d tables and %d types remain", tables, types)
	}

	// Two migrators racing up must both succeed, serialized by the lock.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = store.Migrate(ctx, u)
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	if err := m.Status(ctx, &b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "pending") {
		t.Errorf("status after up:\n%s", b.String())
	}
}
