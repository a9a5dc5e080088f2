package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// EnforcementOptions are the context of the enforcement parsers.
type EnforcementOptions struct {
	// Now fixes "today" (its date in China Standard Time); zero means
	// time.Now().
	Now time.Time
	// Rules check certificate numbers; the zero value means
	// DefaultEnforcementRules().
	Rules EnforcementRules
}

func newEnforcementParser(dict []Field, raw map[string]string, opt EnforcementOptions) *recordParser {
	return newRecordParser(dict, raw, ParseOptions{Now: opt.Now})
}

// The parsers below follow ParsePenalty's conventions: raw records keyed
// by the codes of their dictionary, values normalised first, every problem
// returned as a FieldError naming the field's code, and the record only
// meaningful when there is none. ParseX(XRecord(x)) returns x for every
// valid x.

// ParseEnforcementBody parses a 执法主体 keyed by BodyFields' codes. An
// empty entrusted means 否 and an empty status 有效.
func ParseEnforcementBody(fields map[string]string, opt EnforcementOptions) (EnforcementBody, FieldErrors) {
	rp := newEnforcementParser(BodyFields, fields, opt)
	var b EnforcementBody
	b.Name = rp.str("name")
	b.CreditCode = rp.uscc("credit_code")
	b.LegalBasis = rp.str("legal_basis")
	b.DistrictCode = rp.districtCode("district_code")
	b.Entrusted = rp.yesNo("entrusted")
	b.EntrustingBody = rp.str("entrusting_body")
	b.EntrustingCode = rp.uscc("entrusting_code")
	if !rp.bad["entrusted"] {
		switch {
		case b.Entrusted && b.EntrustingBody == "":
			rp.add("entrusting_body", CodeRequired, "required for an entrusted body")
		case !b.Entrusted && b.EntrustingBody != "":
			rp.add("entrusting_body", CodeConflict, "given, but the body is not entrusted")
		case !b.Entrusted && b.EntrustingCode != "":
			rp.add("entrusting_code", CodeConflict, "given, but the body is not entrusted")
		}
	}
	b.Status = BodyStatus(rp.enum("status"))
	if b.Status == "" && !rp.bad["status"] {
		b.Status = BodyActive
	}
	b.Remarks = rp.str("remarks")
	rp.maxLens(bodyMaxLen)
	return b, rp.errs
}

// BodyRecord returns b keyed by BodyFields' codes.
func BodyRecord(b EnforcementBody) map[string]string {
	return map[string]string{
		"name": b.Name, "credit_code": b.CreditCode, "legal_basis": b.LegalBasis, "district_code": b.DistrictCode,
		"entrusted": yesNo(b.Entrusted), "entrusting_body": b.EntrustingBody, "entrusting_code": b.EntrustingCode,
		"status": string(b.Status), "remarks": b.Remarks,
	}
}

// ParseOfficer parses a 执法人员 keyed by OfficerFields' codes. The
// certificate number must have the shape of opt.Rules; a name may not
// hold digits, so that no identifier can be stored in it.
func ParseOfficer(fields map[string]string, opt EnforcementOptions) (Officer, FieldErrors) {
	rp := newEnforcementParser(OfficerFields, fields, opt)
	var o Officer
	o.CertificateNo = rp.str("certificate_no")
	if o.CertificateNo != "" {
		rules := opt.Rules.orDefault()
		switch n := utf8.RuneCountInString(o.CertificateNo); {
		case n < 4 || n > 32:
			rp.add("certificate_no", CodeFormat, "a certificate number has 4 to 32 characters, got %d", n)
		case !rules.ValidCertificate(o.CertificateNo):
			rp.add("certificate_no", CodeFormat, "%q does not have the shape of a certificate number (%s)", o.CertificateNo, rules.CertificatePattern)
		}
	}
	o.Name = rp.str("name")
	if strings.ContainsFunc(o.Name, isDigitOrFullWidthDigit) {
		rp.add("name", CodeFormat, "a name has no digits")
	}
	o.IssuingAuthority = rp.str("issuing_authority")
	o.BodyCode = rp.uscc("body_code")
	o.Body = rp.str("body")
	o.Status = OfficerStatus(rp.enum("status"))
	o.ValidUntil, _ = rp.date("valid_until")
	rp.maxLens(officerMaxLen)
	return o, rp.errs
}

// OfficerRecord returns o keyed by OfficerFields' codes.
func OfficerRecord(o Officer) map[string]string {
	return map[string]string{
		"certificate_no": o.CertificateNo, "name": o.Name, "issuing_authority": o.IssuingAuthority,
		"body_code": o.BodyCode, "body": o.Body, "status": string(o.Status), "valid_until": FormatOptionalDate(o.ValidUntil),
	}
}

// ParseInspectionItem reads an item of the random-inspection list keyed by
// InspectionItemFields' codes, normalised; ValidateInspectionItems checks
// it, with the whole list.
func ParseInspectionItem(fields map[string]string) (InspectionItem, FieldErrors) {
	var errs FieldErrors
	v := map[string]string{}
	for k, s := range fields {
		f, ok := FieldByCode(InspectionItemFields, k)
		switch {
		case !ok:
			errs = append(errs, FieldError{Field: k, Code: CodeUnknown, Message: "unknown field"})
		case f.Type == TypeCode:
			v[k] = NormalizeCode(s)
		default:
			v[k] = NormalizeText(s)
		}
	}
	slices.SortFunc(errs, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
	return InspectionItem{Code: v["code"], Name: v["name"], Category: v["category"], Scope: v["scope"],
		Method: v["method"], Body: v["body"], Basis: v["basis"], Frequency: v["frequency"], Remarks: v["remarks"]}, errs
}

// InspectionItemRecord returns it keyed by InspectionItemFields' codes.
func InspectionItemRecord(it InspectionItem) map[string]string {
	return map[string]string{"code": it.Code, "name": it.Name, "category": it.Category, "scope": it.Scope,
		"method": it.Method, "body": it.Body, "basis": it.Basis, "frequency": it.Frequency, "remarks": it.Remarks}
}

// ValidateInspectionItems reports every problem of a whole
// random-inspection list: required fields, known categories, lengths and
// unique codes of the power-list form. FieldError.Index is the item's
// position.
func ValidateInspectionItems(items []InspectionItem) FieldErrors {
	c := newListChecker(len(items))
	for i, it := range items {
		c.index = i
		c.code(it.Code, true)
		c.required("name", it.Name)
		c.oneOf("category", it.Category, InspectionItemCategories)
		c.required("scope", it.Scope)
		c.required("method", it.Method)
		c.required("body", it.Body)
		c.required("basis", it.Basis)
		c.required("frequency", it.Frequency)
		rec := InspectionItemRecord(it)
		for _, f := range InspectionItemFields {
			if n, max := utf8.RuneCountInString(rec[f.Code]), itemMaxLen[f.Code]; max > 0 && n > max {
				c.add(f.Code, CodeRange, "at most %d characters, got %d", max, n)
			}
		}
	}
	return c.errs
}

// ParseInspectionTask parses a random inspection task keyed by
// InspectionTaskFields' codes. item_codes are separated by ; 、 or ,. An
// empty algorithm means DrawFisherYatesSHA256. The task's dates may lie in
// the future (a task is announced before it runs); its draw may not.
func ParseInspectionTask(fields map[string]string, opt EnforcementOptions) (InspectionTask, FieldErrors) {
	rp := newEnforcementParser(InspectionTaskFields, fields, opt)
	var t InspectionTask
	t.Code = rp.str("code")
	t.Name = rp.str("name")
	t.BodyCode = rp.uscc("body_code")
	t.Body = rp.str("body")
	t.PlanYear, _ = rp.integer("plan_year", minPlanYear, maxPlanYear)
	t.ItemCodes = rp.itemCodes("item_codes")
	t.StartDate, _ = rp.recentDate("start_date")
	t.EndDate, _ = rp.recentDate("end_date")
	rp.notBefore("end_date", t.EndDate, "start_date", t.StartDate)
	t.Candidates, _ = rp.integer("candidates", 1, maxCandidates)
	t.Drawn, _ = rp.integer("drawn", 1, maxDrawn)
	if !rp.bad["candidates"] && !rp.bad["drawn"] && t.Drawn > t.Candidates {
		rp.add("drawn", CodeRange, "%d drawn of %d candidates", t.Drawn, t.Candidates)
	}
	t.InspectorPool, _ = rp.integer("inspector_pool", 0, maxPool)
	t.Inspectors, _ = rp.integer("inspectors", 0, maxPool)
	if !rp.bad["inspector_pool"] && !rp.bad["inspectors"] {
		switch {
		case t.Inspectors > t.InspectorPool:
			rp.add("inspectors", CodeRange, "%d drawn of %d officers", t.Inspectors, t.InspectorPool)
		case t.InspectorPool > 0 && t.Inspectors == 0:
			rp.add("inspectors", CodeRequired, "required when inspector_pool is given")
		}
	}
	t.Seed = rp.str("seed")
	t.Algorithm = rp.enum("algorithm")
	if t.Algorithm == "" && !rp.bad["algorithm"] {
		t.Algorithm = DrawFisherYatesSHA256
	}
	t.DrawnOn = rp.decisionDate("drawn_on")
	if !rp.bad["drawn_on"] && !rp.bad["end_date"] && !t.EndDate.IsZero() && t.DrawnOn.After(t.EndDate) {
		rp.add("drawn_on", CodeRange, "%s is after end_date (%s)", t.DrawnOn.Format(DateLayout), t.EndDate.Format(DateLayout))
	}
	t.Remarks = rp.str("remarks")
	rp.maxLens(taskMaxLen)
	return t, rp.errs
}

// TaskRecord returns t keyed by InspectionTaskFields' codes; numbers that
// are 0 and optional are "".
func TaskRecord(t InspectionTask) map[string]string {
	return map[string]string{
		"code": t.Code, "name": t.Name, "body_code": t.BodyCode, "body": t.Body, "plan_year": intOrEmpty(t.PlanYear),
		"item_codes": strings.Join(t.ItemCodes, ";"), "start_date": FormatOptionalDate(t.StartDate), "end_date": FormatOptionalDate(t.EndDate),
		"candidates": strconv.Itoa(t.Candidates), "drawn": strconv.Itoa(t.Drawn),
		"inspector_pool": intOrEmpty(t.InspectorPool), "inspectors": intOrEmpty(t.Inspectors),
		"seed": t.Seed, "algorithm": t.Algorithm, "drawn_on": FormatOptionalDate(t.DrawnOn), "remarks": t.Remarks,
	}
}

// ParseInspectionResult parses an inspection result keyed by
// InspectionResultFields' codes. A result with a task code is a
// 双随机抽查 (JC_JCLX may be left empty); one without needs another kind.
// The party block follows ParsePenalty's rules. A case's decision number
// (JC_CFWSH) is only allowed with 立案查处; its agency defaults to the
// inspecting body.
func ParseInspectionResult(fields map[string]string, opt EnforcementOptions) (InspectionResult, FieldErrors) {
	rp := newEnforcementParser(InspectionResultFields, fields, opt)
	var r InspectionResult
	r.RecordNo = rp.str("JC_JLBH")
	r.Body = rp.str("JC_JCZT")
	r.BodyCode = rp.uscc("JC_JCZTDM")
	r.TaskCode = rp.str("JC_RWBH")
	r.Kind = rp.enum("JC_JCLX")
	if !rp.bad["JC_JCLX"] {
		switch {
		case r.TaskCode != "" && r.Kind == "":
			r.Kind = KindRandom
		case r.TaskCode != "" && r.Kind != KindRandom:
			rp.add("JC_JCLX", CodeConflict, "a result with a task code (JC_RWBH) is a %s, not %s", KindRandom, r.Kind)
		case r.TaskCode == "" && r.Kind == KindRandom:
			rp.add("JC_RWBH", CodeRequired, "required for a %s", KindRandom)
		case r.TaskCode == "" && r.Kind == "":
			rp.add("JC_JCLX", CodeRequired, "required: one of %s", strings.Join(InspectionKinds, ", "))
		}
	}
	r.Party = rp.party("JC")
	r.Category = rp.enum("JC_HYLY")
	r.InspectionDate = rp.decisionDate("JC_JCRQ")
	r.Outcome = InspectionOutcome(rp.enum("JC_JCJG"))
	r.Hazards, _ = rp.integer("JC_YHS", 0, maxHazards)
	if r.Outcome == OutcomeClean && r.Hazards > 0 {
		rp.add("JC_YHS", CodeConflict, "%d hazards, but the outcome is %s", r.Hazards, OutcomeClean)
	}
	r.PenaltyDecisionNo = rp.str("JC_CFWSH")
	r.PenaltyAgencyCode = rp.uscc("JC_CFJGDM")
	switch {
	case r.PenaltyDecisionNo != "" && r.Outcome != OutcomeCase && !rp.bad["JC_JCJG"]:
		rp.add("JC_CFWSH", CodeConflict, "a decision number is only given for %s, not %s", OutcomeCase, r.Outcome)
	case r.PenaltyDecisionNo == "" && r.PenaltyAgencyCode != "":
		rp.add("JC_CFWSH", CodeRequired, "required when JC_CFJGDM is given")
	case r.PenaltyDecisionNo != "" && r.PenaltyAgencyCode == "" && !rp.bad["JC_CFJGDM"]:
		r.PenaltyAgencyCode = r.BodyCode
	}
	r.Summary = rp.str("JC_JCQK")
	rp.maxLens(resultMaxLen)
	return r, rp.errs
}

// InspectionResultRecord returns r keyed by InspectionResultFields'
// codes.
func InspectionResultRecord(r InspectionResult) map[string]string {
	m := map[string]string{
		"JC_JLBH": r.RecordNo, "JC_JCZT": r.Body, "JC_JCZTDM": r.BodyCode, "JC_RWBH": r.TaskCode, "JC_JCLX": r.Kind,
		"JC_HYLY": r.Category, "JC_JCRQ": FormatOptionalDate(r.InspectionDate), "JC_JCJG": string(r.Outcome),
		"JC_YHS": strconv.Itoa(r.Hazards), "JC_CFWSH": r.PenaltyDecisionNo, "JC_CFJGDM": r.PenaltyAgencyCode,
		"JC_JCQK": r.Summary,
	}
	putParty(m, "JC", r.Party)
	return m
}

// ParsePlanRow parses one row of an annual plan keyed by PlanFields'
// codes: the plan with the row's one target. A plan may be approved
// before its year, and published up to a year ahead.
func ParsePlanRow(fields map[string]string, opt EnforcementOptions) (EnforcementPlan, FieldErrors) {
	rp := newEnforcementParser(PlanFields, fields, opt)
	var p EnforcementPlan
	p.Year, _ = rp.integer("year", minPlanYear, min(maxPlanYear, rp.today.Year()+1))
	p.BodyCode = rp.uscc("body_code")
	p.Body = rp.str("body")
	p.Name = rp.str("name")
	p.ApprovedOn = rp.decisionDate("approved_on")
	var t PlanTarget
	t.Category = rp.enum("category")
	t.Enterprises, _ = rp.integer("enterprises", 1, maxEnterprises)
	p.Targets = []PlanTarget{t}
	p.Remarks = rp.str("remarks")
	rp.maxLens(planMaxLen)
	return p, rp.errs
}

// PlanRecords returns p as the rows ParsePlanRow reads, one per target.
func PlanRecords(p EnforcementPlan) []map[string]string {
	out := make([]map[string]string, len(p.Targets))
	for i, t := range p.Targets {
		out[i] = map[string]string{
			"year": strconv.Itoa(p.Year), "body_code": p.BodyCode, "body": p.Body, "name": p.Name,
			"approved_on": FormatOptionalDate(p.ApprovedOn), "category": t.Category, "enterprises": strconv.Itoa(t.Enterprises),
			"remarks": p.Remarks,
		}
	}
	return out
}

// ValidatePlan reports the problems of a whole plan that its rows cannot
// show: no target, a category twice, or a target out of range. Field names
// a target as targets[i].
func ValidatePlan(p EnforcementPlan) FieldErrors {
	var errs FieldErrors
	if len(p.Targets) == 0 {
		errs = append(errs, FieldError{Field: "targets", Code: CodeRequired, Message: "a plan needs at least one target"})
	}
	seen := map[string]int{}
	for i, t := range p.Targets {
		f := fmt.Sprintf("targets[%d]", i)
		switch j, dup := seen[t.Category]; {
		case !slices.Contains(EnterpriseCategories, t.Category):
			errs = append(errs, FieldError{Field: f, Code: CodeEnum, Message: fmt.Sprintf("%q is not one of %s", t.Category, strings.Join(EnterpriseCategories, ", "))})
		case dup:
			errs = append(errs, FieldError{Field: f, Code: CodeConflict, Message: fmt.Sprintf("%s is also targets[%d]", t.Category, j)})
		}
		seen[t.Category] = i
		if t.Enterprises < 1 || t.Enterprises > maxEnterprises {
			errs = append(errs, FieldError{Field: f, Code: CodeRange, Message: fmt.Sprintf("enterprises must be between 1 and %d", maxEnterprises)})
		}
	}
	return errs
}

// ParseReferral parses a criminal-referral count keyed by ReferralFields'
// codes. The quarter is written 1–4, Q3 or 第三季度 and must have begun.
func ParseReferral(fields map[string]string, opt EnforcementOptions) (CriminalReferral, FieldErrors) {
	rp := newEnforcementParser(ReferralFields, fields, opt)
	var c CriminalReferral
	c.Year, _ = rp.integer("year", minPlanYear, rp.today.Year())
	c.Quarter = rp.quarterNumber("quarter")
	if c.Year > 0 && c.Quarter > 0 && (Quarter{c.Year, c.Quarter}).Start().After(rp.today) {
		rp.add("quarter", CodeRange, "%s has not begun", Quarter{c.Year, c.Quarter})
	}
	c.BodyCode = rp.uscc("body_code")
	c.Body = rp.str("body")
	c.Stage = Stage(rp.enum("stage"))
	c.Cases, _ = rp.integer("cases", 0, maxCases)
	c.Persons, _ = rp.integer("persons", 0, maxPersons)
	rp.maxLens(referralMaxLen)
	return c, rp.errs
}

// ReferralRecord returns c keyed by ReferralFields' codes.
func ReferralRecord(c CriminalReferral) map[string]string {
	return map[string]string{
		"year": strconv.Itoa(c.Year), "quarter": strconv.Itoa(c.Quarter), "body_code": c.BodyCode, "body": c.Body,
		"stage": string(c.Stage), "cases": strconv.Itoa(c.Cases), "persons": strconv.Itoa(c.Persons),
	}
}

// ---- field readers of the enforcement parsers ----

// integer returns a whole number in [lo, hi], 0 when empty (reported
// when required).
func (rp *recordParser) integer(code string, lo, hi int) (int, bool) {
	v := NormalizeCode(rp.str(code))
	if v == "" {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSuffix(v, ".0"))
	switch {
	case err != nil || strings.HasPrefix(v, "+"):
		rp.add(code, CodeFormat, "%q is not a whole number", v)
	case n < lo || n > hi:
		rp.add(code, CodeRange, "must be between %d and %d, got %d", lo, hi, n)
	default:
		return n, true
	}
	return 0, false
}

// yesNo reads 是/否 (or true/false); empty is 否.
func (rp *recordParser) yesNo(code string) bool {
	switch v := rp.str(code); strings.ToLower(v) {
	case "", No, "false":
		return false
	case Yes, "true":
		return true
	default:
		rp.add(code, CodeEnum, "%q is not %s or %s", v, Yes, No)
		return false
	}
}

// districtCode reads a six-digit 行政区划代码; whether it is a known
// district is the store's to check.
func (rp *recordParser) districtCode(code string) string {
	v := rp.str(code)
	if v != "" && (len(v) != 6 || !allDigits(v)) {
		rp.add(code, CodeFormat, "a district code is 6 digits (GB/T 2260), got %q", v)
	}
	return v
}

// recentDate reads a date no earlier than 1990.
func (rp *recordParser) recentDate(code string) (time.Time, bool) {
	t, ok := rp.date(code)
	if ok && t.Before(earliestDecision) {
		rp.add(code, CodeRange, "%s is before 1990", t.Format(DateLayout))
		return t, false
	}
	return t, ok
}

// itemCodes reads a list of inspection-item codes.
func (rp *recordParser) itemCodes(code string) []string {
	raw := rp.str(code)
	var out []string
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return strings.ContainsRune(categorySeparators, r) }) {
		c := NormalizeCode(part)
		switch {
		case c == "" || slices.Contains(out, c):
		case !itemCodePattern.MatchString(c) || len(c) > itemCodeMax:
			rp.add(code, CodeFormat, "%q is not an item code (upper-case letters, digits and hyphens, at most %d)", c, itemCodeMax)
		default:
			out = append(out, c)
		}
	}
	if raw != "" && len(out) == 0 && !rp.bad[code] {
		rp.add(code, CodeRequired, "required: at least one item code")
	}
	if len(out) > maxItemCodes {
		rp.add(code, CodeRange, "at most %d items, got %d", maxItemCodes, len(out))
	}
	return out
}

// quarterNumber reads 1–4, Q1–Q4 or 第一季度 … 第四季度.
func (rp *recordParser) quarterNumber(code string) int {
	v := NormalizeCode(rp.str(code))
	if v == "" {
		return 0
	}
	s := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v, "Q"), "第"), "季度")
	if n := slices.Index([]string{"一", "二", "三", "四"}, s); n >= 0 {
		return n + 1
	}
	if len(s) == 1 && s[0] >= '1' && s[0] <= '4' {
		return int(s[0] - '0')
	}
	rp.add(code, CodeFormat, "%q is not a quarter (1–4)", v)
	return 0
}

// maxLens reports every field whose value is longer than its bound.
func (rp *recordParser) maxLens(bounds map[string]int) {
	for _, f := range rp.dict {
		max, ok := bounds[f.Code]
		if n := utf8.RuneCountInString(rp.values[f.Code]); ok && n > max && !rp.bad[f.Code] {
			rp.add(f.Code, CodeRange, "at most %d characters, got %d", max, n)
		}
	}
}

func yesNo(b bool) string {
	if b {
		return Yes
	}
	return No
}

func intOrEmpty(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// isDigitOrFullWidthDigit reports whether c is an ASCII or a full-width
// digit.
func isDigitOrFullWidthDigit(c rune) bool {
	return (c >= '0' && c <= '9') || (c >= '０' && c <= '９')
}
