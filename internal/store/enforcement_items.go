package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// InspectionItemsInput is a whole random-inspection list (随机抽查事项清单)
// to publish as its next version.
type InspectionItemsInput struct {
	EffectiveDate time.Time // zero: today
	Note          string
	Items         []domain.InspectionItem // validated with domain.ValidateInspectionItems
}

// PublishInspectionItems publishes a whole random-inspection list as the
// register's next version, with what it added, changed and removed
// against the current one, like PublishList. A list equal to the current
// version writes nothing and returns that version (Created false).
func (s *Store) PublishInspectionItems(ctx context.Context, a Actor, in InspectionItemsInput, opt WriteOptions) (PublishResult, error) {
	res := PublishResult{Kind: string(RegisterInspectionItems), Items: len(in.Items)}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := registerLock(ctx, tx, RegisterInspectionItems); err != nil {
			return err
		}
		var prevID *int64
		var prevNumber int
		err := tx.QueryRow(ctx, `SELECT max(id), coalesce(max(number), 0) FROM enforcement_versions WHERE register = $1`,
			string(RegisterInspectionItems)).Scan(&prevID, &prevNumber)
		if err != nil {
			return err
		}
		prev := map[string]listEntry{}
		if prevID != nil {
			rows, err := tx.Query(ctx, `SELECT code, name, content_hash FROM inspection_items WHERE version_id = $1`, *prevID)
			if err != nil {
				return err
			}
			var e listEntry
			if _, err := pgx.ForEachRow(rows, []any{&e.code, &e.name, &e.hash}, func() error { prev[e.code] = e; return nil }); err != nil {
				return err
			}
		}
		var changes [][]any
		seen := map[string]bool{}
		for _, it := range in.Items {
			seen[it.Code] = true
			h := hashItem(it)
			content := domain.InspectionItemRecord(it)
			switch p, ok := prev[it.Code]; {
			case !ok:
				changes = append(changes, []any{it.Code, it.Name, "added", []string{}, content})
				res.Added++
			case string(p.hash) != string(h):
				changes = append(changes, []any{it.Code, it.Name, "changed", nil, content})
				res.Changed++
			}
		}
		for code, p := range prev {
			if !seen[code] {
				changes = append(changes, []any{code, p.name, "removed", []string{}, nil})
				res.Removed++
			}
		}
		if prevID != nil && len(changes) == 0 {
			res.VersionID, res.Number = *prevID, prevNumber
			return nil
		}
		res.Created = true
		if res.VersionID, res.Number, err = newVersion(ctx, tx, RegisterInspectionItems, in.EffectiveDate, in.Note,
			len(in.Items), opt.Demo); err != nil {
			return err
		}
		var changed []string
		for _, c := range changes {
			if c[2] == "changed" {
				changed = append(changed, c[0].(string))
			}
		}
		before, err := latestContents(ctx, tx, RegisterInspectionItems, changed)
		if err != nil {
			return err
		}
		items := make([][]any, len(in.Items))
		for i, it := range in.Items {
			items[i] = []any{res.VersionID, it.Code, it.Name, it.Category, it.Scope, it.Method, it.Body, it.Basis,
				it.Frequency, it.Remarks, hashItem(it)}
		}
		for i, c := range changes {
			if c[2] == "changed" {
				c[3] = changedFields(domain.InspectionItemFields, before[c[0].(string)], c[4].(map[string]string))
			}
			changes[i] = append([]any{res.VersionID}, c...)
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"enforcement_changes"},
			[]string{"version_id", "key", "name", "change", "fields", "content"}, pgx.CopyFromRows(changes)); err != nil {
			return fmt.Errorf("insert changes: %w", AsConflict(err))
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"inspection_items"},
			[]string{"version_id", "code", "name", "category", "scope", "method", "body", "basis", "frequency", "remarks",
				"content_hash"}, pgx.CopyFromRows(items)); err != nil {
			return fmt.Errorf("insert items: %w", AsConflict(err))
		}
		if err := appendChanges(ctx, tx, EntityInspectionListVersion, OpUpsert, nil, []int64{res.VersionID}); err != nil {
			return err
		}
		return audit(ctx, tx, a, "register.publish", entityVersion, []int64{res.VersionID},
			map[string]any{"register": RegisterInspectionItems, "number": res.Number, "added": res.Added,
				"changed": res.Changed, "removed": res.Removed})
	})
	if err != nil {
		return PublishResult{}, fmt.Errorf("store.PublishInspectionItems(%d items): %w", len(in.Items), err)
	}
	return res, nil
}
