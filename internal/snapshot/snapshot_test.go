package snapshot_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongshi/gongshi/internal/blob"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMain(m *testing.M) {
	if os.Getenv(crashEnv) != "" {
		crashHelper() // a child process of TestSnapshotsHealAfterCrashes
		return
	}
	testenv.Main(m)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var cst = time.FixedZone("CST", 8*3600)

// day is 2026-11-d, as snapshots are dated.
func day(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }

// clock is a settable time for the public read path.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// SetDay moves the clock to 09:00 China time on 2026-11-d.
func (c *clock) SetDay(d int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = time.Date(2026, 11, d, 9, 0, 0, 0, cst)
}

type fixture struct {
	t       *testing.T
	ctx     context.Context
	s       *store.Store
	clock   *clock
	storage blob.Storage
	svc     *snapshot.Service
}

func newFixture(t *testing.T, s *store.Store, storage blob.Storage) *fixture {
	f := &fixture{t: t, ctx: context.Background(), s: s, clock: &clock{}, storage: storage}
	f.clock.SetDay(20)
	f.svc = f.service()
	return f
}

// service is another Service on the same database and storage, as another
// process (replica) would have.
func (f *fixture) service() *snapshot.Service {
	svc := snapshot.NewWithStorage(f.s, f.s.Public(domain.DefaultMasking, f.clock.Now), f.storage, quiet)
	svc.TempDir = f.t.TempDir()
	return svc
}

// penalty is testenv.PenaltyRecord(n) changed by edit.
func penalty(t *testing.T, n int, edit func(map[string]string)) domain.Penalty {
	r := testenv.PenaltyRecord(n)
	if edit != nil {
		edit(r)
	}
	p, errs := domain.ParsePenalty(r, domain.ParseOptions{Rules: domain.DefaultPublicityRules()})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return p
}

// partyName is what identifies penalty n in any file.
func partyName(n int) string { return testenv.PenaltyRecord(n)["CF_XDR_MC"] }

func (f *fixture) publish(ps ...domain.Penalty) []int64 {
	f.t.Helper()
	res, err := f.s.UpsertPenalties(f.ctx, store.Actor{Name: "test"}, ps, store.WriteOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	ids := make([]int64, len(res))
	for i, r := range res {
		ids[i] = r.ID
	}
	return ids
}

func (f *fixture) withdraw(id int64, reason domain.WithdrawReason) {
	f.t.Helper()
	if err := f.s.Withdraw(f.ctx, store.Actor{Name: "test"}, store.EntityPenalty, id, reason, "test"); err != nil {
		f.t.Fatal(err)
	}
}

// takeOn takes the snapshots of 2026-11-d.
func (f *fixture) takeOn(d int) {
	f.t.Helper()
	f.clock.SetDay(d)
	taken, err := f.svc.TakeSnapshots(f.ctx)
	if err != nil || len(taken) != len(store.Datasets) {
		f.t.Fatalf("taking the snapshots of the %dth: %d taken, %v", d, len(taken), err)
	}
}

func (f *fixture) heal() {
	f.t.Helper()
	if err := f.svc.Heal(f.ctx); err != nil {
		f.t.Fatalf("heal: %v", err)
	}
}

// read reads a snapshot file whole through OpenSnapshotFile.
func read(ctx context.Context, svc *snapshot.Service, dataset string, d time.Time, format export.Format) ([]byte, store.SnapshotFile, error) {
	r, _, sf, err := svc.OpenSnapshotFile(ctx, dataset, d, format)
	if err != nil {
		return nil, sf, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	return b, sf, err
}

// served reads every file of every current snapshot of dataset; it
// returns the text of those served (an XLSX unzipped) by "day/format",
// and the days refused as pending. Any other outcome fails the test, as
// does a served file whose bytes are not its manifest's.
func (f *fixture) served(svc *snapshot.Service, dataset string) (map[string]string, []string) {
	f.t.Helper()
	snaps, err := svc.Snapshots(f.ctx, dataset)
	if err != nil {
		f.t.Fatal(err)
	}
	files := map[string]string{}
	pending := map[string]bool{}
	for _, snap := range snaps {
		for _, sf := range snap.Files {
			format, _ := export.ParseFormat(sf.Format)
			b, got, err := read(f.ctx, svc, dataset, snap.Day, format)
			name := snap.Day.Format(time.DateOnly) + "/" + sf.Format
			switch {
			case errors.Is(err, store.ErrSnapshotPending):
				pending[snap.Day.Format(time.DateOnly)] = true
				continue
			case err != nil:
				f.t.Fatalf("%s: %v", name, err)
			}
			sum := sha256.Sum256(b)
			if int64(len(b)) != got.Bytes || hex.EncodeToString(sum[:]) != got.SHA256 {
				f.t.Fatalf("%s: served bytes do not match the manifest", name)
			}
			files[name] = text(f.t, sf.Format, b)
		}
	}
	var days []string
	for d := range pending {
		days = append(days, d)
	}
	sort.Strings(days)
	return files, days
}

// text is a file's text: an XLSX's entries unzipped.
func text(t *testing.T, format string, b []byte) string {
	if format != string(export.XLSX) {
		return string(b)
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, e := range z.File {
		r, err := e.Open()
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&sb, r)
		r.Close()
	}
	return sb.String()
}

// containing lists the served files whose text contains s.
func containing(files map[string]string, s string) []string {
	var out []string
	for name, text := range files {
		if strings.Contains(text, s) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// storedKeys lists the objects in the storage.
func (f *fixture) storedKeys() []string {
	f.t.Helper()
	list, err := f.storage.List(f.ctx, "")
	if err != nil {
		f.t.Fatal(err)
	}
	var keys []string
	for _, o := range list {
		keys = append(keys, o.Key)
	}
	return keys
}

// currentKeys lists the objects the current snapshots use.
func (f *fixture) currentKeys() []string {
	f.t.Helper()
	var keys []string
	for _, d := range store.Datasets {
		snaps, err := f.s.Snapshots(f.ctx, d.Name)
		if err != nil {
			f.t.Fatal(err)
		}
		for _, s := range snaps {
			for _, sf := range s.AllFiles() {
				keys = append(keys, sf.Key)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func TestTakeSnapshots(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := newFixture(t, s, blob.NewDir(dir))
	person, errs := domain.ParsePenalty(testenv.PersonPenaltyRecord(1), domain.ParseOptions{Now: f.clock.Now()})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	f.publish(person, testenv.Penalty(2))
	f.clock.SetDay(25)
	taken, err := f.svc.TakeSnapshots(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(taken) != len(store.Datasets) {
		t.Fatalf("took %d", len(taken))
	}
	pen := taken[0]
	if pen.Dataset != "penalties" || pen.Rows != 2 || pen.ChangeSeq != 2 || pen.AsOf != 2 || pen.Version != 1 ||
		pen.Day.Format(time.DateOnly) != "2026-11-25" || len(pen.Files) != len(export.Formats) || pen.Source == nil ||
		pen.SchemaVersion != store.Datasets[0].SchemaVersion() || pen.MaxRecordID != 2 || pen.PublicUntil.IsZero() {
		t.Errorf("penalties snapshot: %+v", pen)
	}
	ns, _ := s.SnapshotNamespace(f.ctx)
	for _, sf := range pen.AllFiles() {
		if !strings.HasPrefix(sf.Key, ns+"/penalties/2026-11-25/"+sf.SHA256+".") {
			t.Errorf("%s: key %s is not named by its content", sf.Name, sf.Key)
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(sf.Key)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if int64(len(b)) != sf.Bytes || hex.EncodeToString(sum[:]) != sf.SHA256 {
			t.Errorf("%s: %d bytes, manifest %d; checksum mismatch %v", sf.Name, len(b), sf.Bytes, hex.EncodeToString(sum[:]) != sf.SHA256)
		}
		if bytes.Contains(b, []byte(testenv.PersonID)) {
			t.Errorf("%s leaks the full ID number", sf.Name)
		}
	}
	for _, sf := range pen.Files {
		format, _ := export.ParseFormat(sf.Format)
		r, _, got, err := f.svc.OpenSnapshotFile(f.ctx, "penalties", pen.Day, format)
		if err != nil || got != sf {
			t.Fatalf("open %s: %v", sf.Name, err)
		}
		r.Close()
	}
	// Idempotent, and nothing is left half-written.
	if again, err := f.svc.TakeSnapshots(f.ctx); err != nil || len(again) != 0 {
		t.Errorf("second run: %d, %v", len(again), err)
	}
	if left, _ := filepath.Glob(filepath.Join(f.svc.TempDir, "*")); len(left) != 0 {
		t.Errorf("staging files left: %v", left)
	}
	if _, _, _, err := f.svc.OpenSnapshotFile(f.ctx, "penalties", pen.Day.AddDate(0, 0, -1), export.CSV); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing day: %v", err)
	}
	// Pruning removes old manifests and files.
	f.clock.SetDay(30)
	if err := f.svc.Prune(f.ctx, 3); err != nil {
		t.Fatal(err)
	}
	if list, _ := f.svc.Snapshots(f.ctx, "penalties"); len(list) != 0 {
		t.Errorf("after pruning: %d snapshots", len(list))
	}
	if keys := f.storedKeys(); len(keys) != 0 {
		t.Errorf("pruned files remain: %v", keys)
	}
}

// TestWithdrawnRecordLeavesEverySnapshot: a record withdrawn for any
// reason is, at once, in no snapshot that is served, and within a pass of
// the active process every snapshot that held it is re-issued without it.
func TestWithdrawnRecordLeavesEverySnapshot(t *testing.T) {
	s := testenv.Store(t)
	f := newFixture(t, s, blob.NewDir(t.TempDir()))
	// A decision number with a long run of digits: whatever masking does
	// to free text, the row is still found.
	odd := penalty(t, 5, func(r map[string]string) { r["CF_WSH"] = "（苏）应急罚〔2025〕13912345678号" })
	ids := f.publish(testenv.Penalty(1))
	f.takeOn(19) // before records 2–5 existed
	ids = append(ids, f.publish(testenv.Penalty(2), testenv.Penalty(3), odd)...)
	f.takeOn(20)
	ids = append(ids, f.publish(testenv.Penalty(4))...)
	f.takeOn(21)
	f.takeOn(22)
	files, pending := f.served(f.svc, "penalties")
	if len(pending) != 0 || len(containing(files, partyName(2))) != 3*len(export.Formats) {
		t.Fatalf("before the withdrawal: pending %v, record 2 in %v", pending, containing(files, partyName(2)))
	}

	f.withdraw(ids[1], domain.ReasonRepaired) // record 2, 信用修复
	// At once, before any re-issue: the snapshots that may hold it are not
	// served; the one taken before it existed still is.
	files, pending = f.served(f.service(), "penalties")
	if got := containing(files, partyName(2)); len(got) != 0 {
		t.Fatalf("served with the withdrawn record: %v", got)
	}
	if strings.Join(pending, " ") != "2026-11-20 2026-11-21 2026-11-22" || len(containing(files, partyName(1))) != len(export.Formats) {
		t.Fatalf("pending %v; record 1 served in %v", pending, containing(files, partyName(1)))
	}
	if other, pending := f.served(f.svc, "permits"); len(pending) != 0 || len(other) != 4*len(export.Formats) {
		t.Errorf("permits: %d files served, pending %v", len(other), pending)
	}

	f.heal()
	files, pending = f.served(f.svc, "penalties")
	if got := containing(files, partyName(2)); len(pending) != 0 || len(got) != 0 {
		t.Fatalf("after healing: pending %v, record 2 in %v", pending, got)
	}
	if got := containing(files, partyName(3)); len(got) != 3*len(export.Formats) {
		t.Fatalf("record 3 in %v", got)
	}
	for d, rows := range map[int]int64{19: 1, 20: 3, 21: 4, 22: 4} {
		snap, err := f.svc.Snapshot(f.ctx, "penalties", day(d))
		wantVersion := 2
		if d == 19 {
			wantVersion = 1
		}
		if err != nil || snap.Rows != rows || snap.Version != wantVersion {
			t.Errorf("the %dth: version %d, %d rows, %v; want version %d, %d rows", d, snap.Version, snap.Rows, err, wantVersion, rows)
		}
	}
	hist, err := f.svc.History(f.ctx, "penalties", day(21))
	if err != nil || len(hist) != 2 || hist[1].State != "superseded" || hist[1].SupersededBy != 2 || hist[1].EndedAt == nil ||
		hist[1].EndReason != "rows no longer public removed: 1 withdrawn as repaired" || hist[1].Files[0].SHA256 == hist[0].Files[0].SHA256 {
		t.Fatalf("history: %+v %v", hist, err)
	}
	if stored, current := f.storedKeys(), f.currentKeys(); strings.Join(stored, " ") != strings.Join(current, " ") {
		t.Errorf("the replaced files were not deleted:\nstored  %v\ncurrent %v", stored, current)
	}

	// Revoked, corrected (and published again), and the odd decision
	// number: all three leave every earlier day; the corrected version
	// appears from the next day on.
	f.withdraw(ids[2], domain.ReasonRevoked)
	f.withdraw(ids[4], domain.ReasonCorrected)
	f.withdraw(ids[3], domain.ReasonRepaired)
	f.publish(penalty(t, 4, func(r map[string]string) { r["CF_NR"] = "更正后的处罚内容" }))
	f.heal()
	f.takeOn(23)
	files, pending = f.served(f.svc, "penalties")
	if len(pending) != 0 {
		t.Fatalf("pending after healing: %v", pending)
	}
	for _, n := range []int{2, 3, 5} {
		if got := containing(files, partyName(n)); len(got) != 0 {
			t.Errorf("record %d served in %v", n, got)
		}
	}
	if got := containing(files, "13912345678"); len(got) != 0 {
		t.Errorf("the odd decision number served in %v", got)
	}
	if got := containing(files, partyName(4)); strings.Join(got, " ") != "2026-11-23/csv 2026-11-23/json 2026-11-23/ndjson 2026-11-23/xlsx" {
		t.Errorf("record 4 served in %v, want only the 23rd", got)
	}
	if got := containing(files, "更正后的处罚内容"); len(got) != len(export.Formats) {
		t.Errorf("the corrected record in %v", got)
	}
	hist, _ = f.svc.History(f.ctx, "penalties", day(21))
	if len(hist) != 3 || hist[1].EndReason != "rows no longer public removed: 1 withdrawn as corrected, 1 withdrawn as repaired, 1 withdrawn as revoked" {
		t.Errorf("history of the 21st: %+v", hist)
	}

	// Healing again changes nothing.
	before, _ := f.svc.Snapshots(f.ctx, "penalties")
	f.heal()
	after, _ := f.svc.Snapshots(f.ctx, "penalties")
	for i := range before {
		if before[i].ID != after[i].ID {
			t.Errorf("a second heal re-issued %s", before[i].Day.Format(time.DateOnly))
		}
	}
}

// TestExpiredRecordLeavesSnapshots: a penalty whose publicity period ends
// leaves the snapshots that held it from the next day on, whether or not
// its expiry was written to the change log.
func TestExpiredRecordLeavesSnapshots(t *testing.T) {
	s := testenv.Store(t)
	f := newFixture(t, s, blob.NewDir(t.TempDir()))
	f.publish(testenv.Penalty(1), penalty(t, 2, func(r map[string]string) { r["CF_GSJZQ"] = "2026-11-21" }))
	f.takeOn(20)
	f.takeOn(21)
	if snap, _ := f.svc.Snapshot(f.ctx, "penalties", day(21)); !snap.PublicUntil.Equal(day(21)) {
		t.Fatalf("public until %v", snap.PublicUntil)
	}
	if files, pending := f.served(f.svc, "penalties"); len(pending) != 0 || len(containing(files, partyName(2))) != 2*len(export.Formats) {
		t.Fatalf("on the 21st: pending %v", pending)
	}
	f.clock.SetDay(22)
	files, pending := f.served(f.service(), "penalties")
	if len(files) != 0 || strings.Join(pending, " ") != "2026-11-20 2026-11-21" {
		t.Fatalf("on the 22nd before healing: %d files served, pending %v", len(files), pending)
	}
	f.heal()
	files, pending = f.served(f.svc, "penalties")
	if len(pending) != 0 || len(containing(files, partyName(2))) != 0 || len(containing(files, partyName(1))) != 2*len(export.Formats) {
		t.Fatalf("after healing: pending %v, record 2 in %v", pending, containing(files, partyName(2)))
	}
	hist, _ := f.svc.History(f.ctx, "penalties", day(20))
	if len(hist) != 2 || hist[1].EndReason != "rows no longer public removed: 1 publicity period ended" || !hist[0].PublicUntil.After(day(22)) {
		t.Errorf("history: %+v", hist)
	}
}

// TestSnapshotWithoutSourceIsWithdrawn: a snapshot that must lose a row
// but has no copy of its rows to re-issue from (one taken before re-issues
// existed) is withdrawn whole.
func TestSnapshotWithoutSourceIsWithdrawn(t *testing.T) {
	s := testenv.Store(t)
	f := newFixture(t, s, blob.NewDir(t.TempDir()))
	ids := f.publish(testenv.Penalty(1))
	f.takeOn(20)
	snap, _ := s.Snapshot(f.ctx, "penalties", day(20))
	// Make it like one migrated from before: version 1 without a source.
	if _, err := s.Pool().Exec(f.ctx, `DELETE FROM snapshot_files WHERE version_id = $1 AND format = 'rows'`, snap.ID); err != nil {
		t.Fatal(err)
	}
	f.withdraw(ids[0], domain.ReasonRevoked)
	f.heal()
	if _, err := f.svc.Snapshot(f.ctx, "penalties", day(20)); !errors.Is(err, store.ErrSnapshotWithdrawn) {
		t.Fatalf("snapshot: %v, want withdrawn", err)
	}
	if _, _, err := read(f.ctx, f.svc, "penalties", day(20), export.CSV); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("file: %v, want not found", err)
	}
	for _, sf := range snap.Files {
		if _, err := f.storage.Stat(f.ctx, sf.Key); !errors.Is(err, blob.ErrNotExist) {
			t.Errorf("%s still stored: %v", sf.Name, err)
		}
	}
}

// TestDamagedFilesAreNeverServed: a file missing, cut short, or changed
// in place is refused (503) and reported, and the active process rebuilds
// it from the snapshot's copy of its rows.
func TestDamagedFilesAreNeverServed(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	f := newFixture(t, s, blob.NewDir(dir))
	f.publish(testenv.Penalty(1), testenv.Penalty(2))
	f.takeOn(20)
	snap, _ := f.svc.Snapshot(f.ctx, "penalties", day(20))
	csv, _ := snap.File("csv")
	ndjson, _ := snap.File("ndjson")
	path := func(sf store.SnapshotFile) string { return filepath.Join(dir, filepath.FromSlash(sf.Key)) }

	// Same size, other bytes: found only by the SHA-256, when read whole.
	b, _ := os.ReadFile(path(csv))
	b[len(b)-3] ^= 1
	os.Chmod(path(csv), 0o644)
	if err := os.WriteFile(path(csv), b, 0o644); err != nil {
		t.Fatal(err)
	}
	got, _, err := read(f.ctx, f.svc, "penalties", day(20), export.CSV)
	if err == nil || bytes.Equal(got, b) {
		t.Fatalf("a changed file was read whole: %v", err)
	}
	if _, _, err := read(f.ctx, f.svc, "penalties", day(20), export.CSV); !errors.Is(err, store.ErrSnapshotPending) {
		t.Fatalf("after the damage was seen: %v, want pending", err)
	}
	var ue *snapshot.UnavailableError
	if _, _, err := read(f.ctx, f.svc, "penalties", day(20), export.CSV); !errors.As(err, &ue) || ue.RetryAfter() <= 0 {
		t.Errorf("no retry hint: %v", err)
	}
	// Missing: found on open.
	os.Remove(path(ndjson))
	if _, _, err := read(f.ctx, f.svc, "penalties", day(20), export.NDJSON); !errors.Is(err, store.ErrSnapshotPending) {
		t.Fatalf("missing file: %v, want pending", err)
	}
	if err := f.svc.Ping(f.ctx); err == nil || !strings.Contains(err.Error(), "2 snapshot files damaged") {
		t.Errorf("ping: %v", err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(f.svc)
	if got := gauge(t, reg, "gongshi_snapshot_files_damaged"); got != 2 {
		t.Errorf("damaged files metric %v, want 2", got)
	}
	if got := gauge(t, reg, "gongshi_snapshots_unservable"); got != 1 {
		t.Errorf("unservable snapshots metric %v, want 1", got)
	}
	if _, _, err := read(f.ctx, f.svc, "penalties", day(20), export.JSON); err != nil {
		t.Errorf("a sound file of the same snapshot: %v", err)
	}

	f.heal()
	files, pending := f.served(f.svc, "penalties")
	if len(pending) != 0 || len(files) != len(export.Formats) {
		t.Fatalf("after healing: %d files, pending %v", len(files), pending)
	}
	if err := f.svc.Ping(f.ctx); err != nil {
		t.Errorf("ping after healing: %v", err)
	}
	if got := gauge(t, reg, "gongshi_snapshot_files_damaged"); got != 0 {
		t.Errorf("damaged files metric after healing %v", got)
	}
	hist, _ := f.svc.History(f.ctx, "penalties", day(20))
	if len(hist) != 2 || hist[1].EndReason != "damaged files rebuilt" || hist[0].Rows != 2 {
		t.Errorf("history: %+v", hist)
	}

	// The periodic check finds what no download touched.
	snap, _ = f.svc.Snapshot(f.ctx, "penalties", day(20))
	js, _ := snap.File("json")
	b, _ = os.ReadFile(path(js))
	b[10] ^= 1
	os.WriteFile(path(js), b, 0o644)
	if n, err := f.svc.Verify(f.ctx, 0, 100); err != nil || n == 0 {
		t.Fatalf("verify: %d %v", n, err)
	}
	if _, _, err := read(f.ctx, f.svc, "penalties", day(20), export.JSON); !errors.Is(err, store.ErrSnapshotPending) {
		t.Errorf("after verify: %v, want pending", err)
	}
}

// TestContentAddressingKeepsDeploymentsApart is the regression test for
// two deployments on different databases sharing one snapshot directory:
// they used to write the same file names, so one overwrote the other's
// files and then answered 500 for its own snapshot.
func TestContentAddressingKeepsDeploymentsApart(t *testing.T) {
	dir := t.TempDir()
	a := newFixture(t, testenv.Store(t), blob.NewDir(dir))
	other, err := store.Open(context.Background(), testenv.ExtraDatabase(t), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	b := newFixture(t, other, blob.NewDir(dir))
	a.publish(testenv.Penalty(1))
	b.publish(testenv.Penalty(1), testenv.Penalty(2), testenv.Penalty(3))
	a.takeOn(25)
	b.takeOn(25)
	for _, x := range []*fixture{a, b} {
		files, pending := x.served(x.svc, "penalties")
		if len(pending) != 0 || len(files) != len(export.Formats) {
			t.Fatalf("%d files served, pending %v", len(files), pending)
		}
	}
	fa, _ := a.served(a.svc, "penalties")
	fb, _ := b.served(b.svc, "penalties")
	if strings.Contains(fa["2026-11-25/csv"], partyName(2)) || !strings.Contains(fb["2026-11-25/csv"], partyName(2)) {
		t.Error("a deployment serves the other's rows")
	}
	// Pruning one deployment leaves the other's files alone.
	a.clock.SetDay(30)
	if err := a.svc.Prune(a.ctx, 1); err != nil {
		t.Fatal(err)
	}
	if files, pending := b.served(b.svc, "penalties"); len(pending) != 0 || len(files) != len(export.Formats) {
		t.Errorf("after the other pruned: %d files, pending %v", len(files), pending)
	}
	if n, err := a.svc.Sweep(a.ctx, 0); err != nil || n != 0 {
		t.Errorf("sweep deleted %d objects (%v); none is unreferenced", n, err)
	}
}

// TestRunKeepsSnapshotsOnOneProcess: of two processes running the worker,
// one takes the day's snapshots and re-issues them after a withdrawal
// within seconds; both serve them.
func TestRunKeepsSnapshotsOnOneProcess(t *testing.T) {
	s := testenv.Store(t)
	f := newFixture(t, s, blob.NewDir(t.TempDir()))
	ids := f.publish(testenv.Penalty(1), testenv.Penalty(2))
	runAndServe(t, f, ids)
}

func runAndServe(t *testing.T, f *fixture, ids []int64) {
	replicas := []*snapshot.Service{f.service(), f.service()}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, r := range replicas {
		r.Poll, r.Standby = 200*time.Millisecond, 50*time.Millisecond
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(ctx, time.Hour) }()
	}
	defer func() { cancel(); wg.Wait() }()
	waitFor(t, 20*time.Second, "the day's snapshots", func() bool {
		snaps, _ := f.s.Snapshots(f.ctx, "penalties")
		return len(snaps) == 1
	})
	for _, r := range replicas {
		if files, pending := f.served(r, "penalties"); len(pending) != 0 || len(containing(files, partyName(2))) != len(export.Formats) {
			t.Fatalf("before the withdrawal: pending %v", pending)
		}
	}
	f.withdraw(ids[1], domain.ReasonRevoked)
	start := time.Now()
	for _, r := range replicas {
		if files, _ := f.served(r, "penalties"); len(containing(files, partyName(2))) != 0 {
			t.Fatal("the withdrawn record is served")
		}
	}
	waitFor(t, 10*time.Second, "the re-issue", func() bool {
		snap, err := f.s.Snapshot(f.ctx, "penalties", day(20))
		return err == nil && snap.Version == 2 && !snap.Pending
	})
	t.Logf("re-issued %v after the withdrawal", time.Since(start).Round(time.Millisecond))
	for _, r := range replicas {
		files, pending := f.served(r, "penalties")
		if len(pending) != 0 || len(containing(files, partyName(2))) != 0 || len(containing(files, partyName(1))) != len(export.Formats) {
			t.Fatalf("after the re-issue: pending %v, record 2 in %v", pending, containing(files, partyName(2)))
		}
	}
	if hist, _ := f.s.SnapshotHistory(f.ctx, "penalties", day(20)); len(hist) != 2 {
		t.Errorf("%d versions; the two processes must not both re-issue", len(hist))
	}
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not happen within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// The crash test runs Heal or TakeSnapshots in a child process that kills
// itself with SIGKILL right after a given step.
const (
	crashEnv     = "GONGSHI_SNAPSHOT_CRASH_AT"
	crashDBEnv   = "GONGSHI_SNAPSHOT_CRASH_DB"
	crashDirEnv  = "GONGSHI_SNAPSHOT_CRASH_DIR"
	crashDayEnv  = "GONGSHI_SNAPSHOT_CRASH_DAY"
	crashWorkEnv = "GONGSHI_SNAPSHOT_CRASH_WORK"
)

func crashHelper() {
	ctx := context.Background()
	s, err := store.Open(ctx, os.Getenv(crashDBEnv), store.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	c := &clock{}
	var d int
	fmt.Sscan(os.Getenv(crashDayEnv), &d)
	c.SetDay(d)
	svc := snapshot.New(s, s.Public(domain.DefaultMasking, c.Now), os.Getenv(crashDirEnv), quiet)
	at := os.Getenv(crashEnv)
	snapshot.SetStepHook(func(step string) {
		if step == at {
			p, _ := os.FindProcess(os.Getpid())
			p.Kill() // SIGKILL: no deferred cleanup runs
			time.Sleep(time.Minute)
		}
	})
	if os.Getenv(crashWorkEnv) == "take" {
		_, err = svc.TakeSnapshots(ctx)
	} else {
		err = svc.Heal(ctx)
	}
	fmt.Fprintln(os.Stderr, "finished without crashing:", err)
	os.Exit(3)
}

// TestSnapshotsHealAfterCrashes kills the process taking or re-issuing
// snapshots after each step; at no point is a snapshot holding the
// withdrawn record served, and the next process finishes the work and
// leaves no stray object.
func TestSnapshotsHealAfterCrashes(t *testing.T) {
	for _, work := range []string{"heal", "take"} {
		for _, at := range []string{"staged", "stored", "recorded"} {
			t.Run(work+"/"+at, func(t *testing.T) {
				s := testenv.Store(t)
				dir := t.TempDir()
				f := newFixture(t, s, blob.NewDir(dir))
				ids := f.publish(testenv.Penalty(1), testenv.Penalty(2))
				f.takeOn(20)
				f.takeOn(21)
				crashDay := 21
				if work == "take" {
					crashDay = 22
				} else {
					f.withdraw(ids[1], domain.ReasonRepaired)
				}
				cmd := crashChild(t, at, work, dir, crashDay)
				if err := cmd.Run(); err == nil || !strings.Contains(err.Error(), "killed") {
					t.Fatalf("the child did not die at %s: %v", at, err)
				}
				waitFor(t, 10*time.Second, "the dead process's lease to go", func() bool {
					l, err := s.TryLease(f.ctx, store.SnapshotLease)
					if err == nil {
						l.Release()
					}
					return err == nil
				})
				f.clock.SetDay(crashDay)
				files, _ := f.served(f.service(), "penalties")
				if got := containing(files, partyName(2)); work == "heal" && len(got) != 0 {
					t.Fatalf("after dying at %s, the withdrawn record is served in %v", at, got)
				}
				// The next process heals and takes what is left.
				f.heal()
				if _, err := f.svc.TakeSnapshots(f.ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := f.svc.Sweep(f.ctx, 0); err != nil {
					t.Fatal(err)
				}
				files, pending := f.served(f.svc, "penalties")
				want := 2
				if work == "take" {
					want = 3
				}
				if len(pending) != 0 || len(files) != want*len(export.Formats) {
					t.Fatalf("after the restart: %d files, pending %v", len(files), pending)
				}
				if got := containing(files, partyName(2)); work == "heal" && len(got) != 0 {
					t.Fatalf("after the restart the withdrawn record is served in %v", got)
				}
				if stored, current := f.storedKeys(), f.currentKeys(); strings.Join(stored, " ") != strings.Join(current, " ") {
					t.Errorf("stray objects:\nstored  %v\ncurrent %v", stored, current)
				}
			})
		}
	}
}

func crashChild(t *testing.T, at, work, dir string, d int) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+at, crashWorkEnv+"="+work, crashDirEnv+"="+dir,
		crashDBEnv+"="+testenv.DatabaseURL(t), fmt.Sprintf("%s=%d", crashDayEnv, d))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("child output:\n%s", out.String())
		}
	})
	return cmd
}

// TestSnapshotsOnS3 runs the snapshots on a real S3 server: two processes
// share the bucket, one keeps the snapshots, both serve them, with Range
// requests answered from ranged reads; while the server is down nothing
// is served and Ping says so.
func TestSnapshotsOnS3(t *testing.T) {
	srv := testenv.StartS3(t)
	storage, err := blob.NewS3(srv.Config("gongshi/snapshots"))
	if err != nil {
		t.Fatal(err)
	}
	s := testenv.Store(t)
	f := newFixture(t, s, storage)
	ids := f.publish(testenv.Penalty(1), testenv.Penalty(2))
	runAndServe(t, f, ids)

	replica := f.service()
	whole, sf, err := read(f.ctx, replica, "penalties", day(20), export.CSV)
	if err != nil {
		t.Fatal(err)
	}
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc, snap, sf, err := replica.OpenSnapshotFile(r.Context(), "penalties", day(20), export.CSV)
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		defer rc.Close()
		http.ServeContent(w, r, sf.Name, snap.TakenAt, rc)
	}))
	defer h.Close()
	req, _ := http.NewRequest("GET", h.URL, nil)
	req.Header.Set("Range", "bytes=10-49")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	part, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(part, whole[10:50]) {
		t.Errorf("range: %d %q", resp.StatusCode, part)
	}
	if got := resp.Header.Get("Content-Range"); got != fmt.Sprintf("bytes 10-49/%d", sf.Bytes) {
		t.Errorf("Content-Range %q", got)
	}

	srv.Stop()
	if _, _, err := read(f.ctx, replica, "penalties", day(20), export.CSV); err == nil {
		t.Error("served while the storage is down")
	}
	if err := replica.Ping(f.ctx); err == nil {
		t.Error("ping while the storage is down")
	}
	srv.Start()
	if _, _, err := read(f.ctx, replica, "penalties", day(20), export.CSV); err != nil {
		t.Errorf("after the storage came back: %v", err)
	}
	if snap, _ := s.Snapshot(f.ctx, "penalties", day(20)); snap.Files[0].Damage != "" {
		t.Errorf("an outage was taken for damage: %s", snap.Files[0].Damage)
	}
}

// gauge reads a metric without labels from reg.
func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no metric %s", name)
	return 0
}

// TestFalseDamageReportIsCleared: a file another process reported damaged
// (its own storage misconfigured, say) but sound here is not rebuilt; the
// report is withdrawn and the file served again.
func TestFalseDamageReportIsCleared(t *testing.T) {
	s := testenv.Store(t)
	f := newFixture(t, s, blob.NewDir(t.TempDir()))
	f.publish(testenv.Penalty(1))
	f.takeOn(20)
	snap, _ := f.svc.Snapshot(f.ctx, "penalties", day(20))
	if err := s.MarkSnapshotFileDamaged(f.ctx, snap.ID, "csv", "missing from the storage"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := read(f.ctx, f.svc, "penalties", day(20), export.CSV); !errors.Is(err, store.ErrSnapshotPending) {
		t.Fatalf("reported damaged: %v, want pending", err)
	}
	f.heal()
	if _, _, err := read(f.ctx, f.svc, "penalties", day(20), export.CSV); err != nil {
		t.Fatalf("after healing: %v", err)
	}
	if after, _ := f.svc.Snapshot(f.ctx, "penalties", day(20)); after.ID != snap.ID {
		t.Errorf("a sound file was rebuilt as version %d", after.Version)
	}
}
