package api

import (
	"encoding/json"
	"net/http"

	"github.com/gongshi/gongshi/server/httpx"
)

// problemRanges is a ResponseWriter for http.ServeContent that answers a
// Range it cannot satisfy (416) as every other error is answered — an
// application/problem+json body, not ServeContent's plain text — keeping
// the Content-Range header that tells the file's size.
type problemRanges struct {
	http.ResponseWriter
	path     string
	replaced bool
}

func (w *problemRanges) WriteHeader(code int) {
	if code != http.StatusRequestedRangeNotSatisfiable {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.replaced = true
	e := httpx.NewError(code, "range_not_satisfiable", "the Range lies outside the file; its size is in Content-Range (bytes */size)")
	body, _ := json.Marshal(httpx.ProblemOf(e, w.path))
	h := w.Header()
	h.Set("Content-Type", httpx.ProblemJSON)
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Disposition")
	w.ResponseWriter.WriteHeader(code)
	w.ResponseWriter.Write(body)
}

func (w *problemRanges) Write(b []byte) (int, error) {
	if w.replaced {
		return len(b), nil // ServeContent's plain-text message
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (write deadlines).
func (w *problemRanges) Unwrap() http.ResponseWriter { return w.ResponseWriter }
