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
	// MaxLength is the most characters the field accepts, counted after
	// normalisation (see CheckText); migration 00010_text_lengths holds the same limits
	// as CHECK constraints.
	MaxLength int `json:"max_length"`
	// Multiline fields are prose that may hold tabs and line breaks.
	Multiline bool `json:"multiline,omitempty"`
}

// Rule returns what f accepts as text.
func (f Field) Rule() TextRule { return TextRule{MaxLength: f.MaxLength, Multiline: f.Multiline} }

func enumStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// The lengths below are those of the national 双公示 data standard (行政许可、
// 行政处罚信用信息数据标准, C..n = at most n characters) as public
// implementations of it define their columns. Marked "confirmed" where a
// public schema of the standard's CF_ layout shows the same length;
// "unconfirmed" values are the commonly documented ones (or, for
// identifiers, the longest real form) and should be checked against the
// standard's text. Dates and amounts are limited only as input: they are
// stored as date and numeric.

func partyFields(p string) []Field {
	return []Field{
		{Code: p + "_XDR_MC", Label: "行政相对人名称", Name: "party_name", Type: TypeText, Required: true, MaxLength: 200},                                  // confirmed
		{Code: p + "_XDR_LB", Label: "行政相对人类别", Name: "party_kind", Type: TypeEnum, Allowed: enumStrings(PartyKinds), Required: true, MaxLength: 16}, // unconfirmed
		{Code: p + "_XDR_SHXYM", Label: "统一社会信用代码", Name: "credit_code", Type: TypeCode, MaxLength: 18},                                              // GB 32100
		{Code: p + "_XDR_GSZC", Label: "工商注册号", Name: "business_reg_no", Type: TypeCode, MaxLength: 50},                                              // confirmed
		{Code: p + "_XDR_ZZJG", Label: "组织机构代码", Name: "org_code", Type: TypeCode, MaxLength: 10},                                                    // GB 11714: 9, or 10 as printed (12345678-9)
		{Code: p + "_XDR_SWDJ", Label: "税务登记号", Name: "tax_reg_no", Type: TypeCode, MaxLength: 20},                                                   // unconfirmed: 15, 18 or 20 characters in use
		{Code: p + "_XDR_SYDW", Label: "事业单位证书号", Name: "institution_no", Type: TypeCode, MaxLength: 50},                                             // unconfirmed
		{Code: p + "_XDR_SHZZ", Label: "社会组织登记证号", Name: "social_org_no", Type: TypeCode, MaxLength: 50},                                             // confirmed
		{Code: p + "_FRDB", Label: "法定代表人", Name: "legal_rep", Type: TypeText, MaxLength: 50},                                                        // confirmed
		{Code: p + "_FR_ZJLX", Label: "法定代表人证件类型", Name: "legal_rep_id_type", Type: TypeEnum, Allowed: IDTypes, MaxLength: 64},                       // confirmed
		{Code: p + "_FR_ZJHM", Label: "法定代表人证件号码", Name: "legal_rep_id_no", Type: TypeCode, Personal: true, MaxLength: 64},                           // confirmed
		{Code: p + "_XDR_ZJLX", Label: "证件类型", Name: "id_type", Type: TypeEnum, Allowed: IDTypes, MaxLength: 64},                                     // confirmed
		{Code: p + "_XDR_ZJHM", Label: "证件号码", Name: "id_no", Type: TypeCode, Personal: true, MaxLength: 64},                                         // confirmed
	}
}

// PenaltyFields is the data dictionary of a penalty, in the standard's order.
var PenaltyFields = concatFields(
	[]Field{{Code: "CF_WSH", Label: "行政处罚决定书文号", Name: "decision_no", Type: TypeText, Required: true, MaxLength: 128}}, // confirmed
	partyFields("CF"),
	[]Field{
		{Code: "CF_WFXW", Label: "违法行为类型", Name: "violation_type", Type: TypeText, Required: true, MaxLength: 2000, Multiline: true},      // unconfirmed
		{Code: "CF_SY", Label: "违法事实", Name: "facts", Type: TypeText, Required: true, MaxLength: 2000, Multiline: true},                   // unconfirmed
		{Code: "CF_YJ", Label: "处罚依据", Name: "basis", Type: TypeText, Required: true, MaxLength: 2000, Multiline: true},                   // unconfirmed
		{Code: "CF_CFLB", Label: "处罚类别", Name: "categories", Type: TypeEnums, Allowed: PenaltyCategories, Required: true, MaxLength: 256}, // unconfirmed
		{Code: "CF_NR", Label: "处罚内容", Name: "content", Type: TypeText, Required: true, MaxLength: 4000, Multiline: true},                 // unconfirmed
		{Code: "CF_NR_FK", Label: "罚款金额（万元）", Name: "fine", Type: TypeMoney, Unit: "万元", MaxLength: 32},
		{Code: "CF_NR_WFFF", Label: "没收违法所得、没收非法财物的金额（万元）", Name: "confiscated", Type: TypeMoney, Unit: "万元", MaxLength: 32},
		{Code: "CF_NR_ZKDX", Label: "暂扣或吊销证照名称及编号", Name: "licence_affected", Type: TypeText, MaxLength: 200}, // confirmed
		{Code: "CF_JDRQ", Label: "处罚决定日期", Name: "decision_date", Type: TypeDate, Required: true, MaxLength: 32},
		{Code: "CF_YXQ", Label: "处罚有效期", Name: "valid_until", Type: TypeDate, MaxLength: 32},
		{Code: "CF_GSJZQ", Label: "公示截止期", Name: "publicity_until", Type: TypeDate, MaxLength: 32},
		{Code: "CF_CFJG", Label: "处罚机关", Name: "agency", Type: TypeText, Required: true, MaxLength: 200},                 // confirmed
		{Code: "CF_CFJGDM", Label: "处罚机关统一社会信用代码", Name: "agency_code", Type: TypeCode, Required: true, MaxLength: 18},   // confirmed
		{Code: "CF_SJLY", Label: "数据来源单位", Name: "source", Type: TypeText, Required: true, MaxLength: 200},               // confirmed
		{Code: "CF_SJLYDM", Label: "数据来源单位统一社会信用代码", Name: "source_code", Type: TypeCode, Required: true, MaxLength: 18}, // confirmed
		{Code: "BZ", Label: "备注", Name: "remarks", Type: TypeText, MaxLength: 512, Multiline: true},                      // unconfirmed
		{Code: "CF_AJJD", Label: "案件阶段", Name: "stage", Type: TypeEnum, Allowed: enumStrings(Stages), Extension: true, MaxLength: 16},
		{Code: "CF_GSLB", Label: "公示类别", Name: "publicity_class", Type: TypeEnum, Allowed: enumStrings(PublicityClasses), Extension: true, MaxLength: 16},
	},
)

// PermitFields is the data dictionary of a permit, in the standard's order.
var PermitFields = concatFields(
	[]Field{
		{Code: "XK_XKWS", Label: "行政许可决定文书名称", Name: "document_name", Type: TypeText, Required: true, MaxLength: 64}, // unconfirmed
		{Code: "XK_WSH", Label: "行政许可决定文书号", Name: "decision_no", Type: TypeText, Required: true, MaxLength: 64},     // unconfirmed
	},
	partyFields("XK"),
	[]Field{
		{Code: "XK_XKLB", Label: "许可类别", Name: "category", Type: TypeEnum, Allowed: PermitCategories, Required: true, MaxLength: 256}, // unconfirmed
		{Code: "XK_XKZS", Label: "许可证书名称", Name: "certificate_name", Type: TypeText, MaxLength: 64},                                   // unconfirmed
		{Code: "XK_XKBH", Label: "许可编号", Name: "permit_no", Type: TypeText, MaxLength: 64},                                            // unconfirmed
		{Code: "XK_NR", Label: "许可内容", Name: "content", Type: TypeText, Required: true, MaxLength: 4000, Multiline: true},             // unconfirmed
		{Code: "XK_JDRQ", Label: "许可决定日期", Name: "decision_date", Type: TypeDate, Required: true, MaxLength: 32},
		{Code: "XK_YXQZ", Label: "有效期自", Name: "valid_from", Type: TypeDate, Required: true, MaxLength: 32},
		{Code: "XK_YXQZI", Label: "有效期至", Name: "valid_to", Type: TypeDate, Required: true, MaxLength: 32},
		{Code: "XK_XKJG", Label: "许可机关", Name: "agency", Type: TypeText, Required: true, MaxLength: 200}, // unconfirmed: as CF_CFJG
		{Code: "XK_XKJGDM", Label: "许可机关统一社会信用代码", Name: "agency_code", Type: TypeCode, Required: true, MaxLength: 18},
		{Code: "XK_ZT", Label: "当前状态", Name: "state", Type: TypeEnum, Allowed: enumStrings(PermitStates), Required: true, MaxLength: 16},
		{Code: "XK_LYDW", Label: "数据来源单位", Name: "source", Type: TypeText, Required: true, MaxLength: 200}, // unconfirmed: as CF_SJLY
		{Code: "XK_LYDWDM", Label: "数据来源单位统一社会信用代码", Name: "source_code", Type: TypeCode, Required: true, MaxLength: 18},
		{Code: "BZ", Label: "备注", Name: "remarks", Type: TypeText, MaxLength: 512, Multiline: true}, // unconfirmed
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
