package importer

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// The kinds of the enforcement registers. Their files follow the
// conventions of penalties: CSV, XLSX or a JSON array of flat objects,
// headed by the codes, Chinese labels or API names of their dictionaries
// (domain.BodyFields, OfficerFields, InspectionItemFields,
// InspectionTaskFields, InspectionResultFields, PlanFields,
// ReferralFields), --map for other headers, one transaction per file.
//
// Bodies come first: officers, tasks, results, plans and referrals name
// their body by credit code, and a row naming an unregistered body is
// invalid. A plan is one row per target, its own fields repeated on each;
// the random-inspection list is published whole, as a list is.
const (
	EnforcementBodies Kind = "enforcement-bodies" // 执法主体
	Officers          Kind = "officers"           // 执法人员
	InspectionItems   Kind = "inspection-items"   // 随机抽查事项清单
	InspectionTasks   Kind = "inspection-tasks"   // 双随机抽查任务
	InspectionResults Kind = "inspection-results" // 检查结果
	EnforcementPlans  Kind = "enforcement-plans"  // 年度执法计划
	CriminalReferrals Kind = "criminal-referrals" // 两法衔接移送数
)

// EnforcementKinds lists the enforcement kinds in the order they should
// be imported.
var EnforcementKinds = []Kind{EnforcementBodies, Officers, InspectionItems, InspectionTasks, InspectionResults,
	EnforcementPlans, CriminalReferrals}

// EnforcementWriter is the part of *store.Store that enforcement imports
// write through. Each call is one transaction; a record that names what
// the store does not hold fails it with domain.FieldErrors.
type EnforcementWriter interface {
	UpsertEnforcementBodies(ctx context.Context, a store.Actor, bs []domain.EnforcementBody, opt store.WriteOptions) ([]store.UpsertResult, error)
	UpsertOfficers(ctx context.Context, a store.Actor, os []domain.Officer, opt store.WriteOptions) ([]store.UpsertResult, error)
	PublishInspectionItems(ctx context.Context, a store.Actor, in store.InspectionItemsInput, opt store.WriteOptions) (store.PublishResult, error)
	UpsertInspectionTasks(ctx context.Context, a store.Actor, ts []domain.InspectionTask, opt store.WriteOptions) ([]store.UpsertResult, error)
	UpsertInspectionResults(ctx context.Context, a store.Actor, rs []domain.InspectionResult, opt store.WriteOptions) ([]store.UpsertResult, error)
	UpsertEnforcementPlans(ctx context.Context, a store.Actor, ps []domain.EnforcementPlan, opt store.WriteOptions) ([]store.UpsertResult, error)
	UpsertCriminalReferrals(ctx context.Context, a store.Actor, cs []domain.CriminalReferral, opt store.WriteOptions) ([]store.UpsertResult, error)
}

var _ EnforcementWriter = (*store.Store)(nil)

func isEnforcement(k Kind) bool { return slices.Contains(EnforcementKinds, k) }

// enforcementKind holds what differs between the enforcement kinds.
type enforcementKind[T any] struct {
	fields []domain.Field
	parse  func(map[string]string, domain.EnforcementOptions) (T, domain.FieldErrors)
	// key is a record's natural key in the file, reported on keyField
	// when two records share it.
	key      func(T) string
	keyField string
	// merge, when set, joins the rows that share a key into one record
	// (a plan's targets) and reports the row's fields that disagree with
	// the record's; without it a shared key is a duplicate.
	merge func(into *T, row T) domain.FieldErrors
	// whole, when set, checks the file's records as one list (the
	// random-inspection list); FieldError.Index is the record's.
	whole func([]T) domain.FieldErrors
	write func(ctx context.Context, w EnforcementWriter, opt Options, recs []T) (Report, error)
}

// upserter adapts an Upsert method to enforcementKind.write.
func upserter[T any](upsert func(EnforcementWriter) func(context.Context, store.Actor, []T, store.WriteOptions) ([]store.UpsertResult, error)) func(context.Context, EnforcementWriter, Options, []T) (Report, error) {
	return func(ctx context.Context, w EnforcementWriter, opt Options, recs []T) (Report, error) {
		var rep Report
		results, err := upsert(w)(ctx, opt.Actor, recs, store.WriteOptions{Demo: opt.Demo})
		if err != nil {
			return rep, err
		}
		for _, r := range results {
			switch r.Outcome {
			case store.Created:
				rep.Created++
			case store.Updated:
				rep.Updated++
			case store.Unchanged:
				rep.Unchanged++
			}
		}
		return rep, nil
	}
}

var bodyKind = enforcementKind[domain.EnforcementBody]{
	fields:   domain.BodyFields,
	parse:    domain.ParseEnforcementBody,
	key:      func(b domain.EnforcementBody) string { return b.CreditCode },
	keyField: "credit_code",
	write: upserter(func(w EnforcementWriter) func(context.Context, store.Actor, []domain.EnforcementBody, store.WriteOptions) ([]store.UpsertResult, error) {
		return w.UpsertEnforcementBodies
	}),
}

var officerKind = enforcementKind[domain.Officer]{
	fields:   domain.OfficerFields,
	parse:    domain.ParseOfficer,
	key:      func(o domain.Officer) string { return o.CertificateNo },
	keyField: "certificate_no",
	write: upserter(func(w EnforcementWriter) func(context.Context, store.Actor, []domain.Officer, store.WriteOptions) ([]store.UpsertResult, error) {
		return w.UpsertOfficers
	}),
}

var itemKind = enforcementKind[domain.InspectionItem]{
	fields: domain.InspectionItemFields,
	parse: func(m map[string]string, _ domain.EnforcementOptions) (domain.InspectionItem, domain.FieldErrors) {
		return domain.ParseInspectionItem(m)
	},
	key:      func(it domain.InspectionItem) string { return it.Code },
	keyField: "code",
	whole:    domain.ValidateInspectionItems,
	write: func(ctx context.Context, w EnforcementWriter, opt Options, items []domain.InspectionItem) (Report, error) {
		var rep Report
		eff := opt.EffectiveDate
		if eff.IsZero() {
			eff = domain.ChinaDate(opt.Now)
		}
		res, err := w.PublishInspectionItems(ctx, opt.Actor, store.InspectionItemsInput{EffectiveDate: eff, Note: opt.Note, Items: items},
			store.WriteOptions{Demo: opt.Demo})
		if err != nil {
			return rep, err
		}
		rep.Created, rep.Updated, rep.Removed = res.Added, res.Changed, res.Removed
		rep.Unchanged = res.Items - res.Added - res.Changed
		rep.Version, rep.VersionCreated = res.Number, res.Created
		return rep, nil
	},
}

var taskKind = enforcementKind[domain.InspectionTask]{
	fields:   domain.InspectionTaskFields,
	parse:    domain.ParseInspectionTask,
	key:      func(t domain.InspectionTask) string { return t.BodyCode + "\x00" + t.Code },
	keyField: "code",
	write: upserter(func(w EnforcementWriter) func(context.Context, store.Actor, []domain.InspectionTask, store.WriteOptions) ([]store.UpsertResult, error) {
		return w.UpsertInspectionTasks
	}),
}

var resultKind = enforcementKind[domain.InspectionResult]{
	fields:   domain.InspectionResultFields,
	parse:    domain.ParseInspectionResult,
	key:      func(r domain.InspectionResult) string { return r.BodyCode + "\x00" + r.RecordNo },
	keyField: "JC_JLBH",
	write: upserter(func(w EnforcementWriter) func(context.Context, store.Actor, []domain.InspectionResult, store.WriteOptions) ([]store.UpsertResult, error) {
		return w.UpsertInspectionResults
	}),
}

var planKind = enforcementKind[domain.EnforcementPlan]{
	fields:   domain.PlanFields,
	parse:    domain.ParsePlanRow,
	key:      func(p domain.EnforcementPlan) string { return fmt.Sprint(p.Year, "\x00", p.BodyCode) },
	keyField: "category",
	merge: func(into *domain.EnforcementPlan, row domain.EnforcementPlan) domain.FieldErrors {
		var errs domain.FieldErrors
		differ := func(field, a, b string) {
			if a != b {
				errs = append(errs, domain.FieldError{Field: field, Code: domain.CodeConflict,
					Message: fmt.Sprintf("%q differs from %q in another row of the same plan", b, a)})
			}
		}
		differ("name", into.Name, row.Name)
		differ("body", into.Body, row.Body)
		differ("approved_on", into.ApprovedOn.Format(domain.DateLayout), row.ApprovedOn.Format(domain.DateLayout))
		differ("remarks", into.Remarks, row.Remarks)
		for _, t := range row.Targets {
			if slices.ContainsFunc(into.Targets, func(x domain.PlanTarget) bool { return x.Category == t.Category }) {
				errs = append(errs, domain.FieldError{Field: "category", Code: domain.CodeConflict,
					Message: fmt.Sprintf("%s is in another row of the same plan", t.Category)})
			}
		}
		if len(errs) == 0 {
			into.Targets = append(into.Targets, row.Targets...)
		}
		return errs
	},
	write: upserter(func(w EnforcementWriter) func(context.Context, store.Actor, []domain.EnforcementPlan, store.WriteOptions) ([]store.UpsertResult, error) {
		return w.UpsertEnforcementPlans
	}),
}

var referralKind = enforcementKind[domain.CriminalReferral]{
	fields: domain.ReferralFields,
	parse:  domain.ParseReferral,
	key: func(c domain.CriminalReferral) string {
		return fmt.Sprint(c.BodyCode, "\x00", c.Year, "\x00", c.Quarter, "\x00", c.Stage)
	},
	keyField: "quarter",
	write: upserter(func(w EnforcementWriter) func(context.Context, store.Actor, []domain.CriminalReferral, store.WriteOptions) ([]store.UpsertResult, error) {
		return w.UpsertCriminalReferrals
	}),
}

// runEnforcement imports a file of an enforcement kind; rules check the
// officers' certificate numbers.
func runEnforcement(ctx context.Context, opt Options, format Format, maps []mapEntry, w EnforcementWriter, rep Report,
	rules domain.EnforcementRules) (Report, error) {
	popt := domain.EnforcementOptions{Now: opt.Now, Rules: rules}
	switch opt.Kind {
	case EnforcementBodies:
		return importEnforcement(ctx, opt, popt, format, maps, w, rep, bodyKind)
	case Officers:
		return importEnforcement(ctx, opt, popt, format, maps, w, rep, officerKind)
	case InspectionItems:
		if opt.SkipInvalid {
			return rep, fmt.Errorf("%w: --skip-invalid is not allowed for the random-inspection list: it is published whole, so a skipped item would be removed from it", ErrUsage)
		}
		return importEnforcement(ctx, opt, popt, format, maps, w, rep, itemKind)
	case InspectionTasks:
		return importEnforcement(ctx, opt, popt, format, maps, w, rep, taskKind)
	case InspectionResults:
		return importEnforcement(ctx, opt, popt, format, maps, w, rep, resultKind)
	case EnforcementPlans:
		return importEnforcement(ctx, opt, popt, format, maps, w, rep, planKind)
	default:
		return importEnforcement(ctx, opt, popt, format, maps, w, rep, referralKind)
	}
}

// enforcementFile is a file read into records, each with the rows it came
// from and the problems of those rows.
type enforcementFile[T any] struct {
	t        *table
	bind     binding
	recs     []T
	rowsOf   [][]int     // per record: its rows (indexes into t.rows)
	problems [][]Problem // per row
}

// reject adds a problem of record i's field to its first row.
func (f *enforcementFile[T]) reject(i int, fe domain.FieldError) {
	r := f.rowsOf[i][0]
	f.problems[r] = append(f.problems[r], f.bind.problem(f.t.rows[r], fe.Field, fe.Code, fe.Message))
}

// invalid reports whether any row of record i has a problem.
func (f *enforcementFile[T]) invalid(i int) bool {
	return slices.ContainsFunc(f.rowsOf[i], func(r int) bool { return len(f.problems[r]) > 0 })
}

func importEnforcement[T any](ctx context.Context, opt Options, popt domain.EnforcementOptions, format Format, maps []mapEntry,
	w EnforcementWriter, rep Report, k enforcementKind[T]) (Report, error) {
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
	f := &enforcementFile[T]{t: t, bind: b, problems: make([][]Problem, len(t.rows))}
	rowRecs := make([]T, len(t.rows))
	rowOK := make([]bool, len(t.rows))
	var keys []string
	groups := map[string][]int{} // rows by key, in file order
	for i, r := range t.rows {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
		vals, ps := b.values(r)
		f.problems[i] = append(slices.Clone(r.problems), ps...)
		rec, ferrs := k.parse(vals, popt)
		for _, fe := range ferrs {
			f.problems[i] = append(f.problems[i], b.problem(r, fe.Field, fe.Code, fe.Message))
		}
		rowRecs[i], rowOK[i] = rec, len(f.problems[i]) == 0
		key := k.key(rec)
		if !rowOK[i] && k.merge == nil {
			key = fmt.Sprintf("\x00row %d", i) // a bad row is a record of its own
		}
		if _, seen := groups[key]; !seen {
			keys = append(keys, key)
		}
		groups[key] = append(groups[key], i)
	}
	for _, key := range keys {
		rows := groups[key]
		switch {
		case k.merge != nil:
			// A plan is its rows; one bad row rejects it whole.
			rec, merged := rowRecs[rows[0]], false
			for _, i := range rows {
				switch {
				case !rowOK[i]:
				case !merged:
					rec, merged = rowRecs[i], true
				default:
					for _, fe := range k.merge(&rec, rowRecs[i]) {
						f.problems[i] = append(f.problems[i], b.problem(t.rows[i], fe.Field, fe.Code, fe.Message))
					}
				}
			}
			f.recs, f.rowsOf = append(f.recs, rec), append(f.rowsOf, rows)
		default:
			for _, i := range rows {
				if len(rows) > 1 {
					var others []string
					for _, j := range rows {
						if j != i {
							others = append(others, fmt.Sprint(t.rows[j].line))
						}
					}
					f.problems[i] = append(f.problems[i], b.problem(t.rows[i], k.keyField, domain.CodeConflict,
						"duplicate record: the same key as row "+strings.Join(others, ", ")))
				}
				f.recs, f.rowsOf = append(f.recs, rowRecs[i]), append(f.rowsOf, []int{i})
			}
		}
	}
	if k.whole != nil {
		for _, fe := range k.whole(f.recs) {
			switch {
			case fe.Field == "items": // an empty list
				rep.Problems = append(rep.Problems, Problem{Code: fe.Code, Message: fe.Message})
			case fe.Field == k.keyField && fe.Code == domain.CodeConflict:
				// A duplicate, already reported with its rows.
			default:
				f.reject(fe.Index, fe)
			}
		}
	}
	return writeEnforcement(ctx, opt, w, rep, k, f)
}

// writeEnforcement writes the valid records of f, or nothing when any is
// invalid unless SkipInvalid. A record the store refuses (an unknown body
// …) is rejected like an invalid one; with SkipInvalid the others are then
// written in a second attempt (the first wrote nothing).
func writeEnforcement[T any](ctx context.Context, opt Options, w EnforcementWriter, rep Report, k enforcementKind[T], f *enforcementFile[T]) (Report, error) {
	for attempt := 0; ; attempt++ {
		out := rep
		var valid []T
		var index []int // the record index of each valid record
		for i, rec := range f.recs {
			if !f.invalid(i) {
				valid, index = append(valid, rec), append(index, i)
			}
		}
		for _, ps := range f.problems {
			if len(ps) > 0 {
				out.Rejected++
				out.Problems = append(out.Problems, ps...)
			}
		}
		if len(rep.Problems) > 0 || out.Rejected > 0 && !opt.SkipInvalid {
			return out, invalidError(ErrInvalid, out.Problems, max(out.Rejected, 1))
		}
		if len(valid) > 0 {
			written, err := k.write(ctx, w, opt, valid)
			if fe, ok := store.IsFieldErrors(err); ok && attempt == 0 {
				for _, e := range fe {
					f.reject(index[e.Index], e)
				}
				continue
			}
			if err != nil {
				return out, err
			}
			out.Created, out.Updated, out.Unchanged, out.Removed = written.Created, written.Updated, written.Unchanged, written.Removed
			out.Version, out.VersionCreated, out.Written = written.Version, written.VersionCreated, true
		}
		if opt.SkipInvalid {
			rejects, err := writeRejects(opt.RejectsPath, f.t, f.problems)
			if err != nil {
				return out, err
			}
			if err := rejects.commit(); err != nil {
				return out, fmt.Errorf("the valid rows were written, but the rejects file was not: %w", err)
			}
			out.RejectsPath = opt.RejectsPath
		}
		return out, nil
	}
}
