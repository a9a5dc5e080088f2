package domain

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckText(t *testing.T) {
	single := TextRule{MaxLength: 5}
	multi := TextRule{MaxLength: 5, Multiline: true}
	tests := []struct {
		s        string
		r        TextRule
		code     string
		contains string
	}{
		{"苏州", single, "", ""},
		{"", single, "", ""},
		{"五个汉字啊", single, "", ""},
		{"六个汉字啊啊", single, CodeTooLong, "at most 5 characters, got 6"},
		{"a\x00b", single, CodeFormat, "NUL (U+0000) at character 2"},
		{"a\x00b", multi, CodeFormat, "NUL"},
		{"a\nb", single, CodeFormat, "line feed (U+000A) at character 2"},
		{"a\nb", multi, "", ""},
		{"a\tb\r\n", multi, "", ""},
		{"\x1b[0m", multi, CodeFormat, "U+001B at character 1"},
		{"a\x7f", multi, CodeFormat, "U+007F"},
		{"a\u0085", multi, CodeFormat, "U+0085"},
		{"苏\xff州", multi, CodeFormat, "not valid UTF-8 (byte 4 of the value)"},
		{"\xe8\x8b", single, CodeFormat, "not valid UTF-8 (byte 1"},
		{"ok\u200b", single, "", ""}, // format characters are not controls
		{strings.Repeat("x", 1000), TextRule{}, "", ""},
	}
	for _, tt := range tests {
		code, msg := CheckText(tt.s, tt.r)
		if code != tt.code || !strings.Contains(msg, tt.contains) {
			t.Errorf("CheckText(%q, %+v) = %q, %q; want %q containing %q", tt.s, tt.r, code, msg, tt.code, tt.contains)
		}
	}
}

func TestShort(t *testing.T) {
	if got := Short("苏州"); got != "苏州" {
		t.Errorf("Short = %q", got)
	}
	long := strings.Repeat("苏", 41)
	if got := Short(long); got != strings.Repeat("苏", 40)+"…" {
		t.Errorf("Short(41 runes) = %q", got)
	}
	if got := Short(strings.Repeat("\xff", 50)); utf8.RuneCountInString(got) != 41 {
		t.Errorf("Short(invalid) = %q", got)
	}
}

// TestParseRefusesBadText checks every field of both dictionaries: a NUL,
// invalid UTF-8 or one character too many is reported as the field's only
// error, never passed on.
func TestParseRefusesBadText(t *testing.T) {
	type parser struct {
		name    string
		fields  []Field
		fixture func() map[string]string
		parse   func(map[string]string) FieldErrors
	}
	parsers := []parser{
		{"penalty", PenaltyFields, penaltyFixture, func(r map[string]string) FieldErrors { _, e := ParsePenalty(r, testOpts); return e }},
		{"permit", PermitFields, permitFixture, func(r map[string]string) FieldErrors { _, e := ParsePermit(r, testOpts); return e }},
	}
	for _, p := range parsers {
		for _, f := range p.fields {
			if f.MaxLength == 0 {
				t.Errorf("%s %s has no maximum length", p.name, f.Code)
				continue
			}
			base := p.fixture()[f.Code]
			if base == "" {
				base = "甲"
			}
			for _, c := range []struct {
				value, code, contains string
			}{
				{"甲\x00乙", CodeFormat, "NUL (U+0000)"},
				{base + "\x00", CodeFormat, "NUL (U+0000)"},
				{"苏\xfe州", CodeFormat, "not valid UTF-8"},
				{"甲\x01", CodeFormat, "U+0001"},
				{strings.Repeat("甲", f.MaxLength+1), CodeTooLong, fmt.Sprintf("at most %d characters, got %d", f.MaxLength, f.MaxLength+1)},
			} {
				rec := p.fixture()
				rec[f.Code] = c.value
				errs := p.parse(rec)
				var mine FieldErrors
				for _, e := range errs {
					if e.Field == f.Code {
						mine = append(mine, e)
					}
				}
				if len(mine) != 1 || mine[0].Code != c.code || !strings.Contains(mine[0].Message, c.contains) {
					t.Errorf("%s %s = %q: errors %v, want one %s error containing %q", p.name, f.Code, Short(c.value), mine, c.code, c.contains)
				}
			}
		}
	}
}

func TestParseLineBreaksOnlyInProse(t *testing.T) {
	rec := penaltyFixture()
	rec["CF_SY"] = "经查：\n一、未如实记录安全生产教育和培训情况；\r\n二、\t未按规定配备劳动防护用品。"
	rec["BZ"] = "第一行\n第二行"
	if p, errs := ParsePenalty(rec, testOpts); len(errs) > 0 || !strings.Contains(p.Facts, "\n一、") {
		t.Fatalf("multi-line facts refused: %v", errs)
	}
	rec["CF_XDR_MC"] = "苏州某某\n化工有限公司"
	_, errs := ParsePenalty(rec, testOpts)
	if len(errs) != 1 || errs[0].Field != "CF_XDR_MC" || !strings.Contains(errs[0].Message, "line feed") {
		t.Errorf("a line break in a name: %v", errs)
	}
	// Leading and trailing white space is trimmed before the check.
	rec["CF_XDR_MC"] = "\n苏州某某化工有限公司\r\n"
	if _, errs := ParsePenalty(rec, testOpts); len(errs) > 0 {
		t.Errorf("trimmed line breaks: %v", errs)
	}
}

func TestParseHugeValueIsNotEchoed(t *testing.T) {
	rec := penaltyFixture()
	rec["BZ"] = strings.Repeat("x", 10<<20)
	rec["CF_XDR_LB"] = strings.Repeat("自然人", 1000)
	rec[strings.Repeat("K", 1000)] = "1"
	_, errs := ParsePenalty(rec, testOpts)
	want := map[string]string{
		"BZ":        "at most 512 characters, got 10485760",
		"CF_XDR_LB": "at most 16 characters, got 3000",
	}
	for _, e := range errs {
		if len(e.Field)+len(e.Message) > 200 {
			t.Errorf("error echoes the input: %.80s…", e.Error())
		}
		if w, ok := want[e.Field]; ok {
			if e.Message != w || e.Code != CodeTooLong {
				t.Errorf("%s: %s (%s), want %s", e.Field, Short(e.Message), e.Code, w)
			}
			delete(want, e.Field)
		}
	}
	if len(want) > 0 {
		t.Errorf("missing errors for %v among %d errors", want, len(errs))
	}
}

// FuzzParsedTextFits: whatever ParsePenalty accepts fits its
// dictionary, so the stored form never breaks a CHECK constraint.
func FuzzParsedTextFits(f *testing.F) {
	f.Add("苏州某某化工有限公司", "经查", "备注")
	f.Add("a\x00", "\xff", "\t")
	f.Add(" 甲 ", "乙\r\n丙", strings.Repeat("丁", 600))
	f.Fuzz(func(t *testing.T, name, facts, remarks string) {
		rec := withEdits(penaltyFixture(), map[string]string{"CF_XDR_MC": name, "CF_SY": facts, "BZ": remarks})
		p, errs := ParsePenalty(rec, testOpts)
		if len(errs) > 0 {
			return
		}
		for code, v := range PenaltyRecord(p) {
			fld, _ := FieldByCode(PenaltyFields, code)
			if c, msg := CheckText(v, fld.Rule()); c != "" {
				t.Fatalf("accepted %s = %q breaks its rule: %s", code, v, msg)
			}
		}
	})
}
