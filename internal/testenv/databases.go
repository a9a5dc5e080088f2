package testenv

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/store"
)

var extraDatabases atomic.Int64

// ExtraDatabase creates another fresh, migrated database, as a second
// deployment would have, and returns its URL; it is dropped when the test
// ends.
func ExtraDatabase(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		tb.Fatalf("testenv: PostgreSQL is required (set DATABASE_URL): %v", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("%s_extra%d", testDBName(), extraDatabases.Add(1))
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		tb.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("testenv: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, adminURL()); err == nil {
			conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			conn.Close(ctx)
		}
	})
	u, err := withDatabase(adminURL(), name)
	if err != nil {
		tb.Fatal(err)
	}
	if err := store.Migrate(ctx, u); err != nil {
		tb.Fatal(err)
	}
	return u
}
