package store

import (
	"context"
	"time"
)

// ListenChanges calls onChange after every change-log append commits (by
// any process), until ctx ends. While the notification connection is down
// it retries with backoff and calls onChange after reconnecting, since
// notifications may have been missed meanwhile.
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

func (s *Store) listenOnce(ctx context.Context, onChange func(context.Context)) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+ChangesChannel); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "UNLISTEN "+ChangesChannel)
	onChange(ctx) // anything committed before LISTEN took effect
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		onChange(ctx)
	}
}
