package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/gongshi/gongshi/server"
)

// root is the repository, seen from this package's directory.
const root = ".."

// thirdPartyVars are variables the deployment files may set that
// internal/config does not read, because a library or the runtime does.
var thirdPartyVars = map[string]string{
	"GOMEMLIMIT": "Go runtime: soft memory limit, from the container's memory limit",
}

// announcedVars are variables that internal/config does not read yet but
// will: the deployment files offer them (optional, or commented out) so
// that a configuration can name them today. Once internal/config reads
// one, the rules for config variables apply to it as to any other.
var announcedVars = []string{}

// sources is what the deployment files are checked against.
type sources struct {
	configVars      map[string]bool // variables internal/config reads
	getRoutes       map[string]bool // GET paths the server routes
	shutdownSeconds int             // how long portal serve waits for requests in flight
	readme          string          // deploy/README.md
	baseText        string          // every file of kubernetes/base, comments included
}

func loadSources(t testing.TB) sources {
	t.Helper()
	return sources{
		configVars:      configVars(t),
		getRoutes:       getRoutes(),
		shutdownSeconds: shutdownSeconds(t),
		readme:          readFile(t, "README.md"),
		baseText:        dirText(t, "kubernetes/base"),
	}
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func dirText(t testing.TB, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range entries {
		if !e.IsDir() {
			b.WriteString(readFile(t, filepath.Join(dir, e.Name())))
		}
	}
	return b.String()
}

var envName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$`)

// configVars lists the environment variables internal/config reads: the
// string literals of its non-test files spelled like variable names.
func configVars(t testing.TB) map[string]bool {
	t.Helper()
	dir := filepath.Join(root, "internal", "config")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && envName.MatchString(s) {
					vars[s] = true
				}
			}
			return true
		})
	}
	// A guard against reading the wrong thing: these have been there
	// from the start.
	for _, v := range []string{"DATABASE_URL", "REDIS_URL", "MEILI_URL", "MEILI_MASTER_KEY", "PORTAL_ADDR", "PORTAL_SNAPSHOT_DIR"} {
		if !vars[v] {
			t.Fatalf("found no %s in %s: %v", v, dir, vars)
		}
	}
	return vars
}

// allowedVar says whether a deployment file may set name.
func (s sources) allowedVar(name string) bool {
	if s.configVars[name] || thirdPartyVars[name] != "" {
		return true
	}
	return slices.Contains(announcedVars, name)
}

// getRoutes lists the GET paths of the server's route table.
func getRoutes() map[string]bool {
	h := server.New(server.Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	out := map[string]bool{}
	for _, r := range server.Routes(h) {
		if r.Method == "GET" {
			out[r.Path] = true
		}
	}
	return out
}

// shutdownSeconds reads how long portal serve lets requests in flight
// finish after SIGTERM: the timeout of the context its http.Server's
// Shutdown gets.
func shutdownSeconds(t testing.TB) int {
	t.Helper()
	re := regexp.MustCompile(`(?s)context\.WithTimeout\(context\.Background\(\),\s*(\d+)\s*\*\s*time\.Second\)\s*\n.*?\.Shutdown\(`)
	files, _ := filepath.Glob(filepath.Join(root, "internal", "cli", "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		if m := re.FindStringSubmatch(readFile(t, f)); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	t.Fatal("cannot find the HTTP server's shutdown timeout in internal/cli (context.WithTimeout(context.Background(), N*time.Second) before Shutdown): update shutdownSeconds")
	return 0
}

// makeBuilds are the commands `make build` builds: the package of each
// `go build -o OUT ./pkg` line of the build target, by the base name of
// OUT.
func makeBuilds(t testing.TB) map[string]string {
	t.Helper()
	target := regexp.MustCompile(`(?m)^build:.*\n((?:\t.*\n)*)`).FindStringSubmatch(readFile(t, filepath.Join(root, "Makefile")))
	if target == nil {
		t.Fatal("Makefile: no build target")
	}
	builds := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\tgo build .*-o (\S+) (\./\S+)\s*$`).FindAllStringSubmatch(target[1], -1) {
		builds[filepath.Base(m[1])] = m[2]
	}
	if builds["portal"] != "./cmd/portal" {
		t.Fatalf("Makefile: the build target does not build bin/portal from ./cmd/portal (`go build -o bin/portal ./cmd/portal`): %v", builds)
	}
	return builds
}

// goMinor is the go directive of go.mod, as major.minor.
func goMinor(t testing.TB) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindStringSubmatch(readFile(t, filepath.Join(root, "go.mod")))
	if m == nil {
		t.Fatal("go.mod: no go directive")
	}
	return m[1]
}
