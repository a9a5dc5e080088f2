package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
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

	"github.com/gongshi/gongshi/internal/blob"
)

// S3 is an S3-compatible server a test started: the Versity S3 gateway
// (versitygw) serving a temporary directory over S3, with signature
// checks, on a free loopback port. It is stopped, by its pid, when the
// test ends.
type S3 struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Bucket    string // created before the server starts

	tb   testing.TB
	bin  string
	dir  string
	addr string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
	log  *lockedBuffer
}

// VersityBin returns the versitygw binary tests use: $VERSITYGW_BIN,
// else versitygw on PATH, else the repository's .data/bin/versitygw
// (scripts/install-versitygw.sh puts it there). It returns "" when there
// is none.
func VersityBin() string {
	if bin := os.Getenv("VERSITYGW_BIN"); bin != "" {
		return bin
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", ".data", "bin", "versitygw")
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p
	}
	return ""
}

// StartS3 starts an S3 server for this test and waits until it answers.
// Without a versitygw binary the test fails when GONGSHI_REQUIRE_SERVICES
// is 1 (as under make test), and is skipped, saying why, otherwise.
func StartS3(tb testing.TB) *S3 {
	tb.Helper()
	bin := VersityBin()
	if bin == "" {
		msg := "testenv: the S3 tests need versitygw: run scripts/install-versitygw.sh (make test does) or set VERSITYGW_BIN"
		if os.Getenv("GONGSHI_REQUIRE_SERVICES") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		tb.Fatalf("testenv: versitygw %s is not an executable file", bin)
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	s := &S3{tb: tb, bin: bin, dir: tb.TempDir(), AccessKey: "gongshitest", SecretKey: hex.EncodeToString(secret),
		Bucket: "gongshi-test"}
	if err := os.Mkdir(filepath.Join(s.dir, s.Bucket), 0o755); err != nil {
		tb.Fatal(err)
	}
	port, err := freePort()
	if err != nil {
		tb.Fatalf("testenv: no free port for versitygw: %v", err)
	}
	s.addr = "127.0.0.1:" + strconv.Itoa(port)
	s.Endpoint = "http://" + s.addr
	tb.Cleanup(s.Stop)
	s.Start()
	return s
}

// Config returns the blob configuration of the server's bucket under
// prefix.
func (s *S3) Config(prefix string) blob.S3Config {
	return blob.S3Config{Endpoint: s.Endpoint, Region: "us-east-1", Bucket: s.Bucket, Prefix: prefix,
		AccessKeyID: s.AccessKey, SecretAccessKey: s.SecretKey}
}

// Start starts the server (again, after Stop) on the same port and
// directory, and waits until it answers.
func (s *S3) Start() {
	s.tb.Helper()
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		s.tb.Fatal("testenv: versitygw already running")
	}
	s.log = &lockedBuffer{}
	cmd := exec.Command(s.bin, "--access", s.AccessKey, "--secret", s.SecretKey, "--port", s.addr, "posix", s.dir)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = s.log, s.log
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		s.tb.Fatalf("testenv: start versitygw %s: %v", s.bin, err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(s.done)
	done := s.done
	s.mu.Unlock()

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			s.tb.Fatalf("testenv: versitygw exited at start:\n%s", s.log.String())
		default:
		}
		// Any S3 answer (an unsigned request is refused) means it serves.
		if resp, err := client.Get(s.Endpoint + "/"); err == nil {
			resp.Body.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.tb.Fatalf("testenv: versitygw did not answer at %s:\n%s", s.Endpoint, s.log.String())
}

// Stop kills the server by its pid, as a crash would, and waits until it
// has exited. Stopping a stopped server does nothing.
func (s *S3) Stop() {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	syscall.Kill(cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}

// Dir is the directory the server serves; the bucket is its
// subdirectory Bucket.
func (s *S3) Dir() string { return s.dir }

// String describes the server for test logs.
func (s *S3) String() string { return fmt.Sprintf("versitygw at %s (data %s)", s.Endpoint, s.dir) }
