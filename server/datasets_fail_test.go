package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/api"
)

// faultyDatasets wraps a DatasetStore: its exports fail after failAfter
// rows, or wait in start until release is closed.
type faultyDatasets struct {
	api.DatasetStore
	failAfter int
	started   chan struct{}
	release   chan struct{}
}

func (f *faultyDatasets) ExportDataset(ctx context.Context, name string, start func(store.DatasetState) error, row func([]string) error) error {
	n := 0
	return f.DatasetStore.ExportDataset(ctx, name, func(st store.DatasetState) error {
		if f.release != nil {
			f.started <- struct{}{}
			<-f.release
		}
		return start(st)
	}, func(r []string) error {
		if n++; f.failAfter > 0 && n > f.failAfter {
			return errors.New("injected failure")
		}
		return row(r)
	})
}

// A download that fails after its body has started must not look
// complete: the connection is cut, so the client sees an error.
func TestDownloadFailingMidStreamIsCut(t *testing.T) {
	f := newDSFixture(t, func(d api.DatasetStore) api.DatasetStore {
		return &faultyDatasets{DatasetStore: d, failAfter: 1500}
	})
	loadPenalties(t, f.s, 2000)
	for _, format := range []string{"csv", "ndjson", "json"} {
		for _, enc := range []string{"", "gzip"} {
			resp := f.open("/api/v1/datasets/penalties/download?format="+format, "", map[string]string{"Accept-Encoding": enc})
			_, err := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || err == nil {
				t.Errorf("%s %q: status %d, read error %v; want a cut connection", format, enc, resp.StatusCode, err)
			}
		}
	}
	// Before any byte is sent a failure is an ordinary error response.
	f2 := newDSFixture(t, func(d api.DatasetStore) api.DatasetStore {
		return &faultyDatasets{DatasetStore: d, failAfter: 1}
	})
	f2.ingestPenalties(genPenalty(0), genPenalty(1))
	resp, b := f2.get("/api/v1/datasets/penalties/download?format=xlsx", "", nil) // XLSX writes only at the end
	if resp.StatusCode != 500 || resp.Header.Get("Content-Disposition") != "" || resp.Header.Get("ETag") != "" {
		t.Errorf("xlsx failure: %d %v %s", resp.StatusCode, resp.Header, b)
	}
}

func TestDownloadBusy(t *testing.T) {
	fd := &faultyDatasets{started: make(chan struct{}), release: make(chan struct{})}
	f := newDSFixture(t, func(d api.DatasetStore) api.DatasetStore { fd.DatasetStore = d; return fd })
	f.ingestPenalties(genPenalty(0))
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			resp, _ := f.get("/api/v1/datasets/penalties/download", "", nil)
			if resp.StatusCode != 200 {
				t.Errorf("a held download ended %d", resp.StatusCode)
			}
		})
	}
	<-fd.started
	<-fd.started
	resp, b := f.get("/api/v1/datasets/penalties/download", "", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || decode[apiError](t, b).Code != "busy" {
		t.Errorf("third download: %d %v %s", resp.StatusCode, resp.Header, b)
	}
	// Revalidations and HEAD do not need a slot.
	if resp, _ := f.get("/api/v1/datasets/penalties/download", "", map[string]string{"method": "HEAD"}); resp.StatusCode != 200 {
		t.Errorf("HEAD while busy: %d", resp.StatusCode)
	}
	close(fd.release)
	wg.Wait()
}
