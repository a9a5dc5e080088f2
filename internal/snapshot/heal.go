package snapshot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/store"
)

// Heal brings every current snapshot back to a state that may be served:
// it re-issues those holding records withdrawn since (or past their
// publicity period), rebuilds damaged files, and deletes the files of
// ended versions. When another process holds the snapshot lease (and so
// heals) it returns at once. Run calls it on every pass.
func (s *Service) Heal(ctx context.Context) error {
	err := s.withLease(ctx, func() error { return s.healAll(ctx) })
	if errors.Is(err, store.ErrLeaseHeld) {
		return nil
	}
	return err
}

func (s *Service) healAll(ctx context.Context) error {
	var errs []error
	for _, d := range store.Datasets {
		if err := s.healDataset(ctx, d); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.removeEnded(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Service) healDataset(ctx context.Context, d store.Dataset) error {
	// First every snapshot no withdrawal concerns moves on, in one
	// statement; head is the newest change-log entry it looked at.
	head, err := s.st.AdvanceSnapshots(ctx, d.Name)
	if err != nil {
		return err
	}
	today := s.pub.Today()
	snaps, err := s.st.SnapshotsToHeal(ctx, d.Name, today)
	if err != nil {
		return err
	}
	var errs []error
	for _, snap := range snaps {
		if err := s.heal(ctx, d, snap, head, today); err != nil {
			errs = append(errs, fmt.Errorf("snapshot %s %s: %w", d.Name, snap.Day.Format(time.DateOnly), err))
		}
	}
	return errors.Join(errs...)
}

// heal re-issues snap without the rows that stopped being public up to
// the change-log entry head and the day today, or rebuilds its damaged
// files; a snapshot that needs either but has no sound source copy is
// withdrawn whole.
func (s *Service) heal(ctx context.Context, d store.Dataset, snap store.Snapshot, head int64, today time.Time) error {
	if snap.AsOf > head {
		head = snap.AsOf
	}
	withdrawals, err := s.st.SnapshotWithdrawals(ctx, snap, head)
	if err != nil {
		return err
	}
	expired := !snap.PublicUntil.IsZero() && snap.PublicUntil.Before(today)
	damaged := slices.ContainsFunc(snap.Files, func(f store.SnapshotFile) bool { return f.Damage != "" })
	if damaged && len(withdrawals) == 0 && !expired {
		// Another process may have reported a file it could not read (its
		// own storage misconfigured, or a version replaced under it):
		// rebuild only what this process finds damaged too.
		if damaged, err = s.recheck(ctx, snap); err != nil {
			return err
		}
	}
	if len(withdrawals) == 0 && !expired && !damaged {
		if snap.AsOf < head {
			_, err := s.st.AdvanceSnapshot(ctx, snap, head)
			return err
		}
		return nil // pending only on a withdrawal after head: the next pass
	}
	if snap.Source == nil || snap.Source.Damage != "" {
		if !damaged || len(withdrawals) > 0 || expired {
			return s.withdraw(ctx, snap, "it holds records that are no longer public and has no sound copy of its rows to re-issue from")
		}
		return nil // damaged files that cannot be rebuilt: reported, not served
	}
	return s.reissue(ctx, d, snap, withdrawals, head, today, damaged)
}

// recheck reads snap's files reported damaged back, clears the reports
// it finds wrong, and says whether any file is damaged.
func (s *Service) recheck(ctx context.Context, snap store.Snapshot) (bool, error) {
	damaged := false
	for _, f := range snap.Files {
		if f.Damage == "" {
			continue
		}
		damage, err := s.check(ctx, f)
		if err != nil {
			return false, err
		}
		if damage != "" {
			damaged = true
			continue
		}
		s.log.WarnContext(ctx, "snapshot: a file reported damaged is sound here", "dataset", snap.Dataset,
			"day", snap.Day.Format(time.DateOnly), "file", f.Name, "report", f.Damage)
		if err := s.st.ClearSnapshotFileDamage(ctx, snap.ID, f.Format); err != nil {
			return false, err
		}
	}
	return damaged, nil
}

func (s *Service) withdraw(ctx context.Context, snap store.Snapshot, reason string) error {
	if err := s.st.WithdrawSnapshot(ctx, snap, reason); err != nil {
		return err
	}
	s.log.WarnContext(ctx, "snapshot withdrawn", "dataset", snap.Dataset, "day", snap.Day.Format(time.DateOnly),
		"version", snap.Version, "reason", reason)
	return s.removeEnded(ctx)
}

// reissue writes snap's rows again without those of withdrawn records or
// past their publicity period, as the next version. When no row goes
// and no file is damaged, only AsOf moves.
func (s *Service) reissue(ctx context.Context, d store.Dataset, snap store.Snapshot, withdrawals []store.RecordWithdrawal,
	head int64, today time.Time, damaged bool) error {
	start := time.Now()
	gone, err := s.withdrawnRows(ctx, d, withdrawals)
	if err != nil {
		return err
	}
	ns, err := s.st.SnapshotNamespace(ctx)
	if err != nil {
		return err
	}
	fs, err := s.newFileSet(d, snap.Day)
	if err != nil {
		return err
	}
	defer fs.cleanup()
	agencyCol, decisionCol := fieldIndex(d, "agency_code"), fieldIndex(d, "decision_no")
	untilCol, todayText := fieldIndex(d, "publicity_until"), today.Format(time.DateOnly)
	removed := map[string]int{}
	err = s.readSource(ctx, *snap.Source, func(row []string) error {
		if agencyCol >= 0 && decisionCol >= 0 {
			if reason, ok := gone[store.RecordKey{AgencyCode: row[agencyCol], DecisionNo: row[decisionCol]}]; ok {
				removed[reason]++
				return nil
			}
		}
		if untilCol >= 0 && row[untilCol] != "" && row[untilCol] < todayText {
			removed["publicity period ended"]++
			return nil
		}
		return fs.write(row)
	})
	var de *damageError
	if errors.As(err, &de) {
		s.markDamaged(ctx, snap, de.file, de.damage)
		return s.withdraw(ctx, snap, "it holds records that are no longer public and its copy of its rows is damaged ("+de.damage+")")
	}
	if err != nil {
		return err
	}
	if len(removed) == 0 && !damaged {
		// None of the withdrawn records was in it after all.
		_, err := s.st.AdvanceSnapshot(ctx, snap, head)
		return err
	}
	next := store.Snapshot{SchemaVersion: snap.SchemaVersion, Rows: fs.rows, AsOf: head}
	if next.PublicUntil, err = fs.publicUntil(); err != nil {
		return err
	}
	files, source, err := fs.finish()
	if err != nil {
		return err
	}
	step("staged")
	all := append(files, source)
	if err := s.publish(ctx, ns, fs, all); err != nil {
		return err
	}
	step("stored")
	next.Files, next.Source = all[:len(files)], &all[len(files)]
	reason, kind := reissueReason(removed, damaged)
	rec, err := s.st.ReissueSnapshot(ctx, snap, next, reason)
	if err != nil {
		return err // ErrConflict: another process re-issued it; a sweep removes our objects
	}
	step("recorded")
	s.reissued.WithLabelValues(kind).Inc()
	s.log.InfoContext(ctx, "snapshot re-issued", "dataset", d.Name, "day", snap.Day.Format(time.DateOnly),
		"version", rec.Version, "replaces", snap.Version, "rows", rec.Rows, "reason", reason, "took", time.Since(start))
	return s.removeEnded(ctx)
}

// withdrawnRows maps the row keys of the withdrawn records to why each
// went.
func (s *Service) withdrawnRows(ctx context.Context, d store.Dataset, ws []store.RecordWithdrawal) (map[store.RecordKey]string, error) {
	if len(ws) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(ws))
	for i, w := range ws {
		ids[i] = w.ID
	}
	keys, err := s.pub.RecordKeys(ctx, d.Name, ids)
	if err != nil {
		return nil, err
	}
	gone := make(map[store.RecordKey]string, len(ws))
	for _, w := range ws {
		k, ok := keys[w.ID]
		if !ok {
			return nil, fmt.Errorf("withdrawn record %d not found", w.ID)
		}
		gone[k] = "withdrawn as " + w.Reason
	}
	return gone, nil
}

// reissueReason describes a re-issue for its manifest and names its kind
// for metrics: withdrawn, expired or damaged.
func reissueReason(removed map[string]int, damaged bool) (reason, kind string) {
	var parts []string
	for _, r := range slices.Sorted(maps.Keys(removed)) {
		parts = append(parts, fmt.Sprintf("%d %s", removed[r], r))
		if strings.HasPrefix(r, "withdrawn") {
			kind = "withdrawn"
		} else if kind == "" {
			kind = "expired"
		}
	}
	if len(parts) > 0 {
		reason = "rows no longer public removed: " + strings.Join(parts, ", ")
	}
	if damaged {
		if reason != "" {
			reason += "; "
		}
		reason += "damaged files rebuilt"
		if kind == "" {
			kind = "damaged"
		}
	}
	return reason, kind
}

// removeEnded deletes the stored objects of ended versions and records
// that they are gone. It is idempotent and runs after every re-issue,
// so a process that died in between leaves them only until the next
// pass.
func (s *Service) removeEnded(ctx context.Context) error {
	files, err := s.st.EndedSnapshotFiles(ctx)
	if err != nil {
		return err
	}
	return s.removeFiles(ctx, files)
}

func (s *Service) removeFiles(ctx context.Context, files []store.SnapshotFileRef) error {
	var errs []error
	for _, f := range files {
		if err := s.storage.Delete(ctx, f.Key); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.st.MarkSnapshotFileRemoved(ctx, f.VersionID, f.Format); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
