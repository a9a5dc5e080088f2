package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// The enforcement records of the fuzz fixture: a body, officers and the
// random-inspection list, each register in two versions; a task with
// results; a plan and referral counts. fuzzEnforcement loads them and
// returns the pools of their real values and the builders of the admin
// operations' bodies.

var fuzzBody = cityAgency

func fuzzBodyRecord(remarks string) map[string]string {
	return map[string]string{"name": "苏州市应急管理局", "credit_code": fuzzBody, "legal_basis": "《中华人民共和国安全生产法》第十条",
		"district_code": "320500", "remarks": remarks}
}

func fuzzOfficerRecord(n int, status string) map[string]string {
	return map[string]string{"certificate_no": fmt.Sprintf("苏应急3205%04d", n), "name": "执法员" + string(rune('甲'+n%10)),
		"issuing_authority": "苏州市人民政府", "body_code": fuzzBody, "status": status, "valid_until": "2028-12-31"}
}

func fuzzItem(code string) map[string]string {
	return map[string]string{"code": code, "name": "安全生产条件检查" + code, "category": "重点检查事项", "scope": "危险化学品企业",
		"method": "现场检查", "body": "苏州市应急管理局", "basis": "《危险化学品安全管理条例》", "frequency": "每年不低于5%"}
}

var fuzzTaskRecord = map[string]string{"code": "SJ2026-01", "name": "2026年第一批双随机抽查", "body_code": fuzzBody,
	"plan_year": "2026", "item_codes": "SJ-001", "start_date": "2026-03-01", "end_date": "2026-05-31", "candidates": "120",
	"drawn": "12", "seed": "2026-02-20 苏州市应急管理局", "drawn_on": "2026-02-25"}

func fuzzResultRecord(n int) map[string]string {
	r := map[string]string{"JC_JLBH": fmt.Sprintf("JC-2026-%04d", n), "JC_JCZTDM": fuzzBody, "JC_JCLX": "重点检查",
		"JC_XDR_MC": fmt.Sprintf("苏州测试机械第%d有限公司", n), "JC_XDR_LB": "法人及非法人组织",
		"JC_XDR_SHXYM": agencyUSCC("320505", fmt.Sprintf("MA%06d", n)), "JC_HYLY": "机械", "JC_JCRQ": "2026-03-10",
		"JC_JCJG": "未发现问题", "JC_YHS": "0"}
	if n == 1 {
		r["JC_JCLX"], r["JC_RWBH"] = "双随机抽查", "SJ2026-01"
	}
	return r
}

func fuzzPlanRecords() []map[string]string {
	row := func(cat, n string) map[string]string {
		return map[string]string{"year": "2026", "body_code": fuzzBody, "name": "2026年度执法计划", "approved_on": "2026-01-15",
			"category": cat, "enterprises": n}
	}
	return []map[string]string{row("机械", "50"), row("危险化学品", "30")}
}

var fuzzReferralRecord = map[string]string{"year": "2026", "quarter": "1", "body_code": fuzzBody, "stage": "事故",
	"cases": "2", "persons": "3"}

// parsed parses records with parse, failing the test on any problem.
func parsed[T any](t *testing.T, parse func(map[string]string, domain.EnforcementOptions) (T, domain.FieldErrors), recs ...map[string]string) []T {
	t.Helper()
	out := make([]T, len(recs))
	for i, r := range recs {
		v, errs := parse(r, domain.EnforcementOptions{Now: readToday})
		if len(errs) > 0 {
			t.Fatalf("fixture record %v: %v", r, errs)
		}
		out[i] = v
	}
	return out
}

func fuzzEnforcement(t *testing.T, s *store.Store) (fuzzPools, map[string]func(r *rand.Rand) any) {
	t.Helper()
	ctx := context.Background()
	w := store.WriteOptions{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, remarks := range []string{"", "机构改革后职权不变"} {
		_, err := s.UpsertEnforcementBodies(ctx, testActor, parsed(t, domain.ParseEnforcementBody, fuzzBodyRecord(remarks)), w)
		must(err)
	}
	_, err := s.UpsertOfficers(ctx, testActor, parsed(t, domain.ParseOfficer, fuzzOfficerRecord(1, "有效"), fuzzOfficerRecord(2, "有效")), w)
	must(err)
	_, err = s.UpsertOfficers(ctx, testActor, parsed(t, domain.ParseOfficer, fuzzOfficerRecord(2, "注销")), w)
	must(err)
	for _, codes := range [][]string{{"SJ-001"}, {"SJ-001", "SJ-002"}} {
		var items []domain.InspectionItem
		for _, c := range codes {
			it, errs := domain.ParseInspectionItem(fuzzItem(c))
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			items = append(items, it)
		}
		_, err := s.PublishInspectionItems(ctx, testActor, store.InspectionItemsInput{EffectiveDate: readToday, Items: items}, w)
		must(err)
	}
	tasks, err := s.UpsertInspectionTasks(ctx, testActor, parsed(t, domain.ParseInspectionTask, fuzzTaskRecord), w)
	must(err)
	var recs []map[string]string
	for n := 1; n <= 8; n++ {
		recs = append(recs, fuzzResultRecord(n))
	}
	results, err := s.UpsertInspectionResults(ctx, testActor, parsed(t, domain.ParseInspectionResult, recs...), w)
	must(err)
	plan := parsed(t, domain.ParsePlanRow, fuzzPlanRecords()...)
	plan[0].Targets = append(plan[0].Targets, plan[1].Targets...)
	_, err = s.UpsertEnforcementPlans(ctx, testActor, plan[:1], w)
	must(err)
	_, err = s.UpsertCriminalReferrals(ctx, testActor, parsed(t, domain.ParseReferral, fuzzReferralRecord), w)
	must(err)

	id := func(rs ...store.UpsertResult) []string {
		var out []string
		for _, r := range rs {
			out = append(out, strconv.FormatInt(r.ID, 10))
		}
		return out
	}
	missing := []string{"999999", "1099511627776"}
	public, withdrawable := id(results[:2]...), id(results[2:]...)
	pools := fuzzPools{
		"/api/v1/enforcement-bodies/{credit_code} credit_code":     {fuzzBody},
		"/api/v1/enforcement-bodies/{credit_code} credit_code?":    {hqAgencyFix},
		"/api/v1/officers/verify/{certificate_no} certificate_no":  {"苏应急32050001", "苏应急32050002", "苏应急 ３２０５０００１"},
		"/api/v1/officers/verify/{certificate_no} certificate_no?": {"苏应急99999999", "化工"},
		"/api/v1/inspection-tasks/{id} id":                         id(tasks...),
		"/api/v1/inspection-tasks/{id} id?":                        missing,
		"/enforcement/tasks/{id} id":                               id(tasks...),
		"/enforcement/tasks/{id} id?":                              missing,
		"/api/v1/inspection-results/{id} id":                       public,
		"/api/v1/inspection-results/{id} id?":                      append(append([]string(nil), withdrawable...), missing...),
		"/enforcement/results/{id} id":                             public,
		"/enforcement/results/{id} id?":                            append(append([]string(nil), withdrawable...), missing...),
		"/api/v1/admin/inspection-results/{id}/withdraw id":        withdrawable,
		"/api/v1/admin/inspection-results/{id}/withdraw id?":       missing,
		"/api/v1/inspection-results q":                             {"化工", "某化工有限", "苏州 某", "%_", "'\"", "<b>", "3M公司", "Ab"},
		"/enforcement/results q":                                   {"化工", "某化工有限", "苏州 某", "%_", "'\"", "<b>", "3M公司", "Ab"},
		"body_code":                                                {fuzzBody},
	}
	record := func(base map[string]string) func(r *rand.Rand) any {
		return func(r *rand.Rand) any {
			rec := map[string]any{}
			for k, v := range base {
				rec[k] = v
			}
			if r.IntN(3) == 0 { // a value the domain may refuse: a 422
				for k := range rec {
					rec[k] = fuzzJunk[r.IntN(len(fuzzJunk))]
					break
				}
			}
			return rec
		}
	}
	bodies := map[string]func(r *rand.Rand) any{
		"ingestEnforcementBodies": record(fuzzBodyRecord("机构改革后职权不变")),
		"ingestOfficers": func(r *rand.Rand) any {
			return record(fuzzOfficerRecord(100+r.IntN(50), "有效"))(r)
		},
		"ingestInspectionTasks": record(fuzzTaskRecord),
		"ingestInspectionResults": func(r *rand.Rand) any {
			return record(fuzzResultRecord(100 + r.IntN(50)))(r)
		},
		"withdrawInspectionResult": fuzzWithdrawBody,
		"ingestEnforcementPlans": func(r *rand.Rand) any {
			rows := fuzzPlanRecords()
			if r.IntN(3) == 0 {
				rows[1]["category"] = rows[0]["category"] // the same target twice: a 422
			}
			return rows
		},
		"ingestCriminalReferrals": record(fuzzReferralRecord),
		"publishInspectionItems": func(r *rand.Rand) any {
			items := []map[string]string{fuzzItem("SJ-001"), fuzzItem("SJ-002")}
			if r.IntN(2) == 0 {
				items = append(items, fuzzItem(fmt.Sprintf("SJ-%03d", 3+r.IntN(3))))
			}
			return map[string]any{"items": items, "note": "调整"}
		},
	}
	return pools, bodies
}
