package store

import (
	"fmt"
	"strings"
)

// where accumulates the conditions of a WHERE clause and their arguments,
// bound as parameters: the one builder of the store's filtered reads.
type where struct {
	conds []string
	args  []any
}

// arg adds v as the next argument and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

// add adds a condition: format with a placeholder for each of vs, in
// order (%[1]s names the first again).
func (w *where) add(format string, vs ...any) {
	ps := make([]any, len(vs))
	for i, v := range vs {
		ps[i] = w.arg(v)
	}
	w.conds = append(w.conds, fmt.Sprintf(format, ps...))
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }
