package flowchart

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/testenv"
)

// script writes an executable shell script body to a temporary directory
// and returns its path.
func script(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "flowchart")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// countRuns returns a command that notes each of its runs in a file and
// then runs the real flowchart command, and a function counting the runs.
func countRuns(t *testing.T, before string) (string, func() int) {
	t.Helper()
	log := filepath.Join(t.TempDir(), "runs")
	cmd := script(t, before+"\necho run >> '"+log+"'\nexec '"+testenv.FlowchartBin(t)+"'")
	return cmd, func() int {
		b, _ := os.ReadFile(log)
		return bytes.Count(b, []byte("run\n"))
	}
}

// A flowchart is drawn once per Renderer: again, and by requests at the
// same time, it is served from the cache, with one run of the command.
func TestRendererDrawsOnce(t *testing.T) {
	cmd, runs := countRuns(t, "")
	r := NewRenderer(Options{Command: cmd})
	f := domain.StandardFlow("行政许可")
	var wg sync.WaitGroup
	svgs := make([][]byte, 6)
	for i := range svgs {
		wg.Go(func() {
			svg, err := r.RenderTitled(context.Background(), "许可", f)
			if err != nil {
				t.Error(err)
			}
			svgs[i] = svg
		})
	}
	wg.Wait()
	if _, err := r.RenderTitled(context.Background(), "许可", f); err != nil {
		t.Fatal(err)
	}
	for _, svg := range svgs[1:] {
		if !bytes.Equal(svg, svgs[0]) || !bytes.HasPrefix(svg, []byte("<svg")) {
			t.Fatalf("the same flowchart drawn differently: %.80s", svg)
		}
	}
	if n := runs(); n != 1 {
		t.Errorf("the command ran %d times for one flowchart, want 1", n)
	}
	if _, err := r.RenderTitled(context.Background(), "另一个标题", f); err != nil {
		t.Fatal(err)
	}
	if n := runs(); n != 2 {
		t.Errorf("a flowchart with another title: %d runs in all, want 2", n)
	}
}

// No more than Options.Concurrency runs of the command go on at once.
func TestRendererConcurrency(t *testing.T) {
	lock := filepath.Join(t.TempDir(), "running")
	cmd, runs := countRuns(t, "mkdir '"+lock+"' || { echo two runs at once >&2; exit 1; }\nsleep 0.2\nrmdir '"+lock+"'")
	r := NewRenderer(Options{Command: cmd, Concurrency: 1})
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			if _, err := r.RenderTitled(context.Background(), strings.Repeat("图", i+1), domain.StandardFlow("行政处罚")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := runs(); n != 3 {
		t.Errorf("%d runs, want 3", n)
	}
}

// A command that fails, hangs or is missing is ErrUnavailable, with its
// reason; nothing is cached, and the context bounds the wait.
func TestRendererUnavailable(t *testing.T) {
	f := domain.StandardFlow("行政奖励")
	ctx := context.Background()

	r := NewRenderer(Options{Command: filepath.Join(t.TempDir(), "nowhere")})
	if _, err := r.Command(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Command of a missing command: %v", err)
	}
	if _, err := r.Render(ctx, f); !errors.Is(err, ErrUnavailable) {
		t.Errorf("missing command: %v, want ErrUnavailable", err)
	}
	if _, err := r.Render(ctx, domain.Flow{}); err == nil || errors.Is(err, ErrUnavailable) {
		t.Errorf("an invalid flow is an error of its own, not ErrUnavailable: %v", err)
	}

	r = NewRenderer(Options{Command: script(t, "echo 'parse dot: syntax error' >&2; exit 1")})
	if _, err := r.Render(ctx, f); !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "syntax error") {
		t.Errorf("failing command: %v, want ErrUnavailable with its stderr", err)
	}
	if r.cache.len() != 0 {
		t.Error("a failure was cached")
	}

	r = NewRenderer(Options{Command: script(t, "echo '<svg'"), Timeout: time.Second})
	if _, err := r.Render(ctx, f); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a command writing no picture: %v", err)
	}

	r = NewRenderer(Options{Command: script(t, "exec sleep 30"), Timeout: 300 * time.Millisecond})
	start := time.Now()
	if _, err := r.Render(ctx, f); !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hanging command: %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a hanging command held the drawing %v", d)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := testRenderer.Render(cancelled, f); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v, want context.Canceled", err)
	}
}

// The command gets none of the portal's environment (its secrets among
// it), only what the Go runtime and Graphviz's module cache read.
func TestRendererEnvironment(t *testing.T) {
	env := filepath.Join(t.TempDir(), "env")
	t.Setenv("DATABASE_URL", "postgres://secret@db/gongshi")
	t.Setenv("TMPDIR", t.TempDir())
	r := NewRenderer(Options{Command: script(t, "env > '"+env+"'\nexec '"+testenv.FlowchartBin(t)+"'")})
	if _, err := r.Render(context.Background(), domain.StandardFlow("行政确认")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "secret") || !strings.Contains(string(b), "TMPDIR="+os.Getenv("TMPDIR")) {
		t.Errorf("the command's environment:\n%s", b)
	}
	for _, k := range []string{"TMPDIR", "GOMAXPROCS", "GOMEMLIMIT", "GOGC", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			t.Setenv(k, v)
			os.Unsetenv(k)
		}
	}
	if env := commandEnv(); env == nil || len(env) != 0 {
		t.Errorf("with none of its variables set, the command's environment is %q, want empty (nil passes on everything)", env)
	}
}

// Locate finds a command by path or on $PATH, by default the one named
// flowchart, and always returns an absolute path.
func TestLocate(t *testing.T) {
	bin := testenv.FlowchartBin(t)
	if p, err := Locate(bin); err != nil || p != bin {
		t.Errorf("Locate(%q) = %q, %v", bin, p, err)
	}
	t.Chdir(filepath.Dir(filepath.Dir(bin)))
	rel := filepath.Join(filepath.Base(filepath.Dir(bin)), CommandName)
	if p, err := Locate("./" + rel); err != nil || p != bin {
		t.Errorf("Locate(%q) = %q, %v", "./"+rel, p, err)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := Locate(""); err == nil {
		t.Error("Locate found a flowchart command where there is none")
	}
	if _, err := Locate("no-such-flowchart"); err == nil {
		t.Error("Locate found a command that does not exist")
	}
	t.Setenv("PATH", filepath.Dir(bin))
	if p, err := Locate(""); err != nil || p != bin {
		t.Errorf("Locate(\"\") with the command on $PATH = %q, %v", p, err)
	}
	if _, err := Locate(filepath.Join(t.TempDir(), "flowchart")); err == nil {
		t.Error("Locate accepted a path to nothing")
	}
}

// The cache keeps at most its size in bytes, dropping the least recently
// used picture first.
func TestLRU(t *testing.T) {
	c := newLRU(10)
	c.put("a", []byte("aaaa"))
	c.put("b", []byte("bbbb"))
	if _, ok := c.get("a"); !ok {
		t.Fatal("a missing")
	}
	c.put("c", []byte("cccc")) // over 10 bytes: b, the least recently used, goes
	if _, ok := c.get("b"); ok {
		t.Error("b kept past the size")
	}
	for _, k := range []string{"a", "c"} {
		if _, ok := c.get(k); !ok {
			t.Errorf("%s dropped", k)
		}
	}
	c.put("big", make([]byte, 11))
	if _, ok := c.get("big"); ok || c.len() != 2 {
		t.Errorf("a picture larger than the cache was kept (%d kept)", c.len())
	}
	c.put("a", []byte("aaaaaaaa")) // replaced, larger: c goes
	if v, _ := c.get("a"); string(v) != "aaaaaaaa" || c.len() != 1 || c.size != 8 {
		t.Errorf("replacing: %q, %d kept, %d bytes", v, c.len(), c.size)
	}
}
