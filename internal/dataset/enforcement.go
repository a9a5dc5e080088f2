package dataset

import "github.com/gongshi/gongshi/internal/domain"

// The open datasets of the enforcement disclosure records. They are
// downloaded live, like the datasets of All, but have no daily snapshots;
// the store reads their rows (store.ExportEnforcementDataset).
const (
	InspectionResults = "inspection-results" // 检查结果: published inspection results, masked
	Officers          = "officers"           // 执法人员: name, certificate, body, status and validity only
)

// Enforcement lists the enforcement datasets, in catalog order.
var Enforcement = []Dataset{
	{
		Name: InspectionResults, Entity: "inspection_result", Fields: domain.InspectionResultExportFields,
		Title: Text{"zh-CN": "行政检查结果（双随机、一公开）", "en": "Inspection results (random inspections and others)"},
		Description: Text{
			"zh-CN": "各执法主体实施的双随机抽查及其他行政检查的结果：被检查单位、检查日期、检查结果、发现隐患数及立案查处的处罚决定书文号；自然人证件号码已脱敏，已撤回的结果不含在内。",
			"en":    "Results of the random and other inspections of the enforcement bodies: the inspected party, date, outcome, hazards found and, for cases, the penalty decision; natural persons' ID numbers are masked; withdrawn results are excluded.",
		},
		Keywords: []string{"双随机、一公开", "行政检查", "应急管理", "安全生产", "苏州"},
	},
	{
		Name: Officers, Entity: "enforcement_officer", Fields: domain.OfficerFields,
		Title: Text{"zh-CN": "行政执法人员名单", "en": "Enforcement officers"},
		Description: Text{
			"zh-CN": "持有行政执法证件的人员：姓名、执法证号、发证机关、所属执法主体、证件状态及有效期，不含其他个人信息。",
			"en":    "Holders of enforcement certificates: name, certificate number, issuing authority, body, status and validity — no other personal data.",
		},
		Keywords: []string{"执法人员", "执法证", "行政执法公示", "苏州"},
	},
}

// EnforcementByName returns the enforcement dataset called name.
func EnforcementByName(name string) (Dataset, bool) {
	for _, d := range Enforcement {
		if d.Name == name {
			return d, true
		}
	}
	return Dataset{}, false
}
