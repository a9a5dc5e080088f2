package testenv

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"
)

// DelayProxy is a loopback HTTP proxy to a real server (a Meilisearch)
// that holds every request for Delay before forwarding it (none while it
// is 0): a slow dependency, made from the real one.
type DelayProxy struct {
	URL   string
	Delay atomic.Int64 // nanoseconds
}

// StartDelayProxy starts a DelayProxy to target. arrive, when not nil, is
// called as each request comes in, and the function it returns when the
// request is done (to count requests in flight). The proxy reads a
// request's body before waiting, so that it notices a client that gives
// up, and answers 502 when target fails.
func StartDelayProxy(tb testing.TB, target string, arrive func(*http.Request) (done func())) *DelayProxy {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatal(err)
	}
	p := &DelayProxy{}
	forward := httputil.NewSingleHostReverseProxy(u)
	forward.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if arrive != nil {
			defer arrive(r)()
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(time.Duration(p.Delay.Load())):
			forward.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	}))
	tb.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}
