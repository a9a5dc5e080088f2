package server_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

// TestListUpdatedSince: updated_since lists the records changed since a
// time, oldest change first; include_withdrawn adds the withdrawn ones by
// id, date and reason only, and every page says whether its total is
// exact.
func TestListUpdatedSince(t *testing.T) {
	f := newReadFixture(t)
	var since time.Time
	if err := f.s.Pool().QueryRow(context.Background(), `SELECT now()`).Scan(&since); err != nil {
		t.Fatal(err)
	}
	gone := parsePenalty(t, testenv.PenaltyRecord(2))
	id := f.penalties(parsePenalty(t, testenv.PenaltyRecord(1)), gone)
	if err := f.s.Withdraw(context.Background(), testActor, store.EntityPenalty, id[1], domain.ReasonRevoked, ""); err != nil {
		t.Fatal(err)
	}
	q := "/api/v1/penalties?updated_since=" + url.QueryEscape(since.Add(-time.Second).Format(time.RFC3339))
	type changesOut struct {
		pageOut[penaltyOut]
		TotalExact bool `json:"total_exact"`
		Withdrawn  []struct {
			ID          int64   `json:"id"`
			WithdrawnAt *string `json:"withdrawn_at"`
			Reason      string  `json:"reason"`
		} `json:"withdrawn"`
	}
	page := getJSON[changesOut](f, q, 200)
	if page.Sort != "updated_at" || len(page.Items) != 1 || page.Items[0].ID != id[0] || page.Withdrawn != nil ||
		page.Total != 1 || !page.TotalExact {
		t.Errorf("changed since: %+v", page)
	}
	page = getJSON[changesOut](f, q+"&include_withdrawn=true&limit=1", 200)
	if len(page.Items) != 1 || page.Next == nil {
		t.Fatalf("first page with tombstones: %+v", page)
	}
	resp, body := f.get(*page.Next)
	if resp.StatusCode != 200 || strings.Contains(string(body), gone.Party.Name) || strings.Contains(string(body), gone.DecisionNo) {
		t.Errorf("a tombstone tells nothing of the record: %s", body)
	}
	page = getJSON[changesOut](f, *page.Next, 200)
	if len(page.Items) != 0 || len(page.Withdrawn) != 1 || page.Withdrawn[0].ID != id[1] ||
		page.Withdrawn[0].Reason != "revoked" || page.Withdrawn[0].WithdrawnAt == nil {
		t.Errorf("second page with tombstones: %+v", page)
	}
	if later := getJSON[changesOut](f, "/api/v1/permits?updated_since=2999-01-01T00:00:00Z", 200); later.Total != 0 || !later.TotalExact {
		t.Errorf("no permit changed since 2999: %+v", later)
	}

	since = since.Add(-time.Second)
	at := url.QueryEscape(since.Format(time.RFC3339))
	for _, tc := range []struct{ path, field string }{
		{"/api/v1/penalties?updated_since=2026-11-25", "updated_since"},
		{"/api/v1/penalties?updated_since=yesterday", "updated_since"},
		{"/api/v1/permits?updated_since=2026-11-25T25:00:00Z", "updated_since"},
		{"/api/v1/penalties?include_withdrawn=yes", "include_withdrawn"},
		{"/api/v1/penalties?include_withdrawn=true", "include_withdrawn"},
		{"/api/v1/penalties?updated_since=" + at + "&include_withdrawn=true&credit_code=" + testenv.CompanyCode, "include_withdrawn"},
		{"/api/v1/permits?updated_since=" + at + "&include_withdrawn=true&state=" + url.QueryEscape("有效"), "include_withdrawn"},
		{"/api/v1/penalties?updated_since=" + at + "&sort=-fine", "sort"},
		{"/api/v1/penalties?updated_since=" + at + "&sort=-updated_at", "sort"},
	} {
		e := getJSON[errorOut](f, tc.path, 400)
		if e.Code != "bad_request" || len(e.Errors) != 1 || e.Errors[0].Field != tc.field {
			t.Errorf("GET %s: %+v, want a bad_request naming %s", tc.path, e, tc.field)
		}
	}
}
