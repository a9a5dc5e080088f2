package web

import (
	"strings"
	"testing"
)

func TestTextLines(t *testing.T) {
	got := string(textLines("一、具有法人资格；\r\n二、有<专职>安全管理人员  \n三、其他"))
	want := "一、具有法人资格；<br>\n二、有&lt;专职&gt;安全管理人员<br>\n三、其他"
	if got != want {
		t.Errorf("textLines = %q, want %q", got, want)
	}
}

func TestOwnNumbers(t *testing.T) {
	for _, items := range [][]string{{"一、设立", "1.申请书"}, {"（一）申请书"}, {"(2) 营业执照"}, {"1、申请书"}, {"２．申请书"},
		{"①申请书"}, {"3 安全评价报告"}} {
		if !ownNumbers(items) {
			t.Errorf("ownNumbers(%q) = false", items)
		}
	}
	for _, items := range [][]string{{"申请书", "营业执照复印件"}, {"2024年度安全评价报告"}, {"十分重要的材料"}, nil} {
		if ownNumbers(items) {
			t.Errorf("ownNumbers(%q) = true", items)
		}
	}
}

// The spec's Markdown is rendered, its raw HTML dropped.
func TestMarkdown(t *testing.T) {
	got := string(markdownHTML("Amounts are `\"20000.00\"` <script>alert(1)</script>\n\n* one\n* two"))
	if !strings.Contains(got, "<code>&quot;20000.00&quot;</code>") || !strings.Contains(got, "<li>one</li>") || strings.Contains(got, "<script") {
		t.Errorf("markdownHTML = %q", got)
	}
	if got := string(markdownInline("a `b`")); got != "a <code>b</code>" {
		t.Errorf("markdownInline = %q", got)
	}
}
