package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// DebianTool returns the path of program from the Debian package pkg:
// $<PROGRAM>_BIN when set, else what scripts/install-deb.sh finds or
// installs under .data (no root, nothing installed system-wide). When
// neither works the test is skipped with the reason, unless required is
// true (the scale test), when it fails.
func DebianTool(tb testing.TB, pkg, program string, required bool) string {
	tb.Helper()
	if p := os.Getenv(strings.ToUpper(program) + "_BIN"); p != "" {
		return p
	}
	root, err := repoRoot()
	if err == nil {
		var out []byte
		out, err = exec.Command(filepath.Join(root, "scripts", "install-deb.sh"), pkg, program).Output()
		if err == nil {
			return strings.TrimSpace(string(out))
		}
	}
	msg := fmt.Sprintf("testenv: %s from the Debian package %s is not installable here (%v); set %s_BIN to run this test",
		program, pkg, err, strings.ToUpper(program))
	if required {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// PgBouncer is a PgBouncer in transaction-pooling mode a test started on a
// free loopback port, in front of the PostgreSQL at host:port (trust
// authentication, user postgres). It is stopped when the test ends.
type PgBouncer struct {
	Port int
	cmd  *exec.Cmd
}

// StartPgBouncer starts PgBouncer (pool_mode = transaction) in front of
// the PostgreSQL at pgHost:pgPort. Without the program the test is skipped
// unless required.
func StartPgBouncer(tb testing.TB, pgHost string, pgPort int, required bool) *PgBouncer {
	tb.Helper()
	bin := DebianTool(tb, "pgbouncer", "pgbouncer", required)
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "gongshi-pgbouncer-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	ini := fmt.Sprintf(`[databases]
* = host=%s port=%d user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s/users.txt
pool_mode = transaction
default_pool_size = 4
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,statement_timeout,application_name,timezone,jit
logfile = %s/pgbouncer.log
`, pgHost, pgPort, port, dir, dir)
	for name, text := range map[string]string{"pgbouncer.ini": ini, "users.txt": `"postgres" ""` + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	args := []string{filepath.Join(dir, "pgbouncer.ini")}
	cmd := exec.Command(bin, args...)
	if os.Geteuid() == 0 { // PgBouncer refuses to run as root
		u, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("testenv: running PgBouncer as root needs the system user postgres: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("testenv: start pgbouncer: %v", err)
	}
	b := &PgBouncer{Port: port, cmd: cmd}
	tb.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
			return b
		}
		if time.Now().After(deadline) {
			logText, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			tb.Fatalf("testenv: pgbouncer does not listen on %d: %v\n%s%s", port, err, out.String(), logText)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is the URL of database db through the pooler. pgx's default of
// named prepared statements does not survive transaction pooling, so the
// URL asks for cached descriptions and unnamed statements instead.
func (b *PgBouncer) URL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable&default_query_exec_mode=cache_describe", b.Port, db)
}
