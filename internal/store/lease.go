package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file holds the leases: session-level advisory locks that keep one
// indexer (or one snapshot worker) active while others wait as standbys.

// LeaseKey names an advisory lock that at most one process holds.
type LeaseKey int64

const (
	// IndexerLease is held by the active indexer; others wait as standbys.
	IndexerLease LeaseKey = 0x676f6e6773686901
	// RebuildLease is held while a full search rebuild runs.
	RebuildLease LeaseKey = 0x676f6e6773686902
)

// ErrLeaseHeld is returned by TryLease when another session holds the lease.
var ErrLeaseHeld = errors.New("lease held by another session")

// Lease is a session-level advisory lock held on a dedicated connection:
// it lasts until Close, or until the connection is lost. The connection
// also receives change-log notifications after Listen.
type Lease struct {
	conn *pgx.Conn
	key  LeaseKey
}

// TryLease takes the lease on a new connection, or returns ErrLeaseHeld.
func (s *Store) TryLease(ctx context.Context, key LeaseKey) (*Lease, error) {
	cfg := s.sessionConfig()
	cfg.RuntimeParams["application_name"] = "gongshi-lease"
	delete(cfg.RuntimeParams, "statement_timeout")
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store.TryLease: connect: %w", err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(key)).Scan(&ok); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("store.TryLease: %w", err)
	}
	if !ok {
		conn.Close(context.Background())
		return nil, ErrLeaseHeld
	}
	return &Lease{conn: conn, key: key}, nil
}

// Listen subscribes the lease's connection to ChangesChannel.
func (l *Lease) Listen(ctx context.Context) error {
	if _, err := l.conn.Exec(ctx, "LISTEN "+pgx.Identifier{ChangesChannel}.Sanitize()); err != nil {
		return fmt.Errorf("store.Lease.Listen: %w", err)
	}
	return nil
}

// WaitForChange blocks until a change-log notification arrives (true), or
// until timeout passes (false). Notifications that arrived meanwhile are
// delivered at once. An error means the connection, and with it the lease,
// is lost.
func (l *Lease) WaitForChange(ctx context.Context, timeout time.Duration) (bool, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := l.conn.WaitForNotification(wctx)
	switch {
	case err == nil:
		return true, nil
	case ctx.Err() != nil:
		return false, ctx.Err()
	case wctx.Err() != nil && !l.conn.IsClosed():
		return false, nil
	}
	return false, fmt.Errorf("store.Lease.WaitForChange: %w", err)
}

// Check reports whether the lease is still held.
func (l *Lease) Check(ctx context.Context) error {
	var held bool
	err := l.conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
		AND granted AND ((classid::bigint << 32) | objid::bigint) = $1)`, int64(l.key)).Scan(&held)
	if err != nil {
		return fmt.Errorf("store.Lease.Check: %w", err)
	}
	if !held {
		return errors.New("store.Lease.Check: lease lost")
	}
	return nil
}

// AdvanceCursor moves the named cursor from seq from to seq to, on the
// lease's own connection so that a holder that lost its lease cannot move
// it. It reports false, changing nothing, when the cursor is no longer at
// from (a rebuild rewound it).
func (l *Lease) AdvanceCursor(ctx context.Context, name string, from, to int64) (bool, error) {
	tag, err := l.conn.Exec(ctx, `UPDATE search_cursors SET seq = $3, updated_at = now() WHERE name = $1 AND seq = $2`,
		name, from, to)
	if err != nil {
		return false, fmt.Errorf("store.Lease.AdvanceCursor(%s, %d→%d): %w", name, from, to, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Close releases the lease.
func (l *Lease) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.conn.Close(ctx)
}
