package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
)

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

// exportPowers streams the items of the newest powers version, in code
// order; multi-valued columns are joined by ";".
func exportPowers(ctx context.Context, q queryer, fn func([]string) error) error {
	rows, err := q.Query(ctx, `SELECT v.number, v.effective_date, i.code, i.name, i.category, i.sub_items, i.legal_basis,
		i.unit, i.level, i.accountability, i.remarks, i.guide_basis, i.guide_applicant, i.guide_channels,
		i.guide_time_place, i.guide_conditions, i.guide_materials, i.statutory_limit, i.promised_limit, i.fees,
		i.consult_phone, i.complaint_phone, i.online_url, i.guide_notes
		FROM power_items i JOIN list_versions v ON v.id = i.version_id
		WHERE v.id = (SELECT id FROM list_versions WHERE kind = 'powers' ORDER BY number DESC LIMIT 1)
		ORDER BY i.code`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var number int
	var effective time.Time
	var subItems, materials []string
	vals := make([]string, len(PowerListFields))
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	dest[0], dest[1], dest[5], dest[16] = &number, &effective, &subItems, &materials
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		vals[0] = strconv.Itoa(number)
		vals[1] = date(effective)
		vals[5] = strings.Join(subItems, ";")
		vals[16] = strings.Join(materials, ";")
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}
