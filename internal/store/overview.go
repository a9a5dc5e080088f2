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

// Overview reads the headline figures as of today. The counts come from
// the maintained tallies (aggregates.go), less the published penalties
// whose publicity period ended before today that the daily expiry has
// not withdrawn yet.
func (s *Store) Overview(ctx context.Context, today time.Time) (Overview, error) {
	o := Overview{ListVersions: map[string]int{}}
	if err := s.maybeFold(ctx); err != nil {
		return o, fmt.Errorf("store.Overview: %w", err)
	}
	err := s.pool.QueryRow(ctx, `WITH t AS (
			SELECT 'penalty' AS entity, state, demo, sum(records) AS n FROM penalty_tallies GROUP BY 1, 2, 3
			UNION ALL
			SELECT 'permit', state, demo, sum(records) FROM permit_tallies GROUP BY 1, 2, 3)
		SELECT
		coalesce((SELECT sum(n) FROM t WHERE entity = 'penalty' AND state = 'published'), 0)::bigint
			- (SELECT count(*) FROM penalties WHERE status = 'published' AND publicity_until < $1::date),
		coalesce((SELECT sum(n) FROM t WHERE entity = 'permit' AND state = 'published'), 0)::bigint,
		coalesce((SELECT sum(n) FROM t WHERE state <> 'published'), 0)::bigint,
		(SELECT count(*) FROM power_items WHERE version_id = (SELECT id FROM list_versions WHERE kind = 'powers' ORDER BY number DESC LIMIT 1)),
		EXISTS (SELECT FROM t WHERE demo AND n <> 0) OR EXISTS (SELECT 1 FROM list_versions WHERE demo),
		coalesce((SELECT max(last_published) FROM publication_tallies), 'epoch')`,
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
	err := pub.s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT FROM (SELECT FROM penalty_tallies WHERE demo GROUP BY state HAVING sum(records) <> 0
			UNION ALL SELECT FROM permit_tallies WHERE demo GROUP BY state HAVING sum(records) <> 0) t)
		OR EXISTS (SELECT 1 FROM list_versions WHERE demo)`).Scan(&demo)
	if err != nil {
		return false, fmt.Errorf("store.HasDemoData: %w", err)
	}
	return demo, nil
}
