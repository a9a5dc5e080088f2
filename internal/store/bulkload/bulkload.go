// Package bulkload loads many new penalties or permits at once — demo and
// benchmark data, first imports — streaming them to PostgreSQL with binary
// COPY. The rows it writes are exactly those store.UpsertPenalties and
// store.UpsertPermits would write, with their change-log and audit entries.
package bulkload

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/big"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// Withdrawal is the withdrawn state a bulk-loaded record starts in.
type Withdrawal struct {
	Reason domain.WithdrawReason
	Note   string
	At     time.Time // zero: the time of the load
}

// Penalty is a penalty to load together with its publication state,
// which store.UpsertPenalties does not let a caller choose.
type Penalty struct {
	domain.Penalty
	PublishedAt time.Time   // zero: the time of the load
	Withdrawn   *Withdrawal // nil: published
}

// Permit is Penalty for permits.
type Permit struct {
	domain.Permit
	PublishedAt time.Time
	Withdrawn   *Withdrawal
}

// IsEmpty reports whether the database holds no penalty, permit or list
// version — nothing a demo or first bulk load could collide with.
func IsEmpty(ctx context.Context, s *store.Store) (bool, error) {
	var empty bool
	err := s.Pool().QueryRow(ctx, `SELECT NOT EXISTS (SELECT FROM penalties) AND NOT EXISTS (SELECT FROM permits)
		AND NOT EXISTS (SELECT FROM list_versions)`).Scan(&empty)
	if err != nil {
		return false, fmt.Errorf("bulkload.IsEmpty: %w", err)
	}
	return empty, nil
}

// bulkChunkRows is how many rows one COPY carries. Between chunks the
// agencies the next chunk needs are created, so memory stays bounded by a
// few chunks whatever the size of the load.
const bulkChunkRows = 2048

// bulkStateColumns follow the columns an upsert writes.
var bulkStateColumns = []string{"published_at", "updated_at", "status", "withdraw_reason", "withdraw_note", "withdrawn_at"}

// bulkColumns are the columns of a bulk-loaded row: the id, then exactly
// the columns of an upsert, in the same order, then the publication state.
func bulkColumns(e store.Entity) []string {
	cols := append([]string{"id"}, store.UpsertColumns(e)...)
	return append(cols, bulkStateColumns...)
}

var (
	penaltyBulkColumns = bulkColumns(store.EntityPenalty)
	permitBulkColumns  = bulkColumns(store.EntityPermit)
	// Positions in a bulkRow's args, which leave out the id.
	fineColumn        = slices.Index(penaltyBulkColumns, "fine_yuan") - 1
	confiscatedColumn = slices.Index(penaltyBulkColumns, "confiscated_yuan") - 1
)

// numeric is m as a PostgreSQL numeric, the same value as the decimal
// string store.PenaltyArgs gives, which pgx would parse for every row of a
// binary COPY. Whole yuan are sent without a fraction: pgx encodes those
// without big-number arithmetic, and the column's scale adds the .00.
func numeric(m domain.Money) pgtype.Numeric {
	if m%100 == 0 {
		return pgtype.Numeric{Int: big.NewInt(int64(m / 100)), Valid: true}
	}
	return pgtype.Numeric{Int: big.NewInt(int64(m)), Exp: -2, Valid: true}
}

// bulkRow is one row ready for COPY except for its id, which the
// sequence gives when the row is copied, and its agency id (args[0], a
// placeholder int64 until the agency is resolved).
type bulkRow struct {
	agencyCode, agencyName string
	args                   []any
	withdrawn              domain.WithdrawReason // "" when published
}

// appendBulkState appends the values of bulkStateColumns to args.
func appendBulkState(args []any, now, publishedAt time.Time, w *Withdrawal) []any {
	if publishedAt.IsZero() {
		publishedAt = now
	}
	if w == nil {
		return append(args, publishedAt, publishedAt, string(domain.StatusPublished), nil, "", nil)
	}
	at := w.At
	if at.IsZero() {
		at = now
	}
	updated := publishedAt
	if at.After(updated) {
		updated = at
	}
	return append(args, publishedAt, updated, string(domain.StatusWithdrawn), string(w.Reason), w.Note, at)
}

// Penalties inserts every penalty next yields, streaming them to
// PostgreSQL with COPY in one transaction, and returns how many it loaded.
// It is for new records (demo and benchmark data, first imports): a
// decision number already stored for the same agency fails the whole load,
// which then writes nothing (and returns 0). Once the rows are in, the
// tallies are compacted (store.CompactTallies); a failure there is
// returned with the count of rows loaded.
//
// The rows are exactly what store.UpsertPenalties would write (same
// columns and record_hash), so a later upsert of the same record reports
// store.Unchanged. Ids come from the table's sequence, as an insert's would. Agencies are
// created on first sight. Every loaded row gets one change-log entry in id
// order — "upsert", or "withdraw" with its reason for a row loaded as
// withdrawn — written once all rows are in, and the load gets a single
// audit entry,
// "penalty.bulk_load", whose detail gives the row count and id range rather
// than one audit row per record.
//
// Records must already be validated and normalised. next is called from a
// goroutine of Penalties, never concurrently and never after it
// returns; it reports false when there are no more records.
func Penalties(ctx context.Context, s *store.Store, a store.Actor, next func() (Penalty, bool), opt store.WriteOptions) (int, error) {
	now := time.Now()
	n, err := bulkLoad(ctx, s, a, store.EntityPenalty, penaltyBulkColumns, opt, next, func(args []any, p *Penalty) bulkRow {
		args = appendBulkState(store.PenaltyArgs(args, 0, &p.Penalty, opt.Demo), now, p.PublishedAt, p.Withdrawn)
		args[fineColumn], args[confiscatedColumn] = numeric(p.Fine), numeric(p.Confiscated)
		return bulkRow{p.AgencyCode, p.Agency, args, withdrawReason(p.Withdrawn)}
	})
	if err != nil {
		return n, fmt.Errorf("bulkload.Penalties: %w", err)
	}
	return n, nil
}

// Permits is Penalties for permits.
func Permits(ctx context.Context, s *store.Store, a store.Actor, next func() (Permit, bool), opt store.WriteOptions) (int, error) {
	now := time.Now()
	n, err := bulkLoad(ctx, s, a, store.EntityPermit, permitBulkColumns, opt, next, func(args []any, p *Permit) bulkRow {
		args = appendBulkState(store.PermitArgs(args, 0, &p.Permit, opt.Demo), now, p.PublishedAt, p.Withdrawn)
		return bulkRow{p.AgencyCode, p.Agency, args, withdrawReason(p.Withdrawn)}
	})
	if err != nil {
		return n, fmt.Errorf("bulkload.Permits: %w", err)
	}
	return n, nil
}

func withdrawReason(w *Withdrawal) domain.WithdrawReason {
	if w == nil {
		return ""
	}
	return w.Reason
}

// bulkJob is one chunk of records on its way to COPY: read in order by
// the producer, encoded by any worker, copied in order.
type bulkJob[T any] struct {
	recs  []T
	chunk chan encodedChunk // buffered: a worker never waits
}

// encodedChunk is a chunk of rows as one complete binary COPY stream,
// except for the ids and agency ids, which are filled in at starts[i]+idAt
// and starts[i]+agencyIDAt once the chunk is about to be copied.
type encodedChunk struct {
	buf      []byte
	starts   []int
	agencies []agencyRef
	reasons  []domain.WithdrawReason // per row; "" when published
	err      error
}

type agencyRef struct{ code, name string }

// Where the id (the first column, an int8) and the agency id (the second)
// start in an encoded row: after the field count (int16) and each value's
// length (int32).
const (
	idAt       = 2 + 4
	agencyIDAt = idAt + 8 + 4
)

func encodeChunk[T any](enc *copyEncoder, recs []T, convert func([]any, *T) bulkRow) encodedChunk {
	c := encodedChunk{
		buf:      append(make([]byte, 0, len(recs)*1100), copyHeader...),
		starts:   make([]int, len(recs)),
		agencies: make([]agencyRef, len(recs)),
		reasons:  make([]domain.WithdrawReason, len(recs)),
	}
	args := make([]any, 0, len(enc.oids))
	for i := range recs {
		r := convert(args[:0], &recs[i])
		args = r.args
		c.starts[i], c.agencies[i], c.reasons[i] = len(c.buf), agencyRef{r.agencyCode, r.agencyName}, r.withdrawn
		r.args[0] = int64(0)
		c.buf = binary.BigEndian.AppendUint16(c.buf, uint16(1+len(r.args)))
		c.buf = append(binary.BigEndian.AppendUint32(c.buf, 8), 0, 0, 0, 0, 0, 0, 0, 0) // the id, to come
		if c.buf, c.err = enc.fields(c.buf, r.args); c.err != nil {
			return c
		}
	}
	c.buf = append(c.buf, copyTrailer...)
	return c
}

// bulkLoad streams records through a pipeline so that reading (next),
// converting and encoding (record hashing, arguments and the binary COPY
// format, the costly part, done by parallel workers) and copying overlap,
// while at most a few chunks are in memory and rows reach PostgreSQL in
// the order next gave them.
func bulkLoad[T any](ctx context.Context, s *store.Store, a store.Actor, entity store.Entity, cols []string, opt store.WriteOptions,
	next func() (T, bool), convert func([]any, *T) bulkRow) (int, error) {
	table := entity.Table()
	oids, err := columnTypes(ctx, s, table, cols[1:]) // the id is written by encodeChunk
	if err != nil {
		return 0, err
	}
	ordered, stop := encodePipeline(oids, next, convert)
	defer stop()

	var loaded int
	var logged changeRows
	err = pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
		skipRowChecks, err := canSkipRowChecks(ctx, tx, table)
		if err != nil {
			return err
		}
		deferred, err := deferIndexes(ctx, tx, table)
		if err != nil {
			return err
		}
		copySQL := `COPY ` + table + ` (` + strings.Join(cols, ", ") + `) FROM STDIN (FORMAT binary)`
		idSrc := idSource{exclusive: deferred.exclusive}
		if err := tx.QueryRow(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, table).Scan(&idSrc.seq); err != nil {
			return fmt.Errorf("id sequence: %w", err)
		}
		btx := &bulkTx{tx: tx, skipRowChecks: skipRowChecks, agencies: map[string]int64{}}
		var ids []int64
		for job := range ordered {
			var chunk encodedChunk
			select {
			case chunk = <-job.chunk:
			case <-ctx.Done():
				return ctx.Err()
			}
			if chunk.err != nil {
				return fmt.Errorf("encode rows %d–%d: %w", loaded+1, loaded+len(chunk.starts), chunk.err)
			}
			if ids, err = idSrc.take(ctx, tx, len(chunk.starts), ids); err != nil {
				return err
			}
			for i, ag := range chunk.agencies {
				id, err := btx.agency(ctx, ag)
				if err != nil {
					return err
				}
				binary.BigEndian.PutUint64(chunk.buf[chunk.starts[i]+idAt:], uint64(ids[i]))
				binary.BigEndian.PutUint64(chunk.buf[chunk.starts[i]+agencyIDAt:], uint64(id))
			}
			n, err := btx.copy(ctx, copySQL, chunk.buf)
			if err != nil {
				return fmt.Errorf("copy rows %d–%d: %w", loaded+1, loaded+len(chunk.starts), store.AsConflict(err))
			}
			if int(n) != len(ids) {
				return fmt.Errorf("copy rows %d–%d: %d rows copied", loaded+1, loaded+len(ids), n)
			}
			loaded += int(n)
			logged.add(ids, chunk.reasons)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := btx.checksOn(ctx); err != nil {
			return err
		}
		if err := idSrc.done(ctx, tx); err != nil {
			return err
		}
		if err := deferred.rebuild(ctx, tx); err != nil {
			return err
		}
		if loaded == 0 {
			return nil
		}
		if skipRowChecks {
			if err := btx.checkAgencies(ctx); err != nil {
				return err
			}
		}
		if err := logged.append(ctx, tx, entity); err != nil {
			return err
		}
		return auditBulkLoad(ctx, tx, a, entity, loaded, &logged, len(btx.agencies), opt)
	})
	if err != nil {
		return 0, err
	}
	if loaded > 0 {
		// The load appended the tallies' deltas chunk by chunk.
		if err := s.CompactTallies(ctx); err != nil {
			return loaded, fmt.Errorf("loaded %d rows: %w", loaded, err)
		}
	}
	return loaded, nil
}

// encodePipeline starts reading records with next and encoding them in
// chunks: one producer, the only caller of next, and parallel encoders.
// The chunks come out of ordered in the order next gave the records, at
// most a few in memory; stop ends the pipeline and waits for it.
func encodePipeline[T any](oids []uint32, next func() (T, bool), convert func([]any, *T) bulkRow) (<-chan bulkJob[T], func()) {
	workers := max(1, runtime.GOMAXPROCS(0)-1)
	jobs := make(chan bulkJob[T], workers)
	out := make(chan bulkJob[T], workers+1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // the producer: the only caller of next
		defer close(jobs)
		defer close(out)
		for {
			job := bulkJob[T]{recs: make([]T, 0, bulkChunkRows), chunk: make(chan encodedChunk, 1)}
			for len(job.recs) < bulkChunkRows {
				r, ok := next()
				if !ok {
					break
				}
				job.recs = append(job.recs, r)
			}
			if len(job.recs) == 0 {
				return
			}
			select {
			case out <- job:
			case <-stop:
				return
			}
			select {
			case jobs <- job:
			case <-stop:
				return
			}
			if len(job.recs) < bulkChunkRows {
				return
			}
		}
	})
	for range workers {
		wg.Go(func() {
			enc := newCopyEncoder(oids)
			for job := range jobs {
				job.chunk <- encodeChunk(enc, job.recs, convert)
			}
		})
	}
	return out, func() {
		close(stop)
		wg.Wait()
	}
}

// checkAgencies checks that the agencies of the loaded rows exist, for a
// load whose rows skipped the foreign-key check: every row's agency id was
// written from this map, so checking the map's agencies (locked when
// they were read) checks every row.
func (b *bulkTx) checkAgencies(ctx context.Context) error {
	ids := make([]int64, 0, len(b.agencies))
	for _, id := range b.agencies {
		ids = append(ids, id)
	}
	var found int
	err := b.tx.QueryRow(ctx, `SELECT count(*) FROM agencies WHERE id = ANY($1)`, ids).Scan(&found)
	if err != nil {
		return fmt.Errorf("check agencies: %w", err)
	}
	if found != len(ids) {
		return fmt.Errorf("%w: %d of the loaded rows' agencies do not exist", store.ErrConflict, len(ids)-found)
	}
	return nil
}

// auditBulkLoad records a bulk load in the audit log.
func auditBulkLoad(ctx context.Context, tx pgx.Tx, a store.Actor, entity store.Entity, loaded int, logged *changeRows, agencies int,
	opt store.WriteOptions) error {
	return store.AuditLoad(ctx, tx, a, string(entity)+".bulk_load", entity, map[string]any{
		"rows": loaded, "withdrawn": logged.withdrawn, "first_id": logged.ids[0], "last_id": logged.ids[len(logged.ids)-1],
		"agencies": agencies, "demo": opt.Demo,
	})
}

// idSource gives a bulk load's rows their ids from the table's sequence,
// in increasing order, as a row's default would. Knowing them lets the
// change log be written without reading the loaded rows back.
type idSource struct {
	seq string
	// exclusive: the load holds the table's ACCESS EXCLUSIVE lock, so no
	// other writer can take ids from its sequence until the load commits,
	// and ids are counted here instead of drawn one by one.
	exclusive  bool
	next, last int64 // the next id to give, and the last given (exclusive)
}

// take returns n ids, in buf.
func (s *idSource) take(ctx context.Context, tx pgx.Tx, n int, buf []int64) ([]int64, error) {
	buf = buf[:0]
	if !s.exclusive {
		if err := tx.QueryRow(ctx, `SELECT array_agg(nextval($1::regclass)) FROM generate_series(1, $2)`,
			s.seq, n).Scan(&buf); err != nil {
			return nil, fmt.Errorf("take %d ids: %w", n, err)
		}
		if len(buf) != n {
			return nil, fmt.Errorf("take %d ids: got %d", n, len(buf))
		}
		slices.Sort(buf)
		return buf, nil
	}
	if s.next == 0 {
		if err := tx.QueryRow(ctx, `SELECT nextval($1::regclass)`, s.seq).Scan(&s.next); err != nil {
			return nil, fmt.Errorf("take ids: %w", err)
		}
	}
	for range n {
		buf = append(buf, s.next)
		s.last = s.next
		s.next++
	}
	return buf, nil
}

// done moves the sequence past the ids counted under the exclusive lock.
func (s *idSource) done(ctx context.Context, tx pgx.Tx) error {
	if !s.exclusive || s.last == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT setval($1::regclass, $2)`, s.seq, s.last); err != nil {
		return fmt.Errorf("advance %s: %w", s.seq, err)
	}
	return nil
}

// changeRows are the change-log entries of a bulk load, in id order: the
// id of every loaded row and its withdraw reason ("" for an upsert).
type changeRows struct {
	ids       []int64
	reasons   []domain.WithdrawReason
	withdrawn int
}

func (c *changeRows) add(ids []int64, reasons []domain.WithdrawReason) {
	c.ids = append(c.ids, ids...)
	c.reasons = append(c.reasons, reasons...)
	for _, r := range reasons {
		if r != "" {
			c.withdrawn++
		}
	}
}

// changeCopyRows is how many entries one COPY into the change log carries.
const changeCopyRows = 1 << 16

// append writes the entries with COPY, under the change-log lock (entries
// commit in seq order), and announces them.
func (c *changeRows) append(ctx context.Context, tx pgx.Tx, entity store.Entity) error {
	if err := store.LockChangeLog(ctx, tx); err != nil {
		return err
	}
	var logged int64
	buf := make([]byte, 0, min(len(c.ids), changeCopyRows)*40+len(copyHeader)+len(copyTrailer))
	for from := 0; from < len(c.ids); from += changeCopyRows {
		to := min(from+changeCopyRows, len(c.ids))
		buf = append(buf[:0], copyHeader...)
		for i := from; i < to; i++ {
			buf = binary.BigEndian.AppendUint16(buf, 4)
			buf = appendCopyText(buf, string(entity))
			buf = binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(buf, 8), uint64(c.ids[i]))
			if c.reasons[i] == "" {
				buf = binary.BigEndian.AppendUint32(appendCopyText(buf, "upsert"), 0xffffffff) // reason NULL
			} else {
				buf = appendCopyText(appendCopyText(buf, "withdraw"), string(c.reasons[i]))
			}
		}
		buf = append(buf, copyTrailer...)
		tag, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(buf),
			`COPY changes (entity, entity_id, op, reason) FROM STDIN (FORMAT binary)`)
		if err != nil {
			return fmt.Errorf("append changes: %w", err)
		}
		logged += tag.RowsAffected()
	}
	if logged != int64(len(c.ids)) {
		return fmt.Errorf("append changes: logged %d entries for %d rows", logged, len(c.ids))
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify($1, $2)`, store.ChangesChannel, string(entity)); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// appendCopyText appends a text (or enum label) value in the binary COPY
// format.
func appendCopyText(buf []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint32(buf, uint32(len(s))), s...)
}

// canSkipRowChecks reports whether COPY into table may run with
// session_replication_role = replica, which skips the per-row foreign-key
// triggers — a large part of the server's work per row (as pg_restore
// --disable-triggers does). That needs a superuser, and is done only while
// the table has no trigger of its own that replica mode would skip (one
// enabled ALWAYS, such as the tally triggers, still fires); bulkLoad then checks the foreign key for all rows in one query
// and takes the row lock the checks would have taken.
func canSkipRowChecks(ctx context.Context, tx pgx.Tx, table string) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT current_setting('is_superuser') = 'on'
		AND NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgenabled <> 'A')`,
		table).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("canSkipRowChecks(%s): %w", table, err)
	}
	return ok, nil
}

// bulkTx is the copying side of a bulk load's transaction: it creates the
// agencies of the rows, and copies with the per-row foreign-key triggers
// off when skipRowChecks (see canSkipRowChecks). The triggers are off only
// while COPY statements run: every other statement of the load, such as
// creating an agency, is checked as usual.
type bulkTx struct {
	tx            pgx.Tx
	skipRowChecks bool
	checksOff     bool
	agencies      map[string]int64 // id by credit code
}

// agency returns the id of the agency, creating it on first sight.
func (b *bulkTx) agency(ctx context.Context, ag agencyRef) (int64, error) {
	if id, ok := b.agencies[ag.code]; ok {
		return id, nil
	}
	if err := b.checksOn(ctx); err != nil {
		return 0, err
	}
	id, err := store.EnsureAgency(ctx, b.tx, ag.code, ag.name)
	if err != nil {
		return 0, err
	}
	// The lock the foreign-key check would take: the agency cannot be
	// deleted before this load commits.
	if _, err := b.tx.Exec(ctx, `SELECT FROM agencies WHERE id = $1 FOR KEY SHARE`, id); err != nil {
		return 0, fmt.Errorf("lock agency %s: %w", ag.code, err)
	}
	b.agencies[ag.code] = id
	return id, nil
}

// copy sends one binary COPY stream.
func (b *bulkTx) copy(ctx context.Context, copySQL string, stream []byte) (int64, error) {
	if b.skipRowChecks && !b.checksOff {
		if err := b.setRowChecks(ctx, "replica"); err != nil {
			return 0, err
		}
		b.checksOff = true
	}
	tag, err := b.tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(stream), copySQL)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// checksOn turns the triggers back on if copy turned them off.
func (b *bulkTx) checksOn(ctx context.Context) error {
	if !b.checksOff {
		return nil
	}
	if err := b.setRowChecks(ctx, "origin"); err != nil {
		return err
	}
	b.checksOff = false
	return nil
}

func (b *bulkTx) setRowChecks(ctx context.Context, role string) error {
	if _, err := b.tx.Exec(ctx, `SET LOCAL session_replication_role = `+role); err != nil {
		return fmt.Errorf("session_replication_role %s: %w", role, err)
	}
	return nil
}

// columnTypes returns the type OIDs of table's columns cols, which the
// binary COPY format encodes values for.
func columnTypes(ctx context.Context, s *store.Store, table string, cols []string) ([]uint32, error) {
	rows, err := s.Pool().Query(ctx, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` LIMIT 0`)
	if err != nil {
		return nil, fmt.Errorf("column types of %s: %w", table, err)
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	oids := make([]uint32, len(fields))
	for i, f := range fields {
		oids[i] = f.DataTypeOID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("column types of %s: %w", table, err)
	}
	return oids, nil
}

// deferredIndexes are the secondary indexes of a table that bulkLoad
// dropped before copying into it, to build again once the rows are in.
type deferredIndexes struct {
	table     string
	exclusive bool // the table was empty and is locked ACCESS EXCLUSIVE
	defs      []deferredIndex
}

type deferredIndex struct {
	name       string // the index, or the constraint it backs
	constraint string // the constraint's definition, when it backs one
	index      string // the index's definition otherwise
}

// deferIndexes drops the secondary indexes of table when it is empty, so
// that COPY only writes heap rows: building an index once over all the rows
// is several times cheaper than inserting every row into it. The empty
// table is locked until the transaction ends; a load into a table that has
// rows keeps its indexes and its readers. The primary key and any index a
// foreign key depends on stay.
func deferIndexes(ctx context.Context, tx pgx.Tx, table string) (*deferredIndexes, error) {
	d := &deferredIndexes{table: table}
	empty := func() (bool, error) {
		var ok bool
		err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT FROM `+table+`)`).Scan(&ok)
		return ok, err
	}
	// Only an empty table is locked, and then checked again under the lock
	// that the DROP would take anyway.
	ok, err := empty()
	if err == nil && ok {
		if _, err = tx.Exec(ctx, `LOCK TABLE `+table+` IN ACCESS EXCLUSIVE MODE`); err == nil {
			ok, err = empty()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("deferIndexes(%s): %w", table, err)
	}
	if !ok {
		return d, nil
	}
	d.exclusive = true
	rows, err := tx.Query(ctx, `
		SELECT coalesce(c.conname, x.relname), coalesce(pg_get_constraintdef(c.oid), ''),
			CASE WHEN c.oid IS NULL THEN pg_get_indexdef(i.indexrelid) ELSE '' END
		FROM pg_index i
		JOIN pg_class x ON x.oid = i.indexrelid
		LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
		WHERE i.indrelid = $1::regclass AND NOT i.indisprimary
			AND NOT EXISTS (SELECT FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
		ORDER BY x.relname`, table)
	if err != nil {
		return nil, fmt.Errorf("deferIndexes(%s): %w", table, err)
	}
	d.defs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (deferredIndex, error) {
		var x deferredIndex
		return x, r.Scan(&x.name, &x.constraint, &x.index)
	})
	if err != nil {
		return nil, fmt.Errorf("deferIndexes(%s): %w", table, err)
	}
	for _, x := range d.defs {
		drop := `DROP INDEX ` + pgx.Identifier{x.name}.Sanitize()
		if x.constraint != "" {
			drop = `ALTER TABLE ` + table + ` DROP CONSTRAINT ` + pgx.Identifier{x.name}.Sanitize()
		}
		if _, err := tx.Exec(ctx, drop); err != nil {
			return nil, fmt.Errorf("deferIndexes(%s): drop %s: %w", table, x.name, err)
		}
	}
	return d, nil
}

// rebuild creates the dropped indexes again, with the definitions they had.
// A unique constraint that the loaded rows violate fails here, with the
// duplicate key in the error, and the load with it.
func (d *deferredIndexes) rebuild(ctx context.Context, tx pgx.Tx) error {
	if len(d.defs) == 0 {
		return nil
	}
	// Sorting all the rows at once is what makes the build cheap; give it
	// the memory (for this transaction only).
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '256MB'`); err != nil {
		return fmt.Errorf("rebuild indexes of %s: %w", d.table, err)
	}
	for _, x := range d.defs {
		create := x.index
		if x.constraint != "" {
			create = `ALTER TABLE ` + d.table + ` ADD CONSTRAINT ` + pgx.Identifier{x.name}.Sanitize() + ` ` + x.constraint
		}
		if _, err := tx.Exec(ctx, create); err != nil {
			return fmt.Errorf("rebuild index %s: %w", x.name, store.AsConflict(err))
		}
	}
	return nil
}
