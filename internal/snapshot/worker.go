package snapshot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/store"
)

// Run keeps the snapshots until ctx ends. One process at a time — the
// holder of the snapshot lease — is active; the others stand by and take
// over when it goes. The active process wakes on every change-log
// commit (and at least every Poll, and at midnight China time), and on
// each pass heals the current snapshots (re-issuing those that hold a
// record withdrawn since, within moments of the withdrawal), takes the
// day's snapshots, and checks a few stored files against their SHA-256.
// Every interval it also prunes (KeepDays) and sweeps the storage of
// objects no manifest names. Failures are logged and retried on the next
// pass; every step is idempotent, so a process that dies anywhere leaves
// nothing the next pass cannot finish.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	standby := false
	for ctx.Err() == nil {
		lease, err := s.st.TryLease(ctx, store.SnapshotLease)
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, store.ErrLeaseHeld):
			if !standby {
				s.log.InfoContext(ctx, "snapshots: another process keeps them; standing by")
				standby = true
			}
			sleep(ctx, s.Standby)
			continue
		case err != nil:
			s.log.ErrorContext(ctx, "snapshots: cannot take the lease", "err", err)
			sleep(ctx, s.Standby)
			continue
		}
		standby = false
		err = s.lead(ctx, lease, interval)
		lease.Release()
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "snapshots: stopped being the active process", "err", err)
			sleep(ctx, s.Standby)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// lead runs passes while lease is held.
func (s *Service) lead(ctx context.Context, lease *store.Lease, interval time.Duration) error {
	s.log.InfoContext(ctx, "snapshots: active", "storage", s.storage.String())
	if err := lease.Listen(ctx); err != nil {
		return err
	}
	var housekeeping time.Time
	for {
		s.pass(ctx)
		if time.Now().After(housekeeping) {
			s.housekeep(ctx)
			housekeeping = time.Now().Add(interval)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := lease.WaitForChange(ctx, min(s.Poll, untilMidnight(time.Now()))); err != nil {
			return err
		}
		if err := lease.Check(ctx); err != nil {
			return err
		}
	}
}

// untilMidnight is how long until one second past the next midnight in
// China Standard Time, when penalties leave their publicity period and a
// new day's snapshots are due.
func untilMidnight(now time.Time) time.Duration {
	cst := now.In(chinaTime)
	y, m, d := cst.Date()
	return time.Date(y, m, d+1, 0, 0, 1, 0, chinaTime).Sub(now)
}

var chinaTime = time.FixedZone("CST", 8*3600)

// pass is one round of the active process's work; it logs its failures.
func (s *Service) pass(ctx context.Context) {
	if err := s.healAll(ctx); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "snapshots: healing failed; retrying on the next pass", "err", err)
	}
	if _, err := s.takeAll(ctx); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "snapshots: taking failed; retrying on the next pass", "err", err)
	}
	if s.VerifyEvery > 0 {
		if _, err := s.Verify(ctx, s.VerifyEvery, 8); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "snapshots: verifying files failed", "err", err)
		}
	}
}

func (s *Service) housekeep(ctx context.Context) {
	if s.KeepDays > 0 {
		if err := s.Prune(ctx, s.KeepDays); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "snapshots: pruning failed", "err", err)
		}
	}
	if n, err := s.Sweep(ctx, 6*time.Hour); err != nil && ctx.Err() == nil {
		s.log.ErrorContext(ctx, "snapshots: sweeping the storage failed", "err", err)
	} else if n > 0 {
		s.log.InfoContext(ctx, "snapshots: swept objects no manifest names", "count", n)
	}
}

// Verify reads back up to limit stored files of current snapshots not
// checked within the last age, compares each with its manifest's size and
// SHA-256, and records the result; a damaged file is not served, and the
// next pass rebuilds it. It returns how many files it checked.
func (s *Service) Verify(ctx context.Context, age time.Duration, limit int) (int, error) {
	files, err := s.st.SnapshotFilesToVerify(ctx, time.Now().Add(-age), limit)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for i, f := range files {
		if time.Since(start) > verifyBudget {
			return i, nil // the rest on a later pass: healing must not wait
		}
		damage, err := s.check(ctx, f.SnapshotFile)
		if err != nil {
			return 0, fmt.Errorf("snapshot.Verify(%s): %w", f.Key, err)
		}
		if damage != "" {
			s.markDamaged(ctx, store.Snapshot{ID: f.VersionID, Dataset: f.Dataset, Day: f.Day}, f.SnapshotFile, damage)
			continue
		}
		if err := s.st.MarkSnapshotFileVerified(ctx, f.VersionID, f.Format); err != nil {
			return 0, err
		}
	}
	return len(files), nil
}

// verifyBudget bounds the time a pass spends reading files back.
const verifyBudget = 2 * time.Second

// Prune removes the snapshots — manifests, history and files — of days
// more than keepDays before today.
func (s *Service) Prune(ctx context.Context, keepDays int) error {
	cutoff := s.pub.Today().AddDate(0, 0, -keepDays)
	var errs []error
	for _, d := range store.Datasets {
		files, err := s.st.DeleteSnapshotsBefore(ctx, d.Name, cutoff)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		errs = append(errs, s.removeFiles(ctx, files))
	}
	return errors.Join(errs...)
}

// Sweep deletes the objects under this database's namespace that no
// manifest names and that are older than minAge (younger ones may belong
// to a snapshot being taken), and returns how many it deleted.
func (s *Service) Sweep(ctx context.Context, minAge time.Duration) (int, error) {
	ns, err := s.st.SnapshotNamespace(ctx)
	if err != nil {
		return 0, err
	}
	objects, err := s.storage.List(ctx, ns+"/")
	if err != nil {
		return 0, err
	}
	// The keys are read after the listing: an object recorded meanwhile
	// is among them.
	keys, err := s.st.SnapshotKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range objects {
		if keys[o.Key] || time.Since(o.Modified) < minAge || !strings.HasPrefix(o.Key, ns+"/") {
			continue
		}
		if err := s.storage.Delete(ctx, o.Key); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
