package domain

import "time"

// ListKind names one of the three published lists.
type ListKind string

const (
	ListPowers           ListKind = "powers"           // 权力清单
	ListResponsibilities ListKind = "responsibilities" // 责任清单
	ListPublicServices   ListKind = "public-services"  // 公共服务事项清单
)

// ListKinds lists every ListKind, in the order of ListKindTable.
var ListKinds = func() []ListKind {
	out := make([]ListKind, len(ListKindTable))
	for i, l := range ListKindTable {
		out[i] = l.Kind
	}
	return out
}()

// PowerCategories are the 事项类型 of the power list.
var PowerCategories = []string{
	"行政许可", "行政处罚", "行政强制", "行政征收", "行政给付", "行政检查",
	"行政确认", "行政奖励", "行政裁决", "其他行政权力",
}

// DutyStages are the stages to which responsibility items (对应责任事项) are
// attached, in procedural order.
var DutyStages = []string{"受理", "立案", "审查", "调查", "告知", "决定", "送达", "执行", "事后监管", "其他"}

// Guide is an item's 运行指南 (operation guide).
type Guide struct {
	Basis          string   `json:"basis"`           // 实施依据
	Applicant      string   `json:"applicant"`       // 申请主体/服务对象
	Channels       string   `json:"channels"`        // 申请方式
	TimePlace      string   `json:"time_place"`      // 受理时间与地点
	Conditions     string   `json:"conditions"`      // 办理条件
	Materials      []string `json:"materials"`       // 申请材料
	StatutoryLimit string   `json:"statutory_limit"` // 法定时限
	PromisedLimit  string   `json:"promised_limit"`  // 承诺时限
	Fees           string   `json:"fees"`            // 收费情况及依据
	ConsultPhone   string   `json:"consult_phone"`   // 咨询电话
	ComplaintPhone string   `json:"complaint_phone"` // 监督投诉电话
	OnlineURL      string   `json:"online_url"`      // 网上办理链接
	Notes          string   `json:"notes"`           // 有关说明
}

// FlowNodeKind is the shape of a flowchart node.
type FlowNodeKind string

const (
	NodeStart    FlowNodeKind = "start"
	NodeStep     FlowNodeKind = "step"
	NodeDecision FlowNodeKind = "decision"
	NodeEnd      FlowNodeKind = "end"
)

// FlowNodeKinds lists every FlowNodeKind.
var FlowNodeKinds = []FlowNodeKind{NodeStart, NodeStep, NodeDecision, NodeEnd}

// FlowNode is one step of a 办理流程 flowchart.
type FlowNode struct {
	Key       string       `json:"key"`
	Label     string       `json:"label"`
	Kind      FlowNodeKind `json:"kind"`
	TimeLimit string       `json:"time_limit,omitempty"` // e.g. "5个工作日"
	Note      string       `json:"note,omitempty"`
}

// FlowEdge connects two nodes of a flowchart, optionally labelled (a branch).
type FlowEdge struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Label string `json:"label,omitempty"`
}

// Flow is a structured flowchart.
type Flow struct {
	Nodes []FlowNode `json:"nodes"`
	Edges []FlowEdge `json:"edges"`
}

// Duty is one 对应责任事项: what the unit must do at a stage.
type Duty struct {
	Stage   string `json:"stage"`
	Content string `json:"content"`
}

// PowerItem is one item of the 权力清单.
type PowerItem struct {
	Code           string   `json:"code"`           // 事项编码
	Name           string   `json:"name"`           // 事项名称
	Category       string   `json:"category"`       // 事项类型
	SubItems       []string `json:"sub_items"`      // 子项
	LegalBasis     string   `json:"legal_basis"`    // 设定依据
	Unit           string   `json:"unit"`           // 实施主体/责任科室
	Level          string   `json:"level"`          // 实施层级
	Duties         []Duty   `json:"duties"`         // 对应责任事项
	Accountability string   `json:"accountability"` // 追责情形及依据
	Remarks        string   `json:"remarks"`        // 备注
	Guide          Guide    `json:"guide"`          // 运行指南
	Flow           Flow     `json:"flow"`           // 流程图
}

// ResponsibilityParts are the five parts of the 责任清单.
var ResponsibilityParts = []string{"主要职责", "职责边界", "事中事后监管制度", "公共服务事项", "责任追究机制"}

// ResponsibilityItem is one entry of the 责任清单.
type ResponsibilityItem struct {
	Code           string `json:"code"`
	Part           string `json:"part"`           // one of ResponsibilityParts
	Duty           string `json:"duty"`           // 部门主要职责 / 边界事项 / 制度名称
	Name           string `json:"name"`           // 具体工作事项
	Detail         string `json:"detail"`         // content, division of labour, examples
	Accountability string `json:"accountability"` // 追责情形
	Basis          string `json:"basis"`          // 依据
}

// ServiceItem is one entry of the 公共服务事项清单.
type ServiceItem struct {
	Code           string   `json:"code"`
	Name           string   `json:"name"`
	Target         string   `json:"target"`          // 服务对象
	Basis          string   `json:"basis"`           // 依据
	Unit           string   `json:"unit"`            // 实施主体
	Conditions     string   `json:"conditions"`      // 条件
	Materials      []string `json:"materials"`       // 材料
	Process        string   `json:"process"`         // 流程
	TimeLimit      string   `json:"time_limit"`      // 时限
	Fees           string   `json:"fees"`            // 收费
	ConsultPhone   string   `json:"consult_phone"`   // 咨询电话
	ComplaintPhone string   `json:"complaint_phone"` // 投诉电话
	Flow           Flow     `json:"flow"`            // 流程图 (may be empty)
}

// MaxListVersion is the largest version number a list can have (the
// database stores it as a 32-bit integer); a larger one names no version
// and is a bad request, not a lookup.
const MaxListVersion = 1<<31 - 1

// ListVersion is one published version of a list.
type ListVersion struct {
	Kind          ListKind  `json:"kind"`
	Number        int       `json:"number"`
	EffectiveDate time.Time `json:"effective_date"`
	Note          string    `json:"note"`
}

// ListChange is one difference between a version and its predecessor.
type ListChange struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Change string `json:"change"` // added, changed, removed
}
