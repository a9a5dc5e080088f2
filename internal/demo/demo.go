// Package demo generates and loads Gongshi's 示例数据: a deterministic,
// realistic synthetic data set of the Suzhou Emergency Management Bureau —
// its eleven bureaus, the power list (权力清单, 300+ items with operation
// guides and flowcharts), the responsibility and public-service lists in two
// versions each, and streams of penalties (行政处罚) and permits (行政许可)
// dated from 2017 to Options.Now. Every record is flagged as demo data
// (WriteOptions.Demo) and carries the remark 示例数据.
//
// The same seed and Now give the same data. Records are generated one at a
// time, in decision-date order, and bulk-loaded as they are generated, so
// memory stays constant however many are asked for.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/internal/store/bulkload"
)

// Defaults of Options.
const (
	DefaultPenalties        = 20_000
	DefaultPermits          = 10_000
	DefaultSeed      uint64 = 20190930
)

// Remark is the 备注 (BZ) of every demo record.
const Remark = "示例数据"

// Options size and fix a demo load.
type Options struct {
	Penalties int       // 0: DefaultPenalties; negative: none
	Permits   int       // 0: DefaultPermits; negative: none
	Seed      uint64    // 0: DefaultSeed
	Now       time.Time // "today" of the data set; zero: time.Now()
	// AllPublic keeps every record public as of Now: decisions of the last
	// 60 days (inside the shortest publicity period) and none withdrawn — a
	// data set for benchmarks of what the public sees, such as the 1M-row
	// export, feed and search-rebuild benchmarks.
	AllPublic bool
	Actor     store.Actor // who loads; zero: "cli:demo"
}

func (o Options) withDefaults() Options {
	switch {
	case o.Penalties == 0:
		o.Penalties = DefaultPenalties
	case o.Penalties < 0:
		o.Penalties = 0
	}
	switch {
	case o.Permits == 0:
		o.Permits = DefaultPermits
	case o.Permits < 0:
		o.Permits = 0
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Actor.Name == "" {
		o.Actor = store.Actor{Name: "cli:demo"}
	}
	return o
}

// Summary reports what Load wrote.
type Summary struct {
	Seed        uint64
	Today       time.Time
	Lists       []store.PublishResult
	ListsKept   []domain.ListKind // already published: left alone
	Penalties   PenaltyStats
	Permits     PermitStats
	PenaltyTime time.Duration
	PermitTime  time.Duration
	Elapsed     time.Duration
	AgencyCount int
	PowerItems  int // in the current power list
}

// RowsPerSecond is the bulk-load rate of penalties and permits together.
func (s Summary) RowsPerSecond() float64 {
	d := (s.PenaltyTime + s.PermitTime).Seconds()
	if d == 0 {
		return 0
	}
	return float64(s.Penalties.Total+s.Permits.Total) / d
}

func rate(n int, d time.Duration) string {
	if d <= 0 || n == 0 {
		return "—"
	}
	return fmt.Sprintf("%.0f rows/s", float64(n)/d.Seconds())
}

// String renders the summary for the command line.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "示例数据 loaded in %v (seed %d, as of %s)\n", s.Elapsed.Round(time.Millisecond), s.Seed, s.Today.Format(domain.DateLayout))
	fmt.Fprintf(&b, "  agencies:    %d (苏州市应急管理局 and 10 district bureaus)\n", s.AgencyCount)
	for _, k := range s.ListsKept {
		fmt.Fprintf(&b, "  list %-17s kept (already published)\n", k)
	}
	for _, l := range s.Lists {
		state := "published"
		if !l.Created {
			state = "unchanged"
		}
		fmt.Fprintf(&b, "  list %-17s v%d: %d items (+%d ~%d -%d) %s\n", l.Kind, l.Number, l.Items, l.Added, l.Changed, l.Removed, state)
	}
	p := s.Penalties
	fmt.Fprintf(&b, "  penalties:   %d in %v (%s)\n", p.Total, s.PenaltyTime.Round(time.Millisecond), rate(p.Total, s.PenaltyTime))
	if p.Total > 0 {
		fmt.Fprintf(&b, "               事前 %.1f%%, average 事前 fine %.0f yuan, %.1f%% of 事前 cases ≥ 50,000 yuan\n",
			100*float64(p.PreAccident)/float64(p.Total), p.AverageFine(), 100*float64(p.LargeFines)/float64(max(p.PreAccident, 1)))
		fmt.Fprintf(&b, "               自然人 %d, 个体工商户 %d, published after 7 working days %d\n", p.NaturalPersons, p.Individual, p.LateDisclosures)
		fmt.Fprintf(&b, "               withdrawn: expired %d, repaired %d, revoked %d, corrected %d\n",
			p.Withdrawn[domain.ReasonExpired], p.Withdrawn[domain.ReasonRepaired], p.Withdrawn[domain.ReasonRevoked], p.Withdrawn[domain.ReasonCorrected])
	}
	q := s.Permits
	fmt.Fprintf(&b, "  permits:     %d in %v (%s), %d valid\n", q.Total, s.PermitTime.Round(time.Millisecond), rate(q.Total, s.PermitTime), q.Valid)
	return b.String()
}

// IsEmpty reports whether the database holds no penalty, permit or list
// version, so that `portal demo --if-empty` loads only into a fresh
// database.
func IsEmpty(ctx context.Context, s *store.Store) (bool, error) {
	return bulkload.IsEmpty(ctx, s)
}

// LoadIfEmpty is Load for `portal demo --if-empty`: it loads only into a
// database for which IsEmpty holds, and reports whether it did.
func LoadIfEmpty(ctx context.Context, s *store.Store, opt Options) (Summary, bool, error) {
	empty, err := IsEmpty(ctx, s)
	if err != nil || !empty {
		return Summary{}, false, err
	}
	sum, err := Load(ctx, s, opt)
	return sum, err == nil, err
}

// Load publishes the demo lists and bulk-loads the demo penalties and
// permits. A list that already has a version is left alone, so demo lists
// never replace real ones; records are always inserted, so load into an
// empty database (see IsEmpty): the same seed repeats decision numbers,
// which fails the load and writes no record.
func Load(ctx context.Context, s *store.Store, opt Options) (Summary, error) {
	opt = opt.withDefaults()
	start := time.Now()
	sum := Summary{Seed: opt.Seed, Today: domain.ChinaDate(opt.Now), AgencyCount: len(agencies)}
	w := store.WriteOptions{Demo: true}

	pub := s.Public(domain.DefaultMasking, func() time.Time { return sum.Today })
	existing := map[domain.ListKind]bool{}
	for _, k := range domain.ListKinds {
		vs, err := pub.ListVersions(ctx, k)
		if err != nil {
			return sum, fmt.Errorf("demo.Load: %w", err)
		}
		if len(vs) > 0 {
			existing[k] = true
			sum.ListsKept = append(sum.ListsKept, k)
		}
	}
	for _, in := range listVersions(opt.Seed, sum.Today) {
		if existing[in.Kind] {
			continue
		}
		if err := validateList(in); err != nil {
			return sum, fmt.Errorf("demo.Load: %s list: %w", in.Kind, err)
		}
		res, err := s.PublishList(ctx, opt.Actor, in, w)
		if err != nil {
			return sum, fmt.Errorf("demo.Load: %w", err)
		}
		sum.Lists = append(sum.Lists, res)
		if in.Kind == domain.ListPowers {
			sum.PowerItems = len(in.Powers)
		}
	}

	pg := newPenaltyGen(opt.Seed, opt.Penalties, opt.Now, opt.AllPublic)
	t := time.Now()
	if _, err := bulkload.Penalties(ctx, s, opt.Actor, pg.next, w); err != nil {
		return sum, fmt.Errorf("demo.Load: %w", err)
	}
	sum.PenaltyTime, sum.Penalties = time.Since(t), pg.stats

	qg := newPermitGen(opt.Seed, opt.Permits, opt.Now, opt.AllPublic)
	t = time.Now()
	if _, err := bulkload.Permits(ctx, s, opt.Actor, qg.next, w); err != nil {
		return sum, fmt.Errorf("demo.Load: %w", err)
	}
	sum.PermitTime, sum.Permits = time.Since(t), qg.stats
	sum.Elapsed = time.Since(start)
	return sum, nil
}

func validateList(in store.ListInput) error {
	if errs := in.Validate(); len(errs) > 0 {
		return errs
	}
	return nil
}
