package domain

import (
	"slices"
	"testing"
)

func TestListKindTable(t *testing.T) {
	if !slices.Equal(ListKinds, []ListKind{ListPowers, ListResponsibilities, ListPublicServices}) {
		t.Errorf("ListKinds = %v", ListKinds)
	}
	seen := map[string]bool{}
	for _, l := range ListKindTable {
		if l.Kind.Info() != l {
			t.Errorf("%s.Info() = %+v", l.Kind, l.Kind.Info())
		}
		if k, ok := ParseListKind(string(l.Kind)); !ok || k != l.Kind {
			t.Errorf("ParseListKind(%q) = %q, %v", l.Kind, k, ok)
		}
		for _, name := range []string{"kind " + string(l.Kind), "name " + l.Name, "item " + l.Item} {
			if seen[name] {
				t.Errorf("%s is used twice", name)
			}
			seen[name] = true
		}
		if l.Title == "" || l.Label == "" || (l.SearchType != "power" && l.SearchType != "service") {
			t.Errorf("incomplete row %+v", l)
		}
	}
	for _, s := range []string{"", "Powers", "power", "services"} {
		if _, ok := ParseListKind(s); ok {
			t.Errorf("ParseListKind(%q) accepted", s)
		}
	}
	if got := ListKindNames(); got != "powers, responsibilities or public-services" {
		t.Errorf("ListKindNames() = %q", got)
	}
	if got := ListKindsOfSearchType("service"); !slices.Equal(got, []ListKind{ListResponsibilities, ListPublicServices}) {
		t.Errorf("ListKindsOfSearchType(service) = %v", got)
	}
}
