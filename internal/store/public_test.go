package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/domain/identtest"
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

// TestPublicOutputsMaskEveryFreeTextField writes generated identifiers, in
// many spellings, into every free-text field of a penalty and a permit
// (and the note of a withdrawal), then reads them back through every
// public method of the store: none may survive, once separators are
// removed and full-width forms folded. The full feed, for the credit
// center, still carries them: the test would see a leak.
func TestPublicOutputsMaskEveryFreeTextField(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2026, 12))
	var ids []identtest.Identifier
	fields := map[string]domain.Field{}
	for _, f := range append(domain.PenaltyFields, domain.PermitFields...) {
		fields[f.Code] = f
	}
	// text is generated identifiers within the length limit of the field.
	text := func(code string) string {
		s, more := identtest.TextWithin(rng, 2, fields[code].MaxLength, code == "" || fields[code].Multiline)
		ids = append(ids, more...)
		return s
	}
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	penalty := testenv.PersonPenaltyRecord(1)
	for _, code := range []string{"CF_WSH", "CF_XDR_MC", "CF_XDR_GSZC", "CF_XDR_SWDJ", "CF_XDR_SYDW", "CF_XDR_SHZZ", "CF_FRDB",
		"CF_WFXW", "CF_SY", "CF_YJ", "CF_NR", "CF_NR_ZKDX", "CF_CFJG", "CF_SJLY", "BZ"} {
		penalty[code] = text(code)
	}
	permit := testenv.PermitRecord(1)
	for _, code := range []string{"XK_XKWS", "XK_WSH", "XK_XDR_MC", "XK_XDR_GSZC", "XK_XDR_SWDJ", "XK_XDR_SYDW", "XK_XDR_SHZZ",
		"XK_FRDB", "XK_XKZS", "XK_XKBH", "XK_NR", "XK_XKJG", "XK_LYDW", "BZ"} {
		permit[code] = text(code)
	}
	permit["XK_XKJGDM"], permit["XK_LYDWDM"] = testenv.OtherCode, testenv.OtherCode // a second agency, named by the permit
	p, errs := domain.ParsePenalty(penalty, domain.ParseOptions{Now: today})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	p.CreditCode = testenv.CompanyCode // a credit code lets the profile find it
	withdrawn := testenv.Penalty(2)
	pm, errs := domain.ParsePermit(permit, domain.ParseOptions{Now: today})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	pm.CreditCode = testenv.CompanyCode
	rs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{p, withdrawn}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	prs, err := s.UpsertPermits(ctx, cli, []domain.Permit{pm}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, cli, store.EntityPenalty, rs[1].ID, domain.ReasonCorrected, text("")); err != nil {
		t.Fatal(err)
	}
	pub := s.Public(domain.DefaultMasking, func() time.Time { return today })

	var out strings.Builder
	write := func(what string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s: %s\n", what, b)
	}
	pens, err := pub.PenaltiesByID(ctx, []int64{rs[0].ID, rs[1].ID})
	write("PenaltiesByID", pens, err)
	pms, err := pub.PermitsByID(ctx, []int64{prs[0].ID})
	write("PermitsByID", pms, err)
	if len(pens) != 1 || len(pms) != 1 {
		t.Fatalf("%d penalties and %d permits are public, want 1 and 1", len(pens), len(pms))
	}
	write("EachPenalty", nil, pub.EachPenalty(ctx, func(p domain.PublishedPenalty) error { write("", p, nil); return nil }))
	write("EachPermit", nil, pub.EachPermit(ctx, func(p domain.PublishedPermit) error { write("", p, nil); return nil }))
	penPage, err := pub.Penalties(ctx, store.PenaltyQuery{Limit: 10})
	write("Penalties", penPage, err)
	pmPage, err := pub.Permits(ctx, store.PermitQuery{Limit: 10})
	write("Permits", pmPage, err)
	one, err := pub.Penalty(ctx, rs[0].ID)
	write("Penalty", one, err)
	onePermit, err := pub.Permit(ctx, prs[0].ID)
	write("Permit", onePermit, err)
	sub, err := pub.Subject(ctx, testenv.CompanyCode)
	write("Subject", sub, err)
	ov, err := s.Overview(ctx, today)
	write("Overview", ov, err)
	st, err := pub.Stats(ctx, store.StatsQuery{Calendar: domain.DefaultCalendar()})
	write("Stats", st, err)
	for _, name := range []string{store.DatasetPenalties, store.DatasetPermits} {
		rows, err := pub.SampleRows(ctx, name, 10)
		write("SampleRows "+name, rows, err)
		err = pub.ExportDataset(ctx, name, func(store.DatasetState) error { return nil },
			func(row []string) error { write("", row, nil); return nil })
		write("ExportDataset "+name, nil, err)
	}
	feed := s.CreditFeed(pub)
	var full strings.Builder
	for _, e := range []store.Entity{store.EntityPenalty, store.EntityPermit} {
		err := feed.FeedPage(ctx, e, 0, 100, func(store.FeedPage) error { return nil },
			func(fe *store.FeedEntry) error { write("", fe, nil); return nil })
		write("FeedPage", nil, err)
		err = feed.FullFeedPage(ctx, e, 0, 100, func(store.FeedPage) error { return nil },
			func(fe *store.FeedEntry) error { fmt.Fprintf(&full, "%+v\n", *fe); return nil })
		if err != nil {
			t.Fatal(err)
		}
	}
	// The degraded-mode search finds no record by an identifier's digits,
	// however spelled — nor by a whole field as stored, identifiers and
	// all — and shows masked records for other terms.
	terms := []string{p.DecisionNo, p.Name, p.BusinessRegNo, p.LegalRep, p.ViolationType, p.Facts, p.Basis, p.Content,
		p.LicenceAffected, p.Source, p.Remarks, pm.DocName, pm.DecisionNo, pm.Name, pm.CertName, pm.PermitNo, pm.Content,
		pm.Remarks}
	for _, id := range ids {
		terms = append(terms, id.Digits, id.Digits[len(id.Digits)-11:], identtest.Spell(rng, id))
	}
	for _, term := range terms {
		q := store.RecordQuery{Terms: []string{term}, Limit: 10}
		pp, err := pub.SearchPenalties(ctx, q)
		write("SearchPenalties", pp, err)
		mp, err := pub.SearchPermits(ctx, q)
		write("SearchPermits", mp, err)
		if pp.Total+mp.Total > 0 {
			t.Errorf("searching %q finds %d penalties and %d permits", term, pp.Total, mp.Total)
		}
	}
	for _, term := range []string{"有限公司", "许可"} {
		pp, err := pub.SearchPenalties(ctx, store.RecordQuery{Terms: []string{term}, Limit: 10})
		write("SearchPenalties", pp, err)
		mp, err := pub.SearchPermits(ctx, store.RecordQuery{Terms: []string{term}, Limit: 10})
		write("SearchPermits", mp, err)
	}

	if missing := len(ids) - len(identtest.Survivors(full.String(), ids)); missing > 0 {
		t.Fatalf("the full feed lacks %d of the %d identifiers written: the test would see no leak", missing, len(ids))
	}
	for _, line := range strings.Split(out.String(), "\n") {
		for _, id := range identtest.Survivors(line, ids) {
			what, _, _ := strings.Cut(line, ":")
			t.Errorf("%s %s survives in a public output: %.300s", id.Kind, id.Digits, what)
		}
	}
	t.Logf("%d identifiers in %d fields, %d bytes of public output", len(ids), 30, out.Len())
}

// The public read path's date is China's whatever the clock's location:
// at 17:00 UTC it is already the next day in Beijing, and a penalty whose
// publicity ended the day before is no longer public there.
func TestPublicTodayIsTheChineseDate(t *testing.T) {
	s := testenv.Store(t)
	for _, clock := range []time.Time{time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 4, 1, 0, 0, 0, domain.China), time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)} {
		got := s.Public(domain.DefaultMasking, func() time.Time { return clock }).Today()
		if want := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
			t.Errorf("clock %v: Today %v, want %v", clock, got, want)
		}
	}
}
