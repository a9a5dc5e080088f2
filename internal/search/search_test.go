package search

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

func parse(t *testing.T, raw string) (Query, *ParamError) {
	t.Helper()
	vs, err := url.ParseQuery(raw)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuery(vs)
	var pe *ParamError
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("%s: error %v is not a ParamError", raw, err)
	}
	return q, pe
}

func TestParseQueryRejects(t *testing.T) {
	for _, tc := range []struct{ raw, param string }{
		{"q=x&color=red", "color"},
		{"filter=year%3D2025", "filter"},
		{"q=a&q=b", "q"},
		{"type=record", "type"},
		{"type=penalty&type=permit", "type"},
		{"page=0", "page"},
		{"page=x", "page"},
		{"per_page=101", "per_page"},
		{"per_page=-1", "per_page"},
		{"sort=fine_amount", "sort"},
		{"sort=decision_date:down", "sort"},
		{"sort=-decision_date%3Bdrop", "sort"},
		{"sort=-decision_date&sort=fine", "sort"},
		{"category=罚款 OR 1=1", "category"},
		{`category=罚款"`, "category"},
		{"year=20x5", "year"},
		{"year=1800", "year"},
		{"stage=事后", "stage"},
		{"subject_kind=公司", "subject_kind"},
		{"permit_status=有效 OR permit_status=无效", "permit_status"},
		{"power_category=行政处罚法", "power_category"},
		{"district=" + strings.Repeat("区", 21), "district"},
		{"district=%00", "district"},
		{"type=power&category=罚款", "category"},
		{"type=permit&stage=事前", "stage"},
		{"type=penalty&permit_status=有效", "permit_status"},
		{"type=power&sort=-decision_date", "sort"},
		{"type=permit&sort=-fine", "sort"},
		{"stage=事前&power_category=行政许可", "power_category"},
		{"q=" + strings.Repeat("化", MaxQueryRunes+1), "q"},
		{"type=penalty&page=101&per_page=100", "page"},
		{"page=51&per_page=20", "page"}, // type=all pages at most 1000 deep
	} {
		_, pe := parse(t, tc.raw)
		if pe == nil || pe.Param != tc.param {
			t.Errorf("%s: error %v, want one naming %q", tc.raw, pe, tc.param)
		}
	}
}

func TestParseQuery(t *testing.T) {
	q, pe := parse(t, "q=  化工　 培训 &type=all&category=罚款&category=警告&category=罚款&year=2025&sort=-fine&page=2&per_page=10")
	if pe != nil {
		t.Fatal(pe)
	}
	if q.Text != "化工 培训" || q.Type != "all" || q.Page != 2 || q.PerPage != 10 || q.Sort != "fine_amount:desc" {
		t.Errorf("parsed %+v", q)
	}
	if !slices.Equal(q.Types, []Type{TypePenalty}) {
		t.Errorf("types %v: fine applies to penalties only", q.Types)
	}
	if !slices.Equal(q.Filters.Category, []string{"罚款", "警告"}) || !slices.Equal(q.Filters.Year, []int{2025}) {
		t.Errorf("filters %+v", q.Filters)
	}
	q, _ = parse(t, "")
	if q.Type != "all" || !slices.Equal(q.Types, Types) || q.Page != 1 || q.PerPage != DefaultPerPage {
		t.Errorf("defaults %+v", q)
	}
	q, _ = parse(t, "agency=91330282l07196379d&district=320505")
	if !slices.Equal(q.Filters.Agency, []string{"91330282L07196379D"}) || !slices.Equal(q.Types, []Type{TypePenalty, TypePermit}) {
		t.Errorf("agency %v types %v", q.Filters.Agency, q.Types)
	}
	q, _ = parse(t, "q=%EF%BC%A1%EF%BC%A2&sort=relevance") // full-width ＡＢ
	if q.Text != "AB" || q.Sort != "" {
		t.Errorf("normalized %+v", q)
	}
	// An empty value counts as absent.
	q, pe = parse(t, "q=&type=&category=&sort=&page=&per_page=&stage=")
	if pe != nil || q.Type != "all" || q.Page != 1 || len(q.Filters.Category) > 0 || !slices.Equal(q.Types, Types) {
		t.Errorf("empty values: %+v, %v", q, pe)
	}
	q, _ = parse(t, "sort=decision_date")
	if q.Sort != "decision_date:asc" || meiliSort("fine_amount:desc") != "fine_yuan:desc" {
		t.Errorf("sort alias %q, meiliSort %q", q.Sort, meiliSort("fine_amount:desc"))
	}
}

func TestFilters(t *testing.T) {
	today := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	f := Filters{
		Category: []string{`罚款`, `a"b\c`}, Year: []int{2025, 2026}, District: []string{"虎丘区", "320505"},
		Agency: []string{"91330282L07196379D"}, Stage: []string{"事故"}, SubjectKind: []string{"自然人"},
		PermitStatus: []string{"有效"}, PowerCategory: []string{"行政许可"},
	}
	got := strings.Join(filterFor(TypePenalty, f, today), " AND ")
	want := `publicity_until_day >= 20261125 AND categories IN ["罚款", "a\"b\\c"] AND year IN [2025, 2026] AND ` +
		`(district_code IN ["320505"] OR district IN ["虎丘区"]) AND agency_code IN ["91330282L07196379D"] AND ` +
		`party_kind IN ["自然人"] AND stage IN ["事故"]`
	if got != want {
		t.Errorf("penalty filter\n got %s\nwant %s", got, want)
	}
	if got := filterFor(TypePower, f, today); !slices.Equal(got, []string{`category IN ["行政许可"]`}) {
		t.Errorf("power filter %v", got)
	}
	if got := filterFor(TypePermit, Filters{PermitStatus: []string{"无效"}}, today); !slices.Equal(got, []string{`state IN ["无效"]`}) {
		t.Errorf("permit filter %v", got)
	}
	if got := exactFilter(TypePermit, exactDecisionNo, `苏"〔2025〕1号`); got != `(decision_key = "苏\"〔2025〕1号" OR permit_key = "苏\"〔2025〕1号")` {
		t.Errorf("exact filter %s", got)
	}
	if exactFilter(TypePower, exactCreditCode, "91330282L07196379D") != "" {
		t.Error("a credit code has no exact match among power items")
	}
}

func TestExactOf(t *testing.T) {
	for _, tc := range []struct {
		q     string
		kind  exactKind
		value string
	}{
		{"91330282L07196379D", exactCreditCode, "91330282L07196379D"},
		{"91330282l07196379d", exactCreditCode, "91330282L07196379D"},
		{"91330282L07196379E", exactItemCode, "91330282L07196379E"}, // bad check character: not a credit code
		{"00000000000000000X", exactItemCode, "00000000000000000X"},
		{"（苏）应急罚〔2025〕12号", exactDecisionNo, "〔苏〕应急罚〔2025〕12号"},
		{"苏应急罚[2025]12号", exactDecisionNo, "苏应急罚〔2025〕12号"},
		{"苏应急罚【2025】12号", exactDecisionNo, "苏应急罚〔2025〕12号"},
		{"苏应急罚(2025)12号", exactDecisionNo, "苏应急罚〔2025〕12号"},
		{"苏州普吴化工有限公司", exactName, "苏州普吴化工有限公司"},
		{"太仓市浮桥镇郑氏五金建材经营部", exactName, "太仓市浮桥镇郑氏五金建材经营部"},
		{"苏州市虎丘区（高新区）某某有限公司", exactName, "苏州市虎丘区〔高新区〕某某有限公司"},
		{"危险化学品", exactNone, ""},
		{"化工公司", exactName, "化工公司"},
		{"公司", exactNone, ""},
		{"320500CF0001", exactItemCode, "320500CF0001"},
		{"化工 培训", exactNone, ""},
		{"化工", exactNone, ""},
		{"2025", exactNone, ""},
		{"", exactNone, ""},
	} {
		kind, value := exactOf(tc.q)
		if kind != tc.kind || value != tc.value {
			t.Errorf("exactOf(%q) = %v %q, want %v %q", tc.q, kind, value, tc.kind, tc.value)
		}
	}
}

func TestMarkTerms(t *testing.T) {
	for _, tc := range []struct {
		text  string
		terms []string
		crop  bool
		want  string
	}{
		{"苏州化工有限公司", []string{"化工"}, false, "苏州<mark>化工</mark>有限公司"},
		{"<b>化工</b> & co", []string{"化工"}, false, "&lt;b&gt;<mark>化工</mark>&lt;/b&gt; &amp; co"},
		{"ABC abc", []string{"b"}, false, "A<mark>B</mark>C a<mark>b</mark>c"},
		{"化工培训", []string{"化工", "工培"}, false, "<mark>化工培</mark>训"},
		{strings.Repeat("甲", 100) + "化工" + strings.Repeat("乙", 100), []string{"化工"}, true,
			"…" + strings.Repeat("甲", 20) + "<mark>化工</mark>" + strings.Repeat("乙", 38) + "…"},
		{"text with \uE000 marker", []string{"marker"}, false, "text with \uFFFD <mark>marker</mark>"},
	} {
		marked, ok := markTerms(tc.text, tc.terms, tc.crop)
		if got := renderMarked(marked); !ok || got != tc.want {
			t.Errorf("markTerms(%q, %q) = %q, want %q", tc.text, tc.terms, got, tc.want)
		}
	}
	if _, ok := markTerms("苏州", []string{"化工"}, false); ok {
		t.Error("marked a text without the term")
	}
	if got := renderMarked("a<script>\uE000b\uE001"); got != "a&lt;script&gt;<mark>b</mark>" {
		t.Errorf("renderMarked: %q", got)
	}
}

func TestMarkSpans(t *testing.T) {
	text := "苏州化工有限公司" // 化工 is bytes 6–12
	for _, tc := range []struct {
		spans []span
		want  string
		ok    bool
	}{
		{[]span{{6, 12}}, "苏州<mark>化工</mark>有限公司", true},
		{[]span{{6, 12}, {9, 15}}, "苏州<mark>化工有</mark>限公司", true},
		{[]span{{7, 12}}, "", false},  // not on a character boundary
		{[]span{{6, 100}}, "", false}, // out of range
		{nil, "", false},
	} {
		marked, ok := markSpans(text, tc.spans, false)
		if ok != tc.ok || (ok && renderMarked(marked) != tc.want) {
			t.Errorf("markSpans(%v) = %q %v, want %q", tc.spans, renderMarked(marked), ok, tc.want)
		}
	}
}

func TestMatchKey(t *testing.T) {
	want := "苏应急罚〔2024〕53号"
	for _, v := range []string{"苏应急罚〔2024〕53号", "苏应急罚[2024]53号", "苏应急罚(2024)53号", "苏应急罚（2024）53号",
		"苏应急罚【2024】53号", "苏应急罚［２０２４］５３号", " 苏应急罚 〔2024〕 53 号", "苏应急罚﹝2024﹞53号", "苏应急罚〖2024〗53号"} {
		if got := MatchKey(v); got != want {
			t.Errorf("MatchKey(%q) = %q, want %q", v, got, want)
		}
	}
	if MatchKey("苏州市虎丘区（高新区）abc有限公司") != MatchKey("苏州市虎丘区(高新区)ABC有限公司") {
		t.Error("names differing in bracket width and letter case have different keys")
	}
	if MatchKey("苏应急罚〔2024〕53号") == MatchKey("苏应急罚〔2024〕5号") {
		t.Error("different numbers share a key")
	}
}

func TestPartyPinyin(t *testing.T) {
	words := PartyPinyin("昆山毅科精细化工有限公司")
	for _, w := range []string{"kunshan", "yike", "yikejingxi", "kunshanyike", "jingxihuagong", "ksyk", "ykjx",
		"yikejingxihuagong", "ksykjxhg"} {
		if !slices.Contains(words, w) {
			t.Errorf("PartyPinyin lacks %q: %v", w, words)
		}
	}
	if slices.Contains(words, "kunshanyikejingxi") || slices.ContainsFunc(words, func(w string) bool { return strings.Contains(w, "gongsi") }) {
		t.Errorf("a run longer than maxSpan that is not a tail, or the legal form, is indexed: %v", words)
	}
	if got := PartyPinyin("苏州ABC-2电子（苏州）"); !slices.Contains(got, "abc") || !slices.Contains(got, "abc2dianzi") {
		t.Errorf("Latin letters and digits: %v", got)
	}
	if got := partyPinyin(domain.PartyNaturalPerson, "王建国"); got != nil {
		t.Errorf("a natural person's name is indexed in pinyin: %v", got)
	}
	if got := partyPinyin(domain.PartyIndividualBusiness, "苏州市王记五金店"); !slices.Contains(got, "wangji") {
		t.Errorf("个体工商户: %v", got)
	}
}

func TestSubjectsOf(t *testing.T) {
	hit := func(id, code, kind string) Hit {
		return Hit{Type: TypePenalty, ID: id, Fields: map[string]json.RawMessage{
			"credit_code": json.RawMessage(`"` + code + `"`), "party_name": json.RawMessage(`"甲公司"`),
			"party_kind": json.RawMessage(`"` + kind + `"`)}}
	}
	got := subjectsOf([]Hit{hit("1", "91330282L07196379D", "法人及非法人组织"), hit("2", "91330282L07196379D", "法人及非法人组织"),
		hit("3", "00000000000000000X", "个体工商户"), hit("4", "", "自然人"), hit("5", "91310115MA1H8R7C6D", "法人及非法人组织"),
		{Type: TypePower, ID: "pw-1", Fields: map[string]json.RawMessage{"credit_code": json.RawMessage(`"91330282L07196379D"`)}}})
	if len(got) != 1 || got[0].CreditCode != "91330282L07196379D" || got[0].URL != "/subjects/91330282L07196379D" || got[0].Name != "甲公司" {
		t.Errorf("subjects %+v", got)
	}
}

func TestSettings(t *testing.T) {
	for _, uid := range Indexes {
		s := Settings(uid)
		a := indexAttrs[uid]
		for _, attr := range append(append([]string{}, a.highlight...), a.crop...) {
			if !slices.Contains(s.SearchableAttributes, attr) {
				t.Errorf("%s: highlighted attribute %s is not searchable", uid, attr)
			}
		}
		for _, ty := range Types {
			if IndexOf(ty) != uid {
				continue
			}
			for _, name := range FilterNames {
				if a := attribute(ty, name); a != "" && !slices.Contains(s.FilterableAttributes, a) {
					t.Errorf("%s: filter %s (attribute %s) is not filterable", uid, name, a)
				}
			}
			for _, f := range publicFields[ty] {
				if internalFields[f] {
					t.Errorf("%s: internal field %s is returned", uid, f)
				}
			}
		}
	}
	for _, fp := range filterParams {
		for _, ty := range Types {
			if applies := slices.Contains(fp.types, ty); applies != (attribute(ty, fp.name) != "") {
				t.Errorf("filter %s on %s: parsing says %v, attribute %q", fp.name, ty, applies, attribute(ty, fp.name))
			}
		}
	}
	syn := synonyms()
	if !slices.Contains(syn["安监局"], "应急管理局") || !slices.Contains(syn["应急管理局"], "安监局") {
		t.Errorf("synonyms: %v", syn)
	}
}

func TestHitJSON(t *testing.T) {
	h := Hit{Type: TypePenalty, ID: "7", Title: "苏州<化工>", URL: "/penalties/7", Match: MatchRelated, Fields: map[string]json.RawMessage{
		"credit_code": json.RawMessage(`"91330282L07196379D"`), "id": json.RawMessage(`7`), "zz_extra": json.RawMessage(`[1]`),
		"party_name": json.RawMessage(`"苏州化工"`), "facts": json.RawMessage(`"a<b>&c"`)},
		Highlights: map[string]string{"party_name": "苏州<mark>化工</mark>"}}
	b, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"penalty","id":"7","title":"苏州\u003c化工\u003e","subtitle":"","url":"/penalties/7","match":"related",` +
		`"fields":{"id":7,"party_name":"苏州化工","credit_code":"91330282L07196379D","facts":"a\u003cb\u003e\u0026c","zz_extra":[1]},` +
		`"highlights":{"party_name":"苏州\u003cmark\u003e化工\u003c/mark\u003e"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	r := &Result{Query: "化工", Type: "all", Hits: []Hit{h}, Facets: map[string]map[string]int64{"type": {"penalty": 1}},
		Total: 1, TotalExact: true, Page: 1, PerPage: 20}
	b, err = json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Query      string
		Hits       []map[string]any
		Facets     map[string]map[string]int64
		Total      int64
		TotalExact bool `json:"total_exact"`
		PerPage    int  `json:"per_page"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.Query != "化工" || len(back.Hits) != 1 || back.Total != 1 ||
		!back.TotalExact || back.PerPage != 20 || back.Facets["type"]["penalty"] != 1 {
		t.Errorf("result round trip: %s (%v)", b, err)
	}
}
