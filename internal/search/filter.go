package search

import (
	"strconv"
	"strings"
	"time"
)

// Meilisearch filter expressions are built here only: attribute names are
// constants of this package, and every value comes from a validated Query
// and is quoted by quote. Nothing a client sends reaches Meilisearch as
// filter syntax.

// quote returns s as a double-quoted Meilisearch filter string.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// anyOf is "attr IN [v1, v2]" for string values.
func anyOf(attr string, values []string) string {
	qs := make([]string, len(values))
	for i, v := range values {
		qs[i] = quote(v)
	}
	return attr + " IN [" + strings.Join(qs, ", ") + "]"
}

func anyOfInts(attr string, values []int) string {
	qs := make([]string, len(values))
	for i, v := range values {
		qs[i] = strconv.Itoa(v)
	}
	return attr + " IN [" + strings.Join(qs, ", ") + "]"
}

// either is "(a OR b)" for the non-empty conditions.
func either(conds ...string) string {
	var kept []string
	for _, c := range conds {
		if c != "" {
			kept = append(kept, c)
		}
	}
	if len(kept) == 1 {
		return kept[0]
	}
	return "(" + strings.Join(kept, " OR ") + ")"
}

// split partitions values by a predicate.
func split(values []string, pred func(string) bool) (yes, no []string) {
	for _, v := range values {
		if pred(v) {
			yes = append(yes, v)
		} else {
			no = append(no, v)
		}
	}
	return yes, no
}

func optional(attr string, values []string) string {
	if len(values) == 0 {
		return ""
	}
	return anyOf(attr, values)
}

func isCreditCode(v string) bool {
	return len(v) == 18 && strings.Trim(v, "0123456789ABCDEFGHJKLMNPQRTUWXY") == ""
}

// attribute names the document attribute a filter parameter applies to
// in documents of type t ("" when it does not apply).
func attribute(t Type, param string) string {
	switch {
	case param == "category" && t == TypePenalty:
		return "categories"
	case param == "category" && t == TypePermit:
		return "category"
	case param == "subject_kind" && (t == TypePenalty || t == TypePermit):
		return "party_kind"
	case param == "permit_status" && t == TypePermit:
		return "state"
	case param == "power_category" && t == TypePower:
		return "category"
	case param == "stage" && t == TypePenalty:
		return "stage"
	case (param == "year" || param == "district" || param == "agency") && (t == TypePenalty || t == TypePermit):
		return param
	}
	return ""
}

// filterFor returns the conditions (joined with AND) a query's filters
// impose on documents of type t; today excludes penalties whose publicity
// period has ended even before the expiry job withdrew them.
func filterFor(t Type, f Filters, today time.Time) []string {
	var conds []string
	if t == TypePenalty {
		conds = append(conds, "publicity_until_day >= "+strconv.Itoa(dayNumber(today)))
	}
	add := func(param string, values []string) {
		if a := attribute(t, param); a != "" && len(values) > 0 {
			conds = append(conds, anyOf(a, values))
		}
	}
	add("category", f.Category)
	if a := attribute(t, "year"); a != "" && len(f.Year) > 0 {
		conds = append(conds, anyOfInts(a, f.Year))
	}
	if attribute(t, "district") != "" && len(f.District) > 0 {
		codes, names := split(f.District, districtCode.MatchString)
		conds = append(conds, either(optional("district_code", codes), optional("district", names)))
	}
	if attribute(t, "agency") != "" && len(f.Agency) > 0 {
		codes, names := split(f.Agency, isCreditCode)
		conds = append(conds, either(optional("agency_code", codes), optional("agency", names)))
	}
	add("subject_kind", f.SubjectKind)
	add("stage", f.Stage)
	add("permit_status", f.PermitStatus)
	add("power_category", f.PowerCategory)
	return conds
}

// exactFilter is the condition that finds the documents of type t whose
// identifier is the query, or "" when the kind of identifier does not
// apply to t.
func exactFilter(t Type, kind exactKind, value string) string {
	record := t == TypePenalty || t == TypePermit
	switch {
	case kind == exactCreditCode && record:
		return "credit_code = " + quote(value)
	case kind == exactDecisionNo && t == TypePenalty:
		return "decision_key = " + quote(value)
	case kind == exactDecisionNo && t == TypePermit:
		return "(decision_key = " + quote(value) + " OR permit_key = " + quote(value) + ")"
	case kind == exactName && record:
		return "party_key = " + quote(value)
	case kind == exactItemCode && (t == TypePower || t == TypeService):
		return "code = " + quote(value)
	}
	return ""
}

// facetsFor are the attributes whose value counts a search of type t
// returns, by the filter parameter they are reported as.
func facetsFor(t Type) map[string]string {
	out := map[string]string{}
	for _, param := range FilterNames {
		if a := attribute(t, param); a != "" {
			out[a] = param
		}
	}
	return out
}

// facetAttributes lists facetsFor(t)'s attributes in a stable order.
func facetAttributes(t Type) []string {
	var out []string
	for _, param := range FilterNames {
		if a := attribute(t, param); a != "" {
			out = append(out, a)
		}
	}
	return out
}
