package cli

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gongshi/gongshi/internal/demo"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/importer"
	"github.com/gongshi/gongshi/internal/store"
)

func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags("import", e.stderr)
	var maps stringList
	fs.Var(&maps, "map", "map columns: target=source,… (target: standard code or label; -=source ignores a column)")
	rejects := fs.String("skip-invalid", "", "write the valid rows and the rejected rows, with reasons, to this CSV file")
	format := fs.String("format", "", "csv, xlsx or json (default: from the file name)")
	effective := fs.String("effective", "", "lists: effective date YYYY-MM-DD (default today)")
	note := fs.String("note", "", "lists: what this version changes")
	dryRun := fs.Bool("dry-run", false, "lists: print what the file adds, changes and removes, and write nothing")
	allowRemovals := fs.Bool("allow-removals", false, "lists: publish even if the file removes more than a quarter of the items")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("want: import %s FILE", kindNames())
	}
	kind, err := importer.ParseKind(pos[0])
	if err != nil {
		return usageError{err.Error()}
	}
	rules, err := publicityRules(e)
	if err != nil {
		return err
	}
	opt := importer.Options{
		Kind: kind, Path: pos[1], Format: importer.Format(*format), Map: maps,
		SkipInvalid: *rejects != "", RejectsPath: *rejects,
		Actor: store.Actor{Name: "cli:import"}, Now: now(), Rules: rules, Note: *note,
		DryRun: *dryRun, AllowRemovals: *allowRemovals,
		DefaultFlow: func(_ domain.ListKind, category string) domain.Flow {
			if category == "" {
				category = domain.ServiceCategory
			}
			return domain.StandardFlow(category)
		},
	}
	if *effective != "" {
		d, err := time.Parse(domain.DateLayout, *effective)
		if err != nil {
			return usagef("--effective: want YYYY-MM-DD, got %q", *effective)
		}
		opt.EffectiveDate = d
	}
	s, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := importer.Run(ctx, opt, s)
	if err != nil {
		if errors.Is(err, importer.ErrUsage) {
			return usageError{err.Error()}
		}
		return err
	}
	fmt.Fprintln(e.stdout, rep.Summary())
	printChanges(e, rep)
	for _, p := range rep.Problems {
		fmt.Fprintln(e.stderr, p.String())
	}
	return nil
}

// printChanges lists a list import's changes, one a line: "+ code name"
// added, "~" changed, "- code name" removed: always for a dry run, and for
// a publish that removed items.
func printChanges(e *env, rep importer.Report) {
	if !rep.DryRun && rep.Removed == 0 {
		return
	}
	marks := map[string]string{"added": "+", "changed": "~", "removed": "-"}
	for _, ch := range rep.Changes {
		fmt.Fprintf(e.stdout, "%s %s %s\n", marks[ch.Change], ch.Code, ch.Name)
	}
}

func kindNames() string {
	names := make([]string, len(importer.Kinds))
	for i, k := range importer.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, "|")
}

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags("demo", e.stderr)
	ifEmpty := fs.Bool("if-empty", false, "load only when the database holds no records yet")
	penalties := fs.Int("penalties", demo.DefaultPenalties, "number of penalties")
	permits := fs.Int("permits", demo.DefaultPermits, "number of permits")
	seed := fs.Uint64("seed", demo.DefaultSeed, "random seed (the same seed and day give the same data)")
	allPublic := fs.Bool("all-public", false, "keep every record public: decisions of the last 60 days, none withdrawn (benchmark data)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo takes no arguments, got %q", pos)
	}
	if *penalties < 0 || *permits < 0 {
		return usagef("--penalties and --permits must not be negative")
	}
	if err := store.Migrate(ctx, e.cfg.DatabaseURL); err != nil {
		return err
	}
	s, err := store.Open(ctx, e.cfg.DatabaseURL, store.Options{})
	if err != nil {
		return err
	}
	defer s.Close()
	// The load keeps only a few chunks of rows live (tens of MiB) but
	// allocates fast: collecting only when the heap reaches 256 MiB, instead
	// of at every doubling, leaves the CPU to the load.
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(256 << 20)
	opt := demo.Options{Penalties: orNone(*penalties), Permits: orNone(*permits), Seed: *seed, Now: now(), AllPublic: *allPublic}
	if *ifEmpty {
		sum, loaded, err := demo.LoadIfEmpty(ctx, s, opt)
		if err != nil {
			return err
		}
		if !loaded {
			fmt.Fprintln(e.stdout, "demo: the database already holds records; nothing loaded")
			return nil
		}
		fmt.Fprintln(e.stdout, sum)
		return loadEnforcementDemo(ctx, e, s, opt)
	}
	sum, err := demo.Load(ctx, s, opt)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, sum)
	return loadEnforcementDemo(ctx, e, s, opt)
}

// loadEnforcementDemo adds the demo enforcement records, which follow the
// demo penalties; benchmark data (--all-public) has none.
func loadEnforcementDemo(ctx context.Context, e *env, s *store.Store, opt demo.Options) error {
	if opt.AllPublic {
		return nil
	}
	sum, err := demo.LoadEnforcement(ctx, s, opt)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, sum)
	return nil
}

// orNone maps a requested count of 0 to demo's "none" (a negative count).
func orNone(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
