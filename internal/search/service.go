package search

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	meili "github.com/meilisearch/meilisearch-go"
	"github.com/sony/gobreaker/v2"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// Records is the public read path (*store.Public): the degraded-mode
// search, and the check of Meilisearch's hits against what is public now.
type Records interface {
	SearchPenalties(ctx context.Context, q store.RecordQuery) (store.RecordPage[domain.PublishedPenalty], error)
	SearchPermits(ctx context.Context, q store.RecordQuery) (store.RecordPage[domain.PublishedPermit], error)
	PublicIDs(ctx context.Context, e store.Entity, ids []int64) (map[int64]bool, error)
}

// Lists reads the current version of a list (*store.Store).
type Lists interface {
	CurrentListItems(ctx context.Context, kind domain.ListKind) (store.CurrentList, error)
}

// searchKeyName is the key Gongshi creates when Meilisearch has no
// "Default Search API Key".
const searchKeyName = "gongshi-search"

// Service answers searches: from Meilisearch with a search-only key, or,
// while Meilisearch is unreachable, from PostgreSQL with the same response
// shape and Degraded set.
type Service struct {
	log     *slog.Logger
	cfg     Config
	records Records
	lists   Lists
	today   func() time.Time

	// Timeout bounds one Meilisearch search.
	Timeout time.Duration
	// Cooldown is how long searches go straight to PostgreSQL after
	// Meilisearch failed one; then one search at a time tries it again.
	// Set it before the first search.
	Cooldown time.Duration
	// FallbackWait is how long a degraded-mode search waits for one of
	// the fallback's slots before it is refused with ErrOverloaded.
	FallbackWait time.Duration
	// FallbackTimeout bounds a degraded-mode search; one that runs out
	// of time is ErrOverloaded.
	FallbackTimeout time.Duration

	refresh     chan struct{} // asks the key keeper for a new key
	mu          sync.RWMutex
	client      *searchClient // holds the search-only key; nil until obtained
	keyErr      error
	refreshing  bool
	breakerOnce sync.Once
	breaker     *gobreaker.CircuitBreaker[*Result] // in front of Meilisearch; made at the first search
	gate        *fallbackGate
	others      []*Service // further Meilisearch, asked in turn when this one fails (NewFailover)
}

// NewFailover returns a search service over several Meilisearch holding
// the same indexes (each fed by its own indexer): a search goes to the
// first whose breaker lets it through and that answers, and to PostgreSQL
// (Degraded) only when none does. Each keeps its own search key and
// breaker. One Config is NewService.
func NewFailover(ctx context.Context, cfgs []Config, records Records, lists Lists, today func() time.Time, log *slog.Logger) *Service {
	first := NewService(ctx, cfgs[0], records, lists, today, log)
	for _, cfg := range cfgs[1:] {
		first.others = append(first.others, NewService(ctx, cfg, records, lists, today, log))
	}
	return first
}

// NewService returns a search service. The master key in cfg is used only
// to obtain a search-only key — the "Default Search API Key", or a key
// created for Gongshi — in the background, retrying until ctx ends;
// searches never use the master key. Until the key is obtained, searches
// are answered from PostgreSQL.
func NewService(ctx context.Context, cfg Config, records Records, lists Lists, today func() time.Time, log *slog.Logger) *Service {
	s := &Service{log: log, cfg: cfg, records: records, lists: lists, today: today, refresh: make(chan struct{}, 1),
		Timeout: 2 * time.Second, Cooldown: 3 * time.Second, FallbackWait: 500 * time.Millisecond,
		FallbackTimeout: 10 * time.Second, gate: newFallbackGate(cfg.FallbackConcurrency),
		keyErr: errors.New("search key not obtained yet")}
	if cfg.MasterKey == "" {
		s.client = newSearchClient(cfg.URL, "", 5*time.Second)
		s.keyErr = nil
		return s
	}
	ready := make(chan struct{})
	s.refreshing = true
	go s.keepKey(ctx, ready)
	// Give a reachable Meilisearch a moment, so the first searches are not
	// degraded needlessly.
	select {
	case <-ready:
	case <-time.After(3 * time.Second):
	case <-ctx.Done():
	}
	return s
}

// keepKey obtains the search key, and again whenever a search found it
// refused, until ctx ends.
func (s *Service) keepKey(ctx context.Context, ready chan<- struct{}) {
	s.obtainKey(ctx, ready)
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.refresh:
			s.obtainKey(ctx, make(chan struct{}))
		}
	}
}

func (s *Service) obtainKey(ctx context.Context, ready chan<- struct{}) {
	defer close(ready)
	for wait := time.Second; ; wait = min(2*wait, 30*time.Second) {
		key, err := fetchSearchKey(ctx, s.cfg)
		if err == nil {
			s.mu.Lock()
			s.client, s.keyErr, s.refreshing = newSearchClient(s.cfg.URL, key, 5*time.Second), nil, false
			s.mu.Unlock()
			s.log.Info("search: obtained the search-only key", "meili_url", s.cfg.URL)
			return
		}
		s.mu.Lock()
		s.keyErr = fmt.Errorf("no search key: %w", err)
		s.mu.Unlock()
		s.log.Warn("search: cannot obtain a search-only key; searching PostgreSQL meanwhile", "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// refreshKey obtains the search key again, after Meilisearch refused it
// (the key was deleted or rotated); searches are degraded meanwhile.
func (s *Service) refreshKey() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refreshing || s.cfg.MasterKey == "" {
		return
	}
	s.refreshing = true
	s.client, s.keyErr = nil, errors.New("search key refused; obtaining a new one")
	select {
	case s.refresh <- struct{}{}:
	default:
	}
}

// isAuthError reports whether Meilisearch refused the key.
func isAuthError(err error) bool {
	status, _ := statusOf(err)
	return status == http.StatusUnauthorized || status == http.StatusForbidden
}

// fetchSearchKey returns Meilisearch's "Default Search API Key", or the
// key Gongshi created, creating it if needed.
func fetchSearchKey(ctx context.Context, cfg Config) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	admin := newClient(cfg.URL, cfg.MasterKey, newHTTPClient(5*time.Second))
	defer admin.Close()
	keys, err := admin.GetKeys(ctx, &meili.KeysQuery{Limit: 1000})
	if err != nil {
		return "", fmt.Errorf("list keys: %w", err)
	}
	for _, name := range []string{"Default Search API Key", searchKeyName} {
		for _, k := range keys.Results {
			if k.Name == name && len(k.Actions) == 1 && k.Actions[0] == "search" &&
				(k.ExpiresAt.IsZero() || k.ExpiresAt.After(time.Now().Add(24*time.Hour))) {
				return k.Key, nil
			}
		}
	}
	k, err := admin.CreateKey(ctx, &meili.Key{Name: searchKeyName, Description: "Gongshi portal searches",
		Actions: []string{"search"}, Indexes: Indexes})
	if err != nil {
		return "", fmt.Errorf("create search key: %w", err)
	}
	return k.Key, nil
}

func (s *Service) searchClient() (*searchClient, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.client, s.keyErr
}

// Ping reports whether searches are answered by Meilisearch: it has a
// search key and Meilisearch is available. /readyz shows it.
func (s *Service) Ping(ctx context.Context) error {
	err := s.ping(ctx)
	for _, o := range s.others {
		if err == nil {
			return nil
		}
		if oerr := o.ping(ctx); oerr == nil {
			return nil
		}
	}
	return err
}

func (s *Service) ping(ctx context.Context) error {
	c, err := s.searchClient()
	if err != nil {
		return err
	}
	h, err := c.ms.Health(ctx)
	if err != nil {
		return fmt.Errorf("unreachable; searches are answered from PostgreSQL (degraded): %w", err)
	}
	if h.Status != "available" {
		return fmt.Errorf("status %q; searches are answered from PostgreSQL (degraded)", h.Status)
	}
	return nil
}

// Search answers q from Meilisearch, or from PostgreSQL (Degraded) when
// Meilisearch is unreachable, slow, or failed within the last Cooldown.
// Degraded-mode searches are bounded (Config.FallbackConcurrency): beyond
// that, and when one runs out of time, the error is ErrOverloaded.
func (s *Service) Search(ctx context.Context, q Query) (*Result, error) {
	start := time.Now()
	for _, m := range append([]*Service{s}, s.others...) {
		res, err := m.tryMeili(ctx, q)
		if err != nil {
			return nil, err
		}
		if res != nil {
			if err := s.dropUnpublished(ctx, res); err != nil {
				return nil, err
			}
			res.ProcessingMS = time.Since(start).Milliseconds()
			return res, nil
		}
	}
	res, err := s.searchPostgres(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("search (degraded): %w", err)
	}
	res.Degraded = true
	res.ProcessingMS = time.Since(start).Milliseconds()
	return res, nil
}

// tryMeili asks this Meilisearch: a nil result (and nil error) means it
// could not answer and the next may be asked; an error is the caller's.
func (s *Service) tryMeili(ctx context.Context, q Query) (*Result, error) {
	c, keyErr := s.searchClient()
	if keyErr != nil {
		return nil, nil
	}
	s.breakerOnce.Do(func() { s.breaker = s.newBreaker(s.Cooldown) })
	res, err := s.breaker.Execute(func() (*Result, error) { return s.searchMeiliOnce(ctx, c, q) })
	if err == nil {
		return res, nil
	}
	if ctx.Err() != nil {
		return nil, callerDone(ctx)
	}
	s.noteMeiliError(ctx, err)
	return nil, nil
}

// searchMeiliOnce is one Meilisearch search within Timeout; errors that
// do not mean Meilisearch is down are marked notOutage for the breaker.
func (s *Service) searchMeiliOnce(ctx context.Context, c *searchClient, q Query) (*Result, error) {
	mctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	res, err := s.searchMeili(mctx, c, q)
	if err == nil {
		return res, nil
	}
	if ctx.Err() != nil || isRejection(err) {
		return nil, &notOutage{err}
	}
	return nil, err
}

// isRejection reports whether Meilisearch answered but refused the search
// (the key, or the request: a bug), which says nothing of an outage.
func isRejection(err error) bool {
	status, _ := statusOf(err)
	return status >= 400 && status < 500 && !isNotFound(err)
}

// noteMeiliError acts on a failed Meilisearch search before the fallback
// answers: a refused key is obtained again; a rejected request is a bug
// and logged as an error; an outage is a warning. A search the open
// breaker kept from Meilisearch logs nothing: opening did.
func (s *Service) noteMeiliError(ctx context.Context, err error) {
	switch {
	case isOpen(err):
	case isAuthError(err):
		s.refreshKey()
		s.log.WarnContext(ctx, "search: Meilisearch refused the search key; answering from PostgreSQL", "err", err)
	case isRejection(err):
		s.log.ErrorContext(ctx, "search: Meilisearch rejected a search; answering from PostgreSQL", "err", err)
	default:
		s.log.WarnContext(ctx, "search: Meilisearch failed; answering from PostgreSQL", "err", err)
	}
}

// callerDone is the error of a search whose caller's context ended: a
// deadline is the request running out of time under load
// (ErrOverloaded); a cancellation is the client gone.
func callerDone(ctx context.Context) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return overloaded("the request ran out of time", ctx.Err())
	}
	return ctx.Err()
}
