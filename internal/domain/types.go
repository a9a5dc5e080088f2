// Package domain owns Gongshi's public-record types — administrative
// penalties (行政处罚), permits (行政许可) and the published lists — together
// with their validation, normalisation, masking and publicity rules. It has
// no dependency on storage or transport.
package domain

import "time"

// PartyKind is 行政相对人类别, the kind of party a decision concerns.
type PartyKind string

const (
	PartyOrganization       PartyKind = "法人及非法人组织"
	PartyNaturalPerson      PartyKind = "自然人"
	PartyIndividualBusiness PartyKind = "个体工商户"
)

// PartyKinds lists every allowed PartyKind in the standard's order.
var PartyKinds = []PartyKind{PartyOrganization, PartyNaturalPerson, PartyIndividualBusiness}

// PenaltyCategories are the 处罚类别 of 行政处罚法 (2021) Art. 9.
var PenaltyCategories = []string{
	"警告", "通报批评", "罚款", "没收违法所得", "没收非法财物", "暂扣许可证件",
	"降低资质等级", "吊销许可证件", "限制开展生产经营活动", "责令停产停业",
	"责令关闭", "限制从业", "行政拘留", "其他",
}

// PermitCategories are the 许可类别 in common use.
var PermitCategories = []string{"普通", "特许", "认可", "核准", "登记", "其他"}

// IDTypes are the 证件类型 accepted for natural persons.
var IDTypes = []string{"身份证", "护照号", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证"}

// Stage tells whether a penalty was imposed before any accident (事前) or
// because of one (事故).
type Stage string

const (
	StagePreAccident Stage = "事前"
	StageAccident    Stage = "事故"
)

// Stages lists every Stage.
var Stages = []Stage{StagePreAccident, StageAccident}

// PublicityClass is the severity class that decides how long a penalty is
// published (轻微 / 一般 / 严重).
type PublicityClass string

const (
	ClassMinor   PublicityClass = "轻微"
	ClassGeneral PublicityClass = "一般"
	ClassSevere  PublicityClass = "严重"
)

// PublicityClasses lists every PublicityClass.
var PublicityClasses = []PublicityClass{ClassMinor, ClassGeneral, ClassSevere}

// PermitState is 当前状态 (XK_ZT) of a permit.
type PermitState string

const (
	PermitValid   PermitState = "有效"
	PermitInvalid PermitState = "无效"
)

// PermitStates lists every PermitState.
var PermitStates = []PermitState{PermitValid, PermitInvalid}

// Status is the publication status of a record.
type Status string

const (
	StatusPublished Status = "published"
	StatusWithdrawn Status = "withdrawn"
)

// WithdrawReason says why a published record was taken down.
type WithdrawReason string

const (
	ReasonRevoked   WithdrawReason = "revoked"   // 撤销
	ReasonCorrected WithdrawReason = "corrected" // 更正
	ReasonRepaired  WithdrawReason = "repaired"  // 信用修复
	ReasonExpired   WithdrawReason = "expired"   // 公示期满
)

// WithdrawReasons lists every WithdrawReason.
var WithdrawReasons = []WithdrawReason{ReasonRevoked, ReasonCorrected, ReasonRepaired, ReasonExpired}

// Party is the 行政相对人 block shared by penalties (CF_) and permits (XK_).
type Party struct {
	Name           string    // XDR_MC 行政相对人名称
	Kind           PartyKind // XDR_LB 行政相对人类别
	CreditCode     string    // XDR_SHXYM 统一社会信用代码
	BusinessRegNo  string    // XDR_GSZC 工商注册号
	OrgCode        string    // XDR_ZZJG 组织机构代码
	TaxRegNo       string    // XDR_SWDJ 税务登记号
	InstitutionNo  string    // XDR_SYDW 事业单位证书号
	SocialOrgNo    string    // XDR_SHZZ 社会组织登记证号
	LegalRep       string    // FRDB 法定代表人
	LegalRepIDType string    // FR_ZJLX 法定代表人证件类型
	LegalRepIDNo   string    // FR_ZJHM 法定代表人证件号码
	IDType         string    // XDR_ZJLX 证件类型
	IDNo           string    // XDR_ZJHM 证件号码
}

// Penalty is one administrative penalty decision (行政处罚决定).
type Penalty struct {
	DecisionNo      string         // CF_WSH 行政处罚决定书文号
	Party                          // CF_XDR_* party block
	ViolationType   string         // CF_WFXW 违法行为类型
	Facts           string         // CF_SY 违法事实
	Basis           string         // CF_YJ 处罚依据
	Categories      []string       // CF_CFLB 处罚类别 (one or more)
	Content         string         // CF_NR 处罚内容
	Fine            Money          // CF_NR_FK 罚款金额 (stored in yuan)
	Confiscated     Money          // CF_NR_WFFF 没收违法所得、没收非法财物的金额
	LicenceAffected string         // CF_NR_ZKDX 暂扣或吊销证照名称及编号
	DecisionDate    time.Time      // CF_JDRQ 处罚决定日期
	ValidUntil      *time.Time     // CF_YXQ 处罚有效期
	PublicityUntil  time.Time      // CF_GSJZQ 公示截止期
	Agency          string         // CF_CFJG 处罚机关
	AgencyCode      string         // CF_CFJGDM 处罚机关统一社会信用代码
	Source          string         // CF_SJLY 数据来源单位
	SourceCode      string         // CF_SJLYDM 数据来源单位统一社会信用代码
	Remarks         string         // BZ 备注
	Stage           Stage          // CF_AJJD 案件阶段 (Gongshi extension)
	Class           PublicityClass // CF_GSLB 公示类别 (Gongshi extension)
}

// Permit is one administrative permit decision (行政许可决定).
type Permit struct {
	DocName      string      // XK_XKWS 行政许可决定文书名称
	DecisionNo   string      // XK_WSH 行政许可决定文书号
	Party                    // XK_XDR_* party block
	Category     string      // XK_XKLB 许可类别
	CertName     string      // XK_XKZS 许可证书名称
	PermitNo     string      // XK_XKBH 许可编号
	Content      string      // XK_NR 许可内容
	DecisionDate time.Time   // XK_JDRQ 许可决定日期
	ValidFrom    time.Time   // XK_YXQZ 有效期自
	ValidTo      time.Time   // XK_YXQZI 有效期至
	Agency       string      // XK_XKJG 许可机关
	AgencyCode   string      // XK_XKJGDM 许可机关统一社会信用代码
	State        PermitState // XK_ZT 当前状态
	Source       string      // XK_LYDW 数据来源单位
	SourceCode   string      // XK_LYDWDM 数据来源单位统一社会信用代码
	Remarks      string      // BZ 备注
}

// DateLayout is the only date format Gongshi writes.
const DateLayout = "2006-01-02"
