package httpx

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/gin-gonic/gin"
)

// The bounds a shared cache (a CDN) may serve a public response for
// without asking the portal again: fresh for CDNMaxAge seconds, then stale
// for CDNStale more while it revalidates (with the ETag: usually a 304).
// With the portal's own bound — a change is reflected in what any replica
// serves within 1 s of its commit — a withdrawn record leaves a CDN that
// is never purged at most 1 + CDNMaxAge + CDNStale = 5 s after the
// withdrawal commits; a CDN purged by surrogate key on each withdrawal
// (README, "Scaling out") drops it as soon as the purge lands.
const (
	CDNMaxAge = 2
	CDNStale  = 2
)

// cdnAll is the surrogate key of every cacheable response: a response that
// declares no narrower tags depends on every change.
const cdnAll = "all"

// surrogateKeys turns cache tags into surrogate keys (the same names; the
// catch-all tag becomes "all").
func surrogateKeys(tags []string) []string {
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		if t == "*" {
			t = cdnAll
		}
		keys = append(keys, t)
	}
	return keys
}

// setSurrogateKeys names, for CDNs, what the response depends on:
// Surrogate-Key (Fastly, space-separated) and Cache-Tag (Cloudflare,
// Akamai; comma-separated).
func setSurrogateKeys(h map[string][]string, tags []string) {
	keys := surrogateKeys(tags)
	h["Surrogate-Key"] = []string{strings.Join(keys, " ")}
	h["Cache-Tag"] = []string{strings.Join(keys, ",")}
}

// CDN makes public responses ready for a shared cache in front of the
// portal, just before their header is written: a public Cache-Control
// gains s-maxage=CDNMaxAge and stale-while-revalidate=CDNStale (which
// also cap what a shared cache takes from max-age), its max-age becomes 0
// unless the response shows only the bureau's lists or is immutable (a
// browser revalidates what may show a record), Vary names
// Accept-Encoding, and a response without surrogate keys (CacheTags) gets
// "all". Private, no-cache and no-store responses, and answers to requests
// with Authorization, are left alone.
func CDN() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Header.Get("Authorization") != "" {
			// A shared cache may keep an authenticated answer marked
			// public or s-maxage: leave these to the handler.
			c.Next()
			return
		}
		c.Writer = &cdnWriter{ResponseWriter: c.Writer}
		c.Next()
	}
}

type cdnWriter struct {
	gin.ResponseWriter
	done bool
}

func (w *cdnWriter) amend() {
	if w.done {
		return
	}
	w.done = true
	h := w.Header()
	cc := h.Get("Cache-Control")
	if !strings.HasPrefix(cc, "public") || strings.Contains(cc, "no-") || strings.Contains(cc, "s-maxage") {
		return
	}
	if s := w.Status(); s != 200 && s != 203 && s != 204 && s != 206 && s != 304 && s != 404 && s != 410 {
		return
	}
	if h.Get("Surrogate-Key") == "" {
		setSurrogateKeys(h, []string{cdnAll})
	}
	if !strings.Contains(cc, "immutable") && showsRecords(h.Get("Surrogate-Key")) {
		cc = maxAge.ReplaceAllString(cc, "max-age=0")
	}
	h.Set("Cache-Control", fmt.Sprintf("%s, s-maxage=%d, stale-while-revalidate=%d", cc, CDNMaxAge, CDNStale))
	if v := h.Get("Vary"); !strings.Contains(v, "Accept-Encoding") {
		if v == "" {
			h.Set("Vary", "Accept-Encoding")
		} else {
			h.Set("Vary", v+", Accept-Encoding")
		}
	}
}

var maxAge = regexp.MustCompile(`\bmax-age=\d+`)

// showsRecords says whether a response with these surrogate keys may show
// records (anything but the bureau's lists): a browser then revalidates
// it on every use (max-age=0; usually a 304), so a withdrawn record does
// not outlive its withdrawal in a browser's cache either — by at most
// CDNStale seconds where the browser honours stale-while-revalidate.
func showsRecords(keys string) bool {
	for _, k := range strings.Fields(keys) {
		if !strings.HasPrefix(k, "list/") {
			return true
		}
	}
	return false
}

func (w *cdnWriter) WriteHeaderNow() { w.amend(); w.ResponseWriter.WriteHeaderNow() }

func (w *cdnWriter) Write(b []byte) (int, error) { w.amend(); return w.ResponseWriter.Write(b) }

func (w *cdnWriter) WriteString(s string) (int, error) {
	w.amend()
	return w.ResponseWriter.WriteString(s)
}

func (w *cdnWriter) Flush() { w.amend(); w.ResponseWriter.Flush() }

// Unwrap lets http.ResponseController reach the connection (write
// deadlines of streamed downloads).
func (w *cdnWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
