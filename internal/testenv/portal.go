package testenv

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	portalOnce sync.Once
	portalBin  string
	portalErr  error
)

// PortalBin builds the portal command once per test binary and returns
// its path. The flowchart command (cmd/flowchart) is built beside it,
// where the portal looks for it, as `make build` and the image place them.
func PortalBin(tb testing.TB) string {
	tb.Helper()
	portalOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gongshi-portal-")
		if err != nil {
			portalErr = err
			return
		}
		portalBin = filepath.Join(dir, "portal")
		portalErr = goBuild(dir, "./cmd/portal", "./cmd/flowchart")
	})
	if portalErr != nil {
		tb.Fatalf("testenv: build portal: %v", portalErr)
	}
	return portalBin
}

// goBuild builds the commands pkgs of this module into dir.
func goBuild(dir string, pkgs ...string) error {
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	if out, err := cmd.CombinedOutput(); err != nil {
		return &buildError{err, string(out)}
	}
	return nil
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return e.err.Error() + "\n" + e.out }

// Process is a portal subcommand a test started (serve, index, import …).
type Process struct {
	Args []string
	Env  []string
	Addr string // for serve: the listen address

	tb   testing.TB
	log  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// StartPortal starts `portal args…` with env added to this process's
// environment (for serve, PORTAL_ADDR is set to a free loopback port and
// the call waits until /healthz answers). It is killed when the test ends.
func StartPortal(tb testing.TB, env []string, args ...string) *Process {
	tb.Helper()
	p := &Process{Args: args, Env: env, tb: tb, log: filepath.Join(tb.TempDir(), "portal.log")}
	if len(args) > 0 && args[0] == "serve" {
		port, err := freePort()
		if err != nil {
			tb.Fatal(err)
		}
		p.Addr = "127.0.0.1:" + strconv.Itoa(port)
		p.Env = append(append([]string{}, env...), "PORTAL_ADDR="+p.Addr, "PORTAL_BASE_URL=http://"+p.Addr)
	}
	tb.Cleanup(p.Kill)
	p.Start()
	return p
}

// URL is the base URL of a serve process.
func (p *Process) URL() string { return "http://" + p.Addr }

// Start starts the process (again, after Kill or Stop).
func (p *Process) Start() {
	p.tb.Helper()
	p.mu.Lock()
	if p.cmd != nil {
		p.mu.Unlock()
		p.tb.Fatal("testenv: portal already running")
	}
	log, err := os.OpenFile(p.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		p.mu.Unlock()
		p.tb.Fatal(err)
	}
	cmd := exec.Command(PortalBin(p.tb), p.Args...)
	cmd.Env = append(os.Environ(), p.Env...)
	cmd.Stdout, cmd.Stderr = log, log
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		p.mu.Unlock()
		log.Close()
		p.tb.Fatalf("testenv: start portal %v: %v", p.Args, err)
	}
	p.cmd, p.done = cmd, make(chan struct{})
	go func(done chan struct{}) { p.setErr(cmd.Wait()); log.Close(); close(done) }(p.done)
	p.mu.Unlock()
	if p.Addr != "" {
		p.waitHealthy()
	}
}

func (p *Process) setErr(err error) {
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
}

func (p *Process) waitHealthy() {
	p.tb.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if p.Exited() {
			p.tb.Fatalf("testenv: portal %v exited at start:\n%s", p.Args, p.Log())
		}
		resp, err := http.Get(p.URL() + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	p.tb.Fatalf("testenv: portal %v did not answer /healthz:\n%s", p.Args, p.Log())
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	if done == nil {
		return true
	}
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// Wait waits up to timeout for the process to end and returns its error
// (nil for exit status 0); it fails the test on timeout.
func (p *Process) Wait(timeout time.Duration) error {
	p.tb.Helper()
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	select {
	case <-done:
	case <-time.After(timeout):
		p.tb.Fatalf("testenv: portal %v still running after %v", p.Args, timeout)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cmd = nil
	return p.err
}

// Kill ends the process at once with SIGKILL, as a crash would.
func (p *Process) Kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	killAndWait(cmd, done)
}

// Stop asks the process to shut down (SIGTERM) and waits up to 30 s.
func (p *Process) Stop() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		killAndWait(cmd, done)
	}
}

// Log returns what the process wrote so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}
