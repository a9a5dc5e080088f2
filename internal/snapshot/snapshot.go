// Package snapshot owns the daily snapshots of the open datasets: once a
// day every dataset is exported, in one pass over one consistent database
// snapshot, into a file per format, stored under a content-addressed key
// in a blob.Storage (a local directory or an S3 bucket); the manifest —
// row count, schema version, size and SHA-256 of each file — is recorded
// in PostgreSQL only once every file is stored.
//
// A stored file never changes, but a snapshot stops being published as it
// was when a record in it stops being public. The rule, the same for every
// withdrawal reason (revoked, corrected, repaired, expired) and for a
// penalty whose publicity period ends without one: each affected snapshot
// is re-issued without the record's row — a new version of the day, with
// new files, whose manifest says which version it replaces, why and when
// — and the replaced files are deleted. A record withdrawn as corrected
// and published again is not put back into earlier days: its corrected
// form was never public on them. Until the new version is recorded, the
// old one is not served at all (ErrSnapshotPending): a version is served
// only while no withdrawal in the change log after its AsOf can concern
// one of its records, no row in it is past its publicity period, and its
// file matches its manifest. One process at a time (a PostgreSQL lease)
// takes, re-issues and repairs; every process serves.
//
// Service also serves the datasets' live exports, so it is what the HTTP
// layer's DatasetStore is.
package snapshot

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongshi/gongshi/internal/blob"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/store"
)

// Exporter is the public read path the snapshots are exported from
// (*store.Public): snapshots are public outputs.
type Exporter interface {
	DatasetState(ctx context.Context, name string) (store.DatasetState, error)
	ExportDataset(ctx context.Context, name string, start func(store.DatasetState) error, row func([]string) error) error
	// Today is the current date in China Standard Time, at 00:00 UTC.
	Today() time.Time
	// RecordKeys identifies records' rows in the exports, by record id.
	RecordKeys(ctx context.Context, dataset string, ids []int64) (map[int64]store.RecordKey, error)
}

// Manifests is where the snapshots' manifests are kept (*store.Store).
type Manifests interface {
	SnapshotNamespace(ctx context.Context) (string, error)
	Snapshots(ctx context.Context, dataset string) ([]store.Snapshot, error)
	Snapshot(ctx context.Context, dataset string, day time.Time) (store.Snapshot, error)
	SnapshotHistory(ctx context.Context, dataset string, day time.Time) ([]store.Snapshot, error)
	SnapshotsToHeal(ctx context.Context, dataset string, today time.Time) ([]store.Snapshot, error)
	RecordSnapshot(ctx context.Context, snap store.Snapshot) (store.Snapshot, error)
	ReissueSnapshot(ctx context.Context, old, next store.Snapshot, reason string) (store.Snapshot, error)
	WithdrawSnapshot(ctx context.Context, snap store.Snapshot, reason string) error
	AdvanceSnapshots(ctx context.Context, dataset string) (int64, error)
	AdvanceSnapshot(ctx context.Context, snap store.Snapshot, to int64) (bool, error)
	SnapshotWithdrawals(ctx context.Context, snap store.Snapshot, upTo int64) ([]store.RecordWithdrawal, error)
	MaxRecordID(ctx context.Context, dataset string) (int64, error)
	MarkSnapshotFileDamaged(ctx context.Context, versionID int64, format, damage string) error
	MarkSnapshotFileVerified(ctx context.Context, versionID int64, format string) error
	ClearSnapshotFileDamage(ctx context.Context, versionID int64, format string) error
	SnapshotFilesToVerify(ctx context.Context, before time.Time, limit int) ([]store.SnapshotFileRef, error)
	EndedSnapshotFiles(ctx context.Context) ([]store.SnapshotFileRef, error)
	MarkSnapshotFileRemoved(ctx context.Context, versionID int64, format string) error
	SnapshotKeys(ctx context.Context) (map[string]bool, error)
	DeleteSnapshotsBefore(ctx context.Context, dataset string, day time.Time) ([]store.SnapshotFileRef, error)
	SnapshotHealth(ctx context.Context, today time.Time) (store.SnapshotHealth, error)
	TryLease(ctx context.Context, key store.LeaseKey) (*store.Lease, error)
}

// Service takes, re-issues, repairs, lists and opens snapshots, and
// streams the live datasets from the public read path.
type Service struct {
	st      Manifests
	pub     Exporter
	storage blob.Storage
	log     *slog.Logger

	// Formats are the files of each snapshot (default: every format).
	Formats []export.Format
	// KeepDays, when positive, removes snapshots older than that many days;
	// 0 keeps every snapshot.
	KeepDays int
	// VerifyEvery is how often each stored file is read back and checked
	// against its SHA-256 (default a day; 0: never). Sizes are checked on
	// every open, and a whole download checks the SHA-256.
	VerifyEvery time.Duration
	// Poll is how often the active process looks for work when no change
	// wakes it (default 30 s); Standby how often a standby tries to take
	// over (default 5 s).
	Poll, Standby time.Duration
	// TempDir holds files being written ("" is the system's).
	TempDir string

	reissued *prometheus.CounterVec
	damaged  prometheus.Counter
}

// New returns a Service keeping its files in the directory dir.
func New(st Manifests, pub Exporter, dir string, log *slog.Logger) *Service {
	return NewWithStorage(st, pub, blob.NewDir(dir), log)
}

// NewWithStorage returns a Service keeping its files in storage.
func NewWithStorage(st Manifests, pub Exporter, storage blob.Storage, log *slog.Logger) *Service {
	return &Service{st: st, pub: pub, storage: storage, log: log, Formats: export.Formats,
		VerifyEvery: 24 * time.Hour, Poll: 30 * time.Second, Standby: 5 * time.Second,
		reissued: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gongshi_snapshot_reissues_total",
			Help: "Snapshot versions this process issued to replace one, by why: withdrawn, expired, damaged.",
		}, []string{"reason"}),
		damaged: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "gongshi_snapshot_damage_found_total",
			Help: "Stored snapshot files this process found missing or different from their manifest.",
		}),
	}
}

// DatasetState is the current version of a dataset's live content.
func (s *Service) DatasetState(ctx context.Context, name string) (store.DatasetState, error) {
	return s.pub.DatasetState(ctx, name)
}

// ExportDataset streams a dataset's live public rows.
func (s *Service) ExportDataset(ctx context.Context, name string, start func(store.DatasetState) error, row func([]string) error) error {
	return s.pub.ExportDataset(ctx, name, start, row)
}

// Snapshots returns the current snapshot of each day of dataset, newest
// first. A snapshot waiting to be re-issued is listed, but its files are
// not served until it is.
func (s *Service) Snapshots(ctx context.Context, dataset string) ([]store.Snapshot, error) {
	if _, ok := store.DatasetByName(dataset); !ok {
		return nil, fmt.Errorf("snapshot.Snapshots(%q): %w", dataset, store.ErrNotFound)
	}
	return s.st.Snapshots(ctx, dataset)
}

// Snapshot returns the manifest of dataset's current snapshot of day;
// a day withdrawn whole is store.ErrSnapshotWithdrawn (and ErrNotFound).
func (s *Service) Snapshot(ctx context.Context, dataset string, day time.Time) (store.Snapshot, error) {
	if _, ok := store.DatasetByName(dataset); !ok {
		return store.Snapshot{}, fmt.Errorf("snapshot.Snapshot(%q): %w", dataset, store.ErrNotFound)
	}
	return s.st.Snapshot(ctx, dataset, day)
}

// History returns every version of dataset's snapshot of day, newest
// first, with when and why each ended.
func (s *Service) History(ctx context.Context, dataset string, day time.Time) ([]store.Snapshot, error) {
	if _, ok := store.DatasetByName(dataset); !ok {
		return nil, fmt.Errorf("snapshot.History(%q): %w", dataset, store.ErrNotFound)
	}
	return s.st.SnapshotHistory(ctx, dataset, day)
}

// ErrMissingFile reports a stored file that is missing or differs from
// its manifest and cannot be repaired: the snapshot's source copy is
// damaged too.
var ErrMissingFile = errors.New("snapshot file missing")

// UnavailableError is why a snapshot's file cannot be served now; it is
// store.ErrSnapshotPending, and RetryAfter says when to try again.
type UnavailableError struct {
	Reason string
	Retry  time.Duration
}

func (e *UnavailableError) Error() string { return "snapshot unavailable: " + e.Reason }

// Is makes the error store.ErrSnapshotPending.
func (e *UnavailableError) Is(target error) bool { return target == store.ErrSnapshotPending }

// RetryAfter is how long a client should wait before asking again.
func (e *UnavailableError) RetryAfter() time.Duration { return e.Retry }

// retryAfter is what clients are told to wait while a snapshot is being
// re-issued or repaired, which the active process starts within
// moments of the cause.
const retryAfter = 10 * time.Second

// unservable says why snap's file f must not be served now, "" if it may
// be, and whether a repair can cure it.
func (s *Service) unservable(snap store.Snapshot, f store.SnapshotFile) (string, bool) {
	switch {
	case snap.Pending:
		return "a record in it was withdrawn; it is being re-issued without it", true
	case !snap.PublicUntil.IsZero() && snap.PublicUntil.Before(s.pub.Today()):
		return "a record in it reached the end of its publicity period; it is being re-issued without it", true
	case f.Damage != "" && (snap.Source == nil || snap.Source.Damage != ""):
		return "the stored file is damaged (" + f.Damage + ") and cannot be rebuilt", false
	case f.Damage != "":
		return "the stored file is damaged; it is being rebuilt", true
	}
	return "", true
}

// OpenSnapshotFile opens the file in format of dataset's current snapshot
// of day, for streaming: it reads from the storage as the caller reads,
// and seeks for Range requests. A snapshot or format that does not exist
// is store.ErrNotFound; one that must not be served now is an
// *UnavailableError (store.ErrSnapshotPending); a damaged file that
// cannot be repaired is ErrMissingFile. A file found missing or of the
// wrong size is recorded as damaged; one read whole whose SHA-256 is
// wrong fails its last read, so no client ever receives it whole, and is
// recorded as damaged too.
func (s *Service) OpenSnapshotFile(ctx context.Context, dataset string, day time.Time, format export.Format) (io.ReadSeekCloser, store.Snapshot, store.SnapshotFile, error) {
	for attempt := 0; ; attempt++ {
		snap, err := s.Snapshot(ctx, dataset, day)
		if err != nil {
			return nil, snap, store.SnapshotFile{}, err
		}
		sf, ok := snap.File(string(format))
		if !ok {
			return nil, snap, sf, fmt.Errorf("snapshot.OpenSnapshotFile(%s, %s, %s): %w", dataset, day.Format(time.DateOnly), format, store.ErrNotFound)
		}
		if why, curable := s.unservable(snap, sf); why != "" {
			if !curable {
				return nil, snap, sf, fmt.Errorf("snapshot.OpenSnapshotFile(%s): %w: %s", sf.Name, ErrMissingFile, why)
			}
			return nil, snap, sf, &UnavailableError{Reason: why, Retry: retryAfter}
		}
		o, err := s.storage.Open(ctx, sf.Key)
		damage := ""
		switch {
		case errors.Is(err, blob.ErrNotExist):
			damage = "missing from the storage"
		case err != nil:
			return nil, snap, sf, fmt.Errorf("snapshot.OpenSnapshotFile(%s): %w", sf.Name, err)
		case o.Info().Size != sf.Bytes:
			damage = sizeDamage(o.Info().Size, sf.Bytes)
			o.Close()
		}
		if damage == "" {
			return &verifyingReader{Object: o, size: sf.Bytes, want: sf.SHA256, h: sha256.New(), armed: true,
				onDamage: func(damage string) { s.markDamaged(context.WithoutCancel(ctx), snap, sf, damage) }}, snap, sf, nil
		}
		// A version re-issued since the manifest was read has had its
		// files deleted: that is no damage; open the new one.
		if cur, err := s.Snapshot(ctx, dataset, day); err == nil && cur.ID != snap.ID && attempt == 0 {
			continue
		}
		s.markDamaged(ctx, snap, sf, damage)
		return nil, snap, sf, &UnavailableError{Reason: "the stored file is damaged; it is being rebuilt", Retry: retryAfter}
	}
}

// markDamaged records a damaged file, so that no process serves it and
// the active one rebuilds it.
func (s *Service) markDamaged(ctx context.Context, snap store.Snapshot, f store.SnapshotFile, damage string) {
	s.damaged.Inc()
	s.log.ErrorContext(ctx, "snapshot file damaged", "dataset", snap.Dataset, "day", snap.Day.Format(time.DateOnly),
		"version", snap.Version, "file", f.Name, "key", f.Key, "damage", damage)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.st.MarkSnapshotFileDamaged(ctx, snap.ID, f.Format, damage); err != nil {
		s.log.ErrorContext(ctx, "snapshot: cannot record a damaged file", "file", f.Name, "err", err)
	}
}

// errDamagedFile ends a read of a file whose content is not its
// manifest's.
var errDamagedFile = errors.New("snapshot file does not match its SHA-256")

// verifyingReader hashes what is read in sequence from the start; when
// the last byte is reached and the sum is wrong, it reports the damage
// and fails that read instead of returning the last bytes. A seek away
// from the position the hash has reached (a Range request) ends the
// check; a seek back to the start restarts it.
type verifyingReader struct {
	blob.Object
	size     int64
	want     string
	h        hash.Hash
	pos      int64 // where the next read starts
	hashed   int64 // bytes hashed, from the start
	armed    bool
	onDamage func(string)
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.Object.Read(p)
	if v.armed && v.pos == v.hashed {
		v.h.Write(p[:n])
		v.hashed += int64(n)
		if v.hashed >= v.size {
			v.armed = false
			if damage := sumDamage(v.h, v.want); damage != "" || v.hashed > v.size {
				if damage == "" {
					damage = "longer than its manifest says"
				}
				v.onDamage(damage)
				return 0, errDamagedFile
			}
		}
	}
	v.pos += int64(n)
	return n, err
}

func (v *verifyingReader) Seek(offset int64, whence int) (int64, error) {
	pos, err := v.Object.Seek(offset, whence)
	if err != nil {
		return pos, err
	}
	v.pos = pos
	if pos == 0 {
		v.h.Reset()
		v.hashed, v.armed = 0, true
	}
	return pos, nil
}
