package e2e_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// officerWith returns a demo officer whose certificate has status st
// today.
func officerWith(t *testing.T, p *portal, st domain.OfficerStatus) store.PublishedOfficer {
	t.Helper()
	cursor := ""
	for range 50 {
		page, err := p.pub.Officers(context.Background(), store.OfficerQuery{Cursor: cursor, Limit: store.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Items {
			if o.Effective == st {
				return o
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	t.Fatalf("no demo officer whose certificate is %s", st)
	return store.PublishedOfficer{}
}

// verifyOnPhone: a citizen at an inspection checks the inspector's
// certificate on a 390 px phone — typing the number as printed (with a
// space, in lower case) into the form, and opening the link a QR code on
// a revoked certificate carries — and learns whether it is valid and for
// which body, and nothing more about the officer.
func verifyOnPhone(t *testing.T, b *browser, p *portal) {
	valid := officerWith(t, p, domain.OfficerValid)
	b.viewport(390, 844)
	defer b.resetViewport()

	b.open("/verify")
	typed := strings.ToLower(valid.CertificateNo[:len(valid.CertificateNo)-3]) + " " + valid.CertificateNo[len(valid.CertificateNo)-3:]
	b.run("type the certificate number", chromedp.SendKeys(chromedp.CSS("#verify-no"), typed),
		chromedp.SendKeys(chromedp.CSS("#verify-no"), kb.Enter), chromedp.WaitVisible(chromedp.CSS(".verify-result")))
	if got := b.text(".verify-result h2"); got != "证件有效" {
		t.Errorf("valid certificate %s (typed %q) answers %q", valid.CertificateNo, typed, got)
	}
	if got := b.text(".verify-body"); got != valid.Body {
		t.Errorf("body %q, want %s", got, valid.Body)
	}
	if got := b.text(".verify-name"); got != valid.Name {
		t.Errorf("name %q, want %s", got, valid.Name)
	}
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the answer is %d px wide on a 390 px screen", w)
	}
	// The answer's facts are the five published ones, nothing else.
	if n := eval[int](b, `document.querySelectorAll(".verify-facts dt").length`); n != 5 {
		t.Errorf("the answer shows %d facts, want 5 (number, name, body, status, validity)", n)
	}
	b.shot("mobile-verify", false, false)

	revoked := officerWith(t, p, domain.OfficerRevoked)
	b.open("/verify/" + url.PathEscape(revoked.CertificateNo))
	if got := b.text(".verify-result h2"); !strings.Contains(got, "证件无效") || !strings.Contains(got, "注销") {
		t.Errorf("revoked certificate %s answers %q", revoked.CertificateNo, got)
	}
	if got := b.text(".verify-body"); got != revoked.Body {
		t.Errorf("revoked: body %q, want %s", got, revoked.Body)
	}

	b.open("/verify/" + url.PathEscape("苏应急000000X"))
	if got := b.text(".verify-result h2"); got != "未查到该执法证号" {
		t.Errorf("unknown certificate answers %q", got)
	}
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the not-found answer is %d px wide on a 390 px screen", w)
	}
	if vs := b.axe(); len(vs) > 0 {
		t.Errorf("/verify: accessibility violations:%s", describeViolations(vs))
	}
}
