package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// This file and the other enforcement_*.go files hold the records of the
// enforcement disclosure system (see domain/enforcement.go): writes with
// the same rules as penalties — validated input, upserts on a natural key
// that write nothing for an unchanged record, a change-log and an audit
// entry for every record created or changed, nothing written when
// anything fails — and their public reads.
//
// A record that names something the database does not hold (an
// unregistered body, an unknown task or list item, a district that does
// not exist) makes the whole batch fail with an error wrapping
// domain.FieldErrors, each naming the record's index and field, so that a
// handler answers 422 like for any other invalid field.

// The change-log entities of the enforcement records.
const (
	EntityEnforcementBody       Entity = "enforcement_body"
	EntityEnforcementOfficer    Entity = "enforcement_officer"
	EntityInspectionListVersion Entity = "inspection_list_version"
	EntityInspectionTask        Entity = "inspection_task"
	EntityInspectionResult      Entity = "inspection_result"
	EntityEnforcementPlan       Entity = "enforcement_plan"
	EntityCriminalReferral      Entity = "criminal_referral"
)

// Register names one of the versioned enforcement registers.
type Register string

const (
	RegisterBodies          Register = "bodies"           // 执法主体
	RegisterOfficers        Register = "officers"         // 执法人员
	RegisterInspectionItems Register = "inspection-items" // 随机抽查事项清单
)

// Registers lists every Register.
var Registers = []Register{RegisterBodies, RegisterOfficers, RegisterInspectionItems}

// registerLock serializes the writes of one register, so its versions are
// numbered without gaps.
func registerLock(ctx context.Context, tx pgx.Tx, r Register) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('enforcement:' || $1))`, string(r)); err != nil {
		return fmt.Errorf("lock %s: %w", r, err)
	}
	return nil
}

// keyedUpsert builds a statement that inserts a row, or updates the row
// with the same key when its record_hash differs, and always returns the
// row's id, whether it was inserted and whether anything was written. The
// parameters are $1… in the order of cols, which include keyCols; set is
// the SET list of the update, and values the VALUES list ("" for the
// parameters themselves).
func keyedUpsert(table string, keyCols, cols []string, set, values string) string {
	if values == "" {
		values = placeholdersFrom(1, len(cols))
	}
	var where []string
	for _, k := range keyCols {
		where = append(where, fmt.Sprintf("t.%s = $%d", k, slices.Index(cols, k)+1))
	}
	return fmt.Sprintf(`WITH up AS (
		INSERT INTO %[1]s AS t (%[2]s) VALUES (%[3]s)
		ON CONFLICT (%[4]s) DO UPDATE SET %[5]s
		WHERE t.record_hash <> EXCLUDED.record_hash
		RETURNING id, (xmax = 0) AS inserted)
	SELECT id, inserted, true FROM up
	UNION ALL
	SELECT t.id, false, false FROM %[1]s t WHERE %[6]s AND NOT EXISTS (SELECT 1 FROM up)`,
		table, strings.Join(cols, ", "), values, strings.Join(keyCols, ", "), set,
		strings.Join(where, " AND "))
}

// plainSet is the SET list that replaces cols and stamps updated_at.
func plainSet(cols []string) string {
	var b strings.Builder
	for _, c := range cols {
		fmt.Fprintf(&b, "%s = EXCLUDED.%s, ", c, c)
	}
	b.WriteString("updated_at = now()")
	return b.String()
}

// runUpserts runs one keyedUpsert statement per element of args in one
// round trip and returns the outcomes in order.
func runUpserts(ctx context.Context, tx pgx.Tx, query string, args [][]any) ([]UpsertResult, error) {
	results := make([]UpsertResult, len(args))
	batch := &pgx.Batch{}
	for i, a := range args {
		batch.Queue(query, a...).QueryRow(func(row pgx.Row) error {
			var inserted, written bool
			if err := row.Scan(&results[i].ID, &inserted, &written); err != nil {
				return fmt.Errorf("record %d: %w", i, AsConflict(err))
			}
			switch {
			case inserted:
				results[i].Outcome = Created
			case written:
				results[i].Outcome = Updated
			default:
				results[i].Outcome = Unchanged
			}
			return nil
		})
	}
	if err := tx.SendBatch(ctx, batch).Close(); err != nil {
		return nil, err
	}
	return results, nil
}

// logUpserts appends the change-log and audit entries of the created and
// updated records, and returns their ids.
func logUpserts(ctx context.Context, tx pgx.Tx, a Actor, entity Entity, results []UpsertResult) ([]int64, error) {
	var created, updated []int64
	for _, r := range results {
		switch r.Outcome {
		case Created:
			created = append(created, r.ID)
		case Updated:
			updated = append(updated, r.ID)
		}
	}
	changed := append(slices.Clone(created), updated...)
	if err := appendChanges(ctx, tx, entity, OpUpsert, nil, changed); err != nil {
		return nil, err
	}
	if err := audit(ctx, tx, a, string(entity)+".create", entity, created, nil); err != nil {
		return nil, err
	}
	return changed, audit(ctx, tx, a, string(entity)+".update", entity, updated, nil)
}

// bodyRef is a registered enforcement body as records refer to it.
type bodyRef struct {
	id           int64
	name         string
	districtCode string
}

// bodyRefs looks up the bodies with the given credit codes.
func bodyRefs(ctx context.Context, q queryer, codes []string) (map[string]bodyRef, error) {
	rows, err := q.Query(ctx, `SELECT credit_code, id, name, district_code FROM enforcement_bodies WHERE credit_code = ANY($1)`, codes)
	if err != nil {
		return nil, fmt.Errorf("look up bodies: %w", err)
	}
	out := map[string]bodyRef{}
	var code string
	var b bodyRef
	_, err = pgx.ForEachRow(rows, []any{&code, &b.id, &b.name, &b.districtCode}, func() error { out[code] = b; return nil })
	if err != nil {
		return nil, fmt.Errorf("look up bodies: %w", err)
	}
	return out, nil
}

// refChecker collects the reference problems of a batch.
type refChecker struct{ errs domain.FieldErrors }

func (c *refChecker) add(i int, field, code, format string, args ...any) {
	c.errs = append(c.errs, domain.FieldError{Index: i, Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// body resolves record i's body by credit code (field codeField) and
// checks the name it gives, if any (field nameField).
func (c *refChecker) body(i int, bodies map[string]bodyRef, code, name, codeField, nameField string) int64 {
	b, ok := bodies[code]
	switch {
	case !ok:
		c.add(i, codeField, domain.CodeConflict, "no enforcement body with credit code %s is registered", code)
	case name != "" && name != b.name:
		c.add(i, nameField, domain.CodeConflict, "the body with credit code %s is registered as %s", code, b.name)
	}
	return b.id
}

// duplicate reports records of a batch that share a key.
func (c *refChecker) duplicates(keys []string, field string) {
	first := map[string]int{}
	for i, k := range keys {
		if j, dup := first[k]; dup {
			c.add(i, field, domain.CodeConflict, "the same record as record %d of the batch", j)
			continue
		}
		first[k] = i
	}
}

// err returns the problems as an error, or nil.
func (c *refChecker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(c.errs, func(a, b domain.FieldError) int { return a.Index - b.Index })
	return c.errs
}

// codesOf returns the distinct values of key over xs.
func codesOf[T any](xs []T, key func(T) string) []string {
	var out []string
	for _, x := range xs {
		if k := key(x); k != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// IsFieldErrors reports whether err carries validation problems of the
// input, and returns them.
func IsFieldErrors(err error) (domain.FieldErrors, bool) {
	var fe domain.FieldErrors
	ok := errors.As(err, &fe)
	return fe, ok
}
