package netx_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/config"
	"github.com/gongshi/gongshi/internal/netx"
)

// start serves handler through NewServer on a loopback listener capped at
// perIP connections per address, and returns its address.
func start(t *testing.T, c config.Conns, handler http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netx.NewServer(handler, c)
	go srv.Serve(netx.LimitPerIP(ln, c.PerIP))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// dialFrom connects to addr from the loopback address local.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// get sends one GET on c and returns the status line, or the error.
func get(c net.Conn) (string, error) {
	c.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return "", err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Status, nil
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

var wide = config.Conns{ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: time.Minute}

// One address holding its share of connections is refused one more;
// another address is still served, and the address is served again once
// it closes one.
func TestLimitPerIP(t *testing.T) {
	c := wide
	c.PerIP = 3
	addr := start(t, c, ok)
	var held []net.Conn
	for range c.PerIP {
		conn := dialFrom(t, "127.0.0.1", addr)
		if status, err := get(conn); err != nil || status != "200 OK" {
			t.Fatalf("connection within the cap: %q %v", status, err)
		}
		held = append(held, conn) // kept alive, idle
	}
	extra := dialFrom(t, "127.0.0.1", addr)
	if status, err := get(extra); err == nil {
		t.Fatalf("connection %d from one address answered %q; want it closed", c.PerIP+1, status)
	}
	other := dialFrom(t, "127.0.0.2", addr)
	if status, err := get(other); err != nil || status != "200 OK" {
		t.Fatalf("another address: %q %v", status, err)
	}
	held[0].Close()
	var status string
	var err error
	for range 50 { // the server notices the close asynchronously
		if status, err = get(dialFrom(t, "127.0.0.1", addr)); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || status != "200 OK" {
		t.Fatalf("after closing one: %q %v", status, err)
	}
}

func TestLimitPerIPZeroIsNoCap(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if netx.LimitPerIP(ln, 0) != ln {
		t.Error("a cap of 0 wrapped the listener")
	}
}

// A request that declares a body and sends it slowly is answered or cut
// off within the read timeout, not held open for as long as it trickles.
func TestSlowBodyIsCutOff(t *testing.T) {
	c := wide
	c.ReadTimeout = 500 * time.Millisecond
	addr := start(t, c, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			http.Error(w, "body: "+err.Error(), http.StatusRequestTimeout)
			return
		}
		io.WriteString(w, "ok")
	}))
	conn := dialFrom(t, "127.0.0.1", addr)
	fmt.Fprint(conn, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		for range 40 { // a byte every 100 ms: 4 s at most
			if _, err := conn.Write([]byte("x")); err != nil {
				done <- err
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		done <- nil
	}()
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err := io.ReadAll(conn) // an answer, then the close; or just the close
	took := time.Since(start)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the slow request still held its connection after %v", took.Round(time.Millisecond))
	}
	if took > c.ReadTimeout+time.Second {
		t.Errorf("cut off after %v; the read timeout is %v", took, c.ReadTimeout)
	}
	conn.Close()
	<-done
}

// An idle kept-alive connection is closed after the idle timeout.
func TestIdleConnectionIsClosed(t *testing.T) {
	c := wide
	c.IdleTimeout = 300 * time.Millisecond
	addr := start(t, c, ok)
	conn := dialFrom(t, "127.0.0.1", addr)
	if _, err := get(conn); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, err := conn.Read(make([]byte, 1))
	if n != 0 || !errors.Is(err, io.EOF) && !strings.Contains(fmt.Sprint(err), "reset") {
		t.Errorf("idle connection: read %d, %v; want it closed", n, err)
	}
}
