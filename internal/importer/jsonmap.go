package importer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// jsonRenames is --map for JSON list items: the item keys to rename to a
// column's field path (guide fields under "guide"), or to drop. A nil
// value renames nothing.
type jsonRenames struct {
	to   map[string]string // source key (normKey) → field path; "" drops it
	src  map[string]string // normKey → the source as given, for problems
	seen map[string]bool   // sources some item had
}

// jsonRenames resolves --map entries against the schema's columns: the
// target of each is a column's code or label, the source a key of the
// items.
func (s schema) jsonRenames(maps []mapEntry) (jsonRenames, []Problem) {
	if len(maps) == 0 {
		return jsonRenames{}, nil
	}
	r := jsonRenames{to: map[string]string{}, src: map[string]string{}, seen: map[string]bool{}}
	var problems []Problem
	for _, m := range maps {
		sk := normKey(m.source)
		if _, dup := r.to[sk]; dup {
			problems = append(problems, Problem{Column: m.source, Message: "--map: field mapped twice"})
			continue
		}
		code := ""
		if m.target != "" {
			i, ok := s.byKey[normKey(m.target)]
			if !ok {
				problems = append(problems, Problem{Column: m.source,
					Message: fmt.Sprintf("--map: unknown target %q (want a field name or label)", m.target)})
				continue
			}
			code = s.cols[i].code
		}
		r.to[sk], r.src[sk] = code, m.source
	}
	return r, problems
}

// decode reads the next item of dec into v, its keys renamed first.
func (r jsonRenames) decode(dec *json.Decoder, v any) error {
	if r.to == nil {
		return dec.Decode(v)
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return decodeStrict(raw, v) // not an object: the item's own error
	}
	out := map[string]json.RawMessage{}
	nested := map[string]map[string]json.RawMessage{}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		path, renamed := r.to[normKey(k)]
		if !renamed {
			if _, taken := out[k]; !taken {
				out[k] = obj[k]
			}
			continue
		}
		r.seen[normKey(k)] = true
		if path == "" {
			continue
		}
		if parent, field, ok := strings.Cut(path, "."); ok {
			if nested[parent] == nil {
				nested[parent] = map[string]json.RawMessage{}
			}
			nested[parent][field] = obj[k]
			continue
		}
		out[path] = obj[k]
	}
	for parent, fields := range nested {
		merged := map[string]json.RawMessage{}
		if own, ok := out[parent]; ok && json.Unmarshal(own, &merged) != nil {
			merged = map[string]json.RawMessage{} // not an object: the mapped fields replace it
		}
		for k, v := range fields {
			merged[k] = v
		}
		b, err := json.Marshal(merged)
		if err != nil {
			return err
		}
		out[parent] = b
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	return decodeStrict(b, v)
}

func decodeStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	d.UseNumber()
	return d.Decode(v)
}

// unused are the problems of --map sources no item had.
func (r jsonRenames) unused() []Problem {
	var out []Problem
	for sk, src := range r.src {
		if !r.seen[sk] {
			out = append(out, Problem{Column: src, Message: "--map: no item has such a field"})
		}
	}
	slices.SortFunc(out, func(a, b Problem) int { return strings.Compare(a.Column, b.Column) })
	return out
}
