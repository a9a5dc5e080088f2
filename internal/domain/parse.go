package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// ParseOptions are the context of ParsePenalty and ParsePermit.
type ParseOptions struct {
	// Now fixes "today", the latest allowed decision and birth date: its
	// calendar date in China Standard Time. The zero value means time.Now().
	Now time.Time
	// Rules derive CF_GSLB and CF_GSJZQ when they are not given. The zero
	// value means DefaultPublicityRules().
	Rules PublicityRules
}

// earliestDecision is the earliest decision date accepted.
var earliestDecision = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

// categorySeparators split the values of a multi-valued (TypeEnums) field.
const categorySeparators = ";；、,，"

// ParsePenalty turns a raw record keyed by standard field codes (see
// PenaltyFields) into a validated Penalty. Values are normalised first
// (NormalizeCode for codes, dates and amounts, NormalizeText for the rest)
// and must then pass CheckText with the field's rule — valid UTF-8, no
// control characters (tab and line breaks only in multi-line fields), at
// most MaxLength characters — before any other check; a field that fails
// it gets that one error and no other. It returns every problem found,
// each FieldError naming the standard code of the field at fault, with
// Index and Row left 0; the Penalty is only meaningful when no error is
// returned. A missing CF_GSLB is derived with
// opt.Rules.Classify and a missing CF_GSJZQ with opt.Rules.Until.
// ParsePenalty(PenaltyRecord(p)) returns p for every valid p.
func ParsePenalty(fields map[string]string, opt ParseOptions) (Penalty, FieldErrors) {
	rp := newRecordParser(PenaltyFields, fields, opt)
	var p Penalty
	p.DecisionNo = rp.str("CF_WSH")
	p.Party = rp.party("CF")
	p.ViolationType = rp.str("CF_WFXW")
	p.Facts = rp.str("CF_SY")
	p.Basis = rp.str("CF_YJ")
	p.Categories = rp.enums("CF_CFLB")
	p.Content = rp.str("CF_NR")
	p.Fine = rp.money("CF_NR_FK")
	p.Confiscated = rp.money("CF_NR_WFFF")
	p.LicenceAffected = rp.str("CF_NR_ZKDX")
	p.DecisionDate = rp.decisionDate("CF_JDRQ")
	if d, ok := rp.date("CF_YXQ"); ok {
		p.ValidUntil = &d
		rp.notBefore("CF_YXQ", d, "CF_JDRQ", p.DecisionDate)
	}
	publicityUntil, hasUntil := rp.date("CF_GSJZQ")
	p.Agency = rp.str("CF_CFJG")
	p.AgencyCode = rp.uscc("CF_CFJGDM")
	p.Source = rp.str("CF_SJLY")
	p.SourceCode = rp.uscc("CF_SJLYDM")
	p.Remarks = rp.str("BZ")
	p.Stage = Stage(rp.enum("CF_AJJD"))
	p.Class = PublicityClass(rp.enum("CF_GSLB"))

	categoriesOK := !rp.bad["CF_CFLB"]
	fineOK := !rp.bad["CF_NR_FK"]
	if categoriesOK && fineOK {
		hasFineCategory := slices.Contains(p.Categories, "罚款")
		switch {
		case hasFineCategory && p.Fine == 0:
			rp.add("CF_NR_FK", CodeConflict, "must be greater than 0 when CF_CFLB includes 罚款")
		case !hasFineCategory && p.Fine > 0:
			rp.add("CF_NR_FK", CodeConflict, "a fine is given but CF_CFLB does not include 罚款")
		}
	}
	if p.Class == "" && !rp.bad["CF_GSLB"] && categoriesOK && fineOK {
		p.Class = rp.rules.Classify(p)
	}
	decisionOK := !rp.bad["CF_JDRQ"]
	switch {
	case hasUntil:
		p.PublicityUntil = publicityUntil
		rp.notBefore("CF_GSJZQ", publicityUntil, "CF_JDRQ", p.DecisionDate)
	case decisionOK && p.Class != "":
		p.PublicityUntil = rp.rules.Until(p.Class, p.DecisionDate)
	}
	return p, rp.errs
}

// ParsePermit turns a raw record keyed by standard field codes (see
// PermitFields) into a validated Permit, with the same conventions as
// ParsePenalty. ParsePermit(PermitRecord(p)) returns p for every valid p.
func ParsePermit(fields map[string]string, opt ParseOptions) (Permit, FieldErrors) {
	rp := newRecordParser(PermitFields, fields, opt)
	var p Permit
	p.DocName = rp.str("XK_XKWS")
	p.DecisionNo = rp.str("XK_WSH")
	p.Party = rp.party("XK")
	p.Category = rp.enum("XK_XKLB")
	p.CertName = rp.str("XK_XKZS")
	p.PermitNo = rp.str("XK_XKBH")
	p.Content = rp.str("XK_NR")
	p.DecisionDate = rp.decisionDate("XK_JDRQ")
	from, fromOK := rp.date("XK_YXQZ")
	to, toOK := rp.date("XK_YXQZI")
	p.ValidFrom, p.ValidTo = from, to
	if fromOK && toOK {
		rp.notBefore("XK_YXQZI", to, "XK_YXQZ", from)
	}
	p.Agency = rp.str("XK_XKJG")
	p.AgencyCode = rp.uscc("XK_XKJGDM")
	p.State = PermitState(rp.enum("XK_ZT"))
	p.Source = rp.str("XK_LYDW")
	p.SourceCode = rp.uscc("XK_LYDWDM")
	p.Remarks = rp.str("BZ")
	return p, rp.errs
}

// PenaltyRecord returns p as a record keyed by standard field codes, with a
// canonical string for every field of PenaltyFields: dates YYYY-MM-DD,
// amounts in 万元 via Money.Wan ("" for zero), categories joined by ";", and
// "" for anything absent. It is the canonical form ParsePenalty reads back;
// store.PenaltyValues writes the same values, in dictionary order, for
// exports and feeds.
func PenaltyRecord(p Penalty) map[string]string {
	m := map[string]string{
		"CF_WSH":     p.DecisionNo,
		"CF_WFXW":    p.ViolationType,
		"CF_SY":      p.Facts,
		"CF_YJ":      p.Basis,
		"CF_CFLB":    strings.Join(p.Categories, ";"),
		"CF_NR":      p.Content,
		"CF_NR_FK":   p.Fine.WanOrEmpty(),
		"CF_NR_WFFF": p.Confiscated.WanOrEmpty(),
		"CF_NR_ZKDX": p.LicenceAffected,
		"CF_JDRQ":    FormatOptionalDate(p.DecisionDate),
		"CF_YXQ":     "",
		"CF_GSJZQ":   FormatOptionalDate(p.PublicityUntil),
		"CF_CFJG":    p.Agency,
		"CF_CFJGDM":  p.AgencyCode,
		"CF_SJLY":    p.Source,
		"CF_SJLYDM":  p.SourceCode,
		"BZ":         p.Remarks,
		"CF_AJJD":    string(p.Stage),
		"CF_GSLB":    string(p.Class),
	}
	if p.ValidUntil != nil {
		m["CF_YXQ"] = FormatOptionalDate(*p.ValidUntil)
	}
	putParty(m, "CF", p.Party)
	return m
}

// PermitRecord returns p as a record keyed by standard field codes, with the
// same conventions as PenaltyRecord.
func PermitRecord(p Permit) map[string]string {
	m := map[string]string{
		"XK_XKWS":   p.DocName,
		"XK_WSH":    p.DecisionNo,
		"XK_XKLB":   p.Category,
		"XK_XKZS":   p.CertName,
		"XK_XKBH":   p.PermitNo,
		"XK_NR":     p.Content,
		"XK_JDRQ":   FormatOptionalDate(p.DecisionDate),
		"XK_YXQZ":   FormatOptionalDate(p.ValidFrom),
		"XK_YXQZI":  FormatOptionalDate(p.ValidTo),
		"XK_XKJG":   p.Agency,
		"XK_XKJGDM": p.AgencyCode,
		"XK_ZT":     string(p.State),
		"XK_LYDW":   p.Source,
		"XK_LYDWDM": p.SourceCode,
		"BZ":        p.Remarks,
	}
	putParty(m, "XK", p.Party)
	return m
}

func putParty(m map[string]string, prefix string, p Party) {
	m[prefix+"_XDR_MC"] = p.Name
	m[prefix+"_XDR_LB"] = string(p.Kind)
	m[prefix+"_XDR_SHXYM"] = p.CreditCode
	m[prefix+"_XDR_GSZC"] = p.BusinessRegNo
	m[prefix+"_XDR_ZZJG"] = p.OrgCode
	m[prefix+"_XDR_SWDJ"] = p.TaxRegNo
	m[prefix+"_XDR_SYDW"] = p.InstitutionNo
	m[prefix+"_XDR_SHZZ"] = p.SocialOrgNo
	m[prefix+"_FRDB"] = p.LegalRep
	m[prefix+"_FR_ZJLX"] = p.LegalRepIDType
	m[prefix+"_FR_ZJHM"] = p.LegalRepIDNo
	m[prefix+"_XDR_ZJLX"] = p.IDType
	m[prefix+"_XDR_ZJHM"] = p.IDNo
}

// ParseDate parses a date written as 2006-01-02, 2006/01/02, 2006.01.02,
// 20060102 or 2006年1月2日 (month and day with or without a leading zero,
// except in the 8-digit form) and returns it at 00:00 UTC. s must already be
// normalised (NormalizeCode). It returns an error wrapping ErrFormat when s
// is in none of these forms or is not a real calendar date.
func ParseDate(s string) (time.Time, error) {
	var y, m, d string
	switch {
	case len(s) == 8 && allDigits(s):
		y, m, d = s[:4], s[4:6], s[6:]
	case strings.Contains(s, "年"):
		var rest string
		var ok1, ok2 bool
		y, rest, ok1 = strings.Cut(s, "年")
		m, rest, ok2 = strings.Cut(rest, "月")
		d, _ = strings.CutSuffix(rest, "日")
		if !ok1 || !ok2 {
			return time.Time{}, errorf(ErrFormat, "%q is not a date (use YYYY-MM-DD)", s)
		}
	default:
		i := strings.IndexAny(s, "-/.")
		if i < 0 {
			return time.Time{}, errorf(ErrFormat, "%q is not a date (use YYYY-MM-DD)", s)
		}
		parts := strings.Split(s, s[i:i+1])
		if len(parts) != 3 {
			return time.Time{}, errorf(ErrFormat, "%q is not a date (use YYYY-MM-DD)", s)
		}
		y, m, d = parts[0], parts[1], parts[2]
	}
	if len(y) != 4 || !allDigits(y) || !shortNumber(m) || !shortNumber(d) {
		return time.Time{}, errorf(ErrFormat, "%q is not a date (use YYYY-MM-DD)", s)
	}
	t, ok := civilDate(atoi(y), atoi(m), atoi(d))
	if !ok {
		return time.Time{}, errorf(ErrFormat, "%s is not a real date", s)
	}
	return t, nil
}

// shortNumber reports whether s is one or two ASCII digits.
func shortNumber(s string) bool { return len(s) >= 1 && len(s) <= 2 && allDigits(s) }

// recordParser collects the values and the errors of one raw record.
type recordParser struct {
	dict   []Field
	values map[string]string // normalised, by standard code
	errs   FieldErrors
	bad    map[string]bool // fields with an error, to skip dependent checks
	// refused are fields whose text failed CheckText: they read as empty
	// and get no further error.
	refused map[string]bool
	today   time.Time
	rules   PublicityRules
}

func newRecordParser(dict []Field, raw map[string]string, opt ParseOptions) *recordParser {
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	rules := opt.Rules
	if rules.Periods == nil {
		rules = DefaultPublicityRules()
	}
	rp := &recordParser{dict: dict, values: map[string]string{}, bad: map[string]bool{}, refused: map[string]bool{},
		today: ChinaDate(now), rules: rules}
	var unknown []string
	var refused FieldErrors
	for k, v := range raw {
		f, ok := FieldByCode(dict, k)
		if !ok {
			unknown = append(unknown, k)
			continue
		}
		if utf8.ValidString(v) { // else left as is: normalising would replace the bad bytes
			switch f.Type {
			case TypeCode, TypeDate, TypeMoney:
				v = NormalizeCode(v)
			default:
				v = NormalizeText(v)
			}
		}
		if code, msg := CheckText(v, f.Rule()); code != "" {
			refused = append(refused, FieldError{Field: k, Code: code, Message: msg})
			continue
		}
		rp.values[k] = v
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		rp.add(Short(k), CodeUnknown, "unknown field")
	}
	slices.SortFunc(refused, func(a, b FieldError) int { return rp.position(a.Field) - rp.position(b.Field) })
	for _, e := range refused {
		rp.add(e.Field, e.Code, "%s", e.Message)
		rp.refused[e.Field] = true
	}
	return rp
}

// position is the index of a field in the dictionary, so that problems
// come in the dictionary's order.
func (rp *recordParser) position(code string) int {
	return slices.IndexFunc(rp.dict, func(f Field) bool { return f.Code == code })
}

// add records a problem with field, unless the field's text was refused.
func (rp *recordParser) add(field, code, format string, args ...any) {
	if rp.refused[field] {
		return
	}
	rp.bad[field] = true
	rp.errs = append(rp.errs, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// addErr records a validator's error under field.
func (rp *recordParser) addErr(field string, err error) {
	rp.add(field, ErrorCode(err), "%s", err.Error())
}

func (rp *recordParser) field(code string) Field {
	f, ok := FieldByCode(rp.dict, code)
	if !ok {
		panic("domain: no field " + code) // a programming error in this file
	}
	return f
}

// str returns the normalised value of a field, reporting it when it is
// required and empty.
func (rp *recordParser) str(code string) string {
	v := rp.values[code]
	if v == "" && rp.field(code).Required {
		rp.add(code, CodeRequired, "required")
	}
	return v
}

// enum returns the value of a single-valued enumeration, "" when empty or
// not allowed (reported).
func (rp *recordParser) enum(code string) string {
	v := rp.str(code)
	if v == "" {
		return ""
	}
	allowed := rp.field(code).Allowed
	if !slices.Contains(allowed, v) {
		rp.add(code, CodeEnum, "%q is not one of %s", Short(v), strings.Join(allowed, ", "))
		return ""
	}
	return v
}

// enums returns the distinct allowed values of a multi-valued enumeration in
// their order, reporting each value that is not allowed and an empty list.
func (rp *recordParser) enums(code string) []string {
	f := rp.field(code)
	parts := strings.FieldsFunc(rp.values[code], func(r rune) bool {
		return strings.ContainsRune(categorySeparators, r)
	})
	var out []string
	for _, part := range parts {
		v := NormalizeText(part)
		switch {
		case v == "" || slices.Contains(out, v):
		case !slices.Contains(f.Allowed, v):
			rp.add(code, CodeEnum, "%q is not one of %s", Short(v), strings.Join(f.Allowed, ", "))
		default:
			out = append(out, v)
		}
	}
	if len(out) == 0 && !rp.bad[code] && f.Required {
		rp.add(code, CodeRequired, "required: at least one of %s", strings.Join(f.Allowed, ", "))
	}
	return out
}

// money returns an amount in 万元, 0 when empty.
func (rp *recordParser) money(code string) Money {
	v := rp.str(code)
	if v == "" {
		return 0
	}
	if strings.HasPrefix(v, "-") {
		rp.add(code, CodeRange, "must not be negative")
		return 0
	}
	m, err := ParseWan(v)
	if err != nil {
		rp.add(code, CodeFormat, "%q is not an amount in 万元 (a decimal number with at most 6 decimals)", Short(v))
		return 0
	}
	return m
}

// date returns a date and whether one was given and valid.
func (rp *recordParser) date(code string) (time.Time, bool) {
	v := rp.str(code)
	if v == "" {
		return time.Time{}, false
	}
	t, err := ParseDate(v)
	if err != nil {
		rp.addErr(code, err)
		return time.Time{}, false
	}
	return t, true
}

// decisionDate returns a date that must be neither in the future nor before
// 1990.
func (rp *recordParser) decisionDate(code string) time.Time {
	t, ok := rp.date(code)
	switch {
	case !ok:
	case t.After(rp.today):
		rp.add(code, CodeRange, "%s is in the future", t.Format(DateLayout))
	case t.Before(earliestDecision):
		rp.add(code, CodeRange, "%s is before 1990", t.Format(DateLayout))
	}
	return t
}

// notBefore reports field (value t) when it is before otherField (value
// other), unless otherField is itself wrong.
func (rp *recordParser) notBefore(field string, t time.Time, otherField string, other time.Time) {
	if rp.bad[otherField] || other.IsZero() || !t.Before(other) {
		return
	}
	rp.add(field, CodeRange, "%s is before %s (%s)", t.Format(DateLayout), otherField, other.Format(DateLayout))
}

// uscc returns a credit code that must be valid; the placeholder is not.
func (rp *recordParser) uscc(code string) string {
	v := rp.str(code)
	if v == "" {
		return ""
	}
	if IsUSCCPlaceholder(v) {
		rp.add(code, CodeChecksum, "the placeholder %s is only allowed for a 个体工商户", USCCPlaceholder)
	} else if err := ValidateUSCC(v); err != nil {
		rp.addErr(code, err)
	}
	return v
}

// idNumber checks a 证件号码 of the given type: a 身份证 number must pass
// the ID-card validation; other types are taken as given.
func (rp *recordParser) idNumber(code, idType, v string) {
	if v == "" || idType != "身份证" {
		return
	}
	if err := validateIDCard(v, rp.today); err != nil {
		rp.addErr(code, err)
	}
}

// party parses the 行政相对人 block with the given prefix ("CF" or "XK").
func (rp *recordParser) party(prefix string) Party {
	c := func(name string) string { return prefix + "_" + name }
	var p Party
	p.Name = rp.str(c("XDR_MC"))
	p.Kind = PartyKind(rp.enum(c("XDR_LB")))

	creditField := c("XDR_SHXYM")
	p.CreditCode = rp.str(creditField)
	placeholder := IsUSCCPlaceholder(p.CreditCode)
	switch {
	case p.CreditCode == "":
		switch p.Kind {
		case PartyOrganization:
			rp.add(creditField, CodeRequired, "required for %s", PartyOrganization)
		case PartyIndividualBusiness:
			rp.add(creditField, CodeRequired, "required for %s (%s if it has none)", PartyIndividualBusiness, USCCPlaceholder)
		}
	case placeholder:
		if p.Kind != PartyIndividualBusiness && p.Kind != "" {
			rp.add(creditField, CodeConflict, "the placeholder %s is only allowed for a %s", USCCPlaceholder, PartyIndividualBusiness)
		}
	default:
		if err := ValidateUSCC(p.CreditCode); err != nil {
			rp.addErr(creditField, err)
		}
	}

	p.BusinessRegNo = rp.str(c("XDR_GSZC"))
	if placeholder && p.Kind == PartyIndividualBusiness && p.BusinessRegNo == "" {
		rp.add(c("XDR_GSZC"), CodeRequired, "required when the credit code is the placeholder %s", USCCPlaceholder)
	}

	orgField := c("XDR_ZZJG")
	p.OrgCode = rp.str(orgField)
	if len(p.OrgCode) == 10 && p.OrgCode[8] == '-' {
		p.OrgCode = p.OrgCode[:8] + p.OrgCode[9:] // the printed form 12345678-9
	}
	if p.OrgCode != "" {
		if err := ValidateOrgCode(p.OrgCode); err != nil {
			rp.addErr(orgField, err)
		} else if p.CreditCode != "" && !placeholder && !rp.bad[creditField] && p.CreditCode[8:17] != p.OrgCode {
			rp.add(orgField, CodeConflict, "does not match positions 9–17 of the credit code (%s)", p.CreditCode[8:17])
		}
	}

	p.TaxRegNo = rp.str(c("XDR_SWDJ"))
	p.InstitutionNo = rp.str(c("XDR_SYDW"))
	p.SocialOrgNo = rp.str(c("XDR_SHZZ"))
	p.LegalRep = rp.str(c("FRDB"))
	p.LegalRepIDType, p.LegalRepIDNo = rp.idPair(c("FR_ZJLX"), c("FR_ZJHM"), false, p.Kind)
	p.IDType, p.IDNo = rp.idPair(c("XDR_ZJLX"), c("XDR_ZJHM"), p.Kind == PartyNaturalPerson, p.Kind)
	return p
}

// idPair parses a 证件类型 / 证件号码 pair: each requires the other, both
// are required when required is set, and a 身份证 number must be valid.
func (rp *recordParser) idPair(typeField, noField string, required bool, kind PartyKind) (string, string) {
	idType := rp.enum(typeField)
	no := rp.str(noField)
	typeGiven := rp.values[typeField] != ""
	switch {
	case required && !typeGiven:
		rp.add(typeField, CodeRequired, "required for %s", kind)
	case !typeGiven && no != "":
		rp.add(typeField, CodeRequired, "required when %s is given", noField)
	}
	switch {
	case required && no == "":
		rp.add(noField, CodeRequired, "required for %s", kind)
	case no == "" && typeGiven:
		rp.add(noField, CodeRequired, "required when %s is given", typeField)
	}
	rp.idNumber(noField, idType, no)
	return idType, no
}
