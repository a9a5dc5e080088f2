package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Meili is a Meilisearch server a test started from $MEILI_BIN, listening
// on a free loopback port with a temporary data folder and a master key.
// It is stopped when the test ends. A missing binary fails the test.
type Meili struct {
	URL       string
	MasterKey string

	tb   testing.TB
	bin  string
	dir  string
	addr string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *lockedBuffer
}

// lockedBuffer collects the server's output from two goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// MeiliBin returns the Meilisearch binary tests use: $MEILI_BIN, else
// meilisearch on PATH. It fails the test when there is none.
func MeiliBin(tb testing.TB) string {
	tb.Helper()
	bin := os.Getenv("MEILI_BIN")
	if bin == "" {
		if p, err := exec.LookPath("meilisearch"); err == nil {
			bin = p
		}
	}
	if bin == "" {
		tb.Fatal("testenv: Meilisearch is required: set MEILI_BIN to a Meilisearch 1.21 binary " +
			"(make test does; by hand: MEILI_BIN=$PWD/.data/bin/meilisearch after scripts/services.sh up)")
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		tb.Fatalf("testenv: MEILI_BIN=%s is not an executable file", bin)
	}
	return bin
}

// StartMeili starts a Meilisearch for this test and waits until it is
// available.
func StartMeili(tb testing.TB) *Meili {
	tb.Helper()
	key := make([]byte, 16)
	rand.Read(key)
	m := &Meili{tb: tb, bin: MeiliBin(tb), dir: tb.TempDir(), MasterKey: hex.EncodeToString(key)}
	port, err := freePort()
	if err != nil {
		tb.Fatalf("testenv: no free port for Meilisearch: %v", err)
	}
	m.addr = "127.0.0.1:" + strconv.Itoa(port)
	m.URL = "http://" + m.addr
	tb.Cleanup(m.Kill)
	m.Start()
	return m
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start starts the server (again, after Kill) on the same port and data
// folder, and waits until it is available.
func (m *Meili) Start() {
	m.tb.Helper()
	m.mu.Lock()
	if m.cmd != nil {
		m.mu.Unlock()
		m.tb.Fatal("testenv: Meilisearch already running")
	}
	m.log = &lockedBuffer{}
	cmd := exec.Command(m.bin, "--db-path", filepath.Join(m.dir, "data.ms"), "--dump-dir", filepath.Join(m.dir, "dumps"),
		"--snapshot-dir", filepath.Join(m.dir, "snapshots"), "--http-addr", m.addr, "--master-key", m.MasterKey,
		"--no-analytics", "--env", "development", "--log-level", "WARN")
	cmd.Dir = m.dir
	cmd.Stdout, cmd.Stderr = m.log, m.log
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		m.mu.Unlock()
		m.tb.Fatalf("testenv: start Meilisearch %s: %v", m.bin, err)
	}
	m.cmd, m.done = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(m.done)
	done := m.done
	m.mu.Unlock()

	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			m.tb.Fatalf("testenv: Meilisearch exited at start:\n%s", m.output())
		default:
		}
		resp, err := http.Get(m.URL + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	m.tb.Fatalf("testenv: Meilisearch did not become available at %s:\n%s", m.URL, m.output())
}

func (m *Meili) output() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.log == nil {
		return ""
	}
	return m.log.String()
}

// Kill stops the server at once with SIGKILL, as a crash would, and waits
// until it has exited. Killing a stopped server does nothing.
func (m *Meili) Kill() {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.cmd = nil
	m.mu.Unlock()
	killAndWait(cmd, done)
}

// killAndWait sends SIGKILL to cmd (if any) and waits up to 10 s until
// done closes.
func killAndWait(cmd *exec.Cmd, done <-chan struct{}) {
	if cmd == nil {
		return
	}
	cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

// Running reports whether the server process is up.
func (m *Meili) Running() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cmd != nil
}

// WaitIdle waits until Meilisearch has no enqueued or processing task.
func (m *Meili) WaitIdle(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", m.URL+"/tasks?statuses=enqueued,processing&limit=1", nil)
		req.Header.Set("Authorization", "Bearer "+m.MasterKey)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && bytes.Contains(b.Bytes(), []byte(`"total":0`)) {
				return
			}
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("testenv: Meilisearch tasks still pending after %v", timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// String describes the server for test logs.
func (m *Meili) String() string { return fmt.Sprintf("meilisearch at %s (data %s)", m.URL, m.dir) }
