package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// Withdrawal is the withdrawn state a bulk-loaded record starts in.
type Withdrawal struct {
	Reason domain.WithdrawReason
	Note   string
	At     time.Time // zero: the time of the load
}

// BulkPenalty is a penalty to bulk-load together with its publication
// state, which UpsertPenalties does not let a caller choose.
type BulkPenalty struct {
	domain.Penalty
	PublishedAt time.Time   // zero: the time of the load
	Withdrawn   *Withdrawal // nil: published
}

// BulkPermit is BulkPenalty for permits.
type BulkPermit struct {
	domain.Permit
	PublishedAt time.Time
	Withdrawn   *Withdrawal
}

// bulkChunkRows is how many rows one COPY carries. Between chunks the
// agencies the next chunk needs are created, so memory stays bounded by a
// few chunks whatever the size of the load.
const bulkChunkRows = 8192

// bulkStateColumns follow the columns an upsert writes.
var bulkStateColumns = []string{"published_at", "updated_at", "status", "withdraw_reason", "withdraw_note", "withdrawn_at"}

// bulkColumns are the columns of a bulk-loaded row: exactly those of
// upsertSQL, in the same order, then the publication state.
func bulkColumns(ownCols string) []string {
	cols := append([]string{"agency_id", "decision_no"}, columnList(partyColumns+", "+ownCols+", demo, record_hash")...)
	return append(cols, bulkStateColumns...)
}

var (
	penaltyBulkColumns = bulkColumns(penaltyColumns)
	permitBulkColumns  = bulkColumns(permitColumns)
)

// bulkRow is one row ready for COPY except for its agency id (args[0]).
type bulkRow struct {
	agencyCode, agencyName string
	args                   []any
	withdrawn              bool
}

func bulkState(now, publishedAt time.Time, w *Withdrawal) []any {
	if publishedAt.IsZero() {
		publishedAt = now
	}
	if w == nil {
		return []any{publishedAt, publishedAt, string(domain.StatusPublished), nil, "", nil}
	}
	at := w.At
	if at.IsZero() {
		at = now
	}
	updated := publishedAt
	if at.After(updated) {
		updated = at
	}
	return []any{publishedAt, updated, string(domain.StatusWithdrawn), string(w.Reason), w.Note, at}
}

// BulkLoadPenalties inserts every penalty next yields, streaming them to
// PostgreSQL with COPY in one transaction, and returns how many it loaded.
// It is for new records (demo and benchmark data, first imports): a
// decision number already stored for the same agency fails the whole load,
// which then writes nothing.
//
// The rows are exactly what UpsertPenalties would write (same columns and
// record_hash), so a later upsert of the same record reports Unchanged.
// Agencies are created on first sight. Every loaded row gets one change-log
// entry in id order — "upsert", or "withdraw" with its reason for a row
// loaded as withdrawn — and the load gets a single audit entry,
// "penalty.bulk_load", whose detail gives the row count and id range rather
// than one audit row per record.
//
// Records must already be validated and normalised. next is called from a
// goroutine of BulkLoadPenalties, never concurrently and never after it
// returns; it reports false when there are no more records.
func (s *Store) BulkLoadPenalties(ctx context.Context, a Actor, next func() (BulkPenalty, bool), opt WriteOptions) (int, error) {
	now := time.Now()
	n, err := bulkLoad(ctx, s, a, EntityPenalty, penaltyBulkColumns, opt, func() (bulkRow, bool) {
		p, ok := next()
		if !ok {
			return bulkRow{}, false
		}
		args := append(penaltyArgs(0, p.Penalty, opt.Demo), bulkState(now, p.PublishedAt, p.Withdrawn)...)
		return bulkRow{p.AgencyCode, p.Agency, args, p.Withdrawn != nil}, true
	})
	if err != nil {
		return 0, fmt.Errorf("store.BulkLoadPenalties: %w", err)
	}
	return n, nil
}

// BulkLoadPermits is BulkLoadPenalties for permits.
func (s *Store) BulkLoadPermits(ctx context.Context, a Actor, next func() (BulkPermit, bool), opt WriteOptions) (int, error) {
	now := time.Now()
	n, err := bulkLoad(ctx, s, a, EntityPermit, permitBulkColumns, opt, func() (bulkRow, bool) {
		p, ok := next()
		if !ok {
			return bulkRow{}, false
		}
		args := append(permitArgs(0, p.Permit, opt.Demo), bulkState(now, p.PublishedAt, p.Withdrawn)...)
		return bulkRow{p.AgencyCode, p.Agency, args, p.Withdrawn != nil}, true
	})
	if err != nil {
		return 0, fmt.Errorf("store.BulkLoadPermits: %w", err)
	}
	return n, nil
}

// bulkLoad runs the producer (next, record hashing, argument building) in
// its own goroutine, handing chunks of rows to the transaction, so
// generating one chunk overlaps with copying the previous one.
func bulkLoad(ctx context.Context, s *Store, a Actor, entity Entity, cols []string, opt WriteOptions,
	next func() (bulkRow, bool)) (int, error) {
	chunks := make(chan []bulkRow, 2)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(chunks)
		for {
			chunk := make([]bulkRow, 0, bulkChunkRows)
			for len(chunk) < bulkChunkRows {
				r, ok := next()
				if !ok {
					break
				}
				chunk = append(chunk, r)
			}
			if len(chunk) == 0 {
				return
			}
			select {
			case chunks <- chunk:
			case <-stop:
				return
			}
			if len(chunk) < bulkChunkRows {
				return
			}
		}
	})
	defer wg.Wait()
	defer close(stop)

	table := tableOf(entity)
	var loaded, withdrawn int
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var prevMax int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM `+table).Scan(&prevMax); err != nil {
			return err
		}
		agencies := map[string]int64{}
		for chunk := range chunks {
			rows := make([][]any, len(chunk))
			for i, r := range chunk {
				id, ok := agencies[r.agencyCode]
				if !ok {
					var err error
					if id, err = ensureAgency(ctx, tx, r.agencyCode, r.agencyName); err != nil {
						return err
					}
					agencies[r.agencyCode] = id
				}
				r.args[0] = id
				rows[i] = r.args
				if r.withdrawn {
					withdrawn++
				}
			}
			n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			if err != nil {
				return fmt.Errorf("copy rows %d–%d: %w", loaded+1, loaded+len(rows), describe(err))
			}
			loaded += int(n)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if loaded == 0 {
			return nil
		}

		// The same lock appendChanges takes: entries commit in seq order.
		// The rows are found by id and by this transaction's xid, so rows
		// other writers commit meanwhile are left to their own entries.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(changeLogLock)); err != nil {
			return fmt.Errorf("lock change log: %w", err)
		}
		var logged, firstID, lastID int64
		err := tx.QueryRow(ctx, `
			WITH added AS (
				INSERT INTO changes (entity, entity_id, op, reason)
				SELECT $1, id, CASE WHEN status = 'withdrawn' THEN 'withdraw' ELSE 'upsert' END::change_op, withdraw_reason
				FROM `+table+`
				WHERE id > $2 AND xmin = pg_current_xact_id()::xid
				ORDER BY id
				RETURNING entity_id)
			SELECT count(*), coalesce(min(entity_id), 0), coalesce(max(entity_id), 0) FROM added`,
			string(entity), prevMax).Scan(&logged, &firstID, &lastID)
		if err != nil {
			return fmt.Errorf("append changes: %w", err)
		}
		if logged != int64(loaded) {
			return fmt.Errorf("append changes: logged %d entries for %d rows", logged, loaded)
		}
		if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, ChangesChannel, string(entity)); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO audit_log (key_id, actor, action, entity, entity_id, remote_addr, detail)
			VALUES ($1, $2, $3, $4, NULL, $5, $6)`,
			a.keyID(), a.Name, string(entity)+".bulk_load", string(entity), a.RemoteAddr, map[string]any{
				"rows": loaded, "withdrawn": withdrawn, "first_id": firstID, "last_id": lastID,
				"agencies": len(agencies), "demo": opt.Demo,
			})
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return loaded, nil
}
