package snapshot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gongshi/gongshi/internal/store"
)

// stepHook, when set (by tests), is called after each step of taking or
// re-issuing a snapshot that leaves state behind: "staged" (files
// written locally), "stored" (objects in the storage), "recorded" (the
// manifest committed). A test kills the process there to prove that every
// step is safe to die in.
var stepHook func(step string)

func step(name string) {
	if stepHook != nil {
		stepHook(name)
	}
}

// withLease runs fn holding the snapshot lease; when another process
// holds it, it returns store.ErrLeaseHeld without running fn.
func (s *Service) withLease(ctx context.Context, fn func() error) error {
	lease, err := s.st.TryLease(ctx, store.SnapshotLease)
	if err != nil {
		return err
	}
	defer lease.Release()
	return fn()
}

// TakeSnapshots takes today's snapshot of every dataset that has none yet
// and returns those it took. It is idempotent; when another process holds
// the snapshot lease (and so takes them) it returns at once. Run calls it
// on every pass.
func (s *Service) TakeSnapshots(ctx context.Context) ([]store.Snapshot, error) {
	var taken []store.Snapshot
	err := s.withLease(ctx, func() error {
		var err error
		taken, err = s.takeAll(ctx)
		return err
	})
	if errors.Is(err, store.ErrLeaseHeld) {
		return nil, nil
	}
	return taken, err
}

func (s *Service) takeAll(ctx context.Context) ([]store.Snapshot, error) {
	var taken []store.Snapshot
	var errs []error
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
	return taken, errors.Join(errs...)
}

var errExists = errors.New("snapshot exists")

func (s *Service) take(ctx context.Context, d store.Dataset) (store.Snapshot, error) {
	day := s.pub.Today()
	if _, err := s.st.Snapshot(ctx, d.Name, day); err == nil || errors.Is(err, store.ErrSnapshotWithdrawn) {
		return store.Snapshot{}, errExists
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Snapshot{}, err
	}
	ns, err := s.st.SnapshotNamespace(ctx)
	if err != nil {
		return store.Snapshot{}, err
	}
	start := time.Now()
	fs, err := s.newFileSet(d, day)
	if err != nil {
		return store.Snapshot{}, err
	}
	defer fs.cleanup()
	snap := store.Snapshot{Dataset: d.Name, SchemaVersion: d.SchemaVersion()}
	err = s.pub.ExportDataset(ctx, d.Name, func(st store.DatasetState) error {
		if !st.Day.Equal(day) {
			return fmt.Errorf("the day changed to %s", st.Day.Format(time.DateOnly))
		}
		snap.Day, snap.ChangeSeq, snap.AsOf = st.Day, st.Seq, st.Seq
		return nil
	}, fs.write)
	if err != nil {
		return snap, fmt.Errorf("snapshot %s: %w", d.Name, err)
	}
	// Read after the export, so it is at least every id the export saw.
	if snap.MaxRecordID, err = s.st.MaxRecordID(ctx, d.Name); err != nil {
		return snap, err
	}
	snap.Rows = fs.rows
	if snap.PublicUntil, err = fs.publicUntil(); err != nil {
		return snap, err
	}
	files, source, err := fs.finish()
	if err != nil {
		return snap, err
	}
	step("staged")
	all := append(files, source)
	if err := s.publish(ctx, ns, fs, all); err != nil {
		return snap, err
	}
	step("stored")
	snap.Files, snap.Source = all[:len(files)], &all[len(files)]
	rec, err := s.st.RecordSnapshot(ctx, snap)
	if errors.Is(err, store.ErrConflict) {
		return snap, errExists // another process recorded the day meanwhile; a sweep removes our objects
	}
	if err != nil {
		return snap, err
	}
	step("recorded")
	s.log.InfoContext(ctx, "snapshot taken", "dataset", d.Name, "day", day.Format(time.DateOnly),
		"rows", rec.Rows, "change_seq", rec.ChangeSeq, "took", time.Since(start))
	return rec, nil
}
