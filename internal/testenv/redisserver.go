package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a private redis-server a test started on a free loopback
// port, without persistence, as production runs it. It is stopped when the
// test ends. Fault tests restart, flush and fail it over; the shared Redis
// of the machine is never touched.
type RedisServer struct {
	Addr string

	tb   testing.TB
	dir  string
	args []string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// RedisBin is the redis-server binary tests start: $REDIS_SERVER_BIN, else
// redis-server on PATH. It fails the test when there is none.
func RedisBin(tb testing.TB) string {
	tb.Helper()
	if bin := os.Getenv("REDIS_SERVER_BIN"); bin != "" {
		return bin
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Fatal("testenv: redis-server is required for this test (Debian package redis-server)")
	}
	return bin
}

// StartRedis starts a private Redis; extra arguments are passed to
// redis-server (e.g. "--replicaof", host, port).
func StartRedis(tb testing.TB, extra ...string) *RedisServer {
	tb.Helper()
	return startRedis(tb, nil, extra)
}

// StartSentinel starts a private Redis Sentinel watching the primary at
// primaryAddr under the name master, quick to declare it down (500 ms).
func StartSentinel(tb testing.TB, master, primaryAddr string) *RedisServer {
	tb.Helper()
	host, port, _ := strings.Cut(primaryAddr, ":")
	conf := filepath.Join(tb.TempDir(), "sentinel.conf")
	text := fmt.Sprintf("sentinel monitor %[1]s %[2]s %[3]s 1\n"+
		"sentinel down-after-milliseconds %[1]s 500\n"+
		"sentinel failover-timeout %[1]s 3000\n"+
		"sentinel parallel-syncs %[1]s 1\n", master, host, port)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return startRedis(tb, []string{conf, "--sentinel"}, nil)
}

func startRedis(tb testing.TB, first, extra []string) *RedisServer {
	tb.Helper()
	port, err := freePort()
	if err != nil {
		tb.Fatalf("testenv: no free port for Redis: %v", err)
	}
	r := &RedisServer{tb: tb, dir: tb.TempDir(), Addr: "127.0.0.1:" + strconv.Itoa(port)}
	r.args = append(append(first, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--daemonize", "no", "--loglevel", "warning"), extra...)
	tb.Cleanup(r.Kill)
	r.Start()
	return r
}

// URL is the redis:// URL of database db.
func (r *RedisServer) URL(db int) string { return fmt.Sprintf("redis://%s/%d", r.Addr, db) }

// Start starts the server (again, after Kill) on the same port, empty, and
// waits until it answers.
func (r *RedisServer) Start() {
	r.tb.Helper()
	r.mu.Lock()
	if r.cmd != nil {
		r.mu.Unlock()
		r.tb.Fatal("testenv: Redis already running")
	}
	cmd := exec.Command(RedisBin(r.tb), r.args...)
	cmd.Dir = r.dir
	out, err := os.Create(filepath.Join(r.dir, "redis.log"))
	if err != nil {
		r.mu.Unlock()
		r.tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		r.tb.Fatalf("testenv: start redis-server: %v", err)
	}
	r.cmd, r.done = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); out.Close(); close(done) }(r.done)
	r.mu.Unlock()
	r.waitReady()
}

func (r *RedisServer) waitReady() {
	r.tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: r.Addr, MaxRetries: -1})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil || strings.Contains(err.Error(), "LOADING") {
			return
		}
	}
	log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
	r.tb.Fatalf("testenv: Redis at %s did not answer:\n%s", r.Addr, log)
}

// Kill stops the server at once with SIGKILL, as a crash would; without
// persistence, everything it held is lost.
func (r *RedisServer) Kill() {
	r.mu.Lock()
	cmd, done := r.cmd, r.done
	r.cmd = nil
	r.mu.Unlock()
	killAndWait(cmd, done)
}

// Restart kills the server and starts it again, empty, on the same port.
func (r *RedisServer) Restart() {
	r.tb.Helper()
	r.Kill()
	r.Start()
}

// Do runs one command on the server, failing the test on error.
func (r *RedisServer) Do(args ...any) any {
	r.tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: r.Addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := c.Do(ctx, args...).Result()
	if err != nil {
		r.tb.Fatalf("testenv: redis %v: %v", args, err)
	}
	return v
}
