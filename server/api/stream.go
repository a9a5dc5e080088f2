package api

import (
	"bufio"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Cache-Control of the open-data responses.
const (
	cacheLive = "public, max-age=300" // live downloads, catalog, snapshot lists
	// A day's snapshot is re-issued when a record in it stops being
	// public, so caches revalidate it every time (its ETag is its SHA-256).
	cacheSnapshot = "public, no-cache"
	cacheNone     = "no-store" // authenticated feeds
)

// streamBuffer is the write buffer between a row writer and the
// connection: large enough that a write reaches the socket in big pieces.
const streamBuffer = 64 << 10

// defaultStall is how long a client may refuse data before a stream is
// abandoned, when Deps.Stall is not set.
const defaultStall = 2 * time.Minute

// acceptsGzip reports whether the request's Accept-Encoding admits gzip
// (RFC 9110 §12.5.3: a q of 0 refuses it; "*" admits it).
func acceptsGzip(r *http.Request) bool {
	gz, star := -1.0, -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			gz = q
		case "*":
			star = q
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// deadline renews a response's write deadline as data flows, so a client
// that reads keeps its connection however long the response, and one
// that stops reading for stall is cut off (its write fails), releasing
// what the response holds.
type deadline struct {
	rc    *http.ResponseController
	stall time.Duration
	last  time.Time
}

func newDeadline(w http.ResponseWriter, stall time.Duration) *deadline {
	return &deadline{rc: http.NewResponseController(w), stall: stall}
}

// renew pushes the deadline to stall from now; at most a few times per
// stall, so that the deadline is always at least ¾ of stall ahead.
func (d *deadline) renew() {
	if time.Since(d.last) > d.stall/4 {
		d.push()
	}
}

// push sets the deadline to stall from now.
func (d *deadline) push() {
	d.last = time.Now()
	d.rc.SetWriteDeadline(d.last.Add(d.stall)) // ErrNotSupported leaves the server's deadline
}

// stream is a response body written in pieces: a buffer, optionally gzip,
// and a write deadline pushed forward as data flows.
type stream struct {
	c   *gin.Context
	dl  *deadline
	buf *bufio.Writer
	gz  *gzip.Writer
}

// newStream starts the body of c's response (headers must be set); the
// client may stop reading for stall before the stream fails.
func newStream(c *gin.Context, compress bool, stall time.Duration) *stream {
	s := &stream{c: c, dl: newDeadline(c.Writer, stall)}
	var w io.Writer = (*deadlineWriter)(s)
	if compress {
		// BestSpeed: exports are large and the CPU is shared with the
		// database; the gain of higher levels on CSV is small.
		s.gz, _ = gzip.NewWriterLevel(w, gzip.BestSpeed)
		w = s.gz
	}
	s.buf = bufio.NewWriterSize(w, streamBuffer)
	return s
}

// deadlineWriter is the stream's connection end.
type deadlineWriter stream

func (d *deadlineWriter) Write(p []byte) (int, error) {
	d.dl.renew()
	return d.c.Writer.Write(p)
}

// renewingReader renews a deadline each time the response's source is
// read, for http.ServeContent, which writes what it reads.
type renewingReader struct {
	io.ReadSeeker
	dl *deadline
}

func (r renewingReader) Read(p []byte) (int, error) {
	r.dl.renew()
	return r.ReadSeeker.Read(p)
}

func (s *stream) Write(p []byte) (int, error) { return s.buf.Write(p) }

// Close flushes everything and ends the gzip stream; the response is
// complete when it returns nil.
func (s *stream) Close() error {
	err := s.buf.Flush()
	if s.gz != nil && err == nil {
		err = s.gz.Close()
	}
	if err == nil {
		s.dl.rc.Flush()
	}
	// What the server writes after the handler (the chunked body's end)
	// gets a whole stall too, never an unbounded wait.
	s.dl.push()
	return err
}

// abortResponse ends a response whose body has started but cannot be
// completed, by closing the connection: otherwise the server would end a
// chunked body normally and a truncated download would look complete.
// gin's recovery swallows http.ErrAbortHandler, and gin's writer refuses
// to hijack once the body has started, so the connection is taken from
// the net/http writer underneath.
func abortResponse(c *gin.Context) {
	var w http.ResponseWriter = c.Writer
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			break
		}
		w = u.Unwrap()
	}
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
	}
	c.Abort()
}

// clearEntityHeaders removes the headers that described a body which will
// not be sent, before an error response replaces it.
func clearEntityHeaders(c *gin.Context) {
	h := c.Writer.Header()
	for _, k := range []string{"ETag", "Last-Modified", "Content-Disposition", "Content-Encoding", "Content-Type", "Vary"} {
		h.Del(k)
	}
}
