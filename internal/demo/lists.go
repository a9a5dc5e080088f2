package demo

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// The three lists are published in two versions each: the first after the
// 2019 institutional reform that created the bureau, the second after the
// 2021 amendment of 安全生产法, which renumbered most penalty provisions
// (changed items), created new ones (added) and ended a few (removed).

// powerLine is one power item as listed in both versions.
type powerLine struct {
	category string
	law      string // with 《》
	old, cur string // article in version 1 and 2; "" when absent
	name     string
}

func splitLines(raw string) [][]string {
	var out [][]string
	for _, line := range strings.Split(raw, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, strings.Split(line, "|"))
		}
	}
	return out
}

func article(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

// lawAndArticle splits "《…》第…" into the law and the article.
func lawAndArticle(basis string) (string, string) {
	i := strings.Index(basis, "》")
	if i < 0 {
		return basis, ""
	}
	return basis[:i+len("》")], basis[i+len("》"):]
}

// powerLines returns every power item of both versions in a fixed order,
// which fixes their codes.
func powerLines() []powerLine {
	var out []powerLine
	for _, v := range violations {
		pl := powerLine{category: "行政处罚", name: "对" + v.wfxw + "的行政处罚"}
		if v.old != nil {
			pl.law, pl.old = lawAndArticle(v.old.basis)
		}
		if v.cur != nil {
			pl.law, pl.cur = lawAndArticle(v.cur.basis)
		}
		out = append(out, pl)
	}
	for _, f := range splitLines(penaltyPowerLines) {
		out = append(out, powerLine{"行政处罚", f[0], article(f[1]), article(f[2]), "对" + f[3] + "的行政处罚"})
	}
	for _, f := range splitLines(inspectionLines) {
		out = append(out, powerLine{"行政检查", f[0], article(f[1]), article(f[2]), "对" + f[3] + "的行政检查"})
	}
	for _, f := range splitLines(otherPowerLines) {
		out = append(out, powerLine{f[0], f[1], article(f[2]), article(f[3]), f[4]})
	}
	return out
}

var categoryCodes = map[string]string{
	"行政许可": "XK", "行政处罚": "CF", "行政强制": "QZ", "行政征收": "ZS", "行政给付": "JF",
	"行政检查": "JC", "行政确认": "QR", "行政奖励": "JL", "行政裁决": "CJ", "其他行政权力": "QT",
}

// lawRank is the 【】 label of a law in 设定依据.
func lawRank(law string) string {
	switch {
	case strings.HasPrefix(law, "《中华人民共和国"):
		return "【法律】"
	case strings.HasPrefix(law, "《江苏省"):
		return "【地方性法规】"
	case strings.HasSuffix(law, "条例》"):
		return "【行政法规】"
	}
	return "【部门规章】"
}

// responsibleUnit is the 责任处室 of an item, from its law and name.
func responsibleUnit(pl powerLine) string {
	const bureau = "苏州市应急管理局"
	text := pl.law + pl.name
	switch {
	case strings.Contains(text, "自然灾害") || strings.Contains(text, "救助"):
		return bureau + "救灾和物资保障处"
	case strings.Contains(text, "防洪") || strings.Contains(text, "防汛"):
		return bureau + "防汛抗旱处"
	case strings.Contains(text, "事故报告") || strings.Contains(text, "事故罚款") || strings.Contains(text, "事故调查") || strings.Contains(text, "事故等级"):
		return bureau + "调查评估和统计处"
	case strings.Contains(text, "应急预案") || strings.Contains(text, "应急条例") || strings.Contains(text, "突发事件"):
		return bureau + "救援协调和预案管理处"
	case strings.Contains(text, "危险化学品") || strings.Contains(text, "烟花爆竹") || strings.Contains(text, "易制毒") ||
		strings.Contains(text, "重大危险源") || strings.Contains(text, "化学品"):
		return bureau + "危险化学品安全监督管理处"
	case strings.Contains(text, "工贸") || strings.Contains(text, "粉尘") || strings.Contains(text, "有限空间") ||
		strings.Contains(text, "冶金") || strings.Contains(text, "食品") || strings.Contains(text, "劳动防护"):
		return bureau + "安全生产基础处"
	case strings.Contains(text, "培训") || strings.Contains(text, "特种作业"):
		return bureau + "宣传教育和培训处"
	case pl.category == "行政处罚" || pl.category == "行政强制" || pl.category == "行政检查":
		return bureau + "执法监督处（市应急管理综合行政执法支队）"
	}
	return bureau + "安全生产综合协调处"
}

// itemLevel is the 实施层级.
func itemLevel(pl powerLine) string {
	switch {
	case strings.Contains(pl.name, "零售") || strings.Contains(pl.name, "不带有储存") || strings.Contains(pl.name, "易制毒化学品经营备案") ||
		strings.Contains(pl.name, "易制毒化学品生产备案"):
		return "县级"
	case pl.category == "行政许可" || strings.Contains(pl.name, "较大") || strings.Contains(pl.name, "重大危险源备案"):
		return "市级"
	}
	return "市级、县级"
}

var stageDuties = map[string][]domain.Duty{
	"行政处罚": {
		{Stage: "立案", Content: "对监督检查发现、投诉举报、上级交办、部门移送的违法线索及时核查，符合立案条件的予以立案"},
		{Stage: "调查", Content: "指定两名以上执法人员调查取证，出示执法证件，全面、客观、公正地收集证据；与当事人有直接利害关系的应当回避"},
		{Stage: "审查", Content: "审查违法事实、证据、程序、法律适用和处罚种类、幅度，提出处理意见；重大执法决定进行法制审核，情节复杂或者重大违法行为集体讨论"},
		{Stage: "告知", Content: "作出行政处罚决定前告知当事人拟作出处罚的事实、理由、依据以及陈述、申辩和要求听证的权利"},
		{Stage: "决定", Content: "制作行政处罚决定书，载明违法事实和证据、处罚种类和依据、履行方式和期限、救济途径"},
		{Stage: "送达", Content: "依照法定方式送达行政处罚决定书，并于7个工作日内公示"},
		{Stage: "执行", Content: "监督当事人履行处罚决定；逾期不履行的，依法加处罚款或者申请人民法院强制执行"},
		{Stage: "其他", Content: "法律法规规章规定应履行的其他责任"},
	},
	"行政许可": {
		{Stage: "受理", Content: "公示许可条件、程序、期限和申请材料目录；对申请材料当场或者5日内作出是否受理的决定，材料不全的一次性告知补正内容"},
		{Stage: "审查", Content: "对申请材料进行审查，需要核实的指派两名以上工作人员实地核查"},
		{Stage: "决定", Content: "在法定期限内作出准予或者不予许可的书面决定，不予许可的说明理由并告知救济途径"},
		{Stage: "送达", Content: "自作出决定之日起10日内颁发、送达许可证件，并于7个工作日内公开"},
		{Stage: "事后监管", Content: "对被许可人从事许可事项的活动进行监督检查，发现不再具备许可条件的依法处理"},
		{Stage: "其他", Content: "法律法规规章规定应履行的其他责任"},
	},
	"行政强制": {
		{Stage: "审查", Content: "审查实施强制措施的事实、理由和依据，报行政机关负责人批准；情况紧急的，24小时内补办批准手续"},
		{Stage: "告知", Content: "通知当事人到场，当场告知采取行政强制措施的理由、依据以及当事人依法享有的权利和救济途径"},
		{Stage: "决定", Content: "制作并当场交付查封、扣押决定书和清单，制作现场笔录"},
		{Stage: "执行", Content: "妥善保管查封、扣押的财物，不得使用或者损毁；在法定期限内作出处理决定，及时解除不再需要的强制措施"},
		{Stage: "其他", Content: "法律法规规章规定应履行的其他责任"},
	},
	"行政检查": {
		{Stage: "审查", Content: "按照年度监督检查计划和“双随机、一公开”要求确定检查对象和执法人员，制定检查方案"},
		{Stage: "调查", Content: "两名以上执法人员出示证件进行现场检查，如实记录检查情况"},
		{Stage: "决定", Content: "发现事故隐患的责令立即排除或者限期整改，发现违法行为的依法查处"},
		{Stage: "事后监管", Content: "对整改情况进行复查，抽查检查结果依法向社会公开"},
		{Stage: "其他", Content: "法律法规规章规定应履行的其他责任"},
	},
}

var defaultDuties = []domain.Duty{
	{Stage: "受理", Content: "公示办理条件、程序、期限和材料目录，依法受理申请或者依职权启动"},
	{Stage: "审查", Content: "对材料和有关情况进行审查、核实"},
	{Stage: "决定", Content: "在规定期限内作出决定，不予办理的说明理由"},
	{Stage: "送达", Content: "依法送达决定文书，并按规定公开办理结果"},
	{Stage: "事后监管", Content: "加强事中事后监管，依法处理有关违法行为"},
	{Stage: "其他", Content: "法律法规规章规定应履行的其他责任"},
}

var accountability = map[string]string{
	"行政处罚": "因不履行或者不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任：1.没有法定的行政处罚依据的；2.擅自改变行政处罚种类、幅度的；3.违反法定的行政处罚程序的；4.违反“罚缴分离”规定，擅自收取罚款的；5.对应当予以制止和处罚的违法行为不予制止、处罚的；6.在行政处罚过程中滥用职权、玩忽职守、徇私舞弊的；7.其他违反法律法规规章规定的行为。依据：《中华人民共和国行政处罚法》第七十六条至第八十三条；《中华人民共和国安全生产法》第九十条。",
	"行政许可": "因不履行或者不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任：1.对符合法定条件的许可申请不予受理、不予许可或者不在法定期限内作出决定的；2.对不符合法定条件的申请人准予许可的；3.未一次性告知申请人必须补正的全部内容的；4.违法收取费用的；5.不依法履行监督职责或者监督不力的；6.其他违反法律法规规章规定的行为。依据：《中华人民共和国行政许可法》第七十一条至第七十七条。",
	"行政强制": "因不履行或者不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任：1.没有法律、法规依据实施行政强制的；2.改变行政强制对象、条件、方式的；3.违反法定程序实施行政强制的；4.扩大查封、扣押范围，或者使用、损毁查封、扣押财物的；5.在法定期间不作出处理决定或者未依法及时解除强制措施的；6.其他违反法律法规规章规定的行为。依据：《中华人民共和国行政强制法》第六十一条至第六十八条。",
	"行政检查": "因不履行或者不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任：1.未按照规定开展监督检查的；2.检查中发现重大事故隐患，不依法及时处理的；3.发现安全生产违法行为不予查处的；4.违反规定干扰企业正常生产经营的；5.其他违反法律法规规章规定的行为。依据：《中华人民共和国安全生产法》第九十条。",
}

const defaultAccountability = "因不履行或者不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任：1.对符合条件的不予办理或者不在规定期限内办理的；2.对不符合条件的予以办理的；3.滥用职权、玩忽职守、徇私舞弊的；4.其他违反法律法规规章规定的行为。依据：《中华人民共和国公职人员政务处分法》《行政机关公务员处分条例》。"

// itemRand is an item's own random source: its variations depend on the
// seed and its code only, not on the items before it.
func itemRand(seed uint64, code string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(code))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

const (
	timePlace   = "法定工作日上午9:00—12:00，下午13:30—17:00；苏州市政务服务中心应急管理窗口（苏州市姑苏区干将西路1288号）"
	onlineURL   = "https://www.jszwfw.gov.cn/"
	complaintPh = "12345"
)

func consultPhone(r *rand.Rand) string {
	return fmt.Sprintf("0512-6522%04d", r.IntN(10000))
}

// permitMaterials are the 申请材料 of a permit-like item.
func permitMaterials(name string) []string {
	switch {
	case strings.Contains(name, "经营许可") && strings.Contains(name, "危险化学品"):
		m := []string{"危险化学品经营许可证申请表", "营业执照", "安全生产规章制度和岗位操作规程目录清单",
			"主要负责人、安全生产管理人员安全生产知识和管理能力考核合格证明", "危险化学品事故应急预案",
			"经营场所产权证明或者租赁证明"}
		if strings.Contains(name, "带有储存") {
			m = append(m, "储存设施安全评价报告", "重大危险源辨识、评估和备案材料（构成重大危险源的）")
		}
		return m
	case strings.Contains(name, "烟花爆竹"):
		return []string{"烟花爆竹经营许可证申请书", "营业执照", "经营场所产权证明或者租赁合同",
			"主要负责人安全培训合格证明", "经营场所平面布置图及周边安全条件说明"}
	case strings.Contains(name, "安全使用许可"):
		return []string{"危险化学品安全使用许可证申请书", "营业执照", "安全评价报告", "重大危险源备案证明材料",
			"安全生产责任制文件、安全生产规章制度和操作规程清单", "事故应急预案及备案登记表"}
	case strings.Contains(name, "设计审查") || strings.Contains(name, "条件审查") || strings.Contains(name, "评价报告审查"):
		return []string{"审查申请书", "建设项目审批、核准或者备案文件", "安全预评价报告或者安全设施设计专篇", "专家评审意见及修改说明"}
	case strings.Contains(name, "备案"):
		return []string{"备案申请表", "营业执照", "安全管理制度", "主要负责人身份证明"}
	}
	return []string{"申请书", "营业执照或者身份证明", "与申请事项有关的证明材料"}
}

// guideFor writes an item's 运行指南.
func guideFor(r *rand.Rand, pl powerLine, basis string) domain.Guide {
	g := domain.Guide{
		Basis:          basis,
		TimePlace:      timePlace,
		Fees:           "不收费",
		ConsultPhone:   consultPhone(r),
		ComplaintPhone: complaintPh,
		Notes:          Remark + "：本运行指南为演示用途生成，不代表实际办理要求。",
	}
	switch pl.category {
	case "行政处罚":
		g.Applicant = "违反安全生产法律、法规、规章的生产经营单位及其有关人员"
		g.Channels = "依职权实施（监督检查发现、投诉举报、上级交办、部门移送）"
		g.Conditions = "违法事实清楚、证据确凿、适用依据正确、程序合法、处罚适当"
		g.Materials = []string{"立案审批表", "现场检查记录、询问笔录、证据材料", "行政处罚告知书及送达回证",
			"陈述申辩笔录或者听证笔录（如有）", "行政处罚决定书及送达回证"}
		g.StatutoryLimit = "自立案之日起90日内作出处理决定"
		g.PromisedLimit = fmt.Sprintf("自立案之日起%d日内", []int{45, 60, 60, 75}[r.IntN(4)])
		g.OnlineURL = ""
	case "行政检查":
		g.Applicant = "本行政区域内的生产经营单位"
		g.Channels = "依职权实施（双随机抽查、重点检查、专项检查）"
		g.Conditions = "按照年度监督检查计划或者上级部署、投诉举报等启动"
		g.Materials = []string{"现场检查方案", "现场检查记录", "责令限期整改指令书（如有）", "整改复查意见书（如有）"}
		g.StatutoryLimit = "无法定时限"
		g.PromisedLimit = "按检查方案执行"
	case "行政强制":
		g.Applicant = "存在违法行为或者重大事故隐患的生产经营单位"
		g.Channels = "依职权实施"
		g.Conditions = "有证据证明设施、设备、器材、物品或者场所不符合保障安全生产的国家标准或者行业标准，或者存在违法行为"
		g.Materials = []string{"行政强制措施审批表", "现场笔录", "查封（扣押）决定书及清单", "处理决定书"}
		g.StatutoryLimit = "查封、扣押期限不超过30日，情况复杂的经批准可以延长30日"
		g.PromisedLimit = "30日"
	default:
		g.Applicant = "在苏州市行政区域内申请办理该事项的法人、其他组织或者个人"
		g.Channels = "江苏政务服务网（苏州）在线申请，或者到苏州市政务服务中心应急管理窗口提交书面申请"
		g.Conditions = "符合" + pl.law + "规定的条件"
		g.Materials = permitMaterials(pl.name)
		promised := []int{5, 7, 10, 10, 12, 15}[r.IntN(6)]
		g.StatutoryLimit = "20个工作日"
		g.PromisedLimit = fmt.Sprintf("%d个工作日", promised)
		g.OnlineURL = onlineURL
	}
	return g
}

// flowFor returns the standard flow of the category with the item's own
// time limits.
func flowFor(r *rand.Rand, category string, g domain.Guide) domain.Flow {
	f := domain.StandardFlow(category)
	for i := range f.Nodes {
		n := &f.Nodes[i]
		switch {
		case category == "行政处罚" && n.Key == "decide":
			n.Note += "；本机关承诺" + g.PromisedLimit + "作出决定"
		case n.Key == "decide" && strings.HasSuffix(g.PromisedLimit, "个工作日"):
			n.TimeLimit = n.TimeLimit + "（承诺" + g.PromisedLimit + "）"
		case n.Key == "check" && r.IntN(3) == 0:
			n.TimeLimit = "当场"
			n.Note = "材料齐全、符合法定形式的当场受理"
		}
	}
	return f
}

// powerItems returns version 1 or 2 of the power list.
func powerItems(seed uint64, version int) []domain.PowerItem {
	counters := map[string]int{}
	var items []domain.PowerItem
	for _, pl := range powerLines() {
		counters[pl.category]++
		code := fmt.Sprintf("32%s25%04d", categoryCodes[pl.category], counters[pl.category])
		art := pl.old
		if version >= 2 {
			art = pl.cur
		}
		if art == "" {
			continue
		}
		r := itemRand(seed, code)
		basis := lawRank(pl.law) + pl.law + art
		if version >= 2 && strings.HasPrefix(pl.law, "《中华人民共和国安全生产法》") {
			basis = lawRank(pl.law) + "《中华人民共和国安全生产法》（2021年修正）" + art
		}
		duties := stageDuties[pl.category]
		if duties == nil {
			duties = defaultDuties
		}
		acc := accountability[pl.category]
		if acc == "" {
			acc = defaultAccountability
		}
		g := guideFor(r, pl, basis)
		it := domain.PowerItem{
			Code:           code,
			Name:           pl.name,
			Category:       pl.category,
			SubItems:       []string{},
			LegalBasis:     basis,
			Unit:           responsibleUnit(pl),
			Level:          itemLevel(pl),
			Duties:         duties,
			Accountability: acc,
			Remarks:        Remark,
			Guide:          g,
			Flow:           flowFor(r, pl.category, g),
		}
		if strings.Contains(pl.name, "变更、延期") {
			it.SubItems = []string{"变更", "延期"}
		}
		if version >= 2 && it.Category == "行政许可" {
			it.Remarks = Remark + "；已实现“一网通办”"
		}
		items = append(items, it)
	}
	return items
}

// responsibilityItems returns version 1 or 2 of the responsibility list.
func responsibilityItems(version int) []domain.ResponsibilityItem {
	type row struct{ part, duty, name, detail, acc, basis string }
	rows := []row{
		{"主要职责", "负责应急管理工作", "组织编制全市应急体系建设、安全生产和综合防灾减灾规划", "起草有关地方性法规、规章草案，组织编制并实施相关规划和标准", "未按规定组织编制规划的", "《中华人民共和国突发事件应对法》"},
		{"主要职责", "负责应急管理工作", "组织编制市总体应急预案和安全生产类、自然灾害类专项预案", "综合协调应急预案衔接工作，组织开展预案演练，推动应急避难设施建设", "预案编制、演练工作不落实的", "《中华人民共和国突发事件应对法》第十七条"},
		{"主要职责", "负责应急管理工作", "建立灾情报告系统并统一发布灾情", "统筹应急力量建设和物资储备并在救灾时统一调度，组织灾害救助体系建设", "迟报、漏报、谎报、瞒报灾情的", "《自然灾害救助条例》"},
		{"主要职责", "负责应急管理工作", "组织指导协调安全生产类、自然灾害类等突发事件应急救援", "承担市应对较大灾害指挥部工作，协助市委、市政府指定的负责同志组织较大灾害应急处置工作", "应急处置不力造成严重后果的", "《生产安全事故应急条例》"},
		{"主要职责", "负责安全生产综合监督管理", "依法行使全市安全生产综合监督管理职权", "指导协调、监督检查市各有关部门和各县级市（区）人民政府安全生产工作，组织开展安全生产巡查、考核工作", "未依法履行综合监管职责的", "《中华人民共和国安全生产法》第十条"},
		{"主要职责", "负责安全生产综合监督管理", "负责化工（含石油化工）、医药、危险化学品和烟花爆竹安全生产监督管理", "依法监督检查相关行业生产经营单位贯彻执行安全生产法律法规情况，组织实施危险化学品安全监督管理综合工作", "对发现的违法行为不依法查处的", "《危险化学品安全管理条例》第六条"},
		{"主要职责", "负责安全生产综合监督管理", "负责工贸行业安全生产监督管理", "指导冶金、有色、建材、机械、轻工、纺织、烟草、商贸等行业安全生产基础工作", "监督检查不到位造成严重后果的", "《中华人民共和国安全生产法》"},
		{"主要职责", "负责安全生产综合监督管理", "依法组织指导生产安全事故调查处理", "监督事故查处和责任追究落实情况，组织开展自然灾害类突发事件的调查评估工作", "事故调查处理不依法进行的", "《生产安全事故报告和调查处理条例》"},
		{"主要职责", "负责应急管理综合行政执法", "统筹负责全市应急管理综合行政执法工作", "组织实施安全生产执法，依法查处安全生产违法行为，推进执法规范化建设", "执法不作为、乱作为的", "《中华人民共和国行政处罚法》"},
		{"主要职责", "负责应急管理宣传教育", "开展应急管理方面的宣传教育和培训工作", "组织指导应急管理和安全生产宣传教育，推动安全文化建设", "宣传教育工作不落实的", "《中华人民共和国安全生产法》第十三条"},
		{"职责边界", "危险化学品安全监督管理", "危险化学品安全监督管理职责分工", "应急管理部门负责危险化学品安全监督管理综合工作和生产、储存、使用、经营环节安全监管；公安机关负责剧毒化学品购买、道路运输通行许可；交通运输部门负责道路、水路运输许可；市场监管部门负责生产许可和产品质量；生态环境部门负责废弃危险化学品处置。例：企业将危险化学品交由无资质车辆运输的，由交通运输部门依法处理", "推诿扯皮、不履行职责的", "《危险化学品安全管理条例》第六条"},
		{"职责边界", "消防工作", "消防安全监督管理与安全生产监督管理的衔接", "消防救援机构依照《中华人民共和国消防法》对机关、团体、企业、事业等单位遵守消防法律、法规的情况进行监督检查；应急管理部门在安全生产执法中发现火灾隐患的，移送消防救援机构处理", "发现问题不移送的", "《中华人民共和国消防法》第五十三条"},
		{"职责边界", "特种设备安全", "特种设备安全监督管理职责分工", "市场监督管理部门负责特种设备安全监督管理；应急管理部门在执法检查中发现特种设备未经检验的，通报市场监管部门", "未及时通报的", "《中华人民共和国特种设备安全法》"},
		{"职责边界", "建设工程施工安全", "建设工程施工安全监督管理职责分工", "住房和城乡建设部门负责房屋建筑和市政基础设施工程施工安全监督管理；应急管理部门负责综合监督管理和生产安全事故调查处理", "职责不清、监管缺位的", "《建设工程安全生产管理条例》第四十条"},
		{"职责边界", "防汛抗旱", "防汛抗旱职责分工", "应急管理部门承担市防汛抗旱指挥部日常工作，组织编制防汛抗旱应急预案；水务部门负责水情旱情监测预警和水工程调度", "应急响应不及时的", "《中华人民共和国防洪法》"},
		{"事中事后监管制度", "“双随机、一公开”监管", "安全生产“双随机、一公开”监管制度", "建立检查对象名录库和执法检查人员名录库，随机抽取检查对象、随机选派执法检查人员，抽查结果及时向社会公开", "未按规定抽查、公开的", "《国务院办公厅关于推广随机抽查规范事中事后监管的通知》"},
		{"事中事后监管制度", "分类分级监管", "安全生产分类分级监管制度", "根据企业安全风险等级和安全管理水平实施分类分级监管，确定检查频次", "监管频次不落实的", "《中华人民共和国安全生产法》第六十二条"},
		{"事中事后监管制度", "重大事故隐患挂牌督办", "重大事故隐患挂牌督办制度", "对排查发现的重大事故隐患实行挂牌督办，跟踪整改，整改验收后销号", "督办不落实的", "《安全生产事故隐患排查治理暂行规定》"},
		{"事中事后监管制度", "失信惩戒", "安全生产严重失信主体名单管理制度", "对存在严重违法失信行为的生产经营单位及其有关人员纳入严重失信主体名单，实施联合惩戒，并依法开展信用修复", "应列未列、应移未移的", "《安全生产严重失信主体名单管理办法》"},
		{"事中事后监管制度", "执法公示", "行政执法公示、执法全过程记录和重大执法决定法制审核制度", "行政许可、行政处罚决定自作出之日起7个工作日内公开；执法全过程音像记录；重大执法决定法制审核", "未按规定公示的", "《国务院办公厅关于全面推行行政执法公示制度执法全过程记录制度重大执法决定法制审核制度的指导意见》"},
		{"公共服务事项", "安全生产举报", "安全生产举报受理", "受理安全生产违法行为和事故隐患举报，核查属实的依法处理并按规定奖励举报人", "举报不受理、不反馈的", "《中华人民共和国安全生产法》第七十四条"},
		{"公共服务事项", "应急科普", "防灾减灾和安全生产科普宣传", "组织开展“安全生产月”“防灾减灾日”等宣传活动", "宣传活动不落实的", "《中华人民共和国突发事件应对法》"},
		{"公共服务事项", "信息公开", "应急管理政府信息公开", "依法主动公开和依申请公开应急管理政府信息", "违反信息公开规定的", "《中华人民共和国政府信息公开条例》"},
		{"责任追究机制", "责任追究", "行政执法责任制和过错责任追究", "对违法或者不当行使职权的，依照有关规定追究有关人员责任", "—", "《行政机关公务员处分条例》"},
		{"责任追究机制", "责任追究", "安全生产约谈和问责", "对安全生产工作不力的部门和地区负责人进行约谈，发生事故的依法依规追究责任", "—", "《地方党政领导干部安全生产责任制规定》"},
	}
	if version >= 2 {
		rows = append(rows,
			row{"主要职责", "负责安全生产综合监督管理", "统筹安全生产专项整治三年行动和重大事故隐患专项排查整治", "组织开展专项排查整治，建立问题隐患和制度措施“两个清单”", "专项整治不力的", "《中华人民共和国安全生产法》（2021年修正）"},
			row{"事中事后监管制度", "信用修复", "安全生产领域信用修复制度", "失信主体在规定期限后纠正失信行为、消除不良影响的，可以申请信用修复；修复后及时停止公示", "应修复未修复的", "《信用修复管理办法》"},
		)
		for i := range rows {
			if rows[i].name == "负责工贸行业安全生产监督管理" {
				rows[i].detail += "；指导粉尘涉爆、有限空间、涉氨制冷等重点领域安全监管"
			}
		}
	}
	var out []domain.ResponsibilityItem
	counters := map[string]int{}
	partCodes := map[string]string{"主要职责": "ZZ", "职责边界": "BJ", "事中事后监管制度": "JG", "公共服务事项": "FW", "责任追究机制": "ZJ"}
	for _, rw := range rows {
		counters[rw.part]++
		out = append(out, domain.ResponsibilityItem{
			Code:           fmt.Sprintf("ZR-%s-%03d", partCodes[rw.part], counters[rw.part]),
			Part:           rw.part,
			Duty:           rw.duty,
			Name:           rw.name,
			Detail:         rw.detail,
			Accountability: rw.acc,
			Basis:          rw.basis,
		})
	}
	return out
}

// serviceItems returns version 1 or 2 of the public-service list.
func serviceItems(seed uint64, version int) []domain.ServiceItem {
	type row struct{ name, target, basis, conditions, process, limit string }
	rows := []row{
		{"安全生产举报投诉受理", "社会公众", "《中华人民共和国安全生产法》第七十四条", "举报安全生产违法行为或者事故隐患", "受理—核查—处理—反馈", "受理后60日内反馈"},
		{"安全生产和应急管理政策法规咨询", "企业和社会公众", "《中华人民共和国政府信息公开条例》", "无", "咨询—答复", "即时答复"},
		{"特种作业操作证信息查询", "特种作业人员及用人单位", "《特种作业人员安全技术培训考核管理规定》", "提供姓名和证件号码", "查询—结果反馈", "即时"},
		{"危险化学品经营许可证信息查询", "企业和社会公众", "《危险化学品经营许可证管理办法》", "无", "查询—结果反馈", "即时"},
		{"应急避难场所信息查询", "社会公众", "《中华人民共和国突发事件应对法》", "无", "查询—结果反馈", "即时"},
		{"防灾减灾和安全生产科普宣传", "社会公众、企业", "《中华人民共和国突发事件应对法》第二十九条", "无", "预约—组织宣传", "5个工作日内安排"},
		{"安全生产宣传教育进企业", "生产经营单位", "《中华人民共和国安全生产法》第十三条", "企业提出申请", "申请—安排—实施", "10个工作日内安排"},
		{"生产安全事故应急预案编制指导", "生产经营单位", "《生产安全事故应急预案管理办法》", "企业提出申请", "申请—指导—反馈", "10个工作日"},
		{"社会应急力量备案", "社会应急救援队伍", "《关于进一步推进社会应急力量健康发展的意见》", "具有独立法人资格，从事应急救援", "申请—审核—备案", "10个工作日"},
		{"自然灾害灾情信息发布", "社会公众", "《自然灾害救助条例》", "无", "核定—发布", "按规定时限发布"},
		{"安全评价检测检验机构信息查询", "企业和社会公众", "《安全评价检测检验机构管理办法》", "无", "查询—结果反馈", "即时"},
		{"应急管理政府信息依申请公开", "公民、法人和其他组织", "《中华人民共和国政府信息公开条例》", "提交政府信息公开申请", "申请—登记—答复", "20个工作日"},
	}
	if version >= 2 {
		rows = append(rows, row{"12350安全生产举报热线服务", "社会公众", "《中华人民共和国安全生产法》第七十四条", "无", "来电—登记—转办—反馈", "即时受理"})
		for i := range rows {
			if rows[i].name == "特种作业操作证信息查询" {
				rows[i].process = "登录应急管理部特种作业操作证查询系统—查询—结果反馈"
			}
		}
	}
	var out []domain.ServiceItem
	for i, rw := range rows {
		code := fmt.Sprintf("32GG25%04d", i+1)
		r := itemRand(seed, code)
		it := domain.ServiceItem{
			Code:           code,
			Name:           rw.name,
			Target:         rw.target,
			Basis:          rw.basis,
			Unit:           "苏州市应急管理局",
			Conditions:     rw.conditions,
			Materials:      []string{"申请或者咨询事项说明", "身份证明或者营业执照（依申请事项）"},
			Process:        rw.process,
			TimeLimit:      rw.limit,
			Fees:           "不收费",
			ConsultPhone:   consultPhone(r),
			ComplaintPhone: complaintPh,
			Flow:           domain.StandardFlow(domain.ServiceCategory),
		}
		if strings.HasPrefix(rw.limit, "即时") {
			it.Materials = []string{}
		}
		out = append(out, it)
	}
	return out
}

// listVersions returns the six list versions in publishing order, dated
// on or before today.
func listVersions(seed uint64, today time.Time) []store.ListInput {
	date := func(y int, m time.Month, d int) time.Time {
		t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if t.After(today) {
			return today
		}
		return t
	}
	return []store.ListInput{
		{Kind: domain.ListPowers, EffectiveDate: date(2019, 6, 28), Note: "机构改革后首次公布（示例数据）", Powers: powerItems(seed, 1)},
		{Kind: domain.ListResponsibilities, EffectiveDate: date(2019, 6, 28), Note: "机构改革后首次公布（示例数据）", Responsibilities: responsibilityItems(1)},
		{Kind: domain.ListPublicServices, EffectiveDate: date(2019, 9, 10), Note: "首次公布（示例数据）", Services: serviceItems(seed, 1)},
		{Kind: domain.ListResponsibilities, EffectiveDate: date(2021, 12, 20), Note: "动态调整：安全生产专项整治和信用修复（示例数据）", Responsibilities: responsibilityItems(2)},
		{Kind: domain.ListPowers, EffectiveDate: date(2022, 3, 15), Note: "根据2021年修正的《中华人民共和国安全生产法》动态调整（示例数据）", Powers: powerItems(seed, 2)},
		{Kind: domain.ListPublicServices, EffectiveDate: date(2023, 5, 8), Note: "动态调整：新增12350热线服务（示例数据）", Services: serviceItems(seed, 2)},
	}
}
