package flowchart

import (
	"container/list"
	"sync"
)

// lru keeps drawn pictures by key up to a total size in bytes, dropping
// the least recently used first.
type lru struct {
	mu       sync.Mutex
	maxBytes int
	size     int
	order    *list.List // of *lruEntry, most recently used first
	m        map[string]*list.Element
}

type lruEntry struct {
	key string
	svg []byte
}

func newLRU(maxBytes int) *lru {
	return &lru{maxBytes: maxBytes, order: list.New(), m: map[string]*list.Element{}}
}

func (c *lru) get(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(e)
	return e.Value.(*lruEntry).svg, true
}

// put keeps svg under key; a picture larger than the whole cache is not
// kept.
func (c *lru) put(key string, svg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		c.size -= len(e.Value.(*lruEntry).svg)
		c.order.Remove(e)
		delete(c.m, key)
	}
	if len(svg) > c.maxBytes {
		return
	}
	c.m[key] = c.order.PushFront(&lruEntry{key, svg})
	c.size += len(svg)
	for c.size > c.maxBytes {
		old := c.order.Back()
		c.order.Remove(old)
		e := old.Value.(*lruEntry)
		delete(c.m, e.key)
		c.size -= len(e.svg)
	}
}

// len is the number of pictures kept.
func (c *lru) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
