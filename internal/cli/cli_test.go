package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestKeysCreatePrintsTheKeyLast(t *testing.T) {
	testenv.Store(t)
	t.Setenv("DATABASE_URL", testenv.DatabaseURL(t))
	code, out, errOut := run(t, "keys", "create", "--scope", "ingest", "--name", "bureau")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "gs_") {
		t.Errorf("last line %q is not a key", last)
	}
	if code, _, errOut := run(t, "keys", "create", "--scope", "root", "--name", "x"); code == 0 || !strings.Contains(errOut, "scope") {
		t.Errorf("unknown scope: exit %d %s", code, errOut)
	}
}

func TestImportExitStatus(t *testing.T) {
	testenv.Store(t)
	t.Setenv("DATABASE_URL", testenv.DatabaseURL(t))
	dir := t.TempDir()
	rec := testenv.PenaltyRecord(1)
	var header, row []string
	for k, v := range rec {
		header = append(header, k)
		row = append(row, v)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte(strings.Join(header, ",")+"\n"+strings.Join(row, ",")+"\n"), 0o600)
	code, out, errOut := run(t, "import", "penalties", good)
	if code != 0 || !strings.Contains(out, "1") {
		t.Fatalf("good file: exit %d out %q err %q", code, out, errOut)
	}
	rec["CF_XDR_SHXYM"] = "91310115MA1H8R7C6D"
	row = row[:0]
	for _, k := range header {
		row = append(row, rec[k])
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte(strings.Join(header, ",")+"\n"+strings.Join(row, ",")+"\n"), 0o600)
	code, _, errOut = run(t, "import", "penalties", bad)
	if code == 0 || !strings.Contains(errOut, "row 2") || !strings.Contains(errOut, "CF_XDR_SHXYM") {
		t.Errorf("bad file: exit %d err %q", code, errOut)
	}
	if code, _, _ := run(t, "import", "nonsense", good); code != 2 {
		t.Errorf("unknown kind: exit %d, want 2", code)
	}
}

func TestBadConfigurationFailsFast(t *testing.T) {
	t.Setenv("DATABASE_URL", "mysql://nope")
	code, _, errOut := run(t, "migrate", "status")
	if code != 2 || !strings.Contains(errOut, "DATABASE_URL") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// import powers --dry-run prints every change by name and writes nothing;
// a file that removes most of the list is refused without --allow-removals.
func TestImportPowersDryRunAndRemovals(t *testing.T) {
	testenv.Store(t)
	t.Setenv("DATABASE_URL", testenv.DatabaseURL(t))
	dir := t.TempDir()
	write := func(name string, items []domain.PowerItem) string {
		b, err := json.Marshal(items)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	items := testenv.PowerItems(4)
	if code, out, errOut := run(t, "import", "powers", write("v1.json", items)); code != 0 || !strings.Contains(out, "published version 1") {
		t.Fatalf("first import: exit %d out %q err %q", code, out, errOut)
	}
	next := append([]domain.PowerItem{}, items[2:]...)
	next[0].Name = "测试事项3（调整）"
	next = append(next, testenv.PowerItems(5)[4])
	path := write("v2.json", next)
	code, out, errOut := run(t, "import", "powers", path, "--dry-run")
	for _, want := range []string{"would publish version 2, nothing written", "~ 320500CF0003 测试事项3（调整）",
		"+ 320500CF0005 测试事项5", "- 320500CF0001 测试事项1", "- 320500CF0002 测试事项2", "needs --allow-removals"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("dry run: exit %d, output lacks %q:\n%s%s", code, want, out, errOut)
		}
	}
	code, _, errOut = run(t, "import", "powers", path)
	if code == 0 || !strings.Contains(errOut, "more than a quarter") || !strings.Contains(errOut, "--allow-removals") {
		t.Errorf("removing 2 of 4: exit %d err %q", code, errOut)
	}
	code, out, errOut = run(t, "import", "powers", path, "--allow-removals")
	if code != 0 || !strings.Contains(out, "published version 2") || !strings.Contains(out, "- 320500CF0002 测试事项2") {
		t.Errorf("--allow-removals: exit %d out %q err %q", code, out, errOut)
	}
}
