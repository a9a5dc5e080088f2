package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SitemapSpan is how many record ids one sitemap file covers: a sitemap
// holds at most 50,000 URLs (sitemaps.org), and spans of ids keep each
// file one index range scan, whatever the table's size.
const SitemapSpan = 50_000

// SitemapEntry is one public record's page in a sitemap.
type SitemapEntry struct {
	ID      int64
	Updated time.Time
}

// SitemapSpans is, per entity (penalty, permit), how many spans of
// SitemapSpan ids its sitemap files cover: up to the highest id, read
// from the primary key's end.
func (pub *Public) SitemapSpans(ctx context.Context) (map[Entity]int64, error) {
	var penalties, permits int64
	err := pub.s.pool.QueryRow(ctx, `SELECT coalesce((SELECT max(id) FROM penalties), 0),
		coalesce((SELECT max(id) FROM permits), 0)`).Scan(&penalties, &permits)
	if err != nil {
		return nil, fmt.Errorf("store.SitemapSpans: %w", err)
	}
	return map[Entity]int64{EntityPenalty: penalties/SitemapSpan + 1, EntityPermit: permits/SitemapSpan + 1}, nil
}

// SitemapEntries lists the public records of entity whose ids fall in
// span n: [n·SitemapSpan, (n+1)·SitemapSpan), in id order.
func (pub *Public) SitemapEntries(ctx context.Context, entity Entity, n int64) ([]SitemapEntry, error) {
	var sql string
	switch entity {
	case EntityPenalty:
		sql = `SELECT p.id, p.updated_at FROM penalties p WHERE ` + publicPenalty + ` AND p.id >= $2 AND p.id < $3 ORDER BY p.id`
	case EntityPermit:
		sql = `SELECT p.id, p.updated_at FROM permits p WHERE ` + publicPermit + ` AND $1::date IS NOT NULL AND p.id >= $2 AND p.id < $3 ORDER BY p.id`
	default:
		return nil, fmt.Errorf("store.SitemapEntries: no sitemap of %q", entity)
	}
	rows, err := pub.s.pool.Query(ctx, sql, pub.today(), n*SitemapSpan, (n+1)*SitemapSpan)
	if err != nil {
		return nil, fmt.Errorf("store.SitemapEntries: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[SitemapEntry])
	if err != nil {
		return nil, fmt.Errorf("store.SitemapEntries: %w", err)
	}
	return out, nil
}
