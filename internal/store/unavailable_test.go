package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// Unavailable tells a database that cannot be reached or dropped the
// connection from a request that failed by itself, on real errors.
func TestUnavailable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s := testenv.Store(t)

	_, refused := pgx.Connect(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	if refused == nil || !store.Unavailable(refused) {
		t.Errorf("connection refused: %v", refused)
	}

	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	var pid int
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	_, terminated := conn.Exec(ctx, `SELECT 1`)
	if terminated == nil || !store.Unavailable(terminated) {
		t.Errorf("connection terminated by the server: %v", terminated)
	}

	_, bad := s.Pool().Exec(ctx, `SELECT * FROM no_such_table`)
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	_, cancelled := s.Pool().Exec(cctx, `SELECT 1`)
	for _, err := range []error{bad, cancelled, nil, errors.New("store: something else")} {
		if store.Unavailable(err) {
			t.Errorf("%v counts as unavailability", err)
		}
	}
}
