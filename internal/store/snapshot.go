package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// This file keeps the manifests of the datasets' daily snapshots. A
// dataset's snapshot of a day is a sequence of versions: version 1 is
// taken that day; each later version re-issues the previous one without
// the rows that stopped being public. One version of a day is current;
// the ended ones are the auditable history. A current version is served
// only while it is clean: no withdrawal in the change log after its AsOf
// may concern a record in it (Pending), no row in it is past its
// publicity period (PublicUntil), and its file is not damaged.

// Snapshot is the manifest of one version of a dataset's snapshot of one
// day.
type Snapshot struct {
	ID            int64     `json:"-"`
	Dataset       string    `json:"dataset"`
	Day           time.Time `json:"-"` // the date, at 00:00 UTC
	Version       int       `json:"version"`
	State         string    `json:"state"` // current, superseded or withdrawn
	SchemaVersion string    `json:"schema_version"`
	Rows          int64     `json:"rows"`
	// ChangeSeq is the newest change-log entry of the dataset's entity
	// that the day's rows reflect.
	ChangeSeq int64 `json:"change_seq"`
	// AsOf is the change-log entry up to which every withdrawal is
	// applied to the rows.
	AsOf int64 `json:"as_of"`
	// MaxRecordID is the highest record id that existed when the day was
	// taken: a record with a higher id cannot be in the snapshot.
	MaxRecordID int64 `json:"-"`
	// PublicUntil is the last day on which every row is within its
	// publicity period; zero when no row has one.
	PublicUntil time.Time `json:"-"`
	TakenAt     time.Time `json:"taken_at"`  // when version 1 was taken
	IssuedAt    time.Time `json:"issued_at"` // when this version was
	// EndedAt, EndReason and SupersededBy (a version number) tell when and
	// why a version stopped being current.
	EndedAt      *time.Time     `json:"ended_at,omitempty"`
	EndReason    string         `json:"end_reason,omitempty"`
	SupersededBy int            `json:"superseded_by,omitempty"`
	Files        []SnapshotFile `json:"files"`
	// Source is the private copy of the rows that a re-issue reads; nil
	// for snapshots taken before re-issues existed.
	Source *SnapshotFile `json:"-"`
	// Pending reports a withdrawal committed after AsOf that may concern
	// a record in the snapshot: it must not be served until re-issued.
	Pending bool `json:"-"`
}

// SnapshotFile is one file of a snapshot.
type SnapshotFile struct {
	Format string `json:"format"`
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	// Key names the file's object in the snapshot storage.
	Key string `json:"-"`
	// Damage says why the stored object is unusable: missing, or not the
	// bytes of the manifest; "" when it is not known to be.
	Damage string `json:"-"`
}

// SourceFormat is the format of a snapshot's private copy of its rows.
const SourceFormat = "rows"

// File returns the snapshot's file in format, if it has one.
func (s Snapshot) File(format string) (SnapshotFile, bool) {
	for _, f := range s.Files {
		if f.Format == format {
			return f, true
		}
	}
	return SnapshotFile{}, false
}

// AllFiles is Files and the Source, if any.
func (s Snapshot) AllFiles() []SnapshotFile {
	if s.Source == nil {
		return s.Files
	}
	return append(append([]SnapshotFile(nil), s.Files...), *s.Source)
}

// Snapshot errors; compare with errors.Is.
var (
	// ErrSnapshotPending: the snapshot cannot be served now — it is being
	// re-issued or repaired; retry later.
	ErrSnapshotPending = errors.New("snapshot being re-issued")
	// ErrSnapshotWithdrawn: the day's snapshot was withdrawn whole and
	// nothing replaces it. It wraps ErrNotFound as well.
	ErrSnapshotWithdrawn = errors.New("snapshot withdrawn")
)

// SnapshotLease is held by the one process that takes and re-issues
// snapshots.
const SnapshotLease LeaseKey = 0x676f6e6773686903

// Release gives the lease up at once, then closes its connection. (Close
// alone leaves the lock to the server, which drops it only once it has
// noticed the connection is gone: a moment during which nobody can take
// it.)
func (l *Lease) Release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(l.key))
	l.conn.Close(ctx)
}

// SnapshotNamespace returns this database's snapshot namespace, creating
// it on first use: 32 hex digits that start every object key, so
// deployments on different databases never share an object.
func (s *Store) SnapshotNamespace(ctx context.Context) (string, error) {
	var ns string
	err := s.pool.QueryRow(ctx, `WITH ins AS (
			INSERT INTO snapshot_namespace (namespace) VALUES (replace(gen_random_uuid()::text, '-', ''))
			ON CONFLICT DO NOTHING RETURNING namespace)
		SELECT namespace FROM ins UNION ALL SELECT namespace FROM snapshot_namespace LIMIT 1`).Scan(&ns)
	if err != nil {
		return "", fmt.Errorf("store.SnapshotNamespace: %w", err)
	}
	return ns, nil
}

// snapshotColumns reads a version; $1 is its dataset's change-log entity,
// for Pending.
const snapshotColumns = `SELECT v.id, v.dataset, v.day, v.version, v.state::text, v.schema_version, v.row_count,
	v.change_seq, v.as_of, v.max_record_id, v.public_until, v.taken_at, v.issued_at, v.ended_at, v.end_reason,
	coalesce((SELECT n.version FROM snapshot_versions n WHERE n.id = v.superseded_by), 0),
	coalesce((SELECT json_agg(json_build_object('format', f.format, 'name', f.name, 'key', f.key, 'bytes', f.bytes,
		'sha256', f.sha256, 'damage', CASE WHEN f.damaged_at IS NULL THEN '' ELSE f.damage END) ORDER BY f.format)
		FROM snapshot_files f WHERE f.version_id = v.id), '[]'),
	v.state = 'current' AND EXISTS (SELECT FROM changes c WHERE c.entity = $1::text::change_entity
		AND c.seq > v.as_of AND c.op = 'withdraw' AND c.entity_id <= v.max_record_id)
	FROM snapshot_versions v `

// fileRow is SnapshotFile as snapshotColumns spells it.
type fileRow struct {
	Format string `json:"format"`
	Name   string `json:"name"`
	Key    string `json:"key"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	Damage string `json:"damage"`
}

func scanSnapshot(row pgx.Row) (Snapshot, error) {
	var s Snapshot
	var until *time.Time
	var files []fileRow
	err := row.Scan(&s.ID, &s.Dataset, &s.Day, &s.Version, &s.State, &s.SchemaVersion, &s.Rows, &s.ChangeSeq, &s.AsOf,
		&s.MaxRecordID, &until, &s.TakenAt, &s.IssuedAt, &s.EndedAt, &s.EndReason, &s.SupersededBy, &files, &s.Pending)
	if until != nil {
		s.PublicUntil = *until
	}
	s.Files = []SnapshotFile{}
	for _, f := range files {
		sf := SnapshotFile{Format: f.Format, Name: f.Name, Key: f.Key, Bytes: f.Bytes, SHA256: f.SHA256, Damage: f.Damage}
		if f.Format == SourceFormat {
			s.Source = &sf
		} else {
			s.Files = append(s.Files, sf)
		}
	}
	return s, err
}

// entityOf is the change-log entity of the dataset called name, "" for
// an unknown one.
func entityOf(name string) string {
	d, _ := DatasetByName(name)
	return string(d.Entity)
}

func (s *Store) querySnapshots(ctx context.Context, dataset, where string, args ...any) ([]Snapshot, error) {
	rows, err := s.pool.Query(ctx, snapshotColumns+where, append([]any{entityOf(dataset)}, args...)...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Snapshot, error) { return scanSnapshot(r) })
}

// Snapshots returns the current snapshot of each day of dataset, newest
// first.
func (s *Store) Snapshots(ctx context.Context, dataset string) ([]Snapshot, error) {
	snaps, err := s.querySnapshots(ctx, dataset, `WHERE v.dataset = $2 AND v.state = 'current' ORDER BY v.day DESC`, dataset)
	if err != nil {
		return nil, fmt.Errorf("store.Snapshots(%s): %w", dataset, err)
	}
	return snaps, nil
}

// Snapshot returns the current snapshot of dataset for day: ErrNotFound
// when there is none, ErrSnapshotWithdrawn (which is also ErrNotFound)
// when the day's snapshot was withdrawn whole.
func (s *Store) Snapshot(ctx context.Context, dataset string, day time.Time) (Snapshot, error) {
	snaps, err := s.querySnapshots(ctx, dataset, `WHERE v.dataset = $2 AND v.day = $3 AND v.state <> 'superseded'
		ORDER BY v.version DESC LIMIT 1`, dataset, day)
	switch {
	case err != nil:
		return Snapshot{}, fmt.Errorf("store.Snapshot(%s, %s): %w", dataset, day.Format(time.DateOnly), err)
	case len(snaps) == 0:
		return Snapshot{}, fmt.Errorf("store.Snapshot(%s, %s): %w", dataset, day.Format(time.DateOnly), ErrNotFound)
	case snaps[0].State == "withdrawn":
		return snaps[0], fmt.Errorf("store.Snapshot(%s, %s): %w (%s): %w", dataset, day.Format(time.DateOnly),
			ErrSnapshotWithdrawn, snaps[0].EndReason, ErrNotFound)
	}
	return snaps[0], nil
}

// SnapshotHistory returns every version of dataset's snapshot of day,
// newest first: what was published, and when and why it was replaced.
func (s *Store) SnapshotHistory(ctx context.Context, dataset string, day time.Time) ([]Snapshot, error) {
	snaps, err := s.querySnapshots(ctx, dataset, `WHERE v.dataset = $2 AND v.day = $3 ORDER BY v.version DESC`, dataset, day)
	if err != nil {
		return nil, fmt.Errorf("store.SnapshotHistory(%s, %s): %w", dataset, day.Format(time.DateOnly), err)
	}
	return snaps, nil
}

// SnapshotsToHeal returns the current snapshots of dataset that must not
// be served as they are: Pending, past their PublicUntil on today, or with
// a damaged file.
func (s *Store) SnapshotsToHeal(ctx context.Context, dataset string, today time.Time) ([]Snapshot, error) {
	snaps, err := s.querySnapshots(ctx, dataset, `WHERE v.dataset = $2 AND v.state = 'current' AND (
		EXISTS (SELECT FROM changes c WHERE c.entity = $1::text::change_entity AND c.seq > v.as_of AND c.op = 'withdraw'
			AND c.entity_id <= v.max_record_id)
		OR v.public_until < $3
		OR EXISTS (SELECT FROM snapshot_files f WHERE f.version_id = v.id AND f.damaged_at IS NOT NULL))
		ORDER BY v.day DESC`, dataset, today)
	if err != nil {
		return nil, fmt.Errorf("store.SnapshotsToHeal(%s): %w", dataset, err)
	}
	return snaps, nil
}

// RecordSnapshot stores version 1 of a day's snapshot, with its files,
// and returns it as stored. A day that has a snapshot (in any state) is
// ErrConflict.
func (s *Store) RecordSnapshot(ctx context.Context, snap Snapshot) (Snapshot, error) {
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = insertVersion(ctx, tx, snap, 1, nil)
		return err
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("store.RecordSnapshot(%s, %s): %w", snap.Dataset, snap.Day.Format(time.DateOnly), err)
	}
	return s.snapshotByID(ctx, snap.Dataset, id)
}

func (s *Store) snapshotByID(ctx context.Context, dataset string, id int64) (Snapshot, error) {
	snaps, err := s.querySnapshots(ctx, dataset, `WHERE v.id = $2`, id)
	if err == nil && len(snaps) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return Snapshot{}, fmt.Errorf("store.snapshot(%d): %w", id, err)
	}
	return snaps[0], nil
}

// insertVersion inserts snap as version of its day, with its files;
// takenAt nil means now.
func insertVersion(ctx context.Context, tx pgx.Tx, snap Snapshot, version int, takenAt *time.Time) (int64, error) {
	var until *time.Time
	if !snap.PublicUntil.IsZero() {
		until = &snap.PublicUntil
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO snapshot_versions (dataset, day, version, schema_version, row_count, change_seq,
			as_of, max_record_id, public_until, taken_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10::timestamptz, now())) ON CONFLICT DO NOTHING RETURNING id`,
		snap.Dataset, snap.Day, version, snap.SchemaVersion, snap.Rows, snap.ChangeSeq, snap.AsOf, snap.MaxRecordID,
		until, takenAt).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("%w: version %d of the %s snapshot of %s exists", ErrConflict, version, snap.Dataset,
			snap.Day.Format(time.DateOnly))
	}
	if err != nil {
		return 0, AsConflict(err)
	}
	for _, f := range snap.AllFiles() {
		if _, err := tx.Exec(ctx, `INSERT INTO snapshot_files (version_id, format, name, key, bytes, sha256, verified_at)
			VALUES ($1, $2, $3, $4, $5, $6, now())`, id, f.Format, f.Name, f.Key, f.Bytes, f.SHA256); err != nil {
			return 0, AsConflict(err)
		}
	}
	return id, nil
}

// ReissueSnapshot replaces the current version old with next, which
// becomes version old.Version+1 of the same day (its TakenAt, ChangeSeq
// and MaxRecordID are old's), recording why. old must still be current
// with the same AsOf, else nothing changes and the error is ErrConflict.
// Listeners of ChangesChannel are woken, so caches drop the old manifest.
func (s *Store) ReissueSnapshot(ctx context.Context, old, next Snapshot, reason string) (Snapshot, error) {
	next.Dataset, next.Day, next.TakenAt, next.ChangeSeq, next.MaxRecordID = old.Dataset, old.Day, old.TakenAt, old.ChangeSeq, old.MaxRecordID
	var id int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE snapshot_versions SET state = 'superseded', ended_at = now(), end_reason = $3
			WHERE id = $1 AND state = 'current' AND as_of = $2`, old.ID, old.AsOf, reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: version %d is no longer current at %d", ErrConflict, old.Version, old.AsOf)
		}
		if id, err = insertVersion(ctx, tx, next, old.Version+1, &old.TakenAt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE snapshot_versions SET superseded_by = $2 WHERE id = $1`, old.ID, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, 'snapshot')`, ChangesChannel)
		return err
	})
	if err != nil {
		return Snapshot{}, fmt.Errorf("store.ReissueSnapshot(%s, %s, v%d): %w", old.Dataset, old.Day.Format(time.DateOnly),
			old.Version, err)
	}
	return s.snapshotByID(ctx, old.Dataset, id)
}

// WithdrawSnapshot ends the current version snap, still at snap.AsOf,
// with nothing to replace it (ErrConflict when it is no longer current
// there).
func (s *Store) WithdrawSnapshot(ctx context.Context, snap Snapshot, reason string) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE snapshot_versions SET state = 'withdrawn', ended_at = now(), end_reason = $3
			WHERE id = $1 AND state = 'current' AND as_of = $2`, snap.ID, snap.AsOf, reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: version %d is no longer current at %d", ErrConflict, snap.Version, snap.AsOf)
		}
		_, err = tx.Exec(ctx, `SELECT pg_notify($1, 'snapshot')`, ChangesChannel)
		return err
	})
	if err != nil {
		return fmt.Errorf("store.WithdrawSnapshot(%s, %s): %w", snap.Dataset, snap.Day.Format(time.DateOnly), err)
	}
	return nil
}

// AdvanceSnapshots moves the AsOf of dataset's current snapshots that no
// withdrawal up to the change log's newest entry concerns to that entry,
// and returns it. Entries commit in seq order, so every one up to it is
// visible to the same statement.
func (s *Store) AdvanceSnapshots(ctx context.Context, dataset string) (int64, error) {
	var head int64
	err := s.pool.QueryRow(ctx, `WITH h AS (SELECT coalesce(max(seq), 0) AS head FROM changes),
		upd AS (UPDATE snapshot_versions v SET as_of = h.head FROM h
			WHERE v.dataset = $2 AND v.state = 'current' AND v.as_of < h.head AND NOT EXISTS (
				SELECT FROM changes c WHERE c.entity = $1::text::change_entity AND c.seq > v.as_of AND c.seq <= h.head
					AND c.op = 'withdraw' AND c.entity_id <= v.max_record_id))
		SELECT head FROM h`, entityOf(dataset), dataset).Scan(&head)
	if err != nil {
		return 0, fmt.Errorf("store.AdvanceSnapshots(%s): %w", dataset, err)
	}
	return head, nil
}

// AdvanceSnapshot moves the AsOf of the current version snap from
// snap.AsOf to to, after its rows were found to hold none of the records
// withdrawn up to to. It reports false when the version is no longer
// current at snap.AsOf.
func (s *Store) AdvanceSnapshot(ctx context.Context, snap Snapshot, to int64) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE snapshot_versions SET as_of = $3 WHERE id = $1 AND state = 'current' AND as_of = $2`,
		snap.ID, snap.AsOf, to)
	if err != nil {
		return false, fmt.Errorf("store.AdvanceSnapshot(%d): %w", snap.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// RecordWithdrawal is a record withdrawn through the change log.
type RecordWithdrawal struct {
	ID     int64
	Reason string
}

// SnapshotWithdrawals returns the records of snap's dataset withdrawn
// after snap.AsOf up to the change-log entry upTo that may be in snap,
// each once with its latest reason, in id order.
func (s *Store) SnapshotWithdrawals(ctx context.Context, snap Snapshot, upTo int64) ([]RecordWithdrawal, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (entity_id) entity_id, reason::text FROM changes
		WHERE entity = $1::text::change_entity AND seq > $2 AND seq <= $3 AND op = 'withdraw' AND entity_id <= $4
		ORDER BY entity_id, seq DESC`, entityOf(snap.Dataset), snap.AsOf, upTo, snap.MaxRecordID)
	if err != nil {
		return nil, fmt.Errorf("store.SnapshotWithdrawals(%s, %s): %w", snap.Dataset, snap.Day.Format(time.DateOnly), err)
	}
	ws, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RecordWithdrawal, error) {
		var w RecordWithdrawal
		return w, r.Scan(&w.ID, &w.Reason)
	})
	if err != nil {
		return nil, fmt.Errorf("store.SnapshotWithdrawals(%s, %s): %w", snap.Dataset, snap.Day.Format(time.DateOnly), err)
	}
	return ws, nil
}

// RecordKey identifies a record's row in a dataset export: the issuing
// agency's credit code and the decision number, the values of the
// fields named agency_code and decision_no as exported (a decision number
// is free text, masked like any other).
type RecordKey struct {
	AgencyCode string
	DecisionNo string
}

// RecordKeys returns the keys of dataset's records with the given ids,
// whatever their state, by id, as the public read path exports them.
func (p *Public) RecordKeys(ctx context.Context, dataset string, ids []int64) (map[int64]RecordKey, error) {
	keys, err := p.s.recordKeys(ctx, dataset, ids)
	for id, k := range keys {
		k.DecisionNo = p.rules.Text(k.DecisionNo)
		keys[id] = k
	}
	return keys, err
}

// recordKeys returns the keys of dataset's records with the given ids as
// stored.
func (s *Store) recordKeys(ctx context.Context, dataset string, ids []int64) (map[int64]RecordKey, error) {
	var table string
	switch Entity(entityOf(dataset)) {
	case EntityPenalty:
		table = "penalties"
	case EntityPermit:
		table = "permits"
	default:
		return nil, fmt.Errorf("store.RecordKeys(%s): %w: the dataset has no records", dataset, ErrNotFound)
	}
	rows, err := s.pool.Query(ctx, `SELECT r.id, a.credit_code, r.decision_no FROM `+table+` r
		JOIN agencies a ON a.id = r.agency_id WHERE r.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("store.RecordKeys(%s): %w", dataset, err)
	}
	out := make(map[int64]RecordKey, len(ids))
	var id int64
	var k RecordKey
	_, err = pgx.ForEachRow(rows, []any{&id, &k.AgencyCode, &k.DecisionNo}, func() error {
		out[id] = k
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store.RecordKeys(%s): %w", dataset, err)
	}
	return out, nil
}

// MaxRecordID returns the highest id of dataset's records (0 for a
// dataset without records, or none yet).
func (s *Store) MaxRecordID(ctx context.Context, dataset string) (int64, error) {
	var q string
	switch Entity(entityOf(dataset)) {
	case EntityPenalty:
		q = `SELECT coalesce(max(id), 0) FROM penalties`
	case EntityPermit:
		q = `SELECT coalesce(max(id), 0) FROM permits`
	default:
		return 0, nil
	}
	var id int64
	if err := s.pool.QueryRow(ctx, q).Scan(&id); err != nil {
		return 0, fmt.Errorf("store.MaxRecordID(%s): %w", dataset, err)
	}
	return id, nil
}

// MarkSnapshotFileDamaged records that the stored object of a version's
// file is missing or different from its manifest.
func (s *Store) MarkSnapshotFileDamaged(ctx context.Context, versionID int64, format, damage string) error {
	_, err := s.pool.Exec(ctx, `UPDATE snapshot_files SET damaged_at = coalesce(damaged_at, now()), damage = $3
		WHERE version_id = $1 AND format = $2`, versionID, format, damage)
	if err != nil {
		return fmt.Errorf("store.MarkSnapshotFileDamaged(%d, %s): %w", versionID, format, err)
	}
	return nil
}

// MarkSnapshotFileVerified records that a version's file was read back
// whole and matched its manifest; a file marked damaged stays damaged.
func (s *Store) MarkSnapshotFileVerified(ctx context.Context, versionID int64, format string) error {
	_, err := s.pool.Exec(ctx, `UPDATE snapshot_files SET verified_at = now()
		WHERE version_id = $1 AND format = $2 AND damaged_at IS NULL`, versionID, format)
	if err != nil {
		return fmt.Errorf("store.MarkSnapshotFileVerified(%d, %s): %w", versionID, format, err)
	}
	return nil
}

// ClearSnapshotFileDamage withdraws a report of damage that a new check
// of the stored object found wrong, and records that check.
func (s *Store) ClearSnapshotFileDamage(ctx context.Context, versionID int64, format string) error {
	_, err := s.pool.Exec(ctx, `UPDATE snapshot_files SET damaged_at = NULL, damage = '', verified_at = now()
		WHERE version_id = $1 AND format = $2`, versionID, format)
	if err != nil {
		return fmt.Errorf("store.ClearSnapshotFileDamage(%d, %s): %w", versionID, format, err)
	}
	return nil
}

// SnapshotFileRef is a file together with the version it belongs to.
type SnapshotFileRef struct {
	VersionID int64
	Dataset   string
	Day       time.Time
	SnapshotFile
}

// fileRefColumns are the columns collectFileRefs reads, of snapshot_files
// f and its version v.
const fileRefColumns = `f.version_id, v.dataset, v.day, f.format, f.name, f.key, f.bytes, f.sha256`

func collectFileRefs(rows pgx.Rows) ([]SnapshotFileRef, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SnapshotFileRef, error) {
		var f SnapshotFileRef
		return f, r.Scan(&f.VersionID, &f.Dataset, &f.Day, &f.Format, &f.Name, &f.Key, &f.Bytes, &f.SHA256)
	})
}

// SnapshotFilesToVerify returns up to limit files of current versions,
// not known to be damaged, last verified before before (or never),
// least recently verified first.
func (s *Store) SnapshotFilesToVerify(ctx context.Context, before time.Time, limit int) ([]SnapshotFileRef, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+fileRefColumns+` FROM snapshot_files f JOIN snapshot_versions v ON v.id = f.version_id
		WHERE v.state = 'current' AND f.damaged_at IS NULL AND (f.verified_at IS NULL OR f.verified_at < $1)
		ORDER BY f.verified_at NULLS FIRST LIMIT $2`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("store.SnapshotFilesToVerify: %w", err)
	}
	refs, err := collectFileRefs(rows)
	if err != nil {
		return nil, fmt.Errorf("store.SnapshotFilesToVerify: %w", err)
	}
	return refs, nil
}

// EndedSnapshotFiles returns the files of ended versions whose objects
// were not yet removed from the storage; a key a current version also
// uses is left out.
func (s *Store) EndedSnapshotFiles(ctx context.Context) ([]SnapshotFileRef, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+fileRefColumns+` FROM snapshot_files f JOIN snapshot_versions v ON v.id = f.version_id
		WHERE v.state <> 'current' AND f.removed_at IS NULL AND NOT EXISTS (
			SELECT FROM snapshot_files g JOIN snapshot_versions w ON w.id = g.version_id
			WHERE w.state = 'current' AND g.key = f.key)`)
	if err != nil {
		return nil, fmt.Errorf("store.EndedSnapshotFiles: %w", err)
	}
	refs, err := collectFileRefs(rows)
	if err != nil {
		return nil, fmt.Errorf("store.EndedSnapshotFiles: %w", err)
	}
	return refs, nil
}

// MarkSnapshotFileRemoved records that a file's object was deleted.
func (s *Store) MarkSnapshotFileRemoved(ctx context.Context, versionID int64, format string) error {
	_, err := s.pool.Exec(ctx, `UPDATE snapshot_files SET removed_at = now() WHERE version_id = $1 AND format = $2`,
		versionID, format)
	if err != nil {
		return fmt.Errorf("store.MarkSnapshotFileRemoved(%d, %s): %w", versionID, format, err)
	}
	return nil
}

// SnapshotKeys returns every object key a recorded file uses whose object
// was not removed, so that the storage can be swept of any other.
func (s *Store) SnapshotKeys(ctx context.Context) (map[string]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT key FROM snapshot_files WHERE removed_at IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("store.SnapshotKeys: %w", err)
	}
	keys := map[string]bool{}
	var k string
	if _, err := pgx.ForEachRow(rows, []any{&k}, func() error { keys[k] = true; return nil }); err != nil {
		return nil, fmt.Errorf("store.SnapshotKeys: %w", err)
	}
	return keys, nil
}

// DeleteSnapshotsBefore removes every version of dataset's snapshots of
// days before day, and returns their files whose objects were not
// removed yet, so they can go.
func (s *Store) DeleteSnapshotsBefore(ctx context.Context, dataset string, day time.Time) ([]SnapshotFileRef, error) {
	rows, err := s.pool.Query(ctx, `WITH gone AS (
			DELETE FROM snapshot_versions WHERE dataset = $1 AND day < $2 RETURNING id, dataset, day)
		SELECT `+fileRefColumns+` FROM gone v JOIN snapshot_files f ON f.version_id = v.id WHERE f.removed_at IS NULL`, dataset, day)
	if err != nil {
		return nil, fmt.Errorf("store.DeleteSnapshotsBefore(%s): %w", dataset, err)
	}
	refs, err := collectFileRefs(rows)
	if err != nil {
		return nil, fmt.Errorf("store.DeleteSnapshotsBefore(%s): %w", dataset, err)
	}
	return refs, nil
}

// SnapshotHealth counts what keeps current snapshots from being served.
type SnapshotHealth struct {
	// Unservable counts current versions that are Pending, past their
	// PublicUntil, or with a damaged file.
	Unservable int
	// Damaged lists the damaged files of current versions as
	// "dataset/day/format: damage".
	Damaged []string
}

// SnapshotHealth reports on the current snapshots as of today.
func (s *Store) SnapshotHealth(ctx context.Context, today time.Time) (SnapshotHealth, error) {
	var h SnapshotHealth
	for _, d := range Datasets {
		snaps, err := s.SnapshotsToHeal(ctx, d.Name, today)
		if err != nil {
			return h, err
		}
		h.Unservable += len(snaps)
		for _, v := range snaps {
			for _, f := range v.AllFiles() {
				if f.Damage != "" {
					h.Damaged = append(h.Damaged, fmt.Sprintf("%s/%s/%s: %s", v.Dataset, v.Day.Format(time.DateOnly), f.Format, f.Damage))
				}
			}
		}
	}
	return h, nil
}
