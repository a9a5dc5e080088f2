package web

import (
	"slices"
	"testing"

	"github.com/gongshi/gongshi/internal/store"
)

func TestGroupDecimal(t *testing.T) {
	for in, want := range map[string]string{"11547.9": "11,547.9", "0.00": "0.00", "999": "999", "1000": "1,000",
		"-1234567.25": "-1,234,567.25", "123456": "123,456"} {
		if got := groupDecimal(in); got != want {
			t.Errorf("groupDecimal(%q) = %q, want %q", in, got, want)
		}
	}
}

// Two agencies of the same name and different credit codes are told
// apart by their codes; others keep their names.
func TestAgencyLabelsFlagTheSameName(t *testing.T) {
	as := []store.AgencyTimeliness{{AgencyCode: "11320500014000001A", Agency: "吴中区应急管理局"}, {AgencyCode: "A2", Agency: "吴中区应急管理局"},
		{AgencyCode: "B", Agency: "苏州市应急管理局"}}
	labels, short, same := agencyLabels(as)
	if !same || !slices.Equal(labels, []string{"吴中区应急管理局（11320500014000001A）", "吴中区应急管理局（A2）", "苏州市应急管理局"}) {
		t.Errorf("labels %q, same %v", labels, same)
	}
	if !slices.Equal(short, []string{"吴中区应急管理局（…001A）", "吴中区应急管理局（A2）", "苏州市应急管理局"}) {
		t.Errorf("chart labels %q", short)
	}
	if _, _, same := agencyLabels(as[1:]); same {
		t.Error("distinct names flagged as the same")
	}
}
