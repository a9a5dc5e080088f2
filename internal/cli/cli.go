// Package cli implements the portal command's subcommands; each one reads
// the configuration once, wires the packages it needs and runs.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/gongshi/gongshi/internal/cache"
	"github.com/gongshi/gongshi/internal/config"
	"github.com/gongshi/gongshi/internal/domain"
	"github.com/gongshi/gongshi/internal/store"
	"github.com/gongshi/gongshi/server"
)

type command struct {
	summary string
	run     func(ctx context.Context, env *env, args []string) error
}

var commands = map[string]command{
	"serve":   {"run the HTTP server (and, unless --no-indexer, the indexer)", runServe},
	"index":   {"run the search indexer alone (--rebuild: rebuild every index)", runIndex},
	"migrate": {"apply or roll back database migrations: up | down [--all] | status", runMigrate},
	"import":  {"import a file: import penalties|permits|powers|responsibilities|public-services FILE", runImport},
	"demo":    {"load deterministic demo data (示例数据)", runDemo},
	"keys":    {"manage API keys: create --scope S --name N | list | revoke NAME", runKeys},
}

// env carries what every subcommand shares.
type env struct {
	cfg    config.Config
	log    *slog.Logger
	stdout io.Writer
	stderr io.Writer
}

// now is the current time in China Standard Time (domain.China).
func now() time.Time { return time.Now().In(domain.China) }

// Main runs the subcommand named by args[0] and returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "portal: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	cfg, err := config.Load()
	if err != nil {
		fmt.Fprintf(stderr, "portal: configuration: %v\n", err)
		return 2
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	server.ReleaseMode()
	cache.SetLogger(log)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err = cmd.run(ctx, &env{cfg: cfg, log: log, stdout: stdout, stderr: stderr}, args[1:])
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "portal %s: %v\n", args[0], err)
		return 2
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintf(stderr, "portal %s: %v\n", args[0], err)
		return 1
	}
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: portal <command> [flags]")
	fmt.Fprintln(w)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nConfiguration comes from the environment: see README.md.")
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("portal "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses flags that may come before or after positional
// arguments, returning the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func openStore(ctx context.Context, e *env) (*store.Store, error) {
	return store.Open(ctx, e.cfg.DatabaseURL, store.Options{StatementTimeout: e.cfg.StatementTimeout})
}

// publicityRules reads PORTAL_PUBLICITY_RULES, or returns the defaults.
func publicityRules(e *env) (domain.PublicityRules, error) {
	if e.cfg.PublicityRules == "" {
		return domain.DefaultPublicityRules(), nil
	}
	f, err := os.Open(e.cfg.PublicityRules)
	if err != nil {
		return domain.PublicityRules{}, fmt.Errorf("PORTAL_PUBLICITY_RULES: %w", err)
	}
	defer f.Close()
	r, err := domain.LoadPublicityRules(f)
	if err != nil {
		return domain.PublicityRules{}, fmt.Errorf("PORTAL_PUBLICITY_RULES %s: %w", e.cfg.PublicityRules, err)
	}
	return r, nil
}

// calendar reads PORTAL_CALENDAR (extra holidays and make-up working
// days over the built-in ones), or returns the built-in calendar.
func calendar(e *env) (domain.Calendar, error) {
	if e.cfg.Calendar == "" {
		return domain.DefaultCalendar(), nil
	}
	f, err := os.Open(e.cfg.Calendar)
	if err != nil {
		return domain.Calendar{}, fmt.Errorf("PORTAL_CALENDAR: %w", err)
	}
	defer f.Close()
	c, err := domain.LoadCalendar(f)
	if err != nil {
		return domain.Calendar{}, fmt.Errorf("PORTAL_CALENDAR %s: %w", e.cfg.Calendar, err)
	}
	return c, nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags("migrate", e.stderr)
	all := fs.Bool("all", false, "with down: roll back every migration")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one of up, down, status")
	}
	m, err := store.NewMigrator(e.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer m.Close()
	switch pos[0] {
	case "up":
		if err := m.Up(ctx); err != nil {
			return err
		}
		return m.Status(ctx, e.stdout)
	case "down":
		if err := m.Down(ctx, *all); err != nil {
			return err
		}
		return m.Status(ctx, e.stdout)
	case "status":
		return m.Status(ctx, e.stdout)
	}
	return usagef("unknown migrate action %q; want up, down or status", pos[0])
}

func runKeys(ctx context.Context, e *env, args []string) error {
	fs := newFlags("keys", e.stderr)
	name := fs.String("name", "", "key name (create)")
	var scopes stringList
	fs.Var(&scopes, "scope", "scope to grant, repeatable or comma-separated: "+strings.Join(store.Scopes, ", "))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("want create, list or revoke")
	}
	s, err := openStore(ctx, e)
	if err != nil {
		return err
	}
	defer s.Close()
	switch pos[0] {
	case "create":
		k, secret, err := s.CreateKey(ctx, *name, scopes)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "created key %q (id %d, scopes %s); the secret below is shown only once\n",
			k.Name, k.ID, strings.Join(k.Scopes, ","))
		fmt.Fprintln(e.stdout, secret)
		return nil
	case "list":
		keys, err := s.ListKeys(ctx)
		if err != nil {
			return err
		}
		for _, k := range keys {
			state := "active"
			if k.RevokedAt != nil {
				state = "revoked " + k.RevokedAt.Format(time.DateOnly)
			}
			fmt.Fprintf(e.stdout, "%-20s gs_%s_…  %-24s %s\n", k.Name, k.Prefix, strings.Join(k.Scopes, ","), state)
		}
		return nil
	case "revoke":
		if len(pos) != 2 {
			return usagef("want: keys revoke NAME")
		}
		return s.RevokeKey(ctx, pos[1])
	}
	return usagef("unknown keys action %q", pos[0])
}

// stringList is a repeatable, comma-separated flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}
