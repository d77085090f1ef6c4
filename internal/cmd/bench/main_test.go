package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestQuick runs the whole benchmark at the size -quick uses, PostgreSQL
// figures included, so that CI keeps it working. It checks that every
// table was printed, not any figure: timings are for BENCHMARKS.md.
func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kiln and starts PostgreSQL")
	}
	var out bytes.Buffer
	c := config{sizes: []int{100}, runs: 1, seed: 1, pg: true, views: 50, threads: 4, out: &out}
	if err := run(context.Background(), c, t.TempDir()); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
		"kiln --version: ",
		"| 100 | 25 | ",
		"| `kiln run --threads 4` | ",
		"| ratio kiln run / hand-written | ",
		"Full-shape project, 50 models",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the output has no %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "FAILED") {
		t.Errorf("a run failed:\n%s", out.String())
	}
}
