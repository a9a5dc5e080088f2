package domain

// TypeInteger is a whole number written in decimal digits.
const TypeInteger FieldType = "integer"

// The data dictionaries of the enforcement registers. They have no
// national field codes, so, as for the lists, a field's code is its
// English name; inspection results, which go to the credit center like
// decisions, have JC_ (检查) codes in the style of the 双公示 standard and
// its party block. Every field is a Gongshi extension.

// Yes and No are how a yes/no field is written.
const (
	Yes = "是"
	No  = "否"
)

// BodyFields is the data dictionary of an enforcement body (执法主体).
var BodyFields = []Field{
	{Code: "name", Label: "主体名称", Name: "name", Type: TypeText, Required: true, Extension: true},
	{Code: "credit_code", Label: "统一社会信用代码", Name: "credit_code", Type: TypeCode, Required: true, Extension: true},
	{Code: "legal_basis", Label: "职权依据", Name: "legal_basis", Type: TypeText, Required: true, Extension: true},
	{Code: "district_code", Label: "行政区划代码", Name: "district_code", Type: TypeCode, Required: true, Extension: true},
	{Code: "entrusted", Label: "是否受委托", Name: "entrusted", Type: TypeEnum, Allowed: []string{Yes, No}, Extension: true},
	{Code: "entrusting_body", Label: "委托机关", Name: "entrusting_body", Type: TypeText, Extension: true},
	{Code: "entrusting_code", Label: "委托机关统一社会信用代码", Name: "entrusting_code", Type: TypeCode, Extension: true},
	{Code: "status", Label: "状态", Name: "status", Type: TypeEnum, Allowed: enumStrings(BodyStatuses), Extension: true},
	{Code: "remarks", Label: "备注", Name: "remarks", Type: TypeText, Extension: true},
}

// OfficerFields is the data dictionary of an enforcement officer (执法人员).
var OfficerFields = []Field{
	{Code: "certificate_no", Label: "执法证号", Name: "certificate_no", Type: TypeCode, Required: true, Extension: true},
	{Code: "name", Label: "姓名", Name: "name", Type: TypeText, Required: true, Extension: true},
	{Code: "issuing_authority", Label: "发证机关", Name: "issuing_authority", Type: TypeText, Required: true, Extension: true},
	{Code: "body_code", Label: "所属执法主体统一社会信用代码", Name: "body_code", Type: TypeCode, Required: true, Extension: true},
	{Code: "body", Label: "所属执法主体", Name: "body", Type: TypeText, Extension: true},
	{Code: "status", Label: "状态", Name: "status", Type: TypeEnum, Allowed: enumStrings(OfficerStatuses), Required: true, Extension: true},
	{Code: "valid_until", Label: "有效期至", Name: "valid_until", Type: TypeDate, Required: true, Extension: true},
}

// InspectionItemFields is the data dictionary of an item of the
// random-inspection list (随机抽查事项清单).
var InspectionItemFields = []Field{
	{Code: "code", Label: "事项编码", Name: "code", Type: TypeCode, Required: true, Extension: true},
	{Code: "name", Label: "抽查事项", Name: "name", Type: TypeText, Required: true, Extension: true},
	{Code: "category", Label: "抽查类别", Name: "category", Type: TypeEnum, Allowed: InspectionItemCategories, Required: true, Extension: true},
	{Code: "scope", Label: "检查对象", Name: "scope", Type: TypeText, Required: true, Extension: true},
	{Code: "method", Label: "检查方式", Name: "method", Type: TypeText, Required: true, Extension: true},
	{Code: "body", Label: "检查主体", Name: "body", Type: TypeText, Required: true, Extension: true},
	{Code: "basis", Label: "检查依据", Name: "basis", Type: TypeText, Required: true, Extension: true},
	{Code: "frequency", Label: "抽查比例及频次", Name: "frequency", Type: TypeText, Required: true, Extension: true},
	{Code: "remarks", Label: "备注", Name: "remarks", Type: TypeText, Extension: true},
}

// InspectionTaskFields is the data dictionary of a random inspection task.
var InspectionTaskFields = []Field{
	{Code: "code", Label: "任务编号", Name: "code", Type: TypeText, Required: true, Extension: true},
	{Code: "name", Label: "任务名称", Name: "name", Type: TypeText, Required: true, Extension: true},
	{Code: "body_code", Label: "实施主体统一社会信用代码", Name: "body_code", Type: TypeCode, Required: true, Extension: true},
	{Code: "body", Label: "实施主体", Name: "body", Type: TypeText, Extension: true},
	{Code: "plan_year", Label: "计划年度", Name: "plan_year", Type: TypeInteger, Extension: true},
	{Code: "item_codes", Label: "抽查事项编码", Name: "item_codes", Type: TypeText, Required: true, Extension: true},
	{Code: "start_date", Label: "开始日期", Name: "start_date", Type: TypeDate, Required: true, Extension: true},
	{Code: "end_date", Label: "结束日期", Name: "end_date", Type: TypeDate, Required: true, Extension: true},
	{Code: "candidates", Label: "抽查对象名录库企业数", Name: "candidates", Type: TypeInteger, Required: true, Extension: true},
	{Code: "drawn", Label: "抽取企业数", Name: "drawn", Type: TypeInteger, Required: true, Extension: true},
	{Code: "inspector_pool", Label: "执法检查人员名录库人数", Name: "inspector_pool", Type: TypeInteger, Extension: true},
	{Code: "inspectors", Label: "抽取执法人员数", Name: "inspectors", Type: TypeInteger, Extension: true},
	{Code: "seed", Label: "随机种子", Name: "seed", Type: TypeText, Required: true, Extension: true},
	{Code: "algorithm", Label: "抽取算法", Name: "algorithm", Type: TypeEnum, Allowed: DrawAlgorithms, Extension: true},
	{Code: "drawn_on", Label: "抽取日期", Name: "drawn_on", Type: TypeDate, Required: true, Extension: true},
	{Code: "remarks", Label: "备注", Name: "remarks", Type: TypeText, Extension: true},
}

// InspectionResultFields is the data dictionary of an inspection result,
// as ingested and imported.
var InspectionResultFields = concatFields(
	[]Field{
		{Code: "JC_JLBH", Label: "检查记录编号", Name: "record_no", Type: TypeText, Required: true, Extension: true},
		{Code: "JC_JCZT", Label: "检查主体", Name: "body", Type: TypeText, Extension: true},
		{Code: "JC_JCZTDM", Label: "检查主体统一社会信用代码", Name: "body_code", Type: TypeCode, Required: true, Extension: true},
		{Code: "JC_RWBH", Label: "抽查任务编号", Name: "task_code", Type: TypeText, Extension: true},
		{Code: "JC_JCLX", Label: "检查类型", Name: "kind", Type: TypeEnum, Allowed: InspectionKinds, Extension: true},
	},
	partyFields("JC"),
	[]Field{
		{Code: "JC_HYLY", Label: "行业领域", Name: "category", Type: TypeEnum, Allowed: EnterpriseCategories, Required: true, Extension: true},
		{Code: "JC_JCRQ", Label: "检查日期", Name: "inspection_date", Type: TypeDate, Required: true, Extension: true},
		{Code: "JC_JCJG", Label: "检查结果", Name: "outcome", Type: TypeEnum, Allowed: enumStrings(InspectionOutcomes), Required: true, Extension: true},
		{Code: "JC_YHS", Label: "发现隐患数", Name: "hazards", Type: TypeInteger, Extension: true},
		{Code: "JC_CFWSH", Label: "行政处罚决定书文号", Name: "penalty_decision_no", Type: TypeText, Extension: true},
		{Code: "JC_CFJGDM", Label: "处罚机关统一社会信用代码", Name: "penalty_agency_code", Type: TypeCode, Extension: true},
		{Code: "JC_JCQK", Label: "检查情况", Name: "summary", Type: TypeText, Extension: true},
	},
)

// InspectionResultPublishedField is the field the published form of an
// inspection result adds: its publication date (公示日期).
var InspectionResultPublishedField = Field{Code: "JC_GSRQ", Label: "公示日期", Name: "published_on", Type: TypeDate, Extension: true}

// InspectionResultExportFields is the data dictionary of the published
// inspection results (dataset, feed): InspectionResultFields and the
// publication date.
var InspectionResultExportFields = concatFields(InspectionResultFields, []Field{InspectionResultPublishedField})

// PlanFields is the data dictionary of an annual enforcement plan in a
// file: one row per target, the plan's own fields repeated on each.
var PlanFields = []Field{
	{Code: "year", Label: "计划年度", Name: "year", Type: TypeInteger, Required: true, Extension: true},
	{Code: "body_code", Label: "执法主体统一社会信用代码", Name: "body_code", Type: TypeCode, Required: true, Extension: true},
	{Code: "body", Label: "执法主体", Name: "body", Type: TypeText, Extension: true},
	{Code: "name", Label: "计划名称", Name: "name", Type: TypeText, Required: true, Extension: true},
	{Code: "approved_on", Label: "批准日期", Name: "approved_on", Type: TypeDate, Required: true, Extension: true},
	{Code: "category", Label: "行业领域", Name: "category", Type: TypeEnum, Allowed: EnterpriseCategories, Required: true, Extension: true},
	{Code: "enterprises", Label: "计划检查企业数", Name: "enterprises", Type: TypeInteger, Required: true, Extension: true},
	{Code: "remarks", Label: "备注", Name: "remarks", Type: TypeText, Extension: true},
}

// ReferralFields is the data dictionary of a criminal-referral count.
var ReferralFields = []Field{
	{Code: "year", Label: "年度", Name: "year", Type: TypeInteger, Required: true, Extension: true},
	{Code: "quarter", Label: "季度", Name: "quarter", Type: TypeText, Required: true, Extension: true},
	{Code: "body_code", Label: "移送机关统一社会信用代码", Name: "body_code", Type: TypeCode, Required: true, Extension: true},
	{Code: "body", Label: "移送机关", Name: "body", Type: TypeText, Extension: true},
	{Code: "stage", Label: "案件类型", Name: "stage", Type: TypeEnum, Allowed: enumStrings(Stages), Required: true, Extension: true},
	{Code: "cases", Label: "移送案件数", Name: "cases", Type: TypeInteger, Required: true, Extension: true},
	{Code: "persons", Label: "涉案人数", Name: "persons", Type: TypeInteger, Required: true, Extension: true},
}

// The longest value, in characters, of the text fields of each dictionary
// that has a bound; the database checks the same bounds.
var (
	bodyMaxLen    = map[string]int{"name": 100, "legal_basis": 4000, "entrusting_body": 100, "remarks": 1000}
	officerMaxLen = map[string]int{"name": 50, "issuing_authority": 100, "body": 100}
	itemMaxLen    = map[string]int{"code": 50, "name": 200, "scope": 2000, "method": 200, "body": 200, "basis": 4000,
		"frequency": 200, "remarks": 1000}
	taskMaxLen   = map[string]int{"code": 100, "name": 200, "body": 100, "seed": 128, "remarks": 1000}
	resultMaxLen = map[string]int{"JC_JLBH": 100, "JC_JCZT": 100, "JC_RWBH": 100, "JC_XDR_MC": 200, "JC_XDR_GSZC": 50,
		"JC_XDR_SWDJ": 50, "JC_XDR_SYDW": 50, "JC_XDR_SHZZ": 50, "JC_FRDB": 100, "JC_FR_ZJHM": 50, "JC_XDR_ZJHM": 50,
		"JC_CFWSH": 100, "JC_JCQK": 2000}
	planMaxLen     = map[string]int{"body": 100, "name": 200, "remarks": 1000}
	referralMaxLen = map[string]int{"body": 100}
)

// Numeric bounds, also checked by the database.
const (
	itemCodeMax    = 50
	maxItemCodes   = 100
	maxCandidates  = MaxDrawCandidates
	maxDrawn       = 100_000
	maxPool        = 100_000
	maxHazards     = 10_000
	maxEnterprises = 1_000_000
	maxCases       = 100_000
	maxPersons     = 1_000_000
	minPlanYear    = 2000
	maxPlanYear    = 2100
	// WithdrawNoteMax is the longest explanation of a withdrawal of an
	// inspection result.
	WithdrawNoteMax = 500
)
