// Package store is Gongshi's PostgreSQL system of record: it applies the
// migrations, writes penalties, permits and list versions together with
// their change-log and audit entries, and manages API keys. It is the only
// package that imports pgx, together with its subpackage bulkload.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Sentinel errors; compare with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrConflict  = errors.New("conflict")
	ErrForbidden = errors.New("forbidden")
)

// Store is a pool of connections to the Gongshi database.
type Store struct {
	pool *pgxpool.Pool
}

// Options tune a Store's connections.
type Options struct {
	StatementTimeout time.Duration // 0 leaves the server default
	MaxConns         int32         // 0 leaves pgxpool's default
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store.Open: parse DATABASE_URL: %w", err)
	}
	if opt.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(opt.StatementTimeout.Milliseconds())
	}
	if opt.MaxConns > 0 {
		cfg.MaxConns = opt.MaxConns
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "gongshi"
	cfg.ConnConfig.RuntimeParams["timezone"] = "Asia/Shanghai"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store.Open: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("store.Open: ping %s: %w", cfg.ConnConfig.Host, err)
	}
	return &Store{pool: pool}, nil
}

// Close releases every connection.
func (s *Store) Close() { s.pool.Close() }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Pool exposes the connection pool to the packages that read the projection
// (indexer, public read models) without importing the driver twice.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// Actor is who performs a write: an API key or a command-line user.
type Actor struct {
	KeyID      int64  // 0 when not an API key
	Name       string // key name, or e.g. "cli:import"
	RemoteAddr string
}

func (a Actor) keyID() *int64 {
	if a.KeyID == 0 {
		return nil
	}
	return &a.KeyID
}
