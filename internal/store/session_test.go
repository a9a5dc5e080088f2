package store_test

import (
	"context"
	"testing"

	"github.com/gongshi/gongshi/internal/testenv"
)

// TestSessionsCompileNoPlans checks that the portal's connections run
// without JIT: a generic plan costed for any parameter values (the
// response cache polls the change log with one) was compiled on every
// run, 200 ms for a poll that reads no row at 5M records.
func TestSessionsCompileNoPlans(t *testing.T) {
	s := testenv.Store(t)
	var jit string
	if err := s.Pool().QueryRow(context.Background(), `SHOW jit`).Scan(&jit); err != nil {
		t.Fatal(err)
	}
	if jit != "off" {
		t.Errorf("jit = %s on the portal's connections, want off", jit)
	}
}
