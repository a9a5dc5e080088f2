package domain

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestStandardFlowsValidate(t *testing.T) {
	for _, cat := range append(slices.Clone(PowerCategories), ServiceCategory, "未知类型") {
		t.Run(cat, func(t *testing.T) {
			f := StandardFlow(cat)
			if err := f.Validate(); err != nil {
				t.Fatalf("StandardFlow(%q).Validate() = %v", cat, err)
			}
			if len(f.Nodes) < 5 {
				t.Errorf("only %d nodes", len(f.Nodes))
			}
		})
	}
}

func TestStandardFlowIsAFreshCopy(t *testing.T) {
	a := StandardFlow("行政许可")
	a.Nodes[0].Label = "changed"
	a.Edges[0].To = "nowhere"
	if b := StandardFlow("行政许可"); b.Nodes[0].Label == "changed" || b.Edges[0].To == "nowhere" {
		t.Fatal("StandardFlow shares its slices between calls")
	}
}

func findNode(f Flow, label string) (FlowNode, bool) {
	for _, n := range f.Nodes {
		if strings.Contains(n.Label, label) {
			return n, true
		}
	}
	return FlowNode{}, false
}

func hasEdge(f Flow, fromLabel, toLabel string) bool {
	from, ok1 := findNode(f, fromLabel)
	to, ok2 := findNode(f, toLabel)
	if !ok1 || !ok2 {
		return false
	}
	for _, e := range f.Edges {
		if e.From == from.Key && e.To == to.Key {
			return true
		}
	}
	return false
}

// The reference's §6 steps, branches and time limits are all present.
func TestPenaltyFlowFollowsReference(t *testing.T) {
	f := StandardFlow("行政处罚")
	for _, label := range []string{"案件来源", "立案", "调查取证", "调查终结", "法制审核", "告知", "听证", "集体讨论",
		"作出处罚决定", "送达", "强制执行", "结案归档", "公示", "不予处罚／撤案", "移送公安机关"} {
		if _, ok := findNode(f, label); !ok {
			t.Errorf("no node %q", label)
		}
	}
	limits := map[string]string{"初步核查": "15日", "作出处罚决定": "自立案之日起90日", "公示": "7个工作日"}
	for label, want := range limits {
		if n, _ := findNode(f, label); n.TimeLimit != want {
			t.Errorf("%s: time limit %q, want %q", label, n.TimeLimit, want)
		}
	}
	for _, e := range [][2]string{{"调查终结", "移送公安机关"}, {"调查终结", "不予处罚"}, {"听证", "是否情节复杂"}, {"结案归档", "公示"}} {
		if !hasEdge(f, e[0], e[1]) {
			t.Errorf("no edge %s → %s", e[0], e[1])
		}
	}
	if f.Nodes[0].Kind != NodeStart || f.Nodes[0].Label != "案件来源" {
		t.Errorf("first node %+v, want start 案件来源", f.Nodes[0])
	}
}

func TestPermitFlowFollowsReference(t *testing.T) {
	f := StandardFlow("行政许可")
	limits := map[string]string{"补正": "5日", "作出许可决定": "20个工作日", "送达／颁发证照": "10日", "公开": "7个工作日"}
	for label, want := range limits {
		n, ok := findNode(f, label)
		if !ok || n.TimeLimit != want {
			t.Errorf("%s: time limit %q, want %q", label, n.TimeLimit, want)
		}
	}
	if n, _ := findNode(f, "作出许可决定"); n.Kind != NodeDecision || !strings.Contains(n.Note, "延长10个工作日") {
		t.Errorf("decision node = %+v", n)
	}
	for _, e := range [][2]string{{"受理审查", "不予受理"}, {"补正", "受理审查"}, {"材料审查", "实地核查"}, {"作出许可决定", "不予许可"}} {
		if !hasEdge(f, e[0], e[1]) {
			t.Errorf("no edge %s → %s", e[0], e[1])
		}
	}
}

// validFlow is a small valid flow the defect cases start from.
func validFlow() Flow {
	return Flow{
		Nodes: []FlowNode{
			{Key: "a", Label: "申请", Kind: NodeStart},
			{Key: "b", Label: "审查", Kind: NodeDecision},
			{Key: "c", Label: "准予", Kind: NodeStep},
			{Key: "d", Label: "办结", Kind: NodeEnd},
			{Key: "e", Label: "不予", Kind: NodeEnd},
		},
		Edges: []FlowEdge{
			{From: "a", To: "b"},
			{From: "b", To: "c", Label: "符合"},
			{From: "b", To: "e", Label: "不符合"},
			{From: "c", To: "d"},
		},
	}
}

func TestValidateCatchesDefects(t *testing.T) {
	if err := validFlow().Validate(); err != nil {
		t.Fatalf("valid flow: %v", err)
	}
	cases := []struct {
		name   string
		mutate func(*Flow)
		field  string
		code   string
	}{
		{"empty key", func(f *Flow) { f.Nodes[2].Key = ""; f.Edges[3].From = "" }, "flow.nodes[2].key", CodeRequired},
		{"bad key", func(f *Flow) { f.Nodes[2].Key = "准予"; f.Edges[1].To = "准予"; f.Edges[3].From = "准予" }, "flow.nodes[2].key", CodeFormat},
		{"duplicate key", func(f *Flow) { f.Nodes[4].Key = "d" }, "flow.nodes[4].key", CodeConflict},
		{"empty label", func(f *Flow) { f.Nodes[1].Label = "" }, "flow.nodes[1].label", CodeRequired},
		{"unknown kind", func(f *Flow) { f.Nodes[2].Kind = "task" }, "flow.nodes[2].kind", CodeEnum},
		{"no start", func(f *Flow) { f.Nodes[0].Kind = NodeStep }, "flow.nodes", CodeRequired},
		{"two starts", func(f *Flow) { f.Nodes[2].Kind = NodeStart }, "flow.nodes[2].kind", CodeConflict},
		{"no end", func(f *Flow) {
			f.Nodes[3].Kind, f.Nodes[4].Kind = NodeStep, NodeStep
			f.Edges = append(f.Edges, FlowEdge{From: "d", To: "b"}, FlowEdge{From: "e", To: "b"})
		}, "flow.nodes", CodeRequired},
		{"unknown edge target", func(f *Flow) { f.Edges[3].To = "x" }, "flow.edges[3].to", CodeUnknown},
		{"unknown edge source", func(f *Flow) { f.Edges[0].From = "x" }, "flow.edges[0].from", CodeUnknown},
		{"self loop", func(f *Flow) { f.Edges = append(f.Edges, FlowEdge{From: "c", To: "c"}) }, "flow.edges[4].to", CodeConflict},
		{"edge into start", func(f *Flow) { f.Edges = append(f.Edges, FlowEdge{From: "c", To: "a"}) }, "flow.edges[4].to", CodeConflict},
		{"edge out of end", func(f *Flow) { f.Edges = append(f.Edges, FlowEdge{From: "d", To: "c"}) }, "flow.edges[4].from", CodeConflict},
		{"duplicate edge", func(f *Flow) { f.Edges = append(f.Edges, FlowEdge{From: "c", To: "d"}) }, "flow.edges[4]", CodeConflict},
		{"unreachable node", func(f *Flow) {
			f.Nodes = append(f.Nodes, FlowNode{Key: "z", Label: "孤立", Kind: NodeStep})
			f.Edges = append(f.Edges, FlowEdge{From: "z", To: "d"})
		}, "flow.nodes[5]", CodeConflict},
		{"decision with one way out", func(f *Flow) { f.Edges[2].From = "a" }, "flow.nodes[1]", CodeConflict},
		{"decision edge without label", func(f *Flow) { f.Edges[2].Label = "" }, "flow.nodes[1]", CodeRequired},
		{"dead-end step", func(f *Flow) { f.Edges = f.Edges[:3] }, "flow.nodes[2]", CodeConflict},
		{"empty flow", func(f *Flow) { *f = Flow{} }, "flow.nodes", CodeRequired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := validFlow()
			c.mutate(&f)
			err := f.Validate()
			var fes FieldErrors
			if !errors.As(err, &fes) {
				t.Fatalf("Validate() = %v, want FieldErrors", err)
			}
			for _, fe := range fes {
				if fe.Field == c.field && fe.Code == c.code {
					return
				}
			}
			t.Errorf("Validate() = %v, want an error on %s (%s)", err, c.field, c.code)
		})
	}
}
