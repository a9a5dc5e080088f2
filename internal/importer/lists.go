package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// List columns. A list item's code is its JSON field path (guide fields
// under "guide."), so a CSV may use either the Chinese label or the JSON
// name as header. Multi-valued cells (子项, 申请材料) are separated by ；, ;
// or line breaks; 对应责任事项 reads "立案：…；调查：…". Each column says how
// its cell sets its field of an item and how a decoded item's field is
// normalised.
var (
	powerColumns = []listColumn[domain.PowerItem]{
		codeCol(column{code: "code", label: "事项编码", aliases: []string{"编码"}, required: true}, func(it *domain.PowerItem) *string { return &it.Code }),
		textCol(column{code: "name", label: "事项名称", aliases: []string{"名称"}, required: true}, func(it *domain.PowerItem) *string { return &it.Name }),
		textCol(column{code: "category", label: "事项类型", aliases: []string{"类型"}, required: true}, func(it *domain.PowerItem) *string { return &it.Category }),
		listCol(column{code: "sub_items", label: "子项", aliases: []string{"子项名称"}}, func(it *domain.PowerItem) *[]string { return &it.SubItems }),
		textCol(column{code: "legal_basis", label: "设定依据", required: true}, func(it *domain.PowerItem) *string { return &it.LegalBasis }),
		textCol(column{code: "unit", label: "实施主体", aliases: []string{"责任科室", "实施主体/责任科室"}, required: true}, func(it *domain.PowerItem) *string { return &it.Unit }),
		textCol(column{code: "level", label: "实施层级", aliases: []string{"行使层级"}}, func(it *domain.PowerItem) *string { return &it.Level }),
		{column{code: "duties", label: "对应责任事项", aliases: []string{"责任事项"}}, setDuties, cleanDuties},
		textCol(column{code: "accountability", label: "追责情形及依据", aliases: []string{"追责情形"}}, func(it *domain.PowerItem) *string { return &it.Accountability }),
		textCol(column{code: "remarks", label: "备注"}, func(it *domain.PowerItem) *string { return &it.Remarks }),
		textCol(column{code: "guide.basis", label: "实施依据"}, func(it *domain.PowerItem) *string { return &it.Guide.Basis }),
		textCol(column{code: "guide.applicant", label: "申请主体", aliases: []string{"服务对象", "申请主体/服务对象"}}, func(it *domain.PowerItem) *string { return &it.Guide.Applicant }),
		textCol(column{code: "guide.channels", label: "申请方式"}, func(it *domain.PowerItem) *string { return &it.Guide.Channels }),
		textCol(column{code: "guide.time_place", label: "受理时间与地点", aliases: []string{"受理时间和地点"}}, func(it *domain.PowerItem) *string { return &it.Guide.TimePlace }),
		textCol(column{code: "guide.conditions", label: "办理条件"}, func(it *domain.PowerItem) *string { return &it.Guide.Conditions }),
		listCol(column{code: "guide.materials", label: "申请材料"}, func(it *domain.PowerItem) *[]string { return &it.Guide.Materials }),
		textCol(column{code: "guide.statutory_limit", label: "法定时限", aliases: []string{"法定办结时限"}}, func(it *domain.PowerItem) *string { return &it.Guide.StatutoryLimit }),
		textCol(column{code: "guide.promised_limit", label: "承诺时限", aliases: []string{"承诺办结时限"}}, func(it *domain.PowerItem) *string { return &it.Guide.PromisedLimit }),
		textCol(column{code: "guide.fees", label: "收费情况及依据", aliases: []string{"收费情况", "收费标准及依据"}}, func(it *domain.PowerItem) *string { return &it.Guide.Fees }),
		textCol(column{code: "guide.consult_phone", label: "咨询电话"}, func(it *domain.PowerItem) *string { return &it.Guide.ConsultPhone }),
		textCol(column{code: "guide.complaint_phone", label: "监督投诉电话", aliases: []string{"投诉电话"}}, func(it *domain.PowerItem) *string { return &it.Guide.ComplaintPhone }),
		textCol(column{code: "guide.online_url", label: "网上办理链接", aliases: []string{"网上办理地址"}}, func(it *domain.PowerItem) *string { return &it.Guide.OnlineURL }),
		textCol(column{code: "guide.notes", label: "有关说明", aliases: []string{"其他说明"}}, func(it *domain.PowerItem) *string { return &it.Guide.Notes }),
	}
	responsibilityColumns = []listColumn[domain.ResponsibilityItem]{
		codeCol(column{code: "code", label: "事项编码", aliases: []string{"编码"}, required: true}, func(it *domain.ResponsibilityItem) *string { return &it.Code }),
		textCol(column{code: "part", label: "清单部分", aliases: []string{"部分", "类别"}, required: true}, func(it *domain.ResponsibilityItem) *string { return &it.Part }),
		textCol(column{code: "duty", label: "部门职责", aliases: []string{"主要职责", "职责"}, required: true}, func(it *domain.ResponsibilityItem) *string { return &it.Duty }),
		textCol(column{code: "name", label: "事项名称", aliases: []string{"具体工作事项", "工作事项", "名称"}, required: true}, func(it *domain.ResponsibilityItem) *string { return &it.Name }),
		textCol(column{code: "detail", label: "具体内容", aliases: []string{"内容", "工作内容"}}, func(it *domain.ResponsibilityItem) *string { return &it.Detail }),
		textCol(column{code: "accountability", label: "追责情形", aliases: []string{"追责情形及依据"}}, func(it *domain.ResponsibilityItem) *string { return &it.Accountability }),
		textCol(column{code: "basis", label: "依据", aliases: []string{"设定依据", "法律依据"}}, func(it *domain.ResponsibilityItem) *string { return &it.Basis }),
	}
	serviceColumns = []listColumn[domain.ServiceItem]{
		codeCol(column{code: "code", label: "事项编码", aliases: []string{"编码"}, required: true}, func(it *domain.ServiceItem) *string { return &it.Code }),
		textCol(column{code: "name", label: "事项名称", aliases: []string{"名称"}, required: true}, func(it *domain.ServiceItem) *string { return &it.Name }),
		textCol(column{code: "target", label: "服务对象"}, func(it *domain.ServiceItem) *string { return &it.Target }),
		textCol(column{code: "basis", label: "依据", aliases: []string{"设定依据", "实施依据"}}, func(it *domain.ServiceItem) *string { return &it.Basis }),
		textCol(column{code: "unit", label: "实施主体", required: true}, func(it *domain.ServiceItem) *string { return &it.Unit }),
		textCol(column{code: "conditions", label: "办理条件", aliases: []string{"条件"}}, func(it *domain.ServiceItem) *string { return &it.Conditions }),
		listCol(column{code: "materials", label: "申请材料", aliases: []string{"材料"}}, func(it *domain.ServiceItem) *[]string { return &it.Materials }),
		textCol(column{code: "process", label: "办理流程", aliases: []string{"流程"}}, func(it *domain.ServiceItem) *string { return &it.Process }),
		textCol(column{code: "time_limit", label: "办理时限", aliases: []string{"时限", "承诺时限"}}, func(it *domain.ServiceItem) *string { return &it.TimeLimit }),
		textCol(column{code: "fees", label: "收费情况及依据", aliases: []string{"收费", "收费情况"}}, func(it *domain.ServiceItem) *string { return &it.Fees }),
		textCol(column{code: "consult_phone", label: "咨询电话"}, func(it *domain.ServiceItem) *string { return &it.ConsultPhone }),
		textCol(column{code: "complaint_phone", label: "监督投诉电话", aliases: []string{"投诉电话"}}, func(it *domain.ServiceItem) *string { return &it.ComplaintPhone }),
	}

	powerSchema          = schemaOf(powerColumns)
	responsibilitySchema = schemaOf(responsibilityColumns)
	serviceSchema        = schemaOf(serviceColumns)
)

// listColumn is a column of a list file with what it does to an item.
type listColumn[T any] struct {
	column
	set   func(it *T, v string) string // sets the field from a cell's text; returns a problem or ""
	clean func(it *T)                  // normalises the field of a decoded item
}

// codeCol is a column holding a code, normalised as one.
func codeCol[T any](c column, field func(*T) *string) listColumn[T] {
	return listColumn[T]{c, func(it *T, v string) string { *field(it) = domain.NormalizeCode(v); return "" },
		func(it *T) { *field(it) = domain.NormalizeCode(*field(it)) }}
}

// textCol is a column holding text, normalised.
func textCol[T any](c column, field func(*T) *string) listColumn[T] {
	return listColumn[T]{c, func(it *T, v string) string { *field(it) = domain.NormalizeText(v); return "" },
		func(it *T) { *field(it) = domain.NormalizeText(*field(it)) }}
}

// listCol is a multi-valued column.
func listCol[T any](c column, field func(*T) *[]string) listColumn[T] {
	return listColumn[T]{c, func(it *T, v string) string { *field(it) = splitList(v); return "" },
		func(it *T) { *field(it) = normList(*field(it)) }}
}

func setDuties(it *domain.PowerItem, v string) string {
	var msg string
	it.Duties, msg = parseDuties(v)
	return msg
}

func cleanDuties(it *domain.PowerItem) {
	for i := range it.Duties {
		it.Duties[i].Stage = dutyStage(it.Duties[i].Stage)
		it.Duties[i].Content = domain.NormalizeText(it.Duties[i].Content)
	}
	if len(it.Duties) == 0 {
		it.Duties = nil
	}
}

func schemaOf[T any](cols []listColumn[T]) schema {
	out := make([]column, len(cols))
	for i, c := range cols {
		out[i] = c.column
	}
	return newSchema(out)
}

// listKind holds what differs between the three lists.
type listKind[T any] struct {
	kind     domain.ListKind
	columns  []listColumn[T]
	schema   schema
	flow     func(it *T) *domain.Flow // nil for items without a flowchart
	category func(it T) string
	validate func([]T) domain.FieldErrors
	code     func(T) string
	input    func(in *store.ListInput, items []T)
}

// set sets the column code of an item from a cell's text, returning a
// problem or "".
func (k listKind[T]) set(it *T, code, v string) string {
	for _, c := range k.columns {
		if c.code == code {
			return c.set(it, v)
		}
	}
	return ""
}

// clean normalises every field of a decoded item.
func (k listKind[T]) clean(it *T) {
	for _, c := range k.columns {
		c.clean(it)
	}
}

var powerKind = listKind[domain.PowerItem]{
	kind:     domain.ListPowers,
	columns:  powerColumns,
	schema:   powerSchema,
	flow:     func(it *domain.PowerItem) *domain.Flow { return &it.Flow },
	category: func(it domain.PowerItem) string { return it.Category },
	validate: domain.ValidatePowerItems,
	code:     func(it domain.PowerItem) string { return it.Code },
	input:    func(in *store.ListInput, items []domain.PowerItem) { in.Powers = items },
}

var responsibilityKind = listKind[domain.ResponsibilityItem]{
	kind:     domain.ListResponsibilities,
	columns:  responsibilityColumns,
	schema:   responsibilitySchema,
	flow:     func(*domain.ResponsibilityItem) *domain.Flow { return nil },
	category: func(domain.ResponsibilityItem) string { return "" },
	validate: domain.ValidateResponsibilityItems,
	code:     func(it domain.ResponsibilityItem) string { return it.Code },
	input:    func(in *store.ListInput, items []domain.ResponsibilityItem) { in.Responsibilities = items },
}

var serviceKind = listKind[domain.ServiceItem]{
	kind:     domain.ListPublicServices,
	columns:  serviceColumns,
	schema:   serviceSchema,
	flow:     func(it *domain.ServiceItem) *domain.Flow { return &it.Flow },
	category: func(domain.ServiceItem) string { return "" },
	validate: domain.ValidateServiceItems,
	code:     func(it domain.ServiceItem) string { return it.Code },
	input:    func(in *store.ListInput, items []domain.ServiceItem) { in.Services = items },
}

func runList(ctx context.Context, opt Options, format Format, maps []mapEntry, w Writer, rep Report) (Report, error) {
	switch opt.Kind {
	case Powers:
		return importList(ctx, opt, format, maps, w, rep, powerKind)
	case Responsibilities:
		return importList(ctx, opt, format, maps, w, rep, responsibilityKind)
	default:
		return importList(ctx, opt, format, maps, w, rep, serviceKind)
	}
}

// listRows is a list file read into items, with the row each came from.
type listRows[T any] struct {
	items    []T
	rows     []row
	problems [][]Problem
	bind     binding
}

func importList[T any](ctx context.Context, opt Options, format Format, maps []mapEntry, w Writer, rep Report, k listKind[T]) (Report, error) {
	var lr listRows[T]
	var err error
	if format == FormatJSON {
		var rename jsonRenames
		if rename, rep.Problems = k.schema.jsonRenames(maps); len(rep.Problems) > 0 {
			return rep, invalidError(ErrColumns, rep.Problems, 0)
		}
		lr, err = readListJSON(opt.Path, k, rename)
		if err == nil {
			rep.Problems = rename.unused()
			if len(rep.Problems) > 0 {
				return rep, invalidError(ErrColumns, rep.Problems, 0)
			}
		}
	} else {
		var headerProblems []Problem
		lr, headerProblems, err = readListTable(opt.Path, format, maps, k)
		rep.Problems = headerProblems
	}
	if err != nil {
		return rep, err
	}
	rep.Rows = len(lr.items)
	if len(lr.items) == 0 {
		p := Problem{Code: domain.CodeRequired, Message: "the file has no items: an empty list is not published"}
		rep.Problems = []Problem{p}
		return rep, invalidError(ErrInvalid, rep.Problems, 0)
	}
	if err := ctx.Err(); err != nil {
		return rep, err
	}

	emptyFlow := defaultFlows(lr, k, opt.DefaultFlow)
	lr.duplicateCodes(k)
	lr.validate(k, emptyFlow)
	for _, ps := range lr.problems {
		if len(ps) > 0 {
			rep.Rejected++
			rep.Problems = append(rep.Problems, ps...)
		}
	}
	if rep.Rejected > 0 {
		return rep, invalidError(ErrInvalid, rep.Problems, rep.Rejected)
	}

	eff := opt.EffectiveDate
	if eff.IsZero() {
		eff = domain.ChinaDate(opt.Now)
	}
	in := store.ListInput{Kind: k.kind, EffectiveDate: eff, Note: opt.Note, DryRun: opt.DryRun,
		GuardRemovals: !opt.AllowRemovals && !opt.DryRun}
	k.input(&in, lr.items)
	res, err := w.PublishList(ctx, opt.Actor, in, store.WriteOptions{Demo: opt.Demo})
	if errors.Is(err, store.ErrTooManyRemovals) {
		return rep, fmt.Errorf("%w (check that the file is the whole list in the expected layout; to publish it anyway, use --allow-removals)", err)
	}
	if err != nil {
		return rep, err
	}
	rep.Written = !opt.DryRun
	rep.DryRun = opt.DryRun
	rep.Changes = res.Changes
	rep.Created, rep.Updated, rep.Removed = res.Added, res.Changed, res.Removed
	rep.Unchanged = res.Items - res.Added - res.Changed
	rep.Version, rep.VersionCreated = res.Number, res.Created
	return rep, nil
}

// defaultFlows gives the items without a flowchart the default one of
// their category, and reports which still have none.
func defaultFlows[T any](lr listRows[T], k listKind[T], def func(domain.ListKind, string) domain.Flow) []bool {
	emptyFlow := make([]bool, len(lr.items))
	for i := range lr.items {
		f := k.flow(&lr.items[i])
		if f == nil || len(f.Nodes) > 0 || len(f.Edges) > 0 {
			continue
		}
		if def != nil {
			*f = def(k.kind, k.category(lr.items[i]))
		}
		emptyFlow[i] = len(f.Nodes) == 0 && len(f.Edges) == 0
	}
	return emptyFlow
}

// duplicateCodes reports every row of a code used more than once, naming
// the other rows.
func (lr listRows[T]) duplicateCodes(k listKind[T]) {
	byCode := map[string][]int{}
	for i, it := range lr.items {
		if c := k.code(it); c != "" {
			byCode[c] = append(byCode[c], i)
		}
	}
	for code, idx := range byCode {
		if len(idx) < 2 {
			continue
		}
		for _, i := range idx {
			var others []string
			for _, j := range idx {
				if j != i {
					others = append(others, fmt.Sprint(lr.rows[j].line))
				}
			}
			lr.problems[i] = append(lr.problems[i], lr.bind.problem(lr.rows[i], "code", domain.CodeConflict,
				fmt.Sprintf("duplicate code %s: also in row %s", code, strings.Join(others, ", "))))
		}
	}
}

// validate reports the domain's problems of every item at its row. The
// domain's duplicate codes are left out (duplicateCodes names the rows),
// and an item without any flowchart gets one problem, not one per rule.
func (lr listRows[T]) validate(k listKind[T], emptyFlow []bool) {
	noFlowReported := make([]bool, len(lr.items))
	for _, fe := range k.validate(lr.items) {
		i := fe.Index
		if i < 0 || i >= len(lr.items) || fe.Field == "code" && fe.Code == domain.CodeConflict {
			continue
		}
		if emptyFlow[i] && strings.HasPrefix(fe.Field, "flow") {
			if !noFlowReported[i] {
				noFlowReported[i] = true
				lr.problems[i] = append(lr.problems[i], lr.bind.problem(lr.rows[i], "flow", domain.CodeRequired,
					"no flowchart (办理流程): CSV and XLSX rows carry none, and no default flow was given"))
			}
			continue
		}
		lr.problems[i] = append(lr.problems[i], lr.bind.problem(lr.rows[i], fe.Field, fe.Code, fe.Message))
	}
}

// readListTable reads list items from CSV or XLSX rows; it returns the
// header's problems with ErrColumns.
func readListTable[T any](path string, format Format, maps []mapEntry, k listKind[T]) (listRows[T], []Problem, error) {
	var lr listRows[T]
	t, err := readTable(path, format)
	if err != nil {
		return lr, nil, err
	}
	b, problems := k.schema.bind(t.header, t.headerRow, maps)
	if len(problems) > 0 {
		return lr, problems, invalidError(ErrColumns, problems, 0)
	}
	t.fixXLSX(func(int) bool { return false })
	lr.bind, lr.rows = b, t.rows
	lr.items = make([]T, len(t.rows))
	lr.problems = make([][]Problem, len(t.rows))
	for i, r := range t.rows {
		vals, ps := b.values(r)
		ps = append(slices.Clone(r.problems), ps...)
		for _, c := range b.schema.cols { // in schema order, so problems come in a stable order
			v, ok := vals[c.code]
			if !ok {
				continue
			}
			if msg := k.set(&lr.items[i], c.code, v); msg != "" {
				ps = append(ps, b.problem(r, c.code, domain.CodeFormat, msg))
			}
		}
		k.clean(&lr.items[i])
		lr.problems[i] = ps
	}
	return lr, nil, nil
}

// readListJSON reads an array of list items in their JSON form (the json
// tags of domain.PowerItem, ResponsibilityItem, ServiceItem); unknown
// fields are errors.
func readListJSON[T any](path string, k listKind[T], rename jsonRenames) (listRows[T], error) {
	var lr listRows[T]
	b, err := os.ReadFile(path)
	if err != nil {
		return lr, err
	}
	jr, err := newJSONReader(b)
	if err != nil {
		return lr, err
	}
	jr.dec.DisallowUnknownFields()
	// Problems are located by JSON field path; a binding whose "header" is
	// every column code names them so.
	codes := make([]string, len(k.schema.cols))
	for i, c := range k.schema.cols {
		codes[i] = c.code
	}
	lr.bind, _ = k.schema.bind(codes, 0, nil)
	for jr.next() {
		r := row{line: jr.line, record: jr.position}
		var it T
		var ps []Problem
		if err := rename.decode(jr.dec, &it); err != nil {
			var syn *json.SyntaxError
			if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) {
				return lr, fmt.Errorf("%w: record %d (line %d): %v", ErrUnreadable, r.record, r.line, err)
			}
			ps = append(ps, jsonProblem(r, err))
		}
		ps = append(ps, jr.checked()...)
		k.clean(&it)
		lr.items = append(lr.items, it)
		lr.rows = append(lr.rows, r)
		lr.problems = append(lr.problems, ps)
	}
	if err := jr.end(); err != nil {
		return lr, err
	}
	return lr, nil
}

// jsonProblem turns a decoding error of one item into a Problem.
func jsonProblem(r row, err error) Problem {
	p := Problem{Row: r.line, Record: r.record, Code: domain.CodeFormat, Message: err.Error()}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		p.Column = te.Field
		p.Message = fmt.Sprintf("must be a JSON %s, not %s", jsonTypeName(te.Type.Kind().String()), te.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		p.Code = domain.CodeUnknown
		p.Column = strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		p.Message = "unknown field"
	}
	return p
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	case "string":
		return "string"
	}
	return goKind
}

// splitList splits a multi-valued cell on ；, ; and line breaks.
func splitList(s string) []string {
	return normList(strings.FieldsFunc(s, func(r rune) bool {
		return r == '；' || r == ';' || r == '\n' || r == '\r'
	}))
}

// normList normalises every element and drops the empty ones; an empty
// list is nil, so that CSV and JSON imports of the same list hash alike.
func normList(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v = domain.NormalizeText(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// parseDuties parses 对应责任事项 written as "立案：…；调查：…".
func parseDuties(s string) ([]domain.Duty, string) {
	var out []domain.Duty
	var bad []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '；' || r == ';' || r == '\n' || r == '\r' }) {
		part = domain.NormalizeText(part)
		if part == "" {
			continue
		}
		i := strings.IndexAny(part, "：:")
		if i < 0 {
			bad = append(bad, part)
			continue
		}
		_, size := runeAt(part, i)
		out = append(out, domain.Duty{Stage: dutyStage(part[:i]), Content: domain.NormalizeText(part[i+size:])})
	}
	if len(bad) > 0 {
		return out, fmt.Sprintf("%q: write each duty as 阶段：内容 (e.g. 立案：…；调查：…), stages %s",
			strings.Join(bad, "；"), strings.Join(domain.DutyStages, "、"))
	}
	return out, ""
}

// dutyStage normalises a stage name; "受理责任" becomes "受理" when the
// rest is one of domain.DutyStages.
func dutyStage(s string) string {
	s = domain.NormalizeText(s)
	if base, ok := strings.CutSuffix(s, "责任"); ok && slices.Contains(domain.DutyStages, base) {
		return base
	}
	return s
}
