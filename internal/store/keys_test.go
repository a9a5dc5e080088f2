package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestAPIKeys(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	k, secret, err := s.CreateKey(ctx, "bureau", []string{store.ScopeIngest})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "gs_"+k.Prefix+"_") || len(secret) < 40 || !store.WellFormedSecret(secret) {
		t.Errorf("secret %q", secret)
	}
	var stored int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM api_keys WHERE position($1 in encode(secret_hash, 'escape')) > 0`, secret).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("the secret is stored in clear (%d, %v)", stored, err)
	}
	got, err := s.Authenticate(ctx, secret)
	if err != nil || got.ID != k.ID || !got.Has(store.ScopeIngest) || got.Has(store.ScopeFeedFull) {
		t.Errorf("Authenticate = %+v, %v", got, err)
	}
	if _, err := s.Authenticate(ctx, secret+"x"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("wrong secret: %v", err)
	}
	if _, _, err := s.CreateKey(ctx, "x", []string{"root"}); err == nil {
		t.Error("unknown scope accepted")
	}
	if err := s.RevokeKey(ctx, "bureau"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Authenticate(ctx, secret); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked key still works: %v", err)
	}
}

func TestWellFormedSecret(t *testing.T) {
	good := "gs_abcdefgh_" + strings.Repeat("a2b3c4d5", 5)
	if !store.WellFormedSecret(good) {
		t.Errorf("%q refused", good)
	}
	for _, bad := range []string{"", "gs_", good + "a", good[:len(good)-1], "GS" + good[2:], strings.Replace(good, "_a2", "-a2", 1),
		good[:20] + "1" + good[21:], good[:20] + "A" + good[21:], good[:20] + "é" + good[22:], "Bearer " + good} {
		if store.WellFormedSecret(bad) {
			t.Errorf("%q accepted", bad)
		}
	}
}
