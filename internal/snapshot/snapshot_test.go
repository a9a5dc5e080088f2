package snapshot_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestTakeSnapshots(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	day := time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	pub := s.Public(domain.DefaultMasking, func() time.Time { return day })
	person, errs := domain.ParsePenalty(testenv.PersonPenaltyRecord(1), domain.ParseOptions{Now: day})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if _, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, []domain.Penalty{person, testenv.Penalty(2)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	svc := snapshot.New(s, pub, dir, quiet)
	taken, err := svc.TakeSnapshots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(taken) != len(store.Datasets) {
		t.Fatalf("took %d", len(taken))
	}
	pen := taken[0]
	if pen.Dataset != "penalties" || pen.Rows != 2 || pen.ChangeSeq != 2 || pen.Day.Format(time.DateOnly) != "2026-11-25" ||
		len(pen.Files) != len(export.Formats) || pen.SchemaVersion != store.Datasets[0].SchemaVersion() {
		t.Errorf("penalties snapshot: %+v", pen)
	}
	for _, f := range pen.Files {
		b, err := os.ReadFile(filepath.Join(dir, "penalties", "2026-11-25", f.Name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != f.Bytes || hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("%s: %d bytes, manifest %d; checksum mismatch %v", f.Name, len(b), f.Bytes, hex.EncodeToString(sum[:]) != f.SHA256)
		}
		if bytes.Contains(b, []byte(testenv.PersonID)) {
			t.Errorf("%s leaks the full ID number", f.Name)
		}
		format, _ := export.ParseFormat(f.Format)
		r, _, sf, err := svc.OpenSnapshotFile(ctx, "penalties", pen.Day, format)
		if err != nil || sf != f {
			t.Fatalf("open %s: %v", f.Name, err)
		}
		r.Close()
	}
	// Idempotent, and nothing is left half-written.
	if again, err := svc.TakeSnapshots(ctx); err != nil || len(again) != 0 {
		t.Errorf("second run: %d, %v", len(again), err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "*", ".partial-*")); len(leftovers) != 0 {
		t.Errorf("partial directories left: %v", leftovers)
	}
	if _, _, _, err := svc.OpenSnapshotFile(ctx, "penalties", pen.Day.AddDate(0, 0, -1), export.CSV); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing day: %v", err)
	}
	// A file that went missing from disk is reported, not served.
	os.Remove(filepath.Join(dir, "permits", "2026-11-25", "gongshi-permits-2026-11-25.csv"))
	if _, _, _, err := svc.OpenSnapshotFile(ctx, "permits", pen.Day, export.CSV); !errors.Is(err, snapshot.ErrMissingFile) {
		t.Errorf("missing file: %v", err)
	}
	// Pruning removes old manifests and files.
	later := snapshot.New(s, s.Public(domain.DefaultMasking, func() time.Time { return day.AddDate(0, 0, 10) }), dir, quiet)
	if err := later.Prune(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if list, _ := svc.Snapshots(ctx, "penalties"); len(list) != 0 {
		t.Errorf("after pruning: %d snapshots", len(list))
	}
	if _, err := os.Stat(filepath.Join(dir, "penalties", "2026-11-25")); !os.IsNotExist(err) {
		t.Errorf("pruned files remain: %v", err)
	}
}
