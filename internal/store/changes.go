package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// changeLogLock is the advisory-lock key that serializes change-log
// appends: holding it until commit makes entries commit in seq order, so a
// reader paging by seq can never skip one that commits late.
const changeLogLock = 0x676f6e67736869 // "gongshi"

// ChangesChannel is the LISTEN/NOTIFY channel that announces new entries.
const ChangesChannel = "gongshi_changes"

// Entity names the kind of record a change-log entry refers to.
type Entity string

const (
	EntityPenalty     Entity = "penalty"
	EntityPermit      Entity = "permit"
	EntityListVersion Entity = "list_version"
)

// appendChanges appends one entry per id in the caller's transaction and
// announces them on ChangesChannel at commit.
func appendChanges(ctx context.Context, tx pgx.Tx, entity Entity, op string, reason *string, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(changeLogLock)); err != nil {
		return fmt.Errorf("appendChanges: lock: %w", err)
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO changes (entity, entity_id, op, reason)
		SELECT $1, id, $2, $3 FROM unnest($4::bigint[]) WITH ORDINALITY AS t(id, n) ORDER BY n`,
		string(entity), op, reason, ids)
	if err != nil {
		return fmt.Errorf("appendChanges(%s, %s): %w", entity, op, err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, string(entity)); err != nil {
		return fmt.Errorf("appendChanges: notify: %w", err)
	}
	return nil
}

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
