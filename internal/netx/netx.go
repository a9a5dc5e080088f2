// Package netx holds the HTTP server's connection policy: how long a
// client may take to send a request, to read a response and to stay idle,
// and how many connections one remote address may keep open.
package netx

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gongshi/gongshi/internal/config"
)

// readHeaderTimeout bounds the request line and headers, whatever the
// configured read timeout.
const readHeaderTimeout = 10 * time.Second

// NewServer is the HTTP server of handler with the configured timeouts.
// Handlers that stream a response renew its write deadline as data flows
// (http.ResponseController.SetWriteDeadline).
func NewServer(handler http.Handler, c config.Conns) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: min(readHeaderTimeout, c.ReadTimeout),
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
	}
}

// LimitPerIP returns a listener that accepts at most n open connections
// from one remote IP; a connection beyond is closed at once, before any
// byte is read, and the other addresses are served on. n ≤ 0 returns ln.
// Behind a reverse proxy every connection comes from the proxy, so the
// cap is per proxy.
func LimitPerIP(ln net.Listener, n int) net.Listener {
	if n <= 0 {
		return ln
	}
	return &perIPListener{Listener: ln, max: n, open: map[string]int{}}
}

type perIPListener struct {
	net.Listener
	max int

	mu   sync.Mutex
	open map[string]int // remote IP → open connections
}

// Accept returns the next connection within the cap.
func (l *perIPListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		if l.take(ip) {
			return &countedConn{Conn: c, release: func() { l.give(ip) }}, nil
		}
		c.Close()
	}
}

func (l *perIPListener) take(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] >= l.max {
		return false
	}
	l.open[ip]++
	return true
}

func (l *perIPListener) give(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] <= 1 {
		delete(l.open, ip)
		return
	}
	l.open[ip]--
}

// remoteIP is the address a connection comes from, without its port.
func remoteIP(c net.Conn) string {
	addr := c.RemoteAddr().String()
	if host, _, err := net.SplitHostPort(addr); err == nil {
		return host
	}
	return addr
}

// countedConn gives its place back once, on its first Close.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
