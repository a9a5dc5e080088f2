package domain

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
)

// ServiceCategory is the 事项类型 of a 公共服务事项, which catalogues list
// beside the power categories; StandardFlow accepts it too.
const ServiceCategory = "公共服务"

// standardFlowsJSON holds the standard 办理流程 of every power category and
// of ServiceCategory: for each, what it follows and its nodes and edges,
// in the JSON form of Flow.
//
//go:embed standard_flows.json
var standardFlowsJSON []byte

// standardFlows are the flows of standardFlowsJSON by category.
var standardFlows = func() map[string]Flow {
	var entries []struct {
		Category string     `json:"category"`
		About    string     `json:"about"`
		Nodes    []FlowNode `json:"nodes"`
		Edges    []FlowEdge `json:"edges"`
	}
	if err := json.Unmarshal(standardFlowsJSON, &entries); err != nil {
		panic("domain: standard_flows.json: " + err.Error())
	}
	out := make(map[string]Flow, len(entries))
	for _, e := range entries {
		f := Flow{Nodes: e.Nodes, Edges: e.Edges}
		if err := f.Validate(); err != nil {
			panic("domain: standard_flows.json: " + e.Category + ": " + err.Error())
		}
		out[e.Category] = f
	}
	for _, cat := range append(slices.Clone(PowerCategories), ServiceCategory) {
		if _, ok := out[cat]; !ok {
			panic("domain: standard_flows.json has no flow for " + cat)
		}
	}
	return out
}()

// otherPowers is the category whose flow an unknown category gets.
const otherPowers = "其他行政权力"

// StandardFlow returns the standard 办理流程 (flowchart) of a power category
// (one of PowerCategories) or of ServiceCategory: structured nodes and edges
// whose time limits follow the law where it sets one (行政处罚法,
// 行政许可法, 行政强制法) and the bureau's practice elsewhere. An unknown
// category gets the flow of 其他行政权力. Every returned flow passes
// Validate, and each call returns a fresh copy the caller may modify.
func StandardFlow(category string) Flow {
	f, ok := standardFlows[category]
	if !ok {
		f = standardFlows[otherPowers]
	}
	return Flow{Nodes: slices.Clone(f.Nodes), Edges: slices.Clone(f.Edges)}
}

var flowKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Validate reports every structural defect of f as FieldErrors with paths
// such as "flow.nodes[2].key" and "flow.edges[3].to", or returns nil. A
// valid flow has node keys that are unique and match ^[A-Za-z0-9_]+$,
// non-empty node labels and known kinds; exactly one start node, with no
// edge into it; at least one end node, with no edge out of it; edges only
// between existing, distinct nodes and no duplicate edge; at least two
// labelled edges out of every decision node and a way out of every other
// non-end node; and every node reachable from the start node.
func (f Flow) Validate() error {
	c := &flowCheck{f: f, index: make(map[string]int, len(f.Nodes)),
		out: make(map[int][]int, len(f.Nodes)), labelled: make(map[int]int, len(f.Nodes))}
	c.nodes()
	c.edges()
	c.exits()
	c.reachable()
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}

// flowCheck collects the defects of one flow, check by check.
type flowCheck struct {
	f            Flow
	errs         FieldErrors
	index        map[string]int // node key → index, for keys that are valid and unique
	starts, ends []int
	out          map[int][]int // node index → successor indexes
	labelled     map[int]int   // node index → labelled edges out of it
}

func (c *flowCheck) add(field, code, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// nodes checks every node's key, label and kind, and the start and end
// nodes.
func (c *flowCheck) nodes() {
	for i, n := range c.f.Nodes {
		p := fmt.Sprintf("flow.nodes[%d]", i)
		switch {
		case n.Key == "":
			c.add(p+".key", CodeRequired, "node key is empty")
		case !flowKeyPattern.MatchString(n.Key):
			c.add(p+".key", CodeFormat, "node key %q must match ^[A-Za-z0-9_]+$", n.Key)
		default:
			if j, dup := c.index[n.Key]; dup {
				c.add(p+".key", CodeConflict, "node key %q is already used by flow.nodes[%d]", n.Key, j)
			} else {
				c.index[n.Key] = i
			}
		}
		if n.Label == "" {
			c.add(p+".label", CodeRequired, "node label is empty")
		}
		switch n.Kind {
		case NodeStart:
			c.starts = append(c.starts, i)
		case NodeEnd:
			c.ends = append(c.ends, i)
		case NodeStep, NodeDecision:
		default:
			c.add(p+".kind", CodeEnum, "unknown node kind %q (want one of start, step, decision, end)", n.Kind)
		}
	}
	switch {
	case len(c.starts) == 0:
		c.add("flow.nodes", CodeRequired, "the flow has no start node")
	case len(c.starts) > 1:
		for _, i := range c.starts[1:] {
			c.add(fmt.Sprintf("flow.nodes[%d].kind", i), CodeConflict,
				"second start node %q (the first is %q)", c.f.Nodes[i].Key, c.f.Nodes[c.starts[0]].Key)
		}
	}
	if len(c.ends) == 0 {
		c.add("flow.nodes", CodeRequired, "the flow has no end node")
	}
}

// edges checks every edge's ends, and records the valid ones.
func (c *flowCheck) edges() {
	type pair struct{ from, to int }
	seen := map[pair]int{}
	for i, e := range c.f.Edges {
		p := fmt.Sprintf("flow.edges[%d]", i)
		from, okFrom := c.index[e.From]
		to, okTo := c.index[e.To]
		if !okFrom {
			c.add(p+".from", CodeUnknown, "edge starts at unknown node %q", e.From)
		}
		if !okTo {
			c.add(p+".to", CodeUnknown, "edge ends at unknown node %q", e.To)
		}
		if !okFrom || !okTo {
			continue
		}
		switch {
		case from == to:
			c.add(p+".to", CodeConflict, "edge loops on node %q", e.From)
			continue
		case c.f.Nodes[to].Kind == NodeStart:
			c.add(p+".to", CodeConflict, "edge enters the start node %q", e.To)
		case c.f.Nodes[from].Kind == NodeEnd:
			c.add(p+".from", CodeConflict, "edge leaves the end node %q", e.From)
		}
		if j, dup := seen[pair{from, to}]; dup {
			c.add(p, CodeConflict, "edge %s → %s duplicates flow.edges[%d]", e.From, e.To, j)
			continue
		}
		seen[pair{from, to}] = i
		c.out[from] = append(c.out[from], to)
		if e.Label != "" {
			c.labelled[from]++
		}
	}
}

// exits checks the ways out of every node: two labelled ones out of a
// decision, one out of any other node but an end.
func (c *flowCheck) exits() {
	for i, n := range c.f.Nodes {
		p := fmt.Sprintf("flow.nodes[%d]", i)
		switch n.Kind {
		case NodeDecision:
			if len(c.out[i]) < 2 {
				c.add(p, CodeConflict, "decision node %q needs at least two outgoing edges, has %d", n.Key, len(c.out[i]))
			} else if c.labelled[i] < len(c.out[i]) {
				c.add(p, CodeRequired, "every edge out of decision node %q needs a label", n.Key)
			}
		case NodeStart, NodeStep:
			if len(c.out[i]) == 0 {
				c.add(p, CodeConflict, "node %q has no outgoing edge and is not an end node", n.Key)
			}
		}
	}
}

// reachable checks that every node can be reached from the start node.
func (c *flowCheck) reachable() {
	if len(c.starts) == 0 {
		return
	}
	reached := make([]bool, len(c.f.Nodes))
	queue := []int{c.starts[0]}
	reached[c.starts[0]] = true
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range c.out[n] {
			if !reached[m] {
				reached[m] = true
				queue = append(queue, m)
			}
		}
	}
	for i, ok := range reached {
		// Second start nodes and nodes with a bad or duplicate key are
		// reported already.
		if j, known := c.index[c.f.Nodes[i].Key]; !ok && known && j == i && !slices.Contains(c.starts, i) {
			c.add(fmt.Sprintf("flow.nodes[%d]", i), CodeConflict,
				"node %q is not reachable from the start node %q", c.f.Nodes[i].Key, c.f.Nodes[c.starts[0]].Key)
		}
	}
}
