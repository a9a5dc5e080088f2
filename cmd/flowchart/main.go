// Command flowchart reads one Graphviz DOT graph on stdin and writes it
// laid out by dot, as SVG, on stdout; nothing else. The portal runs it
// (internal/flowchart) to draw the 办理流程 of list items, so that
// Graphviz — embedded as WebAssembly by go-graphviz, which compiles and
// instantiates its module when the program starts — lives in a short
// process of its own and not in the long-running server.
//
// Errors are written to stderr and exit with status 1; input larger than
// 1 MiB is refused.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/goccy/go-graphviz"
)

// maxInput is the largest DOT graph accepted: a flowchart of a list item
// is a few kilobytes.
const maxInput = 1 << 20

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: flowchart < graph.dot > graph.svg")
		os.Exit(2)
	}
	if err := run(ctx, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "flowchart:", err)
		os.Exit(1)
	}
}

// run lays out the DOT graph read from in and writes it to out as SVG.
func run(ctx context.Context, in io.Reader, out io.Writer) error {
	dot, err := io.ReadAll(io.LimitReader(in, maxInput+1))
	if err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	if len(dot) > maxInput {
		return fmt.Errorf("the graph is larger than %d bytes", maxInput)
	}
	if len(bytes.TrimSpace(dot)) == 0 {
		return errors.New("no graph on stdin")
	}
	svg, err := render(ctx, dot)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	if _, err := w.Write(svg); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	return nil
}

// render lays out dot with Graphviz's dot engine as SVG.
func render(ctx context.Context, dot []byte) ([]byte, error) {
	gv, err := graphviz.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("start graphviz: %w", err)
	}
	defer gv.Close()
	graph, err := graphviz.ParseBytes(dot)
	if err != nil {
		return nil, fmt.Errorf("parse dot: %w", err)
	}
	defer graph.Close()
	var buf bytes.Buffer
	if err := gv.Render(ctx, graph, graphviz.SVG, &buf); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return buf.Bytes(), nil
}
