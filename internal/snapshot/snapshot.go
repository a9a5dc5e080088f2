// Package snapshot owns the daily immutable snapshots of the open
// datasets: once a day every dataset is exported, in one pass over one
// consistent database snapshot, into a file per format under a directory;
// the manifest — row count, schema version, size and SHA-256 of each file
// — is recorded in PostgreSQL only once every file is complete, and a
// recorded snapshot never changes. Service also serves the datasets'
// live exports, so it is what the HTTP layer's DatasetStore is.
package snapshot

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/store"
)

// Service takes, lists and opens snapshots, and streams the live datasets
// through the embedded public read path.
type Service struct {
	*store.Public
	st  *store.Store
	dir string
	log *slog.Logger

	// Formats are the files of each snapshot (default: every format).
	Formats []export.Format
	// KeepDays, when positive, removes snapshots older than that many days
	// after each run; 0 keeps every snapshot.
	KeepDays int
}

// New returns a Service keeping its files under dir. pub must be the
// public read path: snapshots are public outputs.
func New(st *store.Store, pub *store.Public, dir string, log *slog.Logger) *Service {
	return &Service{Public: pub, st: st, dir: dir, log: log, Formats: export.Formats}
}

// Snapshots returns the snapshots of dataset, newest first.
func (s *Service) Snapshots(ctx context.Context, dataset string) ([]store.Snapshot, error) {
	if _, ok := store.DatasetByName(dataset); !ok {
		return nil, fmt.Errorf("snapshot.Snapshots(%q): %w", dataset, store.ErrNotFound)
	}
	return s.st.Snapshots(ctx, dataset)
}

// Snapshot returns the manifest of dataset's snapshot of day.
func (s *Service) Snapshot(ctx context.Context, dataset string, day time.Time) (store.Snapshot, error) {
	if _, ok := store.DatasetByName(dataset); !ok {
		return store.Snapshot{}, fmt.Errorf("snapshot.Snapshot(%q): %w", dataset, store.ErrNotFound)
	}
	return s.st.Snapshot(ctx, dataset, day)
}

// ErrMissingFile reports a recorded snapshot whose file is not on this
// server's disk (or not whole): the snapshot directory is not shared, or
// was tampered with.
var ErrMissingFile = errors.New("snapshot file missing")

// OpenSnapshotFile opens the file in format of dataset's snapshot of day.
// A snapshot or format that does not exist is store.ErrNotFound.
func (s *Service) OpenSnapshotFile(ctx context.Context, dataset string, day time.Time, format export.Format) (io.ReadSeekCloser, store.Snapshot, store.SnapshotFile, error) {
	snap, err := s.Snapshot(ctx, dataset, day)
	if err != nil {
		return nil, snap, store.SnapshotFile{}, err
	}
	sf, ok := snap.File(string(format))
	if !ok {
		return nil, snap, sf, fmt.Errorf("snapshot.OpenSnapshotFile(%s, %s, %s): %w", dataset, day.Format(time.DateOnly), format, store.ErrNotFound)
	}
	f, err := os.Open(filepath.Join(s.dir, dataset, day.Format(time.DateOnly), sf.Name))
	if err == nil {
		var fi os.FileInfo
		if fi, err = f.Stat(); err == nil && fi.Size() != sf.Bytes {
			err = fmt.Errorf("%d bytes on disk, %d in the manifest", fi.Size(), sf.Bytes)
		}
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		return nil, snap, sf, fmt.Errorf("snapshot.OpenSnapshotFile(%s): %w: %v", sf.Name, ErrMissingFile, err)
	}
	return f, snap, sf, nil
}

// TakeSnapshots takes today's snapshot of every dataset that has none yet
// and returns those it took. It is idempotent, and when several portals
// share the database only one takes snapshots at a time (the others return
// at once). Call it daily; Run does.
func (s *Service) TakeSnapshots(ctx context.Context) ([]store.Snapshot, error) {
	var taken []store.Snapshot
	var errs []error
	_, err := s.st.WithSnapshotLock(ctx, func() error {
		for _, d := range store.Datasets {
			snap, err := s.take(ctx, d)
			switch {
			case errors.Is(err, errExists):
			case err != nil:
				errs = append(errs, err)
			default:
				taken = append(taken, snap)
			}
		}
		return nil
	})
	if err != nil {
		return taken, err
	}
	return taken, errors.Join(errs...)
}

var errExists = errors.New("snapshot exists")

// sink is one file being written: the format writer on top of a buffer
// over the file, hashing and counting what reaches it.
type sink struct {
	format export.Format
	name   string
	file   *os.File
	buf    *bufio.Writer
	sum    hash.Hash
	n      int64
	w      export.Writer
	closed bool
}

func (k *sink) Write(p []byte) (int, error) {
	n, err := k.file.Write(p)
	k.sum.Write(p[:n])
	k.n += int64(n)
	return n, err
}

func (s *Service) take(ctx context.Context, d store.Dataset) (snap store.Snapshot, err error) {
	day := civil(s.Today())
	if _, err := s.st.Snapshot(ctx, d.Name, day); err == nil {
		return snap, errExists
	} else if !errors.Is(err, store.ErrNotFound) {
		return snap, err
	}
	parent := filepath.Join(s.dir, d.Name)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return snap, fmt.Errorf("snapshot %s: %w", d.Name, err)
	}
	tmp, err := os.MkdirTemp(parent, ".partial-")
	if err != nil {
		return snap, fmt.Errorf("snapshot %s: %w", d.Name, err)
	}
	defer func() {
		if tmp != "" {
			os.RemoveAll(tmp)
		}
	}()

	start := time.Now()
	var sinks []*sink
	defer func() {
		for _, k := range sinks {
			if !k.closed && k.w != nil {
				k.w.Abort()
			}
			k.file.Close()
		}
	}()
	snap = store.Snapshot{Dataset: d.Name, SchemaVersion: d.SchemaVersion()}
	err = s.ExportDataset(ctx, d.Name, func(st store.DatasetState) error {
		snap.Day, snap.ChangeSeq = st.Day, st.Seq
		for _, f := range s.Formats {
			k := &sink{format: f, name: export.FileName(d.Name, st.Day, f), sum: sha256.New()}
			var err error
			if k.file, err = os.OpenFile(filepath.Join(tmp, k.name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644); err != nil {
				return err
			}
			sinks = append(sinks, k)
			k.buf = bufio.NewWriterSize(k, 1<<20)
			if k.w, err = export.NewWriter(k.buf, f, d.Fields, export.Options{Headers: export.HeadersStandard, SheetName: d.Name}); err != nil {
				return err
			}
		}
		return nil
	}, func(row []string) error {
		snap.Rows++
		for _, k := range sinks {
			if err := k.w.Write(row); err != nil {
				return fmt.Errorf("%s: %w", k.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return snap, fmt.Errorf("snapshot %s: %w", d.Name, err)
	}
	for _, k := range sinks {
		k.closed = true // Close releases the writer, whether it succeeds or not
		if err := k.w.Close(); err != nil {
			return snap, fmt.Errorf("snapshot %s: %w", k.name, err)
		}
		if err := k.buf.Flush(); err != nil {
			return snap, fmt.Errorf("snapshot %s: %w", k.name, err)
		}
		if err := k.file.Sync(); err != nil {
			return snap, fmt.Errorf("snapshot %s: %w", k.name, err)
		}
		snap.Files = append(snap.Files, store.SnapshotFile{Format: string(k.format), Name: k.name, Bytes: k.n,
			SHA256: hex.EncodeToString(k.sum.Sum(nil))})
	}

	// A directory for the day that is not in the manifest is the leftover
	// of a run that died before recording it: nobody has been served it.
	final := filepath.Join(parent, snap.Day.Format(time.DateOnly))
	if _, err := s.st.Snapshot(ctx, d.Name, snap.Day); err == nil {
		return snap, errExists
	}
	if err := os.RemoveAll(final); err != nil {
		return snap, fmt.Errorf("snapshot %s: %w", d.Name, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return snap, fmt.Errorf("snapshot %s: %w", d.Name, err)
	}
	tmp = ""
	syncDir(parent)
	if err := s.st.RecordSnapshot(ctx, snap); err != nil {
		os.RemoveAll(final)
		return snap, err
	}
	s.log.InfoContext(ctx, "snapshot taken", "dataset", d.Name, "day", snap.Day.Format(time.DateOnly),
		"rows", snap.Rows, "change_seq", snap.ChangeSeq, "took", time.Since(start))
	return s.st.Snapshot(ctx, d.Name, snap.Day)
}

// Prune removes the snapshots, manifests and files, older than keepDays
// days before today.
func (s *Service) Prune(ctx context.Context, keepDays int) error {
	cutoff := civil(s.Today()).AddDate(0, 0, -keepDays)
	var errs []error
	for _, d := range store.Datasets {
		days, err := s.st.DeleteSnapshotsBefore(ctx, d.Name, cutoff)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, day := range days {
			if err := os.RemoveAll(filepath.Join(s.dir, d.Name, day.Format(time.DateOnly))); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// Run takes snapshots at once and then every interval (an hour is
// plenty: a day's snapshot is taken by the first run of that day) until
// ctx ends, logging failures, which the next run retries.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := s.TakeSnapshots(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "taking snapshots failed", "err", err)
		}
		if s.KeepDays > 0 {
			if err := s.Prune(ctx, s.KeepDays); err != nil && ctx.Err() == nil {
				s.log.ErrorContext(ctx, "pruning snapshots failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func syncDir(dir string) {
	if f, err := os.Open(dir); err == nil {
		f.Sync()
		f.Close()
	}
}
