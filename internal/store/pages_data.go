package store

import (
	"context"
	"errors"
	"fmt"
)

// errEnoughRows stops a sample read early.
var errEnoughRows = errors.New("enough rows")

// SampleRows returns up to n rows of the dataset called name, newest
// records first, as its downloads write them: values in the order of the
// dataset's fields, identifiers masked. ErrNotFound for an unknown name.
func (pub *Public) SampleRows(ctx context.Context, name string, n int) ([][]string, error) {
	var out [][]string
	switch name {
	case DatasetPenalties:
		page, err := pub.Penalties(ctx, PenaltyQuery{Sort: Sort{Key: "published_at", Desc: true}, Limit: n})
		if err != nil {
			return nil, fmt.Errorf("store.SampleRows(%q): %w", name, err)
		}
		for i := range page.Items {
			out = append(out, PenaltyValues(&page.Items[i].Penalty, nil))
		}
	case DatasetPermits:
		page, err := pub.Permits(ctx, PermitQuery{Sort: Sort{Key: "published_at", Desc: true}, Limit: n})
		if err != nil {
			return nil, fmt.Errorf("store.SampleRows(%q): %w", name, err)
		}
		for i := range page.Items {
			out = append(out, PermitValues(&page.Items[i].Permit, nil))
		}
	case DatasetPowers:
		// The current list holds hundreds of items: reading them is cheap.
		err := exportPowers(ctx, pub.s.pool, func(row []string) error {
			if len(out) == n {
				return errEnoughRows
			}
			out = append(out, append([]string(nil), row...))
			return nil
		})
		if err != nil && !errors.Is(err, errEnoughRows) {
			return nil, fmt.Errorf("store.SampleRows(%q): %w", name, err)
		}
	default:
		return nil, fmt.Errorf("store.SampleRows(%q): %w", name, ErrNotFound)
	}
	return out, nil
}
