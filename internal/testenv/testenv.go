// Package testenv gives tests real services: a fresh, migrated PostgreSQL
// database per test binary, and helpers to empty it between tests. A
// missing service fails the tests; it never skips them.
package testenv

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/store"
)

const defaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	dbOnce sync.Once
	dbURL  string
	dbErr  error
)

// DatabaseURL returns the URL of this test binary's own database, creating
// and migrating it on first use from DATABASE_URL (which must allow CREATE
// DATABASE). Call DropDatabase from TestMain when done.
func DatabaseURL(tb testing.TB) string {
	tb.Helper()
	dbOnce.Do(func() { dbURL, dbErr = createDatabase() })
	if dbErr != nil {
		tb.Fatalf("testenv: PostgreSQL is required (set DATABASE_URL): %v", dbErr)
	}
	return dbURL
}

func adminURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return defaultAdminURL
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func testDBName() string {
	exe := filepath.Base(os.Args[0])
	exe = strings.TrimSuffix(exe, ".test")
	var b strings.Builder
	for _, r := range strings.ToLower(exe) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return fmt.Sprintf("gongshi_test_%s_%d", b.String(), os.Getpid())
}

func createDatabase() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	name := testDBName()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create database %s: %w", name, err)
	}
	u, err := withDatabase(adminURL(), name)
	if err != nil {
		return "", err
	}
	if err := store.Migrate(ctx, u); err != nil {
		return "", err
	}
	return u, nil
}

// DropDatabase removes the database DatabaseURL created, if any.
func DropDatabase() {
	if dbURL == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL())
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	u, _ := url.Parse(dbURL)
	conn.Exec(ctx, "DROP DATABASE IF EXISTS "+strings.TrimPrefix(u.Path, "/")+" WITH (FORCE)")
}

// Main runs a test binary's tests and drops its database (and removes the
// commands it built) afterwards; use it as TestMain.
func Main(m *testing.M) {
	code := m.Run()
	DropDatabase()
	removeBuilds()
	os.Exit(code)
}

// Store opens a Store on this binary's database after emptying every data
// table, so each test starts from a migrated, empty database.
func Store(tb testing.TB) *store.Store {
	tb.Helper()
	u := DatabaseURL(tb)
	ctx := context.Background()
	Truncate(tb, u)
	s, err := store.Open(ctx, u, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Truncate empties every data table of the database at u, keeping the
// reference data that migrations seed (districts).
func Truncate(tb testing.TB, u string) {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	var tables string
	err = conn.QueryRow(ctx, `SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables
		WHERE schemaname = 'public' AND tablename NOT IN ('districts', 'goose_db_version')`).Scan(&tables)
	if err != nil {
		tb.Fatal(err)
	}
	_, err = conn.Exec(ctx, "TRUNCATE "+tables+" RESTART IDENTITY CASCADE")
	if err != nil {
		tb.Fatal(err)
	}
}
