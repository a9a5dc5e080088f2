package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
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
