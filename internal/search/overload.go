package search

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/sync/semaphore"
)

// ErrOverloaded is the error of a search refused to protect PostgreSQL:
// Meilisearch cannot answer and as many degraded-mode searches as the
// fallback allows are already running, or one ran out of time. Compare
// with errors.Is; the error is an *OverloadedError telling when to retry.
var ErrOverloaded = errors.New("search overloaded")

// OverloadedError is ErrOverloaded with its cause and a retry hint.
type OverloadedError struct {
	Reason string
	Retry  time.Duration
	Err    error // the cause, if any
}

func (e *OverloadedError) Error() string {
	if e.Err != nil {
		return "search overloaded: " + e.Reason + ": " + e.Err.Error()
	}
	return "search overloaded: " + e.Reason
}

// Is makes the error ErrOverloaded.
func (e *OverloadedError) Is(target error) bool { return target == ErrOverloaded }

func (e *OverloadedError) Unwrap() error { return e.Err }

// RetryAfter is how long a client should wait before searching again.
func (e *OverloadedError) RetryAfter() time.Duration { return e.Retry }

// overloaded returns an *OverloadedError whose retry hint is spread over
// a few seconds, so the clients it turns away do not all come back at
// once.
func overloaded(reason string, cause error) *OverloadedError {
	return &OverloadedError{Reason: reason, Err: cause, Retry: 2*time.Second + rand.N(3*time.Second)}
}

// DefaultFallbackConcurrency is how many degraded-mode searches run at
// once when Config.FallbackConcurrency is 0: half the processor cores, at
// least 2 — half of the connections pgxpool opens by default, so the
// fallback never holds the whole pool.
func DefaultFallbackConcurrency() int { return max(2, runtime.GOMAXPROCS(0)/2) }

// fallbackGate bounds the degraded-mode searches running at once.
type fallbackGate struct {
	sem  *semaphore.Weighted
	size int
}

func newFallbackGate(size int) *fallbackGate {
	if size <= 0 {
		size = DefaultFallbackConcurrency()
	}
	return &fallbackGate{sem: semaphore.NewWeighted(int64(size)), size: size}
}

// enter waits up to wait for a slot; the caller must call leave after a
// nil error. A full gate is an *OverloadedError, and so is a ctx that
// ran out of time; a cancelled ctx is its error.
func (g *fallbackGate) enter(ctx context.Context, wait time.Duration) error {
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	if err := g.sem.Acquire(wctx, 1); err != nil {
		if ctx.Err() != nil {
			return callerDone(ctx)
		}
		return overloaded(fmt.Sprintf("%d searches already answered from PostgreSQL", g.size), nil)
	}
	return nil
}

func (g *fallbackGate) leave() { g.sem.Release(1) }

// notOutage marks a Meilisearch error that says nothing about its health
// — a refused key, a rejected request, a caller that went away — so the
// circuit breaker neither counts it as a failure nor as a success.
type notOutage struct{ err error }

func (e *notOutage) Error() string { return e.err.Error() }
func (e *notOutage) Unwrap() error { return e.err }

// newBreaker returns the circuit breaker in front of Meilisearch: the
// first failure that looks like an outage (no answer in time, a 5xx, a
// missing index) opens it, and for cooldown every search goes straight to
// PostgreSQL; then one search at a time probes Meilisearch until one
// succeeds. So a slow Meilisearch delays one search per cooldown, not
// every search.
func (s *Service) newBreaker(cooldown time.Duration) *gobreaker.CircuitBreaker[*Result] {
	return gobreaker.NewCircuitBreaker[*Result](gobreaker.Settings{
		Name:        "meilisearch",
		MaxRequests: 1,
		Timeout:     cooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 },
		IsExcluded: func(err error) bool {
			var no *notOutage
			return errors.As(err, &no)
		},
		OnStateChange: func(_ string, from, to gobreaker.State) {
			switch to {
			case gobreaker.StateOpen:
				s.log.Warn("search: Meilisearch circuit open; answering from PostgreSQL", "from", from.String(), "probe_in", cooldown)
			case gobreaker.StateClosed:
				s.log.Info("search: Meilisearch answers again; circuit closed")
			}
		},
	})
}

// isOpen reports whether err is the breaker refusing a call.
func isOpen(err error) bool {
	return errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
}

// sqlState is the SQLSTATE of a PostgreSQL error in err's chain, "" if none.
func sqlState(err error) string {
	var pe interface{ SQLState() string }
	if errors.As(err, &pe) {
		return pe.SQLState()
	}
	return ""
}

// asOverload turns a degraded-mode search error that means "PostgreSQL
// is too busy" into an *OverloadedError: the search ran out of time (its
// own deadline or the request's), a statement was cancelled by
// statement_timeout, or PostgreSQL refused a connection for lack of
// slots. Other errors are returned as they are.
func asOverload(err error) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return overloaded("the search from PostgreSQL ran out of time", err)
	case sqlState(err) == "57014": // query_canceled: statement_timeout
		return overloaded("PostgreSQL cancelled the search at its statement timeout", err)
	case sqlState(err) == "53300": // too_many_connections
		return overloaded("PostgreSQL has no free connection", err)
	}
	return err
}
