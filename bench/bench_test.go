// Package bench holds Go benchmarks of the engine on generated projects:
//
//	go test -bench . -benchmem ./bench/
//	go test -run '^$' -bench 'ColdCompile/models=10000' -cpuprofile cpu.out ./bench/
//
// Under a plain `go test ./...` only TestSynthCompiles runs, on 50 models.
// The figures of BENCHMARKS.md come from `go run ./internal/cmd/bench`,
// which times the kiln binary itself.
package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/internal/synth"
	"github.com/kiln-dev/kiln/runner"
)

// project generates a full-shape project of n models with a profiles.yml
// that compile never connects with.
func project(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := synth.Write(dir, synth.Options{Models: n, Seed: 1, Incremental: true, Tests: true}); err != nil {
		tb.Fatal(err)
	}
	profiles := `synth:
  target: dev
  outputs:
    dev:
      type: postgres
      host: 127.0.0.1
      port: 5432
      user: postgres
      password: ""
      dbname: postgres
      schema: bench
      threads: 4
`
	if err := os.WriteFile(filepath.Join(dir, "profiles.yml"), []byte(profiles), 0o600); err != nil {
		tb.Fatal(err)
	}
	return dir
}

func engine(dir string) (*runner.Engine, runner.Options) {
	e := &runner.Engine{HomeDir: dir, Version: "bench"}
	return e, runner.Options{ProjectDir: dir, ProfilesDir: dir}
}

// TestSynthCompiles checks that a small generated project compiles: one
// compiled file per model and per YAML test, and ls lists every model and
// test.
func TestSynthCompiles(t *testing.T) {
	const n = 50
	dir := project(t, n)
	e, opts := engine(dir)
	ctx := context.Background()
	if _, err := e.Compile(ctx, opts); err != nil {
		t.Fatal(err)
	}
	compiled := 0
	err := filepath.WalkDir(filepath.Join(dir, "target", "compiled"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".sql") {
			compiled++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	const tests = (n + 3) / 4 // synth puts a not_null test on every fourth model
	if compiled != n+tests {
		t.Errorf("compile wrote %d files under target/compiled, want %d models + %d tests", compiled, n, tests)
	}
	nodes, err := e.List(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[runner.Kind]int{}
	for _, node := range nodes {
		kinds[node.Kind]++
	}
	if kinds[runner.KindModel] != n || kinds[runner.KindTest] != tests {
		t.Errorf("List returned %v, want %d models and %d tests", kinds, n, tests)
	}
}

var sizes = []int{1000, 10000}

// BenchmarkWarmCompile is a second `kiln compile` with nothing changed:
// the parse cache and the compiled files of a first compile are in place.
func BenchmarkWarmCompile(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("models=%d", n), func(b *testing.B) {
			e, opts := engine(project(b, n))
			if _, err := e.Compile(context.Background(), opts); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Compile(context.Background(), opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/model")
		})
	}
}

// BenchmarkList is `kiln ls`: parse, refs and configs, no final SQL.
func BenchmarkList(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("models=%d", n), func(b *testing.B) {
			e, opts := engine(project(b, n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.List(context.Background(), opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/model")
		})
	}
}

// BenchmarkGenerate is the generator alone, to subtract from the above.
func BenchmarkGenerate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := synth.Files(synth.Options{Models: 1000, Seed: 1, Incremental: true, Tests: true}); err != nil {
			b.Fatal(err)
		}
	}
}
