package httpx

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// compressedTypes are the media types of pages and their assets that are
// compressed (gzip, or zstd when the client prefers it). The API's JSON is
// left alone: its streams (feeds, downloads) compress themselves, and its
// small cached answers are cheaper sent as they are on loopback and behind
// a CDN that compresses.
var compressedTypes = []string{
	"text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml",
	"application/yaml", "application/xml", "application/atom+xml", "text/plain",
}

// etagSuffix marks the entity tag of a compressed representation, which
// differs in bytes from the identity one (RFC 9110 §8.8.3); NotModified
// takes it off again, so a client revalidating a compressed page still
// gets its 304.
const etagSuffix = "-gzip"

// Compress compresses the responses of pages, assets, feeds of pages and
// /openapi.yaml of at least 1 KiB for clients that accept it; /api/ and
// range requests pass through untouched.
func Compress(next http.Handler) (http.Handler, error) {
	wrap, err := gzhttp.NewWrapper(gzhttp.ContentTypes(compressedTypes), gzhttp.MinSize(1024),
		gzhttp.SuffixETag(etagSuffix))
	if err != nil {
		return nil, fmt.Errorf("httpx.Compress: %w", err)
	}
	return &compressor{next: next, compressed: wrap(next)}, nil
}

type compressor struct {
	next       http.Handler
	compressed http.HandlerFunc
}

func (h *compressor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") || r.Header.Get("Range") != "" {
		h.next.ServeHTTP(w, r)
		return
	}
	if inm := r.Header.Get("If-None-Match"); strings.Contains(inm, "-zstd\"") {
		w = &suffixNotModified{ResponseWriter: w, suffix: "-zstd"}
	} else if strings.Contains(inm, etagSuffix+`"`) {
		w = &suffixNotModified{ResponseWriter: w, suffix: etagSuffix}
	}
	h.compressed(w, r)
}

// suffixNotModified gives a 304's ETag the suffix of the compressed tag
// the client revalidated with: a 304 names the representation the client
// holds (RFC 9110 §15.4.5), and a 304 carries no body to compress.
type suffixNotModified struct {
	http.ResponseWriter
	suffix string
}

func (w *suffixNotModified) WriteHeader(code int) {
	if t := w.Header().Get("ETag"); code == http.StatusNotModified && strings.HasSuffix(t, `"`) && identityTag(t) == t {
		w.Header().Set("ETag", strings.TrimSuffix(t, `"`)+w.suffix+`"`)
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *suffixNotModified) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *suffixNotModified) Flush() { _ = http.NewResponseController(w.ResponseWriter).Flush() }

// Unwrap is the handler Compress wraps.
func (h *compressor) Unwrap() http.Handler { return h.next }

// identityTag is tag without the suffix a compressed representation's
// tag carries.
func identityTag(tag string) string {
	for _, s := range []string{etagSuffix + `"`, "-zstd\""} {
		if strings.HasSuffix(tag, s) {
			return strings.TrimSuffix(tag, s) + `"`
		}
	}
	return tag
}
