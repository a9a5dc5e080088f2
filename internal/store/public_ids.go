package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// PublicIDs returns which of ids, of penalties or permits, are public now
// (published and, for a penalty, within its publicity period). Readers of
// a copy that lags the system of record — the search index — use it to
// drop records withdrawn or expired since the copy was made.
func (pub *Public) PublicIDs(ctx context.Context, e Entity, ids []int64) (map[int64]bool, error) {
	var rows pgx.Rows
	var err error
	switch e {
	case EntityPenalty:
		rows, err = pub.s.pool.Query(ctx, `SELECT p.id FROM penalties p WHERE `+publicPenalty+` AND p.id = ANY($2)`, pub.today(), ids)
	case EntityPermit:
		rows, err = pub.s.pool.Query(ctx, `SELECT p.id FROM permits p WHERE `+publicPermit+` AND p.id = ANY($1)`, ids)
	default:
		return nil, fmt.Errorf("store.PublicIDs: no public records of %q", e)
	}
	if err != nil {
		return nil, fmt.Errorf("store.PublicIDs(%s): %w", e, err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("store.PublicIDs(%s): %w", e, err)
	}
	public := make(map[int64]bool, len(found))
	for _, id := range found {
		public[id] = true
	}
	return public, nil
}

// GoneError says that a record exists but is no longer public, since when
// and why: it was withdrawn (Reason: revoked, corrected, repaired, expired)
// or, for a penalty, its publicity period ended (Reason expired, Withdrawn
// false). It wraps ErrNotFound: the record's content is not served.
type GoneError struct {
	Entity    Entity
	ID        int64
	Reason    domain.WithdrawReason
	Since     time.Time // the withdrawal's instant, or the first day after the publicity period
	Withdrawn bool
}

func (e *GoneError) Error() string {
	return fmt.Sprintf("%s %d is no longer public (%s since %s)", e.Entity, e.ID, e.Reason, e.Since.Format(time.RFC3339))
}

func (e *GoneError) Unwrap() error { return ErrNotFound }

// gone explains why the record e/id is not public: a *GoneError when it
// exists, ErrNotFound when it does not (or is public after all).
func (pub *Public) gone(ctx context.Context, e Entity, id int64) error {
	var status string
	var reason *string
	var at *time.Time
	var until *time.Time
	var err error
	switch e {
	case EntityPenalty:
		err = pub.s.pool.QueryRow(ctx, `SELECT status::text, withdraw_reason::text, withdrawn_at, publicity_until FROM penalties WHERE id = $1`, id).
			Scan(&status, &reason, &at, &until)
	case EntityPermit:
		err = pub.s.pool.QueryRow(ctx, `SELECT status::text, withdraw_reason::text, withdrawn_at, NULL::date FROM permits WHERE id = $1`, id).
			Scan(&status, &reason, &at, &until)
	default:
		return fmt.Errorf("store: no public records of %q: %w", e, ErrNotFound)
	}
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("store: %s %d: %w", e, id, ErrNotFound)
	case err != nil:
		return fmt.Errorf("store: %s %d: %w", e, id, err)
	case status == "withdrawn" && reason != nil && at != nil:
		return &GoneError{Entity: e, ID: id, Reason: domain.WithdrawReason(*reason), Since: *at, Withdrawn: true}
	case until != nil && until.Before(pub.today()):
		return &GoneError{Entity: e, ID: id, Reason: domain.ReasonExpired, Since: until.AddDate(0, 0, 1)}
	}
	return fmt.Errorf("store: %s %d: %w", e, id, ErrNotFound)
}
