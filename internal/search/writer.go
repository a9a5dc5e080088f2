package search

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	meili "github.com/meilisearch/meilisearch-go"

	"github.com/gongshi/gongshi/internal/domain"
)

// Config says where Meilisearch is, with which key to administer it, and
// how many searches PostgreSQL answers at once while it cannot.
type Config struct {
	URL       string
	MasterKey string // "" when Meilisearch runs without one (development)
	// FallbackConcurrency bounds the searches answered from PostgreSQL at
	// once (Service); 0 is DefaultFallbackConcurrency.
	FallbackConcurrency int
}

// ErrIndexMissing is returned when a write finds one of the live indexes
// missing: the indexes must be rebuilt.
var ErrIndexMissing = errors.New("search index missing")

// newHTTPClient returns an HTTP client for Meilisearch with a per-request
// time limit on top of every call's context deadline. It keeps as many
// idle connections as concurrent requests need: with net/http's default
// of two per host, connections would be opened and closed under load.
func newHTTPClient(timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     90 * time.Second,
		// Meilisearch runs next to us: compressing its answers would
		// only cost CPU on both sides.
		DisableCompression: true,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// newClient returns a Meilisearch client over hc, without the library's
// own retries (callers decide).
func newClient(url, key string, hc *http.Client) meili.ServiceManager {
	opts := []meili.Option{meili.WithCustomClient(hc), meili.DisableRetries()}
	if key != "" {
		opts = append(opts, meili.WithAPIKey(key))
	}
	return meili.New(url, opts...)
}

// Writer writes the search indexes. Only the indexer holds one: it uses
// the master key.
type Writer struct {
	ms meili.ServiceManager
	// Poll is how often a task's status is polled while waiting for it.
	Poll time.Duration
	// TaskTimeout bounds the wait for the tasks of one write.
	TaskTimeout time.Duration
}

// NewWriter returns a Writer for the Meilisearch at cfg.URL.
func NewWriter(cfg Config) *Writer {
	return &Writer{ms: newClient(cfg.URL, cfg.MasterKey, newHTTPClient(2*time.Minute)), Poll: 20 * time.Millisecond, TaskTimeout: 10 * time.Minute}
}

// Close releases idle connections.
func (w *Writer) Close() { w.ms.Close() }

func isNotFound(err error) bool {
	status, code := statusOf(err)
	return status == http.StatusNotFound || code == "index_not_found"
}

// exists reports whether the index exists.
func (w *Writer) exists(ctx context.Context, uid string) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := w.ms.GetIndex(ctx, uid)
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get index %s: %w", uid, err)
	}
	return true, nil
}

// NeedsRebuild reports the live indexes that must be rebuilt: missing
// ones, ones without their settings — an index Meilisearch created by
// itself when documents were written to it after it was deleted — and
// ones whose documents predate fields filters now use (such as the keys
// exact matches compare), which lack one of the filterable attributes.
func (w *Writer) NeedsRebuild(ctx context.Context) ([]string, error) {
	var out []string
	for _, uid := range Indexes {
		ok, err := w.exists(ctx, uid)
		if err != nil {
			return nil, err
		}
		if !ok {
			out = append(out, uid)
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		f, err := w.ms.Index(uid).GetFilterableAttributes(sctx)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("filterable attributes of %s: %w", uid, err)
		}
		if f == nil || len(*f) == 0 || !containsAll(*f, indexAttrs[uid].filterable) {
			out = append(out, uid)
		}
	}
	return out, nil
}

// ApplySettings applies each live index's settings and waits until they
// are in force. Settings equal to the current ones cost nothing.
func (w *Writer) ApplySettings(ctx context.Context) error {
	var tasks []*meili.TaskInfo
	for _, uid := range Indexes {
		t, err := w.call(ctx, func(ctx context.Context) (*meili.TaskInfo, error) {
			return w.ms.Index(uid).UpdateSettings(ctx, Settings(uid))
		})
		if err != nil {
			return fmt.Errorf("settings of %s: %w", uid, err)
		}
		tasks = append(tasks, t)
	}
	return w.wait(ctx, w.TaskTimeout, tasks...)
}

// call runs one enqueueing request with a deadline.
func (w *Writer) call(ctx context.Context, f func(context.Context) (*meili.TaskInfo, error)) (*meili.TaskInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	return f(ctx)
}

// wait waits for every task and checks that each succeeded: a task that
// failed or was canceled is an error (meilisearch-go's wait itself returns
// none for a failed task).
func (w *Writer) wait(ctx context.Context, limit time.Duration, tasks ...*meili.TaskInfo) error {
	return w.waitEvery(ctx, limit, w.Poll, tasks...)
}

// waitEvery is wait polling every poll.
func (w *Writer) waitEvery(ctx context.Context, limit, poll time.Duration, tasks ...*meili.TaskInfo) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	for _, ti := range tasks {
		if ti == nil {
			continue
		}
		t, err := w.ms.WaitForTask(ctx, ti.TaskUID, poll)
		if err != nil {
			return fmt.Errorf("wait for task %d: %w", ti.TaskUID, err)
		}
		if t.Status != meili.TaskStatusSucceeded {
			if t.Error.Code == "index_not_found" {
				return fmt.Errorf("task %d (%s on %s): %w", t.UID, t.Type, t.IndexUID, ErrIndexMissing)
			}
			return fmt.Errorf("task %d (%s on %s) %s: %s (%s)", t.UID, t.Type, t.IndexUID, t.Status, t.Error.Message, t.Error.Code)
		}
	}
	return nil
}

// Changes is one step of the indexer: documents to write and to delete.
type Changes struct {
	Penalties       []PenaltyDoc
	DeletePenalties []int64
	Permits         []PermitDoc
	DeletePermits   []int64
	// Lists replace every item of the given lists with the items of their
	// current version.
	Lists []ListReplacement
}

// ListReplacement is the current version of one list: its documents
// replace those of earlier versions.
type ListReplacement struct {
	Kind      domain.ListKind
	VersionID int64 // 0: the list has no version; its documents are removed
	Powers    []PowerDoc
	Services  []ServiceDoc
}

func ids(ns []int64) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.FormatInt(n, 10)
	}
	return out
}

// Apply writes c to the live indexes, waits for every task and checks
// that each succeeded. Applying the same Changes twice is harmless.
// (Meilisearch 1.21 creates a missing index on a document write, without
// settings; NeedsRebuild notices such an index.)
func (w *Writer) Apply(ctx context.Context, c Changes) error {
	var tasks []*meili.TaskInfo
	var opts *meili.DocumentOptions
	enqueue := func(what string, f func(ctx context.Context) (*meili.TaskInfo, error)) error {
		t, err := w.call(ctx, f)
		if err != nil {
			if isNotFound(err) {
				err = ErrIndexMissing
			}
			return fmt.Errorf("%s: %w", what, err)
		}
		tasks = append(tasks, t)
		return nil
	}
	if len(c.Penalties) > 0 {
		if err := enqueue("add penalties", func(ctx context.Context) (*meili.TaskInfo, error) {
			return w.ms.Index(IndexPenalties).AddDocuments(ctx, c.Penalties, opts)
		}); err != nil {
			return err
		}
	}
	if len(c.DeletePenalties) > 0 {
		if err := enqueue("delete penalties", func(ctx context.Context) (*meili.TaskInfo, error) {
			return w.ms.Index(IndexPenalties).DeleteDocuments(ctx, ids(c.DeletePenalties), nil)
		}); err != nil {
			return err
		}
	}
	if len(c.Permits) > 0 {
		if err := enqueue("add permits", func(ctx context.Context) (*meili.TaskInfo, error) {
			return w.ms.Index(IndexPermits).AddDocuments(ctx, c.Permits, opts)
		}); err != nil {
			return err
		}
	}
	if len(c.DeletePermits) > 0 {
		if err := enqueue("delete permits", func(ctx context.Context) (*meili.TaskInfo, error) {
			return w.ms.Index(IndexPermits).DeleteDocuments(ctx, ids(c.DeletePermits), nil)
		}); err != nil {
			return err
		}
	}
	for _, l := range c.Lists {
		index := IndexServices
		var docs any = l.Services
		n := len(l.Services)
		if l.Kind == domain.ListPowers {
			index, docs, n = IndexPowers, l.Powers, len(l.Powers)
		}
		if n > 0 {
			if err := enqueue("add "+string(l.Kind), func(ctx context.Context) (*meili.TaskInfo, error) {
				return w.ms.Index(index).AddDocuments(ctx, docs, opts)
			}); err != nil {
				return err
			}
		}
		// Then remove the items of other versions: searches see the old
		// items until the new ones are in, never an empty list.
		filter := "list = " + quote(string(l.Kind)) + " AND list_version != " + strconv.FormatInt(l.VersionID, 10)
		if err := enqueue("remove old "+string(l.Kind), func(ctx context.Context) (*meili.TaskInfo, error) {
			return w.ms.Index(index).DeleteDocumentsByFilter(ctx, filter, nil)
		}); err != nil {
			return err
		}
	}
	return w.wait(ctx, w.TaskTimeout, tasks...)
}

// containsAll reports whether have holds every string of want.
func containsAll(have []any, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, any(w)) {
			return false
		}
	}
	return true
}
