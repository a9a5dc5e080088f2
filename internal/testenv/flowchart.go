package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	flowchartOnce sync.Once
	flowchartBin  string
	flowchartErr  error
)

// BuildFlowchart builds the flowchart command (cmd/flowchart) once per
// test binary into a temporary directory and returns its path.
func BuildFlowchart() (string, error) {
	flowchartOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gongshi-flowchart-")
		if err != nil {
			flowchartErr = err
			return
		}
		flowchartBin = filepath.Join(dir, "flowchart")
		flowchartErr = goBuild(dir, "./cmd/flowchart")
	})
	return flowchartBin, flowchartErr
}

// FlowchartBin is BuildFlowchart for a test, which fails when the build
// does.
func FlowchartBin(tb testing.TB) string {
	tb.Helper()
	p, err := BuildFlowchart()
	if err != nil {
		tb.Fatalf("testenv: build flowchart: %v", err)
	}
	return p
}

// FlowchartOnPath builds the flowchart command and puts its directory
// first on $PATH, where a flowchart.Renderer with the default options
// finds it (a deployment's portal finds it beside its own executable):
// call it from the TestMain of a package whose in-process servers draw
// flowcharts. A failed build ends the test binary.
func FlowchartOnPath() {
	p, err := BuildFlowchart()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: build flowchart: %v\n", err)
		os.Exit(1)
	}
	os.Setenv("PATH", filepath.Dir(p)+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// removeBuilds removes the directories of the commands PortalBin and
// BuildFlowchart built.
func removeBuilds() {
	for _, bin := range []string{portalBin, flowchartBin} {
		if bin != "" {
			os.RemoveAll(filepath.Dir(bin))
		}
	}
}
