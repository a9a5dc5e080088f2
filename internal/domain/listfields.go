package domain

import (
	"strconv"
	"strings"
)

// ListField is one stored text field of a list item. The national
// standards set no lengths for the lists, so these are Gongshi's own:
// identifiers and names short and single-line, prose (依据, 条件, 说明 …)
// up to 4,000 characters with line breaks. Migration 00010_text_lengths holds the same
// limits as CHECK constraints.
type ListField struct {
	// Path is the field's JSON path in an item; "[]" stands for every
	// element of a list ("guide.materials[]", "flow.nodes[].label"), and
	// a FieldError names the element ("guide.materials[2]").
	Path string `json:"path"`
	TextRule
}

// listField is a ListField with the way to read it from an item.
type listField[T any] struct {
	ListField
	get func(*T) []string // the value, or every element of a list
}

func one[T any](path string, max int, multiline bool, get func(*T) string) listField[T] {
	return listField[T]{ListField{path, TextRule{max, multiline}}, func(it *T) []string { return []string{get(it)} }}
}

func each[T any](path string, max int, multiline bool, get func(*T) []string) listField[T] {
	return listField[T]{ListField{path, TextRule{max, multiline}}, get}
}

// Limits shared by the three lists.
const (
	maxItemCode = 64
	maxItemName = 200
	maxUnit     = 200
	maxEnum     = 32
	maxProse    = 4000
	maxShort    = 1000 // a paragraph: fees, channels, notes on a step
	maxLimit    = 200  // a time limit: "20个工作日", "当场办结"
	maxPhone    = 100
	maxMaterial = 500
	maxDuty     = 2000
	maxFlowKey  = 64
	maxFlowText = 200
	// MaxNote is the most characters of a list version's note and of a
	// withdrawal's note.
	MaxNote = 1000
)

// elems reads one string of every element of a list in an item.
func elems[T, E any](list func(*T) []E, get func(E) string) func(*T) []string {
	return func(it *T) []string {
		l := list(it)
		out := make([]string, len(l))
		for i, e := range l {
			out[i] = get(e)
		}
		return out
	}
}

func flowFields[T any](flow func(*T) *Flow) []listField[T] {
	nodes := func(it *T) []FlowNode { return flow(it).Nodes }
	edges := func(it *T) []FlowEdge { return flow(it).Edges }
	return []listField[T]{
		each("flow.nodes[].key", maxFlowKey, false, elems(nodes, func(n FlowNode) string { return n.Key })),
		each("flow.nodes[].label", maxFlowText, false, elems(nodes, func(n FlowNode) string { return n.Label })),
		each("flow.nodes[].kind", maxEnum, false, elems(nodes, func(n FlowNode) string { return string(n.Kind) })),
		each("flow.nodes[].time_limit", maxLimit, false, elems(nodes, func(n FlowNode) string { return n.TimeLimit })),
		each("flow.nodes[].note", maxShort, true, elems(nodes, func(n FlowNode) string { return n.Note })),
		each("flow.edges[].from", maxFlowKey, false, elems(edges, func(e FlowEdge) string { return e.From })),
		each("flow.edges[].to", maxFlowKey, false, elems(edges, func(e FlowEdge) string { return e.To })),
		each("flow.edges[].label", maxFlowText, false, elems(edges, func(e FlowEdge) string { return e.Label })),
	}
}

var powerFields = append([]listField[PowerItem]{
	one("code", maxItemCode, false, func(it *PowerItem) string { return it.Code }),
	one("name", maxItemName, false, func(it *PowerItem) string { return it.Name }),
	one("category", maxEnum, false, func(it *PowerItem) string { return it.Category }),
	each("sub_items[]", maxItemName, false, func(it *PowerItem) []string { return it.SubItems }),
	one("legal_basis", maxProse, true, func(it *PowerItem) string { return it.LegalBasis }),
	one("unit", maxUnit, false, func(it *PowerItem) string { return it.Unit }),
	one("level", maxEnum, false, func(it *PowerItem) string { return it.Level }),
	each("duties[].stage", maxEnum, false, elems(powerDuties, func(d Duty) string { return d.Stage })),
	each("duties[].content", maxDuty, true, elems(powerDuties, func(d Duty) string { return d.Content })),
	one("accountability", maxProse, true, func(it *PowerItem) string { return it.Accountability }),
	one("remarks", maxShort, true, func(it *PowerItem) string { return it.Remarks }),
	one("guide.basis", maxProse, true, func(it *PowerItem) string { return it.Guide.Basis }),
	one("guide.applicant", maxShort, true, func(it *PowerItem) string { return it.Guide.Applicant }),
	one("guide.channels", maxShort, true, func(it *PowerItem) string { return it.Guide.Channels }),
	one("guide.time_place", maxShort, true, func(it *PowerItem) string { return it.Guide.TimePlace }),
	one("guide.conditions", maxProse, true, func(it *PowerItem) string { return it.Guide.Conditions }),
	each("guide.materials[]", maxMaterial, false, func(it *PowerItem) []string { return it.Guide.Materials }),
	one("guide.statutory_limit", maxLimit, false, func(it *PowerItem) string { return it.Guide.StatutoryLimit }),
	one("guide.promised_limit", maxLimit, false, func(it *PowerItem) string { return it.Guide.PromisedLimit }),
	one("guide.fees", maxShort, true, func(it *PowerItem) string { return it.Guide.Fees }),
	one("guide.consult_phone", maxPhone, false, func(it *PowerItem) string { return it.Guide.ConsultPhone }),
	one("guide.complaint_phone", maxPhone, false, func(it *PowerItem) string { return it.Guide.ComplaintPhone }),
	one("guide.online_url", 2000, false, func(it *PowerItem) string { return it.Guide.OnlineURL }),
	one("guide.notes", maxProse, true, func(it *PowerItem) string { return it.Guide.Notes }),
}, flowFields(func(it *PowerItem) *Flow { return &it.Flow })...)

func powerDuties(it *PowerItem) []Duty { return it.Duties }

var responsibilityFields = []listField[ResponsibilityItem]{
	one("code", maxItemCode, false, func(it *ResponsibilityItem) string { return it.Code }),
	one("part", maxEnum, false, func(it *ResponsibilityItem) string { return it.Part }),
	one("duty", maxShort, true, func(it *ResponsibilityItem) string { return it.Duty }),
	one("name", maxMaterial, false, func(it *ResponsibilityItem) string { return it.Name }),
	one("detail", maxProse, true, func(it *ResponsibilityItem) string { return it.Detail }),
	one("accountability", maxProse, true, func(it *ResponsibilityItem) string { return it.Accountability }),
	one("basis", maxProse, true, func(it *ResponsibilityItem) string { return it.Basis }),
}

var serviceFields = append([]listField[ServiceItem]{
	one("code", maxItemCode, false, func(it *ServiceItem) string { return it.Code }),
	one("name", maxItemName, false, func(it *ServiceItem) string { return it.Name }),
	one("target", maxShort, true, func(it *ServiceItem) string { return it.Target }),
	one("basis", maxProse, true, func(it *ServiceItem) string { return it.Basis }),
	one("unit", maxUnit, false, func(it *ServiceItem) string { return it.Unit }),
	one("conditions", maxProse, true, func(it *ServiceItem) string { return it.Conditions }),
	each("materials[]", maxMaterial, false, func(it *ServiceItem) []string { return it.Materials }),
	one("process", maxProse, true, func(it *ServiceItem) string { return it.Process }),
	one("time_limit", maxLimit, false, func(it *ServiceItem) string { return it.TimeLimit }),
	one("fees", maxShort, true, func(it *ServiceItem) string { return it.Fees }),
	one("consult_phone", maxPhone, false, func(it *ServiceItem) string { return it.ConsultPhone }),
	one("complaint_phone", maxPhone, false, func(it *ServiceItem) string { return it.ComplaintPhone }),
}, flowFields(func(it *ServiceItem) *Flow { return &it.Flow })...)

// ListFields returns the stored text fields of a list's items with their
// rules, in the order of the item's JSON form; nil for an unknown kind.
func ListFields(kind ListKind) []ListField {
	switch kind {
	case ListPowers:
		return exported(powerFields)
	case ListResponsibilities:
		return exported(responsibilityFields)
	case ListPublicServices:
		return exported(serviceFields)
	}
	return nil
}

func exported[T any](fs []listField[T]) []ListField {
	out := make([]ListField, len(fs))
	for i, f := range fs {
		out[i] = f.ListField
	}
	return out
}

// checkTexts checks every text field of it against its rule and returns
// the problems, each naming the field's path (with the element's index for
// lists), and the root fields involved (see rootField), whose other checks
// are then skipped.
func checkTexts[T any](fields []listField[T], it *T) (errs FieldErrors, refused map[string]bool) {
	for _, f := range fields {
		vals := f.get(it)
		for j, v := range vals {
			code, msg := CheckText(v, f.TextRule)
			if code == "" {
				continue
			}
			path := strings.Replace(f.Path, "[]", "["+strconv.Itoa(j)+"]", 1)
			errs = append(errs, FieldError{Field: path, Code: code, Message: msg})
			if refused == nil {
				refused = map[string]bool{}
			}
			refused[rootField(path)] = true
		}
	}
	return errs, refused
}

// rootField is the part of a field path that other checks name: "flow"
// for anything in the flowchart, the path before its first list index
// otherwise ("duties" for "duties[2].content").
func rootField(path string) string {
	if strings.HasPrefix(path, "flow.") || path == "flow" {
		return "flow"
	}
	root, _, _ := strings.Cut(path, "[")
	return root
}
