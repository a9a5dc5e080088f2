package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func feedEntries(t *testing.T, page func(context.Context, store.Entity, int64, int, func(store.FeedPage) error, func(*store.FeedEntry) error) error) []store.FeedEntry {
	t.Helper()
	var out []store.FeedEntry
	mustNil(t, page(context.Background(), store.EntityInspectionResult, 0, 100, func(store.FeedPage) error { return nil },
		func(e *store.FeedEntry) error {
			c := *e
			c.Values = slices.Clone(e.Values)
			out = append(out, c)
			return nil
		}))
	return out
}

// The inspection results' feed: every change in order, the current state
// of each result, tombstones for withdrawals, masked unless full.
func TestInspectionResultFeed(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	setUpTask(t, s)
	pub := enfPublic(s)
	feed := s.CreditFeed(pub)
	linked := testResult(5, domain.OutcomeCase)
	linked.PenaltyDecisionNo, linked.PenaltyAgencyCode = "（苏）应急罚〔2025〕5号", bureauCode
	rs, err := s.UpsertInspectionResults(ctx, cli, []domain.InspectionResult{personResult(), testResult(1, domain.OutcomeClean), linked},
		store.WriteOptions{})
	mustNil(t, err)
	mustNil(t, s.WithdrawInspectionResult(ctx, cli, rs[1].ID, domain.ReasonRevoked, "举报人"+testenv.PersonID+"撤回"))

	masked := feedEntries(t, feed.FeedPage)
	full := feedEntries(t, feed.FullFeedPage)
	if len(masked) != 4 || len(full) != 4 {
		t.Fatalf("entries: %d masked, %d full", len(masked), len(full))
	}
	// The withdrawn result's upsert entry is delivered as its withdrawal.
	for _, e := range []store.FeedEntry{masked[1], masked[3]} {
		if e.ID != rs[1].ID || e.Op != store.OpWithdraw || e.Reason != domain.ReasonRevoked || e.Values != nil ||
			e.DecisionNo != "苏应急检〔2026〕1号" || e.AgencyCode != bureauCode {
			t.Errorf("withdrawn result's entry: %+v", e)
		}
	}
	col := func(code string) int {
		return slices.IndexFunc(domain.InspectionResultExportFields, func(f domain.Field) bool { return f.Code == code })
	}
	if v := masked[0].Values; len(v) != len(domain.InspectionResultExportFields) || v[col("JC_XDR_ZJHM")] != "110105**********2X" ||
		v[col("JC_GSRQ")] == "" {
		t.Errorf("masked person: %v", v)
	}
	if v := full[0].Values; v[col("JC_XDR_ZJHM")] != testenv.PersonID || !strings.Contains(v[col("JC_JCQK")], "13912345678") {
		t.Errorf("full person: %v", v)
	}
	for _, e := range masked {
		if s := fmt.Sprintf("%+v", e); strings.Contains(s, testenv.PersonID) || strings.Contains(s, "13912345678") {
			t.Errorf("the masked feed holds a full identifier: %s", s)
		}
	}
	// The penalty link follows the penalty's publication.
	if v := masked[2].Values[col("JC_CFWSH")]; v != "" {
		t.Errorf("linked before the penalty exists: %q", v)
	}
	p := testenv.Penalty(5)
	p.DecisionDate, p.PublicityUntil = mustDate("2026-08-20"), mustDate("2027-08-20")
	_, err = s.UpsertPenalties(ctx, cli, []domain.Penalty{p}, store.WriteOptions{})
	mustNil(t, err)
	if v := feedEntries(t, feed.FeedPage)[2].Values[col("JC_CFWSH")]; v != linked.PenaltyDecisionNo {
		t.Errorf("not linked to the public penalty: %q", v)
	}
	// Other entities are not fed.
	err = feed.FeedPage(ctx, store.EntityEnforcementOfficer, 0, 10, func(store.FeedPage) error { return nil },
		func(*store.FeedEntry) error { return nil })
	if err == nil {
		t.Error("officers fed")
	}
}
