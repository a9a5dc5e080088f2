package store

import (
	"context"
	"fmt"
)

// ChangeTarget is one change-log entry as the response cache needs it:
// its position, what it touched and, for records, the party's 统一社会信用代码
// (empty for natural persons) and, for list versions, the list kind.
type ChangeTarget struct {
	Seq      int64
	Entity   Entity
	EntityID int64
	Subject  string
	ListKind string
}

// ChangeTargetsAfter is ChangesAfter with what each entry touched, for
// invalidating cached responses.
func (s *Store) ChangeTargetsAfter(ctx context.Context, after int64, limit int) ([]ChangeTarget, error) {
	// The entries are chosen first, on their own: joined with the records
	// under a LIMIT, a plan made for any $1 (the cache polls with a
	// prepared statement) expects a third of the log after $1 and scans
	// it in parallel — 170 ms a poll at 5M records, five times a second.
	rows, err := s.pool.Query(ctx, `
		WITH c AS MATERIALIZED (SELECT seq, entity, entity_id FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2)
		SELECT c.seq, c.entity::text, c.entity_id,
		       coalesce(p.credit_code, k.credit_code, '')::text,
		       coalesce(v.kind::text, '')
		FROM c
		LEFT JOIN penalties p ON c.entity = 'penalty' AND p.id = c.entity_id
		LEFT JOIN permits k ON c.entity = 'permit' AND k.id = c.entity_id
		LEFT JOIN list_versions v ON c.entity = 'list_version' AND v.id = c.entity_id
		ORDER BY c.seq`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("store.ChangeTargetsAfter(%d): %w", after, err)
	}
	defer rows.Close()
	var out []ChangeTarget
	for rows.Next() {
		var c ChangeTarget
		var entity string
		if err := rows.Scan(&c.Seq, &entity, &c.EntityID, &c.Subject, &c.ListKind); err != nil {
			return nil, fmt.Errorf("store.ChangeTargetsAfter(%d): %w", after, err)
		}
		c.Entity = Entity(entity)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store.ChangeTargetsAfter(%d): %w", after, err)
	}
	return out, nil
}
