package cache

import (
	"context"

	"github.com/gongshi/gongshi/internal/store"
)

// storeSource reads the change log of the store and names the tags each
// entry touches.
type storeSource struct{ s *store.Store }

// StoreChanges returns the change log of s as a ChangeSource.
func StoreChanges(s *store.Store) ChangeSource { return storeSource{s} }

func (src storeSource) LastChangeSeq(ctx context.Context) (int64, error) {
	return src.s.LastChangeSeq(ctx)
}

func (src storeSource) ChangesAfter(ctx context.Context, after int64, limit int) ([]Change, error) {
	logged, err := src.s.ChangeTargetsAfter(ctx, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Change, len(logged))
	for i, c := range logged {
		out[i] = Change{Seq: c.Seq, Tags: TagsOf(c)}
	}
	return out, nil
}

// TagsOf names what a change-log entry touches: the record, its party and
// its dataset; or the list of a list version.
func TagsOf(c store.ChangeTarget) []string {
	if c.Entity == store.EntityListVersion {
		return []string{ListTag(c.ListKind), DatasetTag(string(c.Entity))}
	}
	tags := []string{RecordTag(string(c.Entity), c.EntityID), DatasetTag(string(c.Entity))}
	if c.Subject != "" {
		tags = append(tags, SubjectTag(c.Subject))
	}
	return tags
}

// SubjectTags are what a party's profile depends on: the party (a record
// added to it) and every record it shows (one changed or moved away).
func SubjectTags(s store.Subject) []string {
	tags := make([]string, 0, 1+len(s.Penalties)+len(s.Permits))
	tags = append(tags, SubjectTag(s.CreditCode))
	for _, p := range s.Penalties {
		tags = append(tags, RecordTag(string(store.EntityPenalty), p.ID))
	}
	for _, p := range s.Permits {
		tags = append(tags, RecordTag(string(store.EntityPermit), p.ID))
	}
	return tags
}
