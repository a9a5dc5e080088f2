package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// PenaltyValues must give exactly domain.PenaltyRecord's values, in the
// dictionary's order, whatever the record holds.
func TestPenaltyValuesMatchRecord(t *testing.T) {
	ps := testenv.Penalties(t, 50)
	for i := range ps {
		p := &ps[i]
		switch i % 5 {
		case 1:
			v := p.DecisionDate.AddDate(0, 3, 0)
			p.ValidUntil = &v
			p.Categories = []string{"警告", "罚款", "吊销许可证件"}
			p.Confiscated = domain.Money(123456789)
			p.Fine = domain.Money(1)
		case 2:
			p.Party = domain.Party{Name: "李四", Kind: domain.PartyNaturalPerson, IDType: "身份证", IDNo: testenv.PersonID,
				LegalRepIDType: "护照号", LegalRepIDNo: "E12345678"}
			p.Stage, p.Class = "", domain.ClassMinor
		case 3:
			p.DecisionDate = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)
			p.Fine = 0
		}
		rec := domain.PenaltyRecord(*p)
		vals := store.PenaltyValues(p, nil)
		if len(vals) != len(domain.PenaltyFields) || len(rec) != len(domain.PenaltyFields) {
			t.Fatalf("%d values, %d record fields, %d dictionary fields", len(vals), len(rec), len(domain.PenaltyFields))
		}
		for j, f := range domain.PenaltyFields {
			if vals[j] != rec[f.Code] {
				t.Errorf("penalty %d %s: %q, PenaltyRecord %q", i, f.Code, vals[j], rec[f.Code])
			}
		}
	}
	for n := range 20 {
		p, errs := domain.ParsePermit(testenv.PermitRecord(n), domain.ParseOptions{})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		if n%2 == 1 {
			p.Remarks, p.CertName = "备注", ""
			p.Party.LegalRep = "王五"
		}
		rec := domain.PermitRecord(p)
		vals := store.PermitValues(&p, nil)
		for j, f := range domain.PermitFields {
			if vals[j] != rec[f.Code] {
				t.Errorf("permit %d %s: %q, PermitRecord %q", n, f.Code, vals[j], rec[f.Code])
			}
		}
	}
}

func TestDatasetStateVersions(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	today := time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	pub := s.Public(domain.DefaultMasking, func() time.Time { return today })
	state := func(name string) store.DatasetState {
		t.Helper()
		st, err := pub.DatasetState(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	for _, d := range store.Datasets {
		if st := state(d.Name); st.Seq != 0 || !st.Modified.IsZero() || st.Version == "" {
			t.Errorf("empty %s: %+v", d.Name, st)
		}
	}
	if _, err := pub.DatasetState(ctx, "nonsense"); err == nil {
		t.Error("an unknown dataset must be an error")
	}
	empty := state("penalties")
	p := testenv.Penalty(1)
	p.PublicityUntil = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{p}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	one := state("penalties")
	if one.Version == empty.Version || one.Seq != 1 || one.Modified.IsZero() {
		t.Errorf("after an upsert: %+v", one)
	}
	if again := state("penalties"); again != one {
		t.Errorf("nothing changed, the state did: %+v vs %+v", again, one)
	}
	if state("permits").Seq != 0 {
		t.Error("a penalty changed the permits' state")
	}
	// Tomorrow the record's period is over: a new version, same seq.
	tomorrow := s.Public(domain.DefaultMasking, func() time.Time { return today.AddDate(0, 0, 1) })
	st, err := tomorrow.DatasetState(ctx, "penalties")
	if err != nil {
		t.Fatal(err)
	}
	if st.Version == one.Version || st.Seq != one.Seq || st.Day.Format(time.DateOnly) != "2026-11-26" {
		t.Errorf("tomorrow: %+v", st)
	}
	// Other masking rules make other content.
	other := s.Public(domain.MaskingRules{KeepPrefix: 1, KeepSuffix: 1, MinHidden: 4}, func() time.Time { return today })
	if st, _ := other.DatasetState(ctx, "penalties"); st.Version == one.Version {
		t.Error("the masking rules must be part of the version")
	}
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, rs[0].ID, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	if w := state("penalties"); w.Seq != 2 || w.Version == one.Version {
		t.Errorf("after a withdrawal: %+v", w)
	}
	if _, err := s.PublishList(ctx, cli, store.ListInput{Kind: domain.ListPowers, Powers: testenv.PowerItems(2)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if st := state("powers"); st.Seq == 0 || st.Modified.IsZero() {
		t.Errorf("powers after a publish: %+v", st)
	}
}

// TestExportConsistentSnapshot checks that start's state describes the
// rows that follow even when a write commits during the export.
func TestExportConsistentSnapshot(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	pub := s.Public(domain.DefaultMasking, func() time.Time { return time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) })
	var batch []domain.Penalty
	for i := range 50 {
		batch = append(batch, testenv.Penalty(i))
	}
	if _, err := s.UpsertPenalties(ctx, cli, batch, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	var st store.DatasetState
	rows := 0
	err := pub.ExportDataset(ctx, "penalties", func(s0 store.DatasetState) error {
		st = s0
		// A write commits after the export's snapshot was taken.
		_, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(99)}, store.WriteOptions{})
		return err
	}, func(vals []string) error {
		rows++
		if len(vals) != len(domain.PenaltyFields) {
			return fmt.Errorf("%d values", len(vals))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != 50 || st.Seq != 50 {
		t.Errorf("export saw %d rows at seq %d; want the 50 of seq 50", rows, st.Seq)
	}
}
