package config

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Conns is how long a client may take and how much of the server one
// client may hold.
type Conns struct {
	// ReadTimeout bounds reading a whole request, body included
	// (PORTAL_READ_TIMEOUT).
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response; a streamed one (downloads,
	// feeds) has it renewed as data flows, so it bounds how long a client
	// may stop reading (PORTAL_WRITE_TIMEOUT).
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection without requests
	// (PORTAL_IDLE_TIMEOUT).
	IdleTimeout time.Duration
	// PerIP caps the open connections from one remote address; 0: no cap
	// (PORTAL_CONNS_PER_IP). Behind a proxy the address is the proxy's.
	PerIP int
	// LiveDownloads caps the live dataset downloads streaming at once,
	// each holding a database connection (PORTAL_LIVE_DOWNLOADS).
	LiveDownloads int
	// LiveDownloadsPerIP caps those of one client IP
	// (PORTAL_LIVE_DOWNLOADS_PER_IP).
	LiveDownloadsPerIP int
}

// DefaultLiveDownloads is half the database pool's default size
// (pgxpool: the number of CPUs, at least 4), so downloads never take the
// connections every other request needs.
func DefaultLiveDownloads() int { return max(runtime.NumCPU()/2, 2) }

// loadConns reads the connection limits.
func loadConns(c *Conns, getenv func(string) string) []error {
	var errs []error
	for _, d := range []struct {
		name, def string
		dst       *time.Duration
	}{
		{"PORTAL_READ_TIMEOUT", "30s", &c.ReadTimeout},
		{"PORTAL_WRITE_TIMEOUT", "60s", &c.WriteTimeout},
		{"PORTAL_IDLE_TIMEOUT", "120s", &c.IdleTimeout},
	} {
		raw := strings.TrimSpace(getenv(d.name))
		if raw == "" {
			raw = d.def
		}
		v, err := time.ParseDuration(raw)
		if err != nil || v <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration such as %s, got %q", d.name, d.def, raw))
		}
		*d.dst = v
	}
	for _, n := range []struct {
		name, def string
		dst       *int
		min       int
	}{
		{"PORTAL_CONNS_PER_IP", "64", &c.PerIP, 0},
		{"PORTAL_LIVE_DOWNLOADS", strconv.Itoa(DefaultLiveDownloads()), &c.LiveDownloads, 1},
		{"PORTAL_LIVE_DOWNLOADS_PER_IP", "1", &c.LiveDownloadsPerIP, 1},
	} {
		raw := strings.TrimSpace(getenv(n.name))
		if raw == "" {
			raw = n.def
		}
		v, err := strconv.Atoi(raw)
		if err != nil || v < n.min {
			errs = append(errs, fmt.Errorf("%s: want a whole number ≥ %d, got %q", n.name, n.min, raw))
		}
		*n.dst = v
	}
	return errs
}
