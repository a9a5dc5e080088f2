package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/dataset"
)

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
	vals := make([]string, len(dataset.PowerListFields))
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
