package domain

import "time"

// This file defines what the enforcement disclosure system (行政执法公示制度,
// 国办发〔2018〕118号) publishes besides decisions: before enforcement, the
// bodies that may enforce (执法主体), their officers (执法人员), the
// random-inspection list (随机抽查事项清单) and the annual enforcement plans
// (年度执法计划); after it, the inspection tasks and their results
// (双随机、一公开) and the counts of criminal referrals (两法衔接).

// BodyStatus says whether an enforcement body may still enforce.
type BodyStatus string

const (
	BodyActive    BodyStatus = "有效"
	BodyAbolished BodyStatus = "撤销" // e.g. merged in an institutional reform
)

// BodyStatuses lists every BodyStatus.
var BodyStatuses = []BodyStatus{BodyActive, BodyAbolished}

// EnforcementBody is one 执法主体: an organ or organisation that enforces
// in its own name, or an entrusted one (受委托组织) that enforces in the
// name of the body entrusting it.
type EnforcementBody struct {
	Name           string     // 主体名称
	CreditCode     string     // 统一社会信用代码 (natural key)
	LegalBasis     string     // 职权依据: the legal source of its authority
	DistrictCode   string     // 行政区划代码 (GB/T 2260) of its area
	Entrusted      bool       // 是否受委托
	EntrustingBody string     // 委托机关 (only when entrusted)
	EntrustingCode string     // 委托机关统一社会信用代码 (optional, only when entrusted)
	Status         BodyStatus // 状态
	Remarks        string     // 备注
}

// OfficerStatus is the state of an enforcement certificate (执法证).
type OfficerStatus string

const (
	OfficerValid     OfficerStatus = "有效"
	OfficerSuspended OfficerStatus = "暂停"
	OfficerRevoked   OfficerStatus = "注销"
	// OfficerExpired is never stored: a verification reports it for a
	// valid certificate whose validity has ended.
	OfficerExpired OfficerStatus = "已过期"
)

// OfficerStatuses lists every stored OfficerStatus.
var OfficerStatuses = []OfficerStatus{OfficerValid, OfficerSuspended, OfficerRevoked}

// Officer is one 执法人员 as published: name, certificate and body. An
// officer's other personal data (ID number, phone, photo) has no field
// here and no column in any table.
type Officer struct {
	CertificateNo    string        // 执法证号 (natural key)
	Name             string        // 姓名
	IssuingAuthority string        // 发证机关
	BodyCode         string        // 所属执法主体统一社会信用代码
	Body             string        // 所属执法主体: optional on input (checked against the register), filled on read
	Status           OfficerStatus // 状态
	ValidUntil       time.Time     // 有效期至
}

// OfficerCheck is all a citizen learns by verifying a certificate: whose
// it is, for which body, and whether it is valid — nothing else.
type OfficerCheck struct {
	Name       string
	Body       string
	Status     OfficerStatus // OfficerExpired when a valid certificate's validity has ended
	ValidUntil time.Time
}

// EffectiveStatus is the status a certificate has on day today: a valid
// certificate past its ValidUntil is OfficerExpired.
func (o Officer) EffectiveStatus(today time.Time) OfficerStatus {
	if o.Status == OfficerValid && o.ValidUntil.Before(dateOf(today)) {
		return OfficerExpired
	}
	return o.Status
}

// InspectionItemCategories are the 抽查类别 of the random-inspection list.
var InspectionItemCategories = []string{"重点检查事项", "一般检查事项"}

// InspectionItem is one item of the 随机抽查事项清单.
type InspectionItem struct {
	Code      string `json:"code"`      // 事项编码
	Name      string `json:"name"`      // 抽查事项
	Category  string `json:"category"`  // 抽查类别
	Scope     string `json:"scope"`     // 检查对象 (subject scope)
	Method    string `json:"method"`    // 检查方式
	Body      string `json:"body"`      // 检查主体
	Basis     string `json:"basis"`     // 检查依据
	Frequency string `json:"frequency"` // 抽查比例及频次
	Remarks   string `json:"remarks"`   // 备注
}

// EnterpriseCategories are the industries (行业领域) inspections and plan
// targets are counted by: hazardous chemicals, fireworks and non-coal
// mines, the eight 工贸 industries, and the rest. The list follows the
// usual division of safety supervision; the bureau's own division is
// unconfirmed.
var EnterpriseCategories = []string{
	"危险化学品", "烟花爆竹", "非煤矿山", "冶金", "有色", "建材", "机械", "轻工", "纺织", "烟草", "商贸", "其他",
}

// Inspection kinds (检查类型).
const (
	KindRandom     = "双随机抽查" // drawn by an InspectionTask
	KindKey        = "重点检查"
	KindCampaign   = "专项检查"
	KindComplaint  = "举报核查"
	KindOtherCheck = "其他检查"
)

// InspectionKinds lists every inspection kind.
var InspectionKinds = []string{KindRandom, KindKey, KindCampaign, KindComplaint, KindOtherCheck}

// InspectionOutcome is the result of one inspection (检查结果).
type InspectionOutcome string

const (
	OutcomeClean     InspectionOutcome = "未发现问题"
	OutcomeRectified InspectionOutcome = "发现问题已责令整改"
	OutcomeCase      InspectionOutcome = "立案查处"
)

// InspectionOutcomes lists every InspectionOutcome.
var InspectionOutcomes = []InspectionOutcome{OutcomeClean, OutcomeRectified, OutcomeCase}

// InspectionTask is one random inspection campaign (双随机抽查任务): which
// list items it checks, when, and its draw — Drawn of Candidates
// enterprises (and Inspectors of InspectorPool officers) chosen by
// Algorithm from Seed, so that anyone holding the published candidate
// list can repeat the draw (see Draw).
type InspectionTask struct {
	Code          string    // 任务编号 (natural key with BodyCode)
	Name          string    // 任务名称
	BodyCode      string    // 实施主体统一社会信用代码
	Body          string    // 实施主体: optional on input, filled on read
	PlanYear      int       // 计划年度: the annual plan it executes; 0 when none
	ItemCodes     []string  // 抽查事项编码: items of the random-inspection list
	StartDate     time.Time // 开始日期
	EndDate       time.Time // 结束日期
	Candidates    int       // 抽查对象名录库企业数 (n)
	Drawn         int       // 抽取企业数 (k)
	InspectorPool int       // 执法检查人员名录库人数; 0 when inspectors were not drawn
	Inspectors    int       // 抽取执法人员数
	Seed          string    // 随机种子, published before the draw
	Algorithm     string    // 抽取算法, one of DrawAlgorithms
	DrawnOn       time.Time // 抽取日期
	Remarks       string    // 备注
}

// DrawEnterprises returns the 1-based positions, in the published
// candidate list, of the enterprises the task drew, in draw order.
func (t InspectionTask) DrawEnterprises() ([]int, error) {
	return Draw(t.Algorithm, t.Seed, t.Candidates, t.Drawn)
}

// DrawInspectors returns the positions of the officers the task drew in
// its inspector list (nil when it drew none). The draw uses the seed
// followed by InspectorSeedSuffix, so it is independent of the
// enterprises' draw.
func (t InspectionTask) DrawInspectors() ([]int, error) {
	if t.Inspectors == 0 {
		return nil, nil
	}
	return Draw(t.Algorithm, t.Seed+InspectorSeedSuffix, t.InspectorPool, t.Inspectors)
}

// InspectorSeedSuffix is appended to a task's seed to draw its inspectors.
const InspectorSeedSuffix = "/执法人员"

// InspectionResult is the published result of one inspection of one
// party. The party block is the penalties' one (JC_ codes), masked alike.
type InspectionResult struct {
	RecordNo          string            // JC_JLBH 检查记录编号 (natural key with BodyCode)
	BodyCode          string            // JC_JCZTDM 检查主体统一社会信用代码
	Body              string            // JC_JCZT 检查主体: optional on input, filled on read
	TaskCode          string            // JC_RWBH 抽查任务编号: required for, and only for, 双随机抽查
	Kind              string            // JC_JCLX 检查类型, one of InspectionKinds
	Party                               // JC_XDR_* the inspected party
	Category          string            // JC_HYLY 行业领域, one of EnterpriseCategories
	InspectionDate    time.Time         // JC_JCRQ 检查日期
	Outcome           InspectionOutcome // JC_JCJG 检查结果
	Hazards           int               // JC_YHS 发现隐患数 (0 for 未发现问题)
	PenaltyDecisionNo string            // JC_CFWSH 行政处罚决定书文号 of the case, 立案查处 only
	PenaltyAgencyCode string            // JC_CFJGDM its 处罚机关统一社会信用代码 (default: the body's)
	Summary           string            // JC_JCQK 检查情况
}

// EnforcementPlan is one 年度执法计划 of one body.
type EnforcementPlan struct {
	Year       int          // 计划年度 (natural key with BodyCode)
	BodyCode   string       // 执法主体统一社会信用代码
	Body       string       // 执法主体: optional on input, filled on read
	Name       string       // 计划名称
	ApprovedOn time.Time    // 批准日期
	Targets    []PlanTarget // 计划检查企业数, by industry
	Remarks    string       // 备注
}

// PlanTarget is how many enterprises of one industry a plan means to
// inspect.
type PlanTarget struct {
	Category    string // one of EnterpriseCategories
	Enterprises int
}

// CriminalReferral is how many cases, involving how many persons, a body
// transferred to public security (移送公安机关) in one quarter, before any
// accident (事前, e.g. 危险作业罪) or after one (事故, e.g. 重大责任事故罪).
// It holds counts only: no case, party or person is named.
type CriminalReferral struct {
	Year     int    // 年度
	Quarter  int    // 季度, 1–4
	BodyCode string // 移送机关统一社会信用代码
	Body     string // 移送机关: optional on input, filled on read
	Stage    Stage  // 案件类型: 事前 (non-accident violations) or 事故 (accident-related)
	Cases    int    // 移送案件数
	Persons  int    // 涉案人数
}
