package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The portal never links Graphviz: go-graphviz compiles and instantiates
// its WebAssembly module (wazero) when a program starts, some 18 MiB of
// resident memory the server must not carry. Flowcharts are drawn by the
// flowchart command, which does link it.
func TestPortalDoesNotLinkGraphviz(t *testing.T) {
	heavy := []string{"github.com/goccy/go-graphviz", "github.com/tetratelabs/wazero"}
	for _, pkg := range heavy {
		if deps := depsOf(t, "."); hasModule(deps, pkg) {
			t.Errorf("cmd/portal depends on %s; draw flowcharts with cmd/flowchart (internal/flowchart.Renderer) instead", pkg)
		}
		if deps := depsOf(t, "../flowchart"); !hasModule(deps, pkg) {
			t.Errorf("cmd/flowchart does not depend on %s: this test no longer tells anything", pkg)
		}
	}
}

// depsOf lists the packages pkg depends on, itself included.
func depsOf(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

func hasModule(deps []string, module string) bool {
	for _, d := range deps {
		if d == module || strings.HasPrefix(d, module+"/") {
			return true
		}
	}
	return false
}
