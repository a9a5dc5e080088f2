package domain

// FieldType is the value type of a data-dictionary field.
type FieldType string

const (
	TypeText  FieldType = "text"
	TypeCode  FieldType = "code"  // an identifier: normalised to half-width upper case
	TypeDate  FieldType = "date"  // YYYY-MM-DD
	TypeMoney FieldType = "money" // decimal, in the unit given
	TypeEnum  FieldType = "enum"  // one of Allowed
	TypeEnums FieldType = "enums" // one or more of Allowed, separated by ; or 、 or ,
)

// Field describes one column of a published record: its standard code, its
// Chinese label, the English name used by the JSON API, and its type.
type Field struct {
	Code      string    `json:"code"`
	Label     string    `json:"label"`
	Name      string    `json:"name"`
	Type      FieldType `json:"type"`
	Unit      string    `json:"unit,omitempty"`
	Allowed   []string  `json:"allowed,omitempty"`
	Required  bool      `json:"required"`
	Extension bool      `json:"extension,omitempty"` // not in the 双公示 standard; a Gongshi addition
	Personal  bool      `json:"personal,omitempty"`  // a natural person's identifier: masked publicly
}

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func partyFields(p string) []Field {
	return []Field{
		{Code: p + "_XDR_MC", Label: "行政相对人名称", Name: "party_name", Type: TypeText, Required: true},
		{Code: p + "_XDR_LB", Label: "行政相对人类别", Name: "party_kind", Type: TypeEnum, Allowed: enumStrings(PartyKinds), Required: true},
		{Code: p + "_XDR_SHXYM", Label: "统一社会信用代码", Name: "credit_code", Type: TypeCode},
		{Code: p + "_XDR_GSZC", Label: "工商注册号", Name: "business_reg_no", Type: TypeCode},
		{Code: p + "_XDR_ZZJG", Label: "组织机构代码", Name: "org_code", Type: TypeCode},
		{Code: p + "_XDR_SWDJ", Label: "税务登记号", Name: "tax_reg_no", Type: TypeCode},
		{Code: p + "_XDR_SYDW", Label: "事业单位证书号", Name: "institution_no", Type: TypeCode},
		{Code: p + "_XDR_SHZZ", Label: "社会组织登记证号", Name: "social_org_no", Type: TypeCode},
		{Code: p + "_FRDB", Label: "法定代表人", Name: "legal_rep", Type: TypeText},
		{Code: p + "_FR_ZJLX", Label: "法定代表人证件类型", Name: "legal_rep_id_type", Type: TypeEnum, Allowed: IDTypes},
		{Code: p + "_FR_ZJHM", Label: "法定代表人证件号码", Name: "legal_rep_id_no", Type: TypeCode, Personal: true},
		{Code: p + "_XDR_ZJLX", Label: "证件类型", Name: "id_type", Type: TypeEnum, Allowed: IDTypes},
		{Code: p + "_XDR_ZJHM", Label: "证件号码", Name: "id_no", Type: TypeCode, Personal: true},
	}
}

// PenaltyFields is the data dictionary of a penalty, in the standard's order.
var PenaltyFields = concatFields(
	[]Field{{Code: "CF_WSH", Label: "行政处罚决定书文号", Name: "decision_no", Type: TypeText, Required: true}},
	partyFields("CF"),
	[]Field{
		{Code: "CF_WFXW", Label: "违法行为类型", Name: "violation_type", Type: TypeText, Required: true},
		{Code: "CF_SY", Label: "违法事实", Name: "facts", Type: TypeText, Required: true},
		{Code: "CF_YJ", Label: "处罚依据", Name: "basis", Type: TypeText, Required: true},
		{Code: "CF_CFLB", Label: "处罚类别", Name: "categories", Type: TypeEnums, Allowed: PenaltyCategories, Required: true},
		{Code: "CF_NR", Label: "处罚内容", Name: "content", Type: TypeText, Required: true},
		{Code: "CF_NR_FK", Label: "罚款金额（万元）", Name: "fine", Type: TypeMoney, Unit: "万元"},
		{Code: "CF_NR_WFFF", Label: "没收违法所得、没收非法财物的金额（万元）", Name: "confiscated", Type: TypeMoney, Unit: "万元"},
		{Code: "CF_NR_ZKDX", Label: "暂扣或吊销证照名称及编号", Name: "licence_affected", Type: TypeText},
		{Code: "CF_JDRQ", Label: "处罚决定日期", Name: "decision_date", Type: TypeDate, Required: true},
		{Code: "CF_YXQ", Label: "处罚有效期", Name: "valid_until", Type: TypeDate},
		{Code: "CF_GSJZQ", Label: "公示截止期", Name: "publicity_until", Type: TypeDate},
		{Code: "CF_CFJG", Label: "处罚机关", Name: "agency", Type: TypeText, Required: true},
		{Code: "CF_CFJGDM", Label: "处罚机关统一社会信用代码", Name: "agency_code", Type: TypeCode, Required: true},
		{Code: "CF_SJLY", Label: "数据来源单位", Name: "source", Type: TypeText, Required: true},
		{Code: "CF_SJLYDM", Label: "数据来源单位统一社会信用代码", Name: "source_code", Type: TypeCode, Required: true},
		{Code: "BZ", Label: "备注", Name: "remarks", Type: TypeText},
		{Code: "CF_AJJD", Label: "案件阶段", Name: "stage", Type: TypeEnum, Allowed: enumStrings(Stages), Extension: true},
		{Code: "CF_GSLB", Label: "公示类别", Name: "publicity_class", Type: TypeEnum, Allowed: enumStrings(PublicityClasses), Extension: true},
	},
)

// PermitFields is the data dictionary of a permit, in the standard's order.
var PermitFields = concatFields(
	[]Field{
		{Code: "XK_XKWS", Label: "行政许可决定文书名称", Name: "document_name", Type: TypeText, Required: true},
		{Code: "XK_WSH", Label: "行政许可决定文书号", Name: "decision_no", Type: TypeText, Required: true},
	},
	partyFields("XK"),
	[]Field{
		{Code: "XK_XKLB", Label: "许可类别", Name: "category", Type: TypeEnum, Allowed: PermitCategories, Required: true},
		{Code: "XK_XKZS", Label: "许可证书名称", Name: "certificate_name", Type: TypeText},
		{Code: "XK_XKBH", Label: "许可编号", Name: "permit_no", Type: TypeText},
		{Code: "XK_NR", Label: "许可内容", Name: "content", Type: TypeText, Required: true},
		{Code: "XK_JDRQ", Label: "许可决定日期", Name: "decision_date", Type: TypeDate, Required: true},
		{Code: "XK_YXQZ", Label: "有效期自", Name: "valid_from", Type: TypeDate, Required: true},
		{Code: "XK_YXQZI", Label: "有效期至", Name: "valid_to", Type: TypeDate, Required: true},
		{Code: "XK_XKJG", Label: "许可机关", Name: "agency", Type: TypeText, Required: true},
		{Code: "XK_XKJGDM", Label: "许可机关统一社会信用代码", Name: "agency_code", Type: TypeCode, Required: true},
		{Code: "XK_ZT", Label: "当前状态", Name: "state", Type: TypeEnum, Allowed: enumStrings(PermitStates), Required: true},
		{Code: "XK_LYDW", Label: "数据来源单位", Name: "source", Type: TypeText, Required: true},
		{Code: "XK_LYDWDM", Label: "数据来源单位统一社会信用代码", Name: "source_code", Type: TypeCode, Required: true},
		{Code: "BZ", Label: "备注", Name: "remarks", Type: TypeText},
	},
)

func concatFields(parts ...[]Field) []Field {
	var out []Field
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// FieldByCode returns the field with the given standard code.
func FieldByCode(fields []Field, code string) (Field, bool) {
	for _, f := range fields {
		if f.Code == code {
			return f, true
		}
	}
	return Field{}, false
}
