package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gongshi/gongshi/internal/domain"
)

// This file reads the items of a list version in full — duties, operation
// guides and flowcharts — for the indexer (the current lists) and for the
// pages that compare versions. Lists hold no personal data, so they need
// no masking.

// ListKindsOfVersions returns the kinds of the given list versions.
func (s *Store) ListKindsOfVersions(ctx context.Context, versionIDs []int64) ([]domain.ListKind, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT kind::text FROM list_versions WHERE id = ANY($1) ORDER BY 1`, versionIDs)
	if err != nil {
		return nil, fmt.Errorf("store.ListKindsOfVersions: %w", err)
	}
	kinds, err := pgx.CollectRows(rows, pgx.RowTo[domain.ListKind])
	if err != nil {
		return nil, fmt.Errorf("store.ListKindsOfVersions: %w", err)
	}
	return kinds, nil
}

// CurrentList is the newest version of one list with all its items.
type CurrentList struct {
	Kind             domain.ListKind
	VersionID        int64 // 0 when the list was never published
	Number           int
	EffectiveDate    time.Time
	Powers           []domain.PowerItem
	Responsibilities []domain.ResponsibilityItem
	Services         []domain.ServiceItem
}

// CurrentListItems reads the newest version of the list kind, items in
// code order with their duties, guides and flowcharts. Lists hold no
// personal data, so they need no masking.
func (s *Store) CurrentListItems(ctx context.Context, kind domain.ListKind) (CurrentList, error) {
	l := CurrentList{Kind: kind}
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id, number, effective_date FROM list_versions WHERE kind = $1
			ORDER BY number DESC LIMIT 1`, string(kind)).Scan(&l.VersionID, &l.Number, &l.EffectiveDate)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		switch kind {
		case domain.ListPowers:
			return readPowers(ctx, tx, &l)
		case domain.ListResponsibilities:
			rows, err := tx.Query(ctx, `SELECT code, part, duty, name, detail, accountability, basis
				FROM responsibility_items WHERE version_id = $1 ORDER BY code`, l.VersionID)
			if err != nil {
				return err
			}
			l.Responsibilities, err = pgx.CollectRows(rows, pgx.RowToStructByPos[domain.ResponsibilityItem])
			return err
		case domain.ListPublicServices:
			return readServices(ctx, tx, &l)
		}
		return fmt.Errorf("unknown list kind %q", kind)
	})
	if err != nil {
		return CurrentList{}, fmt.Errorf("store.CurrentListItems(%s): %w", kind, err)
	}
	return l, nil
}

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

func readPowers(ctx context.Context, tx pgx.Tx, l *CurrentList) error {
	rows, err := tx.Query(ctx, `SELECT id, code, name, category, sub_items, legal_basis, unit, level, accountability,
		remarks, guide_basis, guide_applicant, guide_channels, guide_time_place, guide_conditions, guide_materials,
		statutory_limit, promised_limit, fees, consult_phone, complaint_phone, online_url, guide_notes
		FROM power_items WHERE version_id = $1 ORDER BY code`, l.VersionID)
	if err != nil {
		return err
	}
	var ids []int64
	byID := map[int64]int{}
	var id int64
	var it domain.PowerItem
	g := &it.Guide
	_, err = pgx.ForEachRow(rows, []any{&id, &it.Code, &it.Name, &it.Category, &it.SubItems, &it.LegalBasis, &it.Unit,
		&it.Level, &it.Accountability, &it.Remarks, &g.Basis, &g.Applicant, &g.Channels, &g.TimePlace, &g.Conditions,
		&g.Materials, &g.StatutoryLimit, &g.PromisedLimit, &g.Fees, &g.ConsultPhone, &g.ComplaintPhone, &g.OnlineURL,
		&g.Notes}, func() error {
		byID[id] = len(l.Powers)
		ids = append(ids, id)
		l.Powers = append(l.Powers, it)
		it = domain.PowerItem{}
		return nil
	})
	if err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT item_id, stage, content FROM power_duties WHERE item_id = ANY($1)
		ORDER BY item_id, position`, ids)
	if err != nil {
		return err
	}
	var d domain.Duty
	_, err = pgx.ForEachRow(rows, []any{&id, &d.Stage, &d.Content}, func() error {
		p := &l.Powers[byID[id]]
		p.Duties = append(p.Duties, d)
		return nil
	})
	if err != nil {
		return err
	}
	return readFlows(ctx, tx, domain.ListPowers, ids, func(id int64) *domain.Flow { return &l.Powers[byID[id]].Flow })
}

func readServices(ctx context.Context, tx pgx.Tx, l *CurrentList) error {
	rows, err := tx.Query(ctx, `SELECT id, code, name, target, basis, unit, conditions, materials, process,
		time_limit, fees, consult_phone, complaint_phone
		FROM service_items WHERE version_id = $1 ORDER BY code`, l.VersionID)
	if err != nil {
		return err
	}
	var ids []int64
	byID := map[int64]int{}
	var id int64
	var it domain.ServiceItem
	_, err = pgx.ForEachRow(rows, []any{&id, &it.Code, &it.Name, &it.Target, &it.Basis, &it.Unit, &it.Conditions,
		&it.Materials, &it.Process, &it.TimeLimit, &it.Fees, &it.ConsultPhone, &it.ComplaintPhone}, func() error {
		byID[id] = len(l.Services)
		ids = append(ids, id)
		l.Services = append(l.Services, it)
		it = domain.ServiceItem{}
		return nil
	})
	if err != nil {
		return err
	}
	return readFlows(ctx, tx, domain.ListPublicServices, ids, func(id int64) *domain.Flow { return &l.Services[byID[id]].Flow })
}

func readFlows(ctx context.Context, tx pgx.Tx, kind domain.ListKind, ids []int64, flowOf func(int64) *domain.Flow) error {
	rows, err := tx.Query(ctx, `SELECT owner_id, key, label, kind::text, time_limit, note FROM flow_nodes
		WHERE owner_kind = $1 AND owner_id = ANY($2) ORDER BY owner_id, position`, string(kind), ids)
	if err != nil {
		return err
	}
	var id int64
	var n domain.FlowNode
	_, err = pgx.ForEachRow(rows, []any{&id, &n.Key, &n.Label, &n.Kind, &n.TimeLimit, &n.Note}, func() error {
		f := flowOf(id)
		f.Nodes = append(f.Nodes, n)
		return nil
	})
	if err != nil {
		return err
	}
	rows, err = tx.Query(ctx, `SELECT owner_id, from_key, to_key, label FROM flow_edges
		WHERE owner_kind = $1 AND owner_id = ANY($2) ORDER BY owner_id, position`, string(kind), ids)
	if err != nil {
		return err
	}
	var e domain.FlowEdge
	_, err = pgx.ForEachRow(rows, []any{&id, &e.From, &e.To, &e.Label}, func() error {
		f := flowOf(id)
		f.Edges = append(f.Edges, e)
		return nil
	})
	return err
}
