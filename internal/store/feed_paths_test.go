package store

import (
	"context"
	"reflect"
	"slices"
	"testing"
)

// FeedPaths are the feed read both ways: by ranges where a page allows
// (as served) and by the join only.
func FeedPaths(f *CreditFeed) (served, joined *CreditFeed) {
	j := *f
	j.joinOnly = true
	return f, &j
}

// RangedPage reports whether the page of e after seq after (limit
// entries) is read by one range scan of the records.
func RangedPage(t *testing.T, f *CreditFeed, e Entity, after int64, limit int) bool {
	t.Helper()
	ctx := context.Background()
	var ranged bool
	err := f.page(ctx, e, after, limit, true, func(pg FeedPage) error {
		changes, err := f.pageChanges(ctx, f.pub.s.pool, pg)
		ranged = changes != nil
		return err
	}, func(*FeedEntry) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	return ranged
}

// CopyEntry is e with its values copied (a page reuses them).
func CopyEntry(e *FeedEntry) FeedEntry {
	c := *e
	if c.Values != nil {
		c.Values = slices.Clone(c.Values)
	}
	return c
}

// EqualEntries reports whether two pages' entries are the same.
func EqualEntries(a, b []FeedEntry) bool { return reflect.DeepEqual(a, b) }
