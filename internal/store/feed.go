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
type CreditFeed struct{ pub *Public }

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

func (f *CreditFeed) penalties(ctx context.Context, q queryer, pg FeedPage, masked bool, fn func(*FeedEntry) error) error {
	rows, err := q.Query(ctx, penaltyFeedSelect, string(pg.Entity), pg.After, pg.Last)
	if err != nil {
		return err
	}
	defer rows.Close()
	today := civilDate(f.pub.today())
	var r feedRow
	var pp domain.PublishedPenalty
	d := newRowDecoder(append(slices.Clone(feedKinds), penaltyKinds...)...)
	vals := make([]string, len(domain.PenaltyFields))
	scrub := func(s string) string { return s }
	if masked {
		scrub = f.pub.rules.Text
	}
	return scanRows(rows, d, append(r.dest(), penaltyExportDest(&pp.Penalty)...), func(raw [][]byte) error {
		if err := r.decode(d, raw); err != nil {
			return err
		}
		return d.penalty(raw, len(feedKinds), &pp.Penalty)
	}, func() error {
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
	})
}

func (f *CreditFeed) permits(ctx context.Context, q queryer, pg FeedPage, masked bool, fn func(*FeedEntry) error) error {
	rows, err := q.Query(ctx, permitFeedSelect, string(pg.Entity), pg.After, pg.Last)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r feedRow
	var pp domain.PublishedPermit
	d := newRowDecoder(append(slices.Clone(feedKinds), permitKinds...)...)
	vals := make([]string, len(domain.PermitFields))
	scrub := func(s string) string { return s }
	if masked {
		scrub = f.pub.rules.Text
	}
	return scanRows(rows, d, append(r.dest(), permitExportDest(&pp.Permit)...), func(raw [][]byte) error {
		if err := r.decode(d, raw); err != nil {
			return err
		}
		return d.permit(raw, len(feedKinds), &pp.Permit)
	}, func() error {
		if r.resolve(true, scrub) {
			m := pp
			if masked {
				m = f.pub.maskPermit(pp)
			}
			r.entry.Values = PermitValues(&m.Permit, vals)
		}
		r.entry.DecisionNo, r.entry.AgencyCode = scrub(pp.DecisionNo), pp.AgencyCode
		return fn(&r.entry)
	})
}

// civilDate is t's calendar date, as PostgreSQL reads it from a date
// parameter, at 00:00 UTC like the dates pgx scans.
func civilDate(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
