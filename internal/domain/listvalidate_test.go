package domain

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func powerItemFixture(cat string) PowerItem {
	return PowerItem{
		Code: "320500CF0001", Name: "对生产经营单位未按规定开展安全生产教育和培训的处罚", Category: cat,
		SubItems:   []string{"未按规定对从业人员进行安全生产教育和培训"},
		LegalBasis: "《中华人民共和国安全生产法》第九十七条", Unit: "苏州市应急管理局执法监督处", Level: "市级",
		Duties:         []Duty{{Stage: "立案", Content: "对符合条件的予以立案"}},
		Accountability: "因不履行或不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任",
		Remarks:        "无",
		Guide: Guide{Basis: "《中华人民共和国安全生产法》", Applicant: "生产经营单位", Channels: "窗口办理",
			TimePlace: "工作日 9:00–17:00，苏州市政务服务中心", Conditions: "材料齐全", Materials: []string{"申请书"},
			StatutoryLimit: "20个工作日", PromisedLimit: "10个工作日", Fees: "不收费", ConsultPhone: "0512-12345",
			ComplaintPhone: "12345", OnlineURL: "https://example.invalid/apply", Notes: "无"},
		Flow: StandardFlow(cat),
	}
}

func serviceItemFixture() ServiceItem {
	return ServiceItem{
		Code: "320500GG0001", Name: "安全生产培训咨询", Target: "生产经营单位", Basis: "《中华人民共和国安全生产法》",
		Unit: "苏州市应急管理局", Conditions: "无", Materials: []string{"咨询登记表"}, Process: "受理、答复",
		TimeLimit: "5个工作日", Fees: "不收费", ConsultPhone: "0512-12345", ComplaintPhone: "12345",
		Flow: StandardFlow(ServiceCategory),
	}
}

func responsibilityItemFixture() ResponsibilityItem {
	return ResponsibilityItem{Code: "ZZ-01", Part: "主要职责", Duty: "负责全市应急管理工作", Name: "组织编制应急体系建设规划",
		Detail: "组织编制全市应急体系建设规划", Accountability: "未按规定履行职责的", Basis: "《苏州市应急管理局职能配置》"}
}

// setPath returns a copy of it with the string at a ListField path ("[]" =
// element 0) set to value, walking the struct by its json tags.
func setPath[T any](t *testing.T, it T, path, value string) T {
	t.Helper()
	b, _ := json.Marshal(it)
	var out T
	json.Unmarshal(b, &out) // a deep copy
	v := reflect.ValueOf(&out).Elem()
	for _, part := range strings.Split(strings.ReplaceAll(path, "[]", ".[]"), ".") {
		if part == "[]" {
			v = v.Index(0)
			continue
		}
		found := false
		for i := 0; i < v.NumField(); i++ {
			if name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ","); name == part {
				v, found = v.Field(i), true
				break
			}
		}
		if !found {
			t.Fatalf("%s: no field %q in %s", path, part, v.Type())
		}
	}
	v.SetString(value)
	return out
}

func checkListTexts[T any](t *testing.T, kind ListKind, fixture T, validate func([]T) FieldErrors) {
	if errs := validate([]T{fixture}); len(errs) > 0 {
		t.Fatalf("%s fixture: %v", kind, errs)
	}
	fields := ListFields(kind)
	if len(fields) == 0 {
		t.Fatalf("no fields for %s", kind)
	}
	for _, f := range fields {
		if f.MaxLength == 0 {
			t.Errorf("%s %s has no maximum length", kind, f.Path)
		}
		want := strings.Replace(f.Path, "[]", "[0]", 1)
		for _, c := range []struct{ value, code, contains string }{
			{"甲\x00乙", CodeFormat, "NUL (U+0000)"},
			{"\xff", CodeFormat, "not valid UTF-8"},
			{"甲\x1b", CodeFormat, "U+001B"},
			{strings.Repeat("A", f.MaxLength+1), CodeTooLong, fmt.Sprintf("at most %d characters, got %d", f.MaxLength, f.MaxLength+1)},
		} {
			// The bad item comes second, after a valid one.
			bad := setPath(t, setPath(t, fixture, "code", "X2"), f.Path, c.value)
			errs := validate([]T{fixture, bad})
			if len(errs) == 0 {
				t.Errorf("%s %s = %q accepted", kind, f.Path, Short(c.value))
				continue
			}
			root := rootField(want)
			var mine []FieldError
			for _, e := range errs {
				if e.Index != 1 {
					t.Errorf("%s %s: error on item %d: %v", kind, f.Path, e.Index, e)
				}
				if rootField(e.Field) == root {
					mine = append(mine, e)
				}
				if len(e.Message) > 200 {
					t.Errorf("%s %s: the message quotes the value: %s", kind, f.Path, Short(e.Message))
				}
			}
			if len(mine) != 1 || mine[0].Field != want || mine[0].Code != c.code || !strings.Contains(mine[0].Message, c.contains) {
				t.Errorf("%s %s = %q: errors %v, want one %s error on %s containing %q", kind, f.Path, Short(c.value), mine, c.code, want, c.contains)
			}
		}
	}
}

func TestListsRefuseBadText(t *testing.T) {
	for _, cat := range PowerCategories {
		checkListTexts(t, ListPowers, powerItemFixture(cat), ValidatePowerItems)
		if t.Failed() {
			return
		}
	}
	checkListTexts(t, ListPublicServices, serviceItemFixture(), ValidateServiceItems)
	checkListTexts(t, ListResponsibilities, responsibilityItemFixture(), ValidateResponsibilityItems)
}

func TestListFieldsCoverEveryString(t *testing.T) {
	// Every string in an item's JSON form is one of its ListFields.
	for _, tt := range []struct {
		kind ListKind
		item any
	}{
		{ListPowers, powerItemFixture("行政处罚")},
		{ListPublicServices, serviceItemFixture()},
		{ListResponsibilities, responsibilityItemFixture()},
	} {
		b, _ := json.Marshal(tt.item)
		var doc any
		json.Unmarshal(b, &doc)
		var paths []string
		var walk func(prefix string, v any)
		walk = func(prefix string, v any) {
			switch v := v.(type) {
			case map[string]any:
				for k, x := range v {
					p := k
					if prefix != "" {
						p = prefix + "." + k
					}
					walk(p, x)
				}
			case []any:
				for _, x := range v {
					walk(prefix+"[]", x)
				}
			case string:
				paths = append(paths, prefix)
			}
		}
		walk("", doc)
		known := map[string]bool{}
		for _, f := range ListFields(tt.kind) {
			known[f.Path] = true
		}
		for _, p := range paths {
			if !known[p] {
				t.Errorf("%s: %s has no limit", tt.kind, p)
			}
		}
	}
	if ListFields("nope") != nil {
		t.Error("fields for an unknown list")
	}
}

func TestValidateWithdrawal(t *testing.T) {
	if errs := ValidateWithdrawal(ReasonRevoked, "复议决定撤销\n见附件"); errs != nil {
		t.Errorf("valid withdrawal: %v", errs)
	}
	errs := ValidateWithdrawal("forgotten", "a\x00b")
	if len(errs) != 2 || errs[0].Field != "reason" || errs[0].Code != CodeEnum || errs[1].Field != "note" || errs[1].Code != CodeFormat {
		t.Errorf("errors = %v", errs)
	}
	errs = ValidateWithdrawal(ReasonExpired, strings.Repeat("长", MaxNote+1))
	if len(errs) != 1 || errs[0].Message != "at most 1000 characters, got 1001" {
		t.Errorf("long note: %v", errs)
	}
	if errs := ValidateVersionNote("动态调整"); errs != nil {
		t.Errorf("version note: %v", errs)
	}
	if errs := ValidateVersionNote("\xff"); len(errs) != 1 || errs[0].Field != "note" {
		t.Errorf("version note: %v", errs)
	}
}
