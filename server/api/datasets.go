package api

import (
	"cmp"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// DatasetStore is what the open-data catalog, downloads and snapshots
// need; internal/snapshot.Service implements it.
type DatasetStore interface {
	// DatasetState is the current version of a dataset: one small query.
	DatasetState(ctx context.Context, name string) (store.DatasetState, error)
	// ExportDataset streams a dataset's public rows from one consistent
	// database snapshot, after giving start that snapshot's state.
	ExportDataset(ctx context.Context, name string, start func(store.DatasetState) error, row func([]string) error) error
	// Snapshots lists a dataset's daily snapshots, newest first.
	Snapshots(ctx context.Context, name string) ([]store.Snapshot, error)
	// Snapshot is the manifest of one day's snapshot (store.ErrNotFound).
	Snapshot(ctx context.Context, name string, day time.Time) (store.Snapshot, error)
	// OpenSnapshotFile opens one file of a snapshot (store.ErrNotFound).
	OpenSnapshotFile(ctx context.Context, name string, day time.Time, format export.Format) (io.ReadSeekCloser, store.Snapshot, store.SnapshotFile, error)
}

// DownloadLimits bound the live downloads: each holds a database
// connection for as long as its client reads. Snapshots, served from
// disk, are the way to fetch a whole dataset often.
type DownloadLimits struct {
	Max   int // live downloads streaming at once; 0: 2
	PerIP int // of those, from one client IP; 0: no cap but Max
}

// slots are the places of the live downloads, in all and per client IP.
type slots struct {
	max, perIP int

	mu    sync.Mutex
	total int
	byIP  map[string]int
}

func newSlots(l DownloadLimits) *slots {
	total := cmp.Or(l.Max, 2)
	return &slots{max: total, perIP: cmp.Or(l.PerIP, total), byIP: map[string]int{}}
}

// take reserves a place for ip; "" when there was one, else why not.
func (s *slots) take(ip string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.byIP[ip] >= s.perIP:
		return "this client already has " + strconv.Itoa(s.perIP) + " live download(s) running"
	case s.total >= s.max:
		return "too many downloads at once"
	}
	s.total++
	s.byIP[ip]++
	return ""
}

func (s *slots) give(ip string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total--
	if s.byIP[ip]--; s.byIP[ip] <= 0 {
		delete(s.byIP, ip)
	}
}

type datasetHandlers struct {
	store   DatasetStore
	log     *slog.Logger
	exports *slots
	stall   time.Duration // how long a client may stop reading a download
}

func datasetParam(c *gin.Context) (dataset.Dataset, error) {
	ds, ok := dataset.ByName(c.Param("name"))
	if !ok {
		return ds, httpx.NotFound("no such dataset; the catalog is /api/v1/datasets")
	}
	return ds, nil
}

// downloadQuery is a download's options, validated.
type downloadQuery struct {
	format  export.Format
	headers export.Headers
	bom     bool
}

func parseDownloadQuery(c *gin.Context) (downloadQuery, error) {
	q := downloadQuery{format: export.CSV, headers: export.HeadersStandard}
	p := httpx.QueryParams(c, "format", "headers", "bom")
	if v := p.Str("format"); v != "" {
		f, valid := export.ParseFormat(v)
		if !valid {
			p.Fail("format", "must be one of csv, ndjson, json, xlsx")
		}
		q.format = f
	}
	if v := p.Str("headers"); v != "" {
		h, valid := export.ParseHeaders(v)
		if !valid {
			p.Fail("headers", "must be one of standard (the 双公示 field codes), zh (Chinese labels), en (English names)")
		}
		q.headers = h
	}
	switch p.Str("bom") {
	case "1", "true":
		q.bom = true
	case "", "0", "false":
	default:
		p.Fail("bom", "must be 1 or 0")
	}
	if q.bom && q.format != export.CSV {
		p.Fail("bom", "a byte-order mark is only for format=csv")
	}
	return q, p.Err()
}

func boolString(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// downloadTag is the entity tag of a download: its content version and
// everything that shapes its bytes.
func downloadTag(version string, q downloadQuery, gzipped bool) string {
	return httpx.ETag(version, string(q.format), string(q.headers), boolString(q.bom), boolString(gzipped))
}

// setValidators sets the caching headers every download response carries,
// 304s included.
func setValidators(c *gin.Context, cacheControl, tag string, modified time.Time, compressible bool) {
	c.Header("Cache-Control", cacheControl)
	c.Header("ETag", tag)
	if !modified.IsZero() {
		c.Header("Last-Modified", modified.UTC().Format(http.TimeFormat))
	}
	if compressible {
		c.Header("Vary", "Accept-Encoding")
	}
}

// download handles GET /api/v1/datasets/{name}/download: the live public
// dataset, streamed from the database.
func (h *datasetHandlers) download(c *gin.Context) error {
	ds, err := datasetParam(c)
	if err != nil {
		return err
	}
	return h.stream(c, ds, h.store.DatasetState, h.store.ExportDataset)
}

// stream answers a download of dataset ds, whose state and rows come from
// state and export.
func (h *datasetHandlers) stream(c *gin.Context, ds dataset.Dataset,
	state func(ctx context.Context, name string) (store.DatasetState, error),
	exportRows func(ctx context.Context, name string, start func(store.DatasetState) error, row func([]string) error) error) error {
	q, err := parseDownloadQuery(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	gzipped := q.format.Compressible() && acceptsGzip(c.Request)
	st, err := state(ctx, ds.Name)
	if err != nil {
		return err
	}
	if tag := downloadTag(st.Version, q, gzipped); httpx.NotModified(c.Request, tag, st.Modified) {
		setValidators(c, cacheLive, tag, st.Modified, q.format.Compressible())
		c.Status(http.StatusNotModified)
		return nil
	}
	setHeaders := func(st store.DatasetState) {
		setValidators(c, cacheLive, downloadTag(st.Version, q, gzipped), st.Modified, q.format.Compressible())
		c.Header("Content-Type", q.format.ContentType())
		c.Header("Content-Disposition", `attachment; filename="`+export.FileName(ds.Name, st.Day, q.format)+`"`)
		c.Header("X-Content-Type-Options", "nosniff")
		if gzipped {
			c.Header("Content-Encoding", "gzip")
		}
	}
	if c.Request.Method == http.MethodHead {
		setHeaders(st)
		c.Status(http.StatusOK)
		return nil
	}
	ip := c.ClientIP()
	if busy := h.exports.take(ip); busy != "" {
		c.Header("Retry-After", "30")
		return httpx.NewError(http.StatusServiceUnavailable, "busy",
			busy+"; retry shortly, or fetch the daily snapshot: /api/v1/datasets/"+ds.Name+"/snapshots")
	}
	defer h.exports.give(ip)

	var out *stream
	var w export.Writer
	err = exportRows(ctx, ds.Name, func(st store.DatasetState) error {
		setHeaders(st)
		c.Status(http.StatusOK)
		out = newStream(c, gzipped, h.stall)
		var err error
		w, err = export.NewWriter(out, q.format, ds.Fields, export.Options{Headers: q.headers, BOM: q.bom, SheetName: ds.Name})
		return err
	}, func(row []string) error { return w.Write(row) })
	if err == nil {
		if err = w.Close(); err == nil {
			err = out.Close()
		}
	}
	if err == nil {
		return nil
	}
	if w != nil {
		w.Abort()
	}
	if !c.Writer.Written() {
		clearEntityHeaders(c)
		return err // nothing sent yet: an ordinary error response
	}
	if ctx.Err() == nil {
		h.log.ErrorContext(ctx, "download failed mid-stream", "dataset", ds.Name, "format", q.format, "err", err)
	}
	abortResponse(c)
	return nil
}

// snapshotParams reads the {name} and {date} path parameters.
func snapshotParams(c *gin.Context) (dataset.Dataset, time.Time, error) {
	ds, err := datasetParam(c)
	if err != nil {
		return ds, time.Time{}, err
	}
	day, err := time.Parse(time.DateOnly, c.Param("date"))
	if err != nil {
		return ds, day, httpx.BadRequest("date", "must be a date YYYY-MM-DD")
	}
	return ds, day, nil
}

// snapshots handles GET /api/v1/datasets/{name}/snapshots.
func (h *datasetHandlers) snapshots(c *gin.Context) error {
	if err := httpx.QueryParams(c).Err(); err != nil {
		return err
	}
	ds, err := datasetParam(c)
	if err != nil {
		return err
	}
	snaps, err := h.store.Snapshots(c.Request.Context(), ds.Name)
	if err != nil {
		return err
	}
	out := snapshotList{Dataset: ds.Name, Snapshots: make([]snapshotManifest, len(snaps))}
	for i, s := range snaps {
		out.Snapshots[i] = manifestOf(s)
	}
	c.Header("Cache-Control", cacheLive)
	c.JSON(http.StatusOK, out)
	return nil
}

// snapshot handles GET /api/v1/datasets/{name}/snapshots/{date}: the
// manifest of the day's current version.
func (h *datasetHandlers) snapshot(c *gin.Context) error {
	if err := httpx.QueryParams(c).Err(); err != nil {
		return err
	}
	ds, day, err := snapshotParams(c)
	if err != nil {
		return err
	}
	snap, err := h.store.Snapshot(c.Request.Context(), ds.Name, day)
	if errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrSnapshotWithdrawn) {
		return httpx.NotFound("no snapshot of " + ds.Name + " for " + c.Param("date"))
	}
	if err != nil {
		return err
	}
	c.Header("Cache-Control", cacheSnapshot)
	c.JSON(http.StatusOK, manifestOf(snap))
	return nil
}

// snapshotFile handles GET /api/v1/datasets/{name}/snapshots/{date}/{format}.
// Identity responses support Range requests; gzip is applied on the fly
// when accepted and no range is asked for.
func (h *datasetHandlers) snapshotFile(c *gin.Context) error {
	if err := httpx.QueryParams(c).Err(); err != nil {
		return err
	}
	ds, day, err := snapshotParams(c)
	if err != nil {
		return err
	}
	format, ok := export.ParseFormat(c.Param("format"))
	if !ok {
		return httpx.BadRequest("format", "must be one of csv, ndjson, json, xlsx")
	}
	ctx := c.Request.Context()
	f, snap, sf, err := h.store.OpenSnapshotFile(ctx, ds.Name, day, format)
	if errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrSnapshotWithdrawn) {
		return httpx.NotFound("no " + string(format) + " snapshot of " + ds.Name + " for " + c.Param("date"))
	}
	if err != nil {
		return err
	}
	defer f.Close()
	gzipped := format.Compressible() && acceptsGzip(c.Request) && c.GetHeader("Range") == ""
	tag := `"` + sf.SHA256[:32] + `"`
	if gzipped {
		tag = `"` + sf.SHA256[:32] + `-gzip"`
	}
	setValidators(c, cacheSnapshot, tag, snap.TakenAt, format.Compressible())
	c.Header("Content-Type", format.ContentType())
	c.Header("Content-Disposition", `attachment; filename="`+sf.Name+`"`)
	c.Header("X-Content-Type-Options", "nosniff")
	if !gzipped {
		// ServeContent answers conditional and range requests itself.
		w := &problemRanges{ResponseWriter: c.Writer, path: c.Request.URL.Path}
		http.ServeContent(w, c.Request, sf.Name, snap.TakenAt, renewingReader{f, newDeadline(c.Writer, h.stall)})
		return nil
	}
	if httpx.NotModified(c.Request, tag, snap.TakenAt) {
		c.Status(http.StatusNotModified)
		return nil
	}
	c.Header("Content-Encoding", "gzip")
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return nil
	}
	out := newStream(c, true, h.stall)
	if _, err = io.Copy(out, f); err == nil {
		err = out.Close()
	}
	if err != nil {
		if ctx.Err() == nil {
			h.log.ErrorContext(ctx, "snapshot download failed mid-stream", "file", sf.Name, "err", err)
		}
		abortResponse(c)
	}
	return nil
}
