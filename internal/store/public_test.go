package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestPublicReadsMaskAndFilter(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	person, errs := domain.ParsePenalty(testenv.PersonPenaltyRecord(1), domain.ParseOptions{})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	person.Facts = "当事人李四（身份证号" + testenv.PersonID + "）未取得许可"
	expired := testenv.Penalty(2)
	expired.DecisionDate = time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	expired.PublicityUntil = time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	withdrawn := testenv.Penalty(3)
	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{person, expired, withdrawn, testenv.Penalty(4)}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, rs[2].ID, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	pub := s.Public(domain.DefaultMasking, func() time.Time { return time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC) })
	got, err := pub.PenaltiesByID(ctx, []int64{rs[0].ID, rs[1].ID, rs[2].ID, rs[3].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != rs[0].ID || got[1].ID != rs[3].ID {
		t.Fatalf("public penalties = %d records, want the person's and number 4", len(got))
	}
	p := got[0]
	if p.IDNo == testenv.PersonID || !strings.HasPrefix(p.IDNo, "110105") || strings.Contains(p.Facts, testenv.PersonID) {
		t.Errorf("not masked: id %q facts %q", p.IDNo, p.Facts)
	}
	if p.Name != "李四" || p.Kind != domain.PartyNaturalPerson || p.Fine != 20000*100 || p.Stage != domain.StagePreAccident {
		t.Errorf("round trip lost fields: %+v", p.Penalty)
	}
	var n int
	err = pub.EachPenalty(ctx, func(p domain.PublishedPenalty) error {
		n++
		if p.IDNo == testenv.PersonID {
			t.Error("EachPenalty leaks an ID number")
		}
		return nil
	})
	if err != nil || n != 2 {
		t.Errorf("EachPenalty: %d records, %v", n, err)
	}
}
