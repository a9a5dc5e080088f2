// Package flowchart draws a 办理流程 (domain.Flow) as an SVG picture with
// Graphviz's dot layout. The layout runs in the flowchart command
// (cmd/flowchart, which embeds Graphviz as WebAssembly, so no system
// binary is needed), a process of its own started by Renderer: this
// package is pure Go and never links Graphviz, so the portal's server
// does not carry it. The picture carries a text alternative: a <title>,
// and a <desc> that lists every step and branch, so it can be read
// without seeing it; each node and edge also has a <title> that browsers
// show on hover.
//
// Graphviz has no font metrics here and underestimates the width of Chinese
// text, so node and edge-label sizes are computed from the text itself
// (a CJK character counts one em) and passed as fixed sizes.
package flowchart

import (
	"bytes"
	"fmt"
	"html"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gongshi/gongshi/internal/domain"
)

// DefaultTitle is the title of a flowchart drawn by Renderer.Render.
const DefaultTitle = "办理流程图"

// FontFamily is the font list written into the SVG; the sizes are computed
// for a CJK sans-serif font.
const FontFamily = "Noto Sans CJK SC,Source Han Sans SC,PingFang SC,Microsoft YaHei,sans-serif"

// GenericLabel labels a category's standard flow shown for an item that
// has no flowchart of its own: a picture of how such items usually go,
// never the item's own flow.
const GenericLabel = "通用流程示意，非本事项流程"

// IsGeneric reports whether f is the standard flow of category
// (domain.StandardFlow; "" is domain.ServiceCategory) unchanged: the
// template an import gives an item whose file had no flowchart, not a flow
// of the item's own.
func IsGeneric(category string, f domain.Flow) bool {
	if category == "" {
		category = domain.ServiceCategory
	}
	std := domain.StandardFlow(category)
	return len(f.Nodes) > 0 && slices.Equal(f.Nodes, std.Nodes) && slices.Equal(f.Edges, std.Edges)
}

// Generic returns a copy of f without its time limits: shown as a generic
// illustration, it must not state limits that contradict the item's own.
func Generic(f domain.Flow) domain.Flow {
	g := domain.Flow{Nodes: slices.Clone(f.Nodes), Edges: slices.Clone(f.Edges)}
	for i := range g.Nodes {
		g.Nodes[i].TimeLimit = ""
	}
	return g
}

// Sizes in points (1/72 inch), which are also the SVG's user units.
const (
	nodeFont   = 14.0
	limitFont  = 11.0
	edgeFont   = 12.0
	bannerFont = 16.0
	lineHeight = 1.3
	padX       = 12.0 // each side of a box's text
	padY       = 7.0
	nodeWrapEm = 10.0 // node labels wrap beyond this many em
	edgeWrapEm = 8.0
	minBoxW    = 72.0
	// A diamond holds a centred w×h text box when w/W + h/H ≤ 1; the text
	// takes diamondShare of the width.
	diamondShare = 0.62
)

// emWidth estimates the width of s in em for a CJK sans-serif font: CJK
// characters and full-width forms are one em, Latin letters and digits
// about half.
func emWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x1100 || (r >= 0x2018 && r <= 0x201F) || r == '…' || r == '—':
			w += 1
		case r == ' ':
			w += 0.3
		case r >= '0' && r <= '9':
			w += 0.56
		case r >= 'A' && r <= 'Z':
			w += 0.66
		case r >= 'a' && r <= 'z':
			w += 0.52
		case r < 0x80:
			w += 0.38
		default:
			w += 0.6
		}
	}
	return w
}

// breakAfter are characters after which a line may break preferably.
const breakAfter = "，、；：。）》」』／/,;:)"

// wrap splits s into as few lines as fit in maxEm em each, of about equal
// width, breaking after punctuation when one is near the end of a line,
// else between any two characters except inside a run of ASCII letters
// and digits.
func wrap(s string, maxEm float64) []string {
	total := emWidth(s)
	if total <= maxEm {
		return []string{s}
	}
	lines := int(math.Ceil(total / maxEm))
	limit := min(math.Ceil(total/float64(lines))+0.5, maxEm)
	rs := []rune(s)
	w, cut, lastPunct := 0.0, len(rs), -1
	for i, r := range rs {
		w += emWidth(string(r))
		if w > limit && i > 0 {
			cut = i
			break
		}
		if strings.ContainsRune(breakAfter, r) && i+1 < len(rs) {
			lastPunct = i + 1
		}
	}
	switch {
	case strings.ContainsRune(breakAfter, rs[cut]):
		cut++ // punctuation hangs at the end of the line
	case lastPunct > 0 && float64(lastPunct) >= float64(cut)*0.4:
		cut = lastPunct
	default:
		// Keep an ASCII word or number whole: break before it, or after
		// it when it starts the line and fits.
		j := cut
		for j > 0 && isWordRune(rs[j-1]) && isWordRune(rs[j]) {
			j--
		}
		if j > 0 {
			cut = j
		} else {
			k := cut
			for k < len(rs) && isWordRune(rs[k]) {
				k++
			}
			if emWidth(string(rs[:k])) <= maxEm {
				cut = k
			}
		}
	}
	if cut >= len(rs) {
		return []string{s}
	}
	return append([]string{string(rs[:cut])}, wrap(string(rs[cut:]), maxEm)...)
}

func isWordRune(r rune) bool {
	return r < 0x80 && (r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z')
}

func maxEm(lines []string) float64 {
	m := 0.0
	for _, l := range lines {
		m = max(m, emWidth(l))
	}
	return m
}

type nodeStyle struct{ shape, style, fill, stroke string }

var nodeStyles = map[domain.FlowNodeKind]nodeStyle{
	domain.NodeStart:    {"box", "rounded,filled,bold", "#e6effa", "#0b57a4"},
	domain.NodeStep:     {"box", "filled", "#ffffff", "#3d4a57"},
	domain.NodeDecision: {"diamond", "filled", "#fff6dc", "#9a6b00"},
	domain.NodeEnd:      {"box", "rounded,filled,bold", "#e8f5e9", "#2e7d32"},
}

// dotString quotes s as a DOT string.
func dotString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "\n", `\n`)
	return `"` + s + `"`
}

// htmlText escapes s for a Graphviz HTML-like label.
func htmlText(s string) string {
	return html.EscapeString(s)
}

// limitText is how a node's time limit is shown.
func limitText(limit string) string { return "时限：" + limit }

func toDOT(f domain.Flow, id, banner string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "digraph %s {\n", dotString(id))
	fmt.Fprintf(&b, "  graph [id=%s, rankdir=TB, nodesep=0.35, ranksep=0.45, pad=0.2, bgcolor=\"white\", fontname=%s];\n",
		dotString(id), dotString(FontFamily))
	if banner != "" {
		fmt.Fprintf(&b, "  graph [label=%s, labelloc=t, fontsize=%g, fontcolor=\"#8a1f11\"];\n", dotString(banner), bannerFont)
	}
	fmt.Fprintf(&b, "  node [fontname=%s, fontsize=%g, fixedsize=true, penwidth=1.2, margin=0];\n", dotString(FontFamily), nodeFont)
	fmt.Fprintf(&b, "  edge [fontname=%s, fontsize=%g, color=\"#3d4a57\", fontcolor=\"#1b1b1b\", arrowsize=0.8];\n",
		dotString(FontFamily), edgeFont)
	for _, n := range f.Nodes {
		lines := wrap(n.Label, nodeWrapEm)
		textW := maxEm(lines) * nodeFont
		textH := float64(len(lines)) * nodeFont * lineHeight
		if n.TimeLimit != "" {
			lt := limitText(n.TimeLimit)
			textW = max(textW, emWidth(lt)*limitFont)
			textH += nodeFont * lineHeight
			lines = append(lines, lt)
		}
		w := max(textW+2*padX, minBoxW)
		h := textH + 2*padY
		if n.Kind == domain.NodeDecision {
			w = max((textW+padX)/diamondShare, minBoxW*1.4)
			h = (textH + padY) / (1 - (textW+padX)/w)
		}
		st := nodeStyles[n.Kind]
		fmt.Fprintf(&b, "  %s [id=%s, shape=%s, style=%s, fillcolor=%s, color=%s, width=%.3f, height=%.3f, label=%s];\n",
			dotString("n_"+n.Key), dotString(id+"_"+n.Key), st.shape, dotString(st.style), dotString(st.fill),
			dotString(st.stroke), w/72, h/72, dotString(strings.Join(lines, "\n")))
	}
	for i, e := range f.Edges {
		attrs := fmt.Sprintf("id=%s", dotString(fmt.Sprintf("%s_e%d", id, i)))
		if e.Label != "" {
			lines := wrap(e.Label, edgeWrapEm)
			w := maxEm(lines)*edgeFont + 6
			h := float64(len(lines))*edgeFont*lineHeight + 2
			var cell strings.Builder
			for j, l := range lines {
				if j > 0 {
					cell.WriteString("<BR/>")
				}
				cell.WriteString(htmlText(l))
			}
			attrs += fmt.Sprintf(`, label=<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0" BGCOLOR="white"><TR><TD FIXEDSIZE="TRUE" WIDTH="%d" HEIGHT="%d">%s</TD></TR></TABLE>>`,
				int(w+0.999), int(h+0.999), cell.String())
		}
		fmt.Fprintf(&b, "  %s -> %s [%s];\n", dotString("n_"+e.From), dotString("n_"+e.To), attrs)
	}
	b.WriteString("}\n")
	return b.Bytes()
}

var (
	svgStart   = regexp.MustCompile(`(?s)^.*?(<svg\b[^>]*)>`)
	titleTag   = regexp.MustCompile(`<title>([^<]*)</title>`)
	xmlComment = regexp.MustCompile(`(?s)<!--.*?-->\n?`)
	group      = regexp.MustCompile(`(?s)<g id="[^"]*" class="(?:node|edge)">.*?</g>`)
	whiteBox   = regexp.MustCompile(`<polygon fill="white" stroke="none" points="([^"]*)"`)
	textStart  = regexp.MustCompile(`<text text-anchor="start" x="[-0-9.]+"`)
	limitLine  = regexp.MustCompile(`(<text [^>]*font-size=")[0-9.]+("[^>]*)(>时限：)`)
)

// fixGroup corrects the text of one node or edge group. Graphviz places
// the lines of an HTML-like label (edge labels) from the left, using its
// own underestimated width: they are centred on their white label box
// instead. A node's time-limit line is set smaller and grey.
func fixGroup(g string) string {
	if m := whiteBox.FindStringSubmatch(g); m != nil {
		minX, maxX := 0.0, 0.0
		for i, pt := range strings.Fields(m[1]) {
			xs, _, _ := strings.Cut(pt, ",")
			x, err := strconv.ParseFloat(xs, 64)
			if err != nil {
				return g
			}
			if i == 0 || x < minX {
				minX = x
			}
			if i == 0 || x > maxX {
				maxX = x
			}
		}
		centre := fmt.Sprintf(`<text text-anchor="middle" x="%.2f"`, (minX+maxX)/2)
		g = textStart.ReplaceAllLiteralString(g, centre)
	}
	return limitLine.ReplaceAllString(g, fmt.Sprintf(`${1}%.2f${2} fill="#555555"${3}`, limitFont))
}

// finish turns Graphviz's SVG into the published form: no prolog or
// comments, role="img" with the title and description first, and readable
// <title>s on the graph, nodes and edges in place of Graphviz's ids.
func finish(svg []byte, title, banner string, f domain.Flow, id string) ([]byte, error) {
	m := svgStart.FindSubmatchIndex(svg)
	if m == nil {
		return nil, fmt.Errorf("flowchart: graphviz returned no <svg> element")
	}
	open := string(svg[m[2]:m[3]])
	rest := string(svg[m[1]:])
	rest = xmlComment.ReplaceAllString(rest, "")

	labels := map[string]string{}
	for _, n := range f.Nodes {
		labels["n_"+n.Key] = n.Label
	}
	nodeTitle := map[string]string{}
	for _, n := range f.Nodes {
		t := n.Label
		if n.TimeLimit != "" {
			t += "（" + limitText(n.TimeLimit) + "）"
		}
		if n.Note != "" {
			t += "：" + n.Note
		}
		nodeTitle["n_"+n.Key] = t
	}
	edgeTitle := map[string]string{}
	for _, e := range f.Edges {
		t := labels["n_"+e.From] + " → " + labels["n_"+e.To]
		if e.Label != "" {
			t += "（" + e.Label + "）"
		}
		// Graphviz writes an edge's title as "from->to", escaped.
		edgeTitle["n_"+e.From+"->n_"+e.To] = t
	}
	rest = titleTag.ReplaceAllStringFunc(rest, func(tag string) string {
		raw := html.UnescapeString(titleTag.FindStringSubmatch(tag)[1])
		switch {
		case raw == id:
			return "<title>" + html.EscapeString(title) + "</title>"
		case nodeTitle[raw] != "":
			return "<title>" + html.EscapeString(nodeTitle[raw]) + "</title>"
		case edgeTitle[raw] != "":
			return "<title>" + html.EscapeString(edgeTitle[raw]) + "</title>"
		}
		return tag
	})

	rest = group.ReplaceAllStringFunc(rest, fixGroup)

	var b strings.Builder
	b.WriteString(open)
	fmt.Fprintf(&b, ` role="img" aria-labelledby="%[1]s-title %[1]s-desc">`+"\n", id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`+"\n", id, html.EscapeString(title))
	desc := Describe(f)
	if banner != "" {
		desc = banner + "。" + desc
	}
	fmt.Fprintf(&b, `<desc id="%s-desc">%s</desc>`, id, html.EscapeString(desc))
	b.WriteString(rest)
	return []byte(b.String()), nil
}

// Describe returns a text alternative of f: every node in order with its
// kind, time limit and note, followed by where it leads.
func Describe(f domain.Flow) string {
	labels := map[string]string{}
	for _, n := range f.Nodes {
		labels[n.Key] = n.Label
	}
	out := map[string][]string{}
	for _, e := range f.Edges {
		t := labels[e.To]
		if e.Label != "" {
			t = e.Label + "则" + t
		}
		out[e.From] = append(out[e.From], t)
	}
	kinds := map[domain.FlowNodeKind]string{
		domain.NodeStart: "开始", domain.NodeStep: "步骤", domain.NodeDecision: "判断", domain.NodeEnd: "结束",
	}
	var b strings.Builder
	fmt.Fprintf(&b, "流程共%d个环节。", len(f.Nodes))
	for i, n := range f.Nodes {
		fmt.Fprintf(&b, "%d. %s（%s", i+1, n.Label, kinds[n.Kind])
		if n.TimeLimit != "" {
			b.WriteString("，" + limitText(n.TimeLimit))
		}
		b.WriteString("）")
		if n.Note != "" {
			b.WriteString("：" + strings.TrimRight(n.Note, "。"))
		}
		if next := out[n.Key]; len(next) > 0 {
			b.WriteString("；下一步：" + strings.Join(next, "；"))
		}
		b.WriteString("。")
	}
	return b.String()
}
