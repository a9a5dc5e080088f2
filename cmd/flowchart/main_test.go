package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	dot := `digraph "g" { a [label="受理"]; b [label="决定"]; a -> b [label="符合"]; }`
	if err := run(context.Background(), strings.NewReader(dot), &out); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "<svg") || !strings.Contains(s, ">受理</text>") || !strings.HasSuffix(strings.TrimSpace(s), "</svg>") {
		t.Errorf("not the graph as SVG: %.300s", s)
	}
	for name, in := range map[string]string{
		"empty":    " \n",
		"not dot":  "digraph {",
		"too long": "digraph { " + strings.Repeat("a -> b; ", maxInput/8) + "}",
	} {
		out.Reset()
		if err := run(context.Background(), strings.NewReader(in), &out); err == nil {
			t.Errorf("%s: no error", name)
		}
		if out.Len() != 0 {
			t.Errorf("%s: wrote %d bytes on failure", name, out.Len())
		}
	}
}
