package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// Overview is the headline of the portal's home page: what is publicly
// visible now. It reads only public columns; the free text of its
// headlines is masked like every public output (domain.DefaultMasking).
type Overview struct {
	Penalties     int64 // published and within their publicity period
	Permits       int64 // published
	Withdrawn     int64 // penalties and permits taken down
	PowerItems    int64 // items of the current power list
	ListVersions  map[string]int
	Demo          bool       // the database holds 示例数据
	Latest        []Headline // newest public penalties
	LastPublished time.Time
}

// Headline is one line of the latest-disclosures list.
type Headline struct {
	ID           int64
	Kind         string // penalty, permit
	DecisionNo   string
	PartyName    string
	Agency       string
	DecisionDate time.Time
}

// Overview reads the headline figures as of today.
func (s *Store) Overview(ctx context.Context, today time.Time) (Overview, error) {
	o := Overview{ListVersions: map[string]int{}}
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM penalties WHERE status = 'published' AND publicity_until >= $1),
		(SELECT count(*) FROM permits WHERE status = 'published'),
		(SELECT count(*) FROM penalties WHERE status = 'withdrawn') + (SELECT count(*) FROM permits WHERE status = 'withdrawn'),
		(SELECT count(*) FROM power_items WHERE version_id = (SELECT id FROM list_versions WHERE kind = 'powers' ORDER BY number DESC LIMIT 1)),
		EXISTS (SELECT 1 FROM penalties WHERE demo) OR EXISTS (SELECT 1 FROM list_versions WHERE demo),
		coalesce(greatest((SELECT max(published_at) FROM penalties), (SELECT max(published_at) FROM permits)), 'epoch')`,
		today).Scan(&o.Penalties, &o.Permits, &o.Withdrawn, &o.PowerItems, &o.Demo, &o.LastPublished)
	if err != nil {
		return o, fmt.Errorf("store.Overview: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT kind::text, max(number) FROM list_versions GROUP BY kind`)
	if err != nil {
		return o, fmt.Errorf("store.Overview: versions: %w", err)
	}
	var kind string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&kind, &n}, func() error { o.ListVersions[kind] = n; return nil }); err != nil {
		return o, fmt.Errorf("store.Overview: versions: %w", err)
	}
	rows, err = s.pool.Query(ctx, `SELECT p.id, 'penalty', p.decision_no, p.party_name, a.name, p.decision_date
		FROM penalties p JOIN agencies a ON a.id = p.agency_id
		WHERE p.status = 'published' AND p.publicity_until >= $1
		ORDER BY p.published_at DESC, p.id DESC LIMIT 10`, today)
	if err != nil {
		return o, fmt.Errorf("store.Overview: latest: %w", err)
	}
	o.Latest, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Headline])
	if err != nil {
		return o, fmt.Errorf("store.Overview: latest: %w", err)
	}
	for i := range o.Latest {
		h := &o.Latest[i]
		h.DecisionNo = domain.DefaultMasking.Text(h.DecisionNo)
		h.PartyName = domain.DefaultMasking.Text(h.PartyName)
		h.Agency = domain.DefaultMasking.Text(h.Agency)
	}
	return o, nil
}

// HasDemoData reports whether the published data includes 示例数据 (demo
// records or demo list versions), which every page then says.
func (pub *Public) HasDemoData(ctx context.Context) (bool, error) {
	var demo bool
	err := pub.s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM penalties WHERE demo)
		OR EXISTS (SELECT 1 FROM permits WHERE demo) OR EXISTS (SELECT 1 FROM list_versions WHERE demo)`).Scan(&demo)
	if err != nil {
		return false, fmt.Errorf("store.HasDemoData: %w", err)
	}
	return demo, nil
}
