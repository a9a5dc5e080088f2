package httpx

import (
	"crypto/sha256"
	"sync"
	"time"
)

const (
	memoTTL     = 10 * time.Minute
	memoEntries = 10_000 // per set; keys are few, refused secrets many
)

// KeyMemo remembers, in this process, which API-key secrets authenticated
// lately and which were refused. A request bearing a secret that
// authenticated spends its key's rate budget; any other spends its IP's,
// so made-up tokens cannot buy a budget each. A refused secret is refused
// again without a query (secrets are random and a revoked key stays
// revoked, so the answer cannot change). A nil *KeyMemo remembers nothing.
type KeyMemo struct {
	admitted, refused secretSet
}

// NewKeyMemo returns an empty memo.
func NewKeyMemo() *KeyMemo { return &KeyMemo{} }

func (m *KeyMemo) isAdmitted(secret string) bool { return m != nil && m.admitted.holds(secret) }
func (m *KeyMemo) isRefused(secret string) bool  { return m != nil && m.refused.holds(secret) }

func (m *KeyMemo) admit(secret string) {
	if m != nil {
		m.admitted.add(secret)
	}
}

// refuse notes a refused secret and forgets that it was admitted (its key
// was revoked since).
func (m *KeyMemo) refuse(secret string) {
	if m != nil {
		m.refused.add(secret)
		m.admitted.remove(secret)
	}
}

// secretSet is a bounded set of secrets, by SHA-256, each kept for the TTL.
type secretSet struct {
	mu    sync.Mutex
	until map[[32]byte]time.Time
}

func (s *secretSet) holds(secret string) bool {
	h := sha256.Sum256([]byte(secret))
	s.mu.Lock()
	defer s.mu.Unlock()
	until, ok := s.until[h]
	return ok && time.Now().Before(until)
}

// add keeps secret for the TTL. A full set first drops its expired
// entries, then, if that freed too little, everything: forgetting costs
// at most one query, or one request counted by IP.
func (s *secretSet) add(secret string) {
	h := sha256.Sum256([]byte(secret))
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.until == nil {
		s.until = map[[32]byte]time.Time{}
	}
	if _, ok := s.until[h]; !ok && len(s.until) >= memoEntries {
		for k, until := range s.until {
			if !now.Before(until) {
				delete(s.until, k)
			}
		}
		if len(s.until) >= memoEntries*9/10 {
			clear(s.until)
		}
	}
	s.until[h] = now.Add(memoTTL)
}

func (s *secretSet) remove(secret string) {
	h := sha256.Sum256([]byte(secret))
	s.mu.Lock()
	delete(s.until, h)
	s.mu.Unlock()
}
