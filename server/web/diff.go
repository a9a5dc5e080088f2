package web

import (
	"sort"
	"strings"
	"unicode"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/i18n"
)

// Comparing two versions of a list: items are matched by code; an item of
// both versions whose fields differ is "changed", and each differing field
// is shown as a word-level diff (Chinese text is compared character by
// character, Latin words and numbers as wholes).

// itemField is one field of a list item as compared and shown.
type itemField struct {
	Key   string // catalog key of the label
	Value string
}

// listItem is any list item reduced to its code, name and fields.
type listItem struct {
	Code   string
	Name   string
	Fields []itemField
}

func joinLines(vs []string) string { return strings.Join(vs, "\n") }

func flowText(f domain.Flow) string {
	var lines []string
	labels := map[string]string{}
	for _, n := range f.Nodes {
		labels[n.Key] = n.Label
	}
	for _, n := range f.Nodes {
		s := n.Label
		if n.TimeLimit != "" {
			s += "（" + n.TimeLimit + "）"
		}
		var next []string
		for _, e := range f.Edges {
			if e.From == n.Key {
				t := labels[e.To]
				if e.Label != "" {
					t = e.Label + "→" + t
				}
				next = append(next, t)
			}
		}
		if len(next) > 0 {
			s += " ⇒ " + strings.Join(next, "；")
		}
		lines = append(lines, s)
	}
	return joinLines(lines)
}

func powerListItem(it domain.PowerItem) listItem {
	g := it.Guide
	var duties []string
	for _, d := range it.Duties {
		duties = append(duties, d.Stage+"："+d.Content)
	}
	return listItem{Code: it.Code, Name: it.Name, Fields: []itemField{
		{"list.f.name", it.Name}, {"list.f.category", it.Category}, {"list.f.sub_items", joinLines(it.SubItems)},
		{"list.f.legal_basis", it.LegalBasis}, {"list.f.unit", it.Unit}, {"list.f.level", it.Level},
		{"list.f.duties", joinLines(duties)}, {"list.f.accountability", it.Accountability}, {"list.f.remarks", it.Remarks},
		{"guide.basis", g.Basis}, {"guide.applicant", g.Applicant}, {"guide.channels", g.Channels},
		{"guide.time_place", g.TimePlace}, {"guide.conditions", g.Conditions}, {"guide.materials", joinLines(g.Materials)},
		{"guide.statutory_limit", g.StatutoryLimit}, {"guide.promised_limit", g.PromisedLimit}, {"guide.fees", g.Fees},
		{"guide.consult_phone", g.ConsultPhone}, {"guide.complaint_phone", g.ComplaintPhone},
		{"guide.online_url", g.OnlineURL}, {"guide.notes", g.Notes}, {"list.f.flow", flowText(it.Flow)},
	}}
}

func responsibilityListItem(it domain.ResponsibilityItem) listItem {
	return listItem{Code: it.Code, Name: it.Name, Fields: []itemField{
		{"list.f.part", it.Part}, {"list.f.duty", it.Duty}, {"list.f.name", it.Name}, {"list.f.detail", it.Detail},
		{"list.f.accountability", it.Accountability}, {"list.f.basis", it.Basis},
	}}
}

func serviceListItem(it domain.ServiceItem) listItem {
	return listItem{Code: it.Code, Name: it.Name, Fields: []itemField{
		{"list.f.name", it.Name}, {"list.f.target", it.Target}, {"list.f.basis", it.Basis}, {"list.f.unit", it.Unit},
		{"list.f.conditions", it.Conditions}, {"list.f.materials", joinLines(it.Materials)},
		{"list.f.process", it.Process}, {"list.f.time_limit", it.TimeLimit}, {"list.f.fees", it.Fees},
		{"guide.consult_phone", it.ConsultPhone}, {"guide.complaint_phone", it.ComplaintPhone},
		{"list.f.flow", flowText(it.Flow)},
	}}
}

// diffSeg is one run of a text diff.
type diffSeg struct {
	Op   string // "=", "-", "+"
	Text string
}

type fieldChange struct {
	Label string
	Old   string
	New   string
	Segs  []diffSeg
}

type itemChange struct {
	Code    string
	Name    string
	OldName string
	Fields  []fieldChange
}

type listDiff struct {
	Added   []listItem
	Removed []listItem
	Changed []itemChange
	Same    int
}

// diffLists compares two versions' items by code.
func diffLists(pr i18n.Printer, from, to []listItem) listDiff {
	var d listDiff
	old := map[string]listItem{}
	for _, it := range from {
		old[it.Code] = it
	}
	seen := map[string]bool{}
	for _, it := range to {
		seen[it.Code] = true
		o, ok := old[it.Code]
		if !ok {
			d.Added = append(d.Added, it)
			continue
		}
		ch := itemChange{Code: it.Code, Name: it.Name, OldName: o.Name}
		for i, f := range it.Fields {
			var ov string
			if i < len(o.Fields) {
				ov = o.Fields[i].Value
			}
			if ov != f.Value {
				ch.Fields = append(ch.Fields, fieldChange{Label: pr.T(f.Key), Old: ov, New: f.Value, Segs: diffText(ov, f.Value)})
			}
		}
		if len(ch.Fields) > 0 {
			d.Changed = append(d.Changed, ch)
		} else {
			d.Same++
		}
	}
	for _, it := range from {
		if !seen[it.Code] {
			d.Removed = append(d.Removed, it)
		}
	}
	sort.Slice(d.Removed, func(i, j int) bool { return d.Removed[i].Code < d.Removed[j].Code })
	return d
}

// tokens splits s into the units a diff compares: runs of Latin letters
// and digits, and single other characters.
func tokens(s string) []string {
	var out []string
	rs := []rune(s)
	for i := 0; i < len(rs); {
		j := i + 1
		if isWord(rs[i]) {
			for j < len(rs) && isWord(rs[j]) {
				j++
			}
		}
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

func isWord(r rune) bool {
	return r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '.' || r == '_'
}

// maxDiffCells bounds the work of one field's diff; beyond it the field
// is shown as removed and added whole.
const maxDiffCells = 4_000_000

// diffText is a minimal token diff of a and b (longest common subsequence).
func diffText(a, b string) []diffSeg {
	ta, tb := tokens(a), tokens(b)
	// Trim the common prefix and suffix first: most edits are local.
	pre := 0
	for pre < len(ta) && pre < len(tb) && ta[pre] == tb[pre] {
		pre++
	}
	suf := 0
	for suf < len(ta)-pre && suf < len(tb)-pre && ta[len(ta)-1-suf] == tb[len(tb)-1-suf] {
		suf++
	}
	var segs []diffSeg
	add := func(op, text string) {
		if text == "" {
			return
		}
		if n := len(segs); n > 0 && segs[n-1].Op == op {
			segs[n-1].Text += text
			return
		}
		segs = append(segs, diffSeg{op, text})
	}
	add("=", strings.Join(ta[:pre], ""))
	ma, mb := ta[pre:len(ta)-suf], tb[pre:len(tb)-suf]
	if len(ma)*len(mb) > maxDiffCells {
		add("-", strings.Join(ma, ""))
		add("+", strings.Join(mb, ""))
	} else {
		// lcs[i][j] is the LCS length of ma[i:] and mb[j:].
		w := len(mb) + 1
		lcs := make([]int32, (len(ma)+1)*w)
		for i := len(ma) - 1; i >= 0; i-- {
			for j := len(mb) - 1; j >= 0; j-- {
				if ma[i] == mb[j] {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(ma) && j < len(mb) {
			switch {
			case ma[i] == mb[j]:
				add("=", ma[i])
				i++
				j++
			case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
				add("-", ma[i])
				i++
			default:
				add("+", mb[j])
				j++
			}
		}
		add("-", strings.Join(ma[i:], ""))
		add("+", strings.Join(mb[j:], ""))
	}
	add("=", strings.Join(ta[len(ta)-suf:], ""))
	return segs
}
