package domain

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestMaskIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"11010519491231002X", "110105**********2X"},
		{"320502198001011234", "320502**********34"},
		{"110105491231002", "110105********2"}, // old 15-digit form
		{"E12345678", "E********"},             // passport: at most 1 kept
		{"H1234567890", "H12********"},
		{"12345678", "********"},
		{"AB", "**"},
		{"110105**********2X", "110105**********2X"}, // idempotent
	}
	for _, tt := range tests {
		if got := MaskIDNumber(tt.in); got != tt.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"13812345678", "*******5678"},
		{"0512-68001234", "*********1234"},
		{"1234", "**34"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMaskNeverRevealsHalf checks every length against every rule setting.
func TestMaskNeverRevealsHalf(t *testing.T) {
	for _, r := range []MaskingRules{DefaultMasking, {KeepPrefix: 20, KeepSuffix: 20, PhoneKeepSuffix: 20}, {KeepPrefix: -1, KeepSuffix: -1, MinHidden: -1}} {
		for n := 0; n <= 40; n++ {
			s := strings.Repeat("9", n)
			for _, masked := range []string{r.IDNumber(s), r.Phone(s)} {
				shown := strings.Count(masked, "9")
				if utf8.RuneCountInString(masked) != n || shown > n/2 {
					t.Errorf("%+v: length %d masked to %q", r, n, masked)
				}
			}
			if n >= r.MinHidden && r.MinHidden > 0 && strings.Count(r.IDNumber(s), "*") < r.MinHidden {
				t.Errorf("%+v: length %d hides fewer than %d", r, n, r.MinHidden)
			}
		}
	}
}

func TestMaskText(t *testing.T) {
	tests := []textCase{
		{"当事人张三（身份证号11010519491231002X）", "当事人张三（身份证号110105**********2X）"},
		{"身份证号11010519491231002x。", "身份证号110105**********2x。"},
		{"联系电话13812345678，", "联系电话*******5678，"},
		{"账号6222021234567890123", "账号***************0123"},
		{"罚款20000元，苏应急罚〔2024〕12号，2024年5月20日", "罚款20000元，苏应急罚〔2024〕12号，2024年5月20日"},
		{"电话０５１２-68001234", "电话０５１２-68001234"},
	}
	checkText(t, tests)
	if got := (MaskingRules{}).Text(tests[0].in); got != tests[0].in {
		t.Errorf("Text without ScrubText changed its input: %q", got)
	}
}

func TestMaskPenaltyHidesEveryFullID(t *testing.T) {
	const personID = "11010519491231002X"
	const repID = "440524188001010014"
	p := validPenalty(t)
	p.Kind = PartyNaturalPerson
	p.Name = "张三"
	p.CreditCode = ""
	p.IDType, p.IDNo = "身份证", personID
	p.LegalRepIDType, p.LegalRepIDNo = "身份证", repID
	p.Facts = "张三（身份证号" + personID + "，电话13812345678）未按规定……"
	p.Remarks = "复核：" + repID

	m := DefaultMasking.Penalty(p)
	out := fmt.Sprintf("%+v %v", m, PenaltyRecord(m))
	for _, secret := range []string{personID, repID, "13812345678"} {
		if strings.Contains(out, secret) {
			t.Errorf("masked penalty still contains %s: %s", secret, out)
		}
	}
	if m.IDNo != "110105**********2X" || m.LegalRepIDNo != "440524**********14" {
		t.Errorf("masked IDs = %q, %q", m.IDNo, m.LegalRepIDNo)
	}
	if m.Name != "张三" || m.AgencyCode != p.AgencyCode {
		t.Errorf("masking changed public fields: %+v", m)
	}
	// The original is untouched and shares no memory with the copy.
	m.Categories[0] = "changed"
	if p.IDNo != personID || p.Categories[0] == "changed" {
		t.Errorf("masking modified its input: %+v", p)
	}
}

func TestMaskPartyOrganization(t *testing.T) {
	p := Party{Name: "某某有限公司", Kind: PartyOrganization, CreditCode: "91330203674737244W", OrgCode: "674737244",
		LegalRep: "李四", LegalRepIDType: "身份证", LegalRepIDNo: "11010519491231002X"}
	got := DefaultMasking.Party(p)
	want := p
	want.LegalRepIDNo = "110105**********2X"
	if got != want {
		t.Errorf("Party = %+v, want %+v", got, want)
	}
}

func TestMaskPermit(t *testing.T) {
	p := validPermit(t)
	p.LegalRepIDNo = "11010519491231002X"
	p.Content = "经营者11010519491231002X"
	m := DefaultMasking.Permit(p)
	if strings.Contains(fmt.Sprintf("%+v", m), "11010519491231002X") {
		t.Errorf("masked permit contains the full ID: %+v", m)
	}
}

type textCase struct{ in, want string }

func checkText(t *testing.T, tests []textCase) {
	t.Helper()
	for _, tt := range tests {
		if got := DefaultMasking.Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The examples of the leak report, exactly: none was masked before.
func TestMaskTextReportedLeaks(t *testing.T) {
	tests := []textCase{
		{"暂扣特种作业操作证 T110105196606060834", "暂扣特种作业操作证 T110105**********34"},
		{"联系电话139-1234-5679。", "联系电话***-****-5679。"},
		{"手机139 1234 5670", "手机*** **** 5670"},
		{"身份证号：110105 19921111 159X", "身份证号：110105 ******** **9X"},
		{"电话+8613812345671", "电话+86*******5671"},
	}
	checkText(t, tests)
}

func TestMaskTextSpellings(t *testing.T) {
	tests := []textCase{
		// Full-width digits and check letters, ideographic spaces, dashes.
		{"１３９１２３４５６７９", "*******５６７９"},
		{"身份证１１０１０５１９４９１２３１００２Ｘ", "身份证１１０１０５**********２Ｘ"},
		{"139\u30001234\u30005679", "***\u3000****\u30005679"},
		{"139－1234－5679", "***－****－5679"},
		{"139.1234.5679", "***.****.5679"},
		{"139 - 1234 - 5679", "*** - **** - 5679"},
		{"138\u200b1234\u200b5678", "***\u200b****\u200b5678"}, // zero-width spaces
		// Prefixes and glued characters.
		{"0086 138 1234 5671", "0086 *** **** 5671"},
		{"(+86)13812345671", "(+86)*******5671"},
		{"手机号码713812345671号", "手机号码7*******5671号"},
		{"证号A11010519491231002XB", "证号A110105**********2XB"},
		{"编号5 110105 19921111 159X", "编号5 110105 ******** **9X"},
		{"账号6222021234567890 110105 19921111 159X", "账号**************** ****** ******** **9X"},
		{"12110105 19921111 159X", "12110105 ******** **9X"},
		// First-generation 15-digit ID numbers.
		{"身份证110105491231002", "身份证110105********2"},
		{"110105 491231 002", "110105 ****** **2"},
		// Bank cards and accounts, in groups or not, with or without Luhn.
		{"卡号6222 0212 3456 7890 123", "卡号**** **** **** ***0 123"},
		{"账号622202 1234567890123", "账号****** *********0123"},
		{"账户3220 0188 0360 5250 3796", "账户**** **** **** **** 3796"},
		// An ID number followed by a card number in one run.
		{"440524188001010014 6222021234567890123", "****************** ***************0123"},
		// Two phone numbers side by side read as one long number.
		{"13812345678 13912345679", "*********** *******5679"},
	}
	checkText(t, tests)
}

// What is not a natural person's identifier stays as it is.
func TestMaskTextLeavesOtherNumbers(t *testing.T) {
	for _, s := range []string{
		"苏应急罚〔2024〕53号", "（苏）应急罚〔2025〕320500001号", "苏（高新）YH零许字〔2017〕0001",
		"罚款人民币20000元（贰万元整）", "罚款1,000,000.00元", "2024年5月20日", "2024-05-20", "2024.05.20-2025.05.19",
		"2024-05-20 13:45", "2024/05/20 2025/05/19",
		"统一社会信用代码91350100M000100Y43", "91330282L07196379D", "代码９１３３０２０３６７４７３７２４４Ｗ",
		"9133021272513935X8", "11230500001755309F", "91230500MA1B3N1N2M",
		"电话0512-68001234", "电话０５１２-68001234", "事项编码3700000225001", "注册号320594000012345",
		"罚款5000元，折合2000 3000 元", "限制存放数量：100箱（折合药量不超过120千克）",
	} {
		if got := DefaultMasking.Text(s); got != s {
			t.Errorf("Text(%q) = %q, want it unchanged", s, got)
		}
	}
	// A date beside a phone number: only the phone number is masked.
	if got, want := DefaultMasking.Text("2024-05-20 13812345678"), "2024-05-20 *******5678"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	// A credit code beside a phone number does not shield it.
	if got, want := DefaultMasking.Text("9133021272513935X8 13812345678"), "9133021272513935X8 *******5678"; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

// A 统一社会信用代码 that is also a valid ID number is masked: when in doubt,
// mask.
func TestMaskTextCreditCodeThatIsAnID(t *testing.T) {
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := 0; n < 1_000_000; n++ {
		id := "110105" + birth.AddDate(0, 0, n%20000).Format("20060102") + fmt.Sprintf("%03d", n/20000)
		c, err := IDCardCheckChar(id)
		if err != nil {
			t.Fatal(err)
		}
		id += string(c)
		code := [18]byte([]byte(id))
		if !isUSCC(&code) {
			continue
		}
		if got := DefaultMasking.Text(id); got == id {
			t.Fatalf("Text(%q) left an ID number that is also a credit code", id)
		}
		return
	}
	t.Skip("no ID number among those tried is also a credit code")
}

// isUSCC, isIDCode and isRegistrationNo agree with the validators.
func TestMaskCodeChecks(t *testing.T) {
	for _, s := range []string{"91350100M000100Y43", "91330282L07196379D", "91330203674737244W", "9133021272513935X8",
		"91230500MA1B3N1N2M", "11230500001755309F", "91310115MA1H8R7C6D", "11010519491231002X", "440524188001010014",
		USCCPlaceholder, "91310115MA1H8R7C67"} {
		code := [18]byte([]byte(s))
		if got, want := isUSCC(&code), ValidateUSCC(s) == nil; got != want {
			t.Errorf("isUSCC(%s) = %v, ValidateUSCC says %v", s, got, want)
		}
		if got, want := isIDCode(&code), ValidateIDCard(s) == nil; got != want {
			t.Errorf("isIDCode(%s) = %v, ValidateIDCard says %v", s, got, want)
		}
	}
	for s, want := range map[string]bool{"320594000012340": true, "320585691127566": true, "320585691127567": false,
		"320594000012345": false, "32059400001234": false, "32059400001234X": false, "110105491231003": false} {
		if got := isRegistrationNo(s); got != want {
			t.Errorf("isRegistrationNo(%s) = %v, want %v", s, got, want)
		}
	}
}

// Every string field of a record that is not a checked code or an
// enumeration is free text: an identifier written in it is masked. The
// fields are found by reflection, so a field added later is covered.
func TestMaskEveryFreeTextField(t *testing.T) {
	const secret = "联系人13812345678，身份证11010519491231002X"
	checked := map[string]bool{ // checked codes and enumerations
		"Kind": true, "CreditCode": true, "OrgCode": true, "LegalRepIDType": true, "IDType": true,
		"AgencyCode": true, "SourceCode": true, "Stage": true, "Class": true, "Category": true, "State": true,
	}
	wholeID := map[string]bool{"IDNo": true, "LegalRepIDNo": true} // masked whole by IDNumber
	check := func(kind string, rec any, mask func() any) {
		t.Helper()
		v := reflect.ValueOf(rec).Elem()
		var fields []string
		var visit func(v reflect.Value)
		visit = func(v reflect.Value) {
			for i := 0; i < v.NumField(); i++ {
				f, sf := v.Field(i), v.Type().Field(i)
				switch {
				case sf.Anonymous && f.Kind() == reflect.Struct:
					visit(f)
				case f.Kind() == reflect.String && !checked[sf.Name]:
					f.SetString(secret)
					fields = append(fields, sf.Name)
				}
			}
		}
		visit(v)
		out := reflect.ValueOf(mask())
		for _, name := range fields {
			got := out.FieldByName(name).String()
			if strings.Contains(got, "13812345678") || strings.Contains(got, "11010519491231002X") {
				t.Errorf("%s.%s is not masked: %q", kind, name, got)
			}
			if !wholeID[name] && !strings.Contains(got, "联系人*******5678，身份证110105**********2X") {
				t.Errorf("%s.%s is not masked as free text: %q", kind, name, got)
			}
		}
		if len(fields) < 15 {
			t.Errorf("%s: only %d free-text fields found: %v", kind, len(fields), fields)
		}
	}
	var p Penalty
	check("Penalty", &p, func() any { return DefaultMasking.Penalty(p) })
	var pm Permit
	check("Permit", &pm, func() any { return DefaultMasking.Permit(pm) })
}

// A registration number keeps its digits in its own field only.
func TestMaskRegistrationNumber(t *testing.T) {
	p := Party{Name: "苏州市某某五金店", Kind: PartyIndividualBusiness, CreditCode: USCCPlaceholder,
		BusinessRegNo: "320585691127566"} // digits 7–12 read as 1969-11-27
	if got := DefaultMasking.Party(p).BusinessRegNo; got != p.BusinessRegNo {
		t.Errorf("a valid registration number was masked: %q", got)
	}
	p.BusinessRegNo = "110105491231003" // a first-generation ID number
	if got := DefaultMasking.Party(p).BusinessRegNo; got != "110105********3" {
		t.Errorf("an ID number in the registration number field: %q", got)
	}
	if got := DefaultMasking.Text("注册号320585691127566"); got != "注册号320585********6" {
		t.Errorf("Text = %q: in free text a date-bearing 15-digit number is masked", got)
	}
}

// The rules describe the recognisers, so that dataset versions change
// when they do.
func TestMaskingRulesString(t *testing.T) {
	s := fmt.Sprintf("%+v", DefaultMasking)
	if !strings.Contains(s, textRecognisers) || !strings.Contains(s, "AccountKeepSuffix:4") {
		t.Errorf("%%+v of the rules = %s", s)
	}
}
