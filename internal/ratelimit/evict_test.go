package ratelimit

import (
	"strconv"
	"testing"
)

// With more active clients than the table holds, a tenth is forgotten at
// once: the table stays bounded, and the next new clients do not scan it.
func TestEvictKeepsTheTableBounded(t *testing.T) {
	l := New(nil)
	for i := range maxClients {
		l.client("ip:" + strconv.Itoa(i))
	}
	if len(l.clients) != maxClients {
		t.Fatalf("%d clients before eviction", len(l.clients))
	}
	l.client("ip:new")
	if n := len(l.clients); n != maxClients*9/10 {
		t.Errorf("%d clients after eviction, want %d", n, maxClients*9/10)
	}
	if _, ok := l.clients["ip:new"]; !ok {
		t.Error("the new client was not added")
	}
}
