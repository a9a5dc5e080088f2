package httpx_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server/httpx"
)

// Readyz tells everyone what is down, and why (internal addresses) only
// to a local client or an admin key.
func TestReadyzHidesDetailsFromThePublic(t *testing.T) {
	down := checker{errors.New("dial tcp 127.0.0.1:7744: connect: connection refused")}
	r := gin.New()
	r.GET("/readyz", httpx.Readyz(map[string]httpx.Checker{"postgres": checker{}},
		map[string]httpx.Checker{"meilisearch": down}, keys{"admin-secret": store.ScopeAdmin, "ingest-secret": store.ScopeIngest}))
	for _, tc := range []struct {
		remote, header string
		details        bool
	}{
		{"203.0.113.7:40000", "", false},
		{"203.0.113.7:40000", "Authorization: Bearer ingest-secret", false},
		{"203.0.113.7:40000", "Authorization: Bearer wrong", false},
		{"203.0.113.7:40000", "Authorization: Bearer admin-secret", true},
		{"127.0.0.1:40000", "", true},
		{"[::1]:40000", "", true},
		{"127.0.0.1:40000", "X-Forwarded-For: 203.0.113.7", false}, // a proxy on this host
	} {
		req := httptest.NewRequest(http.MethodGet, "/readyz", nil)
		req.RemoteAddr = tc.remote
		if name, value, ok := strings.Cut(tc.header, ": "); ok {
			req.Header.Set(name, value)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		body := w.Body.String()
		if w.Code != 200 || !strings.Contains(body, `"meilisearch":"down (degraded)"`) || !strings.Contains(body, `"postgres":"ok"`) {
			t.Errorf("%s %s: %d %s", tc.remote, tc.header, w.Code, body)
		}
		if shown := strings.Contains(body, "7744"); shown != tc.details {
			t.Errorf("%s %s: details shown %v, want %v: %s", tc.remote, tc.header, shown, tc.details, body)
		}
	}
}

type checker struct{ err error }

func (c checker) Ping(context.Context) error { return c.err }

// keys is an Authenticator of secrets with one scope each.
type keys map[string]string

func (k keys) Authenticate(_ context.Context, secret string) (store.APIKey, error) {
	scope, ok := k[secret]
	if !ok {
		return store.APIKey{}, store.ErrNotFound
	}
	return store.APIKey{Name: secret, Scopes: []string{scope}}, nil
}

// A request failing because PostgreSQL is unreachable or going down is a
// 503 with Retry-After, whichever route it is on.
func TestDatabaseUnavailableIs503(t *testing.T) {
	a := httpx.NewAdapter(slog.New(slog.DiscardHandler), httpx.JSON)
	for _, err := range []error{
		fmt.Errorf("store.UpsertPenalties: %w", &pgconn.PgError{Severity: "FATAL", Code: "57P01", Message: "terminating connection due to administrator command"}),
		fmt.Errorf("store.Penalty(7): %w", &pgconn.PgError{Code: "08006"}),
		fmt.Errorf("store.Penalty(7): %w", &pgconn.PgError{Code: "57P03", Message: "the database system is starting up"}),
		fmt.Errorf("acquire: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}),
		fmt.Errorf("store: %w", pgconn.ErrConnClosed),
	} {
		r := gin.New()
		r.POST("/x", a.Handle(func(*gin.Context) error { return err }))
		w := serve(r, http.MethodPost, "/x")
		if w.Code != 503 || w.Header().Get("Retry-After") == "" || strings.Contains(w.Body.String(), "SQLSTATE") {
			t.Errorf("%v: %d %v %s", err, w.Code, w.Header(), w.Body)
		}
	}
	// Not unavailability: a bad statement, a timeout.
	for _, err := range []error{
		&pgconn.PgError{Code: "42P01"},
		fmt.Errorf("store: %w", context.DeadlineExceeded),
	} {
		if e, _ := httpx.ErrorOf(err); e.Status != 500 {
			t.Errorf("%v: %d, want 500", err, e.Status)
		}
	}
}

// A request whose client went away is logged as information and counted
// under 499, not as a server error.
func TestClientCancellationIs499(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	reg := prometheus.NewRegistry()
	m := httpx.NewMetrics(reg)
	a := httpx.NewAdapter(log, httpx.JSON)
	started := make(chan struct{})
	r := gin.New()
	r.Use(m.Middleware(), httpx.AccessLog(log))
	r.GET("/slow", a.Handle(func(c *gin.Context) error {
		close(started)
		<-c.Request.Context().Done()
		return fmt.Errorf("store.Penalties: %w", c.Request.Context().Err())
	}))
	srv := httptest.NewServer(r)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/slow", nil)
	go func() { <-started; cancel() }()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the cancelled request succeeded")
	}
	var counted map[string]float64
	for deadline := time.Now().Add(5 * time.Second); len(counted) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		counted = requestsByStatus(t, reg)
	}
	if counted["499"] != 1 || len(counted) != 1 {
		t.Errorf("requests by status: %v, want one 499", counted)
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), `"status":499`) {
		t.Errorf("logs: %s", logs.String())
	}
}

// requestsByStatus reads gongshi_http_requests_total by status.
func requestsByStatus(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "gongshi_http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "status" {
					out[l.GetValue()] += m.GetCounter().GetValue()
				}
			}
		}
	}
	return out
}
