package domain

import "strings"

// ListKindInfo is what Gongshi knows of a list besides its item type.
type ListKindInfo struct {
	Kind       ListKind
	Title      string // its Chinese name: 权力清单
	Label      string // how search results name it: 公共服务事项 for the 公共服务事项清单
	Name       string // how the portal names it: its page templates, navigation entry and messages (list.<Name>)
	Item       string // how the portal and the store name one item: power, responsibility, service
	SearchType string // the search type of its items: power or service
	Flowcharts bool   // its items carry a 办理流程 (flowchart)
}

// ListKindTable describes every list, in the order the portal shows
// them. Adding a list is a row here, its item type with its validation,
// and its storage.
var ListKindTable = []ListKindInfo{
	{ListPowers, "权力清单", "权力清单", "powers", "power", "power", true},
	{ListResponsibilities, "责任清单", "责任清单", "responsibilities", "responsibility", "service", false},
	{ListPublicServices, "公共服务事项清单", "公共服务事项", "services", "service", "service", true},
}

// Info describes k; the zero ListKindInfo when k is no list.
func (k ListKind) Info() ListKindInfo {
	for _, l := range ListKindTable {
		if l.Kind == k {
			return l
		}
	}
	return ListKindInfo{}
}

// ParseListKind returns the list named s as in URLs (powers,
// responsibilities, public-services).
func ParseListKind(s string) (ListKind, bool) {
	k := ListKind(s)
	return k, k.Info().Kind == k && k != ""
}

// ListKindNames names every list for messages: "powers, responsibilities
// or public-services".
func ListKindNames() string {
	names := make([]string, len(ListKindTable))
	for i, l := range ListKindTable {
		names[i] = string(l.Kind)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// ListKindsOfSearchType are the lists whose items have search type t.
func ListKindsOfSearchType(t string) []ListKind {
	var out []ListKind
	for _, l := range ListKindTable {
		if l.SearchType == t {
			out = append(out, l.Kind)
		}
	}
	return out
}

// IsItemCode reports whether s has the form of a list item's 事项编码:
// digits, upper-case letters and hyphens, not starting with a hyphen.
func IsItemCode(s string) bool { return itemCodePattern.MatchString(s) }
