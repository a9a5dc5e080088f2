// Package dataset is the registry of Gongshi's open-data datasets. Each
// entry gives a dataset's name, the change-log entity whose entries
// version it, its data dictionary — the columns of every export, in order
// — and its description in the catalog. The store's exports and samples,
// the API's DCAT catalog, the data pages and the dataset names of
// openapi/openapi.yaml (checked by a test) all read it: adding a dataset is
// an entry here plus the SQL that reads its rows, registered in the store
// under its name.
package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/gongshi/gongshi/internal/domain"
)

// Text is a text by language tag: zh-CN, and en where there is one.
type Text map[string]string

// Dataset is one open-data dataset.
type Dataset struct {
	Name string
	// Entity is the change-log entity whose entries version the dataset:
	// penalty, permit or list_version (store.Entity).
	Entity string
	// Fields is the data dictionary: every export writes one value per
	// field, in this order.
	Fields      []domain.Field
	Title       Text
	Description Text
	Keywords    []string
}

// The datasets, by name.
const (
	Penalties = "penalties" // 行政处罚: public penalties within their publicity period
	Permits   = "permits"   // 行政许可: public permits
	Powers    = "powers"    // 权力清单: the items of the current power list
)

// All lists every dataset, in the order of the catalog.
var All = []Dataset{
	{
		Name: Penalties, Entity: "penalty", Fields: domain.PenaltyFields,
		Title: Text{"zh-CN": "行政处罚信息（双公示）", "en": "Administrative penalties (double publicity)"},
		Description: Text{
			"zh-CN": "苏州市应急管理局及各区（市）应急管理部门作出的行政处罚决定，按“双公示”标准字段公示，仅含公示期内的记录；自然人证件号码已脱敏，金额单位为万元。",
			"en":    "Administrative penalty decisions of the Suzhou emergency management authorities, in the 双公示 standard's fields, limited to records within their publicity period; natural persons' ID numbers are masked; amounts in 万元 (10,000 yuan).",
		},
		Keywords: []string{"行政处罚", "双公示", "应急管理", "安全生产", "苏州"},
	},
	{
		Name: Permits, Entity: "permit", Fields: domain.PermitFields,
		Title: Text{"zh-CN": "行政许可信息（双公示）", "en": "Administrative permits (double publicity)"},
		Description: Text{
			"zh-CN": "苏州市应急管理局及各区（市）应急管理部门作出的行政许可决定，按“双公示”标准字段公示；自然人证件号码已脱敏。",
			"en":    "Administrative permit decisions of the Suzhou emergency management authorities, in the 双公示 standard's fields; natural persons' ID numbers are masked.",
		},
		Keywords: []string{"行政许可", "双公示", "应急管理", "苏州"},
	},
	{
		Name: Powers, Entity: "list_version", Fields: PowerListFields,
		Title: Text{"zh-CN": "权力清单（现行版本）", "en": "Power list (current version)"},
		Description: Text{
			"zh-CN": "现行权力清单的全部事项及其运行指南；各环节责任事项与流程图见清单接口。",
			"en":    "Every item of the current power list with its operation guide; per-stage duties and flowcharts are served by the lists API.",
		},
		Keywords: []string{"权力清单", "运行指南", "应急管理", "苏州"},
	},
}

// The catalog as a whole: its publisher, licence (a default the bureau
// has to confirm), title and description.
var (
	Publisher          = "苏州市应急管理局"
	License            = "https://creativecommons.org/licenses/by/4.0/"
	CatalogTitle       = Text{"zh-CN": "苏州市应急管理局 行政执法公示开放数据", "en": "Suzhou Emergency Management Bureau: open enforcement data"}
	CatalogDescription = Text{
		"zh-CN": "行政处罚、行政许可“双公示”信息与权力清单的开放数据，每日快照可供核验。",
		"en":    "Open data of the bureau's administrative penalties and permits (双公示) and its power list, with verifiable daily snapshots.",
	}
)

// ByName returns the dataset called name.
func ByName(name string) (Dataset, bool) {
	for _, d := range All {
		if d.Name == name {
			return d, true
		}
	}
	return Dataset{}, false
}

// Names are the names of every dataset, in the order of All.
func Names() []string {
	out := make([]string, len(All))
	for i, d := range All {
		out[i] = d.Name
	}
	return out
}

// SchemaVersion identifies the dataset's columns: it changes whenever a
// field is added, removed, renamed, reordered or retyped, so a consumer
// can tell two snapshots with different layouts apart.
func (d Dataset) SchemaVersion() string {
	b, err := json.Marshal(d.Fields)
	if err != nil {
		panic(err) // fields always marshal
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:6])
}

// PowerListFields is the data dictionary of the powers dataset: one row
// per item of the current 权力清单 with its 运行指南. The 双公示 standard
// defines no codes for lists, so a field's code is its English name. The
// per-stage duties and the flowcharts are nested structures the read API
// serves; they are not part of the flat dataset.
var PowerListFields = []domain.Field{
	{Code: "list_version", Label: "清单版本号", Name: "list_version", Type: domain.TypeText, Required: true, Extension: true},
	{Code: "effective_date", Label: "生效日期", Name: "effective_date", Type: domain.TypeDate, Required: true, Extension: true},
	{Code: "code", Label: "事项编码", Name: "code", Type: domain.TypeCode, Required: true},
	{Code: "name", Label: "事项名称", Name: "name", Type: domain.TypeText, Required: true},
	{Code: "category", Label: "事项类型", Name: "category", Type: domain.TypeEnum, Allowed: domain.PowerCategories, Required: true},
	{Code: "sub_items", Label: "子项", Name: "sub_items", Type: domain.TypeText},
	{Code: "legal_basis", Label: "设定依据", Name: "legal_basis", Type: domain.TypeText, Required: true},
	{Code: "unit", Label: "实施主体/责任科室", Name: "unit", Type: domain.TypeText, Required: true},
	{Code: "level", Label: "实施层级", Name: "level", Type: domain.TypeText},
	{Code: "accountability", Label: "追责情形及依据", Name: "accountability", Type: domain.TypeText},
	{Code: "remarks", Label: "备注", Name: "remarks", Type: domain.TypeText},
	{Code: "guide_basis", Label: "实施依据", Name: "guide_basis", Type: domain.TypeText},
	{Code: "guide_applicant", Label: "申请主体/服务对象", Name: "guide_applicant", Type: domain.TypeText},
	{Code: "guide_channels", Label: "申请方式", Name: "guide_channels", Type: domain.TypeText},
	{Code: "guide_time_place", Label: "受理时间与地点", Name: "guide_time_place", Type: domain.TypeText},
	{Code: "guide_conditions", Label: "办理条件", Name: "guide_conditions", Type: domain.TypeText},
	{Code: "guide_materials", Label: "申请材料", Name: "guide_materials", Type: domain.TypeText},
	{Code: "statutory_limit", Label: "法定时限", Name: "statutory_limit", Type: domain.TypeText},
	{Code: "promised_limit", Label: "承诺时限", Name: "promised_limit", Type: domain.TypeText},
	{Code: "fees", Label: "收费情况及依据", Name: "fees", Type: domain.TypeText},
	{Code: "consult_phone", Label: "咨询电话", Name: "consult_phone", Type: domain.TypeText},
	{Code: "complaint_phone", Label: "监督投诉电话", Name: "complaint_phone", Type: domain.TypeText},
	{Code: "online_url", Label: "网上办理链接", Name: "online_url", Type: domain.TypeText},
	{Code: "guide_notes", Label: "有关说明", Name: "guide_notes", Type: domain.TypeText},
}
