package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ReplicaOptions tune a Replica; zero values take the defaults.
type ReplicaOptions struct {
	// MaxLag bounds how stale an answer from the replica may be (default
	// 1 s): the replica answers only while it is known to hold every
	// change committed on the primary more than MaxLag ago.
	MaxLag time.Duration
	// Poll is how often the replica's change-log position is compared
	// with the primary's (default 100 ms).
	Poll time.Duration
	// MinSeq is the change-log position a reader has already been
	// promised — the response cache's head, since it stamps what it stores
	// with that position. The replica answers only once it holds every
	// change up to MinSeq(), so that nothing computed from it is older than
	// its stamp. Nil: no such promise.
	MinSeq func() int64
	// StatementTimeout and MaxConns tune the replica's pool as Options
	// tune the primary's.
	StatementTimeout time.Duration
	MaxConns         int32
	Now              func() time.Time
}

// Replica is a streaming replica of the Gongshi database that takes public
// reads while it is current. Its freshness is judged by the change log,
// not by WAL positions alone: every Poll it reads the primary's newest
// change-log seq and then the replica's; when the replica has reached the
// primary's, it holds every change committed before that round began.
// Change-log entries commit in seq order (appendChanges), and a standby
// makes commits visible in the primary's commit order, so the replica's
// seq tells exactly which changes it holds.
//
// A read goes to the replica only while both hold: the last round that
// found it caught up began less than MaxLag ago, and its seq is at least
// MinSeq(). Otherwise, and when the replica cannot be reached, the read
// goes to the primary. A connection that opens on an older state than
// already observed (a replica restarted from an earlier restart point)
// makes the replica unusable until a round confirms it again.
type Replica struct {
	primary *pgxpool.Pool
	pool    *pgxpool.Pool
	opt     ReplicaOptions

	seq      atomic.Int64 // the replica's newest change-log seq, as last observed
	caughtUp atomic.Int64 // unix nanoseconds: the replica holds every change committed before this
	lag      atomic.Int64 // nanoseconds behind the primary's clock, by pg_last_xact_replay_timestamp (reporting only)

	toReplica, toPrimary, retried atomic.Int64
}

// OpenReplica connects to the replica at url, which streams from s's
// database. Run must run for the replica to be used.
func (s *Store) OpenReplica(ctx context.Context, url string, opt ReplicaOptions) (*Replica, error) {
	if opt.MaxLag <= 0 {
		opt.MaxLag = time.Second
	}
	if opt.Poll <= 0 {
		opt.Poll = 100 * time.Millisecond
	}
	if opt.MinSeq == nil {
		opt.MinSeq = func() int64 { return 0 }
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	cfg, err := poolConfig(url, "gongshi-read", opt.StatementTimeout, opt.MaxConns)
	if err != nil {
		return nil, fmt.Errorf("store.OpenReplica: parse DATABASE_READ_URL: %w", err)
	}
	r := &Replica{primary: s.primary, opt: opt}
	cfg.AfterConnect = r.afterConnect
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store.OpenReplica: %w", err)
	}
	r.pool = pool
	return r, nil
}

// afterConnect checks where a new connection's view of the change log
// stands; a view older than one already observed (the replica restarted
// and resumed from an earlier point) withdraws the replica's freshness.
func (r *Replica) afterConnect(ctx context.Context, c *pgx.Conn) error {
	var seq int64
	if err := c.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&seq); err != nil {
		return fmt.Errorf("store.Replica: read the change log: %w", err)
	}
	for {
		old := r.seq.Load()
		if seq >= old {
			return nil
		}
		if r.seq.CompareAndSwap(old, seq) {
			r.caughtUp.Store(0)
			return nil
		}
	}
}

// Close releases the replica's connections.
func (r *Replica) Close() { r.pool.Close() }

// Run compares the replica with the primary every Poll until ctx ends.
func (r *Replica) Run(ctx context.Context) {
	tick := time.NewTicker(r.opt.Poll)
	defer tick.Stop()
	for {
		_ = r.Sync(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// Sync runs one round: the primary's change-log head first, then the
// replica's. It returns an error when either cannot be read; the replica
// then stays unusable once its last confirmation is MaxLag old.
func (r *Replica) Sync(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.opt.MaxLag)
	defer cancel()
	start := r.opt.Now()
	var head int64
	if err := r.primary.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM changes`).Scan(&head); err != nil {
		return fmt.Errorf("store.Replica.Sync: primary: %w", err)
	}
	var seq int64
	var lag float64
	err := r.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0),
		coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0)::float8 FROM changes`).Scan(&seq, &lag)
	if err != nil {
		r.caughtUp.Store(0)
		return fmt.Errorf("store.Replica.Sync: replica: %w", err)
	}
	r.seq.Store(seq)
	r.lag.Store(int64(lag * float64(time.Second)))
	if seq >= head {
		r.caughtUp.Store(start.UnixNano())
		return nil
	}
	return fmt.Errorf("store.Replica.Sync: the replica is at change %d, the primary at %d", seq, head)
}

// current reports whether reads may go to the replica now.
func (r *Replica) current() bool {
	at := r.caughtUp.Load()
	return at != 0 && r.opt.Now().Sub(time.Unix(0, at)) <= r.opt.MaxLag && r.seq.Load() >= r.opt.MinSeq()
}

// Ping reports, for /readyz, whether the replica is taking reads; reads
// are answered by the primary meanwhile.
func (r *Replica) Ping(context.Context) error {
	if r.current() {
		return nil
	}
	at := r.caughtUp.Load()
	if at == 0 {
		return errors.New("the read replica is unreachable or behind: reads go to the primary")
	}
	return fmt.Errorf("the read replica last held every change %s ago (bound %s): reads go to the primary",
		r.opt.Now().Sub(time.Unix(0, at)).Round(time.Millisecond), r.opt.MaxLag)
}

// ReplicaStats counts where reads went.
type ReplicaStats struct {
	ToReplica, ToPrimary, Retried int64         // reads answered by each; replica failures retried on the primary
	Seq                           int64         // the replica's change-log seq, as last observed
	ReplayLag                     time.Duration // now() − pg_last_xact_replay_timestamp() on the replica (grows while idle)
}

// Stats returns where reads went so far.
func (r *Replica) Stats() ReplicaStats {
	return ReplicaStats{ToReplica: r.toReplica.Load(), ToPrimary: r.toPrimary.Load(), Retried: r.retried.Load(),
		Seq: r.seq.Load(), ReplayLag: time.Duration(r.lag.Load())}
}

// Reading returns a store whose read-only queries go to r while it is
// current (and to s's primary otherwise); its writes, its transactions
// that may write, and LISTEN go to the primary. Public reads use it; what
// must read its own writes uses s.
func (s *Store) Reading(r *Replica) *Store {
	if r == nil {
		return s
	}
	return &Store{pool: readRouter{r}, primary: s.primary, session: s.session}
}

// readRouter is the dbPool of a store Reading a replica.
type readRouter struct{ r *Replica }

func (rr readRouter) pick() *pgxpool.Pool {
	if rr.r.current() {
		rr.r.toReplica.Add(1)
		return rr.r.pool
	}
	rr.r.toPrimary.Add(1)
	return rr.r.primary
}

// retryable reports whether a failed read on the replica should be asked
// of the primary: the replica was unreachable, shutting down, or cancelled
// the query in a conflict with recovery. The replica is then unusable
// until the next round confirms it.
func (rr readRouter) retryable(ctx context.Context, err error) bool {
	if err == nil || errors.Is(err, pgx.ErrNoRows) || ctx.Err() != nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "40001", "57P01", "57P02", "57P03", "53300":
		default:
			return false
		}
	}
	rr.r.caughtUp.Store(0)
	rr.r.retried.Add(1)
	return true
}

func (rr readRouter) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	p := rr.pick()
	rows, err := p.Query(ctx, sql, args...)
	if p != rr.r.primary && rr.retryable(ctx, err) {
		return rr.r.primary.Query(ctx, sql, args...)
	}
	return rows, err
}

func (rr readRouter) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	p := rr.pick()
	if p == rr.r.primary {
		return p.QueryRow(ctx, sql, args...)
	}
	return retryRow{rr: rr, ctx: ctx, row: p.QueryRow(ctx, sql, args...), sql: sql, args: args}
}

// retryRow asks the primary again when scanning the replica's row failed
// for a reason retryable names.
type retryRow struct {
	rr   readRouter
	ctx  context.Context
	row  pgx.Row
	sql  string
	args []any
}

func (r retryRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if r.rr.retryable(r.ctx, err) {
		return r.rr.r.primary.QueryRow(r.ctx, r.sql, r.args...).Scan(dest...)
	}
	return err
}

func (rr readRouter) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return rr.pick().SendBatch(ctx, b)
}

func (rr readRouter) BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error) {
	if opts.AccessMode != pgx.ReadOnly {
		return rr.r.primary.BeginTx(ctx, opts)
	}
	p := rr.pick()
	tx, err := p.BeginTx(ctx, opts)
	if p != rr.r.primary && rr.retryable(ctx, err) {
		return rr.r.primary.BeginTx(ctx, opts)
	}
	return tx, err
}

func (rr readRouter) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return rr.r.primary.Exec(ctx, sql, args...)
}
func (rr readRouter) Begin(ctx context.Context) (pgx.Tx, error) { return rr.r.primary.Begin(ctx) }
func (rr readRouter) Acquire(ctx context.Context) (*pgxpool.Conn, error) {
	return rr.r.primary.Acquire(ctx)
}
func (rr readRouter) Config() *pgxpool.Config        { return rr.r.primary.Config() }
func (rr readRouter) Ping(ctx context.Context) error { return rr.r.primary.Ping(ctx) }
func (rr readRouter) Close()                         {}
