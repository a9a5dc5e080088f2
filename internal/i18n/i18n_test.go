package i18n

import (
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/public"
)

// TestTemplatesUseKnownKeys: every {{t "key"}} of the templates is in the
// catalog.
func TestTemplatesUseKnownKeys(t *testing.T) {
	re := regexp.MustCompile(`\{\{t "([^"]+)"`)
	files, err := fs.Glob(public.Templates, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	for _, f := range files {
		b, err := public.Templates.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !Has(m[1]) {
				t.Errorf("%s uses the unknown message %q", f, m[1])
			}
		}
	}
}

// englishPrefixes are the messages that must have English: navigation,
// labels and record fields.
var englishPrefixes = []string{"nav.", "field.", "list.f.", "guide.", "facet.", "search.type.", "record.col.",
	"data.col.", "stats.col.", "api.col.", "subject.col.", "versions.col.", "site.", "a11y.", "demo.", "flow.kind."}

func TestCatalogComplete(t *testing.T) {
	verbs := regexp.MustCompile(`%[-+# 0-9.]*[a-zA-Z%]`)
	for _, k := range Keys() {
		zh, en := Text(Chinese, k), Text(English, k)
		if strings.TrimSpace(zh) == "" {
			t.Errorf("%s has no Chinese text", k)
		}
		if en == "" && slices.ContainsFunc(englishPrefixes, func(p string) bool { return strings.HasPrefix(k, p) }) {
			t.Errorf("%s has no English text", k)
		}
		if en != "" && !slices.Equal(verbs.FindAllString(zh, -1), verbs.FindAllString(en, -1)) {
			t.Errorf("%s: the Chinese and English texts take different arguments: %q / %q", k, zh, en)
		}
	}
	for _, fs := range [][]domain.Field{domain.PenaltyFields, domain.PermitFields} {
		for _, f := range fs {
			if Text(Chinese, "field."+f.Code) != f.Label || Text(English, "field."+f.Code) == "" {
				t.Errorf("field %s: %q / %q", f.Code, Text(Chinese, "field."+f.Code), Text(English, "field."+f.Code))
			}
		}
	}
}

func TestPrinter(t *testing.T) {
	zh, en := For(Chinese), For(English)
	if got := zh.T("home.version_n", 3); got != "第 3 版" {
		t.Errorf("zh: %q", got)
	}
	if got := en.T("home.version_n", 3); got != "version 3" {
		t.Errorf("en: %q", got)
	}
	if got := en.T("footer.correction"); got != "Request a correction" {
		t.Errorf("en: %q", got)
	}
	if got := zh.T("no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
	if got := en.Enum("罚款"); got != "Fine" {
		t.Errorf("enum: %q", got)
	}
	if got := zh.Field("CF_WSH"); got != "行政处罚决定书文号" {
		t.Errorf("field: %q", got)
	}
	if For("fr").Lang() != Chinese {
		t.Error("an unknown language is not Chinese")
	}
}

func TestNegotiate(t *testing.T) {
	for _, c := range []struct {
		param, header string
		want          Lang
		explicit      bool
	}{
		{"", "", Chinese, false},
		{"en", "zh-CN", English, true},
		{"zh-CN", "en", Chinese, true},
		{"EN-us", "", English, true},
		{"fr", "en-GB,en;q=0.8", English, false},
		{"", "en-US,en;q=0.9,zh-CN;q=0.8", English, false},
		{"", "zh-CN,zh;q=0.9,en;q=0.8", Chinese, false},
		{"", "fr-FR,de;q=0.9", Chinese, false},
		{"", "en;q=0", Chinese, false},
		{"", "zh;q=0.5,en;q=0.5", Chinese, false},
	} {
		l, explicit := Negotiate(c.param, c.header)
		if l != c.want || explicit != c.explicit {
			t.Errorf("Negotiate(%q, %q) = %s, %v; want %s, %v", c.param, c.header, l, explicit, c.want, c.explicit)
		}
	}
}
