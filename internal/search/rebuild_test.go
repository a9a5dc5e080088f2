package search_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/testenv"
)

// meiliGet decodes the answer to a GET of path, or returns its status.
func meiliGet(t *testing.T, m *testenv.Meili, path string, v any) int {
	t.Helper()
	req, _ := http.NewRequest("GET", m.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+m.MasterKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK && v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

func penalties(ids ...int64) []any {
	var out []any
	for _, id := range ids {
		out = append(out, &search.PenaltyDoc{ID: id, Type: search.TypePenalty, PartyName: "苏州化工有限公司",
			PartyKey: search.MatchKey("苏州化工有限公司"), Categories: []string{"罚款"}, PublicityUntilDay: 20991231})
	}
	return out
}

func rebuild(ctx context.Context, w *search.Writer, perPost int, docs []any) error {
	rb, err := w.BeginRebuild(ctx, perPost)
	if err != nil {
		return err
	}
	for _, d := range docs {
		if err := rb.Add(ctx, search.IndexPenalties, d); err != nil {
			rb.Abort(ctx)
			return err
		}
	}
	if err := rb.Finish(ctx); err != nil {
		rb.Abort(ctx)
		return err
	}
	return nil
}

// TestRebuildChecksEveryTask: documents go out in several uploads without
// waiting for each; a failed upload task — here the first, whose document
// Meilisearch rejects, while later ones succeed — fails the rebuild, which
// then leaves the live index as it was and drops its copy.
func TestRebuildChecksEveryTask(t *testing.T) {
	m := testenv.StartMeili(t)
	w := search.NewWriter(search.Config{URL: m.URL, MasterKey: m.MasterKey})
	t.Cleanup(w.Close)
	ctx := context.Background()
	if err := rebuild(ctx, w, 2, penalties(1, 2, 3, 4, 5)); err != nil {
		t.Fatal(err)
	}
	var stats struct{ NumberOfDocuments int }
	meiliGet(t, m, "/indexes/penalties/stats", &stats)
	if stats.NumberOfDocuments != 5 {
		t.Fatalf("after the rebuild: %d documents, want 5", stats.NumberOfDocuments)
	}
	var settings struct{ FilterableAttributes []string }
	meiliGet(t, m, "/indexes/penalties/settings", &settings)
	if len(settings.FilterableAttributes) == 0 {
		t.Error("the rebuilt index has no settings")
	}

	bad := map[string]any{"id": "not a valid id!", "type": "penalty"}
	err := rebuild(ctx, w, 1, append([]any{bad}, penalties(6, 7, 8)...))
	if err == nil || !strings.Contains(err.Error(), "invalid_document_id") {
		t.Fatalf("rebuild with a rejected document: %v, want the failed task's error", err)
	}
	meiliGet(t, m, "/indexes/penalties/stats", &stats)
	if stats.NumberOfDocuments != 5 {
		t.Errorf("after the failed rebuild: %d documents, want the 5 of before", stats.NumberOfDocuments)
	}
	m.WaitIdle(t, 30*time.Second) // Abort drops the copies without waiting
	for _, uid := range search.Indexes {
		if meiliGet(t, m, "/indexes/"+uid+"_new", nil) != http.StatusNotFound {
			t.Errorf("%s_new left behind", uid)
		}
	}
}
