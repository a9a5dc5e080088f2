package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/gongshi/gongshi/internal/store"
)

// recordEntities are the hit types that are records of the system of
// record, which can be withdrawn, with their store entity.
var recordEntities = map[Type]store.Entity{TypePenalty: store.EntityPenalty, TypePermit: store.EntityPermit}

// dropUnpublished removes from res the record hits — exact matches and
// related results — that PostgreSQL no longer holds public. The indexer
// deletes a withdrawn record's document moments after the withdrawal
// commits; this check makes the promise hold in those moments too, and
// whenever the indexer lags (it is down, or Meilisearch refuses its
// writes). Totals are lowered by the hits dropped; facet counts may still
// count them until the index catches up.
func (s *Service) dropUnpublished(ctx context.Context, res *Result) error {
	ids := map[Type][]int64{}
	for _, hs := range [][]Hit{res.Exact, res.Hits} {
		for _, h := range hs {
			if _, ok := recordEntities[h.Type]; !ok {
				continue
			}
			id, err := strconv.ParseInt(h.ID, 10, 64)
			if err != nil {
				return fmt.Errorf("search: hit id %q of type %s is not a record id", h.ID, h.Type)
			}
			ids[h.Type] = append(ids[h.Type], id)
		}
	}
	public := map[Type]map[int64]bool{}
	for t, list := range ids {
		m, err := s.records.PublicIDs(ctx, recordEntities[t], list)
		if err != nil {
			return fmt.Errorf("search: checking hits against the system of record: %w", err)
		}
		public[t] = m
	}
	gone := func(h Hit) bool {
		if _, ok := recordEntities[h.Type]; !ok {
			return false
		}
		id, _ := strconv.ParseInt(h.ID, 10, 64)
		return !public[h.Type][id]
	}
	before := len(res.Hits)
	res.Hits = slices.DeleteFunc(res.Hits, gone)
	res.Total = max(res.Total-int64(before-len(res.Hits)), int64(len(res.Hits)))
	before = len(res.Exact)
	res.Exact = slices.DeleteFunc(res.Exact, gone)
	res.ExactTotal = max(res.ExactTotal-int64(before-len(res.Exact)), int64(len(res.Exact)))
	res.Subjects = subjectsOf(res.Exact)
	return nil
}
