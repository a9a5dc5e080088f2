package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/gongshi/gongshi/internal/domain"
)

// Laws cited by the demo decisions.
const (
	lawSafety    = "《中华人民共和国安全生产法》"
	lawChemicals = "《危险化学品安全管理条例》"
	lawFireworks = "《烟花爆竹安全管理条例》"
	lawProcedure = "《安全生产违法行为行政处罚办法》"
)

// statute is how one version of the law treats a violation: the provision
// violated, the penalty provision (CF_YJ), the fine on a first finding and
// the fine when the party did not correct it in time (逾期未改正) or refused
// (拒不执行), which may also stop production (责令停产停业整顿).
type statute struct {
	duty     string // provision violated, cited in 违法事实
	basis    string // CF_YJ
	min, max int64  // yuan; max 0: no fine on a first finding
	overMin  int64
	overMax  int64 // 0: no heavier fine for not correcting
	stop     bool  // not correcting stops production
	// stopAlways: production is stopped on a first finding too.
	stopAlways bool
	warning    bool  // 警告 is a penalty of its own (处罚办法第四十五条)
	personMax  int64 // the highest fine for a natural person, when lower than max
}

// violation is one kind of 违法行为 the demo data cites. The 2021
// amendment of 安全生产法 (in force 2021-09-01) renumbered the articles, so
// a violation carries how each version treats it; nil where the version
// has no such provision.
type violation struct {
	wfxw       string   // CF_WFXW
	facts      []string // 违法事实 with {placeholders}, see fillFacts
	tags       []string // industries where it is found; nil: everywhere
	kinds      []domain.PartyKind
	weight     int
	old, cur   *statute
	confiscate string // what is confiscated besides income: "烟花爆竹", "危险化学品"; "" none
	person     bool   // the party is a person answering for a company
}

var orgs = []domain.PartyKind{domain.PartyOrganization}
var orgsAndShops = []domain.PartyKind{domain.PartyOrganization, domain.PartyIndividualBusiness}
var shopsAndPersons = []domain.PartyKind{domain.PartyIndividualBusiness, domain.PartyNaturalPerson}
var persons = []domain.PartyKind{domain.PartyNaturalPerson}

func safety(duty, basis string, max, overMin, overMax int64, stop bool) *statute {
	return &statute{duty: lawSafety + duty, basis: lawSafety + basis, max: max, overMin: overMin, overMax: overMax, stop: stop}
}

// violations are the pre-accident (事前) violations, most frequent first.
var violations = []violation{
	{wfxw: "未按照规定对从业人员进行安全生产教育和培训", weight: 14, kinds: orgs,
		facts: []string{
			"你单位未按照规定对从业人员进行安全生产教育和培训，{area}新入职员工{p1}等{n}人未经岗前安全生产教育和培训即上岗作业",
			"你单位未按照规定对被派遣劳动者进行安全生产教育和培训，{p1}等{n}名劳务派遣人员未经安全生产教育和培训上岗作业",
			"你单位{area}员工{p1}、{p2}未经车间级安全生产教育和培训即从事{equip}操作",
		},
		old: safety("第二十五条第一款", "第九十四条第三项", 50_000, 50_000, 100_000, true),
		cur: safety("第二十八条第一款", "第九十七条第三项", 100_000, 100_000, 200_000, true)},
	{wfxw: "未如实记录安全生产教育和培训情况", weight: 6, kinds: orgs,
		facts: []string{"你单位未如实记录安全生产教育和培训的时间、内容、参加人员以及考核结果等情况，{n}名员工的安全培训档案缺失"},
		old:   safety("第二十五条第四款", "第九十四条第四项", 50_000, 50_000, 100_000, true),
		cur:   safety("第二十八条第四款", "第九十七条第四项", 100_000, 100_000, 200_000, true)},
	{wfxw: "未将事故隐患排查治理情况如实记录或者未向从业人员通报", weight: 8, kinds: orgs,
		facts: []string{
			"你单位未将事故隐患排查治理情况如实记录，近{n}个月无隐患排查治理记录",
			"你单位开展事故隐患排查后，未将排查治理情况如实记录，也未向从业人员通报",
		},
		old: safety("第三十八条第一款", "第九十四条第五项", 50_000, 50_000, 100_000, true),
		cur: safety("第四十一条第二款", "第九十七条第五项", 100_000, 100_000, 200_000, true)},
	{wfxw: "未按照规定制定生产安全事故应急救援预案或者未定期组织演练", weight: 7, kinds: orgs,
		facts: []string{
			"你单位未按照规定制定生产安全事故应急救援预案",
			"你单位未按照规定定期组织生产安全事故应急救援预案演练，无近{n}年的演练记录",
		},
		old: safety("第七十八条", "第九十四条第六项", 50_000, 50_000, 100_000, true),
		cur: safety("第八十一条", "第九十七条第六项", 100_000, 100_000, 200_000, true)},
	{wfxw: "特种作业人员未按照规定经专门的安全作业培训并取得相应资格上岗作业", weight: 8, kinds: orgs,
		tags:  []string{tagMech, tagMetal, tagBuild, tagStore, tagTextile, tagChem, tagWood},
		facts: []string{"你单位员工{p1}未取得{op}特种作业操作证，在{area}从事{op}作业"},
		old:   safety("第二十七条第一款", "第九十四条第七项", 50_000, 50_000, 100_000, true),
		cur:   safety("第三十条第一款", "第九十七条第七项", 100_000, 100_000, 200_000, true)},
	{wfxw: "未按照规定配备安全生产管理人员", weight: 4, kinds: orgs,
		facts: []string{"你单位从业人员{big}人，未按照规定设置安全生产管理机构或者配备专职安全生产管理人员"},
		old:   safety("第二十一条", "第九十四条第一项", 50_000, 50_000, 100_000, true),
		cur:   safety("第二十四条", "第九十七条第一项", 100_000, 100_000, 200_000, true)},
	{wfxw: "主要负责人和安全生产管理人员未按照规定经考核合格", weight: 3, kinds: orgs,
		tags:  []string{tagChem, tagChemSale, tagBuild},
		facts: []string{"你单位主要负责人和安全生产管理人员{p1}未按照规定经安全生产知识和管理能力考核合格"},
		old:   safety("第二十四条第二款", "第九十四条第二项", 50_000, 50_000, 100_000, true),
		cur:   safety("第二十七条第二款", "第九十七条第二项", 100_000, 100_000, 200_000, true)},
	{wfxw: "未在有较大危险因素的生产经营场所和有关设施、设备上设置明显的安全警示标志", weight: 7, kinds: orgs,
		facts: []string{"你单位{area}{equip}处未设置明显的安全警示标志"},
		old:   safety("第三十二条", "第九十六条第一项", 50_000, 50_000, 200_000, false),
		cur:   safety("第三十五条", "第九十九条第一项", 50_000, 50_000, 200_000, false)},
	{wfxw: "安全设备的安装、使用、检测、改造和报废不符合国家标准或者行业标准", weight: 5, kinds: orgs,
		facts: []string{"你单位{area}{equip}的安全防护装置缺失，不符合国家标准或者行业标准"},
		old:   safety("第三十三条第一款", "第九十六条第二项", 50_000, 50_000, 200_000, false),
		cur:   safety("第三十六条第一款", "第九十九条第二项", 50_000, 50_000, 200_000, false)},
	{wfxw: "未对安全设备进行经常性维护、保养和定期检测", weight: 6, kinds: orgs,
		facts: []string{"你单位{area}的{device}未进行经常性维护、保养和定期检测"},
		old:   safety("第三十三条第二款", "第九十六条第三项", 50_000, 50_000, 200_000, false),
		cur:   safety("第三十六条第二款", "第九十九条第三项", 50_000, 50_000, 200_000, false)},
	{wfxw: "关闭、破坏直接关系生产安全的监控、报警、防护、救生设备、设施", weight: 2, kinds: orgs,
		tags:  []string{tagChem, tagChemSale, tagMetal},
		facts: []string{"你单位擅自关闭{area}的{device}"},
		old:   safety("第三十三条", "第九十六条第四项", 50_000, 50_000, 200_000, false),
		cur:   safety("第三十六条第三款", "第九十九条第四项", 50_000, 50_000, 200_000, false)},
	{wfxw: "未为从业人员提供符合国家标准或者行业标准的劳动防护用品", weight: 6, kinds: orgs,
		facts: []string{"你单位未为{area}从业人员提供符合国家标准或者行业标准的{ppe}"},
		old:   safety("第四十二条", "第九十六条第五项", 50_000, 50_000, 200_000, false),
		cur:   safety("第四十五条", "第九十九条第五项", 50_000, 50_000, 200_000, false)},
	{wfxw: "餐饮等行业的生产经营单位使用燃气未安装可燃气体报警装置", weight: 5, kinds: orgsAndShops,
		tags:  []string{tagFood},
		facts: []string{"你单位后厨使用{gas}，未安装可燃气体报警装置"},
		cur:   safety("第三十六条第四款", "第九十九条第八项", 50_000, 50_000, 200_000, false)},
	{wfxw: "生产、经营、储存、使用危险物品，未建立专门安全管理制度、未采取可靠的安全措施", weight: 5, kinds: orgsAndShops,
		tags:  []string{tagChem, tagChemSale},
		facts: []string{"你单位{chem}储存场所未采取可靠的安全措施，{chemfact}"},
		old:   safety("第三十六条第一款", "第九十八条第一项", 100_000, 100_000, 200_000, true),
		cur:   safety("第三十九条第一款", "第一百零一条第一项", 100_000, 100_000, 200_000, true)},
	{wfxw: "对重大危险源未登记建档，或者未进行评估、监控，或者未制定应急预案", weight: 2, kinds: orgs,
		tags:  []string{tagChem},
		facts: []string{"你单位{chem}储罐区构成危险化学品重大危险源，未按照规定登记建档并进行定期检测、评估、监控"},
		old:   safety("第三十七条", "第九十八条第二项", 100_000, 100_000, 200_000, true),
		cur:   safety("第四十条", "第一百零一条第二项", 100_000, 100_000, 200_000, true)},
	{wfxw: "进行危险作业，未安排专门人员进行现场安全管理", weight: 8, kinds: orgs,
		facts: []string{"你单位在{area}进行{work}作业时，未安排专门人员进行现场安全管理"},
		old:   safety("第四十条", "第九十八条第三项", 100_000, 100_000, 200_000, true),
		cur:   safety("第四十三条", "第一百零一条第三项", 100_000, 100_000, 200_000, true)},
	{wfxw: "未建立安全风险分级管控制度或者未按照安全风险分级采取相应管控措施", weight: 3, kinds: orgs,
		facts: []string{"你单位未建立安全风险分级管控制度，未对{area}等场所的安全风险进行辨识评估并采取相应管控措施"},
		cur:   safety("第四十一条第一款", "第一百零一条第四项", 100_000, 100_000, 200_000, true)},
	{wfxw: "未建立事故隐患排查治理制度", weight: 4, kinds: orgs,
		facts: []string{"你单位未建立事故隐患排查治理制度"},
		old:   safety("第三十八条第一款", "第九十八条第四项", 100_000, 100_000, 200_000, true),
		cur:   safety("第四十一条第二款", "第一百零一条第五项", 100_000, 100_000, 200_000, true)},
	{wfxw: "未采取措施消除事故隐患", weight: 8, kinds: orgsAndShops,
		facts: []string{"你单位{hazard}，经责令限期整改，未采取措施消除该事故隐患"},
		old:   safety("第三十八条第一款", "第九十九条", 0, 100_000, 500_000, true),
		cur:   safety("第四十一条第二款", "第一百零二条", 50_000, 0, 0, true)},
	{wfxw: "占用、锁闭、封堵生产经营场所或者员工宿舍出口、疏散通道", weight: 6, kinds: orgsAndShops,
		facts: []string{"你单位{area}的安全出口被{block}", "你单位员工宿舍的疏散通道被{block}"},
		old:   safety("第三十九条第二款", "第一百零二条第二项", 50_000, 0, 0, true),
		cur:   safety("第四十二条第二款", "第一百零五条第二项", 50_000, 0, 0, true)},
	{wfxw: "同一作业区域内未签订安全生产管理协议或者未指定专职安全生产管理人员进行安全检查与协调", weight: 2, kinds: orgs,
		tags:  []string{tagBuild, tagStore, tagMech},
		facts: []string{"你单位与{other}在同一作业区域内进行可能危及对方生产安全的作业，未签订安全生产管理协议"},
		old:   safety("第四十五条", "第一百零一条", 50_000, 0, 0, true),
		cur:   safety("第四十八条", "第一百零四条", 50_000, 0, 0, true)},
	{wfxw: "未按照国家规定投保安全生产责任保险", weight: 2, kinds: orgs,
		tags:  []string{tagChem, tagChemSale, tagMetal},
		facts: []string{"你单位属于危险化学品、金属冶炼等高危行业领域的生产经营单位，未按照国家规定投保安全生产责任保险"},
		cur: &statute{duty: lawSafety + "第五十一条第二款", basis: lawSafety + "第一百零九条",
			min: 50_000, max: 100_000, overMin: 100_000, overMax: 200_000}},
	{wfxw: "用于生产、储存危险物品的建设项目安全设施未经验收合格投入生产或者使用", weight: 1, kinds: orgs,
		tags:  []string{tagChem},
		facts: []string{"你单位{chem}生产装置技改项目竣工后，安全设施未经验收合格即投入生产"},
		old:   safety("第三十一条", "第九十五条第四项", 0, 500_000, 1_000_000, true),
		cur:   &statute{duty: lawSafety + "第三十四条", basis: lawSafety + "第九十八条第四项", min: 100_000, max: 500_000, stopAlways: true}},
	{wfxw: "拒绝、阻碍负有安全生产监督管理职责的部门依法实施监督检查", weight: 1, kinds: orgs,
		facts: []string{"执法人员依法对你单位进行监督检查时，你单位拒绝执法人员进入{area}检查，经责令改正拒不改正"},
		old:   &statute{duty: lawSafety + "第六十三条", basis: lawSafety + "第一百零五条", min: 20_000, max: 200_000},
		cur:   &statute{duty: lawSafety + "第六十六条", basis: lawSafety + "第一百零八条", min: 20_000, max: 200_000}},
	both(violation{wfxw: "未取得危险化学品经营许可证从事危险化学品经营", weight: 3, kinds: orgsAndShops,
		tags:       []string{tagChemSale},
		facts:      []string{"你单位未取得危险化学品经营许可证，擅自经营{chem}等危险化学品，违法所得{gain}"},
		confiscate: "危险化学品"},
		&statute{duty: lawChemicals + "第三十三条第一款", basis: lawChemicals + "第七十七条第三款", min: 100_000, max: 200_000}),
	both(violation{wfxw: "储存危险化学品的单位未建立危险化学品出入库核查、登记制度", weight: 2, kinds: orgs,
		tags:  []string{tagChem, tagChemSale},
		facts: []string{"你单位{chem}仓库未建立危险化学品出入库核查、登记制度"}},
		&statute{duty: lawChemicals + "第二十五条第一款", basis: lawChemicals + "第七十八条第一款第十项",
			max: 50_000, overMin: 50_000, overMax: 100_000, stop: true}),
	both(violation{wfxw: "未将危险化学品储存在专用仓库内", weight: 2, kinds: orgs,
		tags:  []string{tagChem, tagChemSale, tagMech},
		facts: []string{"你单位将{chem}等危险化学品存放在{area}，未储存在专用仓库内"}},
		&statute{duty: lawChemicals + "第二十四条第一款", basis: lawChemicals + "第八十条第一款第四项", min: 50_000, max: 100_000}),
	{wfxw: "违反操作规程或者安全管理规定作业", weight: 3, kinds: []domain.PartyKind{domain.PartyOrganization, domain.PartyNaturalPerson},
		facts: []string{"{subject}{area}违反操作规程或者安全管理规定作业：{unsafe}"},
		old: &statute{duty: lawSafety + "第五十四条", basis: lawProcedure + "第四十五条第一项",
			min: 10_000, max: 30_000, warning: true, personMax: 10_000},
		cur: &statute{duty: lawSafety + "第五十七条", basis: lawProcedure + "第四十五条第一项",
			min: 10_000, max: 30_000, warning: true, personMax: 10_000}},
	{wfxw: "违章指挥从业人员或者强令从业人员违章、冒险作业", weight: 1, kinds: []domain.PartyKind{domain.PartyOrganization, domain.PartyNaturalPerson},
		facts: []string{"{actor}{area}违章指挥从业人员{p2}冒险进行{work}作业"},
		old: &statute{duty: lawSafety + "第四十一条", basis: lawProcedure + "第四十五条第二项",
			min: 10_000, max: 30_000, warning: true, personMax: 10_000},
		cur: &statute{duty: lawSafety + "第四十四条", basis: lawProcedure + "第四十五条第二项",
			min: 10_000, max: 30_000, warning: true, personMax: 10_000}},
	both(violation{wfxw: "烟花爆竹零售经营者销售非法生产、经营的烟花爆竹", weight: 2, kinds: shopsAndPersons,
		tags:       []string{"fireworks"},
		facts:      []string{"你在{town}销售无合法来源的烟花爆竹{boxes}箱，违法所得{gain}"},
		confiscate: "烟花爆竹"},
		&statute{duty: lawFireworks + "第二十条", basis: lawFireworks + "第三十八条第二款", min: 1_000, max: 5_000}),
	both(violation{wfxw: "未经许可经营烟花爆竹制品", weight: 2, kinds: shopsAndPersons,
		tags:       []string{"fireworks"},
		facts:      []string{"你未取得烟花爆竹经营（零售）许可证，在{town}擅自经营烟花爆竹{boxes}箱，违法所得{gain}"},
		confiscate: "烟花爆竹"},
		&statute{duty: lawFireworks + "第三条第二款", basis: lawFireworks + "第三十六条第一款", min: 20_000, max: 100_000}),
	{wfxw: "生产经营单位主要负责人未履行安全生产管理职责", weight: 3, kinds: persons, person: true,
		facts: []string{"你作为{company}主要负责人，未履行{duty}的安全生产管理职责"},
		old:   safety("第十八条", "第九十一条第一款", 0, 20_000, 50_000, false),
		cur: &statute{duty: lawSafety + "第二十一条", basis: lawSafety + "第九十四条",
			min: 20_000, max: 50_000, overMin: 50_000, overMax: 100_000}},
	{wfxw: "生产经营单位安全生产管理人员未履行安全生产管理职责", weight: 2, kinds: persons, person: true,
		facts: []string{"你作为{company}安全生产管理人员，未履行{duty2}的职责"},
		cur:   &statute{duty: lawSafety + "第二十五条", basis: lawSafety + "第九十六条", min: 10_000, max: 30_000}},
}

// both returns v with the same statute before and after the 2021 amendment
// (regulations it did not touch).
func both(v violation, s *statute) violation {
	v.old, v.cur = s, s
	return v
}

// Values for the {placeholders} of facts.
var fillers = map[string][]string{
	"area":     {"生产车间", "一号车间", "二号车间", "仓库", "原料仓库", "成品仓库", "配电房", "喷涂车间", "机加工车间", "冲压车间", "打磨车间", "包装车间", "锅炉房", "污水处理站"},
	"equip":    {"冲压机", "剪板机", "砂轮机", "行车", "叉车", "空压机", "注塑机", "折弯机", "切割机", "搅拌机", "输送机"},
	"device":   {"可燃气体报警装置", "除尘系统火花探测熄灭装置", "除尘器泄爆装置", "防雷防静电设施", "冲压机光电保护装置", "消防喷淋系统", "有毒气体报警仪", "紧急切断装置"},
	"op":       {"电工", "焊接与热切割", "高处", "制冷与空调"},
	"ppe":      {"防尘口罩", "防护眼镜", "防噪声耳塞", "防毒面具", "安全帽", "防护手套"},
	"gas":      {"管道天然气", "瓶装液化石油气"},
	"chem":     {"甲醇", "乙醇", "丙酮", "甲苯", "二甲苯", "乙酸乙酯", "油漆稀释剂", "盐酸", "硫酸", "氢氧化钠", "液化石油气", "天然气", "汽油", "柴油"},
	"chemfact": {"未设置防火防爆设施", "与可燃物混存", "未配备相应的消防器材", "未设置防泄漏围堰", "电气设施不符合防爆要求"},
	"work":     {"动火", "吊装", "临时用电", "有限空间", "高处"},
	"hazard":   {"{area}配电箱未可靠接地", "粉尘涉爆除尘系统未按规定设置泄爆装置", "{area}安全出口被货物堵塞", "冲压设备光电保护装置失效", "有限空间作业场所未设置安全警示标志", "{area}消防通道堆放杂物", "危险化学品仓库电气设施不防爆"},
	"block":    {"货物堵塞", "铁门锁闭", "杂物封堵", "电动车占用"},
	"other":    {"承包单位", "设备安装单位", "物流承运单位", "外包施工单位"},
	"unsafe":   {"未佩戴安全带进行高处作业", "未办理动火作业审批即进行动火作业", "在设备运行中进行清理作业", "未执行能量隔离上锁挂牌程序进行检修作业", "在有限空间内作业未进行气体检测"},
	"duty":     {"组织制定并实施本单位安全生产教育和培训计划", "组织建立并落实安全风险分级管控和隐患排查治理双重预防工作机制", "督促、检查本单位的安全生产工作，及时消除生产安全事故隐患", "组织制定并实施本单位的生产安全事故应急救援预案"},
	"duty2":    {"检查本单位的安全生产状况，及时排查生产安全事故隐患", "组织或者参与本单位安全生产教育和培训", "制止和纠正违章指挥、强令冒险作业、违反操作规程的行为"},
}

// fillFacts replaces the {placeholders} of a facts template.
func fillFacts(r *rand.Rand, tmpl string, vars map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		key := tmpl[i+1 : i+j]
		tmpl = tmpl[i+j+1:]
		if v, ok := vars[key]; ok {
			b.WriteString(v)
			continue
		}
		if vs, ok := fillers[key]; ok {
			b.WriteString(fillFacts(r, vs[r.IntN(len(vs))], vars))
			continue
		}
		b.WriteString("{" + key + "}") // unknown: left visible, caught by tests
	}
}

// Fine bands of pre-accident cases, calibrated on the bureau's 2019
// report (reference §7): ~20% of cases fined 50,000 yuan or more, an
// average around 36,700 yuan, and a few warnings without a fine.
type band int

const (
	bandWarning band = iota // 警告 only
	bandSmall               // fine below 50,000 yuan
	bandLarge               // fine of 50,000 yuan or more
)

func pickBand(r *rand.Rand) band {
	switch n := r.IntN(1000); {
	case n < 15:
		return bandWarning
	case n < 800:
		return bandSmall
	default:
		return bandLarge
	}
}

// choice is a violation chosen for a case, with the statute that applies
// on its decision date and whether the party failed to correct in time.
type choice struct {
	v       *violation
	s       *statute
	overdue bool
}

// fits reports whether s can yield a fine in band b, and whether it must
// be the overdue variant to do so.
func (s *statute) fits(b band) (ok, overdue bool) {
	switch b {
	case bandWarning:
		return s.warning, false
	case bandSmall:
		return s.max > 0 && s.min < 50_000, false
	default:
		switch {
		case s.max >= 50_000:
			return true, false
		case s.overMax >= 50_000:
			return true, true
		}
	}
	return false, false
}

type catalogueKey struct {
	cur  bool
	kind domain.PartyKind
	tag  string
	band band
}

// catalogue caches, per key, the violations that fit with their weights.
type catalogue struct {
	cache map[catalogueKey][]int // indexes into violations; weight repeated
}

func newCatalogue() *catalogue { return &catalogue{cache: map[catalogueKey][]int{}} }

// pick chooses a violation for a party of kind and industry tag, under the
// current or the old law, fitting band; ok is false when none fits.
func (c *catalogue) pick(r *rand.Rand, cur bool, kind domain.PartyKind, tag string, b band) (choice, bool) {
	key := catalogueKey{cur, kind, tag, b}
	idx, seen := c.cache[key]
	if !seen {
		for i := range violations {
			v := &violations[i]
			s := v.old
			if cur {
				s = v.cur
			}
			if s == nil || !slices.Contains(v.kinds, kind) {
				continue
			}
			if ok, _ := s.fits(b); !ok {
				continue
			}
			w := v.weight
			switch {
			case v.tags == nil:
			case slices.Contains(v.tags, tag):
				w *= 4 // typical of the industry
			default:
				continue
			}
			for range w {
				idx = append(idx, i)
			}
		}
		c.cache[key] = idx
	}
	if len(idx) == 0 {
		return choice{}, false
	}
	v := &violations[idx[r.IntN(len(idx))]]
	s := v.old
	if cur {
		s = v.cur
	}
	_, overdue := s.fits(b)
	// A statute fining 50,000 or more on a first finding may still be met
	// after a failure to correct.
	if b == bandLarge && !overdue && s.overMax >= 50_000 && r.IntN(4) == 0 {
		overdue = true
	}
	return choice{v: v, s: s, overdue: overdue}, true
}

// smallFine returns a fine below 50,000 yuan within [lo, hi], rounded as
// decisions round them (to 1,000 yuan, mostly to 5,000).
func smallFine(r *rand.Rand, lo, hi int64) int64 {
	hi = min(hi, 49_000)
	if lo < 1_000 {
		lo = 1_000
	}
	if hi <= lo {
		return lo
	}
	if hi < 10_000 { // small ranges (e.g. 1,000–5,000): whole hundreds
		return lo + int64(r.IntN(int(hi-lo)/100+1))*100
	}
	// Amounts cluster in the upper middle of the range, as discretion
	// guidelines (裁量基准) place first findings of ordinary gravity.
	u := (r.Float64() + r.Float64()) / 2
	if r.IntN(10) < 6 {
		u = math.Sqrt(u)
	}
	v := lo + int64(u*float64(hi-lo))
	step := int64(1_000)
	if r.IntN(10) < 6 {
		step = 5_000
	}
	v = (v + step/2) / step * step
	return max(lo, min(v, hi))
}

// largeFines are the fines of 50,000 yuan or more, with how often they
// are chosen among those a statute allows.
var largeFines = []struct{ yuan, weight int64 }{
	{50_000, 30}, {60_000, 10}, {70_000, 6}, {80_000, 10}, {90_000, 4}, {100_000, 15},
	{120_000, 5}, {150_000, 6}, {200_000, 5}, {300_000, 2}, {500_000, 1}, {800_000, 1}, {1_000_000, 1},
}

func largeFine(r *rand.Rand, lo, hi int64) int64 {
	lo = max(lo, 50_000)
	var total int64
	for _, f := range largeFines {
		if f.yuan >= lo && f.yuan <= hi {
			total += f.weight
		}
	}
	if total == 0 {
		return lo
	}
	n := r.Int64N(total)
	for _, f := range largeFines {
		if f.yuan >= lo && f.yuan <= hi {
			if n < f.weight {
				return f.yuan
			}
			n -= f.weight
		}
	}
	return lo
}
