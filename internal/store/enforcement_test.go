package store_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// Fixtures of the enforcement records. The bureau is testenv.AgencyCode,
// so its inspections and its penalties share a credit code.
var (
	bureauCode   = testenv.AgencyCode
	squadCode    = testenv.USCC("320500", 900001) // an entrusted body
	districtCode = testenv.USCC("320506", 900002) // a district bureau
	enfToday     = time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
)

func enfPublic(s *store.Store) *store.Public {
	return s.Public(domain.DefaultMasking, func() time.Time { return enfToday })
}

func testBodies() []domain.EnforcementBody {
	return []domain.EnforcementBody{
		{Name: "苏州市应急管理局", CreditCode: bureauCode, LegalBasis: "《中华人民共和国安全生产法》第十条", DistrictCode: "320500",
			Status: domain.BodyActive},
		{Name: "苏州市应急管理综合行政执法支队", CreditCode: squadCode, LegalBasis: "受苏州市应急管理局委托", DistrictCode: "320500",
			Entrusted: true, EntrustingBody: "苏州市应急管理局", EntrustingCode: bureauCode, Status: domain.BodyActive},
		{Name: "苏州市吴中区应急管理局", CreditCode: districtCode, LegalBasis: "《江苏省安全生产条例》", DistrictCode: "320506",
			Status: domain.BodyActive},
	}
}

func officer(cert, name, body string, status domain.OfficerStatus, until string) domain.Officer {
	return domain.Officer{CertificateNo: cert, Name: name, IssuingAuthority: "江苏省人民政府", BodyCode: body, Status: status,
		ValidUntil: mustDate(until)}
}

func mustDate(s string) time.Time {
	d, err := time.Parse(domain.DateLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fieldErrors checks that err carries validation problems, among them one
// for every index/field pair given.
func fieldErrors(t *testing.T, err error, want ...any) {
	t.Helper()
	fe, ok := store.IsFieldErrors(err)
	if !ok {
		t.Fatalf("want field errors, got %v", err)
	}
	for i := 0; i < len(want); i += 2 {
		idx, field := want[i].(int), want[i+1].(string)
		if !slices.ContainsFunc(fe, func(e domain.FieldError) bool { return e.Index == idx && e.Field == field }) {
			t.Errorf("want a problem with record %d field %s in %v", idx, field, fe)
		}
	}
}

func registerBodies(t *testing.T, s *store.Store) {
	t.Helper()
	_, err := s.UpsertEnforcementBodies(context.Background(), cli, testBodies(), store.WriteOptions{})
	mustNil(t, err)
}

func TestRegistersAreVersionedRecordByRecord(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	pub := enfPublic(s)

	rs, err := s.UpsertEnforcementBodies(ctx, cli, testBodies(), store.WriteOptions{})
	mustNil(t, err)
	if got := outcomes(rs); !slices.Equal(got, []store.Outcome{store.Created, store.Created, store.Created}) {
		t.Fatalf("first write: %v", got)
	}
	again, err := s.UpsertEnforcementBodies(ctx, cli, testBodies(), store.WriteOptions{})
	mustNil(t, err)
	for i, r := range again {
		if r.Outcome != store.Unchanged || r.ID != rs[i].ID {
			t.Errorf("second write [%d] = %+v, want unchanged %d", i, r, rs[i].ID)
		}
	}
	if n := count(t, s, `SELECT count(*) FROM changes WHERE entity = 'enforcement_body'`); n != 3 {
		t.Errorf("change-log entries after an unchanged write: %d, want 3", n)
	}

	changed := testBodies()
	changed[2].LegalBasis = "《江苏省安全生产条例》第九条"
	changed[2].Remarks = "职权调整"
	rs, err = s.UpsertEnforcementBodies(ctx, cli, changed, store.WriteOptions{})
	mustNil(t, err)
	if got := outcomes(rs); !slices.Equal(got, []store.Outcome{store.Unchanged, store.Unchanged, store.Updated}) {
		t.Fatalf("change one: %v", got)
	}
	vs, err := pub.RegisterVersions(ctx, store.RegisterBodies)
	mustNil(t, err)
	if len(vs) != 2 || vs[0].Number != 2 || vs[0].Changed != 1 || vs[1].Added != 3 || vs[0].Items != 3 {
		t.Fatalf("versions: %+v", vs)
	}
	_, cs, err := pub.RegisterChanges(ctx, store.RegisterBodies, 2)
	mustNil(t, err)
	if len(cs) != 1 || cs[0].Key != districtCode || !slices.Equal(cs[0].Fields, []string{"legal_basis", "remarks"}) ||
		cs[0].Content["legal_basis"] != "《江苏省安全生产条例》第九条" {
		t.Errorf("changes of version 2: %+v", cs)
	}

	// An unknown district, a duplicate in the batch: nothing is written.
	bad := testBodies()
	bad[0].Name = "改名"
	bad[1].DistrictCode = "320599"
	bad = append(bad, bad[2])
	_, err = s.UpsertEnforcementBodies(ctx, cli, bad, store.WriteOptions{})
	fieldErrors(t, err, 1, "district_code", 3, "credit_code")
	if b, _ := pub.EnforcementBody(ctx, bureauCode); b.Name != "苏州市应急管理局" {
		t.Errorf("a failed batch wrote: %+v", b)
	}

	// Officers need a registered body, named as registered.
	officers := []domain.Officer{
		officer("苏执3205000001", "王建国", bureauCode, domain.OfficerValid, "2029-06-30"),
		officer("苏执3205000002", "李敏", squadCode, domain.OfficerValid, "2028-12-31"),
		officer("苏执3205060003", "陈静", testenv.OtherCode, domain.OfficerValid, "2028-12-31"),
	}
	officers[1].Body = "苏州市应急管理支队"
	_, err = s.UpsertOfficers(ctx, cli, officers, store.WriteOptions{})
	fieldErrors(t, err, 1, "body", 2, "body_code")
	if n := count(t, s, `SELECT count(*) FROM enforcement_officers`); n != 0 {
		t.Fatalf("a failed batch wrote %d officers", n)
	}
	officers[1].Body, officers[2].BodyCode = "苏州市应急管理综合行政执法支队", districtCode
	_, err = s.UpsertOfficers(ctx, cli, officers, store.WriteOptions{})
	mustNil(t, err)
	officers[2].Status = domain.OfficerRevoked
	rs, err = s.UpsertOfficers(ctx, cli, officers, store.WriteOptions{})
	mustNil(t, err)
	if got := outcomes(rs); !slices.Equal(got, []store.Outcome{store.Unchanged, store.Unchanged, store.Updated}) {
		t.Fatalf("revoke one: %v", got)
	}
	h, err := pub.RecordHistory(ctx, store.RegisterOfficers, "苏执3205060003")
	mustNil(t, err)
	if len(h) != 2 || h[0].Change != "added" || h[1].Change != "changed" || !slices.Equal(h[1].Fields, []string{"status"}) ||
		h[1].Content["status"] != "注销" || h[1].Content["body"] != "苏州市吴中区应急管理局" {
		t.Errorf("history: %+v", h)
	}
	page, err := pub.Officers(ctx, store.OfficerQuery{BodyCode: bureauCode, Limit: 10})
	mustNil(t, err)
	if page.Total != 1 || page.Items[0].Name != "王建国" || page.Items[0].Body != "苏州市应急管理局" {
		t.Errorf("officers of the bureau: %+v", page)
	}
	bodies, err := pub.EnforcementBodies(ctx, store.BodyQuery{DistrictCode: "320500"})
	mustNil(t, err)
	if len(bodies) != 2 || bodies[0].CreditCode != bureauCode || bodies[0].ValidOfficers != 1 || bodies[1].District != "苏州市本级" {
		t.Errorf("municipal bodies: %+v", bodies)
	}
}

func TestOfficersPageByName(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	registerBodies(t, s)
	names := []string{"王五", "李四", "张三", "赵六", "钱七"}
	var os []domain.Officer
	for i, n := range names {
		os = append(os, officer("苏执320500010"+string(rune('0'+i)), n, bureauCode, domain.OfficerValid, "2029-01-01"))
	}
	_, err := s.UpsertOfficers(ctx, cli, os, store.WriteOptions{})
	mustNil(t, err)
	pub := enfPublic(s)
	var got []string
	cursor := ""
	for range 5 {
		page, err := pub.Officers(ctx, store.OfficerQuery{Cursor: cursor, Limit: 2})
		mustNil(t, err)
		if page.Total != 5 {
			t.Fatalf("total %d", page.Total)
		}
		for _, o := range page.Items {
			got = append(got, o.Name)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	want := slices.Clone(names)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("pages: %v, want %v", got, want)
	}
	if _, err := pub.Officers(ctx, store.OfficerQuery{Cursor: "bm90IGEgY3Vyc29y"}); !errors.Is(err, store.ErrCursor) {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestVerifyOfficerReturnsOnlyWhatACitizenMaySee(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	registerBodies(t, s)
	_, err := s.UpsertOfficers(ctx, cli, []domain.Officer{
		officer("苏执3205000001", "王建国", bureauCode, domain.OfficerValid, "2029-06-30"),
		officer("苏执3205000002", "李敏", squadCode, domain.OfficerValid, "2026-12-02"),
		officer("苏执3205000003", "陈静", districtCode, domain.OfficerRevoked, "2029-06-30"),
		officer("苏执3205000004", "周强", districtCode, domain.OfficerSuspended, "2029-06-30"),
	}, store.WriteOptions{})
	mustNil(t, err)
	pub := enfPublic(s)
	if n := reflect.TypeFor[domain.OfficerCheck]().NumField(); n != 4 {
		t.Fatalf("a verification carries %d fields, want name, body, status and valid-until only", n)
	}
	cases := []struct {
		cert string
		want domain.OfficerCheck
	}{
		{"苏执3205000001", domain.OfficerCheck{Name: "王建国", Body: "苏州市应急管理局", Status: domain.OfficerValid, ValidUntil: mustDate("2029-06-30")}},
		{" 苏执３２０５０００００１ ", domain.OfficerCheck{Name: "王建国", Body: "苏州市应急管理局", Status: domain.OfficerValid, ValidUntil: mustDate("2029-06-30")}},
		{"苏执3205000002", domain.OfficerCheck{Name: "李敏", Body: "苏州市应急管理综合行政执法支队", Status: domain.OfficerExpired, ValidUntil: mustDate("2026-12-02")}},
		{"苏执3205000003", domain.OfficerCheck{Name: "陈静", Body: "苏州市吴中区应急管理局", Status: domain.OfficerRevoked, ValidUntil: mustDate("2029-06-30")}},
		{"苏执3205000004", domain.OfficerCheck{Name: "周强", Body: "苏州市吴中区应急管理局", Status: domain.OfficerSuspended, ValidUntil: mustDate("2029-06-30")}},
	}
	for _, c := range cases {
		got, err := pub.VerifyOfficer(ctx, c.cert)
		if err != nil || got != c.want {
			t.Errorf("VerifyOfficer(%q) = %+v, %v; want %+v", c.cert, got, err, c.want)
		}
	}
	for _, unknown := range []string{"苏执3205009999", "", "' OR 1=1 --"} {
		if _, err := pub.VerifyOfficer(ctx, unknown); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("VerifyOfficer(%q): %v, want ErrNotFound", unknown, err)
		}
	}
}

func testItems() []domain.InspectionItem {
	item := func(code, name string) domain.InspectionItem {
		return domain.InspectionItem{Code: code, Name: name, Category: "一般检查事项", Scope: "工贸企业", Method: "现场检查",
			Body: "苏州市应急管理局", Basis: "《中华人民共和国安全生产法》第六十五条", Frequency: "每年抽查比例不低于5%"}
	}
	return []domain.InspectionItem{item("SJ-001", "工贸企业安全生产情况检查"), item("SJ-002", "危险化学品经营单位检查"),
		item("SJ-003", "烟花爆竹经营单位检查")}
}

func TestPublishInspectionItemsVersions(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	pub := enfPublic(s)
	v1 := testItems()
	res, err := s.PublishInspectionItems(ctx, cli, store.InspectionItemsInput{Items: v1, Note: "首次公布"}, store.WriteOptions{})
	mustNil(t, err)
	if !res.Created || res.Number != 1 || res.Added != 3 {
		t.Fatalf("v1: %+v", res)
	}
	res, err = s.PublishInspectionItems(ctx, cli, store.InspectionItemsInput{Items: v1}, store.WriteOptions{})
	mustNil(t, err)
	if res.Created || res.Number != 1 || count(t, s, `SELECT count(*) FROM changes WHERE entity = 'inspection_list_version'`) != 1 {
		t.Fatalf("same list again: %+v", res)
	}
	v2 := slices.Clone(v1[:2])
	v2[1].Frequency = "每年抽查比例不低于10%"
	v2 = append(v2, domain.InspectionItem{Code: "SJ-004", Name: "非煤矿山企业检查", Category: "重点检查事项", Scope: "非煤矿山",
		Method: "现场检查", Body: "苏州市应急管理局", Basis: "《非煤矿矿山企业安全生产许可证实施办法》", Frequency: "每年一次"})
	res, err = s.PublishInspectionItems(ctx, cli, store.InspectionItemsInput{Items: v2, EffectiveDate: mustDate("2026-03-01")},
		store.WriteOptions{})
	mustNil(t, err)
	if !res.Created || res.Number != 2 || res.Added != 1 || res.Changed != 1 || res.Removed != 1 {
		t.Fatalf("v2: %+v", res)
	}
	v, items, err := pub.InspectionItems(ctx, 1)
	mustNil(t, err)
	if v.Note != "首次公布" || !reflect.DeepEqual(items, v1) {
		t.Errorf("version 1: %+v %+v", v, items)
	}
	v, cs, err := pub.RegisterChanges(ctx, store.RegisterInspectionItems, 0)
	mustNil(t, err)
	byKey := map[string]store.RegisterChange{}
	for _, c := range cs {
		byKey[c.Key] = c
	}
	if v.Number != 2 || !v.EffectiveDate.Equal(mustDate("2026-03-01")) || byKey["SJ-003"].Change != "removed" ||
		byKey["SJ-003"].Content != nil || !slices.Equal(byKey["SJ-002"].Fields, []string{"frequency"}) ||
		byKey["SJ-004"].Change != "added" {
		t.Errorf("changes of version 2: %+v %+v", v, cs)
	}
}
