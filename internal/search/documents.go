package search

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
)

// The documents below are what the indexes hold: public fields only, built
// from records the public read path returned (published, unexpired,
// identifiers masked). Natural persons' ID numbers are left out entirely.
// The fields in internalFields (the change-log seq a document was built
// at, the list version id, the publicity end as a number) serve the
// indexer and filters and are not returned in hits.

// PenaltyDoc is a document of the penalties index. Its fields have the
// names of the read API's Penalty.
type PenaltyDoc struct {
	ID              int64    `json:"id"`
	Type            Type     `json:"type"`
	DecisionNo      string   `json:"decision_no"` // 行政处罚决定书文号
	PartyName       string   `json:"party_name"`  // 行政相对人名称
	PartyKind       string   `json:"party_kind"`  // 行政相对人类别
	CreditCode      string   `json:"credit_code"` // 统一社会信用代码
	BusinessRegNo   string   `json:"business_reg_no"`
	LegalRep        string   `json:"legal_rep"`      // 法定代表人
	ViolationType   string   `json:"violation_type"` // 违法行为类型
	Facts           string   `json:"facts"`          // 违法事实
	Basis           string   `json:"basis"`          // 处罚依据
	Categories      []string `json:"categories"`     // 处罚类别
	Content         string   `json:"content"`        // 处罚内容
	Fine            string   `json:"fine"`           // 罚款金额, yuan with two decimals
	Confiscated     string   `json:"confiscated"`    // 没收金额, yuan with two decimals
	LicenceAffected string   `json:"licence_affected"`
	DecisionDate    string   `json:"decision_date"` // YYYY-MM-DD
	Year            int      `json:"year"`
	ValidUntil      *string  `json:"valid_until"`
	PublicityUntil  string   `json:"publicity_until"`
	Agency          string   `json:"agency"` // 处罚机关
	AgencyCode      string   `json:"agency_code"`
	District        string   `json:"district,omitempty"`
	DistrictCode    string   `json:"district_code,omitempty"`
	Stage           string   `json:"stage,omitempty"` // 事前 / 事故
	PublicityClass  string   `json:"publicity_class"`
	Source          string   `json:"source"` // 数据来源单位
	Remarks         string   `json:"remarks"`
	Demo            bool     `json:"demo"` // 示例数据
	PublishedAt     string   `json:"published_at"`

	FineYuan          float64  `json:"fine_yuan"`              // internal: the fine as a number, to sort by
	Version           int64    `json:"version"`                // internal
	PublicityUntilDay int      `json:"publicity_until_day"`    // internal: YYYYMMDD; searches exclude ended periods
	DecisionKey       string   `json:"decision_key"`           // internal: MatchKey of decision_no
	PartyKey          string   `json:"party_key"`              // internal: MatchKey of party_name
	PartyPinyin       []string `json:"party_pinyin,omitempty"` // internal: PartyPinyin of a business's name
}

// PermitDoc is a document of the permits index, with the field names of
// the read API's Permit.
type PermitDoc struct {
	ID              int64  `json:"id"`
	Type            Type   `json:"type"`
	DecisionNo      string `json:"decision_no"`   // 行政许可决定文书号
	DocumentName    string `json:"document_name"` // 行政许可决定文书名称
	PartyName       string `json:"party_name"`
	PartyKind       string `json:"party_kind"`
	CreditCode      string `json:"credit_code"`
	BusinessRegNo   string `json:"business_reg_no"`
	LegalRep        string `json:"legal_rep"`
	Category        string `json:"category"` // 许可类别
	CertificateName string `json:"certificate_name"`
	PermitNo        string `json:"permit_no"` // 许可编号
	Content         string `json:"content"`
	DecisionDate    string `json:"decision_date"`
	Year            int    `json:"year"`
	ValidFrom       string `json:"valid_from"`
	ValidTo         string `json:"valid_to"`
	Agency          string `json:"agency"`
	AgencyCode      string `json:"agency_code"`
	District        string `json:"district,omitempty"`
	DistrictCode    string `json:"district_code,omitempty"`
	State           string `json:"state"` // 当前状态: 有效 / 无效
	Source          string `json:"source"`
	Remarks         string `json:"remarks"`
	Demo            bool   `json:"demo"`
	PublishedAt     string `json:"published_at"`

	Version     int64    `json:"version"`                // internal
	DecisionKey string   `json:"decision_key"`           // internal: MatchKey of decision_no
	PermitKey   string   `json:"permit_key"`             // internal: MatchKey of permit_no
	PartyKey    string   `json:"party_key"`              // internal: MatchKey of party_name
	PartyPinyin []string `json:"party_pinyin,omitempty"` // internal: PartyPinyin of a business's name
}

// PowerDoc is a document of the powers index: a 权力清单 item with its
// 运行指南 and the step labels of its flowchart.
type PowerDoc struct {
	ID             string   `json:"id"`
	Type           Type     `json:"type"`
	List           string   `json:"list"`
	Code           string   `json:"code"`
	Name           string   `json:"name"`
	Category       string   `json:"category"` // 事项类型
	SubItems       []string `json:"sub_items,omitempty"`
	LegalBasis     string   `json:"legal_basis"`
	Unit           string   `json:"unit"`
	Level          string   `json:"level,omitempty"`
	Duties         []string `json:"duties,omitempty"` // "stage：content"
	Accountability string   `json:"accountability,omitempty"`
	Remarks        string   `json:"remarks,omitempty"`
	GuideBasis     string   `json:"guide_basis,omitempty"`
	Applicant      string   `json:"applicant,omitempty"`
	Channels       string   `json:"channels,omitempty"`
	TimePlace      string   `json:"time_place,omitempty"`
	Conditions     string   `json:"conditions,omitempty"`
	Materials      []string `json:"materials,omitempty"`
	StatutoryLimit string   `json:"statutory_limit,omitempty"`
	PromisedLimit  string   `json:"promised_limit,omitempty"`
	Fees           string   `json:"fees,omitempty"`
	ConsultPhone   string   `json:"consult_phone,omitempty"`
	ComplaintPhone string   `json:"complaint_phone,omitempty"`
	OnlineURL      string   `json:"online_url,omitempty"`
	GuideNotes     string   `json:"guide_notes,omitempty"`
	FlowSteps      []string `json:"flow_steps,omitempty"`
	VersionNumber  int      `json:"version_number"`
	EffectiveDate  string   `json:"effective_date"`
	ListVersion    int64    `json:"list_version"`
}

// ServiceDoc is a document of the services index: an item of the 责任清单
// (list "responsibilities") or of the 公共服务事项清单 ("public-services").
type ServiceDoc struct {
	ID             string   `json:"id"`
	Type           Type     `json:"type"`
	List           string   `json:"list"`
	Code           string   `json:"code"`
	Name           string   `json:"name"`
	Part           string   `json:"part,omitempty"` // 责任清单 part
	Duty           string   `json:"duty,omitempty"`
	Detail         string   `json:"detail,omitempty"`
	Accountability string   `json:"accountability,omitempty"`
	Basis          string   `json:"basis,omitempty"`
	Target         string   `json:"target,omitempty"` // 服务对象
	Unit           string   `json:"unit,omitempty"`
	Conditions     string   `json:"conditions,omitempty"`
	Materials      []string `json:"materials,omitempty"`
	Process        string   `json:"process,omitempty"`
	TimeLimit      string   `json:"time_limit,omitempty"`
	Fees           string   `json:"fees,omitempty"`
	ConsultPhone   string   `json:"consult_phone,omitempty"`
	ComplaintPhone string   `json:"complaint_phone,omitempty"`
	FlowSteps      []string `json:"flow_steps,omitempty"`
	VersionNumber  int      `json:"version_number"`
	EffectiveDate  string   `json:"effective_date"`
	ListVersion    int64    `json:"list_version"`
}

// internalFields are document fields hits leave out.
var internalFields = map[string]bool{"version": true, "publicity_until_day": true, "list_version": true, "fine_yuan": true,
	"decision_key": true, "permit_key": true, "party_key": true, "party_pinyin": true}

// publicFields lists, per type, the document fields hits carry: every
// field of its *Doc type but the internal ones.
var publicFields = map[Type][]string{
	TypePenalty: fieldsOf(PenaltyDoc{}),
	TypePermit:  fieldsOf(PermitDoc{}),
	TypePower:   fieldsOf(PowerDoc{}),
	TypeService: fieldsOf(ServiceDoc{}),
}

func fieldsOf(doc any) []string {
	var out []string
	t := reflect.TypeOf(doc)
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" && !internalFields[name] {
			out = append(out, name)
		}
	}
	return out
}

// retrieve is the attributesToRetrieve of a search of type t.
func retrieve(t Type) []string { return publicFields[t] }

func date(t time.Time) string { return domain.FormatDate(t) }

func dayNumber(t time.Time) int { return t.Year()*10000 + int(t.Month())*100 + t.Day() }

// cst is China Standard Time, the zone of every instant Gongshi shows.
var cst = domain.China

// PenaltyDocument builds the document of a public penalty.
func PenaltyDocument(p domain.PublishedPenalty, version int64) PenaltyDoc {
	d := PenaltyDoc{
		ID: p.ID, Type: TypePenalty, DecisionNo: p.DecisionNo, PartyName: p.Name, PartyKind: string(p.Kind),
		CreditCode: p.CreditCode, BusinessRegNo: p.BusinessRegNo, LegalRep: p.LegalRep,
		ViolationType: p.ViolationType, Facts: p.Facts, Basis: p.Basis, Categories: p.Categories,
		Content: p.Content, Fine: p.Fine.Yuan(), Confiscated: p.Confiscated.Yuan(),
		LicenceAffected: p.LicenceAffected, DecisionDate: date(p.DecisionDate), Year: p.DecisionDate.Year(),
		PublicityUntil: date(p.PublicityUntil), Agency: p.Agency, AgencyCode: p.AgencyCode,
		District: p.District, DistrictCode: p.DistrictCode, Stage: string(p.Stage),
		PublicityClass: string(p.Class), Source: p.Source, Remarks: p.Remarks, Demo: p.Demo,
		PublishedAt: p.PublishedAt.In(cst).Format(time.RFC3339),
		FineYuan:    float64(p.Fine) / 100, Version: version, PublicityUntilDay: dayNumber(p.PublicityUntil),
		DecisionKey: MatchKey(p.DecisionNo), PartyKey: MatchKey(p.Name), PartyPinyin: partyPinyin(p.Kind, p.Name),
	}
	if d.Categories == nil {
		d.Categories = []string{}
	}
	if p.ValidUntil != nil {
		v := date(*p.ValidUntil)
		d.ValidUntil = &v
	}
	return d
}

// PermitDocument builds the document of a public permit.
func PermitDocument(p domain.PublishedPermit, version int64) PermitDoc {
	return PermitDoc{
		ID: p.ID, Type: TypePermit, DecisionNo: p.DecisionNo, DocumentName: p.DocName, PartyName: p.Name,
		PartyKind: string(p.Kind), CreditCode: p.CreditCode, BusinessRegNo: p.BusinessRegNo, LegalRep: p.LegalRep,
		Category: p.Category, CertificateName: p.CertName, PermitNo: p.PermitNo, Content: p.Content,
		DecisionDate: date(p.DecisionDate), Year: p.DecisionDate.Year(), ValidFrom: date(p.ValidFrom),
		ValidTo: date(p.ValidTo), Agency: p.Agency, AgencyCode: p.AgencyCode, District: p.District,
		DistrictCode: p.DistrictCode, State: string(p.State), Source: p.Source, Remarks: p.Remarks,
		Demo: p.Demo, PublishedAt: p.PublishedAt.In(cst).Format(time.RFC3339), Version: version,
		DecisionKey: MatchKey(p.DecisionNo), PermitKey: MatchKey(p.PermitNo), PartyKey: MatchKey(p.Name),
		PartyPinyin: partyPinyin(p.Kind, p.Name),
	}
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,200}$`)

// itemID is a list item's document id: stable across list versions, so a
// new version replaces its items in place.
func itemID(prefix, code string) string {
	if safeID.MatchString(code) {
		return prefix + "-" + code
	}
	h := sha256.Sum256([]byte(code))
	return prefix + "_" + hex.EncodeToString(h[:12])
}

func flowSteps(f domain.Flow) []string {
	var out []string
	for _, n := range f.Nodes {
		if n.Kind == domain.NodeStart || n.Kind == domain.NodeEnd {
			continue
		}
		s := n.Label
		if n.TimeLimit != "" {
			s += "（" + n.TimeLimit + "）"
		}
		out = append(out, s)
	}
	return out
}

// ListDocuments builds the documents of the current version of a list:
// PowerDocs for the power list, ServiceDocs for the others.
func ListDocuments(l store.CurrentList) (powers []PowerDoc, services []ServiceDoc) {
	eff := date(l.EffectiveDate)
	for _, it := range l.Powers {
		g := it.Guide
		d := PowerDoc{
			ID: itemID("pw", it.Code), Type: TypePower, List: string(domain.ListPowers), Code: it.Code, Name: it.Name,
			Category: it.Category, SubItems: it.SubItems, LegalBasis: it.LegalBasis, Unit: it.Unit,
			Level: it.Level, Accountability: it.Accountability, Remarks: it.Remarks, GuideBasis: g.Basis,
			Applicant: g.Applicant, Channels: g.Channels, TimePlace: g.TimePlace, Conditions: g.Conditions,
			Materials: g.Materials, StatutoryLimit: g.StatutoryLimit, PromisedLimit: g.PromisedLimit,
			Fees: g.Fees, ConsultPhone: g.ConsultPhone, ComplaintPhone: g.ComplaintPhone, OnlineURL: g.OnlineURL,
			GuideNotes: g.Notes, FlowSteps: flowSteps(it.Flow), VersionNumber: l.Number, EffectiveDate: eff,
			ListVersion: l.VersionID,
		}
		for _, du := range it.Duties {
			d.Duties = append(d.Duties, du.Stage+"："+du.Content)
		}
		powers = append(powers, d)
	}
	for _, it := range l.Responsibilities {
		services = append(services, ServiceDoc{
			ID: itemID("rs", it.Code), Type: TypeService, List: string(domain.ListResponsibilities), Code: it.Code,
			Name: it.Name, Part: it.Part, Duty: it.Duty, Detail: it.Detail, Accountability: it.Accountability,
			Basis: it.Basis, VersionNumber: l.Number, EffectiveDate: eff, ListVersion: l.VersionID,
		})
	}
	for _, it := range l.Services {
		services = append(services, ServiceDoc{
			ID: itemID("ps", it.Code), Type: TypeService, List: string(domain.ListPublicServices), Code: it.Code,
			Name: it.Name, Target: it.Target, Basis: it.Basis, Unit: it.Unit, Conditions: it.Conditions,
			Materials: it.Materials, Process: it.Process, TimeLimit: it.TimeLimit, Fees: it.Fees,
			ConsultPhone: it.ConsultPhone, ComplaintPhone: it.ComplaintPhone, FlowSteps: flowSteps(it.Flow),
			VersionNumber: l.Number, EffectiveDate: eff, ListVersion: l.VersionID,
		})
	}
	return powers, services
}

// listName is the Chinese name of a list, for subtitles.
func listName(kind string) string { return domain.ListKind(kind).Info().Label }

// describe returns a hit's title, subtitle and URL from its fields.
func describe(t Type, f func(string) string) (id, title, subtitle, link string) {
	join := func(parts ...string) string {
		out := parts[:0]
		for _, p := range parts {
			if p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, " · ")
	}
	id = f("id")
	switch t {
	case TypePenalty:
		return id, f("party_name"), join(f("decision_no"), f("agency"), f("decision_date")), "/penalties/" + id
	case TypePermit:
		return id, f("party_name"), join(f("document_name"), f("decision_no"), f("decision_date")), "/permits/" + id
	case TypePower:
		return id, f("name"), join(listName(f("list")), f("category"), f("code")), "/lists/powers/" + url.PathEscape(f("code"))
	default:
		list := f("list")
		return id, f("name"), join(listName(list), f("part"), f("code")), "/lists/" + list + "/" + url.PathEscape(f("code"))
	}
}
