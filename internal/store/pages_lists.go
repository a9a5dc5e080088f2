package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// This file holds what the portal's pages need beyond the read API: the
// full items of any version of the power list (for comparing versions)
// and whether the published data is 示例数据. Lists hold no personal data;
// records are not read here.

// PowerListItems returns version n of the power list (0: current) with its
// items in full — duties, operation guide and flowchart — in code order.
// ErrNotFound when there is no such version.
func (pub *Public) PowerListItems(ctx context.Context, n int) (VersionInfo, []domain.PowerItem, error) {
	id, v, err := pub.version(ctx, domain.ListPowers, n)
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.PowerListItems(%d): %w", n, err)
	}
	l := CurrentList{Kind: domain.ListPowers, VersionID: id, Number: v.Number, EffectiveDate: v.EffectiveDate}
	err = pgx.BeginTxFunc(ctx, pub.s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead},
		func(tx pgx.Tx) error { return readPowers(ctx, tx, &l) })
	if err != nil {
		return VersionInfo{}, nil, fmt.Errorf("store.PowerListItems(%d): %w", n, err)
	}
	return v, l.Powers, nil
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
