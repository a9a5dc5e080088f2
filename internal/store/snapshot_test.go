package store_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestSnapshotManifests(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	snap := func(d int) store.Snapshot {
		return store.Snapshot{Dataset: "penalties", Day: day(d), SchemaVersion: "abc", Rows: int64(d), ChangeSeq: 7,
			Files: []store.SnapshotFile{
				{Format: "csv", Name: "gongshi-penalties-x.csv", Bytes: 10, SHA256: strings.Repeat("a", 64)},
				{Format: "xlsx", Name: "gongshi-penalties-x.xlsx", Bytes: 20, SHA256: strings.Repeat("b", 64)},
			}}
	}
	for _, d := range []int{23, 25, 24} {
		if err := s.RecordSnapshot(ctx, snap(d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordSnapshot(ctx, snap(25)); !errors.Is(err, store.ErrConflict) {
		t.Errorf("recording a day twice: %v, want ErrConflict", err)
	}
	list, err := s.Snapshots(ctx, "penalties")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || !list[0].Day.Equal(day(25)) || !list[2].Day.Equal(day(23)) || len(list[0].Files) != 2 || list[0].TakenAt.IsZero() {
		t.Fatalf("snapshots: %+v", list)
	}
	if f, ok := list[0].File("xlsx"); !ok || f.Bytes != 20 {
		t.Errorf("xlsx file: %+v", f)
	}
	got, err := s.Snapshot(ctx, "penalties", day(24))
	if err != nil || got.Rows != 24 || got.ChangeSeq != 7 {
		t.Errorf("snapshot of the 24th: %+v %v", got, err)
	}
	if _, err := s.Snapshot(ctx, "penalties", day(1)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing day: %v", err)
	}
	bad := snap(26)
	bad.Files[0].SHA256 = "not hex"
	if err := s.RecordSnapshot(ctx, bad); err == nil {
		t.Error("a bad checksum was recorded")
	}
	if _, err := s.Snapshot(ctx, "penalties", day(26)); !errors.Is(err, store.ErrNotFound) {
		t.Error("a failed recording left a manifest")
	}
	gone, err := s.DeleteSnapshotsBefore(ctx, "penalties", day(25))
	if err != nil || len(gone) != 2 {
		t.Errorf("pruned %v (%v), want the 23rd and 24th", gone, err)
	}
}

func TestSnapshotLockIsExclusive(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	var inner atomic.Bool
	ran, err := s.WithSnapshotLock(ctx, func() error {
		ok, err := s.WithSnapshotLock(ctx, func() error { inner.Store(true); return nil })
		if ok || err != nil {
			t.Errorf("a second holder got the lock: %v %v", ok, err)
		}
		return nil
	})
	if !ran || err != nil || inner.Load() {
		t.Errorf("ran %v err %v inner %v", ran, err, inner.Load())
	}
	if ran, _ := s.WithSnapshotLock(ctx, func() error { return nil }); !ran {
		t.Error("the lock was not released")
	}
}
