package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// VersionInfo describes one published version of a list and how it differs
// from the version before it.
type VersionInfo struct {
	Kind          domain.ListKind
	Number        int
	EffectiveDate time.Time
	Note          string
	Items         int
	Demo          bool
	PublishedAt   time.Time
	Added         int
	Changed       int
	Removed       int
}

const versionSelect = `SELECT v.kind::text, v.number, v.effective_date, v.note, v.item_count, v.demo, v.published_at,
	count(c.code) FILTER (WHERE c.change = 'added'),
	count(c.code) FILTER (WHERE c.change = 'changed'),
	count(c.code) FILTER (WHERE c.change = 'removed')
	FROM list_versions v LEFT JOIN list_changes c ON c.version_id = v.id `

const versionGroup = ` GROUP BY v.id `

// ListVersions returns every version of a list, newest first; none when
// the list was never published.
func (pub *Public) ListVersions(ctx context.Context, kind domain.ListKind) ([]VersionInfo, error) {
	rows, err := pub.s.pool.Query(ctx, versionSelect+`WHERE v.kind = $1`+versionGroup+`ORDER BY v.number DESC`, string(kind))
	if err != nil {
		return nil, fmt.Errorf("store.ListVersions(%s): %w", kind, err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[VersionInfo])
	if err != nil {
		return nil, fmt.Errorf("store.ListVersions(%s): %w", kind, err)
	}
	return vs, nil
}

// version returns the id and description of version n of a list (0: the
// current version); ErrNotFound when there is none.
func (pub *Public) version(ctx context.Context, kind domain.ListKind, n int) (int64, VersionInfo, error) {
	var id int64
	err := pub.s.pool.QueryRow(ctx, `SELECT id FROM list_versions WHERE kind = $1 AND ($2 = 0 OR number = $2)
		ORDER BY number DESC LIMIT 1`, string(kind), n).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, VersionInfo{}, ErrNotFound
	}
	if err != nil {
		return 0, VersionInfo{}, err
	}
	rows, err := pub.s.pool.Query(ctx, versionSelect+`WHERE v.id = $1`+versionGroup, id)
	if err != nil {
		return 0, VersionInfo{}, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByPos[VersionInfo])
	return id, v, err
}

// ListVersion describes version n of a list (0: the current version).
func (pub *Public) ListVersion(ctx context.Context, kind domain.ListKind, n int) (VersionInfo, error) {
	_, v, err := pub.version(ctx, kind, n)
	if err != nil {
		return VersionInfo{}, fmt.Errorf("store.ListVersion(%s, %d): %w", kind, n, err)
	}
	return v, nil
}

// ListChanges returns version n of a list (0: current) and what it added,
// changed and removed against the version before it, by code.
func (pub *Public) ListChanges(ctx context.Context, kind domain.ListKind, n int) (VersionInfo, []domain.ListChange, error) {
	id, v, err := pub.version(ctx, kind, n)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.ListChanges(%s, %d): %w", kind, n, err)
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT code, name, change::text FROM list_changes WHERE version_id = $1
		ORDER BY change, code`, id)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.ListChanges(%s, %d): %w", kind, n, err)
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[domain.ListChange])
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.ListChanges(%s, %d): %w", kind, n, err)
	}
	return v, cs, nil
}

// PowerSummary is a power item as listed: what it is and who exercises it.
type PowerSummary struct {
	Code     string
	Name     string
	Category string
	SubItems []string
	Unit     string
	Level    string
}

// PowerItems returns version n of the power list (0: current) with its
// items by code, only those of the category when it is not "".
func (pub *Public) PowerItems(ctx context.Context, n int, category string) (VersionInfo, []PowerSummary, error) {
	id, v, err := pub.version(ctx, domain.ListPowers, n)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.PowerItems(%d): %w", n, err)
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT code, name, category, sub_items, unit, level FROM power_items
		WHERE version_id = $1 AND ($2 = '' OR category = $2) ORDER BY code`, id, category)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.PowerItems(%d): %w", n, err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[PowerSummary])
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.PowerItems(%d): %w", n, err)
	}
	return v, items, nil
}

// PowerItem returns one item of version n of the power list (0: current)
// in full: duties, operation guide and flowchart. ErrNotFound when the
// version or the code does not exist.
func (pub *Public) PowerItem(ctx context.Context, code string, n int) (VersionInfo, domain.PowerItem, error) {
	id, v, err := pub.version(ctx, domain.ListPowers, n)
	if err != nil {
		return VersionInfo{}, domain.PowerItem{}, fmt.Errorf("store.PowerItem(%s, %d): %w", code, n, err)
	}
	var it domain.PowerItem
	var itemID int64
	g := &it.Guide
	err = pub.s.pool.QueryRow(ctx, `SELECT id, code, name, category, sub_items, legal_basis, unit, level,
		accountability, remarks, guide_basis, guide_applicant, guide_channels, guide_time_place, guide_conditions,
		guide_materials, statutory_limit, promised_limit, fees, consult_phone, complaint_phone, online_url, guide_notes
		FROM power_items WHERE version_id = $1 AND code = $2`, id, code).Scan(&itemID, &it.Code, &it.Name, &it.Category,
		&it.SubItems, &it.LegalBasis, &it.Unit, &it.Level, &it.Accountability, &it.Remarks, &g.Basis, &g.Applicant,
		&g.Channels, &g.TimePlace, &g.Conditions, &g.Materials, &g.StatutoryLimit, &g.PromisedLimit, &g.Fees,
		&g.ConsultPhone, &g.ComplaintPhone, &g.OnlineURL, &g.Notes)
	if errors.Is(err, pgx.ErrNoRows) {
		return VersionInfo{}, domain.PowerItem{}, fmt.Errorf("store.PowerItem(%s, %d): %w", code, n, ErrNotFound)
	}
	if err != nil {
		return VersionInfo{}, domain.PowerItem{}, fmt.Errorf("store.PowerItem(%s, %d): %w", code, n, err)
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT stage, content FROM power_duties WHERE item_id = $1 ORDER BY position`, itemID)
	if err != nil {
		return VersionInfo{}, domain.PowerItem{}, fmt.Errorf("store.PowerItem(%s, %d): duties: %w", code, n, err)
	}
	if it.Duties, err = pgx.CollectRows(rows, pgx.RowToStructByPos[domain.Duty]); err != nil {
		return VersionInfo{}, domain.PowerItem{}, fmt.Errorf("store.PowerItem(%s, %d): duties: %w", code, n, err)
	}
	flows, err := pub.flows(ctx, domain.ListPowers, []int64{itemID})
	if err != nil {
		return VersionInfo{}, domain.PowerItem{}, fmt.Errorf("store.PowerItem(%s, %d): %w", code, n, err)
	}
	it.Flow = flows[itemID]
	return v, it, nil
}

// flows reads the flowcharts of the items with the ids, keyed by id;
// items without one get an empty flow.
func (pub *Public) flows(ctx context.Context, kind domain.ListKind, ids []int64) (map[int64]domain.Flow, error) {
	out := make(map[int64]domain.Flow, len(ids))
	for _, id := range ids {
		out[id] = domain.Flow{Nodes: []domain.FlowNode{}, Edges: []domain.FlowEdge{}}
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT owner_id, key, label, kind::text, time_limit, note FROM flow_nodes
		WHERE owner_kind = $1 AND owner_id = ANY ($2) ORDER BY owner_id, position`, string(kind), ids)
	if err != nil {
		return nil, fmt.Errorf("flow nodes: %w", err)
	}
	var owner int64
	var n domain.FlowNode
	if _, err := pgx.ForEachRow(rows, []any{&owner, &n.Key, &n.Label, &n.Kind, &n.TimeLimit, &n.Note}, func() error {
		f := out[owner]
		f.Nodes = append(f.Nodes, n)
		out[owner] = f
		return nil
	}); err != nil {
		return nil, fmt.Errorf("flow nodes: %w", err)
	}
	rows, err = pub.s.pool.Query(ctx, `SELECT owner_id, from_key, to_key, label FROM flow_edges
		WHERE owner_kind = $1 AND owner_id = ANY ($2) ORDER BY owner_id, position`, string(kind), ids)
	if err != nil {
		return nil, fmt.Errorf("flow edges: %w", err)
	}
	var e domain.FlowEdge
	if _, err := pgx.ForEachRow(rows, []any{&owner, &e.From, &e.To, &e.Label}, func() error {
		f := out[owner]
		f.Edges = append(f.Edges, e)
		out[owner] = f
		return nil
	}); err != nil {
		return nil, fmt.Errorf("flow edges: %w", err)
	}
	return out, nil
}

// Responsibilities returns version n of the 责任清单 (0: current) with its
// items by part order and code.
func (pub *Public) Responsibilities(ctx context.Context, n int) (VersionInfo, []domain.ResponsibilityItem, error) {
	id, v, err := pub.version(ctx, domain.ListResponsibilities, n)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.Responsibilities(%d): %w", n, err)
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT code, part, duty, name, detail, accountability, basis
		FROM responsibility_items WHERE version_id = $1
		ORDER BY array_position(ARRAY['主要职责','职责边界','事中事后监管制度','公共服务事项','责任追究机制'], part), code`, id)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.Responsibilities(%d): %w", n, err)
	}
	items, err := pgx.CollectRows(rows, pgx.RowToStructByPos[domain.ResponsibilityItem])
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.Responsibilities(%d): %w", n, err)
	}
	return v, items, nil
}

// Services returns version n of the 公共服务事项清单 (0: current) with its
// items by code, flowcharts included.
func (pub *Public) Services(ctx context.Context, n int) (VersionInfo, []domain.ServiceItem, error) {
	id, v, err := pub.version(ctx, domain.ListPublicServices, n)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.Services(%d): %w", n, err)
	}
	rows, err := pub.s.pool.Query(ctx, `SELECT id, code, name, target, basis, unit, conditions, materials, process,
		time_limit, fees, consult_phone, complaint_phone FROM service_items WHERE version_id = $1 ORDER BY code`, id)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.Services(%d): %w", n, err)
	}
	var items []domain.ServiceItem
	var ids []int64
	var itemID int64
	var it domain.ServiceItem
	if _, err := pgx.ForEachRow(rows, []any{&itemID, &it.Code, &it.Name, &it.Target, &it.Basis, &it.Unit, &it.Conditions,
		&it.Materials, &it.Process, &it.TimeLimit, &it.Fees, &it.ConsultPhone, &it.ComplaintPhone}, func() error {
		items = append(items, it)
		ids = append(ids, itemID)
		it = domain.ServiceItem{} // the next row scans into fresh slices
		return nil
	}); err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.Services(%d): %w", n, err)
	}
	flows, err := pub.flows(ctx, domain.ListPublicServices, ids)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.Services(%d): %w", n, err)
	}
	for i := range items {
		items[i].Flow = flows[ids[i]]
	}
	return v, items, nil
}
