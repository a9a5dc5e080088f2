package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func testTask() domain.InspectionTask {
	return domain.InspectionTask{Code: "苏应急双随机〔2026〕3号", Name: "2026年第三季度工贸企业双随机抽查", BodyCode: bureauCode,
		PlanYear: 2026, ItemCodes: []string{"SJ-001"}, StartDate: mustDate("2026-07-01"), EndDate: mustDate("2026-09-30"),
		Candidates: 1200, Drawn: 12, InspectorPool: 85, Inspectors: 4, Seed: "2026年第三季度 苏州市应急管理局 双随机抽查",
		Algorithm: domain.DrawFisherYatesSHA256, DrawnOn: mustDate("2026-06-28")}
}

// testResult is a result of the bureau's task on company n.
func testResult(n int, outcome domain.InspectionOutcome) domain.InspectionResult {
	r := domain.InspectionResult{RecordNo: fmt.Sprintf("苏应急检〔2026〕%d号", n), BodyCode: bureauCode,
		TaskCode: "苏应急双随机〔2026〕3号", Kind: domain.KindRandom,
		Party: domain.Party{Name: fmt.Sprintf("苏州测试机械第%d有限公司", n), Kind: domain.PartyOrganization,
			CreditCode: testenv.USCC("320505", n)},
		Category: "机械", InspectionDate: mustDate("2026-07-15"), Outcome: outcome}
	if outcome != domain.OutcomeClean {
		r.Hazards = 2
	}
	return r
}

// personResult is a 其他检查 of a natural person, whose full ID number and
// phone number are in the record and must never be public.
func personResult() domain.InspectionResult {
	return domain.InspectionResult{RecordNo: "苏应急检〔2026〕900号", BodyCode: bureauCode, Kind: domain.KindComplaint,
		Party:    domain.Party{Name: "李四", Kind: domain.PartyNaturalPerson, IDType: "身份证", IDNo: testenv.PersonID},
		Category: "烟花爆竹", InspectionDate: mustDate("2026-08-03"), Outcome: domain.OutcomeRectified, Hazards: 1,
		Summary: "举报人反映李四（身份证" + testenv.PersonID + "，电话13912345678）在家中储存烟花爆竹，已责令清除。"}
}

func setUpTask(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	registerBodies(t, s)
	_, err := s.PublishInspectionItems(ctx, cli, store.InspectionItemsInput{Items: testItems()}, store.WriteOptions{})
	mustNil(t, err)
	_, err = s.UpsertInspectionTasks(ctx, cli, []domain.InspectionTask{testTask()}, store.WriteOptions{})
	mustNil(t, err)
}

func TestInspectionTasksCheckTheirReferences(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	registerBodies(t, s)
	_, err := s.UpsertInspectionTasks(ctx, cli, []domain.InspectionTask{testTask()}, store.WriteOptions{})
	fieldErrors(t, err, 0, "item_codes") // no list published yet
	_, err = s.PublishInspectionItems(ctx, cli, store.InspectionItemsInput{Items: testItems()}, store.WriteOptions{})
	mustNil(t, err)
	other := testTask()
	other.BodyCode, other.ItemCodes = testenv.OtherCode, []string{"SJ-001", "SJ-009"}
	_, err = s.UpsertInspectionTasks(ctx, cli, []domain.InspectionTask{testTask(), other}, store.WriteOptions{})
	fieldErrors(t, err, 1, "body_code", 1, "item_codes")
	rs, err := s.UpsertInspectionTasks(ctx, cli, []domain.InspectionTask{testTask()}, store.WriteOptions{})
	mustNil(t, err)
	again, err := s.UpsertInspectionTasks(ctx, cli, []domain.InspectionTask{testTask()}, store.WriteOptions{})
	mustNil(t, err)
	if rs[0].Outcome != store.Created || again[0].Outcome != store.Unchanged {
		t.Fatalf("outcomes %v %v", rs, again)
	}
	pub := enfPublic(s)
	task, err := pub.InspectionTask(ctx, rs[0].ID)
	mustNil(t, err)
	want := testTask()
	want.Body = "苏州市应急管理局"
	drawn, err := task.DrawEnterprises()
	mustNil(t, err)
	direct, _ := domain.Draw(domain.DrawFisherYatesSHA256, want.Seed, 1200, 12)
	if !slices.Equal(task.ItemCodes, want.ItemCodes) || task.Body != want.Body || task.Seed != want.Seed || !slices.Equal(drawn, direct) {
		t.Errorf("stored task %+v draws %v, want %v", task.InspectionTask, drawn, direct)
	}
	page, err := pub.InspectionTasks(ctx, store.TaskQuery{Year: 2026, Limit: 10})
	mustNil(t, err)
	if page.Total != 1 || page.Items[0].ID != rs[0].ID {
		t.Errorf("tasks of 2026: %+v", page)
	}
	if page, _ := pub.InspectionTasks(ctx, store.TaskQuery{Year: 2025}); page.Total != 0 {
		t.Errorf("tasks of 2025: %+v", page)
	}
}

func TestInspectionResultsWriteReadAndWithdraw(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	setUpTask(t, s)
	pub := enfPublic(s)

	// References: an unknown task, a date outside the task, another body's
	// task, a duplicate.
	bad := []domain.InspectionResult{testResult(1, domain.OutcomeClean), testResult(2, domain.OutcomeClean),
		testResult(3, domain.OutcomeClean), testResult(1, domain.OutcomeClean)}
	bad[0].TaskCode = "苏应急双随机〔2026〕4号"
	bad[1].InspectionDate = mustDate("2026-10-08")
	bad[2].BodyCode = districtCode
	_, err := s.UpsertInspectionResults(ctx, cli, bad, store.WriteOptions{})
	fieldErrors(t, err, 0, "JC_RWBH", 1, "JC_JCRQ", 2, "JC_RWBH", 3, "JC_JLBH")
	if n := count(t, s, `SELECT count(*) FROM inspection_results`); n != 0 {
		t.Fatalf("a failed batch wrote %d results", n)
	}

	batch := []domain.InspectionResult{testResult(1, domain.OutcomeClean), testResult(2, domain.OutcomeRectified), personResult()}
	rs, err := s.UpsertInspectionResults(ctx, cli, batch, store.WriteOptions{})
	mustNil(t, err)
	again, err := s.UpsertInspectionResults(ctx, cli, batch, store.WriteOptions{})
	mustNil(t, err)
	if !slices.Equal(outcomes(again), []store.Outcome{store.Unchanged, store.Unchanged, store.Unchanged}) ||
		count(t, s, `SELECT count(*) FROM changes WHERE entity = 'inspection_result'`) != 3 {
		t.Fatalf("second write: %v", outcomes(again))
	}
	page, err := pub.InspectionResults(ctx, store.InspectionResultQuery{Limit: 10})
	mustNil(t, err)
	if page.Total != 3 || page.Items[0].RecordNo != "苏应急检〔2026〕900号" || page.Items[1].TaskID == 0 {
		t.Fatalf("page: %+v", page)
	}
	person := page.Items[0]
	if person.Party.IDNo != "110105**********2X" || strings.Contains(person.Summary, testenv.PersonID) ||
		strings.Contains(person.Summary, "13912345678") {
		t.Errorf("the person is not masked: %+v", person.InspectionResult)
	}
	got, err := pub.InspectionResults(ctx, store.InspectionResultQuery{Outcome: domain.OutcomeRectified, Kind: domain.KindRandom})
	mustNil(t, err)
	if got.Total != 1 || got.Items[0].ID != rs[1].ID {
		t.Errorf("filtered: %+v", got)
	}

	// Withdrawn: gone from every read; a second withdrawal conflicts;
	// only revoked and corrected are reasons for results.
	err = s.WithdrawInspectionResult(ctx, cli, rs[1].ID, domain.ReasonExpired, "")
	fieldErrors(t, err, 0, "reason")
	mustNil(t, s.WithdrawInspectionResult(ctx, cli, rs[1].ID, domain.ReasonCorrected, "检查记录编号有误"))
	if err := s.WithdrawInspectionResult(ctx, cli, rs[1].ID, domain.ReasonRevoked, ""); !errors.Is(err, store.ErrConflict) {
		t.Errorf("second withdrawal: %v", err)
	}
	if err := s.WithdrawInspectionResult(ctx, cli, 999999, domain.ReasonRevoked, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := pub.InspectionResult(ctx, rs[1].ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("withdrawn result read: %v", err)
	}
	if page, _ := pub.InspectionResults(ctx, store.InspectionResultQuery{}); page.Total != 2 {
		t.Errorf("withdrawn result listed: %d", page.Total)
	}
	// The corrected version publishes it again.
	fixed := testResult(2, domain.OutcomeRectified)
	fixed.Hazards = 3
	rs2, err := s.UpsertInspectionResults(ctx, cli, []domain.InspectionResult{fixed}, store.WriteOptions{})
	mustNil(t, err)
	if r, err := pub.InspectionResult(ctx, rs2[0].ID); err != nil || r.Hazards != 3 || rs2[0].ID != rs[1].ID {
		t.Errorf("republished: %+v %v", r, err)
	}

	// A batch of a new, an unchanged and a changed result keeps their order.
	changed := testResult(1, domain.OutcomeClean)
	changed.Summary = "复查"
	mixed, err := s.UpsertInspectionResults(ctx, cli, []domain.InspectionResult{testResult(3, domain.OutcomeClean), fixed, changed},
		store.WriteOptions{})
	mustNil(t, err)
	if got := outcomes(mixed); !slices.Equal(got, []store.Outcome{store.Created, store.Unchanged, store.Updated}) ||
		mixed[1].ID != rs[1].ID || mixed[2].ID != rs[0].ID {
		t.Errorf("mixed batch: %+v", mixed)
	}
}

// A 立案查处 links to its penalty only while the penalty is public, in
// every output.
func TestInspectionResultPenaltyLink(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	setUpTask(t, s)
	pub := enfPublic(s)
	r := testResult(5, domain.OutcomeCase)
	r.PenaltyDecisionNo, r.PenaltyAgencyCode = "（苏）应急罚〔2025〕5号", bureauCode
	rs, err := s.UpsertInspectionResults(ctx, cli, []domain.InspectionResult{r}, store.WriteOptions{})
	mustNil(t, err)

	link := func() (byID, exported string, penaltyID int64) {
		t.Helper()
		got, err := pub.InspectionResult(ctx, rs[0].ID)
		mustNil(t, err)
		page, err := pub.InspectionResults(ctx, store.InspectionResultQuery{})
		mustNil(t, err)
		if page.Items[0].PenaltyID != got.PenaltyID || page.Items[0].PenaltyDecisionNo != got.PenaltyDecisionNo {
			t.Errorf("page and record disagree: %+v %+v", page.Items[0], got)
		}
		col := slices.IndexFunc(domain.InspectionResultExportFields, func(f domain.Field) bool { return f.Code == "JC_CFWSH" })
		mustNil(t, pub.ExportEnforcementDataset(ctx, store.DatasetInspectionResults, func(store.DatasetState) error { return nil },
			func(v []string) error { exported = v[col]; return nil }))
		return got.PenaltyDecisionNo, exported, got.PenaltyID
	}
	if a, b, id := link(); a != "" || b != "" || id != 0 {
		t.Errorf("linked before the penalty exists: %q %q %d", a, b, id)
	}
	p := testenv.Penalty(5)
	p.DecisionDate = mustDate("2026-08-20")
	p.PublicityUntil = mustDate("2027-08-20")
	prs, err := s.UpsertPenalties(ctx, cli, []domain.Penalty{p}, store.WriteOptions{})
	mustNil(t, err)
	if a, b, id := link(); a != r.PenaltyDecisionNo || b != a || id != prs[0].ID {
		t.Errorf("not linked to the public penalty %d: %q %q %d", prs[0].ID, a, b, id)
	}
	mustNil(t, s.Withdraw(ctx, cli, store.EntityPenalty, prs[0].ID, domain.ReasonRevoked, "撤销"))
	if a, b, id := link(); a != "" || b != "" || id != 0 {
		t.Errorf("still linked to the withdrawn penalty: %q %q %d", a, b, id)
	}
}

// publicResultOutputs returns every public output of the inspection
// results as text: a page, the records by id and the dataset.
func publicResultOutputs(t *testing.T, pub *store.Public, ids []int64) []string {
	t.Helper()
	ctx := context.Background()
	var outputs []string
	page, err := pub.InspectionResults(ctx, store.InspectionResultQuery{})
	mustNil(t, err)
	outputs = append(outputs, fmt.Sprintf("%+v", page))
	byID, err := pub.InspectionResultsByID(ctx, ids)
	mustNil(t, err)
	outputs = append(outputs, fmt.Sprintf("%+v", byID))
	mustNil(t, pub.ExportEnforcementDataset(ctx, store.DatasetInspectionResults, func(store.DatasetState) error { return nil },
		func(v []string) error { outputs = append(outputs, strings.Join(v, "|")); return nil }))
	var each []store.PublishedInspectionResult
	mustNil(t, pub.EachInspectionResult(ctx, func(r store.PublishedInspectionResult) error { each = append(each, r); return nil }))
	var eachIDs, pageIDs []int64
	for _, r := range each {
		eachIDs = append(eachIDs, r.ID)
	}
	for _, r := range page.Items {
		pageIDs = append(pageIDs, r.ID)
	}
	slices.Sort(pageIDs)
	if !slices.Equal(eachIDs, pageIDs) {
		t.Errorf("EachInspectionResult gave %v, the list %v", eachIDs, pageIDs)
	}
	return append(outputs, fmt.Sprintf("%+v", each))
}

// No public output of inspection results holds the inspected person's
// full ID number or phone number.
func TestInspectionResultsMaskedInEveryPublicOutput(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	setUpTask(t, s)
	pub := enfPublic(s)
	rs, err := s.UpsertInspectionResults(ctx, cli, []domain.InspectionResult{personResult(), testResult(1, domain.OutcomeClean)},
		store.WriteOptions{})
	mustNil(t, err)
	mustNil(t, s.WithdrawInspectionResult(ctx, cli, rs[1].ID, domain.ReasonRevoked, "举报人"+testenv.PersonID+"撤回"))
	outputs := publicResultOutputs(t, pub, []int64{rs[0].ID, rs[1].ID})
	if len(outputs) != 4 {
		t.Fatalf("outputs: %d\n%s", len(outputs), strings.Join(outputs, "\n"))
	}
	for _, o := range outputs {
		if strings.Contains(o, testenv.PersonID) || strings.Contains(o, "13912345678") || !strings.Contains(o, "110105**********2X") {
			t.Errorf("a public output holds the full identifier, or not the masked one:\n%s", o)
		}
	}
}

func TestPlansAndReferrals(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	setUpTask(t, s)
	pub := enfPublic(s)
	plan := domain.EnforcementPlan{Year: 2026, BodyCode: bureauCode, Name: "2026年度执法计划", ApprovedOn: mustDate("2026-01-20"),
		Targets: []domain.PlanTarget{{Category: "机械", Enterprises: 3}, {Category: "烟花爆竹", Enterprises: 5}}}
	rs, err := s.UpsertEnforcementPlans(ctx, cli, []domain.EnforcementPlan{plan}, store.WriteOptions{})
	mustNil(t, err)
	dup := plan
	dup.Targets = append(slices.Clone(plan.Targets), domain.PlanTarget{Category: "机械", Enterprises: 1})
	_, err = s.UpsertEnforcementPlans(ctx, cli, []domain.EnforcementPlan{dup}, store.WriteOptions{})
	fieldErrors(t, err, 0, "targets[2]")
	plan.Targets = []domain.PlanTarget{{Category: "机械", Enterprises: 4}}
	up, err := s.UpsertEnforcementPlans(ctx, cli, []domain.EnforcementPlan{plan}, store.WriteOptions{})
	mustNil(t, err)
	if up[0].Outcome != store.Updated || up[0].ID != rs[0].ID {
		t.Fatalf("plan update: %+v", up)
	}
	// Two results on one company and one on another, in 机械; a person in
	// 烟花爆竹.
	second := testResult(1, domain.OutcomeRectified)
	second.RecordNo, second.InspectionDate = "苏应急检〔2026〕99号", mustDate("2026-09-01")
	_, err = s.UpsertInspectionResults(ctx, cli, []domain.InspectionResult{testResult(1, domain.OutcomeClean), second,
		testResult(2, domain.OutcomeClean), personResult()}, store.WriteOptions{})
	mustNil(t, err)
	progress, err := pub.PlanProgress(ctx, store.PlanQuery{Year: 2026})
	mustNil(t, err)
	if len(progress) != 1 || progress[0].Planned != 4 || progress[0].Inspected != 3 ||
		!slices.Equal(progress[0].Targets, []store.TargetProgress{{Category: "机械", Planned: 4, Inspected: 2}}) {
		t.Errorf("progress: %+v", progress)
	}

	refs := []domain.CriminalReferral{
		{Year: 2026, Quarter: 2, BodyCode: bureauCode, Stage: domain.StageAccident, Cases: 3, Persons: 4},
		{Year: 2026, Quarter: 3, BodyCode: bureauCode, Stage: domain.StageAccident, Cases: 5, Persons: 7},
		{Year: 2026, Quarter: 3, BodyCode: districtCode, Stage: domain.StagePreAccident, Cases: 1, Persons: 1},
	}
	_, err = s.UpsertCriminalReferrals(ctx, cli, append(slices.Clone(refs), refs[0]), store.WriteOptions{})
	fieldErrors(t, err, 3, "quarter")
	_, err = s.UpsertCriminalReferrals(ctx, cli, refs, store.WriteOptions{})
	mustNil(t, err)
	got, err := pub.CriminalReferrals(ctx, store.ReferralQuery{From: domain.Quarter{Year: 2026, Q: 3}, To: domain.Quarter{Year: 2026, Q: 3}})
	mustNil(t, err)
	if len(got) != 2 || got[0].Body != "苏州市应急管理局" || got[0].Cases != 5 || got[1].District != "吴中区" {
		t.Errorf("referrals of 2026Q3: %+v", got)
	}
	got, _ = pub.CriminalReferrals(ctx, store.ReferralQuery{DistrictCode: "320506"})
	if len(got) != 1 || got[0].BodyCode != districtCode {
		t.Errorf("referrals of 吴中区: %+v", got)
	}
}

// A dataset's version moves with the changes that can change its content,
// and only with those.
func TestEnforcementDatasetVersions(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	setUpTask(t, s)
	pub := enfPublic(s)
	state := func(name string) store.DatasetState {
		t.Helper()
		st, err := pub.EnforcementDatasetState(ctx, name)
		mustNil(t, err)
		return st
	}
	officers, results := state(store.DatasetOfficers), state(store.DatasetInspectionResults)
	_, err := s.UpsertInspectionResults(ctx, cli, []domain.InspectionResult{testResult(1, domain.OutcomeClean)}, store.WriteOptions{})
	mustNil(t, err)
	if state(store.DatasetOfficers).Version != officers.Version || state(store.DatasetInspectionResults).Version == results.Version {
		t.Error("a result moved the officers' version, or not the results'")
	}
	results = state(store.DatasetInspectionResults)
	_, err = s.UpsertPenalties(ctx, cli, []domain.Penalty{testenv.Penalty(9)}, store.WriteOptions{})
	mustNil(t, err)
	if state(store.DatasetInspectionResults).Version == results.Version || state(store.DatasetOfficers).Version != officers.Version {
		t.Error("a penalty, which a result may link to, did not move the results' version, or moved the officers'")
	}
	_, err = s.UpsertOfficers(ctx, cli, []domain.Officer{officer("苏执3205000001", "王建国", bureauCode, domain.OfficerValid, "2029-06-30")},
		store.WriteOptions{})
	mustNil(t, err)
	if st := state(store.DatasetOfficers); st.Version == officers.Version || st.Seq == 0 || st.Modified.IsZero() {
		t.Errorf("an officer did not move the officers' version: %+v", st)
	}
	if _, err := pub.EnforcementDatasetState(ctx, "penalties"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("another dataset: %v", err)
	}
}
