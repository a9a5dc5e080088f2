package charts

import (
	"encoding/xml"
	"strings"
	"testing"
)

func sample() Chart {
	return Chart{ID: "c1", Title: "每月案件数", Desc: "按决定月份统计。", XLabel: "月份", YLabel: "案件数",
		Points: []Point{{Label: "2026-01", Value: 12}, {Label: "2026-02", Value: 30}, {Label: "2026-03 <&>", Value: 7.5, Display: "7.5 件"}}}
}

// TestWellFormed: every chart is well-formed XML with a title and a
// description that states each datum.
func TestWellFormed(t *testing.T) {
	for name, draw := range map[string]func(Chart) string{"columns": Columns, "line": Line, "bars": Bars} {
		svg := draw(sample())
		dec := xml.NewDecoder(strings.NewReader(svg))
		for {
			_, err := dec.Token()
			if err != nil {
				if err.Error() != "EOF" {
					t.Errorf("%s: not well-formed XML: %v", name, err)
				}
				break
			}
		}
		for _, want := range []string{`<title id="c1-t">每月案件数</title>`, `role="img"`, `aria-labelledby="c1-t c1-d"`,
			"2026-02 30", "7.5 件", "2026-03 &lt;&amp;&gt;"} {
			if !strings.Contains(svg, want) {
				t.Errorf("%s: missing %q", name, want)
			}
		}
	}
}

func TestEmptyAndZero(t *testing.T) {
	for _, draw := range []func(Chart) string{Columns, Line, Bars} {
		if svg := draw(Chart{ID: "e", Title: "空"}); !strings.HasPrefix(svg, "<svg") || strings.Contains(svg, "NaN") {
			t.Errorf("empty chart: %s", svg)
		}
		c := sample()
		for i := range c.Points {
			c.Points[i].Value = 0
		}
		if svg := draw(c); strings.Contains(svg, "NaN") || strings.Contains(svg, "Inf") {
			t.Errorf("zero chart has NaN: %s", svg)
		}
	}
}

func TestTicksAndNumbers(t *testing.T) {
	if got := niceTicks(97, 5); got[len(got)-1] < 97 || len(got) > 8 {
		t.Errorf("niceTicks(97) = %v", got)
	}
	for in, want := range map[float64]string{0: "0", 1234567: "1,234,567", 1234.5: "1,234.5", -12000: "-12,000", 0.25: "0.25"} {
		if got := formatNumber(in); got != want {
			t.Errorf("formatNumber(%v) = %q, want %q", in, got, want)
		}
	}
}
