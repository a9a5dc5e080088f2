package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ListenChanges calls onChange after every change-log append commits (by
// any process), until ctx ends. While the notification connection is down
// it retries with backoff and calls onChange after reconnecting, since
// notifications may have been missed meanwhile.
//
// It listens on a connection of its own to Options.SessionURL when set: a
// session-level LISTEN needs a connection that stays the client's, and
// behind a pooler in transaction mode (PgBouncer's pool_mode =
// transaction) the server connection that ran LISTEN goes back to the
// pooler and its notifications reach no one.
func (s *Store) ListenChanges(ctx context.Context, onChange func(context.Context)) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, onChange)
		if ctx.Err() != nil {
			return
		}
		_ = err // the connection dropped: reconnect
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// sessionConfig parses url and checks that it answers, for a clear error
// at start.
func sessionConfig(ctx context.Context, url string) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store.Open: parse DATABASE_LISTEN_URL: %w", err)
	}
	cfg.RuntimeParams["timezone"] = "Asia/Shanghai"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store.Open: DATABASE_LISTEN_URL: %w", err)
	}
	return cfg, conn.Close(ctx)
}

// sessionConfig is a copy of the configuration of a connection of its own:
// to Options.SessionURL, else like the pool's.
func (s *Store) sessionConfig() *pgx.ConnConfig {
	if s.session != nil {
		return s.session.Copy()
	}
	return s.primary.Config().ConnConfig.Copy()
}

func (s *Store) listenOnce(ctx context.Context, onChange func(context.Context)) error {
	var conn *pgx.Conn
	if s.session == nil {
		pc, err := s.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer pc.Release()
		conn = pc.Conn()
	} else {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, err := pgx.ConnectConfig(cctx, s.sessionConfig())
		cancel()
		if err != nil {
			return err
		}
		defer c.Close(context.WithoutCancel(ctx))
		conn = c
	}
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "UNLISTEN "+ChangesChannel)
	onChange(ctx) // anything committed before LISTEN took effect
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		onChange(ctx)
	}
}
