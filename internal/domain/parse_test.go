package domain

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"
)

// testOpts fixes today at 2024-06-01 (China time).
var testOpts = ParseOptions{Now: time.Date(2024, 6, 1, 10, 0, 0, 0, China)}

func penaltyFixture() map[string]string {
	return map[string]string{
		"CF_WSH":       "苏应急罚〔2024〕12号",
		"CF_XDR_MC":    "苏州某某化工有限公司",
		"CF_XDR_LB":    "法人及非法人组织",
		"CF_XDR_SHXYM": "91330203674737244W",
		"CF_FRDB":      "李四",
		"CF_FR_ZJLX":   "身份证",
		"CF_FR_ZJHM":   "11010519491231002X",
		"CF_WFXW":      "未按规定对从业人员进行安全生产教育和培训",
		"CF_SY":        "经查，该公司未如实记录安全生产教育和培训情况。",
		"CF_YJ":        "《中华人民共和国安全生产法》第九十七条第（四）项",
		"CF_CFLB":      "警告;罚款",
		"CF_NR":        "警告，并处罚款人民币2万元",
		"CF_NR_FK":     "2",
		"CF_JDRQ":      "2024-05-20",
		"CF_CFJG":      "苏州市应急管理局",
		"CF_CFJGDM":    "11230500001755309F",
		"CF_SJLY":      "苏州市应急管理局",
		"CF_SJLYDM":    "11230500001755309F",
		"CF_AJJD":      "事前",
	}
}

func permitFixture() map[string]string {
	return map[string]string{
		"XK_XKWS":      "危险化学品经营许可证准予许可决定书",
		"XK_WSH":       "苏应急许〔2024〕8号",
		"XK_XDR_MC":    "苏州某某贸易有限公司",
		"XK_XDR_LB":    "法人及非法人组织",
		"XK_XDR_SHXYM": "91350100M000100Y43",
		"XK_XDR_ZZJG":  "M000100Y4",
		"XK_FRDB":      "王五",
		"XK_XKLB":      "普通",
		"XK_XKZS":      "危险化学品经营许可证",
		"XK_XKBH":      "苏苏危化经字〔2024〕000123",
		"XK_NR":        "准予危险化学品经营许可（不带储存设施）",
		"XK_JDRQ":      "2024-05-20",
		"XK_YXQZ":      "2024-05-20",
		"XK_YXQZI":     "2027-05-19",
		"XK_XKJG":      "苏州市应急管理局",
		"XK_XKJGDM":    "11230500001755309F",
		"XK_ZT":        "有效",
		"XK_LYDW":      "苏州市应急管理局",
		"XK_LYDWDM":    "11230500001755309F",
	}
}

func validPenalty(t testing.TB) Penalty {
	t.Helper()
	p, errs := ParsePenalty(penaltyFixture(), testOpts)
	if len(errs) > 0 {
		t.Fatalf("fixture: %v", errs)
	}
	return p
}

func validPermit(t testing.TB) Permit {
	t.Helper()
	p, errs := ParsePermit(permitFixture(), testOpts)
	if len(errs) > 0 {
		t.Fatalf("fixture: %v", errs)
	}
	return p
}

// withEdits returns base with edits applied.
func withEdits(base map[string]string, edits map[string]string) map[string]string {
	m := maps.Clone(base)
	maps.Copy(m, edits)
	return m
}

// errKeys lists es as sorted "FIELD/code" strings, checking the invariants
// every FieldError keeps.
func errKeys(t *testing.T, es FieldErrors) []string {
	t.Helper()
	var keys []string
	for _, e := range es {
		if e.Index != 0 || e.Row != 0 || e.Message == "" || e.Field == "" {
			t.Errorf("malformed FieldError %+v", e)
		}
		keys = append(keys, e.Field+"/"+e.Code)
	}
	slices.Sort(keys)
	return keys
}

type parseCase struct {
	name  string
	edits map[string]string
	want  []string // sorted "FIELD/code"
}

var penaltyCases = []parseCase{
	{"valid", nil, nil},
	{"unknown field", map[string]string{"CF_FOO": "x"}, []string{"CF_FOO/unknown"}},
	{"codes are case-sensitive", map[string]string{"cf_wsh": "x"}, []string{"cf_wsh/unknown"}},
	{"decision number required", map[string]string{"CF_WSH": " \u3000 "}, []string{"CF_WSH/required"}},
	{"name required", map[string]string{"CF_XDR_MC": ""}, []string{"CF_XDR_MC/required"}},
	{"facts required", map[string]string{"CF_SY": ""}, []string{"CF_SY/required"}},
	{"party kind not allowed", map[string]string{"CF_XDR_LB": "公司"}, []string{"CF_XDR_LB/enum"}},
	{"party kind required", map[string]string{"CF_XDR_LB": ""}, []string{"CF_XDR_LB/required"}},

	// Credit codes.
	{"organisation needs a credit code", map[string]string{"CF_XDR_SHXYM": ""}, []string{"CF_XDR_SHXYM/required"}},
	{"organisation may not use the placeholder", map[string]string{"CF_XDR_SHXYM": USCCPlaceholder}, []string{"CF_XDR_SHXYM/conflict"}},
	{"credit code checksum", map[string]string{"CF_XDR_SHXYM": "91310115MA1H8R7C6D"}, []string{"CF_XDR_SHXYM/checksum"}},
	{"credit code length", map[string]string{"CF_XDR_SHXYM": "91310115MA1H8R7C6"}, []string{"CF_XDR_SHXYM/format"}},
	{"credit code letter O", map[string]string{"CF_XDR_SHXYM": "91330203674737244O"}, []string{"CF_XDR_SHXYM/format"}},
	{"individual business with a credit code", map[string]string{"CF_XDR_LB": "个体工商户"}, nil},
	{"individual business needs a credit code", map[string]string{"CF_XDR_LB": "个体工商户", "CF_XDR_SHXYM": ""}, []string{"CF_XDR_SHXYM/required"}},
	{"placeholder needs a business registration number", map[string]string{"CF_XDR_LB": "个体工商户", "CF_XDR_SHXYM": USCCPlaceholder}, []string{"CF_XDR_GSZC/required"}},
	{"placeholder with a business registration number", map[string]string{"CF_XDR_LB": "个体工商户", "CF_XDR_SHXYM": USCCPlaceholder, "CF_XDR_GSZC": "320506600123456"}, nil},

	// Natural persons and ID numbers.
	{"natural person needs an ID", map[string]string{"CF_XDR_LB": "自然人", "CF_XDR_SHXYM": ""}, []string{"CF_XDR_ZJHM/required", "CF_XDR_ZJLX/required"}},
	{"natural person with ID card", map[string]string{"CF_XDR_LB": "自然人", "CF_XDR_SHXYM": "", "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": "440524188001010014"}, nil},
	{"natural person with a credit code", map[string]string{"CF_XDR_LB": "自然人", "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": "440524188001010014"}, nil},
	{"natural person ID checksum", map[string]string{"CF_XDR_LB": "自然人", "CF_XDR_SHXYM": "", "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": "110105194912310021"}, []string{"CF_XDR_ZJHM/checksum"}},
	{"natural person ID birth date 20230230", map[string]string{"CF_XDR_LB": "自然人", "CF_XDR_SHXYM": "", "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": "110105202302301238"}, []string{"CF_XDR_ZJHM/format"}},
	{"natural person born tomorrow", map[string]string{"CF_XDR_LB": "自然人", "CF_XDR_SHXYM": "", "CF_XDR_ZJLX": "身份证", "CF_XDR_ZJHM": "32050220240602123X"}, []string{"CF_XDR_ZJHM/range"}},
	{"natural person with a passport", map[string]string{"CF_XDR_LB": "自然人", "CF_XDR_SHXYM": "", "CF_XDR_ZJLX": "护照号", "CF_XDR_ZJHM": "E12345678"}, nil},
	{"natural person may not use the placeholder", map[string]string{"CF_XDR_LB": "自然人", "CF_XDR_SHXYM": USCCPlaceholder, "CF_XDR_ZJLX": "护照号", "CF_XDR_ZJHM": "E12345678"}, []string{"CF_XDR_SHXYM/conflict"}},
	{"ID type not allowed", map[string]string{"CF_XDR_ZJLX": "驾驶证", "CF_XDR_ZJHM": "123"}, []string{"CF_XDR_ZJLX/enum"}},
	{"ID number without type", map[string]string{"CF_XDR_ZJHM": "123"}, []string{"CF_XDR_ZJLX/required"}},
	{"ID type without number", map[string]string{"CF_XDR_ZJLX": "身份证"}, []string{"CF_XDR_ZJHM/required"}},
	{"legal representative ID checksum", map[string]string{"CF_FR_ZJHM": "110105194912310021"}, []string{"CF_FR_ZJHM/checksum"}},
	{"legal representative ID without type", map[string]string{"CF_FR_ZJLX": ""}, []string{"CF_FR_ZJLX/required"}},
	{"legal representative passport", map[string]string{"CF_FR_ZJLX": "护照号", "CF_FR_ZJHM": "E1234"}, nil},

	// Organization codes.
	{"organization code", map[string]string{"CF_XDR_ZZJG": "674737244"}, nil},
	{"organization code hyphenated", map[string]string{"CF_XDR_ZZJG": "67473724-4"}, nil},
	{"organization code checksum", map[string]string{"CF_XDR_ZZJG": "674737245"}, []string{"CF_XDR_ZZJG/checksum"}},
	{"organization code format", map[string]string{"CF_XDR_ZZJG": "6747372"}, []string{"CF_XDR_ZZJG/format"}},
	{"organization code of another party", map[string]string{"CF_XDR_ZZJG": "M000100Y4"}, []string{"CF_XDR_ZZJG/conflict"}},

	// Agency and source codes.
	{"agency code required", map[string]string{"CF_CFJGDM": ""}, []string{"CF_CFJGDM/required"}},
	{"agency code placeholder", map[string]string{"CF_CFJGDM": USCCPlaceholder}, []string{"CF_CFJGDM/checksum"}},
	{"source code checksum", map[string]string{"CF_SJLYDM": "91310115MA1H8R7C6D"}, []string{"CF_SJLYDM/checksum"}},

	// Categories and amounts.
	{"category not allowed", map[string]string{"CF_CFLB": "警告;拘留"}, []string{"CF_CFLB/enum"}},
	{"two categories not allowed", map[string]string{"CF_CFLB": "拘留、罚金;罚款"}, []string{"CF_CFLB/enum", "CF_CFLB/enum"}},
	{"categories required", map[string]string{"CF_CFLB": ""}, []string{"CF_CFLB/required"}},
	{"categories only separators", map[string]string{"CF_CFLB": ";；、,"}, []string{"CF_CFLB/required"}},
	{"罚款 needs a fine", map[string]string{"CF_NR_FK": ""}, []string{"CF_NR_FK/conflict"}},
	{"罚款 needs a fine above 0", map[string]string{"CF_NR_FK": "0.000"}, []string{"CF_NR_FK/conflict"}},
	{"a fine needs 罚款", map[string]string{"CF_CFLB": "警告"}, []string{"CF_NR_FK/conflict"}},
	{"warning only", map[string]string{"CF_CFLB": "警告", "CF_NR_FK": ""}, nil},
	{"negative fine", map[string]string{"CF_NR_FK": "-2"}, []string{"CF_NR_FK/range"}},
	{"fine with 7 decimals", map[string]string{"CF_NR_FK": "0.0000001"}, []string{"CF_NR_FK/format"}},
	{"fine with a unit", map[string]string{"CF_NR_FK": "2万"}, []string{"CF_NR_FK/format"}},
	{"confiscated negative", map[string]string{"CF_NR_WFFF": "-1"}, []string{"CF_NR_WFFF/range"}},
	{"confiscated", map[string]string{"CF_CFLB": "罚款;没收违法所得", "CF_NR_WFFF": "0.35"}, nil},

	// Dates.
	{"decision date required", map[string]string{"CF_JDRQ": ""}, []string{"CF_JDRQ/required"}},
	{"decision date not real", map[string]string{"CF_JDRQ": "2024-02-30"}, []string{"CF_JDRQ/format"}},
	{"decision date malformed", map[string]string{"CF_JDRQ": "May 20, 2024"}, []string{"CF_JDRQ/format"}},
	{"decision date today", map[string]string{"CF_JDRQ": "2024-06-01"}, nil},
	{"decision date in the future", map[string]string{"CF_JDRQ": "2024-06-02"}, []string{"CF_JDRQ/range"}},
	{"decision date before 1990", map[string]string{"CF_JDRQ": "1989-12-31"}, []string{"CF_JDRQ/range"}},
	{"valid until", map[string]string{"CF_YXQ": "2024-05-20"}, nil},
	{"valid until before the decision", map[string]string{"CF_YXQ": "2024-05-19"}, []string{"CF_YXQ/range"}},
	{"publicity end given", map[string]string{"CF_GSJZQ": "2024-08-20"}, nil},
	{"publicity end before the decision", map[string]string{"CF_GSJZQ": "2024-05-19"}, []string{"CF_GSJZQ/range"}},
	{"publicity end malformed", map[string]string{"CF_GSJZQ": "next year"}, []string{"CF_GSJZQ/format"}},

	// Extensions.
	{"stage not reported", map[string]string{"CF_AJJD": ""}, nil},
	{"stage not allowed", map[string]string{"CF_AJJD": "事后"}, []string{"CF_AJJD/enum"}},
	{"class given", map[string]string{"CF_GSLB": "严重"}, nil},
	{"class not allowed", map[string]string{"CF_GSLB": "特别严重"}, []string{"CF_GSLB/enum"}},

	// Every problem is reported, not just the first.
	{"everything at once", map[string]string{
		"CF_X":         "1",
		"CF_WSH":       "",
		"CF_XDR_SHXYM": "91310115MA1H8R7C6D",
		"CF_FR_ZJHM":   "110105194912310021",
		"CF_CFLB":      "警告;拘留",
		"CF_NR_FK":     "-1",
		"CF_JDRQ":      "2099-01-01",
		"CF_CFJGDM":    "",
		"CF_AJJD":      "事后",
	}, []string{
		"CF_AJJD/enum", "CF_CFJGDM/required", "CF_CFLB/enum", "CF_FR_ZJHM/checksum", "CF_JDRQ/range",
		"CF_NR_FK/range", "CF_WSH/required", "CF_X/unknown", "CF_XDR_SHXYM/checksum",
	}},
}

func TestParsePenaltyRules(t *testing.T) {
	for _, tt := range penaltyCases {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ParsePenalty(withEdits(penaltyFixture(), tt.edits), testOpts)
			if got := errKeys(t, errs); !slices.Equal(got, tt.want) {
				t.Errorf("errors = %v, want %v\n%v", got, tt.want, errs)
			}
		})
	}
}

func TestParsePenaltyValues(t *testing.T) {
	p := validPenalty(t)
	until := ymd(2025, 5, 20)
	want := Penalty{
		DecisionNo: "苏应急罚〔2024〕12号",
		Party: Party{
			Name: "苏州某某化工有限公司", Kind: PartyOrganization, CreditCode: "91330203674737244W",
			LegalRep: "李四", LegalRepIDType: "身份证", LegalRepIDNo: "11010519491231002X",
		},
		ViolationType:  "未按规定对从业人员进行安全生产教育和培训",
		Facts:          "经查，该公司未如实记录安全生产教育和培训情况。",
		Basis:          "《中华人民共和国安全生产法》第九十七条第（四）项",
		Categories:     []string{"警告", "罚款"},
		Content:        "警告，并处罚款人民币2万元",
		Fine:           Money(20_000_00),
		DecisionDate:   ymd(2024, 5, 20),
		PublicityUntil: until, // 一般: one year
		Agency:         "苏州市应急管理局",
		AgencyCode:     "11230500001755309F",
		Source:         "苏州市应急管理局",
		SourceCode:     "11230500001755309F",
		Stage:          StagePreAccident,
		Class:          ClassGeneral,
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("ParsePenalty =\n%+v\nwant\n%+v", p, want)
	}
}

func TestParsePenaltyDerivedAndNormalised(t *testing.T) {
	tests := []struct {
		name  string
		edits map[string]string
		check func(Penalty) bool
	}{
		{"categories deduplicated in order", map[string]string{"CF_CFLB": " 警告、罚款，警告, 罚款；罚款 "},
			func(p Penalty) bool { return slices.Equal(p.Categories, []string{"警告", "罚款"}) }},
		{"severe category", map[string]string{"CF_CFLB": "罚款;吊销许可证件"},
			func(p Penalty) bool { return p.Class == ClassSevere && p.PublicityUntil.Equal(ymd(2027, 5, 20)) }},
		{"large fine", map[string]string{"CF_NR_FK": "100.01"},
			func(p Penalty) bool { return p.Class == ClassSevere && p.Fine == Money(1_000_100_00) }},
		{"minor", map[string]string{"CF_CFLB": "警告", "CF_NR_FK": ""},
			func(p Penalty) bool { return p.Class == ClassMinor && p.PublicityUntil.Equal(ymd(2024, 8, 20)) }},
		{"class given wins", map[string]string{"CF_GSLB": "严重"},
			func(p Penalty) bool { return p.Class == ClassSevere && p.PublicityUntil.Equal(ymd(2027, 5, 20)) }},
		{"publicity end given wins", map[string]string{"CF_GSJZQ": "2024/08/20"},
			func(p Penalty) bool { return p.Class == ClassGeneral && p.PublicityUntil.Equal(ymd(2024, 8, 20)) }},
		{"valid until", map[string]string{"CF_YXQ": "2025年5月20日"},
			func(p Penalty) bool { return p.ValidUntil != nil && p.ValidUntil.Equal(ymd(2025, 5, 20)) }},
		{"full-width input", map[string]string{
			"CF_XDR_SHXYM": "９１３３０２０３６７４７３７２４４ｗ", "CF_NR_FK": "２．５", "CF_FR_ZJHM": "１１０１０５１９４９１２３１００２ｘ", "CF_WSH": "\u3000苏应急罚〔２０２４〕１２号 "},
			func(p Penalty) bool {
				return p.CreditCode == "91330203674737244W" && p.Fine == Money(25_000_00) &&
					p.LegalRepIDNo == "11010519491231002X" && p.DecisionNo == "苏应急罚〔2024〕12号"
			}},
		{"hyphenated organization code stored bare", map[string]string{"CF_XDR_ZZJG": "67473724－4"},
			func(p Penalty) bool { return p.OrgCode == "674737244" }},
		{"stage empty", map[string]string{"CF_AJJD": ""}, func(p Penalty) bool { return p.Stage == "" }},
	}
	for _, tt := range tests {
		p, errs := ParsePenalty(withEdits(penaltyFixture(), tt.edits), testOpts)
		if len(errs) > 0 {
			t.Errorf("%s: %v", tt.name, errs)
			continue
		}
		if !tt.check(p) {
			t.Errorf("%s: got %+v", tt.name, p)
		}
	}
}

func TestParsePenaltyOptions(t *testing.T) {
	// Zero options: the real clock and the default rules.
	p, errs := ParsePenalty(penaltyFixture(), ParseOptions{})
	if len(errs) > 0 || p.Class != ClassGeneral {
		t.Fatalf("zero options: %v, class %s", errs, p.Class)
	}
	// Custom rules.
	rules := DefaultPublicityRules()
	rules.Periods[ClassGeneral] = Period{MinMonths: 3, MaxMonths: 6}
	p, errs = ParsePenalty(penaltyFixture(), ParseOptions{Now: testOpts.Now, Rules: rules})
	if len(errs) > 0 || !p.PublicityUntil.Equal(ymd(2024, 11, 20)) {
		t.Errorf("custom rules: %v, until %s", errs, p.PublicityUntil.Format(DateLayout))
	}
	// "Today" is the date in China: at 2024-06-01 17:00 UTC it is already
	// 2024-06-02 there.
	opt := ParseOptions{Now: time.Date(2024, 6, 1, 17, 0, 0, 0, time.UTC)}
	if _, errs := ParsePenalty(withEdits(penaltyFixture(), map[string]string{"CF_JDRQ": "2024-06-02"}), opt); len(errs) > 0 {
		t.Errorf("decision dated today in China: %v", errs)
	}
}

func TestParseDate(t *testing.T) {
	want := ymd(2024, 5, 20)
	for _, s := range []string{"2024-05-20", "2024/05/20", "2024.05.20", "20240520", "2024年5月20日", "2024年05月20日", "2024年5月20", "2024-5-20", "2024/5/20", "2024.5.20"} {
		got, err := ParseDate(s)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "2024-05", "2024-05-20-01", "24-05-20", "2024-005-20", "2024-05/20", "2024年5月", "2024年5月20日x",
		"2024-02-30", "2023-02-29", "20240230", "2024-13-01", "2024-00-10", "2024-05-00", "202405201", "2024-05-20T00:00:00"} {
		if _, err := ParseDate(s); !errors.Is(err, ErrFormat) {
			t.Errorf("ParseDate(%q) error = %v, want ErrFormat", s, err)
		}
	}
	if got, err := ParseDate("2024-02-29"); err != nil || !got.Equal(ymd(2024, 2, 29)) {
		t.Errorf("leap day: %v, %v", got, err)
	}
}

var permitCases = []parseCase{
	{"valid", nil, nil},
	{"penalty field in a permit", map[string]string{"CF_WSH": "x"}, []string{"CF_WSH/unknown"}},
	{"document name required", map[string]string{"XK_XKWS": ""}, []string{"XK_XKWS/required"}},
	{"category required", map[string]string{"XK_XKLB": ""}, []string{"XK_XKLB/required"}},
	{"category not allowed", map[string]string{"XK_XKLB": "行政"}, []string{"XK_XKLB/enum"}},
	{"state not allowed", map[string]string{"XK_ZT": "过期"}, []string{"XK_ZT/enum"}},
	{"decision date in the future", map[string]string{"XK_JDRQ": "2024-06-02"}, []string{"XK_JDRQ/range"}},
	{"valid to required", map[string]string{"XK_YXQZI": ""}, []string{"XK_YXQZI/required"}},
	{"valid to before valid from", map[string]string{"XK_YXQZI": "2024-05-19"}, []string{"XK_YXQZI/range"}},
	{"valid from malformed", map[string]string{"XK_YXQZ": "2024-5"}, []string{"XK_YXQZ/format"}},
	{"valid for one day", map[string]string{"XK_YXQZI": "2024-05-20"}, nil},
	{"agency code checksum", map[string]string{"XK_XKJGDM": "91310115MA1H8R7C6D"}, []string{"XK_XKJGDM/checksum"}},
	{"source code required", map[string]string{"XK_LYDWDM": ""}, []string{"XK_LYDWDM/required"}},
	{"organization code mismatch", map[string]string{"XK_XDR_ZZJG": "674737244"}, []string{"XK_XDR_ZZJG/conflict"}},
	{"natural person needs an ID", map[string]string{"XK_XDR_LB": "自然人", "XK_XDR_SHXYM": "", "XK_XDR_ZZJG": ""}, []string{"XK_XDR_ZJHM/required", "XK_XDR_ZJLX/required"}},
	{"natural person ID checksum", map[string]string{"XK_XDR_LB": "自然人", "XK_XDR_SHXYM": "", "XK_XDR_ZZJG": "", "XK_XDR_ZJLX": "身份证", "XK_XDR_ZJHM": "440524188001010015"}, []string{"XK_XDR_ZJHM/checksum"}},
	{"placeholder needs a business registration number", map[string]string{"XK_XDR_LB": "个体工商户", "XK_XDR_SHXYM": USCCPlaceholder, "XK_XDR_ZZJG": ""}, []string{"XK_XDR_GSZC/required"}},
	{"everything at once", map[string]string{"XK_WSH": "", "XK_ZT": "", "XK_YXQZ": "2024-06-01", "XK_YXQZI": "2024-05-31", "XK_XDR_SHXYM": "x"},
		[]string{"XK_WSH/required", "XK_XDR_SHXYM/format", "XK_YXQZI/range", "XK_ZT/required"}},
}

func TestParsePermitRules(t *testing.T) {
	for _, tt := range permitCases {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ParsePermit(withEdits(permitFixture(), tt.edits), testOpts)
			if got := errKeys(t, errs); !slices.Equal(got, tt.want) {
				t.Errorf("errors = %v, want %v\n%v", got, tt.want, errs)
			}
		})
	}
}

func TestParsePermitValues(t *testing.T) {
	p := validPermit(t)
	want := Permit{
		DocName:    "危险化学品经营许可证准予许可决定书",
		DecisionNo: "苏应急许〔2024〕8号",
		Party: Party{Name: "苏州某某贸易有限公司", Kind: PartyOrganization, CreditCode: "91350100M000100Y43",
			OrgCode: "M000100Y4", LegalRep: "王五"},
		Category:     "普通",
		CertName:     "危险化学品经营许可证",
		PermitNo:     "苏苏危化经字〔2024〕000123",
		Content:      "准予危险化学品经营许可（不带储存设施）",
		DecisionDate: ymd(2024, 5, 20),
		ValidFrom:    ymd(2024, 5, 20),
		ValidTo:      ymd(2027, 5, 19),
		Agency:       "苏州市应急管理局",
		AgencyCode:   "11230500001755309F",
		State:        PermitValid,
		Source:       "苏州市应急管理局",
		SourceCode:   "11230500001755309F",
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("ParsePermit =\n%+v\nwant\n%+v", p, want)
	}
}

func TestPenaltyRoundTrip(t *testing.T) {
	for _, tt := range penaltyCases {
		if tt.want != nil {
			continue
		}
		p, errs := ParsePenalty(withEdits(penaltyFixture(), tt.edits), testOpts)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", tt.name, errs)
		}
		rec := PenaltyRecord(p)
		if len(rec) != len(PenaltyFields) {
			t.Errorf("%s: record has %d fields, want %d", tt.name, len(rec), len(PenaltyFields))
		}
		q, errs := ParsePenalty(rec, testOpts)
		if len(errs) > 0 || !reflect.DeepEqual(p, q) {
			t.Errorf("%s: round trip:\n%+v\n%+v\n%v", tt.name, p, q, errs)
		}
		if !maps.Equal(rec, PenaltyRecord(q)) {
			t.Errorf("%s: record not stable", tt.name)
		}
	}
	rec := PenaltyRecord(validPenalty(t))
	for code, want := range map[string]string{"CF_NR_FK": "2", "CF_NR_WFFF": "", "CF_JDRQ": "2024-05-20", "CF_GSJZQ": "2025-05-20", "CF_CFLB": "警告;罚款", "CF_YXQ": "", "CF_GSLB": "一般"} {
		if rec[code] != want {
			t.Errorf("PenaltyRecord[%s] = %q, want %q", code, rec[code], want)
		}
	}
}

func TestPermitRoundTrip(t *testing.T) {
	for _, tt := range permitCases {
		if tt.want != nil {
			continue
		}
		p, errs := ParsePermit(withEdits(permitFixture(), tt.edits), testOpts)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", tt.name, errs)
		}
		rec := PermitRecord(p)
		if len(rec) != len(PermitFields) {
			t.Errorf("%s: record has %d fields, want %d", tt.name, len(rec), len(PermitFields))
		}
		q, errs := ParsePermit(rec, testOpts)
		if len(errs) > 0 || !reflect.DeepEqual(p, q) {
			t.Errorf("%s: round trip:\n%+v\n%+v\n%v", tt.name, p, q, errs)
		}
	}
}

func FuzzParsePenalty(f *testing.F) {
	f.Add("法人及非法人组织", "91330203674737244W", "", "", "警告;罚款", "2", "2024-05-20", "", "")
	f.Add("自然人", "", "身份证", "11010519491231002X", "警告", "", "2024年5月20日", "2024-08-20", "")
	f.Add("个体工商户", USCCPlaceholder, "", "", "罚款、吊销许可证件", "100.000001", "20240520", "", "320506600123456")
	f.Add("自然人", "", "身份证", "１１０１０５１９４９１２３１００２ｘ", "罚款;;罚款", "0.5", " 2024/5/1 ", "2024.9.1", "")
	f.Fuzz(func(t *testing.T, kind, credit, idType, idNo, categories, fine, date, until, regNo string) {
		rec := withEdits(penaltyFixture(), map[string]string{
			"CF_XDR_LB": kind, "CF_XDR_SHXYM": credit, "CF_XDR_ZJLX": idType, "CF_XDR_ZJHM": idNo,
			"CF_CFLB": categories, "CF_NR_FK": fine, "CF_JDRQ": date, "CF_GSJZQ": until, "CF_XDR_GSZC": regNo,
		})
		p, errs := ParsePenalty(rec, testOpts)
		if len(errs) > 0 {
			for _, e := range errs {
				if e.Field == "" || e.Message == "" || e.Code == "" {
					t.Fatalf("malformed error %+v", e)
				}
			}
			return
		}
		q, errs := ParsePenalty(PenaltyRecord(p), testOpts)
		if len(errs) > 0 || !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip failed:\n%+v\n%+v\n%v", p, q, errs)
		}
		if len(p.IDNo) >= 15 && DefaultMasking.Penalty(p).IDNo == p.IDNo {
			t.Fatalf("ID number %q not masked", p.IDNo)
		}
	})
}
