package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Snapshot is the manifest of one dataset's snapshot of one day.
type Snapshot struct {
	Dataset       string         `json:"dataset"`
	Day           time.Time      `json:"-"` // the date, at 00:00 UTC
	SchemaVersion string         `json:"schema_version"`
	Rows          int64          `json:"rows"`
	ChangeSeq     int64          `json:"change_seq"`
	TakenAt       time.Time      `json:"taken_at"`
	Files         []SnapshotFile `json:"files"`
}

// SnapshotFile is one file of a snapshot.
type SnapshotFile struct {
	Format string `json:"format"`
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// File returns the snapshot's file in format, if it has one.
func (s Snapshot) File(format string) (SnapshotFile, bool) {
	for _, f := range s.Files {
		if f.Format == format {
			return f, true
		}
	}
	return SnapshotFile{}, false
}

// RecordSnapshot stores a snapshot's manifest; a snapshot of the same
// dataset and day already recorded is ErrConflict.
func (s *Store) RecordSnapshot(ctx context.Context, snap Snapshot) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO dataset_snapshots (dataset, day, schema_version, row_count, change_seq)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING taken_at`,
			snap.Dataset, snap.Day, snap.SchemaVersion, snap.Rows, snap.ChangeSeq).Scan(&snap.TakenAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: a snapshot of %s for %s exists", ErrConflict, snap.Dataset, snap.Day.Format(time.DateOnly))
		}
		if err != nil {
			return describe(err)
		}
		for _, f := range snap.Files {
			if _, err := tx.Exec(ctx, `INSERT INTO dataset_snapshot_files (dataset, day, format, name, bytes, sha256)
				VALUES ($1, $2, $3, $4, $5, $6)`, snap.Dataset, snap.Day, f.Format, f.Name, f.Bytes, f.SHA256); err != nil {
				return describe(err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store.RecordSnapshot(%s, %s): %w", snap.Dataset, snap.Day.Format(time.DateOnly), err)
	}
	return nil
}

const snapshotSelect = `SELECT s.dataset, s.day, s.schema_version, s.row_count, s.change_seq, s.taken_at,
	coalesce(json_agg(json_build_object('format', f.format, 'name', f.name, 'bytes', f.bytes, 'sha256', f.sha256)
		ORDER BY f.format) FILTER (WHERE f.format IS NOT NULL), '[]')
	FROM dataset_snapshots s LEFT JOIN dataset_snapshot_files f ON f.dataset = s.dataset AND f.day = s.day `

func scanSnapshot(row pgx.Row) (Snapshot, error) {
	var s Snapshot
	err := row.Scan(&s.Dataset, &s.Day, &s.SchemaVersion, &s.Rows, &s.ChangeSeq, &s.TakenAt, &s.Files)
	return s, err
}

// Snapshots returns the snapshots of dataset, newest first.
func (s *Store) Snapshots(ctx context.Context, dataset string) ([]Snapshot, error) {
	rows, err := s.pool.Query(ctx, snapshotSelect+`WHERE s.dataset = $1 GROUP BY s.dataset, s.day ORDER BY s.day DESC`, dataset)
	if err != nil {
		return nil, fmt.Errorf("store.Snapshots(%s): %w", dataset, err)
	}
	snaps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Snapshot, error) { return scanSnapshot(r) })
	if err != nil {
		return nil, fmt.Errorf("store.Snapshots(%s): %w", dataset, err)
	}
	return snaps, nil
}

// Snapshot returns the snapshot of dataset for day; ErrNotFound when
// there is none.
func (s *Store) Snapshot(ctx context.Context, dataset string, day time.Time) (Snapshot, error) {
	snap, err := scanSnapshot(s.pool.QueryRow(ctx, snapshotSelect+`WHERE s.dataset = $1 AND s.day = $2 GROUP BY s.dataset, s.day`,
		dataset, day))
	if errors.Is(err, pgx.ErrNoRows) {
		return Snapshot{}, fmt.Errorf("store.Snapshot(%s, %s): %w", dataset, day.Format(time.DateOnly), ErrNotFound)
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("store.Snapshot(%s, %s): %w", dataset, day.Format(time.DateOnly), err)
	}
	return snap, nil
}

// DeleteSnapshotsBefore removes the manifests of dataset's snapshots
// older than day and returns the days removed, so their files can go.
func (s *Store) DeleteSnapshotsBefore(ctx context.Context, dataset string, day time.Time) ([]time.Time, error) {
	rows, err := s.pool.Query(ctx, `DELETE FROM dataset_snapshots WHERE dataset = $1 AND day < $2 RETURNING day`, dataset, day)
	if err != nil {
		return nil, fmt.Errorf("store.DeleteSnapshotsBefore(%s): %w", dataset, err)
	}
	days, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return nil, fmt.Errorf("store.DeleteSnapshotsBefore(%s): %w", dataset, err)
	}
	return days, nil
}

// snapshotLock is the advisory-lock key held while snapshots are taken.
const snapshotLock = 0x676f6e67736e6170 // "gongsnap"

// WithSnapshotLock runs fn holding a session advisory lock, so that of
// several portals sharing the database one at a time takes snapshots. It
// reports false, without running fn, when another session holds the lock.
func (s *Store) WithSnapshotLock(ctx context.Context, fn func() error) (bool, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("store.WithSnapshotLock: %w", err)
	}
	defer conn.Release()
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(snapshotLock)).Scan(&ok); err != nil {
		return false, fmt.Errorf("store.WithSnapshotLock: %w", err)
	}
	if !ok {
		return false, nil
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(snapshotLock)); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx)) // closing the session releases the lock
		}
	}()
	return true, fn()
}
