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
	"github.com/jackc/pgx/v5/pgconn"
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
	pool    dbPool          // where queries go: primary, or a Replica's router (replica.go)
	primary *pgxpool.Pool   // the system of record
	session *pgx.ConnConfig // connections of their own (LISTEN, leases) with Options.SessionURL; nil: the pool's (listen.go)
}

// dbPool is what the store asks of a connection pool; *pgxpool.Pool is
// one, and so is a Replica's router, which sends read-only queries to a
// streaming replica while it is current.
type dbPool interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Begin(ctx context.Context) (pgx.Tx, error)
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
	Acquire(ctx context.Context) (*pgxpool.Conn, error)
	Config() *pgxpool.Config
	Ping(ctx context.Context) error
	Close()
}

// Options tune a Store's connections.
type Options struct {
	StatementTimeout time.Duration // 0 leaves the server default
	MaxConns         int32         // 0 leaves pgxpool's default
	// SessionURL (DATABASE_LISTEN_URL) reaches the same database directly
	// for what needs a session of its own — LISTEN/NOTIFY and the leases —
	// when url goes through a transaction-pooling proxy; "" uses url.
	SessionURL string
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string, opt Options) (*Store, error) {
	cfg, err := poolConfig(url, "gongshi", opt.StatementTimeout, opt.MaxConns)
	if err != nil {
		return nil, fmt.Errorf("store.Open: parse DATABASE_URL: %w", err)
	}
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
	var session *pgx.ConnConfig
	if opt.SessionURL != "" {
		if session, err = sessionConfig(pctx, opt.SessionURL); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return &Store{pool: pool, primary: pool, session: session}, nil
}

// poolConfig parses url into a pool configuration with the session
// settings every Gongshi connection has.
func poolConfig(url, application string, statementTimeout time.Duration, maxConns int32) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if statementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(statementTimeout.Milliseconds())
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = application
	cfg.ConnConfig.RuntimeParams["timezone"] = "Asia/Shanghai"
	// No JIT compilation: the portal's statements are prepared, and a
	// plan made for any parameter values can be costed high enough to be
	// compiled on every run (200 ms for a change-log poll that reads no
	// row at 5M records) while each reads a page or less.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	return cfg, nil
}

// Close releases every connection.
func (s *Store) Close() { s.primary.Close() }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Pool exposes the connection pool to the packages that read the projection
// (indexer, public read models) without importing the driver twice.
func (s *Store) Pool() *pgxpool.Pool { return s.primary }

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
