package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/dataset"
	"github.com/gongshi/gongshi/internal/demo"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

func TestMain(m *testing.M) {
	server.ReleaseMode()
	testenv.Main(m)
}

var enfNow = time.Date(2026, 11, 25, 10, 0, 0, 0, domain.China)

type enfFixture struct {
	t            *testing.T
	s            *store.Store
	srv          *httptest.Server
	ingest, feed string
}

func newEnfFixture(t *testing.T) *enfFixture {
	s := testenv.Store(t)
	now := func() time.Time { return enfNow }
	pub := s.Public(domain.DefaultMasking, now)
	h := server.New(server.Deps{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Ingest: s, Keys: s, Overview: s, Reads: pub, Pages: pub,
		Feeds: s.CreditFeed(pub), Enforcement: pub, EnforcementIngest: s, Rules: domain.DefaultPublicityRules(), Now: now,
		Ready: map[string]httpx.Checker{"postgres": s},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &enfFixture{t: t, s: s, srv: srv}
	var err error
	if _, f.ingest, err = s.CreateKey(context.Background(), "bureau", []string{store.ScopeIngest}); err != nil {
		t.Fatal(err)
	}
	if _, f.feed, err = s.CreateKey(context.Background(), "credit-center", []string{store.ScopeFeed}); err != nil {
		t.Fatal(err)
	}
	return f
}

// do sends a request and returns the status and body.
func (f *enfFixture) do(method, path, key string, body any) (int, []byte) {
	f.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			f.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, r)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.StatusCode, b
}

// want sends a request, requires the status, and decodes the JSON answer
// into out (when not nil).
func (f *enfFixture) want(status int, method, path, key string, body, out any) []byte {
	f.t.Helper()
	got, b := f.do(method, path, key, body)
	if got != status {
		f.t.Fatalf("%s %s: %d, want %d: %s", method, path, got, status, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return b
}

const (
	bodyCode  = testenv.AgencyCode // the body of the fixtures
	otherCode = testenv.OtherCode  // not registered as a body
)

type ingestAnswer struct {
	Created, Updated, Unchanged int
	Results                     []store.UpsertResult
}

type problem struct {
	Code   string `json:"code"`
	Errors []domain.FieldError
}

// The enforcement records go in through the admin API and come out
// through the public one: bodies and officers, the certificate check,
// the random-inspection list and its versions, a task and its draw,
// results with their filters, withdrawal and feed, plans with progress,
// and referral totals.
func TestEnforcementIngestAndRead(t *testing.T) {
	f := newEnfFixture(t)
	var ans ingestAnswer

	// Bodies, then officers naming them.
	f.want(http.StatusOK, "POST", "/api/v1/admin/enforcement-bodies", f.ingest, map[string]string{
		"name": "苏州市应急管理局", "credit_code": bodyCode, "legal_basis": "《中华人民共和国安全生产法》第十条",
		"district_code": "320500"}, &ans)
	if ans.Created != 1 {
		t.Fatalf("bodies: %+v", ans)
	}
	valid, revoked := "苏应急32050001", "苏应急32050002"
	f.want(http.StatusOK, "POST", "/api/v1/admin/officers", f.ingest, []map[string]string{
		{"certificate_no": valid, "name": "张三", "issuing_authority": "苏州市人民政府", "body_code": bodyCode, "status": "有效", "valid_until": "2028-12-31"},
		{"certificate_no": revoked, "name": "李四", "issuing_authority": "苏州市人民政府", "body_code": bodyCode, "status": "注销", "valid_until": "2028-12-31"},
	}, &ans)
	if ans.Created != 2 {
		t.Fatalf("officers: %+v", ans)
	}
	// An officer of an unregistered body: 422 naming the field, nothing written.
	var pr problem
	f.want(http.StatusUnprocessableEntity, "POST", "/api/v1/admin/officers", f.ingest, map[string]string{
		"certificate_no": "苏应急32050003", "name": "王五", "issuing_authority": "苏州市人民政府", "body_code": otherCode,
		"status": "有效", "valid_until": "2028-12-31"}, &pr)
	if len(pr.Errors) == 0 || pr.Errors[0].Field != "body_code" {
		t.Errorf("unregistered body: %+v", pr)
	}
	// Without the ingest scope: refused.
	if code, _ := f.do("POST", "/api/v1/admin/officers", f.feed, map[string]string{}); code != http.StatusForbidden {
		t.Errorf("officers with a feed key: %d", code)
	}

	// The certificate check, as typed (lower case, full-width, spaces).
	var v map[string]any
	typed := "苏应急 ３２０５０００１"
	f.want(http.StatusOK, "GET", "/api/v1/officers/verify/"+url.PathEscape(typed), "", nil, &v)
	if v["valid"] != true || v["body"] != "苏州市应急管理局" || v["name"] != "张三" || v["certificate_no"] != valid {
		t.Errorf("verify %s: %v", typed, v)
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"body", "certificate_no", "found", "name", "status", "valid", "valid_until"}; !slices.Equal(keys, want) {
		t.Errorf("the check answers %v, want only %v", keys, want)
	}
	f.want(http.StatusOK, "GET", "/api/v1/officers/verify/"+url.PathEscape(revoked), "", nil, &v)
	if v["valid"] != false || v["status"] != "注销" {
		t.Errorf("verify revoked: %v", v)
	}
	f.want(http.StatusNotFound, "GET", "/api/v1/officers/verify/"+url.PathEscape("苏应急99999999"), "", nil, nil)
	f.want(http.StatusBadRequest, "GET", "/api/v1/officers/verify/"+strings.Repeat("9", 41), "", nil, nil)

	var officers struct {
		Items []map[string]any
		Total int
	}
	f.want(http.StatusOK, "GET", "/api/v1/officers?body_code="+bodyCode+"&status=有效", "", nil, &officers)
	if officers.Total != 1 || officers.Items[0]["certificate_no"] != valid {
		t.Errorf("valid officers of the body: %+v", officers)
	}
	f.want(http.StatusBadRequest, "GET", "/api/v1/officers?status=离职", "", nil, nil)

	var versions struct{ Versions []map[string]any }
	f.want(http.StatusOK, "GET", "/api/v1/registers/officers/versions", "", nil, &versions)
	if len(versions.Versions) != 1 || versions.Versions[0]["added"] != float64(2) {
		t.Errorf("officer register versions: %+v", versions)
	}
	f.want(http.StatusNotFound, "GET", "/api/v1/registers/parties/versions", "", nil, nil)

	// The random-inspection list, published whole: a new version, then
	// the same list again writes nothing.
	items := map[string]any{"effective_date": "2026-01-01", "note": "2026年度清单", "items": []map[string]string{{
		"code": "SJ-001", "name": "危险化学品企业安全生产条件检查", "category": "重点检查事项", "scope": "危险化学品生产经营企业",
		"method": "现场检查", "body": "苏州市应急管理局", "basis": "《危险化学品安全管理条例》", "frequency": "每年不低于5%"}}}
	f.want(http.StatusCreated, "PUT", "/api/v1/admin/inspection-items", f.ingest, items, nil)
	f.want(http.StatusOK, "PUT", "/api/v1/admin/inspection-items", f.ingest, items, nil)
	var list struct {
		Version struct{ Number int }
		Items   []domain.InspectionItem
	}
	f.want(http.StatusOK, "GET", "/api/v1/inspection-items", "", nil, &list)
	if list.Version.Number != 1 || len(list.Items) != 1 || list.Items[0].Code != "SJ-001" {
		t.Errorf("inspection items: %+v", list)
	}
	f.want(http.StatusNotFound, "GET", "/api/v1/inspection-items?version=2", "", nil, nil)

	// A task; its detail repeats the draw from the seed.
	f.want(http.StatusOK, "POST", "/api/v1/admin/inspection-tasks", f.ingest, map[string]string{
		"code": "SJ2026-01", "name": "2026年第一批危化品双随机抽查", "body_code": bodyCode, "plan_year": "2026",
		"item_codes": "SJ-001", "start_date": "2026-03-01", "end_date": "2026-05-31", "candidates": "120", "drawn": "12",
		"seed": "2026-02-20 苏州市应急管理局", "drawn_on": "2026-02-25"}, &ans)
	var tasks struct{ Items []struct{ ID int64 } }
	f.want(http.StatusOK, "GET", "/api/v1/inspection-tasks?year=2026", "", nil, &tasks)
	if len(tasks.Items) != 1 {
		t.Fatalf("tasks: %+v", tasks)
	}
	var task struct {
		Seed string
		Draw struct {
			Algorithm   string
			Enterprises []int
		}
	}
	f.want(http.StatusOK, "GET", fmt.Sprint("/api/v1/inspection-tasks/", tasks.Items[0].ID), "", nil, &task)
	want, err := domain.Draw(domain.DrawFisherYatesSHA256, "2026-02-20 苏州市应急管理局", 120, 12)
	if err != nil || !slices.Equal(task.Draw.Enterprises, want) || task.Draw.Algorithm != domain.DrawFisherYatesSHA256 {
		t.Errorf("draw %+v, want %v (%v)", task.Draw, want, err)
	}

	// Results: one of the task, one case; filters, detail, withdrawal.
	result := func(no, outcome, hazards, kind, task string) map[string]string {
		return map[string]string{"JC_JLBH": no, "JC_JCZTDM": bodyCode, "JC_JCLX": kind, "JC_RWBH": task,
			"JC_XDR_MC": "苏州某化工有限公司", "JC_XDR_LB": "法人及非法人组织", "JC_XDR_SHXYM": testenv.CompanyCode,
			"JC_HYLY": "危险化学品", "JC_JCRQ": "2026-03-10", "JC_JCJG": outcome, "JC_YHS": hazards, "JC_JCQK": "现场检查"}
	}
	f.want(http.StatusOK, "POST", "/api/v1/admin/inspection-results", f.ingest, []map[string]string{
		result("JC-2026-001", "未发现问题", "0", "双随机抽查", "SJ2026-01"),
		result("JC-2026-002", "发现问题已责令整改", "3", "重点检查", ""),
	}, &ans)
	if ans.Created != 2 {
		t.Fatalf("results: %+v", ans)
	}
	var results struct {
		Items []struct {
			ID       int64
			RecordNo string  `json:"record_no"`
			TaskURL  *string `json:"task_url"`
		}
		Total int
	}
	f.want(http.StatusOK, "GET", "/api/v1/inspection-results?outcome="+url.QueryEscape("发现问题已责令整改"), "", nil, &results)
	if results.Total != 1 || results.Items[0].RecordNo != "JC-2026-002" {
		t.Errorf("results by outcome: %+v", results)
	}
	f.want(http.StatusOK, "GET", fmt.Sprintf("/api/v1/inspection-results?task_id=%d", tasks.Items[0].ID), "", nil, &results)
	if results.Total != 1 || results.Items[0].RecordNo != "JC-2026-001" || results.Items[0].TaskURL == nil {
		t.Errorf("results of the task: %+v", results)
	}
	id := results.Items[0].ID
	f.want(http.StatusBadRequest, "GET", "/api/v1/inspection-results?outcome=good", "", nil, nil)
	f.want(http.StatusBadRequest, "GET", "/api/v1/inspection-results?inspection_date_from=2026-04-01&inspection_date_to=2026-03-01", "", nil, nil)
	f.want(http.StatusOK, "GET", fmt.Sprint("/api/v1/inspection-results/", id), "", nil, nil)
	f.want(http.StatusUnprocessableEntity, "POST", fmt.Sprintf("/api/v1/admin/inspection-results/%d/withdraw", id), f.ingest,
		map[string]string{"reason": "expired"}, nil)
	f.want(http.StatusOK, "POST", fmt.Sprintf("/api/v1/admin/inspection-results/%d/withdraw", id), f.ingest,
		map[string]string{"reason": "revoked", "note": "检查结论已撤销"}, nil)
	f.want(http.StatusNotFound, "GET", fmt.Sprint("/api/v1/inspection-results/", id), "", nil, nil)
	f.want(http.StatusConflict, "POST", fmt.Sprintf("/api/v1/admin/inspection-results/%d/withdraw", id), f.ingest,
		map[string]string{"reason": "revoked"}, nil)
	// Gone from the download and a tombstone in the feed.
	_, csv := f.do("GET", "/api/v1/enforcement-datasets/inspection-results/download?format=csv", "", nil)
	if strings.Contains(string(csv), "JC-2026-001") || !strings.Contains(string(csv), "JC-2026-002") {
		t.Errorf("the download after the withdrawal:\n%s", csv)
	}
	var feed struct {
		Changes []struct {
			Op     string
			Key    map[string]string
			Reason string
		}
	}
	f.want(http.StatusOK, "GET", "/api/v1/feeds/inspection-results", f.feed, nil, &feed)
	ops := map[string]string{}
	for _, e := range feed.Changes {
		ops[e.Key["JC_JLBH"]] = e.Op + ":" + e.Reason
	}
	if !strings.HasPrefix(ops["JC-2026-001"], "withdraw") || !strings.HasPrefix(ops["JC-2026-002"], "upsert") {
		t.Errorf("feed entries by record: %v\n%+v", ops, feed)
	}

	// A natural person's result: the ID number, in its field and in the
	// findings, is in no public channel; a withdrawn result is in none.
	person := result("JC-2026-003", "发现问题已责令整改", "1", "举报核查", "")
	person["JC_XDR_MC"], person["JC_XDR_LB"], person["JC_XDR_SHXYM"] = "李四", "自然人", ""
	person["JC_XDR_ZJLX"], person["JC_XDR_ZJHM"] = "身份证", testenv.PersonID
	person["JC_JCQK"] = "举报人反映李四（身份证" + testenv.PersonID + "）在家中储存烟花爆竹，已责令清除。"
	f.want(http.StatusOK, "POST", "/api/v1/admin/inspection-results", f.ingest, person, nil)
	for _, path := range []string{"/api/v1/inspection-results?party_kind=" + url.QueryEscape("自然人"),
		"/enforcement/results?party_kind=" + url.QueryEscape("自然人"),
		"/api/v1/enforcement-datasets/inspection-results/download?format=json"} {
		code, b := f.do("GET", path, "", nil)
		listed := strings.Contains(string(b), "JC-2026-003") || strings.Contains(string(b), "共 1 条")
		if code != http.StatusOK || !listed || strings.Contains(string(b), testenv.PersonID) {
			t.Errorf("%s: %d, lists the person %v, shows the full ID number %v", path, code, listed,
				strings.Contains(string(b), testenv.PersonID))
		}
	}
	_, feedBody := f.do("GET", "/api/v1/feeds/inspection-results", f.feed, nil)
	if strings.Contains(string(feedBody), testenv.PersonID) {
		t.Error("the masked feed shows the full ID number")
	}
	for _, path := range []string{fmt.Sprint("/enforcement/results/", id), "/enforcement/results", "/api/v1/inspection-results"} {
		code, b := f.do("GET", path, "", nil)
		if strings.Contains(string(b), "JC-2026-001") || (strings.HasSuffix(path, fmt.Sprint(id)) && code != http.StatusNotFound) {
			t.Errorf("%s after the withdrawal: %d, shows the record %v", path, code, strings.Contains(string(b), "JC-2026-001"))
		}
	}

	// A plan, one record per target.
	plan := func(cat, n string) map[string]string {
		return map[string]string{"year": "2026", "body_code": bodyCode, "name": "2026年度安全生产监督检查计划",
			"approved_on": "2026-01-15", "category": cat, "enterprises": n}
	}
	f.want(http.StatusOK, "POST", "/api/v1/admin/enforcement-plans", f.ingest,
		[]map[string]string{plan("危险化学品", "100"), plan("机械", "50")}, &ans)
	if ans.Created != 1 {
		t.Errorf("plan: %+v", ans)
	}
	f.want(http.StatusUnprocessableEntity, "POST", "/api/v1/admin/enforcement-plans", f.ingest,
		[]map[string]string{plan("危险化学品", "100"), plan("危险化学品", "60")}, nil)
	var plans struct {
		Items []struct {
			Planned, Inspected int64
			Targets            []struct {
				Category           string
				Planned, Inspected int64
			}
		}
	}
	f.want(http.StatusOK, "GET", "/api/v1/enforcement-plans?year=2026", "", nil, &plans)
	// Done: the two parties of 2026's published results, both 危险化学品.
	if len(plans.Items) != 1 || plans.Items[0].Planned != 150 || plans.Items[0].Inspected != 2 ||
		plans.Items[0].Targets[0].Inspected != 2 || plans.Items[0].Targets[1].Inspected != 0 {
		t.Errorf("plans: %+v", plans)
	}

	// Referrals: counts only, summed by quarter and type.
	f.want(http.StatusOK, "POST", "/api/v1/admin/criminal-referrals", f.ingest, []map[string]string{
		{"year": "2026", "quarter": "3", "body_code": bodyCode, "stage": "事故", "cases": "2", "persons": "3"},
		{"year": "2026", "quarter": "3", "body_code": bodyCode, "stage": "事前", "cases": "1", "persons": "1"},
	}, &ans)
	var refs struct {
		Totals []struct {
			Quarter, Stage string
			Cases, Persons int
		}
	}
	f.want(http.StatusOK, "GET", "/api/v1/criminal-referrals?from=2026Q1&to=2026Q4", "", nil, &refs)
	if len(refs.Totals) != 2 || refs.Totals[0].Stage != "事前" || refs.Totals[1].Cases != 2 || refs.Totals[1].Persons != 3 {
		t.Errorf("referral totals: %+v", refs)
	}
	f.want(http.StatusBadRequest, "GET", "/api/v1/criminal-referrals?from=2026Q4&to=2026Q1", "", nil, nil)

	// The datasets: listed, with their dictionaries, downloadable.
	var dsl struct{ Dataset []struct{ Identifier string } }
	f.want(http.StatusOK, "GET", "/api/v1/enforcement-datasets", "", nil, &dsl)
	if len(dsl.Dataset) != len(dataset.Enforcement) {
		t.Errorf("enforcement datasets: %+v", dsl)
	}
	_, csv = f.do("GET", "/api/v1/enforcement-datasets/officers/download?format=csv&headers=zh", "", nil)
	if !strings.Contains(string(csv), valid) || !strings.HasPrefix(string(csv), "执法证号,姓名,发证机关") {
		t.Errorf("officers download:\n%s", csv)
	}

	// Found by the party's name, or by a credit code typed into q; the
	// withdrawn result never. A natural person is found by the name that
	// is published, never by an ID number: a q holding one is refused,
	// and a digit in q matches any digit, so the hidden digits of a name
	// cannot be probed.
	glued := result("JC-2026-004", "未发现问题", "0", "举报核查", "")
	glued["JC_XDR_MC"], glued["JC_XDR_LB"], glued["JC_XDR_SHXYM"] = "王五"+testenv.PersonID+"号摊", "自然人", ""
	glued["JC_XDR_ZJLX"], glued["JC_XDR_ZJHM"] = "身份证", testenv.PersonID
	f.want(http.StatusOK, "POST", "/api/v1/admin/inspection-results", f.ingest, glued, nil)
	for q, want := range map[string]string{"化工": "JC-2026-002", "某化工有限": "JC-2026-002",
		" " + strings.ToLower(testenv.CompanyCode) + " ": "JC-2026-002", "李四": "JC-2026-003",
		"王五": "JC-2026-004", "号摊": "JC-2026-004", "王五999": "JC-2026-004", "王五" + testenv.PersonID[:3]: "JC-2026-004", "没有这家企业": ""} {
		f.want(http.StatusOK, "GET", "/api/v1/inspection-results?q="+url.QueryEscape(q), "", nil, &results)
		if (want == "" && results.Total != 0) || (want != "" && (results.Total != 1 || results.Items[0].RecordNo != want)) {
			t.Errorf("q=%q: %+v, want %q", q, results, want)
		}
		code, page := f.do("GET", "/enforcement/results?q="+url.QueryEscape(q), "", nil)
		if code != http.StatusOK || strings.Contains(string(page), "共 "+fmt.Sprint(results.Total)+" 条") == false ||
			strings.Contains(string(page), testenv.PersonID) {
			t.Errorf("the page for q=%q: %d, want %d results and no full ID number", q, code, results.Total)
		}
	}
	for _, q := range []string{"化", strings.Repeat("化", 101), "12", testenv.PersonID, "王五" + testenv.PersonID,
		"李四" + testenv.PersonID[:17]} {
		var pr problem
		f.want(http.StatusBadRequest, "GET", "/api/v1/inspection-results?q="+url.QueryEscape(q), "", nil, &pr)
		if len(pr.Errors) != 1 || pr.Errors[0].Field != "q" {
			t.Errorf("q=%q: %+v, want an error naming q", q, pr)
		}
		if code, _ := f.do("GET", "/enforcement/results?q="+url.QueryEscape(q), "", nil); code != http.StatusBadRequest {
			t.Errorf("the page for q=%q: %d, want 400", q, code)
		}
	}
	f.want(http.StatusBadRequest, "GET", "/api/v1/inspection-results?credit_code="+bodyCode+"&q="+testenv.CompanyCode, "", nil, nil)
	_, page := f.do("GET", "/enforcement/results?q="+url.QueryEscape("化工")+"&outcome="+url.QueryEscape("发现问题已责令整改"), "", nil)
	for _, part := range []string{`<label for="r-q">企业名称或统一社会信用代码</label>`, `name="q" type="search" value="化工"`,
		`<input type="hidden" name="q" value="化工">`, "苏州某化工有限公司"} {
		if !strings.Contains(string(page), part) {
			t.Errorf("the searched page lacks %s", part)
		}
	}
}

// Every enforcement dataset of the registry is one the store exports,
// with the same dictionary.
func TestEnforcementDatasetsFollowTheStore(t *testing.T) {
	for _, d := range dataset.Enforcement {
		sd, ok := store.EnforcementDatasetByName(d.Name)
		if !ok || sd.Entity != d.Entity || len(sd.Fields) != len(d.Fields) {
			t.Errorf("%s: the store has %+v", d.Name, sd)
		}
	}
	if len(dataset.Enforcement) != len(store.EnforcementDatasets) {
		t.Errorf("%d datasets in the registry, %d in the store", len(dataset.Enforcement), len(store.EnforcementDatasets))
	}
}

// recount computes figures of the period [from, to] with plain SQL over
// the records, independently of the store's figures: the counting rules
// of the report, written again.
func recount(t *testing.T, from, to time.Time) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, testenv.DatabaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	out := map[string]int64{}
	one := func(key, sql string, args ...any) {
		var n int64
		if err := conn.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		out[key] = n
	}
	standing := `(status = 'published' OR withdraw_reason IN ('expired', 'repaired'))`
	one("cases", `SELECT count(*) FROM penalties WHERE decision_date BETWEEN $1 AND $2 AND `+standing, from, to)
	one("pre_accident_cases", `SELECT count(*) FROM penalties WHERE stage = '事前' AND decision_date BETWEEN $1 AND $2 AND `+standing, from, to)
	one("large_cases", `SELECT count(*) FROM penalties WHERE stage = '事前' AND fine_yuan >= 50000 AND decision_date BETWEEN $1 AND $2 AND `+standing, from, to)
	one("fines", `SELECT coalesce(sum(fine_yuan), 0) * 100 FROM penalties WHERE decision_date BETWEEN $1 AND $2 AND `+standing, from, to)
	one("permits", `SELECT count(*) FROM permits WHERE decision_date BETWEEN $1 AND $2 AND `+standing, from, to)
	one("inspections", `SELECT count(*) FROM inspection_results WHERE status = 'published' AND inspection_date BETWEEN $1 AND $2`, from, to)
	one("hazards", `SELECT coalesce(sum(hazards), 0) FROM inspection_results WHERE status = 'published' AND inspection_date BETWEEN $1 AND $2`, from, to)
	// Enterprises: distinct credit codes, plus distinct parties without one.
	one("enterprises_inspected", `SELECT
		(SELECT count(DISTINCT credit_code) FROM inspection_results WHERE status = 'published' AND inspection_date BETWEEN $1 AND $2
			AND credit_code NOT IN ('', '00000000000000000X')) +
		(SELECT count(*) FROM (SELECT DISTINCT party_kind, party_name, business_reg_no, id_no FROM inspection_results
			WHERE status = 'published' AND inspection_date BETWEEN $1 AND $2 AND credit_code IN ('', '00000000000000000X')) x)`, from, to)
	one("problems", `SELECT count(*) FROM inspection_results WHERE status = 'published' AND inspection_date BETWEEN $1 AND $2
		AND outcome <> '未发现问题'`, from, to)
	out["documents"] = out["inspections"] + out["problems"] + out["cases"]
	one("referrals", `SELECT coalesce(sum(cases), 0) FROM criminal_referrals
		WHERE make_date(year, (quarter - 1) * 3 + 1, 1) BETWEEN $1 AND $2`, from, to)
	one("referral_persons", `SELECT coalesce(sum(persons), 0) FROM criminal_referrals
		WHERE make_date(year, (quarter - 1) * 3 + 1, 1) BETWEEN $1 AND $2`, from, to)
	return out
}

// The quarterly report of the demo data's most recent complete quarter,
// as the API, the page and the CSV give it, matches a recount over the
// records; so does the year to date.
func TestQuarterlyReportMatchesRecount(t *testing.T) {
	f := newEnfFixture(t)
	ctx := context.Background()
	opt := demo.Options{Penalties: 4000, Permits: 1000, Now: enfNow}
	if _, err := demo.Load(ctx, f.s, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.LoadEnforcement(ctx, f.s, opt); err != nil {
		t.Fatal(err)
	}
	q := domain.LastCompleteQuarter(domain.ChinaDate(enfNow))
	keys := []string{"cases", "pre_accident_cases", "large_cases", "fines", "permits", "inspections", "hazards",
		"enterprises_inspected", "documents", "referrals", "referral_persons"}
	for _, ytd := range []bool{false, true} {
		from := q.Start()
		query := ""
		if ytd {
			from, query = time.Date(q.Year, 1, 1, 0, 0, 0, 0, time.UTC), "?ytd=true"
		}
		want := recount(t, from, q.End())
		if want["cases"] == 0 || want["inspections"] == 0 || want["referrals"] == 0 {
			t.Fatalf("the demo data has nothing to count in %v (ytd %v): %v", q, ytd, want)
		}
		var r struct {
			Quarter  string
			Complete bool
			Figures  []struct {
				Key     string
				N       int64 `json:"numerator"`
				Sources []struct{ URL string }
			}
		}
		f.want(http.StatusOK, "GET", "/api/v1/reports/quarterly"+query, "", nil, &r)
		if r.Quarter != q.String() || !r.Complete {
			t.Errorf("default quarter %s (complete %v), want %s", r.Quarter, r.Complete, q)
		}
		got := map[string]int64{}
		for _, fig := range r.Figures {
			got[fig.Key] = fig.N
			if len(fig.Sources) == 0 || !strings.HasPrefix(fig.Sources[0].URL, "/api/v1/") {
				t.Errorf("%s: no link to its records: %+v", fig.Key, fig.Sources)
			}
		}
		_, page := f.do("GET", "/reports/quarterly"+query, "", nil)
		onPage := map[string]int64{}
		for _, m := range regexp.MustCompile(`data-key="([a-z_]+)" data-num="(-?[0-9]+)"`).FindAllStringSubmatch(string(page), -1) {
			onPage[m[1]], _ = strconv.ParseInt(m[2], 10, 64)
		}
		_, csv := f.do("GET", "/reports/quarterly.csv"+query, "", nil)
		for _, k := range keys {
			if got[k] != want[k] {
				t.Errorf("ytd %v: API %s = %d, recount %d", ytd, k, got[k], want[k])
			}
			if onPage[k] != want[k] {
				t.Errorf("ytd %v: page %s = %d, recount %d", ytd, k, onPage[k], want[k])
			}
			if !strings.Contains(string(csv), ","+k+",") {
				t.Errorf("ytd %v: CSV has no row %s", ytd, k)
			}
		}
		t.Logf("%s ytd=%v: %v", q, ytd, want)
	}
	// The links of a figure select the records it counts: the results
	// list behind "inspections" has as many records as the figure.
	var r struct {
		Figures []struct {
			Key     string
			N       int64 `json:"numerator"`
			Sources []struct{ URL string }
		}
	}
	f.want(http.StatusOK, "GET", "/api/v1/reports/quarterly", "", nil, &r)
	for _, fig := range r.Figures {
		if fig.Key != "inspections" {
			continue
		}
		var list struct{ Total int64 }
		f.want(http.StatusOK, "GET", fig.Sources[0].URL, "", nil, &list)
		if list.Total != fig.N {
			t.Errorf("%s lists %d records, the figure counts %d", fig.Sources[0].URL, list.Total, fig.N)
		}
	}
	f.want(http.StatusBadRequest, "GET", "/api/v1/reports/quarterly?quarter=2099Q1", "", nil, nil)
	f.want(http.StatusBadRequest, "GET", "/api/v1/reports/quarterly?quarter=spring", "", nil, nil)
}
