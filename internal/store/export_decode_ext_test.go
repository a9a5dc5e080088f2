package store_test

import (
	"context"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestRowDecoderMatchesScan checks the export's row decoder against
// pgx's Scan on varied records (see store.CheckRowDecoder).
func TestRowDecoderMatchesScan(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	a := store.Actor{Name: "test"}
	var ps []domain.Penalty
	for i := range 30 {
		p := testenv.Penalty(i)
		switch i % 3 {
		case 1:
			v := p.DecisionDate.AddDate(0, 1, 0)
			p.ValidUntil = &v
			p.Categories = []string{"警告", "罚款", "没收违法所得"}
			p.Confiscated = 123456
			p.Stage = ""
		case 2:
			p.Party = domain.Party{Name: "李四", Kind: domain.PartyNaturalPerson, IDType: "身份证", IDNo: testenv.PersonID}
			p.Remarks = "引号\"，逗号,换行\n"
		}
		ps = append(ps, p)
	}
	rs, err := s.UpsertPenalties(ctx, a, ps, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, a, store.EntityPenalty, rs[4].ID, domain.ReasonRevoked, "撤销"); err != nil {
		t.Fatal(err)
	}
	var permits []domain.Permit
	for i := range 5 {
		p, errs := domain.ParsePermit(testenv.PermitRecord(i), domain.ParseOptions{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		permits = append(permits, p)
	}
	if _, err := s.UpsertPermits(ctx, a, permits, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}

	store.CheckRowDecoder(t, s)
}
