package server_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/snapshot"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/store/bulkload"
	"github.com/gongshi/gongshi/internal/testenv"
	"github.com/gongshi/gongshi/server"
	"github.com/gongshi/gongshi/server/api"
	"github.com/gongshi/gongshi/server/httpx"
)

// dsNow is "now" for the dataset and feed tests: 2026-11-25 in Suzhou.
var dsNow = time.Date(2026, 11, 25, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

var dsToday = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// dsFixture is a server with the datasets, snapshots and feeds wired as
// `portal serve` wires them, and keys of every feed scope.
type dsFixture struct {
	t      *testing.T
	s      *store.Store
	pub    *store.Public
	snaps  *snapshot.Service
	srv    *httptest.Server
	client *http.Client
	ingest string // scope ingest
	feed   string // scope feed: masked
	full   string // scope feed:full only
}

// newDSFixture builds the fixture; wrap, if given, stands between the
// handlers and the dataset store (to inject failures).
func newDSFixture(t *testing.T, wrap ...func(api.DatasetStore) api.DatasetStore) *dsFixture {
	s := testenv.Store(t)
	now := func() time.Time { return dsNow }
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pub := s.Public(domain.DefaultMasking, now)
	snaps := snapshot.New(s, pub, t.TempDir(), log)
	var datasets api.DatasetStore = snaps
	for _, w := range wrap {
		datasets = w(datasets)
	}
	h := server.New(server.Deps{
		Log:      log,
		Ingest:   s,
		Keys:     s,
		Overview: s,
		Datasets: datasets,
		Feeds:    s.CreditFeed(pub),
		Rules:    domain.DefaultPublicityRules(),
		Now:      now,
		Ready:    map[string]httpx.Checker{"postgres": s},
	})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &dsFixture{t: t, s: s, pub: pub, snaps: snaps, srv: srv,
		// No transparent gzip: tests see the bytes on the wire.
		client: &http.Client{Transport: &http.Transport{DisableCompression: true}}}
	for _, k := range []struct {
		secret *string
		scope  string
	}{{&f.ingest, store.ScopeIngest}, {&f.feed, store.ScopeFeed}, {&f.full, store.ScopeFeedFull}} {
		var err error
		if _, *k.secret, err = s.CreateKey(context.Background(), "key-"+k.scope, []string{k.scope}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// get sends a GET (or the method given in hdr["method"]) and returns the
// response with its whole body.
func (f *dsFixture) get(path, key string, hdr map[string]string) (*http.Response, []byte) {
	f.t.Helper()
	resp := f.open(path, key, hdr)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("GET %s: %v", path, err)
	}
	if resp.Header.Get("Content-Encoding") == "" && len(b) < 1<<20 {
		checkSpec(f.t, resp, b) // every dataset and feed response honours the contract
	}
	return resp, b
}

// open sends a request and returns the response unread.
func (f *dsFixture) open(path, key string, hdr map[string]string) *http.Response {
	f.t.Helper()
	method := http.MethodGet
	if m, ok := hdr["method"]; ok {
		method = m
	}
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	for k, v := range hdr {
		if k != "method" {
			req.Header.Set(k, v)
		}
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// dsAgencies issue the generated records.
var dsAgencies = [][2]string{
	{"苏州市应急管理局", testenv.AgencyCode},
	{"苏州市吴中区应急管理局", testenv.USCC("320506", 900002)},
	{"昆山市应急管理局", testenv.USCC("320583", 900003)},
}

// genPenalty returns the i-th generated penalty: valid, varied, with text
// that exercises every format (commas, quotes, line breaks), natural
// persons whose ID number is testenv.PersonID, several categories, amounts
// with decimals, and publicity periods ending before and after dsToday.
func genPenalty(i int) domain.Penalty {
	ag := dsAgencies[i%len(dsAgencies)]
	d := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%1000)
	p := domain.Penalty{
		DecisionNo: fmt.Sprintf("苏应急罚〔%d〕%d号", d.Year(), i+1),
		Party: domain.Party{
			Name:       fmt.Sprintf("苏州测试%d精密机械有限公司", i),
			Kind:       domain.PartyOrganization,
			CreditCode: testenv.USCC("320506", i),
			LegalRep:   "张三",
		},
		ViolationType:  "未按照规定对从业人员进行安全生产教育和培训",
		Facts:          fmt.Sprintf("经查，该单位\"第%d车间\"未按照规定对从业人员进行安全生产教育和培训,\n且未如实记录。", i),
		Basis:          "《中华人民共和国安全生产法》第九十七条第三项",
		Categories:     []string{"罚款"},
		Content:        fmt.Sprintf("罚款人民币%d元", 10000+i),
		Fine:           domain.Money((10000 + i) * 100),
		DecisionDate:   d,
		PublicityUntil: d.AddDate(3, 0, 0),
		Agency:         ag[0],
		AgencyCode:     ag[1],
		Source:         ag[0],
		SourceCode:     ag[1],
		Stage:          domain.StagePreAccident,
		Class:          domain.ClassSevere,
	}
	switch i % 7 {
	case 1:
		p.Categories = []string{"警告", "罚款", "责令停产停业"}
		p.Fine = domain.Money(12345678 + i) // 12.345678 万元 and more
		p.Confiscated = domain.Money(50000)
		v := d.AddDate(0, 6, 0)
		p.ValidUntil = &v
		p.Stage = ""
	case 2:
		p.Party = domain.Party{Name: "李四", Kind: domain.PartyNaturalPerson, IDType: "身份证", IDNo: testenv.PersonID}
		p.Facts = "当事人李四（身份证号" + testenv.PersonID + "，电话13912345678）未取得许可擅自作业"
	case 3:
		p.Categories = []string{"警告"}
		p.Fine = 0
		p.Content = "警告"
		p.Remarks = "备注, 含逗号"
		p.Class = domain.ClassGeneral
		p.PublicityUntil = d.AddDate(1, 0, 0) // some end before dsToday
	case 4:
		p.Party.LegalRepIDType, p.Party.LegalRepIDNo = "身份证", testenv.PersonID
		p.LicenceAffected = "安全生产许可证（苏）WH安许证字〔2024〕0001"
		p.Categories = append(p.Categories, "吊销许可证件")
	}
	return p
}

// genPermit returns the i-th generated permit.
func genPermit(i int) domain.Permit {
	ag := dsAgencies[i%len(dsAgencies)]
	d := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%600)
	p := domain.Permit{
		DocName:    "安全生产许可证核发决定书",
		DecisionNo: fmt.Sprintf("苏应急许〔%d〕%d号", d.Year(), i+1),
		Party: domain.Party{Name: fmt.Sprintf("苏州测试矿业第%d有限公司", i), Kind: domain.PartyOrganization,
			CreditCode: testenv.USCC("320506", 500000+i)},
		Category: "普通", CertName: "安全生产许可证", PermitNo: fmt.Sprintf("（苏）WH安许证字〔2025〕%04d", i),
		Content: "危险化学品生产", DecisionDate: d, ValidFrom: d, ValidTo: d.AddDate(3, 0, -1),
		Agency: ag[0], AgencyCode: ag[1], State: domain.PermitValid, Source: ag[0], SourceCode: ag[1],
	}
	if i%5 == 2 {
		p.Party = domain.Party{Name: "王五", Kind: domain.PartyNaturalPerson, IDType: "身份证", IDNo: testenv.PersonID}
		p.Remarks = "联系人身份证" + testenv.PersonID
	}
	return p
}

// loadPenalties bulk-loads genPenalty(0, 1, …) until public of them are
// public on dsToday; every tenth is loaded withdrawn, and some end their
// publicity period before dsToday. It returns how many it loaded.
func loadPenalties(tb testing.TB, s *store.Store, public int) int {
	tb.Helper()
	i, n := 0, 0
	loaded, err := bulkload.Penalties(context.Background(), s, store.Actor{Name: "test:datasets"}, func() (bulkload.Penalty, bool) {
		if n == public {
			return bulkload.Penalty{}, false
		}
		p := bulkload.Penalty{Penalty: genPenalty(i)}
		if i%10 == 9 {
			p.Withdrawn = &bulkload.Withdrawal{Reason: domain.ReasonRevoked, Note: "行政复议撤销"}
		} else if !p.PublicityUntil.Before(dsToday) {
			n++
		}
		i++
		return p, true
	}, store.WriteOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	if loaded != i {
		tb.Fatalf("loaded %d of %d", loaded, i)
	}
	return loaded
}

// noPersonID fails when b holds the full ID number of the fixtures.
func noPersonID(t *testing.T, what string, b []byte) {
	t.Helper()
	if strings.Contains(string(b), testenv.PersonID) {
		t.Errorf("%s leaks the full ID number %s", what, testenv.PersonID)
	}
}

func sha256Sum(b []byte) []byte {
	s := sha256.Sum256(b)
	return s[:]
}
