package server_test

// The spec-driven fuzz test: every operation of openapi.yaml is sent
// requests generated from its parameter and body schemas (fuzzgen_test.go)
// — valid ones, and ones broken at boundaries, by wrong types, overlong
// strings, NUL, invalid UTF-8, huge integers, repeated and unknown
// parameters — against a real server on PostgreSQL with data.
//
// What it asserts, for every request:
//   - never a 5xx;
//   - every response (any status) validates against the spec's response
//     for that status (checkSpec);
//   - a request the spec's schemas and conventions refuse is a 4xx with
//     the Error shape, and a 400 of the JSON API names the broken
//     parameter in errors[0].field;
//   - a request the spec allows is accepted: 2xx or 304, and otherwise
//     only what the spec documents for a valid request —
//     404 when a path or query value names a resource the fixture may not
//     have (a random id, version, code or snapshot date); 410 for a record
//     that is withdrawn or past its publicity period; 409 for the
//     withdrawal of a record already withdrawn; 422 for a write whose body
//     matches the schema but not the domain's rules; a 400 naming an
//     opaque cursor (cursor, after) not taken from a next link, or naming
//     the parameter of a documented rule between parameters
//     (decision_date_to before decision_date_from, fine_max below
//     fine_min, bom with a format other than csv, a search filter or sort
//     that applies to none of the searched types, page × per_page beyond
//     the search window). No 503 is expected: every dependency is
//     present, search being answered by its PostgreSQL fallback
//     (Meilisearch is not started), and the snapshots are taken before
//     the records the test may withdraw (a snapshot holding a withdrawn
//     record answers 503 until it is re-issued).
// A HEAD answer has no body, so its Error shape and field go unchecked.
// The pages (tag pages) declare no query parameters: their path values are
// fuzzed as the schemas say, and the query parameters they read are given
// odd values, for which they may answer anything but a 5xx (a query string
// that is not valid UTF-8 is still a 4xx). A page's 400 is HTML, so it is
// not checked for the field.
//
// GONGSHI_FUZZ_SEED replays a run (the seed is printed);
// GONGSHI_FUZZ_REQUESTS sets the count (default 1500; `make fuzz-api`
// sends 20000).

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

// fuzzAllowed lists the known server defects the fuzz test skips. Each
// entry names its defect; remove it when the defect is fixed (the test
// then checks that case again).
var fuzzAllowed = []struct {
	defect string
	match  func(r *fuzzReq, status int, body []byte) bool
}{}

// fuzzLongRun is the count from which every entry of fuzzAllowed must
// match at least once.
const fuzzLongRun = 10000

func fuzzEnvInt(t *testing.T, name string, def uint64) uint64 {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return n
}

func TestFuzzAPI(t *testing.T) {
	seed := fuzzEnvInt(t, "GONGSHI_FUZZ_SEED", uint64(time.Now().UnixNano()))
	count := int(fuzzEnvInt(t, "GONGSHI_FUZZ_REQUESTS", 1500))
	t.Logf("GONGSHI_FUZZ_SEED=%d GONGSHI_FUZZ_REQUESTS=%d", seed, count)
	doc, router := loadSpec(t)
	srv, g := newFuzzFixture(t)
	g.r = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ops := fuzzSpecOps(doc)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	type finding struct {
		first string
		n     int
	}
	findings := map[string]*finding{}
	var order []string
	allowed := make([]int, len(fuzzAllowed))
	sent, refusedValid := 0, 0
	for i := 0; i < count; i++ {
		op := ops[g.r.IntN(len(ops))]
		var r *fuzzReq
		if g.r.IntN(5) < 2 {
			r = g.valid(op)
		} else if r = g.mutate(op); r == nil {
			r = g.valid(op)
		}
		specErr := fuzzSpecAllows(router, r)
		status, body, problems := fuzzSend(t, client, srv.URL, r)
		sent++
		problem := fuzzJudge(r, specErr, status, body, problems)
		if problem == "" {
			continue
		}
		skip := false
		for j, a := range fuzzAllowed {
			if a.match(r, status, body) {
				allowed[j]++
				skip = true
				break
			}
		}
		if skip {
			continue
		}
		if strings.HasPrefix(problem, "valid request refused") {
			refusedValid++
		}
		group := op.String() + ": " + strings.SplitN(problem, ":", 2)[0] + " (" + r.mutation + ")"
		if f, ok := findings[group]; ok {
			f.n++
			continue
		}
		findings[group] = &finding{first: fmt.Sprintf("%s\n    %s", r, problem)}
		order = append(order, group)
	}
	for j, n := range allowed {
		switch {
		case n > 0:
			t.Logf("skipped %d response(s) of a known defect: %s", n, fuzzAllowed[j].defect)
		case count >= fuzzLongRun:
			// Each entry matches dozens of times in a long run while its
			// defect is there.
			t.Errorf("no response showed the known defect %q: if it is fixed, remove its entry from fuzzAllowed", fuzzAllowed[j].defect)
		}
	}
	for _, g := range order {
		f := findings[g]
		t.Errorf("%s — %d time(s); first:\n    %s", g, f.n+1, f.first)
	}
	if len(order) > 0 {
		t.Logf("replay with GONGSHI_FUZZ_SEED=%d GONGSHI_FUZZ_REQUESTS=%d", seed, count)
	}
	t.Logf("%d requests to %d operations", sent, len(ops))
}

// fuzzSend sends r and returns the status, the body and what checkSpec
// found wrong with the response.
func fuzzSend(t *testing.T, client *http.Client, base string, r *fuzzReq) (int, []byte, []string) {
	t.Helper()
	req, err := r.build(base)
	if err != nil {
		t.Fatalf("%s: %v", r, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", r, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: reading the body: %v", r, err)
	}
	rec := &fuzzSpecRecorder{TB: t}
	checkSpec(rec, resp, body)
	if r.op.method == http.MethodHead {
		// A HEAD answer has no body to match the Error shape.
		rec.problems = slices.DeleteFunc(rec.problems, func(p string) bool { return strings.Contains(p, "body is not JSON") })
	}
	return resp.StatusCode, body, rec.problems
}

// fuzzSpecRecorder collects what checkSpec reports instead of failing the
// test, so that a known defect can be skipped.
type fuzzSpecRecorder struct {
	testing.TB
	problems []string
}

func (s *fuzzSpecRecorder) Helper() {}
func (s *fuzzSpecRecorder) Errorf(format string, args ...any) {
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// fuzzJudge returns what is wrong with the answer to r ("" when nothing):
// specErr is the spec's verdict on the request.
func fuzzJudge(r *fuzzReq, specErr error, status int, body []byte, problems []string) string {
	if status >= 500 {
		return fmt.Sprintf("5xx: %d %.500s", status, body)
	}
	if len(problems) > 0 {
		return "response does not match the spec: " + strings.Join(problems, "; ")
	}
	var e struct {
		Message string `json:"message"`
		Errors  []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	isJSONError := json.Unmarshal(body, &e) == nil && e.Message != ""
	named := ""
	if len(e.Errors) > 0 {
		named = e.Errors[0].Field
	}
	cross := fuzzCrossRules(r, e.Message)
	if r.undeclared {
		return ""
	}
	if r.convention || specErr != nil {
		if status < 400 {
			why := "the spec's conventions"
			if specErr != nil {
				why = fuzzFirstLine(specErr.Error())
			}
			return fmt.Sprintf("invalid request accepted: %d; the spec refuses it: %s", status, why)
		}
		if r.op.page {
			return ""
		}
		if !isJSONError && r.op.method != http.MethodHead {
			return fmt.Sprintf("invalid request answered without the Error shape: %d %.300s", status, body)
		}
		if status == http.StatusBadRequest && r.op.method != http.MethodHead && r.field != "" && named != r.field && !slices.Contains(cross, named) {
			return fmt.Sprintf("400 names the wrong field: errors[0].field %q, want %q: %.300s", named, r.field, body)
		}
		return ""
	}
	switch {
	case status >= 200 && status < 300, status == http.StatusNotModified:
		return ""
	case status == http.StatusNotFound && r.mayMiss:
		return ""
	case status == http.StatusGone && r.mayMiss && (strings.HasSuffix(r.op.path, "/penalties/{id}") || strings.HasSuffix(r.op.path, "/permits/{id}")):
		return "" // a record the fixture (or the fuzzer) withdrew
	case status == http.StatusConflict && strings.HasSuffix(r.op.path, "/withdraw"):
		return ""
	case status == http.StatusConflict && strings.HasPrefix(r.op.path, "/api/v1/admin/lists/"):
		return "" // a version removing more than a quarter of the items needs allow_removals
	case status == http.StatusUnprocessableEntity && r.op.op.RequestBody != nil:
		return ""
	case status == http.StatusBadRequest && named != "" && slices.Contains(cross, named):
		return ""
	case status == http.StatusBadRequest && r.op.method == http.MethodHead && len(cross) > 0:
		return "" // no body to name the parameter

	}
	return fmt.Sprintf("valid request refused: %d %.400s", status, body)
}

func fuzzFirstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// fuzzCrossRules returns the parameters that a 400 with message may name
// because of a documented rule between parameters, which no schema can
// express.
func fuzzCrossRules(r *fuzzReq, message string) []string {
	q := map[string]string{}
	for _, kv := range r.query {
		if _, ok := q[kv[0]]; !ok {
			q[kv[0]] = kv[1]
		}
	}
	var out []string
	// An opaque cursor not taken from a next link.
	for _, name := range []string{"cursor", "after"} {
		if _, ok := q[name]; ok {
			out = append(out, name)
		}
	}
	// The change list: updated_since takes only its own order, and
	// include_withdrawn needs updated_since and no filter.
	if _, ok := q["updated_since"]; ok {
		if sort, ok := q["sort"]; ok && sort != "updated_at" {
			out = append(out, "sort")
		}
	}
	if _, ok := q["include_withdrawn"]; ok {
		out = append(out, "include_withdrawn")
	}
	if b := q["bom"]; b != "" && q["format"] != "" && q["format"] != "csv" {
		out = append(out, "bom") // a byte-order mark is for CSV only
	}
	if from, to := q["decision_date_from"], q["decision_date_to"]; from != "" && to != "" && to < from {
		out = append(out, "decision_date_to")
	}
	if lo, hi := q["fine_min"], q["fine_max"]; lo != "" && hi != "" {
		l, _ := strconv.ParseFloat(lo, 64)
		h, _ := strconv.ParseFloat(hi, 64)
		if h < l {
			out = append(out, "fine_max")
		}
	}
	if r.op.path == "/api/v1/search" {
		if strings.Contains(message, "page × per_page") {
			out = append(out, "page")
		}
		if strings.Contains(message, "appl") { // "does not apply to type=…", "applies to no type …"
			out = append(out, "sort", "category", "year", "district", "agency", "stage", "subject_kind",
				"permit_status", "power_category")
		}
	}
	return out
}

// newFuzzFixture starts a server with every dependency on a fresh
// database (search without Meilisearch: its PostgreSQL fallback), loads
// penalties, permits, the three lists and a snapshot, and returns the
// server with a generator whose pools hold the fixture's real values.
func newFuzzFixture(t *testing.T) (*httptest.Server, *fuzzGen) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s := testenv.Store(t)
	now := func() time.Time { return readToday.Add(10 * time.Hour) }
	pub := s.Public(domain.DefaultMasking, func() time.Time { return readToday })
	snaps := snapshot.New(s, pub, t.TempDir(), log)
	// Nothing listens on port 1: search answers from PostgreSQL.
	svc := search.NewService(ctx, search.Config{URL: "http://127.0.0.1:1"}, pub, s, now, log)
	h := server.New(server.Deps{
		Log: log, Ingest: s, Keys: s, Overview: s, Reads: pub, Pages: pub,
		Datasets: snaps, Feeds: s.CreditFeed(pub), Search: svc,
		Enforcement: pub, EnforcementIngest: s,
		Rules: domain.DefaultPublicityRules(), Now: now,
		Ready:   map[string]httpx.Checker{"postgres": s},
		Degrade: map[string]httpx.Checker{"meilisearch": svc},
		Limits:  httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000), PerKey: ratelimit.PerMinute(1_000_000)},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	keys := map[string]string{}
	for _, scope := range []string{store.ScopeIngest, store.ScopeFeed, store.ScopeAdmin} {
		_, secret, err := s.CreateKey(ctx, "fuzz-"+scope, []string{scope})
		if err != nil {
			t.Fatal(err)
		}
		keys[scope] = secret
	}
	f := &readFixture{t: t, s: s, srv: srv, ingest: keys[store.ScopeIngest]}

	// Records: seedPenalties' varied set, permits, and penalties and
	// permits kept for the withdrawals.
	pen := seedPenalties(f)
	permits := f.permits(parsePermit(t, testenv.PermitRecord(1)), parsePermit(t, testenv.PermitRecord(2)))

	// The lists: two versions of the power list, one of each other.
	for _, in := range []store.ListInput{
		{Kind: domain.ListPowers, Powers: testenv.PowerItems(3)},
		{Kind: domain.ListPowers, Powers: testenv.PowerItems(4)},
		{Kind: domain.ListResponsibilities, Responsibilities: []domain.ResponsibilityItem{fuzzResponsibility("ZR001")}},
		{Kind: domain.ListPublicServices, Services: []domain.ServiceItem{fuzzService("GG001")}},
	} {
		if _, err := s.PublishList(ctx, testActor, in, store.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := snaps.TakeSnapshots(ctx); err != nil {
		t.Fatal(err)
	}
	// Records to withdraw, taken after the snapshots: withdrawing a
	// record a snapshot holds makes its files a 503 until the snapshot is
	// re-issued, which no worker does here.
	var toWithdraw []domain.Penalty
	var permitsToWithdraw []domain.Permit
	for i := range 20 {
		toWithdraw = append(toWithdraw, parsePenalty(t, testenv.PenaltyRecord(500+i)))
		permitsToWithdraw = append(permitsToWithdraw, parsePermit(t, testenv.PermitRecord(500+i)))
	}
	wPen, wPerm := f.penalties(toWithdraw...), f.permits(permitsToWithdraw...)
	var snapDates []string
	for _, ds := range []string{"penalties", "permits", "powers"} {
		list, err := s.Snapshots(ctx, ds)
		if err != nil {
			t.Fatal(err)
		}
		for _, sn := range list {
			snapDates = append(snapDates, sn.Day.Format(time.DateOnly))
		}
	}
	if len(snapDates) == 0 {
		t.Fatal("the fixture took no snapshot")
	}

	str := func(ns ...int64) []string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = strconv.FormatInt(n, 10)
		}
		return out
	}
	publicPen := str(pen["a"], pen["b"], pen["c"], pen["person"])
	goneIDs := str(pen["withdrawn"], pen["expired"], 999999, 1<<40)
	withdrawnIDs := str(pen["withdrawn"], 999999, 1<<40)
	codes := []string{testenv.USCC("320505", 1), testenv.USCC("320505", 2), testenv.USCC("320505", 3)}
	unknownCodes := []string{testenv.USCC("320505", 424242), strings.ToLower(testenv.USCC("320506", 77))}
	agencies := []string{cityAgency, hqAgencyFix}
	var districts []string
	for _, d := range [][2]string{{"320500", "苏州市本级"}, {"320508", "姑苏区"}, {"320505", "虎丘区"}, {"320506", "吴中区"},
		{"320507", "相城区"}, {"320509", "吴江区"}, {"320571", "苏州工业园区"}, {"320581", "常熟市"}, {"320582", "张家港市"},
		{"320583", "昆山市"}, {"320585", "太仓市"}} {
		districts = append(districts, d[0], d[1])
	}
	powerCodes := []string{"320500CF0002", "320500CF0003", "320500CF0004"}
	pools := fuzzPools{
		"/api/v1/penalties/{id} id":  publicPen,
		"/api/v1/penalties/{id} id?": goneIDs,
		"/penalties/{id} id":         publicPen,
		"/penalties/{id} id?":        goneIDs,
		"/api/v1/permits/{id} id":    str(permits...),
		"/api/v1/permits/{id} id?":   goneIDs,
		"/permits/{id} id":           str(permits...),
		"/permits/{id} id?":          goneIDs,

		"/api/v1/admin/penalties/{id}/withdraw id":  str(wPen...),
		"/api/v1/admin/penalties/{id}/withdraw id?": withdrawnIDs,
		"/api/v1/admin/permits/{id}/withdraw id":    str(wPerm...),
		"/api/v1/admin/permits/{id}/withdraw id?":   goneIDs,

		"/api/v1/subjects/{credit_code} credit_code":  codes,
		"/api/v1/subjects/{credit_code} credit_code?": unknownCodes,
		"/subjects/{code} code":                       codes,
		"/subjects/{code} code?":                      unknownCodes,
		"/subjects/{code}/feed.atom code":             codes,
		"/subjects/{code}/feed.atom code?":            unknownCodes,
		"credit_code":                                 append(slices.Clone(codes), unknownCodes...),
		"agency_code":                                 agencies,
		"district":                                    districts,
		"fine_min":                                    {"0", "100", "3000", "5000.5", "20000.00"},
		"updated_since":                               {"2026-11-01T00:00:00+08:00", "2020-01-01T00:00:00Z", "2026-11-25T10:00:00.5+08:00"},
		"/api/v1/stats quarter":                       {"2026Q3", "2025-Q4", "2026q1", "2026年第二季度", "2024年第3季度"},
		"fine_max":                                    {"0", "100", "3000", "5000.5", "20000.00", "99999999"},

		"/api/v1/powers/{code} code":                        powerCodes,
		"/api/v1/powers/{code} code?":                       {"320500CF0001", "ZZZ-1", "0"},
		"/api/v1/powers/{code}/flowchart.svg code":          powerCodes,
		"/api/v1/powers/{code}/flowchart.svg code?":         {"320500CF0001", "ZZZ-1"},
		"/lists/powers/{code} code":                         powerCodes,
		"/lists/powers/{code} code?":                        {"320500CF0001", "nope"},
		"/lists/powers/{code}/flowchart.svg code":           powerCodes,
		"/lists/powers/{code}/flowchart.svg code?":          {"nope"},
		"/lists/responsibilities/{code} code":               {"ZR001"},
		"/lists/responsibilities/{code} code?":              {"ZR999"},
		"/lists/public-services/{code} code":                {"GG001"},
		"/lists/public-services/{code} code?":               {"GG999"},
		"/lists/public-services/{code}/flowchart.svg code":  {"GG001"},
		"/lists/public-services/{code}/flowchart.svg code?": {"GG999"},
		"n":        {"1"},
		"version":  {"2"}, // every code of the pools is in version 2
		"version?": {"1", "3"},

		"/api/v1/datasets/{name}/snapshots/{date} date":          snapDates,
		"/api/v1/datasets/{name}/snapshots/{date}/{format} date": snapDates,
		"/data/{name} name":             {"penalties", "permits", "powers"},
		"/stats/{chart} chart":          {"monthly.csv", "categories.csv"},
		"/stats/{chart} chart?":         {"nope.csv", "monthly"},
		"/static/{filepath} filepath":   {"site.css"},
		"/static/{filepath} filepath?":  {"missing.css", "nope.js"},
		"/api/v1/search q":              {"化工", "安全 培训", codes[0], "（苏）应急罚", "320500CF0002", "\"", "a:b", "OR", "*"},
		"/api/v1/search category":       domain.PenaltyCategories,
		"/api/v1/search agency":         append(slices.Clone(agencies), "苏州市应急管理局"),
		"/api/v1/search power_category": domain.PowerCategories,
	}
	enfPools, enfBodies := fuzzEnforcement(t, s)
	maps.Copy(pools, enfPools)
	g := &fuzzGen{pools: pools, keys: keys}
	g.bodies = map[string]func(r *rand.Rand) any{
		"ingestPenalties": func(r *rand.Rand) any { return fuzzRecords(r, testenv.PenaltyRecord) },
		"ingestPermits":   func(r *rand.Rand) any { return fuzzRecords(r, testenv.PermitRecord) },
		"withdrawPenalty": fuzzWithdrawBody,
		"withdrawPermit":  fuzzWithdrawBody,
		"publishList": func(r *rand.Rand) any {
			// Any kind's items: the wrong kind's are a 422, as the spec says.
			var items any
			// Each keeps the codes the pools name as existing.
			switch r.IntN(3) {
			case 0:
				items = testenv.PowerItems(4 + r.IntN(2))
			case 1:
				items = []domain.ResponsibilityItem{fuzzResponsibility("ZR001"), fuzzResponsibility(fmt.Sprintf("ZR%03d", 2+r.IntN(3)))}
			default:
				items = []domain.ServiceItem{fuzzService("GG001"), fuzzService(fmt.Sprintf("GG%03d", 2+r.IntN(3)))}
			}
			body := map[string]any{"items": items}
			if r.IntN(2) == 0 {
				body["effective_date"] = fmt.Sprintf("2026-%02d-%02d", 1+r.IntN(12), 1+r.IntN(28))
			}
			if r.IntN(2) == 0 {
				body["note"] = "调整"
			}
			return body
		},
	}
	maps.Copy(g.bodies, enfBodies)
	return srv, g
}

// fuzzRecords returns one record or a batch of up to three: the
// fixture's records again (unchanged), or new ones with some fields set
// to values of any type the schema allows (string, number, null) but that
// the domain may refuse (a 422).
func fuzzRecords(r *rand.Rand, record func(n int) map[string]string) any {
	one := func() map[string]any {
		if r.IntN(2) == 0 {
			rec := map[string]any{}
			for k, v := range record(1 + r.IntN(40)) {
				rec[k] = v
			}
			return rec
		}
		base := record(1000 + r.IntN(100)) // new records: the pools' ones stay as they are
		keys := slices.Sorted(maps.Keys(base))
		rec := map[string]any{}
		for k, v := range base {
			rec[k] = v
		}
		for range 1 + r.IntN(3) {
			k := keys[r.IntN(len(keys))]
			if r.IntN(8) == 0 {
				k = "CF_UNKNOWN"
			}
			rec[k] = fuzzJunk[r.IntN(len(fuzzJunk))]
		}
		return rec
	}
	if r.IntN(2) == 0 {
		return one()
	}
	var out []map[string]any
	for range 1 + r.IntN(3) {
		out = append(out, one())
	}
	return out
}

// fuzzJunk are values a raw record's field may hold by the schema.
var fuzzJunk = []any{"", " ", "0", "-1", "1e308", 1e308, -1, 0.001, 12.3456789, 99999999999999999999.0,
	"99999999999999999999", "0.0000001", "0000-01-01", "9999-12-31", "2026-02-29", "2026-13-01", "1900-01-01",
	"99999-01-01", nil, "a\x00b", "\u202e", "😀", strings.Repeat("长", 5000), strings.Repeat("9", 400),
	"91320505MA0000015M", "00000000000000000X", "110105199001011234", "罚款;警告;;", "NaN", "Infinity"}

func fuzzWithdrawBody(r *rand.Rand) any {
	body := map[string]any{"reason": []string{"revoked", "corrected", "repaired", "expired"}[r.IntN(4)]}
	switch r.IntN(4) {
	case 0:
		body["note"] = "更正"
	case 1:
		body["note"] = fuzzJunk[r.IntN(len(fuzzJunk))]
		if _, ok := body["note"].(string); !ok {
			delete(body, "note")
		}
	}
	return body
}

func fuzzResponsibility(code string) domain.ResponsibilityItem {
	return domain.ResponsibilityItem{Code: code, Part: "主要职责", Duty: "安全生产综合监督管理", Name: "组织开展安全生产检查"}
}

func fuzzService(code string) domain.ServiceItem {
	return domain.ServiceItem{Code: code, Name: "安全生产咨询服务", Unit: "苏州市应急管理局", Flow: domain.StandardFlow(domain.ServiceCategory)}
}
