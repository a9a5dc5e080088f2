package domain

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var enforcementNow = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

var enfOpt = EnforcementOptions{Now: enforcementNow}

func day(s string) time.Time {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		panic(err)
	}
	return t
}

func sampleBody() EnforcementBody {
	return EnforcementBody{Name: "苏州市应急管理综合行政执法支队", CreditCode: "11230500001755309F",
		LegalBasis: "《中华人民共和国安全生产法》第十条", DistrictCode: "320500", Entrusted: true,
		EntrustingBody: "苏州市应急管理局", EntrustingCode: "91350100M000100Y43", Status: BodyActive, Remarks: "示例"}
}

func sampleOfficer() Officer {
	return Officer{CertificateNo: "苏执3205012345", Name: "王建国", IssuingAuthority: "江苏省人民政府",
		BodyCode: "11230500001755309F", Body: "苏州市应急管理局", Status: OfficerValid, ValidUntil: day("2029-06-30")}
}

func sampleTask() InspectionTask {
	return InspectionTask{Code: "苏应急双随机〔2026〕3号", Name: "2026年第三季度工贸企业双随机抽查", BodyCode: "11230500001755309F",
		Body: "苏州市应急管理局", PlanYear: 2026, ItemCodes: []string{"SJ-001", "SJ-005"}, StartDate: day("2026-07-01"),
		EndDate: day("2026-09-30"), Candidates: 1200, Drawn: 12, InspectorPool: 85, Inspectors: 4,
		Seed: "2026年第三季度 苏州市应急管理局 双随机抽查", Algorithm: DrawFisherYatesSHA256, DrawnOn: day("2026-06-28"), Remarks: "示例"}
}

func sampleResult() InspectionResult {
	return InspectionResult{RecordNo: "苏应急检〔2026〕101号", BodyCode: "11230500001755309F", Body: "苏州市应急管理局",
		TaskCode: "苏应急双随机〔2026〕3号", Kind: KindRandom,
		Party:    Party{Name: "苏州华盛精密机械有限公司", Kind: PartyOrganization, CreditCode: "91330282L07196379D", LegalRep: "张三"},
		Category: "机械", InspectionDate: day("2026-07-15"), Outcome: OutcomeCase, Hazards: 3,
		PenaltyDecisionNo: "苏应急罚〔2026〕12号", PenaltyAgencyCode: "11230500001755309F", Summary: "发现3项隐患，已立案"}
}

func samplePlan() EnforcementPlan {
	return EnforcementPlan{Year: 2026, BodyCode: "11230500001755309F", Body: "苏州市应急管理局", Name: "苏州市应急管理局2026年度执法计划",
		ApprovedOn: day("2026-01-20"), Targets: []PlanTarget{{"危险化学品", 300}}, Remarks: ""}
}

func sampleReferral() CriminalReferral {
	return CriminalReferral{Year: 2026, Quarter: 3, BodyCode: "11230500001755309F", Body: "苏州市应急管理局",
		Stage: StageAccident, Cases: 17, Persons: 22}
}

func TestEnforcementRecordsRoundTrip(t *testing.T) {
	b, errs := ParseEnforcementBody(BodyRecord(sampleBody()), enfOpt)
	if len(errs) > 0 || !reflect.DeepEqual(b, sampleBody()) {
		t.Errorf("body: %v\n got %+v", errs, b)
	}
	o, errs := ParseOfficer(OfficerRecord(sampleOfficer()), enfOpt)
	if len(errs) > 0 || !reflect.DeepEqual(o, sampleOfficer()) {
		t.Errorf("officer: %v\n got %+v", errs, o)
	}
	task, errs := ParseInspectionTask(TaskRecord(sampleTask()), enfOpt)
	if len(errs) > 0 || !reflect.DeepEqual(task, sampleTask()) {
		t.Errorf("task: %v\n got %+v", errs, task)
	}
	r, errs := ParseInspectionResult(InspectionResultRecord(sampleResult()), enfOpt)
	if len(errs) > 0 || !reflect.DeepEqual(r, sampleResult()) {
		t.Errorf("result: %v\n got %+v", errs, r)
	}
	rows := PlanRecords(samplePlan())
	p, errs := ParsePlanRow(rows[0], enfOpt)
	if len(errs) > 0 || !reflect.DeepEqual(p, samplePlan()) {
		t.Errorf("plan: %v\n got %+v", errs, p)
	}
	c, errs := ParseReferral(ReferralRecord(sampleReferral()), enfOpt)
	if len(errs) > 0 || !reflect.DeepEqual(c, sampleReferral()) {
		t.Errorf("referral: %v\n got %+v", errs, c)
	}
	it := InspectionItem{Code: "SJ-001", Name: "工贸企业安全生产情况检查", Category: "一般检查事项", Scope: "冶金等工贸企业",
		Method: "现场检查", Body: "苏州市应急管理局", Basis: "《中华人民共和国安全生产法》第六十五条", Frequency: "每年不低于5%"}
	got, errs := ParseInspectionItem(InspectionItemRecord(it))
	if len(errs) > 0 || got != it || len(ValidateInspectionItems([]InspectionItem{got})) > 0 {
		t.Errorf("item: %v %v\n got %+v", errs, ValidateInspectionItems([]InspectionItem{got}), got)
	}
}

// problem is one expected FieldError: its field and code.
type problem struct{ field, code string }

func problemsOf(errs FieldErrors) []problem {
	var out []problem
	for _, e := range errs {
		out = append(out, problem{e.Field, e.Code})
	}
	return out
}

func expectProblems(t *testing.T, name string, errs FieldErrors, want ...problem) {
	t.Helper()
	got := problemsOf(errs)
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s: want %s/%s among %v", name, w.field, w.code, errs)
		}
	}
	if len(want) == 0 && len(got) > 0 {
		t.Errorf("%s: want no problem, got %v", name, errs)
	}
}

func edit(rec map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range rec {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func TestParseEnforcementBodyProblems(t *testing.T) {
	base := BodyRecord(sampleBody())
	cases := []struct {
		name string
		rec  map[string]string
		want []problem
	}{
		{"credit code checksum", edit(base, "credit_code", "91310115MA1H8R7C6D"), []problem{{"credit_code", CodeChecksum}}},
		{"placeholder is no body's code", edit(base, "credit_code", USCCPlaceholder), []problem{{"credit_code", CodeChecksum}}},
		{"district not six digits", edit(base, "district_code", "3205"), []problem{{"district_code", CodeFormat}}},
		{"entrusted without entrusting body", edit(base, "entrusting_body", ""), []problem{{"entrusting_body", CodeRequired}}},
		{"entrusting body of a body that is not entrusted", edit(base, "entrusted", "否"), []problem{{"entrusting_body", CodeConflict}}},
		{"entrusted is yes or no", edit(base, "entrusted", "也许"), []problem{{"entrusted", CodeEnum}}},
		{"status", edit(base, "status", "停用"), []problem{{"status", CodeEnum}}},
		{"name too long", edit(base, "name", strings.Repeat("局", 101)), []problem{{"name", CodeRange}}},
		{"unknown field", edit(base, "phone", "0512-12345678"), []problem{{"phone", CodeUnknown}}},
		{"required", map[string]string{}, []problem{{"name", CodeRequired}, {"credit_code", CodeRequired},
			{"legal_basis", CodeRequired}, {"district_code", CodeRequired}}},
	}
	for _, c := range cases {
		_, errs := ParseEnforcementBody(c.rec, enfOpt)
		expectProblems(t, c.name, errs, c.want...)
	}
	// Defaults: not entrusted, 有效.
	b, errs := ParseEnforcementBody(map[string]string{"name": "苏州市应急管理局", "credit_code": "11230500001755309F",
		"legal_basis": "安全生产法", "district_code": "320500"}, enfOpt)
	if len(errs) > 0 || b.Entrusted || b.Status != BodyActive {
		t.Errorf("defaults: %v %+v", errs, b)
	}
}

func TestParseOfficerProblems(t *testing.T) {
	base := OfficerRecord(sampleOfficer())
	cases := []struct {
		name string
		rec  map[string]string
		want []problem
	}{
		{"certificate without its prefix", edit(base, "certificate_no", "3205012345"), []problem{{"certificate_no", CodeFormat}}},
		{"certificate with punctuation", edit(base, "certificate_no", "苏执32-0501"), []problem{{"certificate_no", CodeFormat}}},
		{"certificate too long", edit(base, "certificate_no", "苏执"+strings.Repeat("1", 31)), []problem{{"certificate_no", CodeFormat}}},
		{"an ID number hidden in the name", edit(base, "name", "王建国320502199001011234"), []problem{{"name", CodeFormat}}},
		{"status", edit(base, "status", "有效期内"), []problem{{"status", CodeEnum}}},
		{"no valid-until", edit(base, "valid_until", ""), []problem{{"valid_until", CodeRequired}}},
		{"no personal data columns", edit(base, "id_no", "11010519491231002X"), []problem{{"id_no", CodeUnknown}}},
	}
	for _, c := range cases {
		_, errs := ParseOfficer(c.rec, enfOpt)
		expectProblems(t, c.name, errs, c.want...)
	}
	// Full-width and lower-case input is normalised before the check.
	o, errs := ParseOfficer(edit(base, "certificate_no", " 苏执３２０５０１２３４５ "), enfOpt)
	if len(errs) > 0 || o.CertificateNo != "苏执3205012345" {
		t.Errorf("normalised certificate: %v %q", errs, o.CertificateNo)
	}
	// A stricter pattern, as a bureau that knows its format configures it.
	rules, err := LoadEnforcementRules(strings.NewReader(`{"certificate_pattern": "^苏执[0-9]{10}$"}`))
	if err != nil {
		t.Fatal(err)
	}
	_, errs = ParseOfficer(edit(base, "certificate_no", "浙A12345678"), EnforcementOptions{Now: enforcementNow, Rules: rules})
	expectProblems(t, "strict pattern", errs, problem{"certificate_no", CodeFormat})
	_, errs = ParseOfficer(base, EnforcementOptions{Now: enforcementNow, Rules: rules})
	expectProblems(t, "strict pattern, Jiangsu number", errs)
}

func TestParseInspectionResultProblems(t *testing.T) {
	base := InspectionResultRecord(sampleResult())
	clean := edit(base, "JC_JCJG", string(OutcomeClean), "JC_YHS", "0", "JC_CFWSH", "", "JC_CFJGDM", "")
	cases := []struct {
		name string
		rec  map[string]string
		want []problem
	}{
		{"task code with another kind", edit(base, "JC_JCLX", KindKey), []problem{{"JC_JCLX", CodeConflict}}},
		{"random without task", edit(base, "JC_RWBH", ""), []problem{{"JC_RWBH", CodeRequired}}},
		{"no kind, no task", edit(base, "JC_RWBH", "", "JC_JCLX", ""), []problem{{"JC_JCLX", CodeRequired}}},
		{"hazards with a clean outcome", edit(clean, "JC_YHS", "2"), []problem{{"JC_YHS", CodeConflict}}},
		{"decision number without a case", edit(clean, "JC_CFWSH", "苏应急罚〔2026〕12号"), []problem{{"JC_CFWSH", CodeConflict}}},
		{"agency code without a decision number", edit(base, "JC_CFWSH", ""), []problem{{"JC_CFWSH", CodeRequired}}},
		{"inspection in the future", edit(base, "JC_JCRQ", "2026-12-04"), []problem{{"JC_JCRQ", CodeRange}}},
		{"category", edit(base, "JC_HYLY", "化工"), []problem{{"JC_HYLY", CodeEnum}}},
		{"hazards not a number", edit(base, "JC_YHS", "三"), []problem{{"JC_YHS", CodeFormat}}},
		{"natural person without ID", edit(base, "JC_XDR_LB", string(PartyNaturalPerson), "JC_XDR_SHXYM", ""),
			[]problem{{"JC_XDR_ZJLX", CodeRequired}, {"JC_XDR_ZJHM", CodeRequired}}},
		{"placeholder without registration number", edit(base, "JC_XDR_LB", string(PartyIndividualBusiness), "JC_XDR_SHXYM", USCCPlaceholder),
			[]problem{{"JC_XDR_GSZC", CodeRequired}}},
		{"summary too long", edit(base, "JC_JCQK", strings.Repeat("查", 2001)), []problem{{"JC_JCQK", CodeRange}}},
	}
	for _, c := range cases {
		_, errs := ParseInspectionResult(c.rec, enfOpt)
		expectProblems(t, c.name, errs, c.want...)
	}
	// A random inspection may leave its kind empty; a case's agency
	// defaults to the inspecting body.
	r, errs := ParseInspectionResult(edit(base, "JC_JCLX", "", "JC_CFJGDM", ""), enfOpt)
	if len(errs) > 0 || r.Kind != KindRandom || r.PenaltyAgencyCode != r.BodyCode {
		t.Errorf("defaults: %v %+v", errs, r)
	}
	// A natural person inspected is identified by an ID number, which must
	// be valid.
	_, errs = ParseInspectionResult(edit(base, "JC_XDR_LB", string(PartyNaturalPerson), "JC_XDR_SHXYM", "",
		"JC_XDR_ZJLX", "身份证", "JC_XDR_ZJHM", "11010519491231002X"), enfOpt)
	expectProblems(t, "natural person", errs)
}

func TestParseTaskPlanReferralProblems(t *testing.T) {
	task := TaskRecord(sampleTask())
	for _, c := range []struct {
		name string
		rec  map[string]string
		want []problem
	}{
		{"more drawn than candidates", edit(task, "drawn", "1201"), []problem{{"drawn", CodeRange}}},
		{"inspectors without a pool", edit(task, "inspector_pool", ""), []problem{{"inspectors", CodeRange}}},
		{"a pool without inspectors", edit(task, "inspectors", ""), []problem{{"inspectors", CodeRequired}}},
		{"ends before it starts", edit(task, "end_date", "2026-06-30"), []problem{{"end_date", CodeRange}}},
		{"drawn after the end", edit(task, "drawn_on", "2026-10-08"), []problem{{"drawn_on", CodeRange}}},
		{"drawn in the future", edit(task, "drawn_on", "2026-12-05", "end_date", "2026-12-31"), []problem{{"drawn_on", CodeRange}}},
		{"unknown algorithm", edit(task, "algorithm", "math/rand"), []problem{{"algorithm", CodeEnum}}},
		{"bad item code", edit(task, "item_codes", "SJ-001；sj 002;工贸"), []problem{{"item_codes", CodeFormat}}},
		{"seed too long", edit(task, "seed", strings.Repeat("s", 129)), []problem{{"seed", CodeRange}}},
	} {
		_, errs := ParseInspectionTask(c.rec, enfOpt)
		expectProblems(t, c.name, errs, c.want...)
	}
	got, errs := ParseInspectionTask(edit(task, "item_codes", "SJ-001；sj-002、SJ-001", "algorithm", ""), enfOpt)
	if len(errs) > 0 || !slices.Equal(got.ItemCodes, []string{"SJ-001", "SJ-002"}) || got.Algorithm != DrawFisherYatesSHA256 {
		t.Errorf("item codes and default algorithm: %v %+v", errs, got)
	}

	plan := PlanRecords(samplePlan())[0]
	_, errs = ParsePlanRow(edit(plan, "year", "2028"), enfOpt)
	expectProblems(t, "plan two years ahead", errs, problem{"year", CodeRange})
	_, errs = ParsePlanRow(edit(plan, "enterprises", "0"), enfOpt)
	expectProblems(t, "plan target of 0", errs, problem{"enterprises", CodeRange})
	p := samplePlan()
	p.Targets = append(p.Targets, PlanTarget{"危险化学品", 2}, PlanTarget{"化工", 3})
	expectProblems(t, "plan", ValidatePlan(p), problem{"targets[1]", CodeConflict}, problem{"targets[2]", CodeEnum})
	expectProblems(t, "empty plan", ValidatePlan(EnforcementPlan{}), problem{"targets", CodeRequired})

	ref := ReferralRecord(sampleReferral())
	_, errs = ParseReferral(edit(ref, "quarter", "Q4", "year", "2026"), enfOpt)
	expectProblems(t, "current quarter has begun", errs)
	_, errs = ParseReferral(edit(ref, "quarter", "1", "year", "2027"), enfOpt)
	expectProblems(t, "future quarter", errs, problem{"year", CodeRange})
	_, errs = ParseReferral(edit(ref, "quarter", "5"), enfOpt)
	expectProblems(t, "quarter 5", errs, problem{"quarter", CodeFormat})
	_, errs = ParseReferral(edit(ref, "cases", "-1"), enfOpt)
	expectProblems(t, "negative", errs, problem{"cases", CodeRange})
	_, errs = ParseReferral(edit(ref, "names", "张三"), enfOpt)
	expectProblems(t, "no names", errs, problem{"names", CodeUnknown})
	for in, want := range map[string]int{"第三季度": 3, "Q2": 2, "一": 1, "4": 4} {
		c, errs := ParseReferral(edit(ref, "quarter", in, "year", "2025"), enfOpt)
		if len(errs) > 0 || c.Quarter != want {
			t.Errorf("quarter %q: %v %d", in, errs, c.Quarter)
		}
	}
}

func TestValidateInspectionItems(t *testing.T) {
	it := InspectionItem{Code: "SJ-001", Name: "工贸企业安全生产情况检查", Category: "一般检查事项", Scope: "工贸企业",
		Method: "现场检查", Body: "苏州市应急管理局", Basis: "安全生产法", Frequency: "每年不低于5%"}
	dup := it
	bad := it
	bad.Code, bad.Category, bad.Frequency = "sj 2", "抽查", ""
	long := it
	long.Code, long.Basis = "SJ-003", strings.Repeat("法", 4001)
	errs := ValidateInspectionItems([]InspectionItem{it, dup, bad, long})
	want := []FieldError{
		{Index: 1, Field: "code", Code: CodeConflict},
		{Index: 2, Field: "code", Code: CodeFormat},
		{Index: 2, Field: "category", Code: CodeEnum},
		{Index: 2, Field: "frequency", Code: CodeRequired},
		{Index: 3, Field: "basis", Code: CodeRange},
	}
	for _, w := range want {
		if !slices.ContainsFunc(errs, func(e FieldError) bool { return e.Index == w.Index && e.Field == w.Field && e.Code == w.Code }) {
			t.Errorf("want %d %s %s in %v", w.Index, w.Field, w.Code, errs)
		}
	}
	if errs := ValidateInspectionItems(nil); len(errs) != 1 || errs[0].Code != CodeRequired {
		t.Errorf("empty list: %v", errs)
	}
}

func TestLoadEnforcementRules(t *testing.T) {
	r, err := LoadEnforcementRules(strings.NewReader(`{"result_deadline_workdays": 15}`))
	if err != nil || r.ResultDeadlineWorkdays != 15 || r.CertificatePattern != DefaultCertificatePattern || r.LargeFine() != 5_000_000 {
		t.Errorf("partial file: %v %+v", err, r)
	}
	for _, bad := range []string{
		`{"certificate_pattern": "(["}`,
		`{"certificate_pattern": ".*"}`,
		`{"result_deadline_workdays": 0}`,
		`{"large_fine_yuan": -1}`,
		`{"deadline": 20}`,
	} {
		if _, err := LoadEnforcementRules(strings.NewReader(bad)); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
	var zero EnforcementRules
	if !zero.ValidCertificate("苏执3205012345") || zero.ValidCertificate("12345678") {
		t.Error("the zero rules are the defaults")
	}
}

func TestOfficerEffectiveStatus(t *testing.T) {
	o := sampleOfficer()
	if s := o.EffectiveStatus(day("2029-06-30")); s != OfficerValid {
		t.Errorf("last day: %s", s)
	}
	if s := o.EffectiveStatus(day("2029-07-01")); s != OfficerExpired {
		t.Errorf("day after: %s", s)
	}
	o.Status = OfficerRevoked
	if s := o.EffectiveStatus(day("2030-01-01")); s != OfficerRevoked {
		t.Errorf("revoked stays revoked: %s", s)
	}
}

func TestQuarter(t *testing.T) {
	q := QuarterOf(day("2026-09-30"))
	if q != (Quarter{2026, 3}) || q.Start() != day("2026-07-01") || q.End() != day("2026-09-30") || q.String() != "2026Q3" || q.Label() != "2026年第三季度" {
		t.Errorf("%v %v %v %s %s", q, q.Start(), q.End(), q, q.Label())
	}
	if got := LastCompleteQuarter(day("2026-12-03")); got != (Quarter{2026, 3}) {
		t.Errorf("last complete: %v", got)
	}
	if got := LastCompleteQuarter(day("2027-01-01")); got != (Quarter{2026, 4}) || got.End() != day("2026-12-31") {
		t.Errorf("last complete on new year: %v", got)
	}
	if (Quarter{2026, 1}).Prev() != (Quarter{2025, 4}) {
		t.Error("prev of Q1")
	}
	for in, want := range map[string]Quarter{"2026Q3": {2026, 3}, "2026-q1": {2026, 1}, "2025年第四季度": {2025, 4}, "２０２４Ｑ２": {2024, 2}, "2026年第2季度": {2026, 2}} {
		if got, err := ParseQuarter(in); err != nil || got != want {
			t.Errorf("ParseQuarter(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"2026Q5", "26Q1", "2026", "Q3", "2026年第五季度"} {
		if _, err := ParseQuarter(bad); err == nil {
			t.Errorf("ParseQuarter(%q): want an error", bad)
		}
	}
}
