package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file holds the change log: every write appends an entry per record
// it changed, and the indexer and the feeds read it in seq order, each from
// a cursor.

// changeLogLock is the advisory-lock key that serializes change-log
// appends: holding it until commit makes entries commit in seq order, so a
// reader paging by seq can never skip one that commits late.
const changeLogLock = 0x676f6e67736869 // "gongshi"

// ChangesChannel is the LISTEN/NOTIFY channel that announces new entries.
const ChangesChannel = "gongshi_changes"

// Entity names the kind of record a change-log entry refers to.
type Entity string

const (
	EntityPenalty     Entity = "penalty"
	EntityPermit      Entity = "permit"
	EntityListVersion Entity = "list_version"
)

// LockChangeLog takes the change-log lock until tx ends: a transaction
// appends its entries under it, so that entries commit in seq order.
func LockChangeLog(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(changeLogLock)); err != nil {
		return fmt.Errorf("lock change log: %w", err)
	}
	return nil
}

// appendChanges appends one entry per id in the caller's transaction and
// announces them on ChangesChannel at commit.
func appendChanges(ctx context.Context, tx pgx.Tx, entity Entity, op string, reason *string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if err := LockChangeLog(ctx, tx); err != nil {
		return fmt.Errorf("appendChanges: %w", err)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO changes (entity, entity_id, op, reason)
		SELECT $1, id, $2, $3 FROM unnest($4::bigint[]) WITH ORDINALITY AS t(id, n) ORDER BY n`,
		string(entity), op, reason, ids)
	if err != nil {
		return fmt.Errorf("appendChanges(%s, %s): %w", entity, op, err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, string(entity)); err != nil {
		return fmt.Errorf("appendChanges: notify: %w", err)
	}
	return nil
}

// Change is one entry of the change log.
type Change struct {
	Seq      int64
	Entity   Entity
	EntityID int64
	Op       string // "upsert" or "withdraw"
	Reason   string // withdraw reason; "" for upserts
	At       time.Time
}

// ChangesAfter returns up to limit change-log entries with seq > after, in
// seq order. Appends commit in seq order (see appendChanges), so a reader
// that pages by seq never skips an entry that commits late.
func (s *Store) ChangesAfter(ctx context.Context, after int64, limit int) ([]Change, error) {
	rows, err := s.pool.Query(ctx, `SELECT seq, entity::text, entity_id, op::text, coalesce(reason::text, ''), at
		FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store.ChangesAfter(%d): %w", after, err)
	}
	cs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Change, error) {
		var c Change
		var entity string
		err := r.Scan(&c.Seq, &entity, &c.EntityID, &c.Op, &c.Reason, &c.At)
		c.Entity = Entity(entity)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("store.ChangesAfter(%d): %w", after, err)
	}
	return cs, nil
}

// LastChangeSeq returns the seq of the newest committed change-log entry,
// 0 when the log is empty. Every entry up to it has committed.
func (s *Store) LastChangeSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("store.LastChangeSeq: %w", err)
	}
	return seq, nil
}

// SearchCursor returns the named consumer's position in the change log;
// found is false when it has never stored one.
func (s *Store) SearchCursor(ctx context.Context, name string) (seq int64, found bool, err error) {
	err = s.pool.QueryRow(ctx, `SELECT seq FROM search_cursors WHERE name = $1`, name).Scan(&seq)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("store.SearchCursor(%s): %w", name, err)
	}
	return seq, true, nil
}

// RewindSearchCursor moves the named cursor back to seq if it is ahead of
// it, creating it at seq if absent, and wakes the listeners of
// ChangesChannel. A rebuild calls it after swapping in indexes filled from
// a snapshot taken after seq, so that every change since is replayed.
func (s *Store) RewindSearchCursor(ctx context.Context, name string, seq int64) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO search_cursors (name, seq) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET seq = least(search_cursors.seq, EXCLUDED.seq), updated_at = now()`, name, seq)
		if err != nil {
			return err
		}
		// Wake the consumer, so it replays now rather than at its next poll.
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, 'rewind')`, ChangesChannel)
		return err
	})
	if err != nil {
		return fmt.Errorf("store.RewindSearchCursor(%s, %d): %w", name, seq, err)
	}
	return nil
}
