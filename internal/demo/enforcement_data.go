package demo

import (
	"strings"

	"github.com/gongshi/gongshi/internal/domain"
)

// The fixed parts of the demo enforcement registers: the legal basis of
// the bureaus' authority, the entrusted bodies, the random-inspection list
// and how parties map to the industries inspections are counted by.

// bureauBasis is the legal source of a bureau's authority.
const bureauBasis = "《中华人民共和国安全生产法》第十条、《江苏省安全生产条例》第六条；" +
	"《中共苏州市委办公室 苏州市人民政府办公室关于印发〈苏州市应急管理局职能配置、内设机构和人员编制规定〉的通知》"

// entrustedBody is an organisation a bureau entrusts with enforcement.
type entrustedBody struct {
	name, region string
	by           int    // index into agencies
	body         string // its organization-code body
	basis        string
}

var entrustedBodies = []entrustedBody{
	{name: "苏州市应急管理综合行政执法支队", region: "320500", by: municipal, body: "MB050099",
		basis: "受苏州市应急管理局委托，以苏州市应急管理局名义实施安全生产行政执法（《中华人民共和国行政处罚法》第二十条）"},
	{name: "昆山市周市镇综合行政执法局", region: "320583", by: 9, body: "MB058398",
		basis: "受昆山市应急管理局委托，在本镇范围内实施安全生产监督检查（《中华人民共和国行政处罚法》第二十条、第二十一条）"},
}

// inspectionItemLine is one item of the random-inspection list.
type inspectionItemLine struct {
	code, name, category, scope, method, basis, frequency string
}

// inspectionItemLines are the items of version 1; version 2 (2026) drops
// SJ-009, changes the frequency of SJ-002 and adds SJ-011 and SJ-012.
var inspectionItemLines = []inspectionItemLine{
	{"SJ-001", "危险化学品生产企业安全生产情况的检查", "重点检查事项", "危险化学品生产企业", "现场检查、书面检查",
		"《中华人民共和国安全生产法》第六十五条、《危险化学品安全管理条例》第六条", "每年抽查比例不低于10%"},
	{"SJ-002", "危险化学品经营企业安全生产情况的检查", "重点检查事项", "取得危险化学品经营许可证的企业", "现场检查",
		"《危险化学品安全管理条例》第六条、《危险化学品经营许可证管理办法》第二十八条", "每年抽查比例不低于5%"},
	{"SJ-003", "烟花爆竹经营单位安全生产情况的检查", "重点检查事项", "烟花爆竹批发企业和零售经营者", "现场检查",
		"《烟花爆竹安全管理条例》第四条、《烟花爆竹经营许可实施办法》第二十八条", "春节前集中抽查，比例不低于20%"},
	{"SJ-004", "非煤矿山企业安全生产情况的检查", "重点检查事项", "非煤矿山企业", "现场检查",
		"《中华人民共和国矿山安全法》第三十三条、《非煤矿矿山企业安全生产许可证实施办法》第四十条", "每年全覆盖"},
	{"SJ-005", "冶金等工贸企业安全生产情况的检查", "一般检查事项", "冶金、有色、建材、机械、轻工、纺织、烟草、商贸企业",
		"现场检查、书面检查", "《中华人民共和国安全生产法》第六十五条、《工贸企业重大事故隐患判定标准》", "每年抽查比例不低于5%"},
	{"SJ-006", "粉尘涉爆企业安全生产情况的检查", "重点检查事项", "存在可燃性粉尘作业场所的工贸企业", "现场检查",
		"《工贸企业粉尘防爆安全规定》第二十七条", "每年抽查比例不低于10%"},
	{"SJ-007", "有限空间作业安全管理情况的检查", "一般检查事项", "存在有限空间作业的生产经营单位", "现场检查",
		"《工贸企业有限空间作业安全规定》第二十三条", "每年抽查比例不低于5%"},
	{"SJ-008", "生产经营单位主要负责人和安全生产管理人员考核情况的检查", "一般检查事项", "各类生产经营单位", "书面检查",
		"《中华人民共和国安全生产法》第二十七条、《生产经营单位安全培训规定》第二十四条", "每年抽查比例不低于3%"},
	{"SJ-009", "安全生产标准化达标情况的检查", "一般检查事项", "已取得安全生产标准化证书的企业", "书面检查、现场核查",
		"《企业安全生产标准化建设定级办法》第二十二条", "每年抽查比例不低于3%"},
	{"SJ-010", "特种作业人员持证上岗情况的检查", "一般检查事项", "涉及特种作业的生产经营单位", "现场检查",
		"《特种作业人员安全技术培训考核管理规定》第三十六条", "每年抽查比例不低于5%"},
}

// inspectionItemsV2 are the items added by version 2.
var inspectionItemsV2 = []inspectionItemLine{
	{"SJ-011", "安全评价检测检验机构执业情况的检查", "一般检查事项", "在本市从业的安全评价检测检验机构", "书面检查、现场核查",
		"《安全评价检测检验机构管理办法》第二十四条", "每年抽查比例不低于20%"},
	{"SJ-012", "重大事故隐患排查整治情况的检查", "重点检查事项", "存在重大事故隐患判定标准所列情形的企业", "现场检查",
		"《中华人民共和国安全生产法》第四十一条", "每季度抽查"},
}

// inspectionItems returns version 1 or 2 of the random-inspection list.
func inspectionItems(version int) []domain.InspectionItem {
	lines := inspectionItemLines
	if version >= 2 {
		lines = append(append([]inspectionItemLine{}, inspectionItemLines...), inspectionItemsV2...)
	}
	var out []domain.InspectionItem
	for _, l := range lines {
		if version >= 2 && l.code == "SJ-009" {
			continue
		}
		if version >= 2 && l.code == "SJ-002" {
			l.frequency = "每年抽查比例不低于10%"
		}
		out = append(out, domain.InspectionItem{Code: l.code, Name: l.name, Category: l.category, Scope: l.scope,
			Method: l.method, Body: "苏州市应急管理局及各市、区应急管理局", Basis: l.basis, Frequency: l.frequency, Remarks: Remark})
	}
	return out
}

// taskItems are the items a task of an industry checks.
var taskItems = map[string][]string{
	"危险化学品": {"SJ-001", "SJ-002"},
	"烟花爆竹":  {"SJ-003"},
	"工贸":    {"SJ-005", "SJ-006", "SJ-007"},
}

// categoryOf returns the industry (domain.EnterpriseCategories) of a demo
// party, from its name: company names end in their industry (精密机械有限公司),
// shop names in their trade (烟花爆竹经营部).
func categoryOf(name string) string {
	for _, s := range shopKinds {
		if strings.HasSuffix(name, s.name) {
			return tagCategory(s.tag, s.name)
		}
	}
	for _, ind := range industries {
		if strings.Contains(name, ind.name) {
			return tagCategory(ind.tag, ind.name)
		}
	}
	return "其他"
}

func tagCategory(tag, name string) string {
	switch name {
	case "铝业":
		return "有色"
	case "餐饮管理", "酒店管理", "饭店", "小吃店", "面馆", "餐馆", "便利店", "副食品店", "烟酒店":
		return "商贸"
	}
	switch tag {
	case tagChem, tagChemSale:
		return "危险化学品"
	case "fireworks":
		return "烟花爆竹"
	case tagMetal:
		return "冶金"
	case tagMech:
		return "机械"
	case tagTextile:
		return "纺织"
	case tagFood, tagWood:
		return "轻工"
	case tagStore:
		return "商贸"
	case tagBuild:
		return "建材"
	}
	return "其他"
}
