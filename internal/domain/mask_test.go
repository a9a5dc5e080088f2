package domain

import (
	"fmt"
	"strings"
	"testing"
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
	tests := []struct{ in, want string }{
		{"当事人张三（身份证号11010519491231002X）", "当事人张三（身份证号110105**********2X）"},
		{"身份证号11010519491231002x。", "身份证号110105**********2x。"},
		{"联系电话13812345678，", "联系电话*******5678，"},
		{"账号6222021234567890123", "账号622202***********23"},
		{"罚款20000元，苏应急罚〔2024〕12号，2024年5月20日", "罚款20000元，苏应急罚〔2024〕12号，2024年5月20日"},
		{"电话０５１２-68001234", "电话０５１２-68001234"},
	}
	for _, tt := range tests {
		if got := DefaultMasking.Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
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

// Text's fast path (no run of 11 digits: nothing to mask) never skips a
// text that the full scan would change, whatever mix of ASCII digits,
// full-width digits, X and other text — including full-width characters
// whose encodings share the digits' leading bytes.
func TestMaskTextFastPath(t *testing.T) {
	r := DefaultMasking
	parts := []string{"1", "3", "9", "０", "１", "９", "X", "ｘ", "号", "-", "a", "，", "！", "Ａ", "ｚ"}
	state := uint64(1)
	for i := range 200_000 {
		state = state*6364136223846793005 + 1442695040888963407
		var b strings.Builder
		for n, x := 0, state; n < 30; n, x = n+1, x*2862933555777941757+3037000493 {
			// Digits far more often than the rest, so long runs occur.
			p := int(x>>33) % (len(parts) * 2)
			if p >= len(parts) {
				p %= 6
			}
			b.WriteString(parts[p])
		}
		s := b.String()
		if got, want := r.Text(s), r.scrubDigits(s); got != want {
			t.Fatalf("case %d: Text(%q) = %q, the full scan gives %q", i, s, got, want)
		}
	}
}
