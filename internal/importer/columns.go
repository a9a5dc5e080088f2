package importer

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/gongshi/gongshi/internal/domain"
)

// RejectReasonColumn is the column a rejects file adds; an import ignores a
// column of that name, so a corrected rejects file can be imported again.
const RejectReasonColumn = "错误原因"

// column is one column a kind of file may have.
type column struct {
	code     string   // standard code (records) or JSON field path (list items)
	label    string   // Chinese label
	aliases  []string // other accepted headers
	typ      domain.FieldType
	required bool // the column must be present
}

// schema is the set of columns of one kind, indexed by normalised header.
type schema struct {
	cols  []column
	byKey map[string]int
}

func newSchema(cols []column) schema {
	s := schema{cols: cols, byKey: map[string]int{}}
	for i, c := range cols {
		for _, k := range append([]string{c.code, c.label}, c.aliases...) {
			nk := normKey(k)
			if j, ok := s.byKey[nk]; ok && j != i {
				panic(fmt.Sprintf("importer: header %q names both %s and %s", k, cols[j].code, c.code))
			}
			s.byKey[nk] = i
		}
	}
	return s
}

func (s schema) column(code string) column {
	for _, c := range s.cols {
		if c.code == code {
			return c
		}
	}
	panic("importer: no column " + code)
}

// dictionarySchema makes the schema of a data dictionary: each field is
// known by its standard code, its Chinese label and its English API name.
func dictionarySchema(fields []domain.Field) schema {
	cols := make([]column, len(fields))
	for i, f := range fields {
		cols[i] = column{code: f.Code, label: f.Label, aliases: []string{f.Name}, typ: f.Type, required: f.Required}
	}
	return newSchema(cols)
}

// normKey folds a header for matching: full-width forms narrowed, white
// space and invisible characters removed, Latin letters upper-cased.
func normKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		switch {
		case isBlankOrInvisible(r):
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

func isBlankOrInvisible(r rune) bool {
	switch r {
	case '\uFEFF', '\u200B', '\u200C', '\u200D', '\u2060':
		return true
	}
	return unicode.IsSpace(r)
}

// mapEntry is one target=source pair of --map; target "" ignores source.
type mapEntry struct{ target, source string }

// parseMap parses the --map values: comma-separated target=source pairs
// (full-width ，and ＝ accepted).
func parseMap(values []string) ([]mapEntry, error) {
	var out []mapEntry
	for _, v := range values {
		for _, pair := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == '，' }) {
			pair = strings.TrimSpace(pair)
			if pair == "" {
				continue
			}
			i := strings.IndexAny(pair, "=＝")
			if i < 0 {
				return nil, fmt.Errorf("%w: --map %q: want target=source", ErrUsage, pair)
			}
			_, size := runeAt(pair, i)
			target, source := strings.TrimSpace(pair[:i]), strings.TrimSpace(pair[i+size:])
			if target == "" || source == "" {
				return nil, fmt.Errorf("%w: --map %q: want target=source", ErrUsage, pair)
			}
			if target == "-" {
				target = ""
			}
			out = append(out, mapEntry{target, source})
		}
	}
	return out, nil
}

func runeAt(s string, i int) (rune, int) {
	for _, r := range s[i:] {
		return r, len(string(r))
	}
	return 0, 0
}

// binding ties the columns of a file to the codes of a schema.
type binding struct {
	schema schema
	header []string
	codes  []string       // per file column: the code it holds, "" if ignored
	named  []bool         // per file column: false when the header is blank
	col    map[string]int // code → file column
}

// bind matches a file's header to the schema, applying --map. It returns
// every problem: unknown or duplicate columns, bad --map entries, and the
// required columns that are missing (as one problem).
func (s schema) bind(header []string, headerRow int, maps []mapEntry) (binding, []Problem) {
	b := binding{schema: s, header: header, codes: make([]string, len(header)), named: make([]bool, len(header)), col: map[string]int{}}
	keys := make([]string, len(header))
	for i, h := range header {
		keys[i] = normKey(h)
	}
	var problems []Problem
	ignored := map[string]bool{}
	mapped := map[string]string{}
	seen := map[string]bool{}
	for _, m := range maps {
		sk := normKey(m.source)
		switch {
		case !slices.Contains(keys, sk):
			problems = append(problems, Problem{Row: headerRow, Column: m.source, Message: "--map: the file has no such column"})
			continue
		case seen[sk]:
			problems = append(problems, Problem{Row: headerRow, Column: m.source, Message: "--map: column mapped twice"})
			continue
		}
		seen[sk] = true
		if m.target == "" {
			ignored[sk] = true
			continue
		}
		i, ok := s.byKey[normKey(m.target)]
		if !ok {
			problems = append(problems, Problem{Row: headerRow, Column: m.source,
				Message: fmt.Sprintf("--map: unknown target %q (want a standard code or label)", m.target)})
			continue
		}
		mapped[sk] = s.cols[i].code
	}
	for i, h := range header {
		k := keys[i]
		var code string
		switch {
		case k == "":
			continue
		case mapped[k] != "":
			code = mapped[k]
		case ignored[k], k == normKey(RejectReasonColumn):
			b.named[i] = true
			continue
		default:
			j, ok := s.byKey[k]
			if !ok {
				problems = append(problems, Problem{Row: headerRow, Column: h, Code: domain.CodeUnknown,
					Message: fmt.Sprintf("unknown column: map it with --map CODE=%s or ignore it with --map -=%s", h, h)})
				continue
			}
			code = s.cols[j].code
		}
		b.named[i] = true
		if j, dup := b.col[code]; dup {
			problems = append(problems, Problem{Row: headerRow, Column: h, Field: code, Code: domain.CodeConflict,
				Message: fmt.Sprintf("the same field as column %s", header[j])})
			continue
		}
		b.codes[i] = code
		b.col[code] = i
	}
	var missing []string
	for _, c := range s.cols {
		if _, ok := b.col[c.code]; c.required && !ok {
			missing = append(missing, describeColumn(c))
		}
	}
	if len(missing) > 0 {
		problems = append(problems, Problem{Row: headerRow, Code: domain.CodeRequired,
			Message: "missing required columns: " + strings.Join(missing, ", ")})
	}
	return b, problems
}

func describeColumn(c column) string {
	if c.label == "" || c.label == c.code {
		return c.code
	}
	return c.label + " (" + c.code + ")"
}

// values returns the row's values keyed by code, and a problem for every
// value under a column without a header.
func (b binding) values(r row) (map[string]string, []Problem) {
	vals := make(map[string]string, len(b.col))
	var problems []Problem
	for i, code := range b.codes {
		v := r.cell(i)
		switch {
		case code != "":
			vals[code] = v
		case !b.named[i] && strings.TrimFunc(v, isBlankOrInvisible) != "":
			problems = append(problems, Problem{Row: r.line, Record: r.record, Column: fmt.Sprintf("#%d", i+1),
				Code: domain.CodeUnknown, Message: fmt.Sprintf("value %q under a column without a header", v)})
		}
	}
	return vals, problems
}

// problem locates a problem with the field code of row r: the column is
// named as in the file, with the code when it differs; a field the file
// has no column for is named by its label, and one no column can hold
// (flow.nodes[0].key) by its code alone.
func (b binding) problem(r row, code, errCode, msg string) Problem {
	p := Problem{Row: r.line, Record: r.record, Field: code, Code: errCode, Message: msg}
	base := code // "duties[2]" is reported under the duties column
	if i := strings.IndexByte(base, '['); i > 0 {
		base = base[:i]
	}
	if i, ok := b.col[base]; ok {
		p.Column = b.header[i]
	} else if j, ok := b.schema.byKey[normKey(base)]; ok {
		p.Column = b.schema.cols[j].label
	}
	if p.Field == p.Column {
		p.Field = ""
	}
	return p
}

// isDate reports whether file column i holds a date.
func (b binding) isDate(i int) bool {
	if i >= len(b.codes) || b.codes[i] == "" {
		return false
	}
	return b.schema.column(b.codes[i]).typ == domain.TypeDate
}
