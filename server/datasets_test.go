package server_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/export"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// expectedPenalties reads the public penalties through the public read
// path's own query and domain.PenaltyRecord — not through the export code
// under test — as rows in the order of domain.PenaltyFields.
func expectedPenalties(t *testing.T, pub *store.Public) [][]string {
	t.Helper()
	var rows [][]string
	err := pub.EachPenalty(context.Background(), func(p domain.PublishedPenalty) error {
		rec := domain.PenaltyRecord(p.Penalty)
		row := make([]string, len(domain.PenaltyFields))
		for i, f := range domain.PenaltyFields {
			row[i] = rec[f.Code]
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// leakWatch fails the test if the stream it sees holds the full ID
// number, even split across reads.
type leakWatch struct {
	tail []byte
	hit  bool
}

func (w *leakWatch) Write(p []byte) (int, error) {
	buf := append(w.tail, p...)
	if bytes.Contains(buf, []byte(testenv.PersonID)) {
		w.hit = true
	}
	keep := min(len(buf), len(testenv.PersonID)-1)
	w.tail = append(w.tail[:0], buf[len(buf)-keep:]...)
	return len(p), nil
}

// rowType is a struct type with one string field per column name, so
// encoding/json decodes a row without building a map.
func rowType(names []string) reflect.Type {
	fields := make([]reflect.StructField, len(names))
	for i, n := range names {
		fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: reflect.TypeFor[string](),
			Tag: reflect.StructTag(fmt.Sprintf(`json:%q`, n))}
	}
	return reflect.StructOf(fields)
}

// parseDownload parses a download body into rows keyed by column name;
// JSON objects are decoded by the names given, and must have no others.
func parseDownload(t *testing.T, format export.Format, names []string, body io.Reader) (header []string, rows []map[string]string) {
	t.Helper()
	toMaps := func(recs [][]string) {
		header = recs[0]
		for _, r := range recs[1:] {
			m := make(map[string]string, len(header))
			for j, h := range header {
				if j < len(r) {
					m[h] = r[j]
				} else {
					m[h] = ""
				}
			}
			rows = append(rows, m)
		}
	}
	typ := rowType(names)
	decodeObject := func(dec *json.Decoder) bool {
		v := reflect.New(typ)
		dec.DisallowUnknownFields()
		if err := dec.Decode(v.Interface()); err == io.EOF {
			return false
		} else if err != nil {
			t.Fatalf("%s object %d: %v", format, len(rows), err)
		}
		m := make(map[string]string, len(names))
		for i, n := range names {
			m[n] = v.Elem().Field(i).String()
		}
		rows = append(rows, m)
		return true
	}
	switch format {
	case export.CSV:
		r := csv.NewReader(bufio.NewReaderSize(body, 1<<20))
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("csv: %v", err)
		}
		toMaps(recs)
	case export.NDJSON:
		br := bufio.NewReaderSize(body, 1<<20)
		dec := json.NewDecoder(br)
		for decodeObject(dec) {
		}
		// One object a line: as many newlines as objects (checked on the
		// small downloads; here the decoder accepted the stream).
	case export.JSON:
		dec := json.NewDecoder(bufio.NewReaderSize(body, 1<<20))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			t.Fatalf("json: want an array, got %v %v", tok, err)
		}
		for dec.More() {
			decodeObject(dec)
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
			t.Fatalf("json: unterminated array: %v %v", tok, err)
		}
	case export.XLSX:
		f, err := excelize.OpenReader(body)
		if err != nil {
			t.Fatalf("xlsx: %v", err)
		}
		defer f.Close()
		var all [][]string
		for i, sheet := range f.GetSheetList() {
			it, err := f.Rows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			for j := 0; it.Next(); j++ {
				r, err := it.Columns(excelize.Options{RawCellValue: true})
				if err != nil {
					t.Fatal(err)
				}
				if i > 0 && j == 0 {
					continue // each sheet repeats the header
				}
				all = append(all, r)
			}
			it.Close()
		}
		toMaps(all)
	}
	return header, rows
}

func compareRows(t *testing.T, what string, names []string, want [][]string, got []map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range want {
		if len(got[i]) != len(names) {
			t.Fatalf("%s row %d: %d columns, want %d: %v", what, i, len(got[i]), len(names), got[i])
		}
		for j, n := range names {
			if g := got[i][n]; g != want[i][j] {
				if bad++; bad <= 5 {
					t.Errorf("%s row %d %s: %q, want %q", what, i, n, g, want[i][j])
				}
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d values differ", what, bad)
	}
}

// TestDownload100kEachFormat exports 100,000 penalties (some withdrawn,
// some past their publicity period) in every format and parses each back:
// it must equal the public rows read independently, in order, with no
// full ID number anywhere.
func TestDownload100kEachFormat(t *testing.T) {
	f := newDSFixture(t)
	const public = 100_000
	start := time.Now()
	n := loadPenalties(t, f.s, public)
	t.Logf("loaded %d penalties (%d public) in %v", n, public, time.Since(start))
	want := expectedPenalties(t, f.pub)
	if len(want) != public {
		t.Fatalf("the public read path has %d rows, the fixture %d", len(want), public)
	}
	check := func(t *testing.T, format export.Format, headers export.Headers) {
		start := time.Now()
		path := fmt.Sprintf("/api/v1/datasets/penalties/download?format=%s&headers=%s", format, headers)
		resp := f.open(path, "", nil)
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		if cd, want := resp.Header.Get("Content-Disposition"), `attachment; filename="gongshi-penalties-2026-11-25.`+string(format)+`"`; cd != want {
			t.Errorf("Content-Disposition %q, want %q", cd, want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != format.ContentType() {
			t.Errorf("%s: Content-Type %q", format, ct)
		}
		watch := &leakWatch{}
		names := headers.Names(domain.PenaltyFields)
		header, rows := parseDownload(t, format, names, io.TeeReader(resp.Body, watch))
		if header != nil && !slices.Equal(header, names) {
			t.Errorf("%s header %q, want %q", format, header, names)
		}
		compareRows(t, string(format), names, want, rows)
		if watch.hit {
			t.Errorf("%s download leaks the full ID number", format)
		}
		t.Logf("%s (headers=%s): %d rows exported and parsed back in %v", format, headers, len(rows), time.Since(start))
	}
	// XLSX, the slowest to parse back, runs beside the others: two
	// downloads at a time, as many as the server admits.
	t.Run("formats", func(t *testing.T) {
		t.Run("xlsx", func(t *testing.T) {
			t.Parallel()
			check(t, export.XLSX, export.HeadersZH)
		})
		t.Run("text", func(t *testing.T) {
			t.Parallel()
			check(t, export.CSV, export.HeadersStandard)
			check(t, export.NDJSON, export.HeadersEN)
			check(t, export.JSON, export.HeadersStandard)
		})
	})
}

func TestDownloadOtherDatasets(t *testing.T) {
	f := newDSFixture(t)
	ctx := context.Background()
	var permits []domain.Permit
	for i := range 20 {
		permits = append(permits, genPermit(i))
	}
	rs, err := f.s.UpsertPermits(ctx, store.Actor{Name: "test"}, permits, store.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Withdraw(ctx, store.Actor{Name: "test"}, store.EntityPermit, rs[3].ID, domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	resp, b := f.get("/api/v1/datasets/permits/download?format=ndjson&headers=standard", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	noPersonID(t, "permits download", b)
	_, rows := parseDownload(t, export.NDJSON, export.HeadersStandard.Names(domain.PermitFields), bytes.NewReader(b))
	if n := bytes.Count(b, []byte("\n")); len(rows) != 19 || n != 19 {
		t.Fatalf("%d permits, want 19 (one withdrawn)", len(rows))
	}
	// Expected: every permit but the withdrawn one, in id (= input)
	// order, masked as the public read path masks.
	var want [][]string
	for i, p := range permits {
		if i == 3 {
			continue
		}
		rec := domain.PermitRecord(domain.DefaultMasking.Permit(p))
		row := make([]string, len(domain.PermitFields))
		for j, fd := range domain.PermitFields {
			row[j] = rec[fd.Code]
		}
		want = append(want, row)
	}
	compareRows(t, "permits", export.HeadersStandard.Names(domain.PermitFields), want, rows)

	// The powers dataset: the current power list.
	items := testenv.PowerItems(4)
	if _, err := f.s.PublishList(ctx, store.Actor{Name: "test"}, store.ListInput{Kind: domain.ListPowers,
		EffectiveDate: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Powers: items}, store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	resp, b = f.get("/api/v1/datasets/powers/download?format=csv&headers=zh", "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 || recs[0][2] != "事项编码" || recs[1][0] != "1" || recs[1][1] != "2026-01-01" || recs[1][2] != items[0].Code || recs[1][4] != items[0].Category {
		t.Errorf("powers csv: %q", recs)
	}
}

// ingestPenalties writes records through the store as the ingest API does.
func (f *dsFixture) ingestPenalties(ps ...domain.Penalty) []store.UpsertResult {
	f.t.Helper()
	rs, err := f.s.UpsertPenalties(context.Background(), store.Actor{Name: "test"}, ps, store.WriteOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return rs
}

func TestDownloadCachingAndEncoding(t *testing.T) {
	f := newDSFixture(t)
	f.ingestPenalties(genPenalty(0), genPenalty(1), genPenalty(2))
	const path = "/api/v1/datasets/penalties/download?format=csv"

	resp, plain := f.get(path, "", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, plain)
	}
	tag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	// A download shows records: browsers revalidate it (a 304 when the
	// dataset has not changed).
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=0"+cdnSuffix {
		t.Errorf("Cache-Control %q", cc)
	}
	if tag == "" || lastMod == "" || resp.Header.Get("Content-Encoding") != "" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("headers %v", resp.Header)
	}
	if bytes.HasPrefix(plain, []byte("\uFEFF")) || !bytes.HasPrefix(plain, []byte("CF_WSH,CF_XDR_MC,")) {
		t.Errorf("csv starts %q", plain[:min(40, len(plain))])
	}
	noPersonID(t, "csv download", plain)

	// Revalidation costs a 304, by tag or by date.
	for _, h := range []map[string]string{{"If-None-Match": tag}, {"If-None-Match": `"other", W/` + tag}, {"If-Modified-Since": lastMod}} {
		resp, b := f.get(path, "", h)
		if resp.StatusCode != 304 || len(b) != 0 || resp.Header.Get("ETag") != tag || resp.Header.Get("Cache-Control") == "" {
			t.Errorf("%v: %d %q %v", h, resp.StatusCode, b, resp.Header)
		}
	}
	if resp, _ := f.get(path, "", map[string]string{"If-None-Match": `"stale"`}); resp.StatusCode != 200 {
		t.Errorf("stale tag: %d", resp.StatusCode)
	}

	// Every option that shapes the bytes shapes the tag.
	tags := map[string]string{tag: path}
	for _, q := range []string{"format=csv&bom=1", "format=csv&headers=zh", "format=ndjson", "format=json", "format=xlsx"} {
		resp, b := f.get("/api/v1/datasets/penalties/download?"+q, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", q, resp.StatusCode, b)
		}
		if other, dup := tags[resp.Header.Get("ETag")]; dup {
			t.Errorf("%s has the tag of %s", q, other)
		}
		tags[resp.Header.Get("ETag")] = q
		noPersonID(t, q, b)
		if q == "format=csv&bom=1" && !bytes.HasPrefix(b, []byte("\uFEFFCF_WSH,")) {
			t.Errorf("bom=1: starts %q", b[:10])
		}
		if q == "format=csv&headers=zh" && !bytes.HasPrefix(b, []byte("行政处罚决定书文号,")) {
			t.Errorf("headers=zh: starts %q", b[:30])
		}
	}

	// JSON keys follow headers= too, every field present.
	resp, b := f.get("/api/v1/datasets/penalties/download?format=json&headers=zh", "", nil)
	var objs []map[string]string
	if err := json.Unmarshal(b, &objs); err != nil || resp.StatusCode != 200 || len(objs) != 3 {
		t.Fatalf("json zh: %d %v", resp.StatusCode, err)
	}
	if len(objs[0]) != len(domain.PenaltyFields) || objs[0]["行政处罚决定书文号"] != genPenalty(0).DecisionNo || objs[1]["罚款金额（万元）"] != "12.345679" {
		t.Errorf("json zh object: %v", objs[1])
	}

	// gzip when accepted, with its own tag; never for XLSX.
	resp, gz := f.get(path, "", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"})
	if resp.Header.Get("Content-Encoding") != "gzip" || resp.Header.Get("ETag") == tag {
		t.Fatalf("gzip: %v", resp.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if unz, err := io.ReadAll(zr); err != nil || !bytes.Equal(unz, plain) {
		t.Errorf("gunzipped body differs (%v)", err)
	}
	if resp, _ := f.get(path, "", map[string]string{"Accept-Encoding": "gzip;q=0"}); resp.Header.Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 must not be gzipped")
	}
	if resp, _ := f.get("/api/v1/datasets/penalties/download?format=xlsx", "", map[string]string{"Accept-Encoding": "gzip"}); resp.Header.Get("Content-Encoding") != "" {
		t.Error("XLSX is already compressed")
	}

	// HEAD: the headers without the body.
	resp, b = f.get(path, "", map[string]string{"method": "HEAD"})
	if resp.StatusCode != 200 || len(b) != 0 || resp.Header.Get("ETag") != tag {
		t.Errorf("HEAD: %d %d bytes %v", resp.StatusCode, len(b), resp.Header)
	}

	// A change makes a new version.
	time.Sleep(1100 * time.Millisecond) // Last-Modified has whole seconds
	f.ingestPenalties(genPenalty(5))
	resp, b = f.get(path, "", map[string]string{"If-None-Match": tag})
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == tag || bytes.Equal(b, plain) {
		t.Errorf("after a change: %d, tag %s", resp.StatusCode, resp.Header.Get("ETag"))
	}
	if resp, _ := f.get(path, "", map[string]string{"If-Modified-Since": lastMod}); resp.StatusCode != 200 {
		t.Errorf("after a change, If-Modified-Since: %d", resp.StatusCode)
	}
}

// TestDownloadFollowsPublicity checks that withdrawn records and records
// past their publicity period are absent, and that the version moves when
// a period ends although the change log does not.
func TestDownloadFollowsPublicity(t *testing.T) {
	f := newDSFixture(t)
	ending := genPenalty(0)
	ending.PublicityUntil = dsToday // public today, gone tomorrow
	expired := genPenalty(7)
	expired.PublicityUntil = dsToday.AddDate(0, 0, -1)
	rs := f.ingestPenalties(ending, expired, genPenalty(14), genPenalty(21))
	if err := f.s.Withdraw(context.Background(), store.Actor{Name: "test"}, store.EntityPenalty, rs[2].ID, domain.ReasonCorrected, "更正"); err != nil {
		t.Fatal(err)
	}
	names := func(b []byte) []string {
		_, rows := parseDownload(t, export.NDJSON, export.HeadersStandard.Names(domain.PenaltyFields), bytes.NewReader(b))
		var out []string
		for _, r := range rows {
			out = append(out, r["CF_WSH"])
		}
		return out
	}
	resp, b := f.get("/api/v1/datasets/penalties/download?format=ndjson", "", nil)
	if got, want := names(b), []string{ending.DecisionNo, genPenalty(21).DecisionNo}; !slices.Equal(got, want) {
		t.Errorf("public rows %q, want %q", got, want)
	}
	today := resp.Header.Get("ETag")

	tomorrow := f.s.Public(domain.DefaultMasking, func() time.Time { return dsNow.AddDate(0, 0, 1) })
	st, err := tomorrow.DatasetState(context.Background(), "penalties")
	if err != nil {
		t.Fatal(err)
	}
	stToday, _ := f.pub.DatasetState(context.Background(), "penalties")
	if st.Version == stToday.Version || st.Seq != stToday.Seq {
		t.Errorf("a publicity period ending must change the version, not the seq: %+v vs %+v", st, stToday)
	}
	if ended := time.Date(2026, 11, 26, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)); st.Modified.Before(ended) || st.Modified.Before(stToday.Modified) {
		t.Errorf("tomorrow's Last-Modified %v, want at least %v and %v", st.Modified, ended, stToday.Modified)
	}
	var n int
	err = tomorrow.ExportDataset(context.Background(), "penalties", func(store.DatasetState) error { return nil },
		func([]string) error { n++; return nil })
	if err != nil || n != 1 {
		t.Errorf("tomorrow: %d rows (%v), want 1", n, err)
	}
	if today == "" {
		t.Error("no ETag")
	}
}

func TestDatasetBadParameters(t *testing.T) {
	f := newDSFixture(t)
	for _, tc := range []struct {
		path   string
		status int
		field  string
	}{
		{"/api/v1/datasets/penalties/download?format=pdf", 400, "format"},
		{"/api/v1/datasets/penalties/download?headers=fr", 400, "headers"},
		{"/api/v1/datasets/penalties/download?bom=2", 400, "bom"},
		{"/api/v1/datasets/penalties/download?format=json&bom=1", 400, "bom"},
		{"/api/v1/datasets/nonsense/download", 404, ""},
		{"/api/v1/datasets/nonsense", 404, ""},
		{"/api/v1/datasets/penalties/snapshots/2026-13-01", 400, "date"},
		{"/api/v1/datasets/penalties/snapshots/yesterday/csv", 400, "date"},
		{"/api/v1/datasets/penalties/snapshots/2026-11-25/pdf", 400, "format"},
		{"/api/v1/datasets/penalties/snapshots/2026-11-25", 404, ""},
		{"/api/v1/datasets/penalties/snapshots/2026-11-25/csv", 404, ""},
	} {
		resp, b := f.get(tc.path, "", nil)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.path, resp.StatusCode, tc.status, b)
			continue
		}
		e := decode[apiError](t, b)
		if e.Code == "" || e.Message == "" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: error shape %s", tc.path, b)
		}
		if tc.field != "" && (len(e.Errors) != 1 || e.Errors[0].Field != tc.field || !strings.HasPrefix(e.Message, tc.field+":")) {
			t.Errorf("%s: the error must name %s: %s", tc.path, tc.field, b)
		}
	}
}

func TestCatalog(t *testing.T) {
	f := newDSFixture(t)
	f.ingestPenalties(genPenalty(2)) // a natural person
	resp, b := f.get("/api/v1/datasets", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
	}
	noPersonID(t, "catalog", b)
	var cat struct {
		Context map[string]any `json:"@context"`
		Type    string         `json:"@type"`
		Title   map[string]string
		Dataset []struct {
			ID           string `json:"@id"`
			Identifier   string
			Title        map[string]string
			Description  map[string]string
			Publisher    map[string]any
			License      string
			Modified     *time.Time
			Distribution []struct {
				Format, MediaType, DownloadURL string
			}
			Snapshots string
			Fields    []domain.Field
		}
	}
	if err := json.Unmarshal(b, &cat); err != nil {
		t.Fatal(err)
	}
	if cat.Type != "Catalog" || cat.Context["dcat"] != "http://www.w3.org/ns/dcat#" || cat.Title["zh-CN"] == "" {
		t.Errorf("catalog head: %s", b[:300])
	}
	if len(cat.Dataset) != 3 {
		t.Fatalf("%d datasets", len(cat.Dataset))
	}
	pen := cat.Dataset[0]
	if pen.Identifier != "penalties" || pen.Title["en"] == "" || pen.Description["zh-CN"] == "" || pen.Publisher["name"] != "苏州市应急管理局" ||
		pen.License == "" || pen.Modified == nil || pen.Snapshots != "/api/v1/datasets/penalties/snapshots" {
		t.Errorf("penalties: %+v", pen)
	}
	if len(pen.Distribution) != 4 || pen.Distribution[0].DownloadURL != "/api/v1/datasets/penalties/download?format=csv" || pen.Distribution[0].MediaType != "text/csv" {
		t.Errorf("distributions %+v", pen.Distribution)
	}
	fine, ok := domain.FieldByCode(pen.Fields, "CF_NR_FK")
	if len(pen.Fields) != len(domain.PenaltyFields) || !ok || fine.Unit != "万元" || fine.Label == "" || fine.Name != "fine" || fine.Type != domain.TypeMoney {
		t.Errorf("dictionary: %+v", fine)
	}
	if kind, _ := domain.FieldByCode(pen.Fields, "CF_XDR_LB"); len(kind.Allowed) != 3 {
		t.Errorf("allowed values missing: %+v", kind)
	}
	if resp, _ := f.get("/api/v1/datasets", "", map[string]string{"If-None-Match": resp.Header.Get("ETag")}); resp.StatusCode != 304 {
		t.Errorf("catalog revalidation: %d", resp.StatusCode)
	}
	resp, b = f.get("/api/v1/datasets/permits", "", nil)
	if resp.StatusCode != 200 || !bytes.Contains(b, []byte(`"XK_XKJGDM"`)) || !bytes.Contains(b, []byte(`"@context"`)) {
		t.Errorf("dataset: %d %.200s", resp.StatusCode, b)
	}
}

func TestSnapshots(t *testing.T) {
	f := newDSFixture(t)
	const public = 300
	n := loadPenalties(t, f.s, public)
	extra := genPenalty(n)
	extra.PublicityUntil = dsToday.AddDate(1, 0, 0)
	f.ingestPenalties(extra)
	taken, err := f.snaps.TakeSnapshots(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(taken) != 3 {
		t.Fatalf("took %d snapshots, want 3", len(taken))
	}
	if again, err := f.snaps.TakeSnapshots(context.Background()); err != nil || len(again) != 0 {
		t.Errorf("second run took %d (%v), want none", len(again), err)
	}
	resp, b := f.get("/api/v1/datasets/penalties/snapshots", "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, max-age=0"+cdnSuffix {
		t.Fatalf("%d %s %s", resp.StatusCode, resp.Header.Get("Cache-Control"), b)
	}
	type manifest struct {
		Dataset, Date string
		SchemaVersion string `json:"schema_version"`
		Rows          int64
		ChangeSeq     int64 `json:"change_seq"`
		URL           string
		Files         []struct {
			Format, Name, SHA256, URL string
			Bytes                     int64
		}
	}
	list := decode[struct{ Snapshots []manifest }](t, b)
	if len(list.Snapshots) != 1 {
		t.Fatalf("snapshots %s", b)
	}
	m := list.Snapshots[0]
	if m.Date != "2026-11-25" || m.Rows != int64(public+1) || m.ChangeSeq == 0 || len(m.Files) != 4 || m.SchemaVersion == "" {
		t.Errorf("manifest %+v", m)
	}
	resp, b = f.get(m.URL, "", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, no-cache" {
		t.Errorf("manifest: %d %v", resp.StatusCode, resp.Header)
	}
	if decode[manifest](t, b).Rows != m.Rows {
		t.Errorf("manifest by date: %s", b)
	}
	for _, file := range m.Files {
		resp, b := f.get(file.URL, "", nil)
		if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "public, no-cache" ||
			resp.Header.Get("Content-Disposition") != `attachment; filename="`+file.Name+`"` {
			t.Errorf("%s: %d %v", file.URL, resp.StatusCode, resp.Header)
			continue
		}
		if int64(len(b)) != file.Bytes || fmt.Sprintf("%x", sha256Sum(b)) != file.SHA256 {
			t.Errorf("%s: %d bytes, sha256 %x; manifest %d %s", file.Name, len(b), sha256Sum(b), file.Bytes, file.SHA256)
		}
		noPersonID(t, file.Name, b)
		format, _ := export.ParseFormat(file.Format)
		_, rows := parseDownload(t, format, export.HeadersStandard.Names(domain.PenaltyFields), bytes.NewReader(b))
		if int64(len(rows)) != m.Rows {
			t.Errorf("%s has %d rows, manifest %d", file.Name, len(rows), m.Rows)
		}
		if resp, _ := f.get(file.URL, "", map[string]string{"If-None-Match": resp.Header.Get("ETag")}); resp.StatusCode != 304 {
			t.Errorf("%s revalidation: %d", file.Name, resp.StatusCode)
		}
		if resp, part := f.get(file.URL, "", map[string]string{"Range": "bytes=0-9"}); resp.StatusCode != 206 || !bytes.Equal(part, b[:10]) {
			t.Errorf("%s range: %d %q", file.Name, resp.StatusCode, part)
		}
		// A range outside the file is an error like any other.
		outside := map[string]string{"Range": fmt.Sprintf("bytes=%d-", file.Bytes+10)}
		if resp, body := f.get(file.URL, "", outside); resp.StatusCode != 416 || resp.Header.Get("Content-Type") != "application/problem+json" ||
			resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", file.Bytes) ||
			decode[apiError](t, body).Code != "range_not_satisfiable" {
			t.Errorf("%s range outside: %d %v %q", file.Name, resp.StatusCode, resp.Header, body)
		}
		if format.Compressible() {
			resp, gz := f.get(file.URL, "", map[string]string{"Accept-Encoding": "gzip"})
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil || resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("%s gzip: %v %v", file.Name, err, resp.Header)
			}
			if unz, _ := io.ReadAll(zr); !bytes.Equal(unz, b) {
				t.Errorf("%s: gunzipped snapshot differs", file.Name)
			}
		}
	}
	// A snapshot does not move with later changes.
	f.ingestPenalties(genPenalty(n + 1))
	resp, b = f.get(m.Files[0].URL, "", nil)
	if fmt.Sprintf("%x", sha256Sum(b)) != m.Files[0].SHA256 {
		t.Error("a snapshot changed after a write")
	}
}
