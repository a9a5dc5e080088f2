package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/api"
	"github.com/gongshi/gongshi/server/httpx"
)

func TestMain(m *testing.M) {
	server.ReleaseMode()
	testenv.FlowchartOnPath() // the pages and the API draw real flowcharts
	testenv.Main(m)
}

var fixedNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

type fixture struct {
	t      *testing.T
	s      *store.Store
	srv    *httptest.Server
	ingest string // secret of a key with scope ingest
	feed   string // secret of a key with scope feed only
}

func newFixture(t *testing.T) *fixture {
	s := testenv.Store(t)
	h := server.New(server.Deps{
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ingest:   s,
		Keys:     s,
		Overview: s,
		Reads:    s.Public(domain.DefaultMasking, func() time.Time { return fixedNow }),
		Rules:    domain.DefaultPublicityRules(),
		Now:      func() time.Time { return fixedNow },
		Ready:    map[string]httpx.Checker{"postgres": s},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &fixture{t: t, s: s, srv: srv}
	var err error
	if _, f.ingest, err = s.CreateKey(context.Background(), "bureau", []string{store.ScopeIngest}); err != nil {
		t.Fatal(err)
	}
	if _, f.feed, err = s.CreateKey(context.Background(), "credit-center", []string{store.ScopeFeed}); err != nil {
		t.Fatal(err)
	}
	return f
}

type apiError struct {
	Code    string              `json:"code"`
	Message string              `json:"message"`
	Errors  []domain.FieldError `json:"errors"`
}

type ingestResult struct {
	Created, Updated, Unchanged int
	Results                     []store.UpsertResult
}

func (f *fixture) do(method, path, key string, body any) (*http.Response, []byte) {
	f.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		r = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, r)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
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
	return resp, out
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func (f *fixture) count(query string) int {
	f.t.Helper()
	var n int
	if err := f.s.Pool().QueryRow(context.Background(), query).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestIngestAuth(t *testing.T) {
	f := newFixture(t)
	body := []map[string]string{testenv.PenaltyRecord(1)}
	for _, tc := range []struct {
		name, key string
		status    int
		code      string
	}{
		{"no key", "", 401, "unauthorized"},
		{"unknown key", "gs_nothing_here", 401, "unauthorized"},
		{"key without scope", f.feed, 403, "forbidden"},
	} {
		resp, b := f.do("POST", "/api/v1/admin/penalties", tc.key, body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d (%s)", tc.name, resp.StatusCode, tc.status, b)
		}
		if e := decode[apiError](t, b); e.Code != tc.code || e.Message == "" {
			t.Errorf("%s: error %+v, want code %s", tc.name, e, tc.code)
		}
	}
	if n := f.count(`SELECT count(*) FROM penalties`); n != 0 {
		t.Errorf("unauthorized requests wrote %d penalties", n)
	}
}

func TestIngestIsIdempotent(t *testing.T) {
	f := newFixture(t)
	one := testenv.PenaltyRecord(1)
	resp, b := f.do("POST", "/api/v1/admin/penalties", f.ingest, one) // a single object
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if r := decode[ingestResult](t, b); r.Created != 1 || len(r.Results) != 1 || r.Results[0].ID == 0 {
		t.Fatalf("first: %+v", r)
	}
	batch := []map[string]string{one, testenv.PenaltyRecord(2), testenv.PersonPenaltyRecord(3)}
	resp, b = f.do("POST", "/api/v1/admin/penalties", f.ingest, batch)
	if r := decode[ingestResult](t, b); resp.StatusCode != 200 || r.Created != 2 || r.Unchanged != 1 {
		t.Fatalf("batch: %d %s", resp.StatusCode, b)
	}
	changes := f.count(`SELECT count(*) FROM changes`)
	audits := f.count(`SELECT count(*) FROM audit_log WHERE key_id IS NOT NULL`)
	resp, b = f.do("POST", "/api/v1/admin/penalties", f.ingest, batch)
	if r := decode[ingestResult](t, b); resp.StatusCode != 200 || r.Unchanged != 3 {
		t.Fatalf("repeat: %d %s", resp.StatusCode, b)
	}
	if n := f.count(`SELECT count(*) FROM changes`); n != changes {
		t.Errorf("a repeated batch logged %d changes", n-changes)
	}
	if n := f.count(`SELECT count(*) FROM audit_log WHERE key_id IS NOT NULL`); n != audits || audits != 3 {
		t.Errorf("audit rows %d then %d, want 3 and no more", audits, n)
	}
	// Formatting differences (full-width, spaces, amount notation) normalise to the same record.
	variant := testenv.PenaltyRecord(2)
	variant["CF_XDR_SHXYM"] = " " + strings.ToLower(variant["CF_XDR_SHXYM"]) + " "
	variant["CF_NR_FK"] = "2.0000"
	resp, b = f.do("POST", "/api/v1/admin/penalties", f.ingest, variant)
	if r := decode[ingestResult](t, b); resp.StatusCode != 200 || r.Unchanged != 1 {
		t.Errorf("normalised variant: %d %s", resp.StatusCode, b)
	}
}

func TestIngestRejectsInvalidBatchAtomically(t *testing.T) {
	f := newFixture(t)
	if resp, b := f.do("POST", "/api/v1/admin/penalties", f.ingest, testenv.PenaltyRecord(1)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	changed := testenv.PenaltyRecord(1)
	changed["CF_SY"] = "被改写的违法事实"
	badCode := testenv.PenaltyRecord(2)
	badCode["CF_XDR_SHXYM"] = "91310115MA1H8R7C6D"
	future := testenv.PenaltyRecord(3)
	future["CF_JDRQ"] = "2027-01-01"
	future["CF_CFLB"] = "罚款;打板子"
	resp, b := f.do("POST", "/api/v1/admin/penalties", f.ingest, []map[string]string{changed, badCode, future})
	if resp.StatusCode != 422 {
		t.Fatalf("status %d, want 422: %s", resp.StatusCode, b)
	}
	e := decode[apiError](t, b)
	want := map[string]bool{"1 CF_XDR_SHXYM checksum": false, "2 CF_JDRQ range": false, "2 CF_CFLB enum": false}
	for _, fe := range e.Errors {
		k := fmt.Sprintf("%d %s %s", fe.Index, fe.Field, fe.Code)
		if _, ok := want[k]; ok {
			want[k] = true
		}
		if fe.Message == "" {
			t.Errorf("error without message: %+v", fe)
		}
	}
	for k, found := range want {
		if !found {
			t.Errorf("missing error %q in %s", k, b)
		}
	}
	if n := f.count(`SELECT count(*) FROM penalties WHERE facts = '被改写的违法事实'`); n != 0 {
		t.Error("the valid record of a rejected batch was written")
	}
	if n := f.count(`SELECT count(*) FROM penalties`); n != 1 {
		t.Errorf("penalties = %d, want 1", n)
	}
}

func TestIngestBadBodies(t *testing.T) {
	f := newFixture(t)
	dup := testenv.PenaltyRecord(5)
	tooMany := make([]map[string]string, api.MaxBatch+1)
	for i := range tooMany {
		tooMany[i] = testenv.PenaltyRecord(i)
	}
	nested := map[string]any{"CF_WSH": []string{"x"}}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"not json", "{", 400, "body"},
		{"empty array", "[]", 400, "body"},
		{"nested value", nested, 422, "CF_WSH"},
		{"unknown field", map[string]string{"CF_NOPE": "1"}, 422, "CF_NOPE"},
		{"duplicate key", []map[string]string{dup, dup}, 422, "CF_WSH"},
		{"too many", tooMany, 413, ""},
	} {
		resp, b := f.do("POST", "/api/v1/admin/penalties", f.ingest, tc.body)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d: %.200s", tc.name, resp.StatusCode, tc.status, b)
			continue
		}
		e := decode[apiError](t, b)
		if e.Code == "" || e.Message == "" {
			t.Errorf("%s: error shape %s", tc.name, b)
		}
		if tc.field != "" {
			found := false
			for _, fe := range e.Errors {
				found = found || fe.Field == tc.field
			}
			if !found {
				t.Errorf("%s: no error names %s: %s", tc.name, tc.field, b)
			}
		}
	}
	if n := f.count(`SELECT count(*) FROM penalties`); n != 0 {
		t.Errorf("bad bodies wrote %d penalties", n)
	}
}

func TestIngestPermitsAndWithdraw(t *testing.T) {
	f := newFixture(t)
	resp, b := f.do("POST", "/api/v1/admin/permits", f.ingest, []map[string]string{testenv.PermitRecord(1)})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	id := decode[ingestResult](t, b).Results[0].ID
	bad := testenv.PermitRecord(2)
	bad["XK_YXQZI"] = "2024-01-01"
	if resp, b := f.do("POST", "/api/v1/admin/permits", f.ingest, bad); resp.StatusCode != 422 || !strings.Contains(string(b), "XK_YXQZI") {
		t.Errorf("validity end before start: %d %s", resp.StatusCode, b)
	}

	path := fmt.Sprintf("/api/v1/admin/permits/%d/withdraw", id)
	if resp, b := f.do("POST", path, f.ingest, map[string]string{"reason": "forgotten"}); resp.StatusCode != 422 {
		t.Errorf("bad reason: %d %s", resp.StatusCode, b)
	}
	if resp, b := f.do("POST", path, f.feed, map[string]string{"reason": "revoked"}); resp.StatusCode != 403 {
		t.Errorf("withdraw without scope: %d %s", resp.StatusCode, b)
	}
	if resp, b := f.do("POST", path, f.ingest, map[string]string{"reason": "revoked", "note": "行政复议撤销"}); resp.StatusCode != 200 {
		t.Fatalf("withdraw: %d %s", resp.StatusCode, b)
	}
	if resp, _ := f.do("POST", path, f.ingest, map[string]string{"reason": "revoked"}); resp.StatusCode != 409 {
		t.Errorf("second withdraw: %d, want 409", resp.StatusCode)
	}
	if resp, _ := f.do("POST", "/api/v1/admin/permits/999999/withdraw", f.ingest, map[string]string{"reason": "revoked"}); resp.StatusCode != 404 {
		t.Errorf("unknown id: %d, want 404", resp.StatusCode)
	}
	if resp, _ := f.do("POST", "/api/v1/admin/permits/abc/withdraw", f.ingest, map[string]string{"reason": "revoked"}); resp.StatusCode != 400 {
		t.Errorf("bad id: %d, want 400", resp.StatusCode)
	}
	if n := f.count(`SELECT count(*) FROM changes WHERE op = 'withdraw' AND entity = 'permit'`); n != 1 {
		t.Errorf("tombstones = %d, want 1", n)
	}
}

func TestPublishList(t *testing.T) {
	f := newFixture(t)
	items := testenv.PowerItems(5)
	body := map[string]any{"effective_date": "2026-01-01", "note": "首次发布", "items": items}
	resp, b := f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, body)
	if resp.StatusCode != 201 {
		t.Fatalf("publish: %d %s", resp.StatusCode, b)
	}
	if r := decode[store.PublishResult](t, b); r.Number != 1 || r.Added != 5 {
		t.Errorf("v1: %+v", r)
	}
	if resp, b := f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, body); resp.StatusCode != 200 || decode[store.PublishResult](t, b).Created {
		t.Errorf("same list again: %d %s", resp.StatusCode, b)
	}
	broken := testenv.PowerItems(5)
	broken[2].Category = "行政打板子"
	broken[3].Flow.Edges[0].To = "nowhere"
	broken[4].Code = broken[0].Code
	resp, b = f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, map[string]any{"items": broken})
	if resp.StatusCode != 422 {
		t.Fatalf("broken list: %d %s", resp.StatusCode, b)
	}
	e := decode[apiError](t, b)
	want := map[string]bool{"2 category": false, "3 flow.edges[0].to": false, "4 code": false}
	for _, fe := range e.Errors {
		k := fmt.Sprintf("%d %s", fe.Index, fe.Field)
		if _, ok := want[k]; ok {
			want[k] = true
		}
	}
	for k, found := range want {
		if !found {
			t.Errorf("missing error %q: %s", k, b)
		}
	}
	if resp, _ := f.do("PUT", "/api/v1/admin/lists/nonsense", f.ingest, body); resp.StatusCode != 404 {
		t.Errorf("unknown list: %d", resp.StatusCode)
	}
	if n := f.count(`SELECT count(*) FROM list_versions`); n != 1 {
		t.Errorf("versions = %d, want 1", n)
	}
}

func TestHomeAndHealth(t *testing.T) {
	f := newFixture(t)
	if resp, b := f.do("POST", "/api/v1/admin/penalties", f.ingest, testenv.PersonPenaltyRecord(1)); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	resp, b := f.do("GET", "/", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "李四") || !strings.Contains(string(b), `lang="zh-CN"`) {
		t.Errorf("home: %d %.300s", resp.StatusCode, b)
	}
	if strings.Contains(string(b), testenv.PersonID) {
		t.Error("home page leaks a full ID number")
	}
	if resp, b := f.do("GET", "/readyz", "", nil); resp.StatusCode != 200 || !strings.Contains(string(b), `"postgres":"ok"`) {
		t.Errorf("readyz: %d %s", resp.StatusCode, b)
	}
	if resp, b := f.do("GET", "/nowhere", "", nil); resp.StatusCode != 404 || decode[apiError](t, b).Code != "not_found" {
		t.Errorf("404: %d %s", resp.StatusCode, b)
	}
}

// PUT of a list that removes more than a quarter of the items is a 409
// naming the reason unless "allow_removals": true; "dry_run": true answers
// the changes and writes nothing.
func TestPublishListRemovalGuard(t *testing.T) {
	f := newFixture(t)
	items := testenv.PowerItems(4)
	if resp, b := f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, map[string]any{"items": items}); resp.StatusCode != 201 {
		t.Fatalf("publish: %d %s", resp.StatusCode, b)
	}
	fewer := map[string]any{"items": items[2:]}
	resp, b := f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, map[string]any{"items": items[2:], "dry_run": true})
	r := decode[store.PublishResult](t, b)
	if resp.StatusCode != 200 || !r.DryRun || r.Removed != 2 || len(r.Changes) != 2 || r.Changes[0].Name != "测试事项1" {
		t.Errorf("dry run: %d %s", resp.StatusCode, b)
	}
	resp, b = f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, fewer)
	if e := decode[apiError](t, b); resp.StatusCode != 409 || e.Code != "too_many_removals" ||
		!strings.Contains(e.Message, "2 of the 4 items") || !strings.Contains(e.Message, "allow_removals=true") {
		t.Errorf("removing 2 of 4: %d %s", resp.StatusCode, b)
	}
	if n := f.count(`SELECT count(*) FROM list_versions`); n != 1 {
		t.Errorf("versions = %d after a dry run and a refusal, want 1", n)
	}
	if resp, b := f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, map[string]any{"items": items[2:], "allow_removals": "yes"}); resp.StatusCode != 422 ||
		!strings.Contains(string(b), "allow_removals") {
		t.Errorf("allow_removals \"yes\": %d %s", resp.StatusCode, b)
	}
	resp, b = f.do("PUT", "/api/v1/admin/lists/powers", f.ingest, map[string]any{"items": items[2:], "allow_removals": true})
	if r := decode[store.PublishResult](t, b); resp.StatusCode != 201 || r.Number != 2 || r.Removed != 2 {
		t.Errorf("allow_removals=true: %d %s", resp.StatusCode, b)
	}
}
