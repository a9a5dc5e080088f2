package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func snapshotDay(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }

func testSnapshot(d int, seq int64) store.Snapshot {
	sum := func(c string) string { return strings.Repeat(c, 64) }
	dir := fmt.Sprintf("ns/penalties/%d/", d)
	return store.Snapshot{Dataset: "penalties", Day: snapshotDay(d), SchemaVersion: "abc", Rows: int64(d), ChangeSeq: seq,
		AsOf: seq, MaxRecordID: 2, PublicUntil: snapshotDay(28),
		Files: []store.SnapshotFile{
			{Format: "csv", Name: "gongshi-penalties-x.csv", Key: dir + "a.csv", Bytes: 10, SHA256: sum("a")},
			{Format: "xlsx", Name: "gongshi-penalties-x.xlsx", Key: dir + "b.xlsx", Bytes: 20, SHA256: sum("b")},
		},
		Source: &store.SnapshotFile{Format: store.SourceFormat, Name: "gongshi-penalties-x.rows.ndjson.gz",
			Key: dir + "c.rows.ndjson.gz", Bytes: 5, SHA256: sum("c")}}
}

func TestSnapshotManifests(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	for _, d := range []int{23, 25, 24} {
		if _, err := s.RecordSnapshot(ctx, testSnapshot(d, 0)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.RecordSnapshot(ctx, testSnapshot(25, 0)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("recording a day twice: %v, want ErrConflict", err)
	}
	list, err := s.Snapshots(ctx, "penalties")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || !list[0].Day.Equal(snapshotDay(25)) || !list[2].Day.Equal(snapshotDay(23)) ||
		len(list[0].Files) != 2 || list[0].TakenAt.IsZero() || list[0].Version != 1 || list[0].State != "current" {
		t.Fatalf("snapshots: %+v", list)
	}
	if f, ok := list[0].File("xlsx"); !ok || f.Bytes != 20 || f.Key != "ns/penalties/25/b.xlsx" {
		t.Errorf("xlsx file: %+v", f)
	}
	if src := list[0].Source; src == nil || src.Format != store.SourceFormat || len(list[0].AllFiles()) != 3 {
		t.Errorf("source: %+v", src)
	}
	got, err := s.Snapshot(ctx, "penalties", snapshotDay(24))
	if err != nil || got.Rows != 24 || !got.PublicUntil.Equal(snapshotDay(28)) || got.MaxRecordID != 2 || got.Pending {
		t.Errorf("snapshot of the 24th: %+v %v", got, err)
	}
	if _, err := s.Snapshot(ctx, "penalties", snapshotDay(1)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing day: %v", err)
	}
	bad := testSnapshot(26, 0)
	bad.Files[0].SHA256 = "not hex"
	if _, err := s.RecordSnapshot(ctx, bad); err == nil {
		t.Error("a bad checksum was recorded")
	}
	if _, err := s.Snapshot(ctx, "penalties", snapshotDay(26)); !errors.Is(err, store.ErrNotFound) {
		t.Error("a failed recording left a manifest")
	}
	gone, err := s.DeleteSnapshotsBefore(ctx, "penalties", snapshotDay(25))
	if err != nil || len(gone) != 6 {
		t.Errorf("pruned %d files (%v), want the 3 of the 23rd and the 3 of the 24th", len(gone), err)
	}
}

// TestSnapshotPendingAfterWithdrawal: a withdrawal committed after a
// snapshot's AsOf makes it Pending when the record may be in it (its id
// is not above MaxRecordID), and AdvanceSnapshots moves only the others.
func TestSnapshotPendingAfterWithdrawal(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	actor := store.Actor{Name: "test"}
	if _, err := s.UpsertPenalties(ctx, actor, []domain.Penalty{testenv.Penalty(1), testenv.Penalty(2)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	head, _ := s.LastChangeSeq(ctx)
	older := testSnapshot(23, head)
	older.MaxRecordID = 1 // taken when only record 1 existed
	newer := testSnapshot(24, head)
	for _, snap := range []store.Snapshot{older, newer} {
		if _, err := s.RecordSnapshot(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Withdraw(ctx, actor, store.EntityPenalty, 2, domain.ReasonRepaired, "信用修复"); err != nil {
		t.Fatal(err)
	}
	o, _ := s.Snapshot(ctx, "penalties", snapshotDay(23))
	n, _ := s.Snapshot(ctx, "penalties", snapshotDay(24))
	if o.Pending || !n.Pending {
		t.Fatalf("pending: older %v (record 2 cannot be in it), newer %v", o.Pending, n.Pending)
	}
	newHead, err := s.AdvanceSnapshots(ctx, "penalties")
	if err != nil || newHead != head+1 {
		t.Fatalf("advance: %d %v, want %d", newHead, err, head+1)
	}
	o, _ = s.Snapshot(ctx, "penalties", snapshotDay(23))
	n, _ = s.Snapshot(ctx, "penalties", snapshotDay(24))
	if o.AsOf != newHead || n.AsOf != head || !n.Pending {
		t.Errorf("after advancing: older as_of %d, newer as_of %d pending %v", o.AsOf, n.AsOf, n.Pending)
	}
	heal, err := s.SnapshotsToHeal(ctx, "penalties", snapshotDay(24))
	if err != nil || len(heal) != 1 || heal[0].ID != n.ID {
		t.Fatalf("to heal: %+v %v", heal, err)
	}
	ws, err := s.SnapshotWithdrawals(ctx, n, newHead)
	if err != nil || len(ws) != 1 || ws[0].ID != 2 || ws[0].Reason != "repaired" {
		t.Fatalf("withdrawals: %+v %v", ws, err)
	}
	keys, err := s.Public(domain.DefaultMasking, time.Now).RecordKeys(ctx, "penalties", []int64{2})
	if err != nil || keys[2].DecisionNo != testenv.Penalty(2).DecisionNo || keys[2].AgencyCode == "" {
		t.Fatalf("keys: %+v %v", keys, err)
	}
	// Past its PublicUntil a snapshot needs healing too.
	if heal, _ := s.SnapshotsToHeal(ctx, "penalties", snapshotDay(29)); len(heal) != 2 {
		t.Errorf("on the 29th, %d to heal, want both", len(heal))
	}

	// Re-issuing: the old version ends, the new one is current, once.
	next := testSnapshot(24, 0)
	next.AsOf, next.Rows = newHead, 23
	for i := range next.Files {
		next.Files[i].Key += ".v2"
	}
	next.Source.Key += ".v2"
	rec, err := s.ReissueSnapshot(ctx, n, next, "rows no longer public removed: 1 withdrawn as repaired")
	if err != nil || rec.Version != 2 || rec.Pending || !rec.TakenAt.Equal(n.TakenAt) || rec.AsOf != newHead {
		t.Fatalf("re-issued: %+v %v", rec, err)
	}
	if _, err := s.ReissueSnapshot(ctx, n, next, "again"); !errors.Is(err, store.ErrConflict) {
		t.Errorf("re-issuing a superseded version: %v, want ErrConflict", err)
	}
	hist, err := s.SnapshotHistory(ctx, "penalties", snapshotDay(24))
	if err != nil || len(hist) != 2 || hist[1].State != "superseded" || hist[1].SupersededBy != 2 || hist[1].EndedAt == nil ||
		!strings.Contains(hist[1].EndReason, "repaired") {
		t.Fatalf("history: %+v %v", hist, err)
	}
	ended, err := s.EndedSnapshotFiles(ctx)
	if err != nil || len(ended) != 3 {
		t.Fatalf("files of ended versions: %+v %v", ended, err)
	}
	for _, f := range ended {
		s.MarkSnapshotFileRemoved(ctx, f.VersionID, f.Format)
	}
	if ended, _ := s.EndedSnapshotFiles(ctx); len(ended) != 0 {
		t.Errorf("removed files still listed: %+v", ended)
	}

	// Damage keeps a version from being served and is reported.
	if err := s.MarkSnapshotFileDamaged(ctx, rec.ID, "csv", "missing from the storage"); err != nil {
		t.Fatal(err)
	}
	h, err := s.SnapshotHealth(ctx, snapshotDay(24))
	if err != nil || h.Unservable != 1 || len(h.Damaged) != 1 || !strings.Contains(h.Damaged[0], "penalties/2026-11-24/csv") {
		t.Errorf("health: %+v %v", h, err)
	}
	// Withdrawing a day whole leaves no current version.
	rec, _ = s.Snapshot(ctx, "penalties", snapshotDay(24))
	if err := s.WithdrawSnapshot(ctx, rec, "no source"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Snapshot(ctx, "penalties", snapshotDay(24)); !errors.Is(err, store.ErrSnapshotWithdrawn) || !errors.Is(err, store.ErrNotFound) {
		t.Errorf("withdrawn day: %v", err)
	}
	if list, _ := s.Snapshots(ctx, "penalties"); len(list) != 1 {
		t.Errorf("listed %d snapshots, want only the 23rd", len(list))
	}
}

func TestSnapshotNamespaceIsStable(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	a, err := s.SnapshotNamespace(ctx)
	if err != nil || len(a) != 32 {
		t.Fatalf("namespace %q %v", a, err)
	}
	if b, _ := s.SnapshotNamespace(ctx); b != a {
		t.Errorf("namespace changed: %s then %s", a, b)
	}
}

func TestSnapshotLeaseIsExclusive(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	l, err := s.TryLease(ctx, store.SnapshotLease)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryLease(ctx, store.SnapshotLease); !errors.Is(err, store.ErrLeaseHeld) {
		t.Errorf("a second holder: %v", err)
	}
	l.Release()
	l, err = s.TryLease(ctx, store.SnapshotLease)
	if err != nil {
		t.Fatalf("the lease was not released: %v", err)
	}
	l.Release()
}

// TestSnapshotMigrationKeepsEarlierSnapshots: snapshots recorded before
// versions existed become version 1, with their files where they were,
// and go back the same way.
func TestSnapshotMigrationKeepsEarlierSnapshots(t *testing.T) {
	u := testenv.DatabaseURL(t)
	testenv.Truncate(t, u)
	ctx := context.Background()
	m, err := store.NewMigrator(u)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	defer m.Up(ctx)
	if err := m.DownTo(ctx, migrationVersion(t, "_snapshot_versions.sql")-1); err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `INSERT INTO dataset_snapshots (dataset, day, schema_version, row_count, change_seq)
		VALUES ('permits', '2026-11-20', 'abc', 3, 7);
		INSERT INTO dataset_snapshot_files (dataset, day, format, name, bytes, sha256)
		VALUES ('permits', '2026-11-20', 'csv', 'gongshi-permits-2026-11-20.csv', 99, repeat('d', 64))`); err != nil {
		t.Fatal(err)
	}
	if err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, u, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	snap, err := s.Snapshot(ctx, "permits", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
	if err != nil || snap.Version != 1 || snap.AsOf != 7 || snap.Rows != 3 || snap.Source != nil || len(snap.Files) != 1 ||
		snap.Files[0].Key != "permits/2026-11-20/gongshi-permits-2026-11-20.csv" {
		t.Fatalf("migrated: %+v %v", snap, err)
	}
	if err := m.DownTo(ctx, migrationVersion(t, "_snapshot_versions.sql")-1); err != nil {
		t.Fatal(err)
	}
	var n int
	conn.QueryRow(ctx, `SELECT count(*) FROM dataset_snapshot_files WHERE bytes = 99`).Scan(&n)
	if n != 1 {
		t.Errorf("after down: %d files", n)
	}
	if err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
