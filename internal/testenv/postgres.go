package testenv

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a private PostgreSQL cluster a test started (initdb, then
// the postmaster) on a free loopback port, with trust authentication for
// the user postgres. Fault and scale tests crash, restart and replicate
// it; the machine's shared PostgreSQL is never touched. It is stopped and
// removed when the test ends.
type Postgres struct {
	Port int

	tb   testing.TB
	bin  string
	dir  string              // owned by the cluster's user; data is dir/data
	cred *syscall.Credential // the cluster's user when the test runs as root

	cmd  *exec.Cmd
	done chan struct{}
}

// PostgresBin returns the directory of the PostgreSQL server programs
// (initdb, postgres, pg_basebackup): $PG_BIN, else the newest
// /usr/lib/postgresql/*/bin. It fails the test when there is none.
func PostgresBin(tb testing.TB) string {
	tb.Helper()
	if d := os.Getenv("PG_BIN"); d != "" {
		return d
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) < pgMajor(dirs[j]) })
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i]
		}
	}
	tb.Fatal("testenv: PostgreSQL server programs are required (Debian package postgresql, or set PG_BIN)")
	return ""
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// StartPostgres creates and starts a private cluster configured for
// streaming replication (wal_level replica, replication connections by
// trust on loopback).
func StartPostgres(tb testing.TB) *Postgres {
	tb.Helper()
	pg := newPostgres(tb)
	pg.run("initdb", "-D", pg.data(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
	conf := "listen_addresses = '127.0.0.1'\nport = " + strconv.Itoa(pg.Port) + "\n" +
		"unix_socket_directories = '" + pg.dir + "'\nwal_level = replica\nmax_wal_senders = 5\n" +
		"hot_standby = on\nfsync = off\nmax_connections = 200\nshared_buffers = 64MB\n"
	pg.appendFile("postgresql.auto.conf", conf)
	pg.appendFile("pg_hba.conf", "host replication all 127.0.0.1/32 trust\n")
	pg.Start()
	return pg
}

// StartStandby starts a streaming replica of primary, copied with
// pg_basebackup.
func StartStandby(tb testing.TB, primary *Postgres) *Postgres {
	tb.Helper()
	pg := newPostgres(tb)
	pg.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(primary.Port), "-U", "postgres",
		"-D", pg.data(), "-R", "-X", "stream", "-c", "fast")
	pg.appendFile("postgresql.auto.conf", "port = "+strconv.Itoa(pg.Port)+"\nunix_socket_directories = '"+pg.dir+"'\n")
	pg.Start()
	return pg
}

func newPostgres(tb testing.TB) *Postgres {
	tb.Helper()
	port, err := freePort()
	if err != nil {
		tb.Fatalf("testenv: no free port for PostgreSQL: %v", err)
	}
	dir, err := os.MkdirTemp("", "gongshi-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	pg := &Postgres{Port: port, tb: tb, bin: PostgresBin(tb), dir: dir}
	if os.Geteuid() == 0 { // the server refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("testenv: running as root needs the system user postgres: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatalf("testenv: chown %s to postgres: %v", dir, err)
		}
	}
	tb.Cleanup(func() {
		pg.Kill()
		os.RemoveAll(dir)
	})
	return pg
}

func (pg *Postgres) data() string { return filepath.Join(pg.dir, "data") }

// command runs a PostgreSQL program as the cluster's user.
func (pg *Postgres) command(prog string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(pg.bin, prog), args...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred, Pdeathsig: syscall.SIGKILL}
	return cmd
}

func (pg *Postgres) run(prog string, args ...string) {
	pg.tb.Helper()
	if out, err := pg.command(prog, args...).CombinedOutput(); err != nil {
		pg.tb.Fatalf("testenv: %s: %v\n%s", prog, err, out)
	}
}

func (pg *Postgres) appendFile(name, text string) {
	pg.tb.Helper()
	f, err := os.OpenFile(filepath.Join(pg.data(), name), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		pg.tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		pg.tb.Fatal(err)
	}
}

// URL is the URL of database db as the user postgres.
func (pg *Postgres) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", pg.Port, db)
}

// Start starts the postmaster (again, after Kill: crash recovery runs)
// and waits until it accepts connections.
func (pg *Postgres) Start() {
	pg.tb.Helper()
	if pg.cmd != nil {
		pg.tb.Fatal("testenv: PostgreSQL already running")
	}
	log, err := os.OpenFile(filepath.Join(pg.dir, "postgres.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		pg.tb.Fatal(err)
	}
	cmd := pg.command("postgres", "-D", pg.data())
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		pg.tb.Fatalf("testenv: start postgres: %v", err)
	}
	pg.cmd, pg.done = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); log.Close(); close(done) }(pg.done)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-pg.done:
			pg.tb.Fatalf("testenv: postgres exited at start:\n%s", pg.Log())
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, pg.URL("postgres"))
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return
		}
	}
	pg.tb.Fatalf("testenv: PostgreSQL on port %d did not accept connections:\n%s", pg.Port, pg.Log())
}

// Kill crashes the cluster: SIGKILL to the postmaster, then to every
// backend it leaves (as a machine losing the processes would), and waits.
func (pg *Postgres) Kill() {
	if pg.cmd == nil {
		return
	}
	// Backends exit by themselves when the postmaster is gone, but only
	// when they notice; kill them with it so that the port and shared
	// memory are free at once.
	children, _ := exec.Command("pgrep", "-P", strconv.Itoa(pg.cmd.Process.Pid)).Output()
	killAndWait(pg.cmd, pg.done)
	pg.cmd = nil
	var pids []int
	for _, f := range strings.Fields(string(children)) {
		if n, err := strconv.Atoi(f); err == nil {
			syscall.Kill(n, syscall.SIGKILL)
			pids = append(pids, n)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		alive := false
		for _, n := range pids {
			alive = alive || syscall.Kill(n, 0) == nil
		}
		if !alive {
			return
		}
	}
}

// Restart crashes the cluster and starts it again.
func (pg *Postgres) Restart() {
	pg.tb.Helper()
	pg.Kill()
	pg.Start()
}

// Log returns what the server logged so far.
func (pg *Postgres) Log() string {
	b, _ := os.ReadFile(filepath.Join(pg.dir, "postgres.log"))
	return string(b)
}
