package importer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// recordKind holds what differs between penalties and permits.
type recordKind[T any] struct {
	fields []domain.Field
	parse  func(map[string]string, domain.ParseOptions) (T, domain.FieldErrors)
	// keyFields are the codes of the natural key: agency code, decision no.
	keyFields [2]string
	key       func(T) [2]string
	upsert    func(context.Context, Writer, store.Actor, []T, store.WriteOptions) ([]store.UpsertResult, error)
}

var penaltyKind = recordKind[domain.Penalty]{
	fields:    domain.PenaltyFields,
	parse:     domain.ParsePenalty,
	keyFields: [2]string{"CF_CFJGDM", "CF_WSH"},
	key:       func(p domain.Penalty) [2]string { return [2]string{p.AgencyCode, p.DecisionNo} },
	upsert: func(ctx context.Context, w Writer, a store.Actor, ps []domain.Penalty, o store.WriteOptions) ([]store.UpsertResult, error) {
		return w.UpsertPenalties(ctx, a, ps, o)
	},
}

var permitKind = recordKind[domain.Permit]{
	fields:    domain.PermitFields,
	parse:     domain.ParsePermit,
	keyFields: [2]string{"XK_XKJGDM", "XK_WSH"},
	key:       func(p domain.Permit) [2]string { return [2]string{p.AgencyCode, p.DecisionNo} },
	upsert: func(ctx context.Context, w Writer, a store.Actor, ps []domain.Permit, o store.WriteOptions) ([]store.UpsertResult, error) {
		return w.UpsertPermits(ctx, a, ps, o)
	},
}

func runRecords(ctx context.Context, opt Options, format Format, maps []mapEntry, w Writer, rep Report) (Report, error) {
	if opt.Kind == Penalties {
		return importRecords(ctx, opt, format, maps, w, rep, penaltyKind)
	}
	return importRecords(ctx, opt, format, maps, w, rep, permitKind)
}

func importRecords[T any](ctx context.Context, opt Options, format Format, maps []mapEntry, w Writer, rep Report, k recordKind[T]) (Report, error) {
	t, err := readTable(opt.Path, format)
	if err != nil {
		return rep, err
	}
	rep.Rows = len(t.rows)
	b, problems := dictionarySchema(k.fields).bind(t.header, t.headerRow, maps)
	if len(problems) > 0 {
		rep.Problems = problems
		return rep, invalidError(ErrColumns, problems, 0)
	}
	t.fixXLSX(b.isDate)

	recs, rowProblems, byKey, err := parseRows(ctx, opt, t, b, k)
	if err != nil {
		return rep, err
	}
	markDuplicates(t, b, k, byKey, rowProblems)

	var valid []T
	for i, ps := range rowProblems {
		if len(ps) > 0 {
			rep.Rejected++
			rep.Problems = append(rep.Problems, ps...)
		} else {
			valid = append(valid, recs[i])
		}
	}
	if rep.Rejected > 0 && !opt.SkipInvalid {
		return rep, invalidError(ErrInvalid, rep.Problems, rep.Rejected)
	}

	var rejects *rejectsFile
	if opt.SkipInvalid {
		rejects, err = writeRejects(opt.RejectsPath, t, rowProblems)
		if err != nil {
			return rep, err
		}
		defer rejects.discard()
	}
	if len(valid) > 0 {
		results, err := k.upsert(ctx, w, opt.Actor, valid, store.WriteOptions{Demo: opt.Demo})
		if err != nil {
			return rep, err
		}
		rep.Written = true
		rep.count(results)
	}
	if rejects != nil {
		if err := rejects.commit(); err != nil {
			return rep, fmt.Errorf("the valid rows were written, but the rejects file was not: %w", err)
		}
		rep.RejectsPath = opt.RejectsPath
	}
	return rep, nil
}

// parseRows parses every row of t into a record of kind k, with the
// problems of each row, and the rows of each natural key (rows whose key
// is missing or invalid are left out).
func parseRows[T any](ctx context.Context, opt Options, t *table, b binding, k recordKind[T]) ([]T, [][]Problem, map[[2]string][]int, error) {
	popt := domain.ParseOptions{Now: opt.Now, Rules: opt.Rules}
	recs := make([]T, len(t.rows))
	rowProblems := make([][]Problem, len(t.rows))
	byKey := map[[2]string][]int{}
	for i, r := range t.rows {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, nil, err
			}
		}
		vals, ps := b.values(r)
		ps = append(slices.Clone(r.problems), ps...)
		unread := map[string]bool{} // columns whose cell could not be read: reported once
		for _, p := range r.problems {
			unread[p.Column] = p.Column != ""
		}
		rec, ferrs := k.parse(vals, popt)
		keyBad := false
		for _, fe := range ferrs {
			keyBad = keyBad || fe.Field == k.keyFields[0] || fe.Field == k.keyFields[1]
			if p := b.problem(r, fe.Field, fe.Code, fe.Message); !unread[p.Column] {
				ps = append(ps, p)
			}
		}
		if key := k.key(rec); !keyBad && key[0] != "" && key[1] != "" {
			byKey[key] = append(byKey[key], i)
		}
		recs[i], rowProblems[i] = rec, ps
	}
	return recs, rowProblems, byKey, nil
}

// markDuplicates adds a problem to every row that shares its natural key
// with another row of the file, naming the other rows.
func markDuplicates[T any](t *table, b binding, k recordKind[T], byKey map[[2]string][]int, rowProblems [][]Problem) {
	for _, rows := range byKey {
		if len(rows) < 2 {
			continue
		}
		for _, i := range rows {
			var others []string
			for _, j := range rows {
				if j != i {
					others = append(others, fmt.Sprint(t.rows[j].line))
				}
			}
			rowProblems[i] = append(rowProblems[i], b.problem(t.rows[i], k.keyFields[1], domain.CodeConflict,
				fmt.Sprintf("duplicate record: the same %s and %s as row %s", describeColumn(b.schema.column(k.keyFields[0])),
					describeColumn(b.schema.column(k.keyFields[1])), strings.Join(others, ", "))))
		}
	}
}

// count adds the outcomes of a write to the report's counts.
func (r *Report) count(results []store.UpsertResult) {
	for _, res := range results {
		switch res.Outcome {
		case store.Created:
			r.Created++
		case store.Updated:
			r.Updated++
		case store.Unchanged:
			r.Unchanged++
		}
	}
}
