package demo

import (
	"context"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/store/bulkload"
	"github.com/gongshi/gongshi/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testNow is the fixed "today" of the tests: 2026-11-25 10:00 in Suzhou.
var testNow = time.Date(2026, 11, 25, 10, 0, 0, 0, china)

func TestCapitalYuan(t *testing.T) {
	for yuan, want := range map[int64]string{
		1_000: "壹仟元整", 35_000: "叁万伍仟元整", 100_500: "壹拾万零伍佰元整", 50_000: "伍万元整",
		1_005: "壹仟零伍元整", 2_000_000: "贰佰万元整", 120_050: "壹拾贰万零伍拾元整", 10_010: "壹万零壹拾元整",
	} {
		if got := capitalYuan(yuan); got != want {
			t.Errorf("capitalYuan(%d) = %s, want %s", yuan, got, want)
		}
	}
}

func TestAgencies(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range agencies {
		if err := domain.ValidateUSCC(a.code); err != nil {
			t.Errorf("%s: %s: %v", a.name, a.code, err)
		}
		if !strings.HasPrefix(a.code, "11"+a.region) || seen[a.code] {
			t.Errorf("%s: code %s", a.name, a.code)
		}
		seen[a.code] = true
	}
	if len(agencies) != 11 {
		t.Errorf("%d agencies", len(agencies))
	}
}

// Every generated penalty passes the importer's validation and survives
// the round trip through the standard record unchanged; the distributions
// follow the bureau's report (reference §7).
func TestPenaltiesAreValidAndRealistic(t *testing.T) {
	const n = 20_000
	g := newPenaltyGen(DefaultSeed, n, testNow, false)
	opt := domain.ParseOptions{Now: testNow}
	names := map[string]string{} // credit code → name
	numbers := map[string]bool{}
	var last time.Time
	for i := 0; ; i++ {
		b, ok := g.next()
		if !ok {
			break
		}
		p := b.Penalty
		got, errs := domain.ParsePenalty(domain.PenaltyRecord(p), opt)
		if len(errs) > 0 {
			t.Fatalf("record %d (%s) is invalid: %v\n%+v", i, p.DecisionNo, errs, p)
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("record %d does not round-trip:\n got %+v\nwant %+v", i, got, p)
		}
		for _, s := range []string{p.Facts, p.Content, p.ViolationType, p.Basis} {
			if strings.ContainsAny(s, "{}") {
				t.Fatalf("record %d has an unfilled placeholder: %s", i, s)
			}
		}
		if p.DecisionDate.Before(last) {
			t.Fatalf("record %d is dated %s, before its predecessor", i, p.DecisionDate)
		}
		last = p.DecisionDate
		key := p.AgencyCode + p.DecisionNo
		if numbers[key] {
			t.Fatalf("decision number %s repeats", p.DecisionNo)
		}
		numbers[key] = true
		if p.CreditCode != "" && p.CreditCode != domain.USCCPlaceholder {
			if prev, ok := names[p.CreditCode]; ok && prev != p.Name {
				t.Fatalf("credit code %s names both %s and %s", p.CreditCode, prev, p.Name)
			}
			names[p.CreditCode] = p.Name
		}
		if p.Remarks != Remark {
			t.Fatalf("remark %q", p.Remarks)
		}
		if p.DecisionDate.Before(firstDay) || p.DecisionDate.After(domain.ChinaDate(testNow)) {
			t.Fatalf("decision date %s out of range", p.DecisionDate)
		}
		if b.PublishedAt.After(testNow) || domain.ChinaDate(b.PublishedAt).Before(p.DecisionDate) {
			t.Fatalf("published at %v for a decision of %s", b.PublishedAt, p.DecisionDate)
		}
		if w := b.Withdrawn; w != nil && (w.At.After(testNow) || w.At.Before(b.PublishedAt)) {
			t.Fatalf("withdrawn at %v, published at %v", w.At, b.PublishedAt)
		}
	}
	s := g.stats
	share := float64(s.PreAccident) / float64(s.Total)
	large := float64(s.LargeFines) / float64(s.PreAccident)
	t.Logf("%d penalties: 事前 %.2f%%, average 事前 fine %.0f yuan, ≥50,000: %.1f%%, 自然人 %d, 个体 %d, late %d, withdrawn %v",
		s.Total, 100*share, s.AverageFine(), 100*large, s.NaturalPersons, s.Individual, s.LateDisclosures, s.Withdrawn)
	if s.Total != n || share < 0.95 || share > 0.99 {
		t.Errorf("pre-accident share %.3f, want 0.95–0.99", share)
	}
	if avg := s.AverageFine(); avg < 30_000 || avg > 45_000 {
		t.Errorf("average pre-accident fine %.0f, want 30,000–45,000", avg)
	}
	if large < 0.15 || large > 0.25 {
		t.Errorf("share of pre-accident fines ≥ 50,000: %.3f, want about 0.20", large)
	}
	if s.NaturalPersons == 0 || s.Individual == 0 {
		t.Error("no natural persons or 个体工商户")
	}
	for _, r := range domain.WithdrawReasons {
		if s.Withdrawn[r] == 0 {
			t.Errorf("no record withdrawn as %s", r)
		}
	}
	if late := float64(s.LateDisclosures) / float64(s.Total); late > 0.15 {
		t.Errorf("%.1f%% published after 7 working days", 100*late)
	}
}

func TestPermitsAreValid(t *testing.T) {
	const n = 10_000
	g := newPermitGen(DefaultSeed, n, testNow, false)
	opt := domain.ParseOptions{Now: testNow}
	today := domain.ChinaDate(testNow)
	numbers := map[string]bool{}
	for i := 0; ; i++ {
		b, ok := g.next()
		if !ok {
			break
		}
		p := b.Permit
		got, errs := domain.ParsePermit(domain.PermitRecord(p), opt)
		if len(errs) > 0 {
			t.Fatalf("permit %d (%s) is invalid: %v\n%+v", i, p.DecisionNo, errs, p)
		}
		if !reflect.DeepEqual(got, p) {
			t.Fatalf("permit %d does not round-trip:\n got %+v\nwant %+v", i, got, p)
		}
		if p.ValidTo.Before(today) && p.State != domain.PermitInvalid {
			t.Fatalf("permit %s expired on %s but is %s", p.PermitNo, p.ValidTo.Format(domain.DateLayout), p.State)
		}
		if p.ValidFrom.AddDate(3, 0, 0).Before(p.ValidTo) {
			t.Fatalf("permit %s valid for more than 3 years", p.PermitNo)
		}
		for _, no := range []string{"doc" + p.AgencyCode + p.DecisionNo, "no" + p.PermitNo} {
			if numbers[no] {
				t.Fatalf("number %s repeats", no)
			}
			numbers[no] = true
		}
	}
	t.Logf("%d permits, %d valid, %v", g.stats.Total, g.stats.Valid, g.stats.ByKind)
	if g.stats.Valid == 0 || g.stats.Valid == g.stats.Total {
		t.Errorf("%d of %d permits valid", g.stats.Valid, g.stats.Total)
	}
	if len(g.stats.ByKind) < 6 {
		t.Errorf("only %d kinds of permits", len(g.stats.ByKind))
	}
}

func TestGenerationIsDeterministic(t *testing.T) {
	first := func(seed uint64, n int) []bulkload.Penalty {
		g := newPenaltyGen(seed, n, testNow, false)
		var out []bulkload.Penalty
		for range 200 {
			b, _ := g.next()
			out = append(out, b)
		}
		return out
	}
	a, b := first(7, 5_000), first(7, 5_000)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different penalties")
	}
	if c := first(8, 5_000); reflect.DeepEqual(a[:10], c[:10]) {
		t.Fatal("different seeds, same penalties")
	}
	p1, p2 := newPermitGen(7, 100, testNow, false), newPermitGen(7, 100, testNow, false)
	for range 100 {
		x, _ := p1.next()
		y, _ := p2.next()
		if !reflect.DeepEqual(x, y) {
			t.Fatal("same seed, different permits")
		}
	}
	if !reflect.DeepEqual(powerItems(7, 2), powerItems(7, 2)) {
		t.Fatal("same seed, different power lists")
	}
}

func TestLists(t *testing.T) {
	for v := 1; v <= 2; v++ {
		items := powerItems(DefaultSeed, v)
		if len(items) < 300 {
			t.Errorf("power list v%d has %d items", v, len(items))
		}
		if errs := domain.ValidatePowerItems(items); len(errs) > 0 {
			t.Errorf("power list v%d: %v", v, errs)
		}
		byCat := map[string]int{}
		for _, it := range items {
			byCat[it.Category]++
			if it.Guide.Basis == "" || len(it.Guide.Materials) == 0 || it.Guide.StatutoryLimit == "" || len(it.Duties) < 4 {
				t.Errorf("%s: incomplete guide or duties", it.Code)
			}
		}
		for _, c := range domain.PowerCategories {
			if byCat[c] == 0 {
				t.Errorf("v%d has no %s item", v, c)
			}
		}
		if byCat["行政处罚"] < byCat["行政检查"] || byCat["行政检查"] < byCat["行政许可"] {
			t.Errorf("v%d categories: %v", v, byCat)
		}
		t.Logf("power list v%d: %d items %v", v, len(items), byCat)
		if errs := domain.ValidateResponsibilityItems(responsibilityItems(v)); len(errs) > 0 {
			t.Errorf("responsibilities v%d: %v", v, errs)
		}
		if errs := domain.ValidateServiceItems(serviceItems(DefaultSeed, v)); len(errs) > 0 {
			t.Errorf("services v%d: %v", v, errs)
		}
	}
	parts := map[string]bool{}
	for _, it := range responsibilityItems(2) {
		parts[it.Part] = true
	}
	if len(parts) != len(domain.ResponsibilityParts) {
		t.Errorf("responsibility list covers %d parts", len(parts))
	}
}

func count(t *testing.T, s *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Pool().QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLoad(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	empty, err := IsEmpty(ctx, s)
	if err != nil || !empty {
		t.Fatalf("IsEmpty on a fresh database = %v, %v", empty, err)
	}
	opt := Options{Penalties: 2_000, Permits: 1_000, Now: testNow}
	sum, loaded, err := LoadIfEmpty(ctx, s, opt)
	if err != nil || !loaded {
		t.Fatalf("LoadIfEmpty into an empty database = %v, %v", loaded, err)
	}
	t.Log("\n" + sum.String())

	if n := count(t, s, `SELECT count(*) FROM penalties WHERE demo AND remarks = $1`, Remark); n != 2_000 {
		t.Errorf("%d demo penalties", n)
	}
	if n := count(t, s, `SELECT count(*) FROM permits WHERE demo AND remarks = $1`, Remark); n != 1_000 {
		t.Errorf("%d demo permits", n)
	}
	if n := count(t, s, `SELECT count(*) FROM agencies`); n != len(agencies) {
		t.Errorf("%d agencies", n)
	}
	if n := count(t, s, `SELECT count(*) FROM agencies WHERE district_code IS NULL`); n != 0 {
		t.Errorf("%d agencies without a district", n)
	}
	for _, k := range domain.ListKinds {
		if n := count(t, s, `SELECT count(*) FROM list_versions WHERE kind = $1 AND demo`, string(k)); n < 2 {
			t.Errorf("%s: %d versions", k, n)
		}
		if n := count(t, s, `SELECT count(*) FROM list_changes c JOIN list_versions v ON v.id = c.version_id
			WHERE v.kind = $1 AND v.number = 2`, string(k)); n == 0 {
			t.Errorf("%s: empty change log in version 2", k)
		}
	}
	current := `(SELECT id FROM list_versions WHERE kind = 'powers' ORDER BY number DESC LIMIT 1)`
	if n := count(t, s, `SELECT count(*) FROM power_items WHERE version_id = `+current); n < 300 {
		t.Errorf("%d power items", n)
	}
	if n := count(t, s, `SELECT count(*) FROM power_items i WHERE version_id = `+current+`
		AND NOT EXISTS (SELECT FROM flow_nodes f WHERE f.owner_kind = 'powers' AND f.owner_id = i.id AND f.kind = 'start')`); n != 0 {
		t.Errorf("%d power items without a flowchart", n)
	}
	for _, c := range []string{"added", "changed", "removed"} {
		if n := count(t, s, `SELECT count(*) FROM list_changes c JOIN list_versions v ON v.id = c.version_id
			WHERE v.kind = 'powers' AND v.number = 2 AND c.change = $1`, c); n == 0 {
			t.Errorf("power list v2: no %s item", c)
		}
	}
	// One change-log entry per record and per list version.
	if n := count(t, s, `SELECT count(*) FROM changes`); n != 2_000+1_000+6 {
		t.Errorf("%d change-log entries", n)
	}
	// The stored penalties follow the bureau's figures.
	var share, avg float64
	err = s.Pool().QueryRow(ctx, `SELECT avg((stage = '事前')::int), avg(fine_yuan) FILTER (WHERE stage = '事前') FROM penalties`).Scan(&share, &avg)
	if err != nil {
		t.Fatal(err)
	}
	if share < 0.95 || share > 0.99 || avg < 30_000 || avg > 45_000 {
		t.Errorf("stored: 事前 share %.3f, average fine %.0f", share, avg)
	}

	// demo --if-empty: a second run finds data and loads nothing.
	before := count(t, s, `SELECT count(*) FROM changes`)
	if _, loaded, err := LoadIfEmpty(ctx, s, opt); err != nil || loaded {
		t.Fatalf("second LoadIfEmpty = %v, %v; want nothing loaded", loaded, err)
	}
	if after := count(t, s, `SELECT count(*) FROM changes`); after != before {
		t.Errorf("second LoadIfEmpty wrote %d change-log entries", after-before)
	}
	// Reloading leaves the published lists alone; the records would collide.
	again, err := Load(ctx, s, Options{Penalties: -1, Permits: -1, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Lists) != 0 || len(again.ListsKept) != len(domain.ListKinds) {
		t.Errorf("reloading published %v, kept %v", again.Lists, again.ListsKept)
	}
	if _, err := Load(ctx, s, opt); err == nil {
		t.Error("loading the same records twice succeeded")
	}
	if n := count(t, s, `SELECT count(*) FROM penalties`); n != 2_000 {
		t.Errorf("%d penalties after a failed reload", n)
	}
}

// An all-public load (portal demo --all-public) keeps every record public
// as of its today: nothing withdrawn, every decision inside its publicity
// period and of the last 60 days, still in date order with the same
// distributions.
func TestLoadAllPublic(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	if _, err := Load(ctx, s, Options{Penalties: 3_000, Permits: 1_000, Now: testNow, AllPublic: true}); err != nil {
		t.Fatal(err)
	}
	today := domain.ChinaDate(testNow)
	if n := count(t, s, `SELECT count(*) FROM penalties WHERE status = 'published' AND publicity_until >= $1
		AND decision_date >= $2 AND decision_date <= $1`, today, today.AddDate(0, 0, -recentDays)); n != 3_000 {
		t.Errorf("%d of 3000 penalties public and recent", n)
	}
	if n := count(t, s, `SELECT count(*) FROM permits WHERE status = 'published'`); n != 1_000 {
		t.Errorf("%d of 1000 permits published", n)
	}
	if n := count(t, s, `SELECT count(*) FROM changes WHERE op <> 'upsert'`); n != 0 {
		t.Errorf("%d withdrawal entries in the change log", n)
	}
	var share float64
	if err := s.Pool().QueryRow(ctx, `SELECT avg((stage = '事前')::int) FROM penalties`).Scan(&share); err != nil {
		t.Fatal(err)
	}
	if share < 0.95 || share > 0.99 {
		t.Errorf("事前 share %.3f", share)
	}
	// The default data set, by contrast, spans the years since 2017 and
	// has withdrawn records: the option is what makes the difference.
	g := newPenaltyGen(DefaultSeed, 3_000, testNow, false)
	var withdrawn int
	first := today
	for b, ok := g.next(); ok; b, ok = g.next() {
		if b.Withdrawn != nil {
			withdrawn++
		}
		if b.DecisionDate.Before(first) {
			first = b.DecisionDate
		}
	}
	if withdrawn == 0 || first.Year() != 2017 {
		t.Errorf("default data set: %d withdrawn, first decision %s", withdrawn, first)
	}
}

// Re-ingesting a loaded demo record through the ordinary upsert changes
// nothing: the bulk path wrote exactly what the upsert would.
func TestLoadedRecordsReingestUnchanged(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	if _, err := Load(ctx, s, Options{Penalties: 500, Permits: 200, Now: testNow}); err != nil {
		t.Fatal(err)
	}
	g := newPenaltyGen(DefaultSeed, 500, testNow, false)
	var ps []domain.Penalty
	for {
		b, ok := g.next()
		if !ok {
			break
		}
		ps = append(ps, b.Penalty)
	}
	res, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, ps[:100], store.WriteOptions{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Outcome != store.Unchanged {
			t.Fatalf("record %d: %s", i, r.Outcome)
		}
	}
}

// TestLoadRate loads GONGSHI_DEMO_PENALTIES penalties (skipped when unset)
// and reports the rate, e.g. GONGSHI_DEMO_PENALTIES=200000.
func TestLoadRate(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("GONGSHI_DEMO_PENALTIES"))
	if n <= 0 {
		t.Skip("set GONGSHI_DEMO_PENALTIES to measure a large load")
	}
	s := testenv.Store(t)
	sum, err := Load(context.Background(), s, Options{Penalties: n, Permits: -1, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", sum)
	t.Logf("%d penalties: %.0f rows/s", n, float64(n)/sum.PenaltyTime.Seconds())
}

// BenchmarkPenaltyGenerator measures the generator alone: it must stay far
// faster than the database takes rows.
func BenchmarkPenaltyGenerator(b *testing.B) {
	g := newPenaltyGen(DefaultSeed, 1_000_000, testNow, false)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := g.next(); !ok {
			g = newPenaltyGen(DefaultSeed, 1_000_000, testNow, false)
		}
	}
}

func BenchmarkPermitGenerator(b *testing.B) {
	g := newPermitGen(DefaultSeed, 1_000_000, testNow, false)
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := g.next(); !ok {
			g = newPermitGen(DefaultSeed, 1_000_000, testNow, false)
		}
	}
}

func TestCategoriesAreOrdered(t *testing.T) {
	g := newPenaltyGen(DefaultSeed, 3_000, testNow, false)
	for {
		b, ok := g.next()
		if !ok {
			return
		}
		idx := make([]int, len(b.Categories))
		for i, c := range b.Categories {
			idx[i] = slices.Index(domain.PenaltyCategories, c)
		}
		if !slices.IsSorted(idx) {
			t.Fatalf("categories %v", b.Categories)
		}
	}
}
