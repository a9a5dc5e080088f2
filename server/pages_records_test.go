package server_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
)

const testBaseURL = "https://gongshi.example.gov.cn"

func withBaseURL(d *server.Deps) { d.BaseURL = testBaseURL }

// TestRecordPageLeadsWithSummary: a record page opens with the summary —
// party, violation, basis, decision and fine, date, agency — and the
// note that the original decision prevails, before the table of standard
// fields; the empty fields are folded away, not listed as rows of "—".
func TestRecordPageLeadsWithSummary(t *testing.T) {
	f := newPagesFixture(t, func(d *server.Deps) { d.BaseURL = "" })
	resp, body := f.get("/penalties/" + id(f.penalties[0]))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %.300s", resp.StatusCode, body)
	}
	sum := between(t, body, `<section class="summary"`, `</section>`)
	for _, want := range []string{"当事人", "苏州测试化工第1有限公司", testenv.USCC("320505", 1), "违法行为类型",
		"未按规定对从业人员进行安全生产教育和培训", "经查，该公司未如实记录", "处罚依据", "《中华人民共和国安全生产法》第九十七条第三项",
		"处罚决定", "罚款人民币贰万元整", "20,000.00 元", "处罚决定日期", "2026-10-15", "处罚机关", "苏州市应急管理局",
		"以决定书原件为准"} {
		if !strings.Contains(sum, want) {
			t.Errorf("the summary lacks %q", want)
		}
	}
	if strings.Index(body, `class="summary"`) > strings.Index(body, `id="fields-h"`) {
		t.Error("the summary must come before the standard fields")
	}
	table := between(t, body, `<table class="fields">`, `</table>`)
	if strings.Contains(table, "—") || strings.Contains(table, "<code>CF_YXQ</code>") {
		t.Error("the fields table lists empty fields")
	}
	empty := between(t, body, `<details class="empty-fields">`, `</details>`)
	if !regexp.MustCompile(`未填写的标准字段（\d+ 项）`).MatchString(empty) || !strings.Contains(empty, "<code>CF_YXQ</code>") {
		t.Errorf("the empty fields are not folded: %.300s", empty)
	}
	// Without a configured base URL there is no absolute URL to encode.
	if strings.Contains(body, `class="qr-code"`) {
		t.Error("a QR code of a relative URL")
	}

	_, body = f.get("/permits/" + id(f.permits[0]))
	sum = between(t, body, `<section class="summary"`, `</section>`)
	for _, want := range []string{"苏州测试矿业第1有限公司", "许可事项", "有效期", "许可机关", "以决定书原件为准"} {
		if !strings.Contains(sum, want) {
			t.Errorf("the permit summary lacks %q", want)
		}
	}
	// The natural person's page: the summary names the person, masked data only.
	_, body = f.get("/penalties/" + id(f.person))
	if sum := between(t, body, `<section class="summary"`, `</section>`); !strings.Contains(sum, "李四") || strings.Contains(body, testenv.PersonID) {
		t.Error("the person's summary")
	}
}

// TestRecordPageShareAndPrint: the page shows its absolute URL (from the
// configured base URL) with a copy button slot, a QR code drawn on the
// server, and a print colophon with the publisher, the date and the URL;
// no inline script.
func TestRecordPageShareAndPrint(t *testing.T) {
	f := newPagesFixture(t, withBaseURL)
	for _, path := range []string{"/penalties/" + id(f.penalties[0]), "/permits/" + id(f.permits[0])} {
		_, body := f.get(path)
		abs := testBaseURL + path
		share := between(t, body, `<section class="share"`, `</section>`)
		if !strings.Contains(share, `value="`+abs+`"`) || !strings.Contains(share, `data-copy="share-url"`) {
			t.Errorf("%s: no absolute URL to copy: %.400s", path, share)
		}
		if !regexp.MustCompile(`<svg[^>]*class="qr-code"[^>]*role="img"[^>]*aria-label="[^"]*`+regexp.QuoteMeta(abs)+`"`).MatchString(share) ||
			!strings.Contains(share, `<path fill="#000" d="M`) {
			t.Errorf("%s: no QR code of %s", path, abs)
		}
		col := between(t, share, `<dl class="print-colophon">`, `</dl>`)
		for _, want := range []string{"苏州市应急管理局", "2026-11-25", abs, "data-print-date"} {
			if !strings.Contains(col, want) {
				t.Errorf("%s: the print colophon lacks %q", path, want)
			}
		}
		for _, s := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
			if !strings.Contains(s, `type="application/ld+json"`) && !strings.Contains(s, ` src="`) {
				t.Errorf("%s: inline script %s", path, s)
			}
		}
	}
	// An English page's URL keeps its language.
	_, body := f.get("/penalties/" + id(f.penalties[0]) + "?lang=en")
	if !strings.Contains(body, `value="`+testBaseURL+"/penalties/"+id(f.penalties[0])+`?lang=en"`) {
		t.Error("the English page's URL lacks lang=en")
	}
}

// between returns the part of s from the first from to the next to.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	if i < 0 {
		t.Fatalf("no %q", from)
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		t.Fatalf("no %q after %q", to, from)
	}
	return s[i : i+j]
}
