package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// Feed operations, the effect an entry has on a consumer's copy.
const (
	OpUpsert   = "upsert"
	OpWithdraw = "withdraw"
)

// FeedEntry is one change-log entry as the credit-center feed delivers it.
//
// Every entry carries the record's state when the page is read, not when
// the change was made: a record updated three times yields three upsert
// entries, each with the current fields. Op is the effect to apply now. An
// entry logged as an upsert whose record has since been withdrawn — or, for
// a penalty, whose publicity period has ended — is delivered as a
// withdrawal with the record's current reason, so a withdrawn record's
// fields never leave the database again; its own withdraw entry follows
// later. Consumers apply entries in order, idempotently, by natural key
// (decision number and issuing agency's credit code).
type FeedEntry struct {
	Seq        int64
	ID         int64     // the record's id
	At         time.Time // when the change was logged
	Op         string    // OpUpsert or OpWithdraw
	Reason     domain.WithdrawReason
	Note       string   // the public explanation of a withdrawal ("" when none)
	DecisionNo string   // natural key: CF_WSH / XK_WSH (in FeedPage, masked as free text like the values)
	AgencyCode string   // natural key: CF_CFJGDM / XK_XKJGDM
	Values     []string // upsert only: the record's fields in dictionary order; reused between entries
}

// FeedPage describes a page of the feed before its entries are streamed.
type FeedPage struct {
	Entity Entity
	After  int64 // the page holds entries with seq > After …
	Last   int64 // … and seq <= Last; Last == After for an empty page
	More   bool  // entries after Last existed when the page was read
}

// CreditFeed reads the change log of penalties or permits, in seq order, as
// the credit-center feed.
//
// Paging by seq is exact because change-log appends are serialized (see
// appendChanges): once an entry is visible, every entry with a smaller seq
// that will ever commit is visible too. A page is fixed by its bounds
// (After, Last], found first; its entries are then read by those bounds,
// so a page never includes an entry its Last does not cover, and resuming
// after Last neither misses nor repeats an entry, whatever writers commit
// meanwhile.
type CreditFeed struct {
	pub      *Public
	joinOnly bool // read every page by the join (tests compare the two ways)
}

// CreditFeed returns the feed reader. FeedPage masks like every public
// output; FullFeedPage does not and is for keys with scope feed:full only.
func (s *Store) CreditFeed(pub *Public) *CreditFeed { return &CreditFeed{pub: pub} }

// FeedPage reads up to limit entries of entity (EntityPenalty,
// EntityPermit or EntityInspectionResult) after seq after: start gets the page's bounds, then fn
// gets each entry in seq order, with identifiers masked and free text
// scrubbed by the public masking rules.
func (f *CreditFeed) FeedPage(ctx context.Context, e Entity, after int64, limit int, start func(FeedPage) error, fn func(*FeedEntry) error) error {
	return f.page(ctx, e, after, limit, true, start, fn)
}

// FullFeedPage is FeedPage WITHOUT MASKING: full ID numbers and unscrubbed
// free text. It is the one read path that returns full identifiers; call
// it only for API keys holding scope feed:full.
func (f *CreditFeed) FullFeedPage(ctx context.Context, e Entity, after int64, limit int, start func(FeedPage) error, fn func(*FeedEntry) error) error {
	return f.page(ctx, e, after, limit, false, start, fn)
}

func (f *CreditFeed) page(ctx context.Context, e Entity, after int64, limit int, masked bool, start func(FeedPage) error, fn func(*FeedEntry) error) error {
	if e != EntityPenalty && e != EntityPermit && e != EntityInspectionResult {
		return fmt.Errorf("store.FeedPage(%s): %w", e, ErrNotFound)
	}
	if limit < 1 || after < 0 {
		return fmt.Errorf("store.FeedPage(%s): bad page after %d limit %d", e, after, limit)
	}
	// One short read-only transaction per page. Its statements may run as
	// long as the consumer takes to read the page (the write deadline of
	// the HTTP layer bounds that), and a page is too small for parallel
	// workers to pay for their start.
	tx, err := f.pub.s.pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("store.FeedPage(%s): %w", e, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, `SET LOCAL statement_timeout = 0; SET LOCAL max_parallel_workers_per_gather = 0`); err != nil {
		return fmt.Errorf("store.FeedPage(%s): %w", e, err)
	}
	pg := FeedPage{Entity: e, After: after}
	err = tx.QueryRow(ctx, `
		WITH page AS (SELECT seq FROM changes WHERE entity = $1 AND seq > $2 ORDER BY seq LIMIT $3),
		last AS (SELECT coalesce(max(seq), $2) AS seq FROM page)
		SELECT last.seq, EXISTS (SELECT 1 FROM changes WHERE entity = $1 AND seq > last.seq) FROM last`,
		string(e), after, limit).Scan(&pg.Last, &pg.More)
	if err != nil {
		return fmt.Errorf("store.FeedPage(%s): bounds: %w", e, err)
	}
	if err := start(pg); err != nil {
		return err
	}
	if pg.Last == after {
		return nil
	}
	switch e {
	case EntityPenalty:
		err = f.penalties(ctx, tx, pg, masked, fn)
	case EntityPermit:
		err = f.permits(ctx, tx, pg, masked, fn)
	default:
		err = f.inspectionResults(ctx, tx, pg, masked, fn)
	}
	if err != nil {
		return fmt.Errorf("store.FeedPage(%s, %d–%d): %w", e, pg.After, pg.Last, err)
	}
	return nil
}

// The entries of a page: the change and the record's state, then the
// record's export columns.
const (
	feedColumns = `SELECT c.seq, c.entity_id, c.at, c.op::text, coalesce(c.reason::text, ''),
	p.status, coalesce(p.withdraw_reason::text, ''), p.withdraw_note, `
	feedWhere = ` WHERE c.entity = $1 AND c.seq > $2 AND c.seq <= $3 ORDER BY c.seq`

	penaltyFeedSelect = feedColumns + penaltyExportColumns + ` FROM changes c
	JOIN penalties p ON p.id = c.entity_id JOIN agencies a ON a.id = p.agency_id` + feedWhere
	permitFeedSelect = feedColumns + permitExportColumns + ` FROM changes c
	JOIN permits p ON p.id = c.entity_id JOIN agencies a ON a.id = p.agency_id` + feedWhere
)

type feedRow struct {
	entry         FeedEntry
	op, reason    string
	status        domain.Status
	currentReason string
	note          string
}

func (r *feedRow) dest() []any {
	return []any{&r.entry.Seq, &r.entry.ID, &r.entry.At, &r.op, &r.reason, &r.status, &r.currentReason, &r.note}
}

// decode reads feedColumns from raw (after d.decode).
func (r *feedRow) decode(d *rowDecoder, raw [][]byte) error {
	var err1, err2, err3 error
	r.entry.Seq, err1 = int8Value(raw[0])
	r.entry.ID, err2 = int8Value(raw[1])
	r.entry.At, err3 = timestamptzValue(raw[2])
	r.op, r.reason, r.status, r.currentReason, r.note = d.text(3), d.text(4), domain.Status(d.text(5)), d.text(6), d.text(7)
	return errors.Join(err1, err2, err3)
}

// resolve sets the entry's effect from the logged change and the record's
// current state; it reports whether the entry is an upsert.
func (r *feedRow) resolve(public bool, scrub func(string) string) bool {
	e := &r.entry
	e.Values, e.Note = nil, ""
	withdrawn := r.status == domain.StatusWithdrawn
	switch {
	case r.op == OpWithdraw:
		e.Op, e.Reason = OpWithdraw, domain.WithdrawReason(r.reason)
		if withdrawn && r.currentReason == r.reason {
			e.Note = scrub(r.note)
		}
	case withdrawn:
		e.Op, e.Reason, e.Note = OpWithdraw, domain.WithdrawReason(r.currentReason), scrub(r.note)
	case !public:
		e.Op, e.Reason, e.Note = OpWithdraw, domain.ReasonExpired, "公示期满"
	default:
		e.Op, e.Reason = OpUpsert, ""
		return true
	}
	return false
}

// A page whose records can be read in id order: see pageChanges.
const (
	feedRecordColumns = `SELECT p.id, p.status, coalesce(p.withdraw_reason::text, ''), p.withdraw_note, `
	feedRange         = ` WHERE p.id >= $1 AND p.id <= $2 ORDER BY p.id`

	penaltyFeedRangeSelect = feedRecordColumns + penaltyExportColumns + ` FROM penalties p
	JOIN agencies a ON a.id = p.agency_id` + feedRange
	permitFeedRangeSelect = feedRecordColumns + permitExportColumns + ` FROM permits p
	JOIN agencies a ON a.id = p.agency_id` + feedRange
)

// feedRecordKinds are the columns of feedRecordColumns.
var feedRecordKinds = []colKind{colInt8, colText, colText, colText}

// feedChange is one change-log entry of a page, read before its record.
type feedChange struct {
	seq, id    int64
	at         time.Time
	op, reason string
}

// maxRangeSpread is how many ids a page's range may span per entry for
// its records to be read by one range scan: the scan reads every record
// in the range, the entries' and the others'.
const maxRangeSpread = 2

// pageChanges reads the entries of a page when their records can be read
// by one range scan of the primary key in id order — as a COPY of the
// table reads them — instead of one index lookup per entry, which costs
// PostgreSQL about twice as much: when the record ids increase strictly
// with seq (as a bulk load or a run of new records logs them) and span at
// most maxRangeSpread ids per entry. Otherwise it returns nil and the
// page is read by the join of the change log with the records.
func (f *CreditFeed) pageChanges(ctx context.Context, q queryer, pg FeedPage) ([]feedChange, error) {
	if f.joinOnly {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT seq, entity_id, at, op::text, coalesce(reason::text, '')
		FROM changes WHERE entity = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`, string(pg.Entity), pg.After, pg.Last)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d := newRowDecoder(colInt8, colInt8, colTimestamptz, colText, colText)
	if !d.check(rows.FieldDescriptions()) {
		return nil, nil
	}
	changes := make([]feedChange, 0, min(pg.Last-pg.After, 1024)) // a page's entries, at most its limit
	for rows.Next() {
		raw := rows.RawValues()
		if len(raw) != 5 {
			return nil, fmt.Errorf("change: %w: %d columns", errWire, len(raw))
		}
		var c feedChange
		var err1, err2, err3 error
		c.seq, err1 = int8Value(raw[0])
		c.id, err2 = int8Value(raw[1])
		c.at, err3 = timestamptzValue(raw[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("change: %w", err)
		}
		switch string(raw[3]) { // the two ops without a string each
		case OpUpsert:
			c.op = OpUpsert
		case OpWithdraw:
			c.op = OpWithdraw
		default:
			c.op = string(raw[3])
		}
		if len(raw[4]) > 0 {
			c.reason = string(raw[4])
		}
		if n := len(changes); n > 0 && c.id <= changes[n-1].id {
			rows.Close()
			return nil, rows.Err()
		}
		changes = append(changes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n := len(changes); n == 0 || changes[n-1].id-changes[0].id >= int64(n)*maxRangeSpread {
		return nil, nil
	}
	return changes, nil
}

// rangedPage streams the entries of changes (from pageChanges), reading
// their records with query (a feed*RangeSelect) over the changes' id
// range: decode decodes a record's columns after feedRecordColumns, emit
// sends the entry r describes. A change whose record is not found is
// skipped, as the join skips it. ok is false, with nothing sent, when the
// columns arrive in an unexpected format; the caller then joins.
func rangedPage(ctx context.Context, q queryer, query string, kinds []colKind, changes []feedChange, r *feedRow,
	decode func(d *rowDecoder, raw [][]byte) error, emit func() error) (ok bool, err error) {
	rows, err := q.Query(ctx, query, changes[0].id, changes[len(changes)-1].id)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	d := newRowDecoder(append(slices.Clone(feedRecordKinds), kinds...)...)
	if !d.check(rows.FieldDescriptions()) {
		return false, nil
	}
	i := 0
	for rows.Next() {
		raw := rows.RawValues()
		if len(raw) != len(d.kinds) {
			return true, fmt.Errorf("row: %w: %d columns", errWire, len(raw))
		}
		id, err := int8Value(raw[0])
		if err != nil {
			return true, fmt.Errorf("row: %w", err)
		}
		for i < len(changes) && changes[i].id < id {
			i++ // no record: the join would skip the entry
		}
		if i == len(changes) {
			break
		}
		c := &changes[i]
		if c.id != id {
			continue // a record in the range that this page does not hold
		}
		i++
		if err := d.decode(raw); err != nil {
			return true, fmt.Errorf("row: %w", err)
		}
		r.entry.Seq, r.entry.ID, r.entry.At, r.op, r.reason = c.seq, c.id, c.at, c.op, c.reason
		r.status, r.currentReason, r.note = domain.Status(d.text(1)), d.text(2), d.text(3)
		if err := decode(d, raw); err != nil {
			return true, fmt.Errorf("row: %w", err)
		}
		if err := emit(); err != nil {
			return true, err
		}
	}
	return true, rows.Err()
}

// feedScrub is the free-text scrubbing of a feed page: the public
// masking rules', or none for a full page.
func (f *CreditFeed) feedScrub(masked bool) func(string) string {
	if masked {
		return f.pub.rules.Text
	}
	return func(s string) string { return s }
}

func (f *CreditFeed) penalties(ctx context.Context, q queryer, pg FeedPage, masked bool, fn func(*FeedEntry) error) error {
	today := civilDate(f.pub.today())
	var r feedRow
	var pp domain.PublishedPenalty
	vals := make([]string, len(domain.PenaltyFields))
	scrub := f.feedScrub(masked)
	emit := func() error {
		public := !pp.PublicityUntil.Before(today)
		if r.resolve(public, scrub) {
			m := pp
			if masked {
				m = f.pub.maskPenalty(pp)
			}
			r.entry.Values = PenaltyValues(&m.Penalty, vals)
		}
		r.entry.DecisionNo, r.entry.AgencyCode = scrub(pp.DecisionNo), pp.AgencyCode
		return fn(&r.entry)
	}
	changes, err := f.pageChanges(ctx, q, pg)
	if err != nil {
		return err
	}
	if changes != nil {
		ok, err := rangedPage(ctx, q, penaltyFeedRangeSelect, penaltyKinds, changes, &r, func(d *rowDecoder, raw [][]byte) error {
			return d.penalty(raw, len(feedRecordKinds), &pp.Penalty)
		}, emit)
		if ok || err != nil {
			return err
		}
	}
	rows, err := q.Query(ctx, penaltyFeedSelect, string(pg.Entity), pg.After, pg.Last)
	if err != nil {
		return err
	}
	defer rows.Close()
	d := newRowDecoder(append(slices.Clone(feedKinds), penaltyKinds...)...)
	return scanRows(rows, d, append(r.dest(), penaltyExportDest(&pp.Penalty)...), func(raw [][]byte) error {
		if err := r.decode(d, raw); err != nil {
			return err
		}
		return d.penalty(raw, len(feedKinds), &pp.Penalty)
	}, emit)
}

func (f *CreditFeed) permits(ctx context.Context, q queryer, pg FeedPage, masked bool, fn func(*FeedEntry) error) error {
	var r feedRow
	var pp domain.PublishedPermit
	vals := make([]string, len(domain.PermitFields))
	scrub := f.feedScrub(masked)
	emit := func() error {
		if r.resolve(true, scrub) {
			m := pp
			if masked {
				m = f.pub.maskPermit(pp)
			}
			r.entry.Values = PermitValues(&m.Permit, vals)
		}
		r.entry.DecisionNo, r.entry.AgencyCode = scrub(pp.DecisionNo), pp.AgencyCode
		return fn(&r.entry)
	}
	changes, err := f.pageChanges(ctx, q, pg)
	if err != nil {
		return err
	}
	if changes != nil {
		ok, err := rangedPage(ctx, q, permitFeedRangeSelect, permitKinds, changes, &r, func(d *rowDecoder, raw [][]byte) error {
			return d.permit(raw, len(feedRecordKinds), &pp.Permit)
		}, emit)
		if ok || err != nil {
			return err
		}
	}
	rows, err := q.Query(ctx, permitFeedSelect, string(pg.Entity), pg.After, pg.Last)
	if err != nil {
		return err
	}
	defer rows.Close()
	d := newRowDecoder(append(slices.Clone(feedKinds), permitKinds...)...)
	return scanRows(rows, d, append(r.dest(), permitExportDest(&pp.Permit)...), func(raw [][]byte) error {
		if err := r.decode(d, raw); err != nil {
			return err
		}
		return d.permit(raw, len(feedKinds), &pp.Permit)
	}, emit)
}

// civilDate is t's calendar date, as PostgreSQL reads it from a date
// parameter, at 00:00 UTC like the dates pgx scans.
func civilDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
