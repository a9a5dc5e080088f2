package domain

import (
	"fmt"
	"regexp"
	"slices"
)

// ServiceCategory is the 事项类型 of a 公共服务事项, which catalogues list
// beside the power categories; StandardFlow accepts it too.
const ServiceCategory = "公共服务"

// StandardFlow returns the standard 办理流程 (flowchart) of a power category
// (one of PowerCategories) or of ServiceCategory: structured nodes and edges
// whose time limits follow the law where it sets one (行政处罚法,
// 行政许可法, 行政强制法) and the bureau's practice elsewhere. An unknown
// category gets the flow of 其他行政权力. Every returned flow passes
// Validate, and each call returns a fresh copy the caller may modify.
func StandardFlow(category string) Flow {
	switch category {
	case "行政处罚":
		return penaltyFlow()
	case "行政许可":
		return permitFlow()
	case "行政强制":
		return coercionFlow()
	case "行政检查":
		return inspectionFlow()
	case "行政奖励":
		return rewardFlow()
	case "行政确认":
		return confirmationFlow()
	case "行政征收":
		return levyFlow()
	case "行政给付":
		return benefitFlow()
	case "行政裁决":
		return adjudicationFlow()
	case ServiceCategory:
		return serviceFlow()
	default:
		return otherPowerFlow()
	}
}

// flowBuilder keeps flow definitions readable: one line per node or edge.
type flowBuilder struct{ f Flow }

func (b *flowBuilder) start(key, label, limit, note string) *flowBuilder {
	return b.node(NodeStart, key, label, limit, note)
}

func (b *flowBuilder) step(key, label, limit, note string) *flowBuilder {
	return b.node(NodeStep, key, label, limit, note)
}

func (b *flowBuilder) decision(key, label, limit, note string) *flowBuilder {
	return b.node(NodeDecision, key, label, limit, note)
}

func (b *flowBuilder) end(key, label, note string) *flowBuilder {
	return b.node(NodeEnd, key, label, "", note)
}

func (b *flowBuilder) node(kind FlowNodeKind, key, label, limit, note string) *flowBuilder {
	b.f.Nodes = append(b.f.Nodes, FlowNode{Key: key, Label: label, Kind: kind, TimeLimit: limit, Note: note})
	return b
}

// edge adds from → to; label names the branch and may be empty for the
// only way out of a step.
func (b *flowBuilder) edge(from, to, label string) *flowBuilder {
	b.f.Edges = append(b.f.Edges, FlowEdge{From: from, To: to, Label: label})
	return b
}

// penaltyFlow is the general procedure (普通程序) of 行政处罚法 (2021)
// Chapter V, Section 3.
func penaltyFlow() Flow {
	b := &flowBuilder{}
	b.start("source", "案件来源", "", "监督检查中发现、投诉举报、上级交办、其他部门移送或者事故调查中发现的违法线索")
	b.decision("screen", "初步核查：是否符合立案条件", "15日", "自发现线索或者收到材料之日起15日内核查完毕并决定是否立案")
	b.step("register", "立案", "", "填写立案审批表，经行政机关负责人批准，指定两名以上执法人员承办")
	b.end("no_case", "不予立案", "不符合立案条件的，经负责人批准不予立案；有举报人的告知举报人")
	b.end("transfer", "移送有管辖权的机关", "不属于本机关管辖的，依法移送有管辖权的机关并告知当事人")
	b.step("investigate", "调查取证", "", "执法人员不少于两人，出示执法证件；询问、检查、勘验、抽样取证、先行登记保存（7日内作出处理决定），制作笔录")
	b.decision("conclude", "调查终结：审查调查结果", "", "承办人员提出处理意见，审查违法事实、证据、依据和程序")
	b.end("no_penalty", "不予处罚／撤案", "违法事实不能成立，或者违法行为轻微并及时改正、没有造成危害后果的，不予行政处罚；经负责人批准撤销案件")
	b.end("police", "移送公安机关", "涉嫌犯罪的，依照《行政执法机关移送涉嫌犯罪案件的规定》移送公安机关（行政处罚法第二十七条）")
	b.step("legal_review", "法制审核", "", "重大执法决定作出前由法制审核人员审核（行政处罚法第五十八条）")
	b.step("notify", "告知", "", "送达行政处罚告知书，告知拟作出处罚的事实、理由、依据及陈述、申辩、要求听证的权利（行政处罚法第四十四条）")
	b.decision("hearing_asked", "当事人是否要求听证", "5日", "当事人应当在告知后5日内提出听证要求；陈述、申辩的，应当充分听取并复核")
	b.step("hearing", "听证", "", "举行听证的7日前通知当事人时间、地点；听证结束后依据听证笔录作出决定（行政处罚法第六十四条、第六十五条）")
	b.decision("complex", "是否情节复杂或者重大违法行为", "", "")
	b.step("collective", "集体讨论", "", "情节复杂或者重大违法行为给予行政处罚，行政机关负责人集体讨论决定（行政处罚法第五十七条）")
	b.step("decide", "作出处罚决定", "自立案之日起90日", "制作行政处罚决定书；自立案之日起90日内作出决定（行政处罚法第六十条），经批准可以延长")
	b.step("serve", "送达", "7日", "当场交付当事人；当事人不在场的，7日内依照民事诉讼法的规定送达（行政处罚法第六十一条）")
	b.decision("paid", "当事人是否按期履行", "15日", "当事人应当自收到处罚决定书之日起15日内缴纳罚款（行政处罚法第六十七条）")
	b.step("enforce", "强制执行", "3个月", "到期不缴纳罚款的，每日按罚款数额的3%加处罚款；期满后3个月内申请人民法院强制执行（行政处罚法第七十二条、行政强制法第五十三条）")
	b.step("archive", "结案归档", "", "填写结案审批表，案卷材料立卷归档")
	b.step("publicize", "公示", "7个工作日", "自作出决定之日起7个工作日内在门户网站公示，并推送市公共信用信息中心")
	b.end("done", "办结", "")
	b.edge("source", "screen", "")
	b.edge("screen", "register", "符合立案条件")
	b.edge("screen", "no_case", "不符合立案条件")
	b.edge("screen", "transfer", "不属于本机关管辖")
	b.edge("register", "investigate", "")
	b.edge("investigate", "conclude", "")
	b.edge("conclude", "legal_review", "违法事实成立，拟给予处罚")
	b.edge("conclude", "no_penalty", "违法事实不成立或者依法不予处罚")
	b.edge("conclude", "police", "涉嫌犯罪")
	b.edge("legal_review", "notify", "")
	b.edge("notify", "hearing_asked", "")
	b.edge("hearing_asked", "hearing", "要求听证")
	b.edge("hearing_asked", "complex", "放弃听证或者陈述申辩复核完毕")
	b.edge("hearing", "complex", "")
	b.edge("complex", "collective", "是")
	b.edge("complex", "decide", "否")
	b.edge("collective", "decide", "")
	b.edge("decide", "serve", "")
	b.edge("serve", "paid", "")
	b.edge("paid", "archive", "按期履行")
	b.edge("paid", "enforce", "逾期不履行")
	b.edge("enforce", "archive", "")
	b.edge("archive", "publicize", "")
	b.edge("publicize", "done", "")
	return b.f
}

// permitFlow follows 行政许可法 Chapter IV.
func permitFlow() Flow {
	b := &flowBuilder{}
	b.start("apply", "申请", "", "申请人通过政务服务网或者窗口提交申请材料")
	b.decision("check", "受理审查", "5日", "审查申请事项是否属于本机关职权范围、材料是否齐全、是否符合法定形式（行政许可法第三十二条）")
	b.step("accept", "受理", "", "出具加盖专用印章并注明日期的受理通知书")
	b.step("supplement", "补正", "5日", "材料不齐全或者不符合法定形式的，当场或者在5日内一次性告知申请人需要补正的全部内容；逾期不告知的，自收到材料之日起即为受理")
	b.end("not_accepted", "不予受理", "出具不予受理通知书，说明理由；不属于本机关职权范围的，告知向有关行政机关申请")
	b.step("review", "材料审查", "", "对申请材料的实质内容进行审查")
	b.step("site", "实地核查", "", "需要对申请材料实质内容进行核实的，指派两名以上工作人员现场核查（行政许可法第三十四条）")
	b.decision("decide", "作出许可决定", "20个工作日", "自受理之日起20个工作日内作出决定；20个工作日内不能作出决定的，经本机关负责人批准可以延长10个工作日，并告知申请人理由（行政许可法第四十二条）")
	b.step("grant", "准予许可", "", "作出准予行政许可的书面决定")
	b.step("deny", "不予许可", "", "作出不予行政许可的书面决定，说明理由，并告知申请行政复议或者提起行政诉讼的权利（行政许可法第三十八条）")
	b.step("issue", "送达／颁发证照", "10日", "自作出准予许可决定之日起10日内向申请人颁发、送达许可证件（行政许可法第四十四条）")
	b.step("serve_denial", "送达不予许可决定", "10日", "")
	b.step("publicize", "公开", "7个工作日", "自作出决定之日起7个工作日内公开许可决定，并推送市公共信用信息中心")
	b.end("done", "办结", "")
	b.end("denied", "办结（不予许可）", "")
	b.edge("apply", "check", "")
	b.edge("check", "accept", "材料齐全、符合法定形式")
	b.edge("check", "supplement", "材料不齐全或者不符合法定形式")
	b.edge("check", "not_accepted", "不属于受理范围")
	b.edge("supplement", "check", "按要求补正后重新提交")
	b.edge("accept", "review", "")
	b.edge("review", "site", "")
	b.edge("site", "decide", "")
	b.edge("decide", "grant", "符合法定条件、标准")
	b.edge("decide", "deny", "不符合法定条件、标准")
	b.edge("grant", "issue", "")
	b.edge("issue", "publicize", "")
	b.edge("publicize", "done", "")
	b.edge("deny", "serve_denial", "")
	b.edge("serve_denial", "denied", "")
	return b.f
}

// coercionFlow covers 行政强制措施 (查封、扣押) under 行政强制法 Chapter III.
func coercionFlow() Flow {
	b := &flowBuilder{}
	b.start("found", "发现违法行为或者重大事故隐患", "", "监督检查中发现有根据认为不符合保障安全生产的国家标准或者行业标准的设施、设备、器材以及违法生产、储存、使用、经营、运输的危险物品")
	b.decision("urgent", "是否情况紧急需当场实施", "", "")
	b.step("approve", "报告并经负责人批准", "", "实施前向行政机关负责人报告并经批准（行政强制法第十八条）")
	b.step("on_spot", "当场实施并补办批准手续", "24小时", "情况紧急需当场实施的，24小时内向负责人报告并补办批准手续；负责人认为不应当采取的，立即解除（行政强制法第十九条）")
	b.step("notify", "通知当事人到场并告知", "", "两名以上执法人员出示证件，通知当事人到场，当场告知采取措施的理由、依据以及依法享有的权利、救济途径")
	b.step("hear", "听取陈述和申辩", "", "")
	b.step("implement", "实施查封、扣押", "30日", "制作现场笔录和查封、扣押决定书及清单，当场交付当事人；期限不超过30日，情况复杂的经负责人批准可以延长，但延长期限不超过30日（行政强制法第二十五条）")
	b.decision("outcome", "查明事实后作出处理", "", "")
	b.step("release", "解除强制措施", "", "违法行为不成立、与违法行为无关或者期限届满的，及时解除并退还财物（行政强制法第二十八条）")
	b.step("to_penalty", "转入行政处罚程序", "", "违法事实清楚的，依法予以没收或者作出其他处理")
	b.step("archive", "归档", "", "")
	b.step("publicize", "公开", "20个工作日", "行政强制决定自作出之日起20个工作日内公开")
	b.end("done", "办结", "")
	b.edge("found", "urgent", "")
	b.edge("urgent", "approve", "否")
	b.edge("urgent", "on_spot", "是")
	b.edge("approve", "notify", "")
	b.edge("on_spot", "notify", "")
	b.edge("notify", "hear", "")
	b.edge("hear", "implement", "")
	b.edge("implement", "outcome", "")
	b.edge("outcome", "release", "无需继续采取措施")
	b.edge("outcome", "to_penalty", "违法事实清楚")
	b.edge("release", "archive", "")
	b.edge("to_penalty", "archive", "")
	b.edge("archive", "publicize", "")
	b.edge("publicize", "done", "")
	return b.f
}

// inspectionFlow is a 行政检查 under the 双随机、一公开 regime.
func inspectionFlow() Flow {
	b := &flowBuilder{}
	b.start("plan", "制定检查计划", "", "按年度监督检查计划和“双随机、一公开”要求随机抽取检查对象、随机选派执法人员；投诉举报、上级交办的专项检查另行确定")
	b.step("prepare", "检查准备", "", "确定两名以上执法人员，制定现场检查方案")
	b.step("inspect", "现场检查", "", "出示执法证件，查阅资料、检查现场，制作现场检查记录，由被检查单位负责人签字")
	b.decision("findings", "检查结果", "", "")
	b.step("order", "责令整改", "", "发现事故隐患的，下达责令限期整改指令书；重大事故隐患排除前或者排除过程中无法保证安全的，责令暂时停产停业或者停止使用相关设施、设备")
	b.step("recheck", "复查", "10日", "自整改期限届满之日起10日内进行复查，填写复查意见书")
	b.decision("fixed", "隐患是否整改到位", "", "")
	b.step("to_penalty", "转入行政处罚程序", "", "发现违法行为依法应当给予行政处罚的，依照行政处罚程序立案查处")
	b.step("archive", "检查记录归档", "", "")
	b.step("publicize", "检查结果公开", "20个工作日", "抽查检查结果自作出之日起20个工作日内向社会公开")
	b.end("done", "办结", "")
	b.edge("plan", "prepare", "")
	b.edge("prepare", "inspect", "")
	b.edge("inspect", "findings", "")
	b.edge("findings", "archive", "未发现问题")
	b.edge("findings", "order", "发现事故隐患")
	b.edge("findings", "to_penalty", "发现违法行为")
	b.edge("order", "recheck", "")
	b.edge("recheck", "fixed", "")
	b.edge("fixed", "archive", "已整改")
	b.edge("fixed", "to_penalty", "逾期未整改")
	b.edge("to_penalty", "archive", "")
	b.edge("archive", "publicize", "")
	b.edge("publicize", "done", "")
	return b.f
}

// rewardFlow is a 行政奖励, e.g. a reward for reporting 安全生产 violations.
func rewardFlow() Flow {
	b := &flowBuilder{}
	b.start("start", "启动", "", "发布评选通知，或者举报经核查属实后启动奖励程序")
	b.step("nominate", "申报／推荐", "", "")
	b.decision("review", "审核", "15个工作日", "审核申报材料，核实事迹或者举报事项")
	b.step("publicity", "公示", "5个工作日", "拟奖励名单公示不少于5个工作日（举报奖励不公示举报人身份信息）")
	b.decision("objection", "公示有无异议", "", "")
	b.step("decide", "作出奖励决定", "", "")
	b.step("award", "兑现奖励", "", "颁发证书或者发放奖金")
	b.end("done", "办结", "")
	b.end("declined", "不予奖励", "告知理由")
	b.edge("start", "nominate", "")
	b.edge("nominate", "review", "")
	b.edge("review", "publicity", "符合条件")
	b.edge("review", "declined", "不符合条件")
	b.edge("publicity", "objection", "")
	b.edge("objection", "decide", "无异议或者异议不成立")
	b.edge("objection", "review", "异议成立，重新审核")
	b.edge("decide", "award", "")
	b.edge("award", "done", "")
	return b.f
}

// confirmationFlow is a 行政确认 (e.g. a registration or a determination).
func confirmationFlow() Flow {
	b := &flowBuilder{}
	b.start("apply", "申请", "", "")
	b.decision("check", "受理审查", "5个工作日", "")
	b.step("accept", "受理", "", "")
	b.step("supplement", "补正", "5日", "一次性告知需要补正的全部内容")
	b.end("not_accepted", "不予受理", "说明理由")
	b.step("review", "审核", "", "审核材料，必要时现场核查")
	b.decision("decide", "作出确认决定", "20个工作日", "")
	b.step("confirm", "予以确认", "", "出具确认文书")
	b.step("refuse", "不予确认", "", "书面说明理由，告知救济途径")
	b.step("serve", "送达", "10日", "")
	b.step("publicize", "公开", "7个工作日", "")
	b.end("done", "办结", "")
	b.edge("apply", "check", "")
	b.edge("check", "accept", "材料齐全、符合法定形式")
	b.edge("check", "supplement", "材料不齐全")
	b.edge("check", "not_accepted", "不属于受理范围")
	b.edge("supplement", "check", "补正后重新提交")
	b.edge("accept", "review", "")
	b.edge("review", "decide", "")
	b.edge("decide", "confirm", "符合条件")
	b.edge("decide", "refuse", "不符合条件")
	b.edge("confirm", "serve", "")
	b.edge("refuse", "serve", "")
	b.edge("serve", "publicize", "")
	b.edge("publicize", "done", "")
	return b.f
}

// levyFlow is a 行政征收.
func levyFlow() Flow {
	b := &flowBuilder{}
	b.start("start", "启动征收", "", "依据法律法规确定征收对象")
	b.step("assess", "核定征收数额", "", "")
	b.step("notify", "告知", "", "告知征收依据、标准、数额、期限及陈述申辩权利")
	b.step("decide", "作出征收决定", "", "")
	b.step("serve", "送达征收决定", "7日", "")
	b.decision("paid", "是否按期缴纳", "", "")
	b.step("collect", "催缴／申请强制执行", "3个月", "逾期不缴纳的，催告后依法申请人民法院强制执行")
	b.step("archive", "归档", "", "")
	b.end("done", "办结", "")
	b.edge("start", "assess", "")
	b.edge("assess", "notify", "")
	b.edge("notify", "decide", "")
	b.edge("decide", "serve", "")
	b.edge("serve", "paid", "")
	b.edge("paid", "archive", "按期缴纳")
	b.edge("paid", "collect", "逾期未缴纳")
	b.edge("collect", "archive", "")
	b.edge("archive", "done", "")
	return b.f
}

// benefitFlow is a 行政给付, e.g. 自然灾害生活救助 (《自然灾害救助条例》).
func benefitFlow() Flow {
	b := &flowBuilder{}
	b.start("apply", "申请", "", "受灾人员个人申请，或者村（居）民委员会提名")
	b.step("appraise", "民主评议", "", "村（居）民委员会组织民主评议")
	b.step("publicity", "公示", "5个工作日", "评议结果在村（居）务公开栏公示")
	b.decision("review", "审核", "10个工作日", "乡镇人民政府、街道办事处审核，县级应急管理部门审批")
	b.step("pay", "发放救助款物", "", "通过社会化发放方式发放，登记造册")
	b.end("done", "办结", "")
	b.end("declined", "不予救助", "书面告知理由")
	b.edge("apply", "appraise", "")
	b.edge("appraise", "publicity", "")
	b.edge("publicity", "review", "")
	b.edge("review", "pay", "符合救助条件")
	b.edge("review", "declined", "不符合救助条件")
	b.edge("pay", "done", "")
	return b.f
}

// adjudicationFlow is a 行政裁决 of a dispute between parties.
func adjudicationFlow() Flow {
	b := &flowBuilder{}
	b.start("apply", "申请裁决", "", "当事人书面申请")
	b.decision("check", "受理审查", "5个工作日", "")
	b.step("accept", "受理", "", "")
	b.end("not_accepted", "不予受理", "书面告知理由")
	b.step("answer", "通知被申请人答辩", "10日", "被申请人自收到申请书副本之日起10日内提交答辩书")
	b.step("investigate", "调查核实", "", "必要时组织听证")
	b.decision("mediate", "调解", "", "")
	b.step("agreement", "制作调解书", "", "")
	b.step("decide", "作出裁决", "60日", "自受理之日起60日内作出裁决")
	b.step("serve", "送达", "7日", "")
	b.end("done", "办结", "")
	b.edge("apply", "check", "")
	b.edge("check", "accept", "符合受理条件")
	b.edge("check", "not_accepted", "不符合受理条件")
	b.edge("accept", "answer", "")
	b.edge("answer", "investigate", "")
	b.edge("investigate", "mediate", "")
	b.edge("mediate", "agreement", "调解达成协议")
	b.edge("mediate", "decide", "调解不成")
	b.edge("agreement", "serve", "")
	b.edge("decide", "serve", "")
	b.edge("serve", "done", "")
	return b.f
}

// otherPowerFlow is the generic flow of 其他行政权力 (备案、审查、指定等).
func otherPowerFlow() Flow {
	b := &flowBuilder{}
	b.start("apply", "申请／启动", "", "")
	b.decision("check", "受理审查", "5个工作日", "")
	b.step("accept", "受理", "", "")
	b.step("supplement", "补正", "5日", "一次性告知需要补正的全部内容")
	b.step("review", "审查", "", "")
	b.decision("decide", "作出决定", "20个工作日", "")
	b.step("approve", "同意／办结", "", "")
	b.step("refuse", "不予同意", "", "书面说明理由")
	b.step("serve", "送达", "10日", "")
	b.step("publicize", "公开", "20个工作日", "")
	b.end("done", "办结", "")
	b.edge("apply", "check", "")
	b.edge("check", "accept", "材料齐全")
	b.edge("check", "supplement", "材料不齐全")
	b.edge("supplement", "check", "补正后重新提交")
	b.edge("accept", "review", "")
	b.edge("review", "decide", "")
	b.edge("decide", "approve", "符合要求")
	b.edge("decide", "refuse", "不符合要求")
	b.edge("approve", "serve", "")
	b.edge("refuse", "serve", "")
	b.edge("serve", "publicize", "")
	b.edge("publicize", "done", "")
	return b.f
}

// serviceFlow is the flow of a 公共服务事项.
func serviceFlow() Flow {
	b := &flowBuilder{}
	b.start("request", "提出申请或者咨询", "", "通过窗口、电话、政务服务网或者“苏周到”等渠道提出")
	b.decision("check", "受理", "即时", "当场告知是否受理；需补充材料的一次性告知")
	b.step("handle", "办理", "", "")
	b.step("reply", "答复／办结", "", "")
	b.step("evaluate", "服务评价", "", "政务服务“好差评”")
	b.end("done", "办结", "")
	b.end("referred", "告知向有关部门申请", "不属于本部门服务范围的")
	b.edge("request", "check", "")
	b.edge("check", "handle", "属于服务范围")
	b.edge("check", "referred", "不属于服务范围")
	b.edge("handle", "reply", "")
	b.edge("reply", "evaluate", "")
	b.edge("evaluate", "done", "")
	return b.f
}

var flowKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Validate reports every structural defect of f as FieldErrors with paths
// such as "flow.nodes[2].key" and "flow.edges[3].to", or returns nil. A
// valid flow has node keys that are unique and match ^[A-Za-z0-9_]+$,
// non-empty node labels and known kinds; exactly one start node, with no
// edge into it; at least one end node, with no edge out of it; edges only
// between existing, distinct nodes and no duplicate edge; at least two
// labelled edges out of every decision node and a way out of every other
// non-end node; and every node reachable from the start node.
func (f Flow) Validate() error {
	var errs FieldErrors
	add := func(field, code, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	index := make(map[string]int, len(f.Nodes))
	var starts, ends []int
	for i, n := range f.Nodes {
		p := fmt.Sprintf("flow.nodes[%d]", i)
		switch {
		case n.Key == "":
			add(p+".key", CodeRequired, "node key is empty")
		case !flowKeyPattern.MatchString(n.Key):
			add(p+".key", CodeFormat, "node key %q must match ^[A-Za-z0-9_]+$", n.Key)
		default:
			if j, dup := index[n.Key]; dup {
				add(p+".key", CodeConflict, "node key %q is already used by flow.nodes[%d]", n.Key, j)
			} else {
				index[n.Key] = i
			}
		}
		if n.Label == "" {
			add(p+".label", CodeRequired, "node label is empty")
		}
		switch n.Kind {
		case NodeStart:
			starts = append(starts, i)
		case NodeEnd:
			ends = append(ends, i)
		case NodeStep, NodeDecision:
		default:
			add(p+".kind", CodeEnum, "unknown node kind %q (want one of start, step, decision, end)", n.Kind)
		}
	}
	switch {
	case len(starts) == 0:
		add("flow.nodes", CodeRequired, "the flow has no start node")
	case len(starts) > 1:
		for _, i := range starts[1:] {
			add(fmt.Sprintf("flow.nodes[%d].kind", i), CodeConflict,
				"second start node %q (the first is %q)", f.Nodes[i].Key, f.Nodes[starts[0]].Key)
		}
	}
	if len(ends) == 0 {
		add("flow.nodes", CodeRequired, "the flow has no end node")
	}

	out := make(map[int][]int, len(f.Nodes)) // node index → successor indexes
	labelled := make(map[int]int, len(f.Nodes))
	type pair struct{ from, to int }
	seen := map[pair]int{}
	for i, e := range f.Edges {
		p := fmt.Sprintf("flow.edges[%d]", i)
		from, okFrom := index[e.From]
		to, okTo := index[e.To]
		if !okFrom {
			add(p+".from", CodeUnknown, "edge starts at unknown node %q", e.From)
		}
		if !okTo {
			add(p+".to", CodeUnknown, "edge ends at unknown node %q", e.To)
		}
		if !okFrom || !okTo {
			continue
		}
		switch {
		case from == to:
			add(p+".to", CodeConflict, "edge loops on node %q", e.From)
			continue
		case f.Nodes[to].Kind == NodeStart:
			add(p+".to", CodeConflict, "edge enters the start node %q", e.To)
		case f.Nodes[from].Kind == NodeEnd:
			add(p+".from", CodeConflict, "edge leaves the end node %q", e.From)
		}
		if j, dup := seen[pair{from, to}]; dup {
			add(p, CodeConflict, "edge %s → %s duplicates flow.edges[%d]", e.From, e.To, j)
			continue
		}
		seen[pair{from, to}] = i
		out[from] = append(out[from], to)
		if e.Label != "" {
			labelled[from]++
		}
	}
	for i, n := range f.Nodes {
		p := fmt.Sprintf("flow.nodes[%d]", i)
		switch n.Kind {
		case NodeDecision:
			if len(out[i]) < 2 {
				add(p, CodeConflict, "decision node %q needs at least two outgoing edges, has %d", n.Key, len(out[i]))
			} else if labelled[i] < len(out[i]) {
				add(p, CodeRequired, "every edge out of decision node %q needs a label", n.Key)
			}
		case NodeStart, NodeStep:
			if len(out[i]) == 0 {
				add(p, CodeConflict, "node %q has no outgoing edge and is not an end node", n.Key)
			}
		}
	}

	if len(starts) >= 1 {
		reached := make([]bool, len(f.Nodes))
		queue := []int{starts[0]}
		reached[starts[0]] = true
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			for _, m := range out[n] {
				if !reached[m] {
					reached[m] = true
					queue = append(queue, m)
				}
			}
		}
		for i, ok := range reached {
			// Second start nodes and nodes with a bad or duplicate key are
			// reported already.
			if j, known := index[f.Nodes[i].Key]; !ok && known && j == i && !slices.Contains(starts, i) {
				add(fmt.Sprintf("flow.nodes[%d]", i), CodeConflict,
					"node %q is not reachable from the start node %q", f.Nodes[i].Key, f.Nodes[starts[0]].Key)
			}
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}
