package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestFeedRangedPagesMatchTheJoin pages the penalties and permits feeds
// through a change log of new records, updates, withdrawals, expired
// records, entries between other entities' and entries whose neighbours
// in id order belong to other pages or to no record, with limits from 1
// to 100, masked and full: every page read by a range scan of the records
// must hold exactly the entries the join of the change log gives.
func TestFeedRangedPagesMatchTheJoin(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	a := store.Actor{Name: "test"}
	var ps []domain.Penalty
	for i := range 24 {
		p := testenv.Penalty(i)
		if i%5 == 3 {
			p.PublicityUntil = time.Now().AddDate(0, 0, -2) // ended: delivered as a withdrawal
		}
		if i%4 == 1 {
			p.Party = domain.Party{Name: "李四", Kind: domain.PartyNaturalPerson, IDType: "身份证", IDNo: testenv.PersonID}
		}
		ps = append(ps, p)
	}
	rs, err := s.UpsertPenalties(ctx, a, ps[:12], store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var permits []domain.Permit
	for i := range 4 {
		p, errs := domain.ParsePermit(testenv.PermitRecord(i), domain.ParseOptions{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		permits = append(permits, p)
	}
	if _, err := s.UpsertPermits(ctx, a, permits, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	more, err := s.UpsertPenalties(ctx, a, ps[12:], store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rs = append(rs, more...)
	if err := s.Withdraw(ctx, a, store.EntityPenalty, rs[2].ID, domain.ReasonRevoked, "撤销，联系电话13912345678"); err != nil {
		t.Fatal(err)
	}
	revised := ps[6]
	revised.Remarks = "已更正"
	if _, err := s.UpsertPenalties(ctx, a, []domain.Penalty{revised}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	// Entries as a commit order different from the ids' leaves them: a
	// page of ids n and n+2 whose range holds n+1, logged later; and an
	// entry of a record id that holds no record.
	last := rs[len(rs)-1].ID
	for _, id := range []int64{rs[20].ID, rs[22].ID, rs[21].ID, last + 1, rs[23].ID} {
		if _, err := s.Pool().Exec(ctx, `INSERT INTO changes (entity, entity_id, op) VALUES ('penalty', $1, 'upsert')`, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Withdraw(ctx, a, store.EntityPenalty, rs[23].ID, domain.ReasonCorrected, "更正"); err != nil {
		t.Fatal(err)
	}

	pub := s.Public(domain.DefaultMasking, time.Now)
	served, joined := store.FeedPaths(s.CreditFeed(pub))
	pages := func(f *store.CreditFeed, e store.Entity, full bool, limit int) (out [][]store.FeedEntry, afters []int64) {
		read := f.FeedPage
		if full {
			read = f.FullFeedPage
		}
		after := int64(0)
		for range 1000 {
			var page []store.FeedEntry
			var pg store.FeedPage
			err := read(ctx, e, after, limit, func(p store.FeedPage) error { pg = p; return nil },
				func(fe *store.FeedEntry) error { page = append(page, store.CopyEntry(fe)); return nil })
			if err != nil {
				t.Fatal(err)
			}
			out, afters = append(out, page), append(afters, after)
			if !pg.More {
				return out, afters
			}
			after = pg.Last
		}
		t.Fatal("the feed does not end")
		return nil, nil
	}
	ranged := 0
	for _, e := range []store.Entity{store.EntityPenalty, store.EntityPermit} {
		for _, limit := range []int{1, 2, 3, 7, 100} {
			for _, full := range []bool{false, true} {
				got, afters := pages(served, e, full, limit)
				want, _ := pages(joined, e, full, limit)
				if len(got) != len(want) {
					t.Fatalf("%s limit %d full %v: %d pages, the join gives %d", e, limit, full, len(got), len(want))
				}
				for i := range got {
					if !store.EqualEntries(got[i], want[i]) {
						t.Errorf("%s limit %d full %v page %d:\n got  %+v\n join %+v", e, limit, full, i, got[i], want[i])
					}
					if store.RangedPage(t, served, e, afters[i], limit) {
						ranged++
					}
				}
			}
		}
	}
	if ranged == 0 {
		t.Fatal("no page was read by a range scan")
	}
	// The page of all 24 creations is read by a range; the one holding the
	// update of an earlier record, by the join.
	if !store.RangedPage(t, served, store.EntityPenalty, 0, 12) {
		t.Error("the page of the first 12 new penalties is joined")
	}
	if store.RangedPage(t, served, store.EntityPenalty, 0, 100) {
		t.Error("the page holding updates and withdrawals is read by a range")
	}
}
