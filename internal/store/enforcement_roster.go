package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// Bodies and officers change record by record, but their registers are
// versioned like the lists: every write that creates or changes at least
// one record is the register's next numbered version, whose changes hold
// each such record's new content and the fields that changed. A record's
// history is its changes in version order. Records are never removed: a
// body is abolished (撤销) and a certificate revoked (注销) by a change of
// status, so a revoked certificate can still be verified as revoked.

// rosterEntry is a record of a register as a version's change holds it.
type rosterEntry struct {
	key, name string
	content   map[string]string
}

// officerHashed is what identifies a change of an officer: the body by
// its id, not by the name given on input.
type officerHashed struct {
	CertificateNo, Name, IssuingAuthority string
	BodyID                                int64
	Status                                domain.OfficerStatus
	ValidUntil                            time.Time
}

var bodyCols = []string{"credit_code", "name", "legal_basis", "district_code", "entrusted", "entrusting_body",
	"entrusting_code", "status", "remarks", "demo", "record_hash"}

var bodyUpsert = keyedUpsert("enforcement_bodies", []string{"credit_code"}, bodyCols, plainSet(bodyCols), "")

var officerCols = []string{"certificate_no", "name", "issuing_authority", "body_id", "status", "valid_until", "demo",
	"record_hash"}

var officerUpsert = keyedUpsert("enforcement_officers", []string{"certificate_no"}, officerCols, plainSet(officerCols), "")

// UpsertEnforcementBodies writes a batch of validated bodies, keyed by
// credit code. A district code that is not a known district is a
// domain.FieldErrors error. See the register rules above.
func (s *Store) UpsertEnforcementBodies(ctx context.Context, a Actor, bs []domain.EnforcementBody, opt WriteOptions) ([]UpsertResult, error) {
	var results []UpsertResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := registerLock(ctx, tx, RegisterBodies); err != nil {
			return err
		}
		var c refChecker
		c.duplicates(keysOf(bs, func(b domain.EnforcementBody) string { return b.CreditCode }), "credit_code")
		var known []string
		rows, err := tx.Query(ctx, `SELECT code FROM districts WHERE code = ANY($1)`,
			codesOf(bs, func(b domain.EnforcementBody) string { return b.DistrictCode }))
		if err == nil {
			known, err = pgx.CollectRows(rows, pgx.RowTo[string])
		}
		if err != nil {
			return fmt.Errorf("look up districts: %w", err)
		}
		args := make([][]any, len(bs))
		entries := make([]rosterEntry, len(bs))
		for i, b := range bs {
			if !slices.Contains(known, b.DistrictCode) {
				c.add(i, "district_code", domain.CodeConflict, "%s is not a known district", b.DistrictCode)
			}
			args[i] = []any{b.CreditCode, b.Name, b.LegalBasis, b.DistrictCode, b.Entrusted, b.EntrustingBody,
				b.EntrustingCode, string(b.Status), b.Remarks, opt.Demo, recordHash(b, opt.Demo)}
			entries[i] = rosterEntry{b.CreditCode, b.Name, domain.BodyRecord(b)}
		}
		if err := c.err(); err != nil {
			return err
		}
		if results, err = runUpserts(ctx, tx, bodyUpsert, args); err != nil {
			return err
		}
		return s.logRoster(ctx, tx, a, RegisterBodies, EntityEnforcementBody, "enforcement_bodies", results, entries, opt)
	})
	if err != nil {
		return nil, fmt.Errorf("store.UpsertEnforcementBodies(%d records): %w", len(bs), err)
	}
	return results, nil
}

// UpsertOfficers writes a batch of validated officers, keyed by
// certificate number. Each officer's body must be registered (and, when
// the record names it, under that name); otherwise the batch fails with
// domain.FieldErrors. See the register rules above.
func (s *Store) UpsertOfficers(ctx context.Context, a Actor, os []domain.Officer, opt WriteOptions) ([]UpsertResult, error) {
	var results []UpsertResult
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := registerLock(ctx, tx, RegisterOfficers); err != nil {
			return err
		}
		bodies, err := bodyRefs(ctx, tx, codesOf(os, func(o domain.Officer) string { return o.BodyCode }))
		if err != nil {
			return err
		}
		var c refChecker
		c.duplicates(keysOf(os, func(o domain.Officer) string { return o.CertificateNo }), "certificate_no")
		args := make([][]any, len(os))
		entries := make([]rosterEntry, len(os))
		for i, o := range os {
			id := c.body(i, bodies, o.BodyCode, o.Body, "body_code", "body")
			h := officerHashed{o.CertificateNo, o.Name, o.IssuingAuthority, id, o.Status, o.ValidUntil}
			args[i] = []any{o.CertificateNo, o.Name, o.IssuingAuthority, id, string(o.Status), o.ValidUntil, opt.Demo,
				recordHash(h, opt.Demo)}
			o.Body = bodies[o.BodyCode].name
			entries[i] = rosterEntry{o.CertificateNo, o.Name, domain.OfficerRecord(o)}
		}
		if err := c.err(); err != nil {
			return err
		}
		if results, err = runUpserts(ctx, tx, officerUpsert, args); err != nil {
			return err
		}
		return s.logRoster(ctx, tx, a, RegisterOfficers, EntityEnforcementOfficer, "enforcement_officers", results, entries, opt)
	})
	if err != nil {
		return nil, fmt.Errorf("store.UpsertOfficers(%d records): %w", len(os), err)
	}
	return results, nil
}

// logRoster writes the change-log and audit entries of a register write
// and, when it changed anything, the register's next version.
func (s *Store) logRoster(ctx context.Context, tx pgx.Tx, a Actor, reg Register, entity Entity, table string,
	results []UpsertResult, entries []rosterEntry, opt WriteOptions) error {
	changed, err := logUpserts(ctx, tx, a, entity, results)
	if err != nil || len(changed) == 0 {
		return err
	}
	var keys []string
	for i, r := range results {
		if r.Outcome != Unchanged {
			keys = append(keys, entries[i].key)
		}
	}
	prev, err := latestContents(ctx, tx, reg, keys)
	if err != nil {
		return err
	}
	var count int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+table).Scan(&count); err != nil {
		return err
	}
	versionID, number, err := newVersion(ctx, tx, reg, time.Time{}, "", count, opt.Demo)
	if err != nil {
		return err
	}
	var rows [][]any
	for i, r := range results {
		e := entries[i]
		switch r.Outcome {
		case Created:
			rows = append(rows, []any{versionID, e.key, e.name, "added", []string{}, e.content})
		case Updated:
			rows = append(rows, []any{versionID, e.key, e.name, "changed", changedFields(registerFields(reg), prev[e.key], e.content), e.content})
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"enforcement_changes"},
		[]string{"version_id", "key", "name", "change", "fields", "content"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("insert changes: %w", AsConflict(err))
	}
	return audit(ctx, tx, a, "register.publish", entityVersion, []int64{versionID},
		map[string]any{"register": reg, "number": number, "records": len(rows)})
}

// newVersion inserts the next version of a register (the caller holds its
// lock); a zero effective date means today.
func newVersion(ctx context.Context, tx pgx.Tx, reg Register, effective time.Time, note string, count int, demo bool) (int64, int, error) {
	var id int64
	var number int
	var eff *time.Time
	if !effective.IsZero() {
		eff = &effective
	}
	err := tx.QueryRow(ctx, `INSERT INTO enforcement_versions (register, number, effective_date, note, item_count, demo)
		VALUES ($1, (SELECT coalesce(max(number), 0) + 1 FROM enforcement_versions WHERE register = $1),
			coalesce($2::date, current_date), $3, $4, $5)
		RETURNING id, number`, string(reg), eff, note, count, demo).Scan(&id, &number)
	if err != nil {
		return 0, 0, fmt.Errorf("new %s version: %w", reg, AsConflict(err))
	}
	return id, number, nil
}

// latestContents returns the newest content of each key in a register's
// changes.
func latestContents(ctx context.Context, tx pgx.Tx, reg Register, keys []string) (map[string]map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT ON (c.key) c.key, c.content FROM enforcement_changes c
		JOIN enforcement_versions v ON v.id = c.version_id
		WHERE v.register = $1 AND c.key = ANY($2) AND c.content IS NOT NULL
		ORDER BY c.key, v.number DESC`, string(reg), keys)
	if err != nil {
		return nil, fmt.Errorf("previous contents: %w", err)
	}
	out := map[string]map[string]string{}
	var key string
	var content []byte
	_, err = pgx.ForEachRow(rows, []any{&key, &content}, func() error {
		m := map[string]string{}
		if err := json.Unmarshal(content, &m); err != nil {
			return err
		}
		out[key] = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("previous contents: %w", err)
	}
	return out, nil
}

// registerFields is the data dictionary of a register's records.
func registerFields(reg Register) []domain.Field {
	switch reg {
	case RegisterBodies:
		return domain.BodyFields
	case RegisterOfficers:
		return domain.OfficerFields
	}
	return domain.InspectionItemFields
}

// changedFields lists, in the order of the dictionary, the fields whose
// values differ between two contents of a record.
func changedFields(fields []domain.Field, prev, cur map[string]string) []string {
	out := []string{}
	for _, f := range fields {
		if prev[f.Code] != cur[f.Code] {
			out = append(out, f.Code)
		}
	}
	return out
}

func keysOf[T any](xs []T, key func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = key(x)
	}
	return out
}

// entityVersion names a register version in the audit log.
const entityVersion Entity = "enforcement_version"
