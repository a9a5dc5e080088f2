package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/store/bulkload"
	"github.com/gongshi/gongshi/internal/testenv"
)

var bulkActor = store.Actor{Name: "test:bulk"}

// TestReadTimings loads GONGSHI_READ_ROWS penalties (and a quarter as many
// permits) and logs how long each public read takes, median of 5 runs. It
// is skipped unless the variable is set:
//
//	GONGSHI_READ_ROWS=200000 go test -run TestReadTimings -v ./internal/store/
func TestReadTimings(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("GONGSHI_READ_ROWS"))
	if n <= 0 {
		t.Skip("set GONGSHI_READ_ROWS to measure the read API on that many penalties")
	}
	s := testenv.Store(t)
	ctx := context.Background()
	today := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	cal := domain.DefaultCalendar()
	regions := []string{"320500", "320505", "320506", "320507", "320508", "320509", "320571", "320581", "320582", "320583"}
	agencies := make([][2]string, len(regions))
	for i, r := range regions {
		agencies[i] = [2]string{fmt.Sprintf("应急管理局%d", i), testenv.CreditCode(t, "11", r, 900+i)}
	}
	cats := [][]string{{"罚款"}, {"罚款"}, {"警告"}, {"罚款", "责令停产停业"}, {"罚款", "没收违法所得"}}
	start := time.Now()
	i := 0
	loaded, err := bulkload.Penalties(ctx, s, bulkActor, func() (bulkload.Penalty, bool) {
		if i == n {
			return bulkload.Penalty{}, false
		}
		i++
		ag := agencies[i%len(agencies)]
		d := today.AddDate(0, 0, -(i*7)%1100)
		c := cats[i%len(cats)]
		fine := domain.Money(0)
		if c[0] == "罚款" {
			fine = domain.Money((1000 + i%50000) * 100)
		}
		stage := domain.StagePreAccident
		if i%30 == 0 {
			stage = domain.StageAccident
		}
		p := bulkload.Penalty{
			Penalty: domain.Penalty{
				DecisionNo:     fmt.Sprintf("苏应急罚〔%d〕%d号", d.Year(), i),
				Party:          domain.Party{Name: fmt.Sprintf("苏州测试%d有限公司", i%40000), Kind: domain.PartyOrganization, CreditCode: testenv.CreditCode(t, "91", "320506", 10000+i%40000)},
				ViolationType:  "未按照规定对从业人员进行安全生产教育和培训",
				Facts:          "经查，该单位未按照规定对从业人员进行安全生产教育和培训。",
				Basis:          "《中华人民共和国安全生产法》第九十七条第三项",
				Categories:     c,
				Content:        "罚款",
				Fine:           fine,
				DecisionDate:   d,
				PublicityUntil: d.AddDate(1+i%3, 0, 0),
				Agency:         ag[0], AgencyCode: ag[1], Source: ag[0], SourceCode: ag[1],
				Stage: stage, Class: domain.ClassGeneral,
			},
			PublishedAt: cal.AddWorkdays(d, i%12).Add(10 * time.Hour),
		}
		if i%20 == 0 {
			p.Withdrawn = &bulkload.Withdrawal{Reason: domain.ReasonRevoked}
		}
		return p, true
	}, store.WriteOptions{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	j := 0
	permits, err := bulkload.Permits(ctx, s, bulkActor, func() (bulkload.Permit, bool) {
		if j == n/4 {
			return bulkload.Permit{}, false
		}
		j++
		ag := agencies[j%len(agencies)]
		d := today.AddDate(0, 0, -(j*3)%1100)
		return bulkload.Permit{Permit: domain.Permit{
			DocName: "安全生产许可证核发决定书", DecisionNo: fmt.Sprintf("苏应急许〔%d〕%d号", d.Year(), j),
			Party:    domain.Party{Name: fmt.Sprintf("苏州测试%d有限公司", j), Kind: domain.PartyOrganization, CreditCode: testenv.CreditCode(t, "91", "320506", 10000+j%40000)},
			Category: "普通", Content: "危险化学品经营", DecisionDate: d, ValidFrom: d, ValidTo: d.AddDate(3, 0, 0),
			Agency: ag[0], AgencyCode: ag[1], State: domain.PermitValid, Source: ag[0], SourceCode: ag[1],
		}, PublishedAt: cal.AddWorkdays(d, j%10).Add(9 * time.Hour)}, true
	}, store.WriteOptions{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, "VACUUM ANALYZE"); err != nil {
		t.Fatal(err)
	}
	t.Logf("loaded %d penalties and %d permits in %v", loaded, permits, time.Since(start).Round(time.Millisecond))

	pub := s.Public(domain.DefaultMasking, func() time.Time { return today })
	timeIt := func(name string, fn func() error) {
		var ds []time.Duration
		for range 5 {
			t0 := time.Now()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			ds = append(ds, time.Since(t0))
		}
		slices.Sort(ds)
		t.Logf("%-48s median %8v  max %8v", name, ds[2].Round(100*time.Microsecond), ds[4].Round(100*time.Microsecond))
	}
	var next string
	timeIt("penalties: first page (-decision_date)", func() error {
		p, err := pub.Penalties(ctx, store.PenaltyQuery{Limit: 20})
		next = p.Next
		return err
	})
	timeIt("penalties: page 2 by cursor", func() error {
		_, err := pub.Penalties(ctx, store.PenaltyQuery{Limit: 20, Cursor: next})
		return err
	})
	timeIt("penalties: sort=-fine", func() error {
		_, err := pub.Penalties(ctx, store.PenaltyQuery{Limit: 20, Sort: store.Sort{Key: "fine", Desc: true}})
		return err
	})
	timeIt("penalties: district + category + date range", func() error {
		_, err := pub.Penalties(ctx, store.PenaltyQuery{Limit: 20, DistrictCode: "320506", Category: "警告",
			DecidedFrom: today.AddDate(-1, 0, 0)})
		return err
	})
	timeIt("penalties: agency + fine range", func() error {
		min, max := domain.Money(1000000), domain.Money(2000000)
		_, err := pub.Penalties(ctx, store.PenaltyQuery{Limit: 20, AgencyCode: agencies[3][1], FineMin: &min, FineMax: &max})
		return err
	})
	timeIt("penalties: credit_code", func() error {
		_, err := pub.Penalties(ctx, store.PenaltyQuery{Limit: 20, CreditCode: testenv.CreditCode(t, "91", "320506", 10005)})
		return err
	})
	timeIt("penalty by id", func() error {
		_, err := pub.Penalty(ctx, int64(n/2+1))
		return err
	})
	timeIt("permits: first page", func() error {
		_, err := pub.Permits(ctx, store.PermitQuery{Limit: 20})
		return err
	})
	timeIt("subject profile", func() error {
		_, err := pub.Subject(ctx, testenv.CreditCode(t, "91", "320506", 10005))
		return err
	})
	timeIt("stats: everything", func() error {
		_, err := pub.Stats(ctx, store.StatsQuery{Calendar: cal})
		return err
	})
	timeIt("stats: one district, one year", func() error {
		_, err := pub.Stats(ctx, store.StatsQuery{Calendar: cal, DistrictCode: "320506", DecidedFrom: today.AddDate(-1, 0, 0)})
		return err
	})
}
