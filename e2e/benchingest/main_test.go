package main

import (
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

// The records the benchmark posts must all be valid, new and of many
// parties, or the ingest it times is not a bureau's.
func TestRecordsAreValidDistinctAndVaried(t *testing.T) {
	const n = 5000
	now := time.Now()
	g := newGen(20261203, n, now)
	opt := domain.ParseOptions{Now: now}
	decisions := map[[2]string]bool{}
	parties := map[string]bool{}
	kinds := map[domain.PartyKind]int{}
	agencies := map[string]bool{}
	for i := range n {
		rec := g.record(i, 1+i)
		p, errs := domain.ParsePenalty(rec, opt)
		if len(errs) > 0 {
			t.Fatalf("record %d is invalid: %v\n%v", i, errs, rec)
		}
		k := [2]string{p.AgencyCode, p.DecisionNo}
		if decisions[k] {
			t.Fatalf("record %d repeats decision %v", i, k)
		}
		decisions[k] = true
		parties[p.Party.CreditCode+p.Party.IDNo] = true
		kinds[p.Party.Kind]++
		agencies[p.AgencyCode] = true
		if d := domain.ChinaDate(now).Sub(p.DecisionDate); d <= 0 || d > 31*24*time.Hour {
			t.Fatalf("record %d: decision date %s is not within the last 30 days", i, p.DecisionDate.Format(time.DateOnly))
		}
	}
	if len(parties) < n/3 {
		t.Errorf("%d records name only %d parties", n, len(parties))
	}
	if len(parties) == n {
		t.Errorf("no party is fined twice in %d records", n)
	}
	for _, k := range []domain.PartyKind{domain.PartyOrganization, domain.PartyIndividualBusiness, domain.PartyNaturalPerson} {
		if kinds[k] == 0 {
			t.Errorf("no record of a %s", k)
		}
	}
	if len(agencies) != len(bureaus) {
		t.Errorf("records of %d bureaus, want %d", len(agencies), len(bureaus))
	}
}

// The bureaus are the demo data's: their codes are valid credit codes of
// 机关 (11) in their own region.
func TestBureausHaveValidCodes(t *testing.T) {
	for _, b := range bureaus {
		if err := domain.ValidateUSCC(b.code); err != nil {
			t.Errorf("%s: %s: %v", b.name, b.code, err)
		}
		if b.code[:2] != "11" || b.code[2:8] != b.region {
			t.Errorf("%s: %s is not a 机关 code of region %s", b.name, b.code, b.region)
		}
	}
}
