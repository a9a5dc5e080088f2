package server_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/config"
	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/netx"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/api"
)

// generated is a dataset store whose live export is made up: rows rows of
// wide values, or rows until the client goes when rows is 0.
type generated struct{ rows int }

func (generated) DatasetState(_ context.Context, name string) (store.DatasetState, error) {
	return store.DatasetState{Dataset: name, Version: "v1", Modified: time.Now(), Day: time.Now().UTC().Truncate(24 * time.Hour)}, nil
}

func (g generated) ExportDataset(ctx context.Context, name string, start func(store.DatasetState) error, row func([]string) error) error {
	st, _ := g.DatasetState(ctx, name)
	if err := start(st); err != nil {
		return err
	}
	ds, _ := dataset.ByName(name)
	r := make([]string, len(ds.Fields))
	for i := range r {
		r[i] = strings.Repeat("行", 20)
	}
	for i := 0; g.rows == 0 || i < g.rows; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := row(r); err != nil {
			return err
		}
	}
	return nil
}

func (generated) Snapshots(context.Context, string) ([]store.Snapshot, error) { return nil, nil }
func (generated) Snapshot(context.Context, string, time.Time) (store.Snapshot, error) {
	return store.Snapshot{}, store.ErrNotFound
}
func (generated) OpenSnapshotFile(context.Context, string, time.Time, export.Format) (io.ReadSeekCloser, store.Snapshot, store.SnapshotFile, error) {
	return nil, store.Snapshot{}, store.SnapshotFile{}, store.ErrNotFound
}

const writeTimeout = 500 * time.Millisecond

// serveDownloads serves the portal's handler on ds through the portal's
// HTTP server with a short write timeout, as portal serve builds them.
func serveDownloads(t *testing.T, ds api.DatasetStore, limits api.DownloadLimits) string {
	t.Helper()
	conns := config.Conns{ReadTimeout: 5 * time.Second, WriteTimeout: writeTimeout, IdleTimeout: time.Minute}
	h := server.New(server.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Datasets: ds, Downloads: limits, Stall: conns.WriteTimeout})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netx.NewServer(h, conns)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/api/v1/datasets/penalties/download"
}

// downloader is a client from the loopback address from with a small
// receive buffer, so the server's writes block soon when it does not read.
func downloader(from string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 5 * time.Second,
		Control: func(_, _ string, c syscall.RawConn) error {
			return c.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
		}}
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableCompression: true}}
}

// A client reading a download steadily keeps it however long it takes,
// though the server's write timeout is much shorter.
func TestSlowSteadyReaderCompletesDownload(t *testing.T) {
	url := serveDownloads(t, generated{rows: 20_000}, api.DownloadLimits{Max: 2, PerIP: 1})
	resp, err := downloader("127.0.0.1").Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	start := time.Now()
	var n int64
	buf := make([]byte, 64<<10)
	for {
		k, err := resp.Body.Read(buf)
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes and %v: %v", n, time.Since(start).Round(time.Millisecond), err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if took := time.Since(start); took < 2*writeTimeout {
		t.Logf("read %d bytes in %v: not slower than the write timeout, the test proves little", n, took)
	}
}

// Two clients that stop reading a live download lose their places within
// the write timeout, and a third client is served.
func TestStalledReadersLoseTheirDownloadSlots(t *testing.T) {
	url := serveDownloads(t, generated{}, api.DownloadLimits{Max: 2, PerIP: 2})
	for range 2 {
		resp, err := downloader("127.0.0.1").Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close() // never read
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("staller: status %d", resp.StatusCode)
		}
	}
	third := downloader("127.0.0.2")
	status := func() int {
		resp, err := third.Get(url + "?format=csv")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close() // ends the download
		return resp.StatusCode
	}
	if code := status(); code != http.StatusServiceUnavailable {
		t.Fatalf("with both places held: %d, want 503", code)
	}
	start := time.Now()
	for code := status(); code != http.StatusOK; code = status() {
		if time.Since(start) > writeTimeout+5*time.Second {
			t.Fatalf("stalled readers still hold the live downloads %v after the third client was refused (write timeout %v)",
				time.Since(start).Round(time.Millisecond), writeTimeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// One client gets its share of live downloads; another client is served.
func TestLiveDownloadsPerIP(t *testing.T) {
	url := serveDownloads(t, generated{}, api.DownloadLimits{Max: 4, PerIP: 1})
	first, err := downloader("127.0.0.1").Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Body.Close()
	get := func(from string) int {
		resp, err := downloader(from).Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("127.0.0.1"); code != http.StatusServiceUnavailable {
		t.Errorf("a second download from one IP: %d, want 503", code)
	}
	if code := get("127.0.0.2"); code != http.StatusOK {
		t.Errorf("a download from another IP: %d, want 200", code)
	}
}
