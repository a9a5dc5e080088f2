package dataset

import (
	"slices"
	"testing"
)

func TestRegistry(t *testing.T) {
	if !slices.Equal(Names(), []string{Penalties, Permits, Powers}) {
		t.Errorf("Names() = %v", Names())
	}
	for _, d := range All {
		if got, ok := ByName(d.Name); !ok || got.Name != d.Name {
			t.Errorf("ByName(%q) = %v, %v", d.Name, got.Name, ok)
		}
		if !slices.Contains([]string{"penalty", "permit", "list_version"}, d.Entity) {
			t.Errorf("%s: entity %q is no change-log entity", d.Name, d.Entity)
		}
		if d.Title["zh-CN"] == "" || d.Title["en"] == "" || d.Description["zh-CN"] == "" || d.Description["en"] == "" ||
			len(d.Keywords) == 0 {
			t.Errorf("%s: the catalog needs a title and description in zh-CN and en, and keywords", d.Name)
		}
		codes := map[string]bool{}
		for _, f := range d.Fields {
			if f.Code == "" || f.Label == "" || f.Name == "" || f.Type == "" || codes[f.Code] {
				t.Errorf("%s: field %+v is incomplete or repeated", d.Name, f)
			}
			codes[f.Code] = true
		}
		if len(d.SchemaVersion()) != 12 {
			t.Errorf("%s: schema version %q", d.Name, d.SchemaVersion())
		}
	}
	if _, ok := ByName("nothing"); ok {
		t.Error("ByName found an unknown dataset")
	}
}
