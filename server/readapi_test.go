package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/flowchart"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

// readToday is "today" for the public read path of these tests.
var readToday = time.Date(2026, 11, 25, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))

// readFixture is a server on a fresh database with the public read API
// wired to store.Public. Every response it receives is checked against
// openapi.yaml and searched for testenv.PersonID, which no response may
// contain.
type readFixture struct {
	t      *testing.T
	s      *store.Store
	srv    *httptest.Server
	ingest string // secret of a key with scope ingest
}

func newReadFixture(t *testing.T) *readFixture {
	t.Helper()
	s := testenv.Store(t)
	h := server.New(server.Deps{
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ingest:   s,
		Keys:     s,
		Overview: s,
		Reads:    s.Public(domain.DefaultMasking, func() time.Time { return readToday }),
		Rules:    domain.DefaultPublicityRules(),
		Now:      func() time.Time { return readToday.Add(10 * time.Hour) },
		Ready:    map[string]httpx.Checker{"postgres": s},
		Limits:   httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000), PerKey: ratelimit.PerMinute(1_000_000)},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &readFixture{t: t, s: s, srv: srv}
	var err error
	if _, f.ingest, err = s.CreateKey(context.Background(), "bureau", []string{store.ScopeIngest}); err != nil {
		t.Fatal(err)
	}
	return f
}

// send makes a request, checks the response against the spec and for the
// full ID number, and returns it with its body.
func (f *readFixture) send(method, path, key string, body any) (*http.Response, []byte) {
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
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatal(err)
	}
	checkSpec(f.t, resp, out)
	if bytes.Contains(out, []byte(testenv.PersonID)) {
		f.t.Errorf("%s %s: the response contains the full ID number %s", method, path, testenv.PersonID)
	}
	return resp, out
}

func (f *readFixture) get(path string) (*http.Response, []byte) {
	f.t.Helper()
	return f.send(http.MethodGet, path, "", nil)
}

// getJSON GETs path, wants status, and decodes the body into a T.
func getJSON[T any](f *readFixture, path string, status int) T {
	f.t.Helper()
	resp, body := f.get(path)
	if resp.StatusCode != status {
		f.t.Fatalf("GET %s: status %d, want %d: %s", path, resp.StatusCode, status, body)
	}
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		f.t.Fatalf("GET %s: %v: %s", path, err, body)
	}
	return v
}

var testActor = store.Actor{Name: "test"}

func (f *readFixture) penalties(ps ...domain.Penalty) []int64 {
	f.t.Helper()
	rs, err := f.s.UpsertPenalties(context.Background(), testActor, ps, store.WriteOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func (f *readFixture) permits(ps ...domain.Permit) []int64 {
	f.t.Helper()
	rs, err := f.s.UpsertPermits(context.Background(), testActor, ps, store.WriteOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

func (f *readFixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.s.Pool().Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatal(err)
	}
}

func parsePenalty(t *testing.T, rec map[string]string) domain.Penalty {
	t.Helper()
	p, errs := domain.ParsePenalty(rec, domain.ParseOptions{Now: readToday})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return p
}

func parsePermit(t *testing.T, rec map[string]string) domain.Permit {
	t.Helper()
	p, errs := domain.ParsePermit(rec, domain.ParseOptions{Now: readToday})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return p
}

// Agencies of the fixtures: the city bureau (district 320500, its credit
// code's region) and a district bureau (虎丘区 320505).
var (
	cityAgency  = testenv.AgencyCode
	hqAgencyFix = agencyUSCC("320505", "MB123456")
)

// agencyUSCC returns the valid 统一社会信用代码 of a 机关 in the region
// whose organization code starts with org8.
func agencyUSCC(region, org8 string) string {
	c9, err := domain.OrgCodeCheckChar(org8)
	if err != nil {
		panic(err)
	}
	first17 := "11" + region + org8 + string(c9)
	c18, err := domain.USCCCheckChar(first17)
	if err != nil {
		panic(err)
	}
	return first17 + string(c18)
}

type penaltyOut struct {
	ID           int64    `json:"id"`
	URL          string   `json:"url"`
	DecisionNo   string   `json:"decision_no"`
	PartyName    string   `json:"party_name"`
	IDNo         string   `json:"id_no"`
	Facts        string   `json:"facts"`
	Fine         string   `json:"fine"`
	Categories   []string `json:"categories"`
	DecisionDate string   `json:"decision_date"`
	District     *string  `json:"district"`
	DistrictCode *string  `json:"district_code"`
	Stage        *string  `json:"stage"`
	AgencyCode   string   `json:"agency_code"`
	Status       string   `json:"status"`
}

type pageOut[T any] struct {
	Items []T     `json:"items"`
	Count int     `json:"count"`
	Total int64   `json:"total"`
	Limit int     `json:"limit"`
	Sort  string  `json:"sort"`
	Next  *string `json:"next"`
}

type errorOut struct {
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Errors  []domain.FieldError `json:"errors"`
}

// seedPenalties stores a varied set of penalties and returns the ids of
// the public ones by name, plus a withdrawn and an expired one.
func seedPenalties(f *readFixture) map[string]int64 {
	t := f.t
	a := parsePenalty(t, testenv.PenaltyRecord(1)) // city, 罚款 20000, 2026-10-15, 事前

	rb := testenv.PenaltyRecord(2)
	rb["CF_CFJGDM"], rb["CF_SJLYDM"], rb["CF_CFJG"] = hqAgencyFix, hqAgencyFix, "苏州高新区应急管理局"
	rb["CF_NR_FK"], rb["CF_JDRQ"], rb["CF_AJJD"] = "0.5", "2026-09-01", "事故"
	rb["CF_CFLB"] = "罚款;责令停产停业"
	b := parsePenalty(t, rb)

	rc := testenv.PenaltyRecord(3)
	rc["CF_CFLB"], rc["CF_NR_FK"], rc["CF_NR"], rc["CF_JDRQ"] = "警告", "", "警告", "2026-08-20"
	delete(rc, "CF_AJJD")
	rc["CF_GSJZQ"] = "2027-02-20"
	c := parsePenalty(t, rc)

	rp := testenv.PersonPenaltyRecord(4)
	rp["CF_SY"] = "当事人李四（身份证号" + testenv.PersonID + "）未取得许可"
	rp["CF_NR_FK"], rp["CF_JDRQ"] = "0.3", "2026-10-15"
	person := parsePenalty(t, rp)

	rw := testenv.PenaltyRecord(5)
	withdrawn := parsePenalty(t, rw)

	re := testenv.PenaltyRecord(6)
	re["CF_JDRQ"], re["CF_GSJZQ"] = "2020-03-01", "2021-03-01"
	expired := parsePenalty(t, re)

	ids := f.penalties(a, b, c, person, withdrawn, expired)
	if err := f.s.Withdraw(context.Background(), testActor, store.EntityPenalty, ids[4], domain.ReasonRevoked, "撤销"); err != nil {
		t.Fatal(err)
	}
	return map[string]int64{"a": ids[0], "b": ids[1], "c": ids[2], "person": ids[3], "withdrawn": ids[4], "expired": ids[5]}
}

func ids[T any](items []T, id func(T) int64) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = id(it)
	}
	return out
}

func penaltyID(p penaltyOut) int64 { return p.ID }

func TestPenaltyList(t *testing.T) {
	f := newReadFixture(t)
	id := seedPenalties(f)

	all := getJSON[pageOut[penaltyOut]](f, "/api/v1/penalties", 200)
	want := []int64{id["person"], id["a"], id["b"], id["c"]} // decision date descending, then id descending
	if got := ids(all.Items, penaltyID); !slices.Equal(got, want) || all.Total != 4 || all.Next != nil || all.Sort != "-decision_date" {
		t.Fatalf("list = %v total %d next %v sort %s, want %v, 4, none", got, all.Total, all.Next, all.Sort, want)
	}
	for _, p := range all.Items {
		if p.URL != "/api/v1/penalties/"+itoa(p.ID) || p.Status != "published" {
			t.Errorf("record %d: url %q status %q", p.ID, p.URL, p.Status)
		}
		if p.ID == id["person"] && (!strings.HasPrefix(p.IDNo, "110105") || !strings.Contains(p.IDNo, "*") ||
			!strings.Contains(p.Facts, "110105**********2X")) {
			t.Errorf("natural person not masked: id_no %q facts %q", p.IDNo, p.Facts)
		}
		if p.ID == id["b"] && (p.Fine != "5000.00" || p.District == nil || *p.District != "虎丘区" || *p.Stage != "事故") {
			t.Errorf("record b: fine %s district %v stage %v", p.Fine, p.District, p.Stage)
		}
		if p.ID == id["c"] && (p.Fine != "0.00" || p.Stage != nil) {
			t.Errorf("record c: fine %s stage %v, want 0.00 and null", p.Fine, p.Stage)
		}
	}

	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"agency_code=" + hqAgencyFix, []int64{id["b"]}},
		{"district=320505", []int64{id["b"]}},
		{"district=" + url.QueryEscape("虎丘区"), []int64{id["b"]}},
		{"category=" + url.QueryEscape("责令停产停业"), []int64{id["b"]}},
		{"category=" + url.QueryEscape("警告"), []int64{id["c"]}},
		{"stage=" + url.QueryEscape("事故"), []int64{id["b"]}},
		{"party_kind=" + url.QueryEscape("自然人"), []int64{id["person"]}},
		{"credit_code=" + testenv.USCC("320505", 1), []int64{id["a"]}},
		{"credit_code=" + strings.ToLower(testenv.USCC("320505", 1)), []int64{id["a"]}},
		{"decision_date_from=2026-08-21&decision_date_to=2026-09-30", []int64{id["b"]}},
		{"decision_date_from=2026-10-15", nil},
		{"fine_min=3000&fine_max=5000", []int64{id["person"], id["b"]}},
		{"fine_min=20000.00", []int64{id["a"]}},
		{"sort=fine", []int64{id["c"], id["person"], id["b"], id["a"]}},
		{"sort=-fine", []int64{id["a"], id["b"], id["person"], id["c"]}},
		{"sort=decision_date&stage=" + url.QueryEscape("事前"), nil},
		{"agency_code=" + cityAgency + "&sort=published_at", []int64{id["a"], id["c"], id["person"]}},
	} {
		page := getJSON[pageOut[penaltyOut]](f, "/api/v1/penalties?"+tc.query, 200)
		got := ids(page.Items, penaltyID)
		if tc.want == nil {
			continue // only checked against the spec
		}
		if !slices.Equal(got, tc.want) || page.Total != int64(len(tc.want)) {
			t.Errorf("?%s: %v (total %d), want %v", tc.query, got, page.Total, tc.want)
		}
	}
	// Every public record decided on 2026-10-15 is 事前 in the fixtures.
	page := getJSON[pageOut[penaltyOut]](f, "/api/v1/penalties?decision_date_from=2026-10-15", 200)
	if page.Total != 2 {
		t.Errorf("decided from 2026-10-15: %d, want 2", page.Total)
	}

	// Detail at the permanent URL; withdrawn and expired records are 404.
	one := getJSON[penaltyOut](f, "/api/v1/penalties/"+itoa(id["b"]), 200)
	if one.ID != id["b"] || one.AgencyCode != hqAgencyFix {
		t.Errorf("detail: %+v", one)
	}
	// A withdrawn or expired record's URL says since when and why it is
	// gone (410), and nothing of its content.
	for gone, says := range map[string]string{"withdrawn": "was withdrawn on", "expired": "publicity period ended on"} {
		e := getJSON[errorOut](f, "/api/v1/penalties/"+itoa(id[gone]), 410)
		if e.Code != "gone" || !strings.Contains(e.Message, says) || strings.Contains(e.Message, "有限公司") {
			t.Errorf("%s record: %+v", gone, e)
		}
	}
	getJSON[errorOut](f, "/api/v1/penalties/999999", 404)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestPenaltyPaging walks every page with a small limit and a filter, and
// checks that each record comes exactly once, in order, with the filters
// kept in the next links.
func TestPenaltyPaging(t *testing.T) {
	f := newReadFixture(t)
	var ps []domain.Penalty
	for i := range 23 {
		r := testenv.PenaltyRecord(100 + i)
		r["CF_JDRQ"] = time.Date(2026, 10, 1+i%5, 0, 0, 0, 0, time.UTC).Format(domain.DateLayout) // ties on the date
		r["CF_NR_FK"] = []string{"1", "2", "0.5"}[i%3]
		ps = append(ps, parsePenalty(t, r))
	}
	all := f.penalties(ps...)
	for _, sort := range []string{"-decision_date", "decision_date", "fine", "-fine", "published_at", "-published_at"} {
		path := "/api/v1/penalties?limit=4&category=" + url.QueryEscape("罚款") + "&sort=" + sort
		var seen []int64
		var prevKey string
		for pages := 0; path != ""; pages++ {
			if pages > 10 {
				t.Fatalf("sort %s: more pages than records", sort)
			}
			page := getJSON[pageOut[penaltyOut]](f, path, 200)
			if page.Total != 23 || page.Limit != 4 || page.Sort != sort {
				t.Fatalf("sort %s: total %d limit %d sort %s", sort, page.Total, page.Limit, page.Sort)
			}
			for _, p := range page.Items {
				key := p.DecisionDate
				if strings.Contains(sort, "fine") {
					key = strings.Repeat(" ", 12-len(p.Fine)) + p.Fine
				}
				if strings.Contains(sort, "decision_date") || strings.Contains(sort, "fine") {
					if prevKey != "" && ((sort[0] == '-' && key > prevKey) || (sort[0] != '-' && key < prevKey)) {
						t.Errorf("sort %s: %q after %q", sort, key, prevKey)
					}
					prevKey = key
				}
				seen = append(seen, p.ID)
			}
			path = ""
			if page.Next != nil {
				path = *page.Next
				if !strings.Contains(path, "category=") || !strings.Contains(path, "limit=4") || !strings.Contains(path, "sort=") {
					t.Errorf("next link %s lost a filter", path)
				}
			}
		}
		got := slices.Clone(seen)
		slices.Sort(got)
		if !slices.Equal(got, all) {
			t.Errorf("sort %s: pages held %v, want each of %v once", sort, seen, all)
		}
	}
	// A cursor is tied to its sort.
	page := getJSON[pageOut[penaltyOut]](f, "/api/v1/penalties?limit=4&sort=fine", 200)
	u, _ := url.Parse(*page.Next)
	e := getJSON[errorOut](f, "/api/v1/penalties?limit=4&sort=-fine&cursor="+u.Query().Get("cursor"), 400)
	if len(e.Errors) != 1 || e.Errors[0].Field != "cursor" {
		t.Errorf("cursor of another sort: %+v", e)
	}
	// … and to its list: permits sort by decision date too, but a
	// penalties cursor is no place in the permits list.
	page = getJSON[pageOut[penaltyOut]](f, "/api/v1/penalties?limit=4", 200)
	u, _ = url.Parse(*page.Next)
	e = getJSON[errorOut](f, "/api/v1/permits?limit=4&cursor="+u.Query().Get("cursor"), 400)
	if len(e.Errors) != 1 || e.Errors[0].Field != "cursor" {
		t.Errorf("cursor of another list: %+v", e)
	}
	resp, _ := f.get("/api/v1/penalties?limit=4")
	if !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Errorf("no Link header: %q", resp.Header.Get("Link"))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=0"+cdnSuffix {
		t.Errorf("Cache-Control %q", cc)
	}
}

type permitOut struct {
	ID         int64  `json:"id"`
	DecisionNo string `json:"decision_no"`
	State      string `json:"state"`
	Category   string `json:"category"`
	ValidTo    string `json:"valid_to"`
}

func permitID(p permitOut) int64 { return p.ID }

func TestPermitList(t *testing.T) {
	f := newReadFixture(t)
	a := parsePermit(t, testenv.PermitRecord(1))
	rb := testenv.PermitRecord(2)
	rb["XK_ZT"], rb["XK_XKLB"], rb["XK_JDRQ"], rb["XK_YXQZ"], rb["XK_YXQZI"] = "无效", "登记", "2026-09-01", "2026-09-01", "2027-08-31"
	b := parsePermit(t, rb)
	rc := testenv.PermitRecord(3)
	rc["XK_XKJGDM"], rc["XK_LYDWDM"] = hqAgencyFix, hqAgencyFix
	c := parsePermit(t, rc)
	withdrawn := parsePermit(t, testenv.PermitRecord(4))
	id := f.permits(a, b, c, withdrawn)
	if err := f.s.Withdraw(context.Background(), testActor, store.EntityPermit, id[3], domain.ReasonCorrected, ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  []int64
	}{
		{"", []int64{id[2], id[0], id[1]}},
		{"state=" + url.QueryEscape("无效"), []int64{id[1]}},
		{"category=" + url.QueryEscape("登记"), []int64{id[1]}},
		{"district=320505", []int64{id[2]}},
		{"agency_code=" + cityAgency, []int64{id[0], id[1]}},
		{"party_kind=" + url.QueryEscape("法人及非法人组织") + "&sort=valid_to", []int64{id[1], id[0], id[2]}},
		{"decision_date_to=2026-09-30", []int64{id[1]}},
		{"credit_code=" + testenv.USCC("320506", 3), []int64{id[2]}},
		{"limit=1&sort=-decision_date", []int64{id[2]}},
	} {
		page := getJSON[pageOut[permitOut]](f, "/api/v1/permits?"+tc.query, 200)
		if got := ids(page.Items, permitID); !slices.Equal(got, tc.want) {
			t.Errorf("?%s: %v, want %v", tc.query, got, tc.want)
		}
	}
	if p := getJSON[permitOut](f, "/api/v1/permits/"+itoa(id[1]), 200); p.State != "无效" || p.ValidTo != "2027-08-31" {
		t.Errorf("detail: %+v", p)
	}
	getJSON[errorOut](f, "/api/v1/permits/"+itoa(id[3]), 410)
}

// TestBadParameters checks that every malformed request is a 400 naming
// the parameter, in the one error shape.
func TestBadParameters(t *testing.T) {
	f := newReadFixture(t)
	f.penalties(parsePenalty(t, testenv.PenaltyRecord(1)))
	for _, tc := range []struct{ path, field string }{
		{"/api/v1/penalties?agency=1", "agency"},
		{"/api/v1/penalties?limit=1&limit=2", "limit"},
		{"/api/v1/penalties?limit=0", "limit"},
		{"/api/v1/penalties?limit=101", "limit"},
		{"/api/v1/penalties?limit=ten", "limit"},
		{"/api/v1/penalties?decision_date_from=2026-13-01", "decision_date_from"},
		{"/api/v1/penalties?decision_date_to=15/10/2026", "decision_date_to"},
		{"/api/v1/penalties?decision_date_from=2026-10-02&decision_date_to=2026-10-01", "decision_date_to"},
		{"/api/v1/penalties?fine_min=-1", "fine_min"},
		{"/api/v1/penalties?fine_max=1.234", "fine_max"},
		{"/api/v1/penalties?fine_min=10&fine_max=9", "fine_max"},
		{"/api/v1/penalties?category=fine", "category"},
		{"/api/v1/penalties?stage=before", "stage"},
		{"/api/v1/penalties?party_kind=person", "party_kind"},
		{"/api/v1/penalties?credit_code=91310115MA1H8R7C6D", "credit_code"},
		{"/api/v1/penalties?credit_code=00000000000000000X", "credit_code"},
		{"/api/v1/penalties?agency_code=123", "agency_code"},
		{"/api/v1/penalties?district=999999", "district"},
		{"/api/v1/penalties?sort=party_name", "sort"},
		{"/api/v1/penalties?sort=-valid_to", "sort"},
		{"/api/v1/penalties?cursor=not-a-cursor", "cursor"},
		{"/api/v1/penalties?cursor=eyJzIjoiLWRlY2lzaW9uX2RhdGUiLCJrIjoieCIsImkiOjF9", "cursor"},
		{"/api/v1/permits?state=valid", "state"},
		{"/api/v1/permits?sort=fine", "sort"},
		{"/api/v1/permits?fine_min=1", "fine_min"},
		{"/api/v1/permits?category=" + url.QueryEscape("警告"), "category"},
		{"/api/v1/penalties/abc", "id"},
		{"/api/v1/penalties/0", "id"},
		{"/api/v1/penalties/1?x=1", "x"},
		{"/api/v1/permits/-5", "id"},
		{"/api/v1/subjects/123", "credit_code"},
		{"/api/v1/subjects/00000000000000000X", "credit_code"},
		{"/api/v1/subjects/" + testenv.CompanyCode + "?full=1", "full"},
		{"/api/v1/stats?from=2026-01-01", "from"},
		{"/api/v1/stats?decision_date_from=2026", "decision_date_from"},
		{"/api/v1/stats?district=nowhere", "district"},
		{"/api/v1/powers?category=inspection", "category"},
		{"/api/v1/powers?version=0", "version"},
		{"/api/v1/powers/abc", "code"},
		{"/api/v1/powers/AB1?version=x", "version"},
		{"/api/v1/powers/ab/flowchart.svg", "code"},
		{"/api/v1/lists/powers?version=1", "version"},
		{"/api/v1/lists/powers/versions/first", "n"},
		{"/api/v1/lists/powers/versions/0/changes", "n"},
		// Numbers too large for the database's integer columns.
		{"/api/v1/lists/powers/versions/2147483648", "n"},
		{"/api/v1/lists/responsibilities/versions/2147483648/changes", "n"},
		{"/api/v1/lists/public-services/versions/99999999999999999999", "n"},
		{"/api/v1/powers?version=2147483648", "version"},
		{"/api/v1/powers/AB1?version=2147483648", "version"},
		{"/api/v1/penalties/9223372036854775808", "id"},
		// Query strings that are not valid percent-encoded UTF-8.
		{"/api/v1/penalties?name=%zz", "name"},
		{"/api/v1/penalties?name=%e8%8b", "name"},
		{"/api/v1/search?q=%ff%fe%80abc", "q"},
		{"/api/v1/search?q=a%00b", "q"},
		{"/api/v1/datasets/penalties/download?format=%", "format"},
	} {
		e := getJSON[errorOut](f, tc.path, 400)
		if e.Code != "bad_request" || len(e.Errors) != 1 || e.Errors[0].Field != tc.field || !strings.Contains(e.Message, tc.field) {
			t.Errorf("GET %s: %+v, want a bad_request naming %s", tc.path, e, tc.field)
		}
	}
	for _, path := range []string{"/api/v1/lists/rules", "/api/v1/lists/rules/versions", "/api/v1/nothing", "/api/v1/penalties/1/2"} {
		if e := getJSON[errorOut](f, path, 404); e.Code != "not_found" {
			t.Errorf("GET %s: %+v", path, e)
		}
	}
	resp, body := f.send(http.MethodDelete, "/api/v1/penalties", "", nil)
	if resp.StatusCode != 405 || !strings.Contains(string(body), "method_not_allowed") {
		t.Errorf("DELETE: %d %s", resp.StatusCode, body)
	}
}

type subjectOut struct {
	CreditCode   string `json:"credit_code"`
	Name         string `json:"name"`
	PenaltyCount int64  `json:"penalty_count"`
	PermitCount  int64  `json:"permit_count"`
	FineTotal    string `json:"fine_total"`
	Names        []struct {
		Name    string `json:"name"`
		First   string `json:"first_decision_date"`
		Last    string `json:"last_decision_date"`
		Records int64  `json:"records"`
	} `json:"names"`
	Timeline []struct {
		Date string `json:"date"`
		Kind string `json:"kind"`
		ID   int64  `json:"id"`
	} `json:"timeline"`
	Penalties    []penaltyOut `json:"penalties"`
	Permits      []permitOut  `json:"permits"`
	PenaltiesURL string       `json:"penalties_url"`
	Truncated    bool         `json:"truncated"`
}

func TestSubjectProfile(t *testing.T) {
	f := newReadFixture(t)
	code := testenv.CompanyCode
	rec := func(n int, name, date, fine string) domain.Penalty {
		r := testenv.PenaltyRecord(n)
		r["CF_XDR_SHXYM"], r["CF_XDR_MC"], r["CF_JDRQ"], r["CF_NR_FK"] = code, name, date, fine
		return parsePenalty(t, r)
	}
	old := rec(1, "宁波旧名化工有限公司", "2026-03-10", "1")
	recent := rec(2, "宁波新名化工有限公司", "2026-10-01", "2.5")
	withdrawn := rec(3, "宁波新名化工有限公司", "2026-10-02", "9")
	expired := rec(4, "宁波旧名化工有限公司", "2021-01-05", "9")
	expired.PublicityUntil = time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)
	pid := f.penalties(old, recent, withdrawn, expired)
	if err := f.s.Withdraw(context.Background(), testActor, store.EntityPenalty, pid[2], domain.ReasonRepaired, "信用修复"); err != nil {
		t.Fatal(err)
	}
	rp := testenv.PermitRecord(1)
	rp["XK_XDR_SHXYM"], rp["XK_XDR_MC"], rp["XK_JDRQ"] = code, "宁波新名化工有限公司", "2026-06-01"
	mid := f.permits(parsePermit(t, rp))
	f.penalties(parsePenalty(t, testenv.PenaltyRecord(9))) // another company

	s := getJSON[subjectOut](f, "/api/v1/subjects/"+code, 200)
	if s.CreditCode != code || s.Name != "宁波新名化工有限公司" || s.PenaltyCount != 2 || s.PermitCount != 1 ||
		s.FineTotal != "35000.00" || s.Truncated {
		t.Errorf("profile: %+v", s)
	}
	if len(s.Names) != 2 || s.Names[0].Name != "宁波新名化工有限公司" || s.Names[0].Records != 2 ||
		s.Names[1].Name != "宁波旧名化工有限公司" || s.Names[1].First != "2026-03-10" || s.Names[1].Records != 1 {
		t.Errorf("names: %+v", s.Names)
	}
	var timeline []int64
	for _, e := range s.Timeline {
		timeline = append(timeline, e.ID)
	}
	if !slices.Equal(timeline, []int64{pid[0], mid[0], pid[1]}) || s.Timeline[1].Kind != "permit" {
		t.Errorf("timeline: %+v", s.Timeline)
	}
	if got := ids(s.Penalties, penaltyID); !slices.Equal(got, []int64{pid[1], pid[0]}) {
		t.Errorf("penalties: %v", got)
	}
	if s.PenaltiesURL != "/api/v1/penalties?credit_code="+code {
		t.Errorf("penalties_url %s", s.PenaltiesURL)
	}
	// Full-width and lower-case input is normalised.
	getJSON[subjectOut](f, "/api/v1/subjects/"+url.PathEscape(strings.ToLower(code)), 200)
	if e := getJSON[errorOut](f, "/api/v1/subjects/"+testenv.OtherCode, 404); e.Code != "not_found" {
		t.Errorf("unknown subject: %+v", e)
	}
}

// TestWithdrawnRecordDisappearsEverywhere withdraws a record through the
// admin API and checks it is gone from the list, its URL, the subject
// profile and the statistics; an expired one never appears.
func TestWithdrawnRecordDisappearsEverywhere(t *testing.T) {
	f := newReadFixture(t)
	keep := parsePenalty(t, testenv.PenaltyRecord(1))
	gone := parsePenalty(t, testenv.PenaltyRecord(2))
	gone.CreditCode = testenv.CompanyCode
	expired := parsePenalty(t, testenv.PenaltyRecord(3))
	expired.CreditCode = testenv.CompanyCode
	expired.DecisionDate = time.Date(2020, 1, 6, 0, 0, 0, 0, time.UTC)
	expired.PublicityUntil = time.Date(2021, 1, 6, 0, 0, 0, 0, time.UTC)
	id := f.penalties(keep, gone, expired)

	type statsOut struct {
		Penalties struct {
			Count     int64  `json:"count"`
			FineTotal string `json:"fine_total"`
		} `json:"penalties"`
		Timeliness struct {
			Overall struct {
				Records int64 `json:"records"`
			} `json:"overall"`
		} `json:"timeliness"`
	}
	check := func(wantGone bool) {
		t.Helper()
		page := getJSON[pageOut[penaltyOut]](f, "/api/v1/penalties", 200)
		listed := ids(page.Items, penaltyID)
		if slices.Contains(listed, id[2]) || slices.Contains(listed, id[1]) == wantGone {
			t.Errorf("list %v (withdrawn %v)", listed, wantGone)
		}
		status := map[bool]int{false: 200, true: 404}
		getJSON[json.RawMessage](f, "/api/v1/penalties/"+itoa(id[1]), map[bool]int{false: 200, true: 410}[wantGone])
		getJSON[json.RawMessage](f, "/api/v1/penalties/"+itoa(id[2]), 410)
		getJSON[json.RawMessage](f, "/api/v1/subjects/"+testenv.CompanyCode, status[wantGone])
		st := getJSON[statsOut](f, "/api/v1/stats", 200)
		want := map[bool]int64{false: 2, true: 1}[wantGone]
		if st.Penalties.Count != want || st.Timeliness.Overall.Records != want {
			t.Errorf("stats: %+v, want %d penalties", st, want)
		}
	}
	check(false)
	resp, body := f.send(http.MethodPost, "/api/v1/admin/penalties/"+itoa(id[1])+"/withdraw", f.ingest,
		map[string]string{"reason": "revoked", "note": "复议撤销"})
	if resp.StatusCode != 200 {
		t.Fatalf("withdraw: %d %s", resp.StatusCode, body)
	}
	check(true)
}

type versionOut struct {
	Number  int `json:"number"`
	Added   int `json:"added"`
	Changed int `json:"changed"`
	Removed int `json:"removed"`
}

func TestListsAndPowers(t *testing.T) {
	f := newReadFixture(t)
	ctx := context.Background()
	if e := getJSON[errorOut](f, "/api/v1/lists/powers", 404); e.Code != "not_found" {
		t.Errorf("unpublished list: %+v", e)
	}
	getJSON[errorOut](f, "/api/v1/powers", 404)
	items := testenv.PowerItems(3)
	v1, err := f.s.PublishList(ctx, testActor, store.ListInput{Kind: domain.ListPowers, Powers: items,
		EffectiveDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Note: "首次公布"}, store.WriteOptions{})
	if err != nil || v1.Number != 1 {
		t.Fatal(v1, err)
	}
	items2 := testenv.PowerItems(4)[1:] // remove item 1, add item 4
	items2[0].Name = "测试事项2（调整）"
	if _, err := f.s.PublishList(ctx, testActor, store.ListInput{Kind: domain.ListPowers, Powers: items2,
		EffectiveDate: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}

	type summaryOut struct {
		Code, Name, Category, URL string
		FlowchartURL              string `json:"flowchart_url"`
	}
	type powersOut struct {
		Version versionOut   `json:"version"`
		Items   []summaryOut `json:"items"`
	}
	cur := getJSON[powersOut](f, "/api/v1/powers", 200)
	if cur.Version.Number != 2 || len(cur.Items) != 3 || cur.Items[0].Code != "320500CF0002" ||
		cur.Items[0].URL != "/api/v1/powers/320500CF0002" || cur.Items[0].FlowchartURL != "/api/v1/powers/320500CF0002/flowchart.svg" {
		t.Errorf("powers: %+v", cur)
	}
	old := getJSON[powersOut](f, "/api/v1/powers?version=1", 200)
	if old.Version.Number != 1 || len(old.Items) != 3 || old.Items[0].Code != "320500CF0001" || old.Items[0].URL != "/api/v1/powers/320500CF0001?version=1" {
		t.Errorf("powers v1: %+v", old)
	}
	cat := getJSON[powersOut](f, "/api/v1/powers?category="+url.QueryEscape(domain.PowerCategories[1]), 200)
	if len(cat.Items) != 1 || cat.Items[0].Category != domain.PowerCategories[1] {
		t.Errorf("by category: %+v", cat)
	}
	getJSON[errorOut](f, "/api/v1/powers?version=3", 404)

	type itemOut struct {
		Code    string       `json:"code"`
		Name    string       `json:"name"`
		Guide   domain.Guide `json:"guide"`
		Flow    domain.Flow  `json:"flow"`
		Duties  []domain.Duty
		Version versionOut `json:"version"`
	}
	it := getJSON[itemOut](f, "/api/v1/powers/320500CF0002", 200)
	want := items2[0]
	if it.Name != want.Name || it.Version.Number != 2 || len(it.Flow.Nodes) != len(want.Flow.Nodes) ||
		len(it.Flow.Edges) != len(want.Flow.Edges) || it.Guide.Basis != want.Guide.Basis || len(it.Duties) != 1 {
		t.Errorf("item: %+v", it)
	}
	if it.Flow.Nodes[0] != want.Flow.Nodes[0] || it.Flow.Edges[len(it.Flow.Edges)-1] != want.Flow.Edges[len(want.Flow.Edges)-1] {
		t.Errorf("flow changed in the round trip")
	}
	if it := getJSON[itemOut](f, "/api/v1/powers/320500CF0001?version=1", 200); it.Version.Number != 1 {
		t.Errorf("item of version 1: %+v", it)
	}
	getJSON[errorOut](f, "/api/v1/powers/320500CF0001", 404) // removed in version 2
	getJSON[errorOut](f, "/api/v1/powers/320500CF0002?version=7", 404)

	resp, svg := f.get("/api/v1/powers/320500CF0002/flowchart.svg")
	// The fixture's flows are their categories' standard flows unchanged:
	// generic, so drawn labelled and without time limits.
	if !bytes.Contains(svg, []byte(">"+flowchart.GenericLabel+"</text>")) || bytes.Contains(svg, []byte("时限")) {
		t.Errorf("the flowchart of an item without its own is not labelled generic: %.300s", svg)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml; charset=utf-8" ||
		!bytes.HasPrefix(svg, []byte("<svg")) || !bytes.Contains(svg, []byte("<title id=")) ||
		!bytes.Contains(svg, []byte("<desc id=")) || !bytes.Contains(svg, []byte(want.Flow.Nodes[0].Label)) {
		t.Errorf("flowchart: %d %s %.300s", resp.StatusCode, resp.Header.Get("Content-Type"), svg)
	}
	if resp.Header.Get("Cache-Control") != "public, max-age=60"+cdnSuffix {
		t.Errorf("flowchart Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	getJSON[errorOut](f, "/api/v1/powers/NOPE/flowchart.svg", 404)

	type listOut struct {
		Kind     string       `json:"kind"`
		Title    string       `json:"title"`
		Version  versionOut   `json:"version"`
		Versions []versionOut `json:"versions"`
		Count    int          `json:"count"`
		Items    []summaryOut `json:"items"`
	}
	l := getJSON[listOut](f, "/api/v1/lists/powers", 200)
	if l.Title != "权力清单" || l.Version.Number != 2 || l.Count != 3 || len(l.Versions) != 2 || l.Versions[0].Number != 2 ||
		l.Versions[0].Added != 1 || l.Versions[0].Changed != 1 || l.Versions[0].Removed != 1 || l.Versions[1].Added != 3 {
		t.Errorf("list: %+v", l)
	}
	if l := getJSON[listOut](f, "/api/v1/lists/powers/versions/1", 200); l.Version.Number != 1 || l.Count != 3 || l.Versions != nil {
		t.Errorf("version 1: %+v", l)
	}
	getJSON[errorOut](f, "/api/v1/lists/powers/versions/3", 404)
	type versionsOut struct{ Versions []versionOut }
	if vs := getJSON[versionsOut](f, "/api/v1/lists/powers/versions", 200); len(vs.Versions) != 2 {
		t.Errorf("versions: %+v", vs)
	}
	type changesOut struct {
		Previous                *int
		Added, Changed, Removed []struct{ Code, Name string }
	}
	ch := getJSON[changesOut](f, "/api/v1/lists/powers/versions/2/changes", 200)
	if ch.Previous == nil || *ch.Previous != 1 || len(ch.Added) != 1 || ch.Added[0].Code != "320500CF0004" ||
		len(ch.Changed) != 1 || ch.Changed[0].Name != "测试事项2（调整）" || len(ch.Removed) != 1 || ch.Removed[0].Code != "320500CF0001" {
		t.Errorf("changes: %+v", ch)
	}
	if ch := getJSON[changesOut](f, "/api/v1/lists/powers/versions/1/changes", 200); ch.Previous != nil || len(ch.Added) != 3 {
		t.Errorf("changes of version 1: %+v", ch)
	}
	getJSON[errorOut](f, "/api/v1/lists/powers/versions/5/changes", 404)

	// The other two lists.
	getJSON[errorOut](f, "/api/v1/lists/responsibilities/versions", 404)
	if _, err := f.s.PublishList(ctx, testActor, store.ListInput{Kind: domain.ListResponsibilities,
		Responsibilities: []domain.ResponsibilityItem{{Code: "ZR001", Part: "主要职责", Duty: "安全生产综合监督管理", Name: "组织开展安全生产检查"}}},
		store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	if l := getJSON[listOut](f, "/api/v1/lists/responsibilities", 200); l.Count != 1 || l.Title != "责任清单" {
		t.Errorf("responsibilities: %+v", l)
	}
	if _, err := f.s.PublishList(ctx, testActor, store.ListInput{Kind: domain.ListPublicServices,
		Services: []domain.ServiceItem{
			{Code: "GG001", Name: "安全生产咨询服务", Unit: "苏州市应急管理局", Flow: domain.StandardFlow(domain.ServiceCategory)},
			{Code: "GG002", Name: "应急科普宣传", Unit: "苏州市应急管理局", Materials: []string{"申请表"}},
		}}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	type servicesOut struct {
		Items []domain.ServiceItem `json:"items"`
	}
	sv := getJSON[servicesOut](f, "/api/v1/lists/public-services/versions/1", 200)
	if len(sv.Items) != 2 || len(sv.Items[0].Flow.Nodes) == 0 || sv.Items[1].Materials[0] != "申请表" {
		t.Errorf("services: %+v", sv)
	}
}

func TestStats(t *testing.T) {
	f := newReadFixture(t)
	id := seedPenalties(f)
	// Publication dates: a on time (5 working days after 2026-10-15, a
	// Thursday: the 22nd), person late (8 working days: the 27th), b and c
	// on time (the same day, and 7 working days after 2026-08-20: the
	// 31st).
	set := func(id int64, at string) {
		f.exec(`UPDATE penalties SET published_at = $2::date + time '10:00' WHERE id = $1`, id, at)
	}
	set(id["a"], "2026-10-22")
	set(id["person"], "2026-10-27")
	set(id["b"], "2026-09-01")
	set(id["c"], "2026-08-31")
	pm := parsePermit(t, testenv.PermitRecord(1))
	pmid := f.permits(pm)
	// The permit was decided on 2026-10-01, in the 国庆 holiday: 4 working
	// days to the 12th (8th, 9th, the make-up Saturday 10th, 12th).
	f.exec(`UPDATE permits SET published_at = '2026-10-12 09:00+08' WHERE id = $1`, pmid[0])

	type tally struct {
		Count     int64  `json:"count"`
		FineTotal string `json:"fine_total"`
	}
	type timeliness struct {
		AgencyCode string   `json:"agency_code"`
		Records    int64    `json:"records"`
		OnTime     int64    `json:"on_time"`
		Share      *float64 `json:"on_time_share"`
		Median     *float64 `json:"median_lag_workdays"`
	}
	type statsOut struct {
		AsOf      string `json:"as_of"`
		Penalties struct {
			tally
			FineAverage      *string `json:"fine_average"`
			Fined            int64   `json:"fined"`
			FineAverageFined *string `json:"fine_average_fined"`
			PreAccident      struct {
				Count         int64    `json:"count"`
				StageReported int64    `json:"stage_reported"`
				Share         *float64 `json:"share"`
				FineTotal     string   `json:"fine_total"`
				FineShare     *float64 `json:"fine_share"`
			} `json:"pre_accident"`
			ByMonth []struct {
				Month string `json:"month"`
				tally
			} `json:"by_month"`
			ByCategory []struct {
				Category string `json:"category"`
				tally
			} `json:"by_category"`
			ByDistrict []struct {
				Code *string `json:"district_code"`
				Name *string `json:"district"`
				tally
			} `json:"by_district"`
			ByStage []struct {
				Stage *string `json:"stage"`
				tally
			} `json:"by_stage"`
		} `json:"penalties"`
		Permits struct {
			Count int64 `json:"count"`
		} `json:"permits"`
		Timeliness struct {
			Deadline int          `json:"deadline_workdays"`
			Overall  timeliness   `json:"overall"`
			Agencies []timeliness `json:"agencies"`
		} `json:"timeliness"`
	}
	st := getJSON[statsOut](f, "/api/v1/stats", 200)
	p := st.Penalties
	// Public: a 20000 (事前, 2026-10), b 5000 (事故, 2026-09, 虎丘区), c warning
	// (no stage, 2026-08), person 3000 (事前, 2026-10).
	if st.AsOf != "2026-11-25" || p.Count != 4 || p.FineTotal != "28000.00" || *p.FineAverage != "7000.00" ||
		p.Fined != 3 || *p.FineAverageFined != "9333.33" || st.Permits.Count != 1 {
		t.Errorf("totals: %+v", st)
	}
	if p.PreAccident.Count != 2 || p.PreAccident.StageReported != 3 || *p.PreAccident.Share != 0.6667 ||
		p.PreAccident.FineTotal != "23000.00" || *p.PreAccident.FineShare != 0.8214 {
		t.Errorf("pre-accident: %+v", p.PreAccident)
	}
	if len(p.ByMonth) != 3 || p.ByMonth[0].Month != "2026-08" || p.ByMonth[2].Month != "2026-10" || p.ByMonth[2].Count != 2 ||
		p.ByMonth[2].FineTotal != "23000.00" {
		t.Errorf("by month: %+v", p.ByMonth)
	}
	cats := map[string]int64{}
	for _, c := range p.ByCategory {
		cats[c.Category] = c.Count
	}
	if len(cats) != 3 || cats["罚款"] != 3 || cats["警告"] != 1 || cats["责令停产停业"] != 1 || p.ByCategory[0].Category != "警告" {
		t.Errorf("by category: %+v", p.ByCategory)
	}
	// The city bureau's credit code has no Suzhou region: no district.
	dist := map[string]int64{}
	for _, d := range p.ByDistrict {
		k := "null"
		if d.Name != nil {
			k = *d.Name
		}
		dist[k] = d.Count
	}
	if dist["虎丘区"] != 1 || dist["null"] != 3 {
		t.Errorf("by district: %+v", p.ByDistrict)
	}
	stages := map[string]int64{}
	for _, s := range p.ByStage {
		k := "null"
		if s.Stage != nil {
			k = *s.Stage
		}
		stages[k] = s.Count
	}
	if stages["事前"] != 2 || stages["事故"] != 1 || stages["null"] != 1 {
		t.Errorf("by stage: %+v", p.ByStage)
	}
	tl := st.Timeliness
	if tl.Deadline != 7 || tl.Overall.Records != 5 || tl.Overall.OnTime != 4 || *tl.Overall.Share != 0.8 || *tl.Overall.Median != 5 {
		t.Errorf("timeliness overall: %+v", tl.Overall)
	}
	byAgency := map[string]timeliness{}
	for _, a := range tl.Agencies {
		byAgency[a.AgencyCode] = a
	}
	city, hq := byAgency[cityAgency], byAgency[hqAgencyFix]
	// City: a 5, person 8, c 7, permit 4 → median 6, 3 of 4 on time.
	if len(tl.Agencies) != 2 || city.Records != 4 || city.OnTime != 3 || *city.Median != 6 || hq.Records != 1 || *hq.Median != 0 {
		t.Errorf("timeliness per agency: %+v", tl.Agencies)
	}

	// Filters.
	st = getJSON[statsOut](f, "/api/v1/stats?district="+url.QueryEscape("虎丘区"), 200)
	if st.Penalties.Count != 1 || st.Penalties.FineTotal != "5000.00" || st.Timeliness.Overall.Records != 1 || st.Permits.Count != 0 {
		t.Errorf("district filter: %+v", st)
	}
	st = getJSON[statsOut](f, "/api/v1/stats?decision_date_from=2026-10-01&agency_code="+cityAgency, 200)
	if st.Penalties.Count != 2 || st.Permits.Count != 1 || st.Timeliness.Overall.Records != 3 {
		t.Errorf("date and agency filter: %+v", st)
	}
	// Nothing selected: the shape holds with nulls.
	st = getJSON[statsOut](f, "/api/v1/stats?decision_date_to=2000-01-01", 200)
	if st.Penalties.Count != 0 || st.Penalties.FineAverage != nil || st.Timeliness.Overall.Median != nil || len(st.Timeliness.Agencies) != 0 {
		t.Errorf("empty stats: %+v", st)
	}
}

// TestWorkdayLagMatchesCalendar checks the SQL lag of the statistics
// against domain.Calendar.WorkdaysBetween across holidays and weekends.
func TestWorkdayLagMatchesCalendar(t *testing.T) {
	f := newReadFixture(t)
	cal := domain.DefaultCalendar()
	var ps []domain.Penalty
	var lags []int
	decided := time.Date(2025, 9, 26, 0, 0, 0, 0, time.UTC) // before 国庆 2025
	for i := range 12 {
		p := parsePenalty(t, testenv.PenaltyRecord(200+i))
		p.DecisionDate = decided.AddDate(0, 0, i)
		p.PublicityUntil = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		ps = append(ps, p)
	}
	got := f.penalties(ps...)
	published := time.Date(2025, 10, 14, 0, 0, 0, 0, time.UTC)
	for i, id := range got {
		f.exec(`UPDATE penalties SET published_at = $2::date + time '23:30' WHERE id = $1`, id, published)
		lags = append(lags, cal.WorkdaysBetween(ps[i].DecisionDate, published))
	}
	onTime := 0
	for _, l := range lags {
		if l <= 7 {
			onTime++
		}
	}
	sorted := slices.Clone(lags)
	slices.Sort(sorted)
	median := float64(sorted[5]+sorted[6]) / 2
	type out struct {
		Timeliness struct {
			Overall struct {
				Records int64   `json:"records"`
				OnTime  int     `json:"on_time"`
				Median  float64 `json:"median_lag_workdays"`
			} `json:"overall"`
		} `json:"timeliness"`
	}
	o := getJSON[out](f, "/api/v1/stats", 200).Timeliness.Overall
	if o.Records != 12 || o.OnTime != onTime || o.Median != median {
		t.Errorf("lag: %+v, want on time %d median %v (lags %v)", o, onTime, median, lags)
	}
}

// TestOtherRoutesMatchSpec exercises the routes outside the read API —
// admin ingest, health, pages, assets — and checks their responses
// against the spec, errors included.
func TestOtherRoutesMatchSpec(t *testing.T) {
	f := newReadFixture(t)
	for _, tc := range []struct {
		method, path string
		key          bool
		body         any
		status       int
	}{
		{"POST", "/api/v1/admin/penalties", true, testenv.PenaltyRecord(1), 200},
		{"POST", "/api/v1/admin/penalties", true, []map[string]string{testenv.PenaltyRecord(2), testenv.PersonPenaltyRecord(3)}, 200},
		{"POST", "/api/v1/admin/penalties", true, map[string]string{"CF_WSH": "x"}, 422},
		{"POST", "/api/v1/admin/penalties", false, testenv.PenaltyRecord(1), 401},
		{"POST", "/api/v1/admin/permits", true, testenv.PermitRecord(1), 200},
		{"POST", "/api/v1/admin/permits", true, []int{1}, 400},
		{"POST", "/api/v1/admin/penalties/1/withdraw", true, map[string]string{"reason": "corrected"}, 200},
		{"POST", "/api/v1/admin/penalties/1/withdraw", true, map[string]string{"reason": "corrected"}, 409},
		{"POST", "/api/v1/admin/penalties/99/withdraw", true, map[string]string{"reason": "revoked"}, 404},
		{"POST", "/api/v1/admin/permits/1/withdraw", true, map[string]string{"reason": "because"}, 422},
		{"POST", "/api/v1/admin/permits/x/withdraw", true, map[string]string{"reason": "revoked"}, 400},
		{"PUT", "/api/v1/admin/lists/powers", true, map[string]any{"effective_date": "2026-01-01", "items": testenv.PowerItems(2)}, 201},
		{"PUT", "/api/v1/admin/lists/powers", true, map[string]any{"effective_date": "2026-01-01", "items": testenv.PowerItems(2)}, 200},
		{"PUT", "/api/v1/admin/lists/powers", true, map[string]any{"items": []map[string]string{{"code": "x"}}}, 422},
		{"PUT", "/api/v1/admin/lists/rules", true, map[string]any{"items": []int{}}, 404},
		{"GET", "/healthz", false, nil, 200},
		{"GET", "/readyz", false, nil, 200},
		{"GET", "/metrics", false, nil, 200},
		{"GET", "/", false, nil, 200},
		{"GET", "/static/site.css", false, nil, 200},
		{"HEAD", "/static/site.css", false, nil, 200},
		{"GET", "/static/missing.css", false, nil, 404},
		{"GET", "/no/such/page", false, nil, 404},
	} {
		key := ""
		if tc.key {
			key = f.ingest
		}
		resp, body := f.send(tc.method, tc.path, key, tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d: %.300s", tc.method, tc.path, resp.StatusCode, tc.status, body)
		}
	}
}
