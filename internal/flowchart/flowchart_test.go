package flowchart

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/testenv"
)

// svgDoc is the part of a rendered picture the tests read.
type svgDoc struct {
	XMLName xml.Name `xml:"svg"`
	Role    string   `xml:"role,attr"`
	Title   string   `xml:"title"`
	Desc    string   `xml:"desc"`
	Groups  []struct {
		Groups []svgGroup `xml:"g"`
	} `xml:"g"`
}

type svgGroup struct {
	ID       string `xml:"id,attr"`
	Class    string `xml:"class,attr"`
	Title    string `xml:"title"`
	Polygons []struct {
		Fill   string `xml:"fill,attr"`
		Points string `xml:"points,attr"`
	} `xml:"polygon"`
	Paths []struct {
		D string `xml:"d,attr"`
	} `xml:"path"`
	Texts []struct {
		Anchor string  `xml:"text-anchor,attr"`
		X      float64 `xml:"x,attr"`
		Size   float64 `xml:"font-size,attr"`
		Text   string  `xml:",chardata"`
	} `xml:"text"`
}

func parseSVG(t *testing.T, svg []byte) svgDoc {
	t.Helper()
	var doc svgDoc
	if err := xml.Unmarshal(svg, &doc); err != nil {
		t.Fatalf("not well-formed XML: %v\n%.500s", err, svg)
	}
	// Every element must be well formed, not just the ones read above.
	dec := xml.NewDecoder(bytes.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("XML: %v", err)
		}
	}
	return doc
}

var number = regexp.MustCompile(`-?[0-9.]+`)

// xSpan returns the horizontal extent of a list of coordinates "x,y x,y …"
// or of an SVG path's points.
func xSpan(coords string) (float64, float64) {
	nums := number.FindAllString(coords, -1)
	lo, hi := 1e9, -1e9
	for i := 0; i+1 < len(nums); i += 2 {
		x, _ := strconv.ParseFloat(nums[i], 64)
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

// testRenderer draws the tests' flowcharts with the flowchart command,
// built once for this test binary.
var testRenderer *Renderer

func TestMain(m *testing.M) {
	bin, err := testenv.BuildFlowchart()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	testRenderer = NewRenderer(Options{Command: bin})
	testenv.Main(m)
}

func TestRenderEveryStandardFlow(t *testing.T) {
	for _, cat := range append(slices.Clone(domain.PowerCategories), domain.ServiceCategory) {
		f := domain.StandardFlow(cat)
		svg, err := testRenderer.RenderTitled(context.Background(), cat+"流程图", f)
		if err != nil {
			t.Fatalf("%s: %v", cat, err)
		}
		if !bytes.HasPrefix(svg, []byte("<svg")) {
			t.Errorf("%s: does not start with <svg: %.80s", cat, svg)
		}
		doc := parseSVG(t, svg)
		if doc.Role != "img" || doc.Title != cat+"流程图" || !strings.HasPrefix(doc.Desc, "流程共") {
			t.Errorf("%s: role %q title %q desc %.40q", cat, doc.Role, doc.Title, doc.Desc)
		}
		for _, n := range f.Nodes {
			if !strings.Contains(doc.Desc, n.Label) {
				t.Errorf("%s: desc does not mention %s", cat, n.Label)
			}
		}
		var nodes, edges int
		for _, g := range doc.Groups {
			for _, el := range g.Groups {
				switch el.Class {
				case "node":
					nodes++
					checkNodeText(t, cat, el)
				case "edge":
					edges++
					checkEdgeText(t, cat, el)
				}
				if strings.HasPrefix(el.Title, "n_") {
					t.Errorf("%s: %s kept Graphviz's title %q", cat, el.ID, el.Title)
				}
			}
		}
		if nodes != len(f.Nodes) || edges != len(f.Edges) {
			t.Errorf("%s: %d nodes and %d edges drawn, want %d and %d", cat, nodes, edges, len(f.Nodes), len(f.Edges))
		}
	}
}

// checkNodeText checks that a node's text is centred and fits its shape,
// estimating each line's width as the renderer does.
func checkNodeText(t *testing.T, cat string, g svgGroup) {
	t.Helper()
	var shape string
	if len(g.Paths) > 0 {
		shape = g.Paths[0].D
	} else if len(g.Polygons) > 0 {
		shape = g.Polygons[0].Points
	}
	lo, hi := xSpan(shape)
	for _, tx := range g.Texts {
		if tx.Anchor != "middle" {
			t.Errorf("%s: node %s text %q anchored %s", cat, g.ID, tx.Text, tx.Anchor)
		}
		w := emWidth(tx.Text) * tx.Size
		if tx.X-w/2 < lo || tx.X+w/2 > hi || tx.X-(lo+hi)/2 > 1 || (lo+hi)/2-tx.X > 1 {
			t.Errorf("%s: node %s text %q (%.0f wide at x=%.1f) does not fit centred in [%.1f, %.1f]", cat, g.ID, tx.Text, w, tx.X, lo, hi)
		}
	}
}

// checkEdgeText checks that an edge label is centred on its white box and
// fits it.
func checkEdgeText(t *testing.T, cat string, g svgGroup) {
	t.Helper()
	for _, p := range g.Polygons {
		if p.Fill != "white" {
			continue
		}
		lo, hi := xSpan(p.Points)
		for _, tx := range g.Texts {
			w := emWidth(tx.Text) * tx.Size
			if tx.Anchor != "middle" || tx.X-w/2 < lo-1 || tx.X+w/2 > hi+1 {
				t.Errorf("%s: edge %s label %q (%.0f wide at x=%.1f, %s) outside [%.1f, %.1f]", cat, g.ID, tx.Text, w, tx.X, tx.Anchor, lo, hi)
			}
		}
	}
}

func TestRenderLongLabelsAndEscaping(t *testing.T) {
	f := domain.Flow{
		Nodes: []domain.FlowNode{
			{Key: "a", Label: "申请人提交《危险化学品经营许可证》申请材料及相关证明文件", Kind: domain.NodeStart, Note: `含"引号"与<尖括号>&符号`},
			{Key: "b", Label: "材料是否齐全、符合法定形式", Kind: domain.NodeDecision, TimeLimit: "5个工作日"},
			{Key: "c", Label: "受理", Kind: domain.NodeEnd},
			{Key: "d", Label: "一次性告知补正", Kind: domain.NodeEnd},
		},
		Edges: []domain.FlowEdge{
			{From: "a", To: "b"},
			{From: "b", To: "c", Label: "齐全"},
			{From: "b", To: "d", Label: "不齐全或者不符合法定形式的，当场或者五日内告知"},
		},
	}
	svg, err := testRenderer.RenderTitled(context.Background(), `标题 <"&">`, f)
	if err != nil {
		t.Fatal(err)
	}
	doc := parseSVG(t, svg)
	if doc.Title != `标题 <"&">` {
		t.Errorf("title %q", doc.Title)
	}
	for _, g := range doc.Groups[0].Groups {
		switch g.Class {
		case "node":
			checkNodeText(t, "long", g)
		case "edge":
			checkEdgeText(t, "long", g)
		}
	}
	if !bytes.Contains(svg, []byte("含&#34;引号&#34;与&lt;尖括号&gt;&amp;符号")) {
		t.Errorf("the note is not in a title, escaped")
	}
	again, _ := testRenderer.RenderTitled(context.Background(), `标题 <"&">`, f)
	if !bytes.Equal(again, svg) {
		t.Error("rendering is not deterministic")
	}
}

func TestRenderRejectsInvalidFlow(t *testing.T) {
	if _, err := testRenderer.Render(context.Background(), domain.Flow{}); err == nil {
		t.Error("an empty flow rendered")
	}
	f := domain.StandardFlow("行政许可")
	f.Edges = append(f.Edges, domain.FlowEdge{From: "apply", To: "nowhere"})
	if _, err := testRenderer.Render(context.Background(), f); err == nil {
		t.Error("a dangling edge rendered")
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  float64
		want []string
	}{
		{"受理", 10, []string{"受理"}},
		{"初步核查：是否符合立案条件", 10, []string{"初步核查：", "是否符合立案条件"}},
		{"违法事实成立，拟给予处罚", 8, []string{"违法事实成立，", "拟给予处罚"}},
		{"违法事实不成立或者依法不予处罚", 8, []string{"违法事实不成立或", "者依法不予处罚"}},
		{"自立案之日起90日内作出决定", 8, []string{"自立案之日起90", "日内作出决定"}},
		{"Step ABCDEFG review", 6, []string{"Step ", "ABCDEFG ", "review"}},
		{"ABCDEFGHIJKLMNOP", 6, []string{"ABCDEFGHI", "JKLMNOP"}},
	} {
		if got := wrap(tc.in, tc.max); !slices.Equal(got, tc.want) {
			t.Errorf("wrap(%q, %v) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
		for _, l := range wrap(tc.in, tc.max) {
			if emWidth(l) > tc.max+1 {
				t.Errorf("wrap(%q): line %q is %.1f em", tc.in, l, emWidth(l))
			}
		}
	}
}

// The standard flow of a category, unchanged, is generic; one with an
// item's own time limit is not. A generic flow is drawn labelled, in the
// picture and its text, and states no time limits.
func TestGenericFlow(t *testing.T) {
	f := domain.StandardFlow("行政许可")
	if !IsGeneric("行政许可", f) || IsGeneric("行政处罚", f) || IsGeneric("行政许可", domain.Flow{}) {
		t.Error("IsGeneric misjudges the standard flow of 行政许可")
	}
	if !IsGeneric("", domain.StandardFlow(domain.ServiceCategory)) {
		t.Error("the standard public-service flow is not generic")
	}
	own := domain.StandardFlow("行政许可")
	own.Nodes[2].TimeLimit = "5个工作日"
	if IsGeneric("行政许可", own) {
		t.Error("a flow with the item's own time limit counts as generic")
	}
	if hasLimit := slices.ContainsFunc(f.Nodes, func(n domain.FlowNode) bool { return n.TimeLimit != "" }); !hasLimit {
		t.Fatal("the standard 行政许可 flow has no time limits: the test proves nothing")
	}
	svg, err := testRenderer.RenderGeneric(context.Background(), "危险化学品经营许可", f)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if !strings.Contains(s, ">"+GenericLabel+"</text>") || !strings.Contains(s, "<title id=") ||
		!strings.Contains(s, "危险化学品经营许可（"+GenericLabel+"）</title>") || !strings.Contains(s, ">"+GenericLabel+"。流程共") {
		t.Errorf("the generic flowchart is not labelled: %.600s", s)
	}
	if strings.Contains(s, "时限") {
		t.Error("the generic flowchart states time limits")
	}
	if own, _ := testRenderer.RenderTitled(context.Background(), "危险化学品经营许可", f); strings.Contains(string(own), GenericLabel) {
		t.Error("an item's own flowchart is labelled generic")
	}
}
