package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// audit records writes in the caller's transaction, one row per entity id.
func audit(ctx context.Context, tx pgx.Tx, a Actor, action string, entity Entity, ids []int64, detail any) error {
	if len(ids) == 0 {
		return nil
	}
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_log (key_id, actor, action, entity, entity_id, remote_addr, detail)
		SELECT $1, $2, $3, $4, id, $5, $6 FROM unnest($7::bigint[]) AS t(id)`,
		a.keyID(), a.Name, action, string(entity), a.RemoteAddr, detail, ids)
	if err != nil {
		return fmt.Errorf("audit(%s %s): %w", action, entity, err)
	}
	return nil
}

// AuditLoad records, in the caller's transaction, one audit entry for a
// write of many records of entity at once (a bulk load): detail says
// which, instead of one entry per record.
func AuditLoad(ctx context.Context, tx pgx.Tx, a Actor, action string, entity Entity, detail any) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_log (key_id, actor, action, entity, entity_id, remote_addr, detail)
		VALUES ($1, $2, $3, $4, NULL, $5, $6)`,
		a.keyID(), a.Name, action, string(entity), a.RemoteAddr, detail)
	if err != nil {
		return fmt.Errorf("audit(%s %s): %w", action, entity, err)
	}
	return nil
}
