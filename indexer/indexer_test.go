package indexer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestPublishSearchWithdraw: a published record becomes searchable; a
// withdrawn one disappears; no output carries a full ID number.
func TestPublishSearchWithdraw(t *testing.T) {
	e := newEnv(t, fastOptions())
	e.run(e.ix)
	e.synced() // the first start builds the (empty) indexes

	ids := e.upsertPenalties(penalty(t, 1, nil), penalty(t, 2, nil), penalty(t, 3, nil))
	person := penalty(t, 4, func(r map[string]string) {
		for k, v := range testenv.PersonPenaltyRecord(4) {
			r[k] = v
		}
		delete(r, "CF_XDR_SHXYM")
		delete(r, "CF_FRDB")
		r["CF_SY"] = "当事人李四（身份证号" + testenv.PersonID + "）在化工仓库未按规定培训"
	})
	pid := e.upsertPenalties(person)[0]
	permitIDs := e.upsertPermits(permit(t, 1, nil), permit(t, 2, nil))
	e.synced()

	res := e.search("q=化工&type=penalty")
	if res.Degraded || res.Total != 4 || !res.TotalExact {
		t.Fatalf("化工 in penalties: total %d (exact %v, degraded %v), want 4", res.Total, res.TotalExact, res.Degraded)
	}
	if got := hitIDs(res, search.TypePenalty); !sameIDs(got, idStrings(append(ids, pid))) {
		t.Errorf("hits %v, want %v", got, append(ids, pid))
	}
	h := res.Hits[0]
	if h.Title == "" || !strings.HasPrefix(h.URL, "/penalties/") || !strings.Contains(h.Highlights["party_name"], "<mark>化工</mark>") {
		t.Errorf("hit without title, url or highlight: %+v", h)
	}
	if _, ok := h.Fields["version"]; ok {
		t.Errorf("internal field in hit: %v", keys(h.Fields))
	}
	res = e.search("q=安全生产许可证")
	if got := hitIDs(res, search.TypePermit); !sameIDs(got, idStrings(permitIDs)) {
		t.Errorf("permits for 安全生产许可证: %v, want %v", got, permitIDs)
	}

	// The person's record is searchable by name, never by ID number, and
	// no document or hit carries the full number.
	res = e.search("q=李四")
	if got := hitIDs(res, search.TypePenalty); !slices.Equal(got, []string{idString(pid)}) {
		t.Fatalf("李四: %v, want [%d]", got, pid)
	}
	b, _ := json.Marshal(res)
	docs, _ := json.Marshal(e.documents(search.IndexPenalties))
	if strings.Contains(string(b), testenv.PersonID) || strings.Contains(string(docs), testenv.PersonID) ||
		strings.Contains(string(docs), testenv.PersonID[6:14]) {
		t.Error("a full ID number reached the search index or a search result")
	}
	if res := e.search("q=" + testenv.PersonID[6:14]); res.Total != 0 {
		t.Errorf("searching the hidden digits of an ID number found %d records", res.Total)
	}

	e.withdraw(store.EntityPenalty, ids[1])
	e.withdraw(store.EntityPermit, permitIDs[0])
	e.synced()
	res = e.search("q=化工&type=penalty")
	if got := hitIDs(res, search.TypePenalty); slices.Contains(got, idString(ids[1])) || res.Total != 3 {
		t.Errorf("after withdrawal: %v (total %d), want 3 without %d", got, res.Total, ids[1])
	}
	if _, ok := e.documents(search.IndexPenalties)[idString(ids[1])]; ok {
		t.Error("the withdrawn penalty is still in the index")
	}
	if _, ok := e.documents(search.IndexPermits)[idString(permitIDs[0])]; ok {
		t.Error("the withdrawn permit is still in the index")
	}
}

// chineseCorpus publishes penalties whose texts differ, for relevance tests.
func chineseCorpus(t *testing.T, e *env) map[string]int64 {
	type rec struct{ key, name, violation, facts, basis string }
	recs := []rec{
		{"chem-training", "苏州华盛化工有限公司", "未按规定对从业人员进行安全生产教育和培训",
			"经查，该公司未如实记录安全生产教育和培训情况。", "《中华人民共和国安全生产法》第九十七条第三项"},
		{"chem-signs", "昆山东方化工科技有限公司", "未在有较大危险因素的生产经营场所设置明显的安全警示标志",
			"经查，该公司储罐区未设置安全警示标志。", "《中华人民共和国安全生产法》第九十九条第一项"},
		{"dust", "吴江精工机械有限公司", "粉尘防爆安全管理不到位", "经查，该公司除尘系统未按规定清理积尘。",
			"《工贸企业粉尘防爆安全规定》第二十九条"},
		{"fire", "苏州新区商贸有限公司", "消防通道堵塞", "经查，该公司仓库消防通道被货物堵塞。",
			"《中华人民共和国消防法》第六十条"},
		{"training-school", "苏州职业技能培训学校", "特种作业人员未持证上岗", "经查，该校焊工未取得特种作业操作证。",
			"《特种作业人员安全技术培训考核管理规定》第三十九条"},
	}
	out := map[string]int64{}
	for i, r := range recs {
		p := penalty(t, 100+i, func(m map[string]string) {
			m["CF_XDR_MC"], m["CF_WFXW"], m["CF_SY"], m["CF_YJ"] = r.name, r.violation, r.facts, r.basis
		})
		out[r.key] = e.upsertPenalties(p)[0]
	}
	return out
}

// TestChineseQueries: segmented Chinese queries find the expected records,
// best first; synonyms apply.
func TestChineseQueries(t *testing.T) {
	e := newEnv(t, fastOptions())
	e.run(e.ix)
	ids := chineseCorpus(t, e)
	e.upsertPermits(permit(t, 1, func(r map[string]string) { r["XK_NR"] = "危险化学品经营（不带储存设施）" }))
	e.synced()

	res := e.search("q=化工 培训&type=penalty")
	if got := hitIDs(res, search.TypePenalty); len(got) == 0 || got[0] != idString(ids["chem-training"]) {
		t.Errorf("化工 培训: %v, want %d first", got, ids["chem-training"])
	}
	// Records citing the law come before records that only share words.
	res = e.search("q=安全生产法&type=penalty")
	got := hitIDs(res, search.TypePenalty)
	if len(got) < 2 || !sameIDs(got[:2], idStrings([]int64{ids["chem-training"], ids["chem-signs"]})) {
		t.Errorf("安全生产法: %v, want %d and %d first", got, ids["chem-training"], ids["chem-signs"])
	}
	res = e.search("q=消防&type=penalty")
	if got := hitIDs(res, search.TypePenalty); !slices.Equal(got, []string{idString(ids["fire"])}) {
		t.Errorf("消防: %v, want [%d]", got, ids["fire"])
	}
	res = e.search("q=粉尘防爆")
	if got := hitIDs(res, search.TypePenalty); len(got) == 0 || got[0] != idString(ids["dust"]) {
		t.Errorf("粉尘防爆: %v, want %d first", got, ids["dust"])
	}
	// 危化品 is a synonym of 危险化学品.
	res = e.search("q=危化品&type=permit")
	if res.Total != 1 {
		t.Errorf("危化品 (synonym of 危险化学品) found %d permits, want 1", res.Total)
	}
}

// TestExactLookups: a credit code or a decision number puts its record first.
func TestExactLookups(t *testing.T) {
	e := newEnv(t, fastOptions())
	e.run(e.ix)
	var ps []domain.Penalty
	for n := 1; n <= 30; n++ {
		ps = append(ps, penalty(t, n, nil))
	}
	ids := e.upsertPenalties(ps...)
	permitIDs := e.upsertPermits(permit(t, 17, nil), permit(t, 18, nil))
	e.synced()

	code := testenv.USCC("320505", 17) // penalty 17's company
	for _, typ := range []string{"penalty", "all"} {
		res := e.search("q=" + code + "&type=" + typ)
		if h := first(res); h.ID != idString(ids[16]) || h.Type != search.TypePenalty || !h.Exact || h.Match != search.MatchExact {
			t.Errorf("credit code, type=%s: first hit %+v, want penalty %d (exact)", typ, first(res), ids[16])
		}
		if n := strings.Count(fmt.Sprint(hitIDs(res, search.TypePenalty)), idString(ids[16])); n != 1 {
			t.Errorf("credit code, type=%s: the record appears %d times", typ, n)
		}
	}
	// Lower case and full-width input normalize to the same code.
	res := e.search("q=" + strings.ToLower(code) + "&type=penalty")
	if first(res).ID != idString(ids[16]) {
		t.Errorf("lower-case credit code: first hit %+v", first(res))
	}
	for _, typ := range []string{"penalty", "all"} {
		res := e.search("q=（苏）应急罚〔2025〕23号&type=" + typ)
		if h := first(res); h.ID != idString(ids[22]) || !h.Exact {
			t.Errorf("decision number, type=%s: first hit %+v, want %d", typ, first(res), ids[22])
		}
	}
	res = e.search("q=（苏）应急许〔2025〕18号")
	if h := first(res); h.Type != search.TypePermit || h.ID != idString(permitIDs[1]) || !h.Exact {
		t.Errorf("permit decision number: first hit %+v, want permit %d", first(res), permitIDs[1])
	}
	res = e.search("q=（苏）WH安许证字〔2025〕0017&type=permit")
	if h := first(res); h.ID != idString(permitIDs[0]) || !h.Exact {
		t.Errorf("permit number: first hit %+v, want permit %d", first(res), permitIDs[0])
	}
	// A credit code that is no record's finds nothing exact.
	res = e.search("q=" + testenv.USCC("320505", 999) + "&type=penalty")
	if len(res.Exact) > 0 || res.ExactTotal != 0 {
		t.Errorf("unknown credit code: exact hits %+v", res.Exact)
	}
}

// first is the first hit shown: the first exact match, else the first
// related result.
func first(res *search.Result) search.Hit {
	if len(res.Exact) > 0 {
		return res.Exact[0]
	}
	if len(res.Hits) == 0 {
		return search.Hit{}
	}
	return res.Hits[0]
}

// TestFacetsAndFilters: filters built from validated parameters restrict
// the results, facets count them, sorts order them.
func TestFacetsAndFilters(t *testing.T) {
	e := newEnv(t, fastOptions())
	e.run(e.ix)
	huqiu := testenv.USCC("320505", 900001) // an agency in 虎丘区
	var ps []domain.Penalty
	for n := 1; n <= 12; n++ {
		ps = append(ps, penalty(t, n, func(r map[string]string) {
			r["CF_NR_FK"] = fmt.Sprint(n) // n × 10,000 yuan
			// 警告 is published for 3 months only: keep it to recent decisions.
			if n%3 == 0 && n > 5 {
				r["CF_CFLB"], r["CF_NR_FK"], r["CF_NR"] = "警告", "", "警告"
			}
			if n%4 == 0 {
				r["CF_AJJD"] = "事故"
			}
			if n <= 5 {
				r["CF_JDRQ"] = "2025-12-01"
			}
			if n > 8 {
				r["CF_CFJG"], r["CF_CFJGDM"] = "苏州市虎丘区应急管理局", huqiu
			}
		}))
	}
	e.upsertPenalties(ps...)
	e.upsertPermits(permit(t, 1, nil), permit(t, 2, func(r map[string]string) { r["XK_ZT"] = "无效" }))
	e.synced()

	res := e.search("q=&type=penalty&per_page=50")
	if res.Total != 12 {
		t.Fatalf("browse: %d, want 12", res.Total)
	}
	want := map[string]map[string]int64{
		"category": {"罚款": 9, "警告": 3},
		"stage":    {"事前": 9, "事故": 3},
		"year":     {"2025": 5, "2026": 7},
		"district": {"虎丘区": 4},
		"type":     {"penalty": 12},
	}
	for f, values := range want {
		for v, n := range values {
			if res.Facets[f][v] != n {
				t.Errorf("facet %s=%s: %d, want %d (facets %v)", f, v, res.Facets[f][v], n, res.Facets[f])
			}
		}
	}
	for _, tc := range []struct {
		params string
		total  int64
	}{
		{"category=警告", 3},
		{"category=警告&category=罚款", 12},
		{"stage=事故", 3},
		{"year=2025", 5},
		{"year=2025&stage=事故", 1},
		{"district=虎丘区", 4},
		{"district=320505", 4},
		{"agency=苏州市虎丘区应急管理局", 4},
		{"agency=" + huqiu, 4},
		{"agency=" + testenv.AgencyCode + "&category=罚款", 7},
		{"subject_kind=自然人", 0},
	} {
		res := e.search("type=penalty&" + tc.params)
		if res.Total != tc.total {
			t.Errorf("%s: %d, want %d", tc.params, res.Total, tc.total)
		}
	}
	res = e.search("type=permit&permit_status=无效")
	if res.Total != 1 {
		t.Errorf("permit_status=无效: %d, want 1", res.Total)
	}
	// type=all with a penalty-only filter searches penalties only.
	res = e.search("q=苏州&stage=事故")
	if res.Total != 3 || len(res.Facets["type"]) != 1 {
		t.Errorf("all + stage: total %d, types %v", res.Total, res.Facets["type"])
	}
	// Sorts order strictly; fines of 警告 are 0.
	res = e.search("type=penalty&sort=-fine&per_page=3")
	var fines []string
	for _, h := range res.Hits {
		var f string
		json.Unmarshal(h.Fields["fine"], &f)
		fines = append(fines, f)
	}
	if !slices.Equal(fines, []string{"110000.00", "100000.00", "80000.00"}) {
		t.Errorf("-fine: %v", fines)
	}
	res = e.search("q=苏州&sort=decision_date&per_page=50")
	var dates []string
	for _, h := range res.Hits {
		var d string
		json.Unmarshal(h.Fields["decision_date"], &d)
		dates = append(dates, d)
	}
	if len(dates) != 14 || !slices.IsSorted(dates) {
		t.Errorf("decision_date:asc over penalties and permits: %v", dates)
	}
	// Paging covers every record once.
	seen := map[string]bool{}
	for page := 1; page <= 3; page++ {
		res := e.search(fmt.Sprintf("q=苏州&page=%d&per_page=5", page))
		for _, h := range res.Hits {
			k := string(h.Type) + h.ID
			if seen[k] {
				t.Errorf("page %d repeats %s", page, k)
			}
			seen[k] = true
		}
	}
	if len(seen) != 14 {
		t.Errorf("pages of 苏州 hold %d records, want 14", len(seen))
	}
}

// TestConcurrentWriters: writers commit while the indexer reads small
// batches; the index ends up exactly the public set.
func TestConcurrentWriters(t *testing.T) {
	opt := fastOptions()
	opt.BatchSize = 25
	e := newEnv(t, opt)
	e.run(e.ix)
	const writers, each = 4, 40
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				n := w*1000 + i
				rs, err := e.s.UpsertPenalties(context.Background(), actor, []domain.Penalty{penalty(t, n, nil)}, store.WriteOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				if i%5 == 0 {
					if err := e.s.Withdraw(context.Background(), actor, store.EntityPenalty, rs[0].ID, domain.ReasonRevoked, ""); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	e.synced()
	if got, want := keys(e.documents(search.IndexPenalties)), e.publicPenaltyIDs(); !sameIDs(got, want) || len(want) != writers*each*4/5 {
		t.Errorf("index holds %d penalties, %d are public (want %d)", len(got), len(want), writers*each*4/5)
	}
}

// TestStandby: a second indexer waits while the first is active and takes
// over when it stops.
func TestStandby(t *testing.T) {
	e := newEnv(t, fastOptions())
	stopFirst := e.run(e.ix)
	e.synced()
	second := e.newIndexer(fastOptions())
	e.run(second)
	ids := e.upsertPenalties(penalty(t, 1, nil))
	e.synced()
	var n int
	if err := e.s.Pool().QueryRow(context.Background(), `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
		AND granted AND ((classid::bigint << 32) | objid::bigint) = $1
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, int64(store.IndexerLease)).Scan(&n); err != nil || n != 1 {
		t.Errorf("indexer leases held: %d (%v), want 1", n, err)
	}
	stopFirst()
	ids = append(ids, e.upsertPenalties(penalty(t, 2, nil))...)
	e.synced()
	if got := keys(e.documents(search.IndexPenalties)); !sameIDs(got, idStrings(ids)) {
		t.Errorf("after takeover the index holds %v, want %v", got, ids)
	}
}

// TestExpiry: a record whose publicity period ends leaves search at once
// and is withdrawn (reason expired) through the change log by the job.
func TestExpiry(t *testing.T) {
	opt := fastOptions()
	opt.ExpiryEvery = 100 * time.Millisecond
	e := newEnv(t, opt)
	short := penalty(t, 1, func(r map[string]string) { r["CF_GSJZQ"] = "2026-11-30" })
	ids := e.upsertPenalties(short, penalty(t, 2, nil))
	e.run(e.ix)
	e.synced()
	if res := e.search("type=penalty"); res.Total != 2 {
		t.Fatalf("before expiry: %d penalties, want 2", res.Total)
	}
	e.setToday(time.Date(2026, 12, 1, 9, 0, 0, 0, shanghai))
	if res := e.search("type=penalty"); res.Total != 1 || first(res).ID != idString(ids[1]) {
		t.Errorf("after the period ended: %d penalties (%v), want only %d", res.Total, hitIDs(res, search.TypePenalty), ids[1])
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var status, reason string
		err := e.s.Pool().QueryRow(context.Background(), `SELECT status::text, coalesce(withdraw_reason::text, '')
			FROM penalties WHERE id = $1`, ids[0]).Scan(&status, &reason)
		if err != nil {
			t.Fatal(err)
		}
		if status == "withdrawn" {
			if reason != string(domain.ReasonExpired) {
				t.Errorf("withdrawn as %q, want expired", reason)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the expiry job did not withdraw the record")
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.synced()
	if _, ok := e.documents(search.IndexPenalties)[idString(ids[0])]; ok {
		t.Error("the expired record is still in the index")
	}
}

// TestLists: the power list is indexed with guides and flowchart steps; a
// new version replaces the items; responsibility and service lists too.
func TestLists(t *testing.T) {
	e := newEnv(t, fastOptions())
	e.run(e.ix)
	ctx := context.Background()
	items := testenv.PowerItems(12)
	items[4].Guide.Conditions = "具有独立法人资格的危险化学品经营单位"
	if _, err := e.s.PublishList(ctx, actor, store.ListInput{Kind: domain.ListPowers, Powers: items}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.PublishList(ctx, actor, store.ListInput{Kind: domain.ListResponsibilities, Responsibilities: []domain.ResponsibilityItem{
		{Code: "ZR001", Part: "主要职责", Duty: "负责危险化学品安全监督管理", Name: "危险化学品经营许可", Detail: "依法审查危险化学品经营许可申请"},
		{Code: "ZR002", Part: "职责边界", Duty: "与市场监管部门的职责边界", Name: "工业产品质量安全"},
	}}, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.synced()

	res := e.search("q=经营单位&type=power")
	if res.Total != 1 || first(res).ID != "pw-"+items[4].Code || first(res).Highlights["conditions"] == "" {
		t.Errorf("guide text: total %d, first %+v", res.Total, first(res))
	}
	res = e.search("q=立案&type=power")
	if res.Total == 0 {
		t.Error("no power item found by its flowchart step 立案")
	}
	res = e.search("q=" + items[2].Code + "&type=all")
	if !first(res).Exact || first(res).ID != "pw-"+items[2].Code || first(res).URL != "/lists/powers/"+items[2].Code {
		t.Errorf("item code: first hit %+v", first(res))
	}
	res = e.search("power_category=行政许可")
	if res.Total != 2 || res.Facets["power_category"]["行政许可"] != 2 {
		t.Errorf("power_category=行政许可: total %d facets %v", res.Total, res.Facets["power_category"])
	}
	res = e.search("q=危险化学品&type=service")
	if res.Total != 1 || first(res).ID != "rs-ZR001" {
		t.Errorf("responsibilities: total %d, first %+v", res.Total, first(res))
	}

	// Version 2 drops two items and renames one.
	items = items[:10]
	items[0].Name = "改名后的事项"
	if _, err := e.s.PublishList(ctx, actor, store.ListInput{Kind: domain.ListPowers, Powers: items}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.synced()
	docs := e.documents(search.IndexPowers)
	if len(docs) != 10 || docs["pw-"+items[0].Code]["name"] != "改名后的事项" || docs["pw-"+items[0].Code]["version_number"] != 2.0 {
		t.Errorf("after version 2: %d items, first %v", len(docs), docs["pw-"+items[0].Code])
	}
	if len(e.documents(search.IndexServices)) != 2 {
		t.Error("replacing the power list touched the services index")
	}
}
