package store

import (
	"context"
	"errors"
	"fmt"
)

// This file reads the sample rows the catalog shows of each dataset.

// errEnoughRows stops a sample read early.
var errEnoughRows = errors.New("enough rows")

// SampleRows returns up to n rows of the dataset called name, newest
// records first, as its downloads write them: values in the order of the
// dataset's fields, identifiers masked. ErrNotFound for an unknown name.
func (pub *Public) SampleRows(ctx context.Context, name string, n int) ([][]string, error) {
	sql, ok := datasetSQL[name]
	if !ok {
		return nil, fmt.Errorf("store.SampleRows(%q): %w", name, ErrNotFound)
	}
	out, err := sql.sample(pub, ctx, n)
	if err != nil {
		return nil, fmt.Errorf("store.SampleRows(%q): %w", name, err)
	}
	return out, nil
}

// newest is the order of a sample: the most recently published first.
var newest = Sort{Key: "published_at", Desc: true}

func (pub *Public) samplePenalties(ctx context.Context, n int) ([][]string, error) {
	page, err := pub.Penalties(ctx, PenaltyQuery{Sort: newest, Limit: n})
	if err != nil {
		return nil, err
	}
	var out [][]string
	for i := range page.Items {
		out = append(out, PenaltyValues(&page.Items[i].Penalty, nil))
	}
	return out, nil
}

func (pub *Public) samplePermits(ctx context.Context, n int) ([][]string, error) {
	page, err := pub.Permits(ctx, PermitQuery{Sort: newest, Limit: n})
	if err != nil {
		return nil, err
	}
	var out [][]string
	for i := range page.Items {
		out = append(out, PermitValues(&page.Items[i].Permit, nil))
	}
	return out, nil
}

// samplePowers reads the first items of the current power list, which
// holds hundreds of items: reading them is cheap.
func (pub *Public) samplePowers(ctx context.Context, n int) ([][]string, error) {
	var out [][]string
	err := exportPowers(ctx, pub.s.pool, func(row []string) error {
		if len(out) == n {
			return errEnoughRows
		}
		out = append(out, append([]string(nil), row...))
		return nil
	})
	if err != nil && !errors.Is(err, errEnoughRows) {
		return nil, err
	}
	return out, nil
}
