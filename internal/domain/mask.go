package domain

import "fmt"

// MaskingRules say how natural persons' identifiers are hidden in every
// public output (pages, API, search documents, downloads, public feeds).
// Only authorised feed consumers (the credit centre) see full values.
type MaskingRules struct {
	// KeepPrefix and KeepSuffix are how many leading and trailing characters
	// of an ID number stay visible, and MinHidden how many must be hidden at
	// least. Fewer are kept when needed: never more than half of a value,
	// and at least MinHidden hidden whenever the value is that long.
	KeepPrefix int
	KeepSuffix int
	MinHidden  int
	// PhoneKeepSuffix is how many trailing digits of a phone number stay
	// visible (never more than half).
	PhoneKeepSuffix int
	// AccountKeepSuffix is how many trailing characters of a bank-card or
	// account-like number written in free text stay visible (never more
	// than half).
	AccountKeepSuffix int
	// ScrubText also masks the ID, mobile, bank-card and account numbers
	// written inside free text (see Text), in every free-text field of a
	// record (see Penalty).
	ScrubText bool
}

// DefaultMasking is the bureau's default: an 18-character ID number shows its
// first 6 and last 2 characters (320502**********1X, the length kept), a
// phone number and a bank-card or account number their last 4 digits, and
// free text is scrubbed.
var DefaultMasking = MaskingRules{KeepPrefix: 6, KeepSuffix: 2, MinHidden: 8, PhoneKeepSuffix: 4, AccountKeepSuffix: 4,
	ScrubText: true}

// textRecognisers names the revision of what Text recognises; it is part
// of String, so that outputs keyed by the rules (dataset versions, their
// ETags and snapshots) change when the recognisers do.
const textRecognisers = "text-2"

// String describes the rules completely, including the revision of Text's
// recognisers.
func (r MaskingRules) String() string {
	return fmt.Sprintf("{KeepPrefix:%d KeepSuffix:%d MinHidden:%d PhoneKeepSuffix:%d AccountKeepSuffix:%d ScrubText:%t Recognisers:%s}",
		r.KeepPrefix, r.KeepSuffix, r.MinHidden, r.PhoneKeepSuffix, r.AccountKeepSuffix, r.ScrubText, textRecognisers)
}

// maskChar replaces every hidden character, one for one.
const maskChar = '*'

// MaskIDNumber masks an identity-document number with DefaultMasking.
func MaskIDNumber(s string) string { return DefaultMasking.IDNumber(s) }

// MaskPhone masks a phone number with DefaultMasking.
func MaskPhone(s string) string { return DefaultMasking.Phone(s) }

// IDNumber returns s with its middle replaced by '*', one per hidden
// character, so the length is kept. It keeps at most r.KeepPrefix leading and
// r.KeepSuffix trailing characters, never more than half of s, and hides at
// least r.MinHidden characters when s has that many (the prefix gives way
// before the suffix). "" stays "". Masking is idempotent.
func (r MaskingRules) IDNumber(s string) string {
	rs := []rune(s)
	prefix, suffix := r.idKeep(len(rs))
	return maskRunes(rs, prefix, suffix)
}

// idKeep returns how many leading and trailing characters of an
// n-character ID number stay visible.
func (r MaskingRules) idKeep(n int) (prefix, suffix int) {
	budget := max(min(n/2, n-r.MinHidden), 0)
	prefix = min(max(r.KeepPrefix, 0), budget)
	suffix = min(max(r.KeepSuffix, 0), budget-prefix)
	return prefix, suffix
}

// Phone returns s with every character but the last r.PhoneKeepSuffix (and
// never more than half of s) replaced by '*'. "" stays "".
func (r MaskingRules) Phone(s string) string {
	rs := []rune(s)
	return maskRunes(rs, 0, keepAtMostHalf(r.PhoneKeepSuffix, len(rs)))
}

func maskRunes(rs []rune, prefix, suffix int) string {
	out := make([]rune, len(rs))
	for i, c := range rs {
		if i < prefix || i >= len(rs)-suffix {
			out[i] = c
		} else {
			out[i] = maskChar
		}
	}
	return string(out)
}

// Text returns s with the identifiers written inside it masked, when
// r.ScrubText is set; otherwise s unchanged. It recognises ID numbers
// (GB 11643, and 15-digit first-generation ones), mobile numbers and
// bank-card or account-like numbers however they are spelled — with
// spaces, hyphens or dots, full-width digits, country prefixes, labels, or
// glued to a longer code — and hides their digits one for one with '*',
// keeping the length, the separators and the visible ends set by r. Credit
// codes, decision numbers, dates and amounts are left alone; see
// mask_text.go for exactly what is recognised and the trade-offs. Text
// returns s itself, without allocating, when it masks nothing.
func (r MaskingRules) Text(s string) string {
	if !r.ScrubText || !mayHoldIdentifier(s) {
		return s // no number long enough to be an identifier
	}
	return r.maskText(s)
}

// Free text, for masking, is every string field that a person types and
// that is not checked against a closed form. Checked values are left as
// they are: the credit codes (GB 32100) and organization codes (GB 11714)
// of parties and agencies, the enumerations (行政相对人类别, 证件类型,
// 处罚类别, 许可类别, 当前状态, 案件阶段, 公示类别), dates and amounts. The
// 证件号码 fields are masked whole (IDNumber). Everything else — names,
// decision and document numbers, the registration, tax, institution and
// social-organization numbers (a 个体工商户's 税务登记号 is often its
// operator's ID number), the violation and its facts, legal basis,
// content, the licences suspended or revoked (a 特种作业操作证 number is
// the holder's ID number), certificate names and numbers, agencies and
// data sources, remarks and withdrawal notes — goes through Text. The
// penalized person's name stays visible, as the publication rules require;
// Text masks only numbers, never words.

// Party returns the public form of p. The 证件号码 (IDNo) and the legal
// representative's 证件号码 (LegalRepIDNo) are always masked whole: they
// identify natural persons whatever the party's kind (for an organisation
// IDNo is normally empty). The other free-text fields go through Text;
// credit and organization codes stay visible, and so does a 工商注册号 that
// is exactly a registration number with a valid check digit.
func (r MaskingRules) Party(p Party) Party {
	p.IDNo = r.IDNumber(p.IDNo)
	p.LegalRepIDNo = r.IDNumber(p.LegalRepIDNo)
	p.Name = r.Text(p.Name)
	if !isRegistrationNo(p.BusinessRegNo) {
		p.BusinessRegNo = r.Text(p.BusinessRegNo)
	}
	p.TaxRegNo = r.Text(p.TaxRegNo)
	p.InstitutionNo = r.Text(p.InstitutionNo)
	p.SocialOrgNo = r.Text(p.SocialOrgNo)
	p.LegalRep = r.Text(p.LegalRep)
	return p
}

// isRegistrationNo reports whether s is a 15-digit 工商注册号 (the numbering
// rules of 2006: a 6-digit registration authority, an 8-digit sequence and
// a check digit of GB/T 17710, ISO 7064 MOD 11,10). In the registration
// number field such a value is that, not an ID number: about one in thirty
// of them — sequences of 个体工商户 begin with 6 to 9 — would otherwise read
// as a first-generation ID number with a birth date. Elsewhere in free
// text the same digits are masked, as Text cannot tell them apart.
func isRegistrationNo(s string) bool {
	if len(s) != 15 {
		return false
	}
	p := 10
	for i := 0; i < 15; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return false
		}
		if i == 14 {
			return (p+int(c-'0'))%10 == 1
		}
		if p = (p + int(c-'0')) % 10; p == 0 {
			p = 10
		}
		p = p * 2 % 11
	}
	return false
}

// Penalty returns a masked copy of p for publication: its party masked as by
// Party and every other free-text field scrubbed by Text. The copy shares
// no memory with p.
func (r MaskingRules) Penalty(p Penalty) Penalty {
	p.Party = r.Party(p.Party)
	p.DecisionNo = r.Text(p.DecisionNo)
	p.ViolationType = r.Text(p.ViolationType)
	p.Facts = r.Text(p.Facts)
	p.Basis = r.Text(p.Basis)
	p.Content = r.Text(p.Content)
	p.LicenceAffected = r.Text(p.LicenceAffected)
	p.Agency = r.Text(p.Agency)
	p.Source = r.Text(p.Source)
	p.Remarks = r.Text(p.Remarks)
	p.Categories = append([]string(nil), p.Categories...)
	if p.ValidUntil != nil {
		v := *p.ValidUntil
		p.ValidUntil = &v
	}
	return p
}

// Permit returns a masked copy of p for publication: its party masked as by
// Party and every other free-text field scrubbed by Text.
func (r MaskingRules) Permit(p Permit) Permit {
	p.Party = r.Party(p.Party)
	p.DocName = r.Text(p.DocName)
	p.DecisionNo = r.Text(p.DecisionNo)
	p.CertName = r.Text(p.CertName)
	p.PermitNo = r.Text(p.PermitNo)
	p.Content = r.Text(p.Content)
	p.Agency = r.Text(p.Agency)
	p.Source = r.Text(p.Source)
	p.Remarks = r.Text(p.Remarks)
	return p
}
