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
// or line breaks; 对应责任事项 reads "立案：…；调查：…".
var (
	powerSchema = newSchema([]column{
		{code: "code", label: "事项编码", aliases: []string{"编码"}, required: true},
		{code: "name", label: "事项名称", aliases: []string{"名称"}, required: true},
		{code: "category", label: "事项类型", aliases: []string{"类型"}, required: true},
		{code: "sub_items", label: "子项", aliases: []string{"子项名称"}},
		{code: "legal_basis", label: "设定依据", required: true},
		{code: "unit", label: "实施主体", aliases: []string{"责任科室", "实施主体/责任科室"}, required: true},
		{code: "level", label: "实施层级", aliases: []string{"行使层级"}},
		{code: "duties", label: "对应责任事项", aliases: []string{"责任事项"}},
		{code: "accountability", label: "追责情形及依据", aliases: []string{"追责情形"}},
		{code: "remarks", label: "备注"},
		{code: "guide.basis", label: "实施依据"},
		{code: "guide.applicant", label: "申请主体", aliases: []string{"服务对象", "申请主体/服务对象"}},
		{code: "guide.channels", label: "申请方式"},
		{code: "guide.time_place", label: "受理时间与地点", aliases: []string{"受理时间和地点"}},
		{code: "guide.conditions", label: "办理条件"},
		{code: "guide.materials", label: "申请材料"},
		{code: "guide.statutory_limit", label: "法定时限", aliases: []string{"法定办结时限"}},
		{code: "guide.promised_limit", label: "承诺时限", aliases: []string{"承诺办结时限"}},
		{code: "guide.fees", label: "收费情况及依据", aliases: []string{"收费情况", "收费标准及依据"}},
		{code: "guide.consult_phone", label: "咨询电话"},
		{code: "guide.complaint_phone", label: "监督投诉电话", aliases: []string{"投诉电话"}},
		{code: "guide.online_url", label: "网上办理链接", aliases: []string{"网上办理地址"}},
		{code: "guide.notes", label: "有关说明", aliases: []string{"其他说明"}},
	})
	responsibilitySchema = newSchema([]column{
		{code: "code", label: "事项编码", aliases: []string{"编码"}, required: true},
		{code: "part", label: "清单部分", aliases: []string{"部分", "类别"}, required: true},
		{code: "duty", label: "部门职责", aliases: []string{"主要职责", "职责"}, required: true},
		{code: "name", label: "事项名称", aliases: []string{"具体工作事项", "工作事项", "名称"}, required: true},
		{code: "detail", label: "具体内容", aliases: []string{"内容", "工作内容"}},
		{code: "accountability", label: "追责情形", aliases: []string{"追责情形及依据"}},
		{code: "basis", label: "依据", aliases: []string{"设定依据", "法律依据"}},
	})
	serviceSchema = newSchema([]column{
		{code: "code", label: "事项编码", aliases: []string{"编码"}, required: true},
		{code: "name", label: "事项名称", aliases: []string{"名称"}, required: true},
		{code: "target", label: "服务对象"},
		{code: "basis", label: "依据", aliases: []string{"设定依据", "实施依据"}},
		{code: "unit", label: "实施主体", required: true},
		{code: "conditions", label: "办理条件", aliases: []string{"条件"}},
		{code: "materials", label: "申请材料", aliases: []string{"材料"}},
		{code: "process", label: "办理流程", aliases: []string{"流程"}},
		{code: "time_limit", label: "办理时限", aliases: []string{"时限", "承诺时限"}},
		{code: "fees", label: "收费情况及依据", aliases: []string{"收费", "收费情况"}},
		{code: "consult_phone", label: "咨询电话"},
		{code: "complaint_phone", label: "监督投诉电话", aliases: []string{"投诉电话"}},
	})
)

// listKind holds what differs between the three lists.
type listKind[T any] struct {
	kind     domain.ListKind
	schema   schema
	set      func(it *T, code, value string) string // sets one column from text; returns a problem or ""
	clean    func(it *T)                            // normalises a decoded item
	flow     func(it *T) *domain.Flow               // nil for items without a flowchart
	category func(it T) string
	validate func([]T) domain.FieldErrors
	code     func(T) string
	input    func(in *store.ListInput, items []T)
}

var powerKind = listKind[domain.PowerItem]{
	kind:   domain.ListPowers,
	schema: powerSchema,
	set: func(it *domain.PowerItem, code, v string) string {
		g := &it.Guide
		switch code {
		case "code":
			it.Code = domain.NormalizeCode(v)
		case "name":
			it.Name = domain.NormalizeText(v)
		case "category":
			it.Category = domain.NormalizeText(v)
		case "sub_items":
			it.SubItems = splitList(v)
		case "legal_basis":
			it.LegalBasis = domain.NormalizeText(v)
		case "unit":
			it.Unit = domain.NormalizeText(v)
		case "level":
			it.Level = domain.NormalizeText(v)
		case "duties":
			var msg string
			it.Duties, msg = parseDuties(v)
			return msg
		case "accountability":
			it.Accountability = domain.NormalizeText(v)
		case "remarks":
			it.Remarks = domain.NormalizeText(v)
		case "guide.basis":
			g.Basis = domain.NormalizeText(v)
		case "guide.applicant":
			g.Applicant = domain.NormalizeText(v)
		case "guide.channels":
			g.Channels = domain.NormalizeText(v)
		case "guide.time_place":
			g.TimePlace = domain.NormalizeText(v)
		case "guide.conditions":
			g.Conditions = domain.NormalizeText(v)
		case "guide.materials":
			g.Materials = splitList(v)
		case "guide.statutory_limit":
			g.StatutoryLimit = domain.NormalizeText(v)
		case "guide.promised_limit":
			g.PromisedLimit = domain.NormalizeText(v)
		case "guide.fees":
			g.Fees = domain.NormalizeText(v)
		case "guide.consult_phone":
			g.ConsultPhone = domain.NormalizeText(v)
		case "guide.complaint_phone":
			g.ComplaintPhone = domain.NormalizeText(v)
		case "guide.online_url":
			g.OnlineURL = domain.NormalizeText(v)
		case "guide.notes":
			g.Notes = domain.NormalizeText(v)
		}
		return ""
	},
	clean: func(it *domain.PowerItem) {
		it.Code = domain.NormalizeCode(it.Code)
		normTexts(&it.Name, &it.Category, &it.LegalBasis, &it.Unit, &it.Level, &it.Accountability, &it.Remarks)
		g := &it.Guide
		normTexts(&g.Basis, &g.Applicant, &g.Channels, &g.TimePlace, &g.Conditions, &g.StatutoryLimit,
			&g.PromisedLimit, &g.Fees, &g.ConsultPhone, &g.ComplaintPhone, &g.OnlineURL, &g.Notes)
		it.SubItems, g.Materials = normList(it.SubItems), normList(g.Materials)
		for i := range it.Duties {
			it.Duties[i].Stage = dutyStage(it.Duties[i].Stage)
			it.Duties[i].Content = domain.NormalizeText(it.Duties[i].Content)
		}
		if len(it.Duties) == 0 {
			it.Duties = nil
		}
	},
	flow:     func(it *domain.PowerItem) *domain.Flow { return &it.Flow },
	category: func(it domain.PowerItem) string { return it.Category },
	validate: domain.ValidatePowerItems,
	code:     func(it domain.PowerItem) string { return it.Code },
	input:    func(in *store.ListInput, items []domain.PowerItem) { in.Powers = items },
}

var responsibilityKind = listKind[domain.ResponsibilityItem]{
	kind:   domain.ListResponsibilities,
	schema: responsibilitySchema,
	set: func(it *domain.ResponsibilityItem, code, v string) string {
		switch code {
		case "code":
			it.Code = domain.NormalizeCode(v)
		case "part":
			it.Part = domain.NormalizeText(v)
		case "duty":
			it.Duty = domain.NormalizeText(v)
		case "name":
			it.Name = domain.NormalizeText(v)
		case "detail":
			it.Detail = domain.NormalizeText(v)
		case "accountability":
			it.Accountability = domain.NormalizeText(v)
		case "basis":
			it.Basis = domain.NormalizeText(v)
		}
		return ""
	},
	clean: func(it *domain.ResponsibilityItem) {
		it.Code = domain.NormalizeCode(it.Code)
		normTexts(&it.Part, &it.Duty, &it.Name, &it.Detail, &it.Accountability, &it.Basis)
	},
	flow:     func(*domain.ResponsibilityItem) *domain.Flow { return nil },
	category: func(domain.ResponsibilityItem) string { return "" },
	validate: domain.ValidateResponsibilityItems,
	code:     func(it domain.ResponsibilityItem) string { return it.Code },
	input:    func(in *store.ListInput, items []domain.ResponsibilityItem) { in.Responsibilities = items },
}

var serviceKind = listKind[domain.ServiceItem]{
	kind:   domain.ListPublicServices,
	schema: serviceSchema,
	set: func(it *domain.ServiceItem, code, v string) string {
		switch code {
		case "code":
			it.Code = domain.NormalizeCode(v)
		case "name":
			it.Name = domain.NormalizeText(v)
		case "target":
			it.Target = domain.NormalizeText(v)
		case "basis":
			it.Basis = domain.NormalizeText(v)
		case "unit":
			it.Unit = domain.NormalizeText(v)
		case "conditions":
			it.Conditions = domain.NormalizeText(v)
		case "materials":
			it.Materials = splitList(v)
		case "process":
			it.Process = domain.NormalizeText(v)
		case "time_limit":
			it.TimeLimit = domain.NormalizeText(v)
		case "fees":
			it.Fees = domain.NormalizeText(v)
		case "consult_phone":
			it.ConsultPhone = domain.NormalizeText(v)
		case "complaint_phone":
			it.ComplaintPhone = domain.NormalizeText(v)
		}
		return ""
	},
	clean: func(it *domain.ServiceItem) {
		it.Code = domain.NormalizeCode(it.Code)
		normTexts(&it.Name, &it.Target, &it.Basis, &it.Unit, &it.Conditions, &it.Process, &it.TimeLimit,
			&it.Fees, &it.ConsultPhone, &it.ComplaintPhone)
		it.Materials = normList(it.Materials)
	},
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
		if len(maps) > 0 {
			return rep, fmt.Errorf("%w: --map applies to CSV and XLSX columns, not to JSON list items", ErrUsage)
		}
		lr, err = readListJSON(opt.Path, k)
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

	emptyFlow := make([]bool, len(lr.items))
	for i := range lr.items {
		f := k.flow(&lr.items[i])
		if f == nil || len(f.Nodes) > 0 || len(f.Edges) > 0 {
			continue
		}
		if opt.DefaultFlow != nil {
			*f = opt.DefaultFlow(k.kind, k.category(lr.items[i]))
		}
		emptyFlow[i] = len(f.Nodes) == 0 && len(f.Edges) == 0
	}

	// Duplicate codes are reported here, naming every row involved; the
	// domain's own duplicate report names item positions, so it is dropped.
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
	in := store.ListInput{Kind: k.kind, EffectiveDate: eff, Note: opt.Note}
	k.input(&in, lr.items)
	res, err := w.PublishList(ctx, opt.Actor, in, store.WriteOptions{Demo: opt.Demo})
	if err != nil {
		return rep, err
	}
	rep.Written = true
	rep.Created, rep.Updated, rep.Removed = res.Added, res.Changed, res.Removed
	rep.Unchanged = res.Items - res.Added - res.Changed
	rep.Version, rep.VersionCreated = res.Number, res.Created
	return rep, nil
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
func readListJSON[T any](path string, k listKind[T]) (listRows[T], error) {
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
		if err := jr.dec.Decode(&it); err != nil {
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

func normTexts(ps ...*string) {
	for _, p := range ps {
		*p = domain.NormalizeText(*p)
	}
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
