package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server/httpx"
)

// subjectCompany gives one company three penalties and two permits in the
// pages fixture and returns its credit code and the penalties' ids.
func subjectCompany(t *testing.T, f *pagesFixture) (string, []int64) {
	t.Helper()
	code := testenv.USCC("320507", 77)
	ctx := context.Background()
	var ps []domain.Penalty
	for n := 71; n <= 73; n++ {
		r := testenv.PenaltyRecord(n)
		r["CF_XDR_SHXYM"], r["CF_XDR_MC"] = code, "苏州下载测试有限公司"
		r["CF_NR"] = fmt.Sprintf("=HYPERLINK(\"x\") 罚款 %d", n) // a formula-like cell must arrive neutralised
		p, errs := domain.ParsePenalty(r, domain.ParseOptions{Now: pagesNow})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		ps = append(ps, p)
	}
	rs, err := f.s.UpsertPenalties(ctx, store.Actor{Name: "test"}, ps, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ms []domain.Permit
	for n := 71; n <= 72; n++ {
		r := testenv.PermitRecord(n)
		r["XK_XDR_SHXYM"], r["XK_XDR_MC"] = code, "苏州下载测试有限公司"
		m, errs := domain.ParsePermit(r, domain.ParseOptions{Now: pagesNow})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		ms = append(ms, m)
	}
	if _, err := f.s.UpsertPermits(ctx, store.Actor{Name: "test"}, ms, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return code, ids
}

// datasetRows are the rows of a dataset's live CSV download (Chinese
// headers) whose column col holds value.
func datasetRows(t *testing.T, f *pagesFixture, name, col, value string) ([]string, [][]string) {
	t.Helper()
	resp, body := f.get("/api/v1/datasets/" + name + "/download?format=csv&headers=zh&bom=1")
	if resp.StatusCode != 200 {
		t.Fatalf("dataset %s: %d", name, resp.StatusCode)
	}
	all, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(all[0], col)
	var out [][]string
	for _, r := range all[1:] {
		if r[i] == value {
			out = append(out, r)
		}
	}
	return all[0], out
}

// TestSubjectDownloads: a company's CSV and XLSX hold exactly its rows of
// the datasets, with the datasets' columns under Chinese headers (CSV with
// a byte-order mark); a withdrawn record is gone from them at once.
func TestSubjectDownloads(t *testing.T) {
	f := newPagesFixture(t)
	code, ids := subjectCompany(t, f)
	header, want := datasetRows(t, f, "penalties", "统一社会信用代码", code)
	if len(want) != 3 {
		t.Fatalf("the dataset has %d rows of the company", len(want))
	}
	resp, body := f.get("/subjects/" + code + "/penalties.csv")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != export.CSV.ContentType() ||
		!strings.HasPrefix(body, "\ufeff") || !strings.Contains(resp.Header.Get("Content-Disposition"), code+"-penalties-2026-11-25.csv") {
		t.Fatalf("penalties.csv: %d %v %.80q", resp.StatusCode, resp.Header, body)
	}
	got, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got[0], header) || len(got) != 4 {
		t.Fatalf("penalties.csv: header %v, %d rows", got[0], len(got)-1)
	}
	sortRows := func(rs [][]string) {
		slices.SortFunc(rs, func(a, b []string) int { return strings.Compare(strings.Join(a, "|"), strings.Join(b, "|")) })
	}
	sortRows(want)
	rows := got[1:]
	sortRows(rows)
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("row %d:\n got %q\nwant %q", i, rows[i], want[i])
		}
	}
	if !strings.Contains(body, `'=HYPERLINK`) {
		t.Error("a formula-like cell is not neutralised in the spreadsheet CSV")
	}

	// XLSX: the same columns; the permits.
	resp, body = f.get("/subjects/" + code + "/permits.xlsx")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != export.XLSX.ContentType() {
		t.Fatalf("permits.xlsx: %d %v", resp.StatusCode, resp.Header)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	xrows, err := x.GetRows(x.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	pheader, pwant := datasetRows(t, f, "permits", "统一社会信用代码", code)
	if len(xrows) != 3 || !slices.Equal(xrows[0], pheader) || len(pwant) != 2 {
		t.Fatalf("permits.xlsx: %d rows, header %v", len(xrows), xrows[0])
	}
	// Standard codes on request, for programs: no byte-order mark.
	if resp, body := f.get("/subjects/" + code + "/penalties.csv?headers=standard"); resp.StatusCode != 200 ||
		!strings.HasPrefix(body, "CF_WSH,") {
		t.Errorf("headers=standard: %d %.40q", resp.StatusCode, body)
	}
	if resp, body := f.get("/subjects/" + code + "/penalties.csv?headers=cn"); resp.StatusCode != 400 || !strings.Contains(body, "headers") {
		t.Errorf("headers=cn: %d", resp.StatusCode)
	}
	if resp, _ := f.get("/subjects/91350100M000100Y43/penalties.csv"); resp.StatusCode != 404 {
		t.Errorf("a company without records: %d", resp.StatusCode)
	}

	// A withdrawn record is absent from the files, the report and the profile.
	wsh := func(n int) string { return fmt.Sprintf("（苏）应急罚〔2025〕%d号", n) }
	if err := f.s.Withdraw(context.Background(), store.Actor{Name: "test"}, store.EntityPenalty, ids[1], domain.ReasonRevoked, "撤销"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/subjects/" + code + "/penalties.csv", "/subjects/" + code + "/report", "/subjects/" + code} {
		resp, body := f.get(path)
		if resp.StatusCode != 200 || strings.Contains(body, wsh(72)) || !strings.Contains(body, wsh(71)) || !strings.Contains(body, wsh(73)) {
			t.Errorf("%s after the withdrawal: %d, withdrawn shown %v", path, resp.StatusCode, strings.Contains(body, wsh(72)))
		}
	}
	_, body = f.get("/subjects/" + code + "/penalties.xlsx")
	x, err = excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if xrows, _ = x.GetRows(x.GetSheetList()[0]); len(xrows) != 3 {
		t.Errorf("penalties.xlsx after the withdrawal: %d rows", len(xrows)-1)
	}
}

// TestSubjectPageOffersDownloadsAndReport: the profile links the CSV, XLSX,
// JSON, Atom and the printable report; the report lists the records with
// the scope note, the publisher and the URL for print.
func TestSubjectPageOffersDownloadsAndReport(t *testing.T) {
	f := newPagesFixture(t, withBaseURL)
	code, _ := subjectCompany(t, f)
	_, body := f.get("/subjects/" + code)
	dl := between(t, body, `<section class="subject-downloads"`, `</section>`)
	for _, want := range []string{"/subjects/" + code + "/penalties.csv", "/subjects/" + code + "/penalties.xlsx",
		"/subjects/" + code + "/permits.csv", "/subjects/" + code + "/permits.xlsx", "/api/v1/subjects/" + code,
		"/subjects/" + code + "/feed.atom"} {
		if !strings.Contains(dl, `href="`+want+`"`) {
			t.Errorf("the profile does not link %s", want)
		}
	}
	if !strings.Contains(body, `href="/subjects/`+code+`/report"`) {
		t.Error("the profile does not link the report")
	}
	resp, body := f.get("/subjects/" + code + "/report")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("report: %d", resp.StatusCode)
	}
	for _, want := range []string{"公示信息报告", "苏州下载测试有限公司", code, "行政处罚（3 条）", "行政许可（2 条）",
		"（苏）应急罚〔2025〕71号", "（苏）应急许〔2025〕72号", "仅包含当前仍在公示期内", "以决定书原件为准",
		testBaseURL + "/subjects/" + code + "/report", `class="qr-code"`, `<meta name="robots" content="noindex">`} {
		if !strings.Contains(body, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
}

// TestSubjectFilesCachedAndPurged: a company's files are served from the
// response cache with their file name, and a withdrawal of one of its
// records purges them, so the record is absent at once.
func TestSubjectFilesCachedAndPurged(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	var ps []domain.Penalty
	code := testenv.USCC("320507", 78)
	for n := 81; n <= 82; n++ {
		r := testenv.PenaltyRecord(n)
		r["CF_XDR_SHXYM"] = code
		p, errs := domain.ParsePenalty(r, domain.ParseOptions{Now: fixedNow})
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		ps = append(ps, p)
	}
	rs, err := s.UpsertPenalties(ctx, store.Actor{Name: "test"}, ps, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := cachedServer(t, s, testenv.RedisURL(t), httpx.Limits{PerIP: ratelimit.PerMinute(1_000_000)})
	for _, f := range []string{"/penalties.csv", "/penalties.xlsx"} {
		u := srv.URL + "/subjects/" + code + f
		waitForHit(t, u)
		resp, _ := get(t, u)
		if resp.Header.Get("X-Cache") != "hit" || !strings.Contains(resp.Header.Get("Content-Disposition"), "-penalties-") {
			t.Errorf("%s from the cache: X-Cache %q, Content-Disposition %q", f, resp.Header.Get("X-Cache"), resp.Header.Get("Content-Disposition"))
		}
	}
	u := srv.URL + "/subjects/" + code + "/penalties.csv"
	if err := s.Withdraw(ctx, store.Actor{Name: "test"}, store.EntityPenalty, rs[0].ID, domain.ReasonRevoked, "撤销"); err != nil {
		t.Fatal(err)
	}
	waitForMiss(t, u)
	if _, body := get(t, u); strings.Contains(body, ps[0].DecisionNo) || !strings.Contains(body, ps[1].DecisionNo) {
		t.Errorf("after the withdrawal the file lists %q", body)
	}
}
