package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Scopes an API key may hold.
const (
	ScopeIngest   = "ingest"    // write penalties, permits and lists
	ScopeFeed     = "feed"      // read the credit-center feed (masked)
	ScopeFeedFull = "feed:full" // read the feed with full identifiers
	ScopeAdmin    = "admin"     // everything
)

// Scopes lists every valid scope.
var Scopes = []string{ScopeIngest, ScopeFeed, ScopeFeedFull, ScopeAdmin}

// APIKey is a stored key, without its secret.
type APIKey struct {
	ID        int64
	Name      string
	Prefix    string
	Scopes    []string
	CreatedAt time.Time
	RevokedAt *time.Time
	LastUsed  *time.Time
}

// Has reports whether the key grants scope (admin grants all).
func (k APIKey) Has(scope string) bool {
	return slices.Contains(k.Scopes, scope) || slices.Contains(k.Scopes, ScopeAdmin)
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// CreateKey stores a new key and returns it with its secret, which is shown
// only this once: the database keeps a SHA-256 of it.
func (s *Store) CreateKey(ctx context.Context, name string, scopes []string) (APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return APIKey{}, "", errors.New("store.CreateKey: name is required")
	}
	if len(scopes) == 0 {
		return APIKey{}, "", errors.New("store.CreateKey: at least one scope is required")
	}
	for _, sc := range scopes {
		if !slices.Contains(Scopes, sc) {
			return APIKey{}, "", fmt.Errorf("store.CreateKey: unknown scope %q (want one of %s)", sc, strings.Join(Scopes, ", "))
		}
	}
	raw := make([]byte, 30)
	if _, err := rand.Read(raw); err != nil {
		return APIKey{}, "", err
	}
	body := strings.ToLower(keyEncoding.EncodeToString(raw))
	prefix := body[:8]
	secret := "gs_" + prefix + "_" + body[8:]
	hash := sha256.Sum256([]byte(secret))
	k := APIKey{Name: name, Prefix: prefix, Scopes: scopes}
	err := s.pool.QueryRow(ctx, `INSERT INTO api_keys (name, prefix, secret_hash, scopes)
		VALUES ($1, $2, $3, $4) RETURNING id, created_at`, name, prefix, hash[:], scopes).Scan(&k.ID, &k.CreatedAt)
	if err != nil {
		return APIKey{}, "", fmt.Errorf("store.CreateKey(%q): %w", name, AsConflict(err))
	}
	return k, secret, nil
}

// Authenticate returns the live key whose secret is given; an unknown or
// revoked secret is ErrNotFound.
func (s *Store) Authenticate(ctx context.Context, secret string) (APIKey, error) {
	hash := sha256.Sum256([]byte(secret))
	var k APIKey
	err := s.pool.QueryRow(ctx, `UPDATE api_keys SET last_used_at = now()
		WHERE secret_hash = $1 AND revoked_at IS NULL
		RETURNING id, name, prefix, scopes, created_at`, hash[:]).Scan(&k.ID, &k.Name, &k.Prefix, &k.Scopes, &k.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return APIKey{}, ErrNotFound
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("store.Authenticate: %w", err)
	}
	return k, nil
}

// ListKeys returns every key, newest first.
func (s *Store) ListKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, name, prefix, scopes, created_at, revoked_at, last_used_at
		FROM api_keys ORDER BY id DESC`)
	if err != nil {
		return nil, fmt.Errorf("store.ListKeys: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIKey, error) {
		var k APIKey
		err := r.Scan(&k.ID, &k.Name, &k.Prefix, &k.Scopes, &k.CreatedAt, &k.RevokedAt, &k.LastUsed)
		return k, err
	})
}

// RevokeKey revokes the key with the given name.
func (s *Store) RevokeKey(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL`, name)
	if err != nil {
		return fmt.Errorf("store.RevokeKey(%q): %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store.RevokeKey(%q): %w", name, ErrNotFound)
	}
	return nil
}

// WellFormedSecret reports whether secret has the shape CreateKey gives
// every secret ("gs_", 8 characters, "_", 40 characters of lower-case
// base32), so a malformed one can be refused without a query.
func WellFormedSecret(secret string) bool {
	body, ok := strings.CutPrefix(secret, "gs_")
	if !ok || len(body) != 8+1+40 || body[8] != '_' {
		return false
	}
	for i := 0; i < len(body); i++ {
		if b := body[i]; i != 8 && !('a' <= b && b <= 'z' || '2' <= b && b <= '7') {
			return false
		}
	}
	return true
}
