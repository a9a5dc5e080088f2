package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// TestSnapshotWithWithdrawnRecord: from the moment a record in a snapshot
// is withdrawn its files answer 503 with Retry-After until the snapshot is
// re-issued without it; a day withdrawn whole answers 410.
func TestSnapshotWithWithdrawnRecord(t *testing.T) {
	f := newDSFixture(t)
	ctx := context.Background()
	var ids []int64
	for i := range 2 {
		p := genPenalty(i)
		p.PublicityUntil = dsToday.AddDate(1, 0, 0)
		ids = append(ids, f.ingestPenalties(p)[0].ID)
	}
	if _, err := f.snaps.TakeSnapshots(ctx); err != nil {
		t.Fatal(err)
	}
	const file = "/api/v1/datasets/penalties/snapshots/2026-11-25/csv"
	resp, b := f.get(file, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), genPenalty(1).Party.Name) {
		t.Fatalf("before: %d", resp.StatusCode)
	}
	if err := f.s.Withdraw(ctx, store.Actor{Name: "test"}, store.EntityPenalty, ids[1], domain.ReasonRepaired, "信用修复"); err != nil {
		t.Fatal(err)
	}
	resp, b = f.get(file, "", nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "10" || strings.Contains(string(b), genPenalty(1).Party.Name) {
		t.Fatalf("pending: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	if err := f.snaps.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	resp, b = f.get(file, "", nil)
	if resp.StatusCode != 200 || strings.Contains(string(b), genPenalty(1).Party.Name) ||
		!strings.Contains(string(b), genPenalty(0).Party.Name) || resp.Header.Get("Cache-Control") != "public, no-cache" {
		t.Fatalf("re-issued: %d %v", resp.StatusCode, resp.Header)
	}

	// A snapshot without a copy of its rows (taken before re-issues
	// existed) that must lose one is withdrawn whole.
	snap, err := f.s.Snapshot(ctx, "penalties", dsToday)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Pool().Exec(ctx, `DELETE FROM snapshot_files WHERE version_id = $1 AND format = 'rows'`, snap.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Withdraw(ctx, store.Actor{Name: "test"}, store.EntityPenalty, ids[0], domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.snaps.Heal(ctx); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{file, "/api/v1/datasets/penalties/snapshots/2026-11-25"} {
		if resp, b := f.get(path, "", nil); resp.StatusCode != 410 {
			t.Errorf("%s: %d %s, want 410", path, resp.StatusCode, b)
		}
	}
}
