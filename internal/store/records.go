package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gongshi/gongshi/internal/domain"
)

// Outcome says what an upsert did to one record.
type Outcome string

const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
)

// UpsertResult is the outcome of one record of a batch, in input order.
type UpsertResult struct {
	ID      int64   `json:"id"`
	Outcome Outcome `json:"outcome"`
}

// WriteOptions qualify a batch write.
type WriteOptions struct {
	Demo bool // the records are synthetic demo data (示例数据)
}

// The party block, in column order, shared by penalties and permits.
const partyColumns = `party_name, party_kind, credit_code, business_reg_no, org_code, tax_reg_no,
	institution_no, social_org_no, legal_rep, legal_rep_id_type, legal_rep_id_no, id_type, id_no`

func appendPartyValues(args []any, p *domain.Party) []any {
	return append(args, p.Name, string(p.Kind), p.CreditCode, p.BusinessRegNo, p.OrgCode, p.TaxRegNo,
		p.InstitutionNo, p.SocialOrgNo, p.LegalRep, p.LegalRepIDType, p.LegalRepIDNo, p.IDType, p.IDNo)
}

// updateSet builds "col = EXCLUDED.col, …" for an upsert. A record that
// was withdrawn as "corrected" is published again by its corrected version.
func updateSet(table string, cols []string) string {
	var b strings.Builder
	for _, c := range cols {
		fmt.Fprintf(&b, "%s = EXCLUDED.%s, ", c, c)
	}
	corrected := table + ".status = 'withdrawn' AND " + table + ".withdraw_reason = 'corrected'"
	fmt.Fprintf(&b, `updated_at = now(),
		status = CASE WHEN %[1]s THEN 'published' ELSE %[2]s.status END,
		withdraw_reason = CASE WHEN %[1]s THEN NULL ELSE %[2]s.withdraw_reason END,
		withdraw_note = CASE WHEN %[1]s THEN '' ELSE %[2]s.withdraw_note END,
		withdrawn_at = CASE WHEN %[1]s THEN NULL ELSE %[2]s.withdrawn_at END`, corrected, table)
	return b.String()
}

func columnList(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

// upsertColumns are the columns an upsert writes after the agency and the
// decision number.
func upsertColumns(ownCols string) []string {
	return columnList(partyColumns + ", " + ownCols + ", demo, record_hash")
}

// UpsertColumns are the columns an upsert of a penalty or permit writes,
// in the order of PenaltyArgs' and PermitArgs' values.
func UpsertColumns(e Entity) []string {
	own := map[Entity]string{EntityPenalty: penaltyColumns, EntityPermit: permitColumns}[e]
	if own == "" {
		panic("store.UpsertColumns: " + string(e))
	}
	return append([]string{"agency_id", "decision_no"}, upsertColumns(own)...)
}

// upsertSQL is the upsert of rows records into table: one statement, so
// the table's statement triggers (the tallies) run once for all of them.
// It returns each written record's id and natural key (decision numbers
// compare byte by byte, COLLATE "C", as Go strings do) and whether it was
// inserted; a record equal to the stored one is not returned.
func upsertSQL(table, ownCols string, rows int) string {
	cols := upsertColumns(ownCols)
	width := len(cols) + 2 // the agency and the decision number first
	values := make([]string, rows)
	for i := range values {
		values[i] = "(" + placeholdersFrom(i*width+1, width) + ")"
	}
	return fmt.Sprintf(`
		INSERT INTO %[1]s (agency_id, decision_no, %[2]s) VALUES %[3]s
		ON CONFLICT (agency_id, decision_no) DO UPDATE SET %[4]s
		WHERE %[1]s.record_hash <> EXCLUDED.record_hash
		RETURNING id, agency_id, decision_no, (xmax = 0) AS inserted`,
		table, strings.Join(cols, ", "), strings.Join(values, ", "), updateSet(table, cols))
}

// maxUpsertRows is the most records one upsert statement writes. A batch
// is written by statements of maxUpsertRows records and then of halving
// sizes (see upsertShapes), all sent in one round trip: a table has a
// handful of statement shapes for each connection to prepare, and an
// ingest batch of 500 records runs about ten statements, not 500.
const maxUpsertRows = 64

// upsertShapes are a table's upsert statements by row count: 1, 2, 4, …,
// maxUpsertRows.
type upsertShapes map[int]string

func newUpsertShapes(table, ownCols string) upsertShapes {
	shapes := upsertShapes{}
	for n := 1; n <= maxUpsertRows; n *= 2 {
		shapes[n] = upsertSQL(table, ownCols, n)
	}
	return shapes
}

// chunks splits n records into statement sizes: as many of maxUpsertRows
// as fit, then the binary digits of the rest, largest first.
func (upsertShapes) chunks(n int) []int {
	var out []int
	for ; n >= maxUpsertRows; n -= maxUpsertRows {
		out = append(out, maxUpsertRows)
	}
	for size := maxUpsertRows / 2; size > 0; size /= 2 {
		if n >= size {
			out = append(out, size)
			n -= size
		}
	}
	return out
}

func placeholdersFrom(first, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("$%d", first+i)
	}
	return strings.Join(ps, ", ")
}

const penaltyColumns = `violation_type, facts, basis, categories, content, fine_yuan, confiscated_yuan,
	licence_affected, decision_date, valid_until, publicity_class, publicity_until, source_name, source_code,
	remarks, stage`

var penaltyUpsert = newUpsertShapes("penalties", penaltyColumns)

const permitColumns = `document_name, category, certificate_name, permit_no, content, decision_date,
	valid_from, valid_to, state, source_name, source_code, remarks`

var permitUpsert = newUpsertShapes("permits", permitColumns)

func nullable[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// PenaltyArgs appends the arguments of p's upsert to args, one per
// UpsertColumns(EntityPenalty). A bulk load writes the same values.
func PenaltyArgs(args []any, agencyID int64, p *domain.Penalty, demo bool) []any {
	args = appendPartyValues(append(args, agencyID, p.DecisionNo), &p.Party)
	return append(args, p.ViolationType, p.Facts, p.Basis, p.Categories, p.Content, p.Fine.Yuan(),
		p.Confiscated.Yuan(), p.LicenceAffected, p.DecisionDate, p.ValidUntil, string(p.Class),
		p.PublicityUntil, p.Source, p.SourceCode, p.Remarks, nullable(string(p.Stage)),
		demo, recordHash(p, demo))
}

// PermitArgs is PenaltyArgs for permits.
func PermitArgs(args []any, agencyID int64, p *domain.Permit, demo bool) []any {
	args = appendPartyValues(append(args, agencyID, p.DecisionNo), &p.Party)
	return append(args, p.DocName, p.Category, p.CertName, p.PermitNo, p.Content, p.DecisionDate,
		p.ValidFrom, p.ValidTo, string(p.State), p.Source, p.SourceCode, p.Remarks,
		demo, recordHash(p, demo))
}

// UpsertPenalties writes a batch of validated penalties in one transaction,
// keyed by (issuing agency, decision number). A record equal to the stored
// one is left alone and logs nothing; created and updated records each get
// a change-log and an audit entry. Any failure writes nothing.
func (s *Store) UpsertPenalties(ctx context.Context, a Actor, ps []domain.Penalty, opt WriteOptions) ([]UpsertResult, error) {
	return upsertBatch(ctx, s, a, EntityPenalty, penaltyUpsert, ps, func(p domain.Penalty) recordKey {
		return recordKey{p.AgencyCode, p.Agency, p.DecisionNo}
	}, func(id int64, p domain.Penalty) []any { return PenaltyArgs(nil, id, &p, opt.Demo) })
}

// UpsertPermits is UpsertPenalties for permits.
func (s *Store) UpsertPermits(ctx context.Context, a Actor, ps []domain.Permit, opt WriteOptions) ([]UpsertResult, error) {
	return upsertBatch(ctx, s, a, EntityPermit, permitUpsert, ps, func(p domain.Permit) recordKey {
		return recordKey{p.AgencyCode, p.Agency, p.DecisionNo}
	}, func(id int64, p domain.Permit) []any { return PermitArgs(nil, id, &p, opt.Demo) })
}

// recordKey is a record's natural key plus the agency's name.
type recordKey struct{ agencyCode, agencyName, decisionNo string }

// storedKey is a record's natural key as stored.
type storedKey struct {
	agencyID   int64
	decisionNo string
}

func upsertBatch[T any](ctx context.Context, s *Store, a Actor, entity Entity, shapes upsertShapes, recs []T,
	keyOf func(T) recordKey, args func(int64, T) []any) ([]UpsertResult, error) {
	results, err := upsertTx(ctx, s, a, entity, shapes, recs, keyOf, args, false)
	if errors.Is(err, ErrConflict) {
		// A statement of many records refused one of them: write them
		// one by one to name it (and to write nothing again).
		results, err = upsertTx(ctx, s, a, entity, shapes, recs, keyOf, args, true)
	}
	if err != nil {
		return nil, fmt.Errorf("store.Upsert(%s, %d records): %w", entity, len(recs), err)
	}
	return results, nil
}

// upsertTx writes recs in one transaction: by statements of many records,
// or one statement per record when oneByOne or when the batch names a
// record twice (its second version then updates its first, in order).
func upsertTx[T any](ctx context.Context, s *Store, a Actor, entity Entity, shapes upsertShapes, recs []T,
	keyOf func(T) recordKey, args func(int64, T) []any, oneByOne bool) ([]UpsertResult, error) {
	results := make([]UpsertResult, len(recs))
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		// Agencies are created in credit-code order, so two batches naming
		// the same new agencies cannot deadlock.
		names := map[string]string{}
		for _, r := range recs {
			k := keyOf(r)
			if _, ok := names[k.agencyCode]; !ok {
				names[k.agencyCode] = k.agencyName
			}
		}
		agencies := make(map[string]int64, len(names))
		for _, code := range slices.Sorted(maps.Keys(names)) {
			id, err := EnsureAgency(ctx, tx, code, names[code])
			if err != nil {
				return err
			}
			agencies[code] = id
		}
		at := make(map[storedKey]int, len(recs)) // a record's index in recs
		for i, r := range recs {
			k := keyOf(r)
			sk := storedKey{agencies[k.agencyCode], k.decisionNo}
			if _, twice := at[sk]; twice {
				oneByOne = true
			}
			at[sk] = i
		}
		var err error
		if oneByOne {
			err = upsertEach(ctx, tx, shapes[1], recs, results, func(r T) []any { return args(agencies[keyOf(r).agencyCode], r) })
		} else {
			err = upsertMany(ctx, tx, shapes, recs, results, at, func(vals []any, r T) []any {
				return append(vals, args(agencies[keyOf(r).agencyCode], r)...)
			})
		}
		if err != nil {
			return err
		}
		// Unchanged records' ids are looked up in one query so callers can
		// link to them.
		var created, updated, unchangedAgency []int64
		var unchangedNo []string
		var unchangedAt []int
		for i, r := range recs {
			switch results[i].Outcome {
			case Created:
				created = append(created, results[i].ID)
			case Updated:
				updated = append(updated, results[i].ID)
			case Unchanged:
				k := keyOf(r)
				unchangedAgency = append(unchangedAgency, agencies[k.agencyCode])
				unchangedNo = append(unchangedNo, k.decisionNo)
				unchangedAt = append(unchangedAt, i)
			}
		}
		if len(unchangedAt) > 0 {
			rows, err := tx.Query(ctx, `SELECT t.id FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS k(agency_id, decision_no, n)
				JOIN `+entity.Table()+` t USING (agency_id, decision_no) ORDER BY k.n`, unchangedAgency, unchangedNo)
			if err != nil {
				return fmt.Errorf("look up unchanged records: %w", err)
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil || len(ids) != len(unchangedAt) {
				return fmt.Errorf("look up unchanged records: %d of %d found: %v", len(ids), len(unchangedAt), err)
			}
			for j, i := range unchangedAt {
				results[i].ID = ids[j]
			}
		}
		changed := append(append([]int64{}, created...), updated...)
		if err := appendChanges(ctx, tx, entity, "upsert", nil, changed); err != nil {
			return err
		}
		if err := audit(ctx, tx, a, string(entity)+".create", entity, created, nil); err != nil {
			return err
		}
		return audit(ctx, tx, a, string(entity)+".update", entity, updated, nil)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// upsertMany writes recs, whose keys at maps to their index, by
// statements of many records sent in one batch, and sets their results:
// a record the statements did not return was equal to the stored one.
func upsertMany[T any](ctx context.Context, tx pgx.Tx, shapes upsertShapes, recs []T, results []UpsertResult,
	at map[storedKey]int, appendArgs func([]any, T) []any) error {
	for i := range results {
		results[i].Outcome = Unchanged
	}
	batch := &pgx.Batch{}
	first := 0
	for _, n := range shapes.chunks(len(recs)) {
		var vals []any
		for _, r := range recs[first : first+n] {
			vals = appendArgs(vals, r)
		}
		from, to := first, first+n-1
		batch.Queue(shapes[n], vals...).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var k storedKey
				var id int64
				var inserted bool
				if err := rows.Scan(&id, &k.agencyID, &k.decisionNo, &inserted); err != nil {
					return fmt.Errorf("records %d–%d: %w", from, to, err)
				}
				i, ok := at[k]
				if !ok {
					return fmt.Errorf("records %d–%d: the upsert returned a record of none of them", from, to)
				}
				results[i] = UpsertResult{ID: id, Outcome: Updated}
				if inserted {
					results[i].Outcome = Created
				}
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("records %d–%d: %w", from, to, AsConflict(err))
			}
			return nil
		})
		first += n
	}
	return tx.SendBatch(ctx, batch).Close()
}

// upsertEach writes recs one statement each, in order, and sets their
// results.
func upsertEach[T any](ctx context.Context, tx pgx.Tx, query string, recs []T, results []UpsertResult, args func(T) []any) error {
	batch := &pgx.Batch{}
	for i, r := range recs {
		batch.Queue(query, args(r)...).QueryRow(func(row pgx.Row) error {
			var agencyID int64
			var decisionNo string
			var inserted bool
			err := row.Scan(&results[i].ID, &agencyID, &decisionNo, &inserted)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				results[i].Outcome = Unchanged
				return nil
			case err != nil:
				return fmt.Errorf("record %d: %w", i, AsConflict(err))
			case inserted:
				results[i].Outcome = Created
			default:
				results[i].Outcome = Updated
			}
			return nil
		})
	}
	return tx.SendBatch(ctx, batch).Close()
}

// Table is the table that holds the records of a penalty or permit entity.
func (e Entity) Table() string {
	switch e {
	case EntityPenalty:
		return "penalties"
	case EntityPermit:
		return "permits"
	}
	panic("Entity.Table: " + string(e))
}

// EnsureAgency returns the id of the agency with the credit code, creating
// it (district from the code's region part) on first sight.
func EnsureAgency(ctx context.Context, tx pgx.Tx, code, name string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM agencies WHERE credit_code = $1`, code).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("EnsureAgency(%s): %w", code, err)
	}
	err = tx.QueryRow(ctx, `
		INSERT INTO agencies (credit_code, name, district_code)
		VALUES ($1::text, $2, (SELECT code FROM districts WHERE code = substr($1::text, 3, 6)))
		ON CONFLICT (credit_code) DO UPDATE SET credit_code = EXCLUDED.credit_code
		RETURNING id`, code, name).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("EnsureAgency(%s): %w", code, AsConflict(err))
	}
	return id, nil
}

// AsConflict turns a constraint violation into ErrConflict naming the
// constraint; validated input should never reach one.
func AsConflict(err error) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && strings.HasPrefix(pg.Code, "23") {
		return fmt.Errorf("%w: %s (%s)", ErrConflict, pg.Message, pg.ConstraintName)
	}
	return err
}

// Withdraw takes a published penalty or permit down for the given reason,
// appending a tombstone to the change log. Withdrawing a record that is not
// published is ErrConflict; an unknown id is ErrNotFound.
func (s *Store) Withdraw(ctx context.Context, a Actor, entity Entity, id int64, reason domain.WithdrawReason, note string) error {
	table := entity.Table()
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE `+table+` SET status = 'withdrawn', withdraw_reason = $2,
			withdraw_note = $3, withdrawn_at = now(), updated_at = now()
			WHERE id = $1 AND status = 'published'`, id, string(reason), note)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var status string
			err := tx.QueryRow(ctx, `SELECT status FROM `+table+` WHERE id = $1`, id).Scan(&status)
			if errors.Is(err, pgx.ErrNoRows) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: already %s", ErrConflict, status)
		}
		r := string(reason)
		if err := appendChanges(ctx, tx, entity, "withdraw", &r, []int64{id}); err != nil {
			return err
		}
		return audit(ctx, tx, a, string(entity)+".withdraw", entity, []int64{id},
			map[string]string{"reason": r, "note": note})
	})
	if err != nil {
		return fmt.Errorf("store.Withdraw(%s %d): %w", entity, id, err)
	}
	return nil
}

// WithdrawExpired withdraws, with reason "expired", every published record
// whose publicity period ended before today, and returns how many.
func (s *Store) WithdrawExpired(ctx context.Context, a Actor, today time.Time) (int, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE penalties SET status = 'withdrawn', withdraw_reason = 'expired',
			withdraw_note = '公示期满', withdrawn_at = now(), updated_at = now()
			WHERE status = 'published' AND publicity_until < $1::date RETURNING id`, today)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		r := string(domain.ReasonExpired)
		if err := appendChanges(ctx, tx, EntityPenalty, "withdraw", &r, ids); err != nil {
			return err
		}
		return audit(ctx, tx, a, "penalty.withdraw", EntityPenalty, ids, map[string]string{"reason": r})
	})
	if err != nil {
		return 0, fmt.Errorf("store.WithdrawExpired: %w", err)
	}
	return len(ids), nil
}
