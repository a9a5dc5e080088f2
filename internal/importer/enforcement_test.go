package importer

import (
	"context"
	"errors"

	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// recordsFixture is a fixture with a column for every field of the
// dictionary, filled from records keyed by code.
func recordsFixture(fields []domain.Field, recs ...map[string]string) fixture {
	f := fixture{}
	for _, fd := range fields {
		f.header = append(f.header, fd.Code)
	}
	for _, r := range recs {
		row := make([]string, len(fields))
		for i, fd := range fields {
			row[i] = r[fd.Code]
		}
		f.rows = append(f.rows, row)
	}
	return f
}

var (
	impBureau   = testenv.AgencyCode
	impDistrict = testenv.USCC("320506", 7)
)

func bodiesFixture() fixture {
	return recordsFixture(domain.BodyFields,
		domain.BodyRecord(domain.EnforcementBody{Name: "苏州市应急管理局", CreditCode: impBureau, LegalBasis: "《中华人民共和国安全生产法》第十条",
			DistrictCode: "320500", Status: domain.BodyActive}),
		domain.BodyRecord(domain.EnforcementBody{Name: "苏州市吴中区应急管理局", CreditCode: impDistrict, LegalBasis: "《江苏省安全生产条例》",
			DistrictCode: "320506", Status: domain.BodyActive}))
}

func officersFixture() fixture {
	o := func(cert, name, body, status string) map[string]string {
		return domain.OfficerRecord(domain.Officer{CertificateNo: cert, Name: name, IssuingAuthority: "江苏省人民政府", BodyCode: body,
			Status: domain.OfficerStatus(status), ValidUntil: now.AddDate(2, 0, 0)})
	}
	return recordsFixture(domain.OfficerFields, o("苏执3205000001", "王建国", impBureau, "有效"),
		o("苏执3205060002", "李敏", impDistrict, "有效"), o("苏执3205060003", "陈静", impDistrict, "暂停"))
}

// runEnf runs an import of an enforcement kind.
func runEnf(opt Options, s *store.Store) (Report, error) { return Run(context.Background(), opt, s) }

func importFile(t *testing.T, s *store.Store, kind Kind, path string) Report {
	t.Helper()
	rep, err := runEnf(options(kind, path), s)
	mustNil(t, err)
	return rep
}

// Every enforcement kind imports from codes or labels, in every format,
// and importing the same file again changes nothing.
func TestEnforcementImportsAreIdempotent(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	ctx := context.Background()
	rep := importFile(t, s, EnforcementBodies, bodiesFixture().labels(domain.BodyFields).csv(t, filepath.Join(dir, "bodies.csv"), csvStyle{bom: true}))
	if rep.Created != 2 {
		t.Fatalf("bodies: %+v", rep)
	}
	officers := officersFixture()
	paths := []string{
		officers.csv(t, filepath.Join(dir, "officers.csv"), csvStyle{gb18030: true}),
		officers.labels(domain.OfficerFields).xlsx(t, filepath.Join(dir, "officers.xlsx"), domain.OfficerFields, 2),
		officers.json(t, filepath.Join(dir, "officers.json")),
	}
	for i, p := range paths {
		rep := importFile(t, s, Officers, p)
		if i == 0 && rep.Created != 3 || i > 0 && rep.Unchanged != 3 {
			t.Errorf("%s: %+v", filepath.Base(p), rep)
		}
	}
	items := recordsFixture(domain.InspectionItemFields,
		domain.InspectionItemRecord(domain.InspectionItem{Code: "SJ-001", Name: "工贸企业安全生产情况检查", Category: "一般检查事项",
			Scope: "工贸企业", Method: "现场检查", Body: "苏州市应急管理局", Basis: "安全生产法第六十五条", Frequency: "每年不低于5%"}))
	itemsPath := items.labels(domain.InspectionItemFields).csv(t, filepath.Join(dir, "items.csv"), csvStyle{})
	opt := options(InspectionItems, itemsPath)
	opt.Note = "首次公布"
	if rep, err := runEnf(opt, s); err != nil || !rep.VersionCreated || rep.Version != 1 || rep.Created != 1 {
		t.Errorf("items: %+v", rep)
	}
	if rep, err := runEnf(opt, s); err != nil || rep.VersionCreated || rep.Version != 1 || rep.Unchanged != 1 {
		t.Errorf("items again: %+v", rep)
	}
	task := domain.TaskRecord(domain.InspectionTask{Code: "苏应急双随机〔2025〕2号", Name: "二季度双随机抽查", BodyCode: impBureau,
		PlanYear: 2025, ItemCodes: []string{"SJ-001"}, StartDate: mustDay("2025-04-01"), EndDate: mustDay("2025-06-30"),
		Candidates: 500, Drawn: 20, Seed: "苏应急双随机〔2025〕2号", DrawnOn: mustDay("2025-03-28")})
	taskPath := recordsFixture(domain.InspectionTaskFields, task).xlsx(t, filepath.Join(dir, "tasks.xlsx"), domain.InspectionTaskFields, 2)
	results := recordsFixture(domain.InspectionResultFields,
		domain.InspectionResultRecord(domain.InspectionResult{RecordNo: "苏应急检〔2025〕1号", BodyCode: impBureau, TaskCode: "苏应急双随机〔2025〕2号",
			Kind: domain.KindRandom, Party: domain.Party{Name: "苏州某某机械有限公司", Kind: domain.PartyOrganization,
				CreditCode: testenv.USCC("320505", 11)}, Category: "机械", InspectionDate: mustDay("2025-05-06"),
			Outcome: domain.OutcomeRectified, Hazards: 2}),
		domain.InspectionResultRecord(domain.InspectionResult{RecordNo: "吴应急检〔2025〕9号", BodyCode: impDistrict, Kind: domain.KindComplaint,
			Party:    domain.Party{Name: "张三", Kind: domain.PartyNaturalPerson, IDType: "身份证", IDNo: testenv.PersonID},
			Category: "烟花爆竹", InspectionDate: mustDay("2025-06-02"), Outcome: domain.OutcomeClean}))
	plans := recordsFixture(domain.PlanFields, append(
		domain.PlanRecords(domain.EnforcementPlan{Year: 2025, BodyCode: impBureau, Name: "2025年度执法计划", ApprovedOn: mustDay("2025-01-15"),
			Targets: []domain.PlanTarget{{Category: "危险化学品", Enterprises: 120}, {Category: "机械", Enterprises: 300}}}),
		domain.PlanRecords(domain.EnforcementPlan{Year: 2025, BodyCode: impDistrict, Name: "吴中区2025年度执法计划", ApprovedOn: mustDay("2025-01-20"),
			Targets: []domain.PlanTarget{{Category: "纺织", Enterprises: 80}}})...)...)
	referrals := recordsFixture(domain.ReferralFields,
		domain.ReferralRecord(domain.CriminalReferral{Year: 2025, Quarter: 1, BodyCode: impBureau, Stage: domain.StageAccident, Cases: 4, Persons: 6}),
		domain.ReferralRecord(domain.CriminalReferral{Year: 2025, Quarter: 2, BodyCode: impDistrict, Stage: domain.StagePreAccident, Cases: 1, Persons: 1}))
	for _, c := range []struct {
		kind    Kind
		path    string
		records int
	}{
		{InspectionTasks, taskPath, 1},
		{InspectionResults, results.json(t, filepath.Join(dir, "results.json")), 2},
		{EnforcementPlans, plans.labels(domain.PlanFields).csv(t, filepath.Join(dir, "plans.csv"), csvStyle{tab: true}), 2},
		{CriminalReferrals, referrals.labels(domain.ReferralFields).xlsx(t, filepath.Join(dir, "referrals.xlsx"), domain.ReferralFields, 2), 2},
	} {
		first := importFile(t, s, c.kind, c.path)
		again := importFile(t, s, c.kind, c.path)
		if first.Created != c.records || again.Unchanged != c.records || again.Created+again.Updated != 0 {
			t.Errorf("%s: first %+v, again %+v", c.kind, first, again)
		}
	}
	pub := s.Public(domain.DefaultMasking, func() time.Time { return now })
	ps, err := pub.EnforcementPlans(ctx, store.PlanQuery{Year: 2025, BodyCode: impBureau})
	mustNil(t, err)
	if len(ps) != 1 || len(ps[0].Targets) != 2 || ps[0].Targets[1] != (domain.PlanTarget{Category: "机械", Enterprises: 300}) {
		t.Errorf("the plan's rows were not joined: %+v", ps)
	}
	page, err := pub.InspectionResults(ctx, store.InspectionResultQuery{})
	mustNil(t, err)
	if page.Total != 2 || page.Items[0].Party.IDNo != "110105**********2X" {
		t.Errorf("results: %+v", page)
	}
}

func mustDay(s string) time.Time {
	d, err := time.Parse(domain.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A file naming an unregistered body writes nothing and names the row;
// with --skip-invalid the other rows are written and the row is rejected.
func TestEnforcementImportReferencesAndRejects(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	importFile(t, s, EnforcementBodies, bodiesFixture().csv(t, filepath.Join(dir, "bodies.csv"), csvStyle{}))
	bad := officersFixture().with(2, "body_code", testenv.OtherCode).with(1, "status", "在岗")
	path := bad.csv(t, filepath.Join(dir, "officers.csv"), csvStyle{})
	rep, err := runEnf(options(Officers, path), s)
	if !errors.Is(err, ErrInvalid) || rep.Rejected != 1 || len(rep.Problems) != 1 || rep.Problems[0].Row != 3 || rep.Written {
		t.Fatalf("parse problems first: %v %+v", err, rep)
	}
	bad = officersFixture().with(2, "body_code", testenv.OtherCode)
	path = bad.csv(t, filepath.Join(dir, "officers.csv"), csvStyle{})
	rep, err = runEnf(options(Officers, path), s)
	if !errors.Is(err, ErrInvalid) || rep.Rejected != 1 || rep.Problems[0].Row != 4 || rep.Problems[0].Column != "body_code" ||
		!strings.Contains(rep.Problems[0].Message, "no enforcement body") {
		t.Fatalf("unregistered body: %v %+v", err, rep)
	}
	if n := countRows(t, s, "enforcement_officers"); n != 0 {
		t.Fatalf("%d officers written", n)
	}
	opt := options(Officers, path)
	opt.SkipInvalid, opt.RejectsPath = true, filepath.Join(dir, "rejects.csv")
	rep, err = runEnf(opt, s)
	if err != nil || rep.Created != 2 || rep.Rejected != 1 {
		t.Fatalf("skip invalid: %v %+v", err, rep)
	}
	b, err := os.ReadFile(opt.RejectsPath)
	mustNil(t, err)
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "陈静") ||
		!strings.Contains(lines[1], "no enforcement body") {
		t.Errorf("rejects file:\n%s", b)
	}

	// Officers' personal data has no column.
	withID := officersFixture()
	withID.header = append(slices.Clone(withID.header), "身份证号")
	for i := range withID.rows {
		withID.rows[i] = append(slices.Clone(withID.rows[i]), testenv.PersonID)
	}
	_, err = runEnf(options(Officers, withID.csv(t, filepath.Join(dir, "with-id.csv"), csvStyle{})), s)
	if !errors.Is(err, ErrColumns) {
		t.Errorf("an ID-number column: %v", err)
	}
}

func TestEnforcementImportPlansAndLists(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	importFile(t, s, EnforcementBodies, bodiesFixture().csv(t, filepath.Join(dir, "bodies.csv"), csvStyle{}))
	plan := domain.EnforcementPlan{Year: 2025, BodyCode: impBureau, Name: "2025年度执法计划", ApprovedOn: mustDay("2025-01-15"),
		Targets: []domain.PlanTarget{{Category: "危险化学品", Enterprises: 120}, {Category: "机械", Enterprises: 300}, {Category: "纺织", Enterprises: 50}}}
	rows := recordsFixture(domain.PlanFields, domain.PlanRecords(plan)...)
	for name, c := range map[string]struct {
		f   fixture
		row int
		col string
	}{
		"a row of the plan named otherwise": {rows.with(1, "name", "另一个计划"), 3, "name"},
		"a category twice":                  {rows.with(2, "category", "机械"), 4, "category"},
		"one bad row rejects the plan":      {rows.with(2, "enterprises", "-5"), 4, "enterprises"},
	} {
		rep, err := runEnf(options(EnforcementPlans, c.f.csv(t, filepath.Join(dir, "plan.csv"), csvStyle{})), s)
		if !errors.Is(err, ErrInvalid) || len(rep.Problems) != 1 || rep.Problems[0].Row != c.row || rep.Problems[0].Column != c.col {
			t.Errorf("%s: %v %+v", name, err, rep)
		}
	}
	if n := countRows(t, s, "enforcement_plans"); n != 0 {
		t.Fatalf("%d plans written", n)
	}

	item := domain.InspectionItemRecord(domain.InspectionItem{Code: "SJ-001", Name: "工贸企业检查", Category: "一般检查事项",
		Scope: "工贸企业", Method: "现场检查", Body: "苏州市应急管理局", Basis: "安全生产法", Frequency: "每年不低于5%"})
	dup := recordsFixture(domain.InspectionItemFields, item, item)
	path := dup.csv(t, filepath.Join(dir, "items.csv"), csvStyle{})
	rep, err := runEnf(options(InspectionItems, path), s)
	if !errors.Is(err, ErrInvalid) || rep.Written || len(rep.Problems) != 2 {
		t.Errorf("duplicate items: %v %+v", err, rep)
	}
	opt := options(InspectionItems, path)
	opt.SkipInvalid, opt.RejectsPath = true, filepath.Join(dir, "rejects.csv")
	if _, err := runEnf(opt, s); !errors.Is(err, ErrUsage) {
		t.Errorf("--skip-invalid for the list: %v", err)
	}
	empty := recordsFixture(domain.InspectionItemFields)
	rep, err = runEnf(options(InspectionItems, empty.csv(t, filepath.Join(dir, "empty.csv"), csvStyle{})), s)
	if !errors.Is(err, ErrInvalid) || rep.Written {
		t.Errorf("an empty list: %v %+v", err, rep)
	}
	for _, k := range EnforcementKinds {
		if got, err := ParseKind(" " + strings.ToUpper(string(k)) + " "); err != nil || got != k {
			t.Errorf("ParseKind(%s): %v %v", k, got, err)
		}
	}
}

// A stricter certificate pattern reaches the officers' import.
func TestOfficersImportUsesTheCertificateRules(t *testing.T) {
	s := testenv.Store(t)
	dir := t.TempDir()
	importFile(t, s, EnforcementBodies, bodiesFixture().csv(t, filepath.Join(dir, "bodies.csv"), csvStyle{}))
	path := officersFixture().with(0, "certificate_no", "苏执320500000").csv(t, filepath.Join(dir, "officers.csv"), csvStyle{})
	if _, err := runEnf(options(Officers, path), s); err != nil {
		t.Fatalf("default rules: %v", err)
	}
	rules, err := domain.LoadEnforcementRules(strings.NewReader(`{"certificate_pattern": "^苏执[0-9]{10}$"}`))
	mustNil(t, err)
	opt := options(Officers, path)
	opt.EnforcementRules = rules
	rep, err := runEnf(opt, s)
	if !errors.Is(err, ErrInvalid) || len(rep.Problems) != 1 || rep.Problems[0].Column != "certificate_no" {
		t.Errorf("strict rules: %v %+v", err, rep)
	}
}
