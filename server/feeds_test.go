package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/ratelimit"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/httpx"
)

type feedEntry struct {
	Seq    int64             `json:"seq"`
	Cursor string            `json:"cursor"`
	Op     string            `json:"op"`
	ID     int64             `json:"id"`
	At     time.Time         `json:"at"`
	Reason string            `json:"reason"`
	Note   *string           `json:"note"`
	Key    map[string]string `json:"key"`
	Record map[string]string `json:"record"`
}

type feedPage struct {
	Feed       string      `json:"feed"`
	Masked     bool        `json:"masked"`
	After      string      `json:"after"`
	NextCursor string      `json:"next_cursor"`
	HasMore    bool        `json:"has_more"`
	Changes    []feedEntry `json:"changes"`
}

// page fetches one page of a feed; it fails the test on anything but 200.
func (f *dsFixture) page(feed, key, after string, limit int) feedPage {
	f.t.Helper()
	q := url.Values{"after": {after}}
	if limit > 0 {
		q.Set("limit", fmt.Sprint(limit))
	}
	resp, b := f.get("/api/v1/feeds/"+feed+"?"+q.Encode(), key, nil)
	if resp.StatusCode != 200 {
		f.t.Fatalf("feed %s after %q: %d %s", feed, after, resp.StatusCode, b)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		f.t.Errorf("feed Cache-Control %q", cc)
	}
	var p feedPage
	if err := json.Unmarshal(b, &p); err != nil {
		f.t.Fatalf("feed page: %v\n%s", err, b)
	}
	return p
}

// TestFeedExactlyOnceWithConcurrentWriters runs 8 writers — creating,
// updating and withdrawing penalties, some in multi-record transactions —
// while a consumer pages the feed over HTTP; the consumer must see every
// change-log entry exactly once, in order.
func TestFeedExactlyOnceWithConcurrentWriters(t *testing.T) {
	f := newDSFixture(t)
	ctx := context.Background()
	const writers, rounds = 8, 30
	// The agencies exist before the writers start: UpsertPenalties creates
	// a batch's new agencies in input order, so two first batches naming
	// them in different orders can deadlock (reported; not this test's
	// subject).
	f.ingestPenalties(genPenalty(100000), genPenalty(100001), genPenalty(100002))
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			a := store.Actor{Name: fmt.Sprint("writer-", w)}
			for i := range rounds {
				n := w*1000 + i
				batch := []domain.Penalty{genPenalty(n)}
				if i%4 == 0 { // several records in one transaction
					batch = append(batch, genPenalty(n+500), genPenalty(n+700))
				}
				if i%5 == 3 { // an update of an earlier record
					p := genPenalty(n - 1)
					p.Remarks = fmt.Sprint("更新", i)
					batch = append(batch, p)
				}
				rs, err := f.s.UpsertPenalties(ctx, a, batch, store.WriteOptions{})
				if err != nil {
					errc <- err
					return
				}
				if i%6 == 5 {
					if err := f.s.Withdraw(ctx, a, store.EntityPenalty, rs[0].ID, domain.ReasonRevoked, "撤销"); err != nil {
						errc <- err
						return
					}
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	seen := map[int64]int{}
	var last int64
	cursor := ""
	pages := 0
	pull := func() int {
		p := f.page("penalties", f.feed, cursor, 13)
		pages++
		for _, e := range p.Changes {
			seen[e.Seq]++
			if e.Seq <= last {
				t.Errorf("seq %d after %d: out of order", e.Seq, last)
			}
			last = e.Seq
			switch {
			case e.Op == "upsert" && (e.Record == nil || e.Record["CF_WSH"] != e.Key["CF_WSH"]):
				t.Errorf("upsert without its record: %+v", e)
			case e.Op == "withdraw" && (e.Record != nil || e.Reason == "" || e.Key["CF_WSH"] == "" || e.Key["CF_CFJGDM"] == ""):
				t.Errorf("bad tombstone: %+v", e)
			}
		}
		if len(p.Changes) > 0 && p.NextCursor != p.Changes[len(p.Changes)-1].Cursor {
			t.Errorf("next_cursor %q is not the last entry's cursor", p.NextCursor)
		}
		if p.NextCursor == "" {
			t.Fatal("no next_cursor")
		}
		cursor = p.NextCursor
		return len(p.Changes)
	}
	during := 0
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
			pull()
			during++
		}
	}
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	for pull() > 0 {
	}

	var total, withdrawals int
	if err := f.s.Pool().QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE op = 'withdraw') FROM changes WHERE entity = 'penalty'`).
		Scan(&total, &withdrawals); err != nil {
		t.Fatal(err)
	}
	if withdrawals == 0 || total < writers*rounds {
		t.Fatalf("the writers made %d changes (%d withdrawals)", total, withdrawals)
	}
	if len(seen) != total {
		t.Errorf("the consumer saw %d distinct entries of %d", len(seen), total)
	}
	for seq, n := range seen {
		if n != 1 {
			t.Errorf("seq %d delivered %d times", seq, n)
		}
	}
	if during < 5 {
		t.Errorf("only %d pages were read while the writers ran", during)
	}
	t.Logf("%d changes (%d withdrawals) in %d pages, %d of them while 8 writers committed", total, withdrawals, pages, during)
}

func TestFeedShapesMaskingAndCurrentState(t *testing.T) {
	f := newDSFixture(t)
	ctx := context.Background()
	a := store.Actor{Name: "test"}
	person := genPenalty(2) // a natural person, ID number in the facts
	expired := genPenalty(7)
	expired.PublicityUntil = dsToday.AddDate(0, 0, -1)
	rs := f.ingestPenalties(person, genPenalty(0), expired, genPenalty(14))
	revised := person
	revised.Remarks = "已更正"
	f.ingestPenalties(revised) // seq 5: upsert of the person
	// seq 6
	if err := f.s.Withdraw(ctx, a, store.EntityPenalty, rs[1].ID, domain.ReasonRevoked, "行政复议撤销，联系电话13912345678"); err != nil {
		t.Fatal(err)
	}
	// seq 7
	if err := f.s.Withdraw(ctx, a, store.EntityPenalty, rs[3].ID, domain.ReasonCorrected, "更正"); err != nil {
		t.Fatal(err)
	}
	republished := genPenalty(14)
	republished.Content = "罚款人民币10014元（更正）"
	f.ingestPenalties(republished) // seq 8: the corrected record published again

	masked := f.page("penalties", f.feed, "", 0)
	full := f.page("penalties", f.full, "", 0)
	if !masked.Masked || full.Masked || masked.HasMore || len(masked.Changes) != 8 || len(full.Changes) != 8 {
		t.Fatalf("masked %v/%d entries, full %v/%d", masked.Masked, len(masked.Changes), full.Masked, len(full.Changes))
	}
	type want struct {
		op, reason string
		p          domain.Penalty
		record     bool
	}
	for i, w := range []want{
		{"upsert", "", person, true},                     // 1: the person, in its current (revised) state
		{"withdraw", "revoked", genPenalty(0), false},    // 2: logged as an upsert, withdrawn since
		{"withdraw", "expired", expired, false},          // 3: logged as an upsert, publicity over
		{"upsert", "", genPenalty(14), true},             // 4: withdrawn as corrected, published again
		{"upsert", "", person, true},                     // 5
		{"withdraw", "revoked", genPenalty(0), false},    // 6
		{"withdraw", "corrected", genPenalty(14), false}, // 7
		{"upsert", "", genPenalty(14), true},             // 8
	} {
		e := masked.Changes[i]
		if e.Seq != int64(i+1) || e.Op != w.op || e.Reason != w.reason || e.Key["CF_WSH"] != w.p.DecisionNo ||
			e.Key["CF_CFJGDM"] != w.p.AgencyCode || (e.Record != nil) != w.record {
			t.Errorf("entry %d: %+v, want %s %s %s", i+1, e, w.op, w.reason, w.p.DecisionNo)
		}
		if e.At.IsZero() || e.Cursor == "" || e.ID == 0 {
			t.Errorf("entry %d lacks seq/cursor/at/id: %+v", i+1, e)
		}
	}
	// Current state: the first entry carries the revised record; amounts in 万元.
	first := masked.Changes[0].Record
	if first["BZ"] != "已更正" || first["CF_NR_FK"] != "1.0002" || first["CF_XDR_ZJHM"] == "" || first["CF_XDR_ZJHM"] == testenv.PersonID {
		t.Errorf("masked record: BZ %q fine %q id %q", first["BZ"], first["CF_NR_FK"], first["CF_XDR_ZJHM"])
	}
	if len(first) != len(domain.PenaltyFields) {
		t.Errorf("the record has %d fields, the standard %d", len(first), len(domain.PenaltyFields))
	}
	if n := masked.Changes[5].Note; n == nil || strings.Contains(*n, "13912345678") || !strings.Contains(*n, "行政复议撤销") {
		t.Errorf("masked tombstone note %v", n)
	}
	if rec := full.Changes[0].Record; rec["CF_XDR_ZJHM"] != testenv.PersonID || !strings.Contains(rec["CF_SY"], testenv.PersonID) {
		t.Errorf("feed:full must carry full identifiers: %q / %q", rec["CF_XDR_ZJHM"], rec["CF_SY"])
	}
	if n := full.Changes[5].Note; n == nil || !strings.Contains(*n, "13912345678") {
		t.Errorf("full tombstone note %v", n)
	}
	if resp, b := f.get("/api/v1/feeds/penalties", f.feed, nil); resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode)
	} else {
		noPersonID(t, "masked feed", b)
	}
	// Without a key the feed is the same public, masked data.
	anon := f.page("penalties", "", "", 0)
	if !anon.Masked || len(anon.Changes) != len(masked.Changes) || anon.Changes[0].Record["CF_XDR_ZJHM"] != first["CF_XDR_ZJHM"] {
		t.Errorf("anonymous feed: masked %v, %d entries, id %q", anon.Masked, len(anon.Changes), anon.Changes[0].Record["CF_XDR_ZJHM"])
	}
	if resp, b := f.get("/api/v1/feeds/penalties", "", nil); resp.StatusCode != 200 || resp.Header.Get("RateLimit-Limit") == "" {
		t.Fatalf("anonymous feed: %d %v", resp.StatusCode, resp.Header)
	} else {
		noPersonID(t, "anonymous feed", b)
	}

	// Paging: limit, has_more, the Link header, resuming after a cursor.
	resp, b := f.get("/api/v1/feeds/penalties?limit=3", f.feed, nil)
	var p feedPage
	if err := json.Unmarshal(b, &p); err != nil || resp.StatusCode != 200 {
		t.Fatal(resp.StatusCode, err)
	}
	if len(p.Changes) != 3 || !p.HasMore || p.NextCursor != p.Changes[2].Cursor ||
		!strings.Contains(resp.Header.Get("Link"), "after="+p.NextCursor) || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
		t.Errorf("first page: %+v %v", p, resp.Header)
	}
	rest := f.page("penalties", f.feed, p.NextCursor, 100)
	if len(rest.Changes) != 5 || rest.Changes[0].Seq != 4 || rest.HasMore {
		t.Errorf("rest: %d entries from %d", len(rest.Changes), rest.Changes[0].Seq)
	}
	end := f.page("penalties", f.feed, rest.NextCursor, 100)
	if len(end.Changes) != 0 || end.NextCursor != rest.NextCursor || end.HasMore {
		t.Errorf("after the end: %+v", end)
	}

	// Permits have their own feed and keys.
	f.s.UpsertPermits(ctx, a, []domain.Permit{genPermit(2)}, store.WriteOptions{})
	pp := f.page("permits", f.feed, "", 0)
	if len(pp.Changes) != 1 || pp.Changes[0].Key["XK_WSH"] != genPermit(2).DecisionNo || pp.Changes[0].Record["XK_XDR_ZJHM"] == testenv.PersonID {
		t.Errorf("permits feed: %+v", pp)
	}
}

func TestFeedAuthAndBadParameters(t *testing.T) {
	f := newDSFixture(t)
	f.ingestPenalties(genPenalty(0))
	permitCursor := f.page("permits", f.feed, "", 0).NextCursor
	for _, tc := range []struct {
		path, key string
		status    int
		field     string
	}{
		{"/api/v1/feeds/penalties", "gs_nope_nope", 401, ""},
		{"/api/v1/feeds/penalties", f.ingest, 403, ""},
		{"/api/v1/feeds/nonsense", f.feed, 404, ""},
		{"/api/v1/feeds/penalties?limit=0", f.feed, 400, "limit"},
		{"/api/v1/feeds/penalties?limit=5001", f.feed, 400, "limit"},
		{"/api/v1/feeds/penalties?limit=ten", f.feed, 400, "limit"},
		{"/api/v1/feeds/penalties?after=not-a-cursor", f.feed, 400, "after"},
		{"/api/v1/feeds/penalties?after=" + permitCursor, f.feed, 400, "after"},
	} {
		resp, b := f.get(tc.path, tc.key, nil)
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.path, resp.StatusCode, tc.status, b)
			continue
		}
		e := decode[apiError](t, b)
		if e.Code == "" || e.Message == "" {
			t.Errorf("%s: error shape %s", tc.path, b)
		}
		if tc.field != "" && (len(e.Errors) != 1 || e.Errors[0].Field != tc.field) {
			t.Errorf("%s: the error must name %s: %s", tc.path, tc.field, b)
		}
	}
	// feed:full alone admits, unmasked; the default page is 500.
	if p := f.page("penalties", f.full, "", 0); p.Masked || len(p.Changes) != 1 {
		t.Errorf("feed:full key: %+v", p)
	}
	for i := 1; i <= 600; i += 100 {
		var batch []domain.Penalty
		for j := i; j < i+100; j++ {
			batch = append(batch, genPenalty(j))
		}
		f.ingestPenalties(batch...)
	}
	if p := f.page("penalties", f.feed, "", 0); len(p.Changes) != 500 || !p.HasMore {
		t.Errorf("default page: %d entries, has_more %v", len(p.Changes), p.HasMore)
	}
}

// TestFeedAnonymousIsRateLimitedByIP: the public, masked feed spends the
// client IP's budget like the other reads.
func TestFeedAnonymousIsRateLimitedByIP(t *testing.T) {
	s := testenv.Store(t)
	now := func() time.Time { return dsNow }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pub := s.Public(domain.DefaultMasking, now)
	srv := httptest.NewServer(server.New(server.Deps{Log: log, Keys: s, Feeds: s.CreditFeed(pub),
		Rules: domain.DefaultPublicityRules(), Now: now,
		Limits: httpx.Limits{PerIP: ratelimit.Limit{Rate: 3, Burst: 3, Period: time.Hour}, PerKey: ratelimit.PerMinute(1000)}}))
	t.Cleanup(srv.Close)
	for i := 1; i <= 4; i++ {
		resp, err := http.Get(srv.URL + "/api/v1/feeds/permits")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		want := http.StatusOK
		if i == 4 {
			want = http.StatusTooManyRequests
		}
		if resp.StatusCode != want || resp.Header.Get("RateLimit-Limit") != "3" {
			t.Errorf("request %d: %d (limit %q), want %d", i, resp.StatusCode, resp.Header.Get("RateLimit-Limit"), want)
		}
	}
}
