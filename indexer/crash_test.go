package indexer_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/indexer"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/search"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
)

func httpGet(e *env, u string) (int, error) {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+e.m.MasterKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestMeiliKilledMidBatch: Meilisearch is killed while the indexer has
// batches in flight and restarted on the same data; the index converges
// to exactly the public records, each in its latest form.
func TestMeiliKilledMidBatch(t *testing.T) {
	opt := fastOptions()
	opt.BatchSize = 30
	e := newEnv(t, opt)
	e.run(e.ix)
	e.synced()
	ctx := context.Background()

	// 12 transactions of 25 penalties, then updates and withdrawals of
	// some of them, so that replays meet records in a later state.
	var ids []int64
	for tx := 0; tx < 12; tx++ {
		var ps []domain.Penalty
		for i := 0; i < 25; i++ {
			ps = append(ps, penalty(t, tx*100+i, nil))
		}
		ids = append(ids, e.upsertPenalties(ps...)...)
	}
	var updated, withdrawn []int64
	for i, id := range ids {
		switch i % 10 {
		case 3:
			p := penalty(t, (i/25)*100+i%25, func(r map[string]string) { r["CF_NR"] = "罚款人民币叁万元整（更正后）" })
			e.upsertPenalties(p)
			updated = append(updated, id)
		case 7:
			e.withdraw(store.EntityPenalty, id)
			withdrawn = append(withdrawn, id)
		}
	}
	last, err := e.s.LastChangeSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Kill Meilisearch once the indexer is part-way through.
	deadline := time.Now().Add(30 * time.Second)
	for {
		seq, _, err := e.s.SearchCursor(ctx, indexer.CursorName)
		if err != nil {
			t.Fatal(err)
		}
		if seq > 2 {
			if seq >= last {
				t.Fatalf("the indexer finished (cursor %d) before Meilisearch could be killed", seq)
			}
			t.Logf("killing Meilisearch at cursor %d of %d", seq, last)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the indexer made no progress")
		}
		time.Sleep(2 * time.Millisecond)
	}
	e.m.Kill()
	killedAt, _, _ := e.s.SearchCursor(ctx, indexer.CursorName)
	time.Sleep(time.Second)
	if seq, _, _ := e.s.SearchCursor(ctx, indexer.CursorName); seq != killedAt {
		t.Errorf("the cursor moved from %d to %d while Meilisearch was down", killedAt, seq)
	}
	// Searches keep working meanwhile, from PostgreSQL.
	if res := e.search("q=化工&type=penalty"); !res.Degraded || res.Total != int64(len(ids)-len(withdrawn)) {
		t.Errorf("while Meilisearch is down: degraded %v, total %d, want %d", res.Degraded, res.Total, len(ids)-len(withdrawn))
	}
	e.m.Start()
	e.synced()

	docs := e.documents(search.IndexPenalties)
	if got, want := keys(docs), e.publicPenaltyIDs(); !sameIDs(got, want) {
		t.Fatalf("index holds %d penalties, %d are public", len(got), len(want))
	}
	for _, id := range withdrawn {
		if _, ok := docs[idString(id)]; ok {
			t.Errorf("withdrawn penalty %d is in the index", id)
		}
	}
	for _, id := range updated {
		if c, _ := docs[idString(id)]["content"].(string); !strings.Contains(c, "更正后") {
			t.Errorf("penalty %d has its old content %q", id, c)
		}
	}
	// Every task Meilisearch kept after the restart succeeded, and none is
	// pending: nothing is applied twice later.
	e.m.WaitIdle(t, 10*time.Second)
	if failed := e.failedTasks(); len(failed) > 0 {
		t.Logf("tasks that failed around the kill (retried by the indexer): %v", failed)
	}
	if seq, _, _ := e.s.SearchCursor(ctx, indexer.CursorName); seq != last {
		t.Errorf("cursor %d, want %d", seq, last)
	}
}

// failedTasks lists failed document tasks.
func (e *env) failedTasks() []string {
	req, _ := http.NewRequest("GET", e.m.URL+"/tasks?statuses=failed&limit=100", nil)
	req.Header.Set("Authorization", "Bearer "+e.m.MasterKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Results []struct {
			UID   int    `json:"uid"`
			Type  string `json:"type"`
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		} `json:"results"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	var out []string
	for _, r := range page.Results {
		out = append(out, fmt.Sprintf("%d %s %s", r.UID, r.Type, r.Error.Code))
	}
	return out
}

// TestDegraded: with Meilisearch unreachable, searches are answered from
// PostgreSQL in the same shape, marked degraded, with the same records.
func TestDegraded(t *testing.T) {
	e := newEnv(t, fastOptions())
	e.run(e.ix)
	ids := chineseCorpus(t, e)
	var ps []domain.Penalty
	for n := 1; n <= 8; n++ {
		ps = append(ps, penalty(t, n, nil))
	}
	more := e.upsertPenalties(ps...)
	e.upsertPermits(permit(t, 1, nil), permit(t, 2, nil))
	if _, err := e.s.PublishList(context.Background(), actor, store.ListInput{Kind: domain.ListPowers,
		Powers: []domain.PowerItem{{Code: "320500XK0001", Name: "危险化学品经营许可", Category: "行政许可",
			LegalBasis: "《危险化学品安全管理条例》第三十三条", Unit: "苏州市应急管理局", Flow: domain.StandardFlow("行政许可")}}},
		store.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	e.synced()

	// Meilisearch matches segmented words, every one of them (matchingStrategy
	// "all", stop words left out); PostgreSQL matches each term as a
	// substring. Where both see the same words the results are equal; the
	// others must at least be a subset, best first.
	cases := []struct {
		params string
		equal  bool
	}{
		{"q=化工&type=penalty", true},
		{"q=消防", true},
		{"q=化工&type=penalty&stage=事前&sort=-decision_date&per_page=50", true},
		{"type=penalty&year=2026&category=罚款&per_page=50", true},
		{"q=" + penalty(t, 3, nil).CreditCode, true},
		{"q=320500XK0001", true},
		{"q=许可&type=power&power_category=行政许可", true},
		{"q=危险化学品&per_page=50", false},
		{"q=（苏）应急罚〔2025〕5号&type=penalty&per_page=50", false},
	}
	before := map[string]*search.Result{}
	for _, c := range cases {
		before[c.params] = e.search(c.params)
		if before[c.params].Degraded {
			t.Fatalf("%s: degraded while Meilisearch is up", c.params)
		}
	}
	e.m.Kill()
	hitKeys := func(res *search.Result) []string {
		var out []string
		for _, h := range append(slices.Clone(res.Exact), res.Hits...) {
			out = append(out, string(h.Type)+h.ID)
		}
		return out
	}
	for _, c := range cases {
		res, want := e.search(c.params), before[c.params]
		if !res.Degraded || !res.TotalExact || res.Page != want.Page || res.PerPage != want.PerPage ||
			res.Query != want.Query || res.Type != want.Type || res.Facets["type"] == nil {
			t.Errorf("%s: degraded %v, exact %v, page %d/%d, query %q, type %q", c.params, res.Degraded, res.TotalExact,
				res.Page, res.PerPage, res.Query, res.Type)
		}
		got, exp := hitKeys(res), hitKeys(want)
		if c.equal {
			if res.Total+res.ExactTotal != want.Total+want.ExactTotal || !sameIDs(got, exp) {
				t.Errorf("%s: degraded %d+%d %v, Meilisearch %d+%d %v", c.params, res.ExactTotal, res.Total, got,
					want.ExactTotal, want.Total, exp)
			}
			for f, values := range want.Facets {
				for v, n := range values {
					if res.Facets[f][v] != n {
						t.Errorf("%s: facet %s=%s is %d degraded, %d from Meilisearch", c.params, f, v, res.Facets[f][v], n)
					}
				}
			}
		} else {
			for _, k := range got {
				if !slices.Contains(exp, k) {
					t.Errorf("%s: degraded found %s, Meilisearch did not (%v)", c.params, k, exp)
				}
			}
		}
		if len(want.Exact) != len(res.Exact) {
			t.Errorf("%s: %d exact matches degraded, %d from Meilisearch", c.params, len(res.Exact), len(want.Exact))
		}
		first := func(r *search.Result) []search.Hit { return append(slices.Clone(r.Exact), r.Hits...) }
		if w, g := first(want), first(res); len(w) > 0 && len(g) > 0 {
			w, g := w[0], g[0]
			if w.Exact != g.Exact || (w.Exact && (w.ID != g.ID || w.Title != g.Title || w.URL != g.URL || w.Subtitle != g.Subtitle)) {
				t.Errorf("%s: first hit degraded %s %q exact %v, Meilisearch %s %q exact %v", c.params, g.ID, g.Title, g.Exact,
					w.ID, w.Title, w.Exact)
			}
			if !slices.Equal(keys(g.Fields), keys(w.Fields)) && g.Type == w.Type {
				t.Errorf("%s: degraded fields %v, Meilisearch fields %v", c.params, keys(g.Fields), keys(w.Fields))
			}
		}
	}
	// Digits hidden by masking cannot be searched for, degraded or not.
	person := penalty(t, 77, func(r map[string]string) {
		for k, v := range testenv.PersonPenaltyRecord(77) {
			r[k] = v
		}
		delete(r, "CF_XDR_SHXYM")
		delete(r, "CF_FRDB")
		r["CF_SY"] = "当事人王五（身份证号" + testenv.PersonID + "，电话13912345678）在仓库违规动火"
	})
	pid := e.upsertPenalties(person)[0]
	for _, q := range []string{"q=" + testenv.PersonID[6:14], "q=" + testenv.PersonID, "q=1391234", "q=违规动火 " + testenv.PersonID[8:12]} {
		if res := e.search(q); res.Total != 0 {
			t.Errorf("degraded %s found %v", q, hitIDs(res, search.TypePenalty))
		}
	}
	if res := e.search("q=违规动火"); res.Total != 1 || first(res).ID != idString(pid) ||
		strings.Contains(string(first(res).Fields["facts"]), testenv.PersonID) {
		t.Errorf("degraded 违规动火: %d hits, facts %s", res.Total, first(res).Fields["facts"])
	}

	res := e.search("q=化工 培训&type=penalty&per_page=50")
	if !res.Degraded || res.Total != 9 || !slices.Contains(hitIDs(res, search.TypePenalty), idString(ids["chem-training"])) ||
		!strings.Contains(res.Hits[0].Highlights["violation_type"], "<mark>培训</mark>") ||
		!strings.Contains(res.Hits[0].Highlights["party_name"], "<mark>化工</mark>") {
		t.Errorf("degraded 化工 培训: total %d, hits %v, first highlights %v", res.Total, hitIDs(res, search.TypePenalty),
			first(res).Highlights)
	}
	if len(more) != 8 {
		t.Fatal(more)
	}
}

// TestSearchKeyRefused: when Meilisearch refuses the search key (deleted
// or rotated), searches degrade briefly and the service obtains a new one.
func TestSearchKeyRefused(t *testing.T) {
	e := newEnv(t, fastOptions())
	e.run(e.ix)
	e.upsertPenalties(penalty(t, 1, nil))
	e.synced()
	if res := e.search("q=化工"); res.Degraded || res.Total != 1 {
		t.Fatalf("before: degraded %v total %d", res.Degraded, res.Total)
	}
	req, _ := http.NewRequest("GET", e.m.URL+"/keys", nil)
	req.Header.Set("Authorization", "Bearer "+e.m.MasterKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var keys struct {
		Results []struct{ UID, Name string }
	}
	json.NewDecoder(resp.Body).Decode(&keys)
	resp.Body.Close()
	for _, k := range keys.Results {
		if k.Name == "Default Search API Key" {
			req, _ := http.NewRequest("DELETE", e.m.URL+"/keys/"+k.UID, nil)
			req.Header.Set("Authorization", "Bearer "+e.m.MasterKey)
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 204 {
				t.Fatalf("delete the search key: %v %v", resp, err)
			}
		}
	}
	res := e.search("q=化工")
	if !res.Degraded || res.Total != 1 {
		t.Errorf("with the key refused: degraded %v total %d", res.Degraded, res.Total)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if res := e.search("q=化工"); !res.Degraded && res.Total == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("searches did not recover with a new key")
		}
	}
}
