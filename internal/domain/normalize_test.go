package domain

import (
	"testing"
	"unicode/utf8"
)

func TestNormalizeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  苏州某某有限公司\t\n", "苏州某某有限公司"},
		{"\u3000\u3000张三\u3000", "张三"},
		{"\uFEFF苏应急罚〔２０２４〕１２号", "苏应急罚〔2024〕12号"},
		{"ＡＢＣ有限公司ａｂｃ", "ABC有限公司abc"},
		// Chinese punctuation and inner spacing are kept.
		{"警告，并处罚款（2万元）；责令改正。", "警告，并处罚款（2万元）；责令改正。"},
		{"第一条\u3000第二款  第三项", "第一条\u3000第二款  第三项"},
		{"＋－！", "＋－！"},
	}
	for _, tt := range tests {
		if got := NormalizeText(tt.in); got != tt.want {
			t.Errorf("NormalizeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{" 91330282l07196379d ", "91330282L07196379D"},
		{"９１３３０２０３６７４７３７２４４ｗ", "91330203674737244W"},
		{"9133 0203\u30006747 3724 4W", "91330203674737244W"},
		{"M000100Y－4", "M000100Y-4"},
		{"２０２４．０５．２０", "2024.05.20"},
		{"2024年5月20日", "2024年5月20日"},
		{"事证第110000001234号", "事证第110000001234号"},
		{"\u200b11010519491231002x", "11010519491231002X"},
	}
	for _, tt := range tests {
		if got := NormalizeCode(tt.in); got != tt.want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", " ＡＢ１２ ", "\u3000张三\u3000", "\xff\xfe", "a\u200bb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, code := NormalizeText(s), NormalizeCode(s)
		if NormalizeText(text) != text {
			t.Errorf("NormalizeText not idempotent on %q", s)
		}
		if NormalizeCode(code) != code {
			t.Errorf("NormalizeCode not idempotent on %q", s)
		}
		if !utf8.ValidString(text) || !utf8.ValidString(code) {
			t.Errorf("invalid UTF-8 out of %q", s)
		}
	})
}
