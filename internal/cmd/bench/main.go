// Command bench measures kiln on generated projects and prints the figures
// of BENCHMARKS.md as Markdown tables. Run it from the repository:
//
//	go run ./internal/cmd/bench -pg
//
// It builds the kiln binary once, generates projects with internal/synth,
// and times the binary as a user would run it: cold `kiln compile` (no
// target/ directory) with the child's peak resident memory, `kiln ls`, a
// warm `kiln compile` (nothing changed since the last one) and
// `kiln --version`. With -pg it starts PostgreSQL (internal/pgtest), runs
// a project of trivial views with `kiln run --threads 4`, and replays the
// same views through one pgx connection in DAG order, the hand-written
// limit kiln is compared with.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type config struct {
	sizes   []int
	runs    int
	seed    int64
	pg      bool
	views   int
	threads int
	kiln    string // an existing binary; "" builds one
	keep    bool
	out     io.Writer
}

func main() {
	var (
		c       config
		sizes   = flag.String("sizes", "1000,10000,50000", "comma-separated project sizes (models) for the compile figures")
		quick   = flag.Bool("quick", false, "a tiny run for CI: 100 models, 50 views, one run of each")
		workDir = flag.String("dir", "", "an empty or new directory to generate projects in, kept afterwards (default: a temporary directory, removed)")
	)
	flag.IntVar(&c.runs, "runs", 3, "runs of each timing; the median is printed")
	flag.Int64Var(&c.seed, "seed", 1, "seed of the generated projects")
	flag.BoolVar(&c.pg, "pg", false, "include the PostgreSQL figures (starts a throwaway server unless KILN_TEST_DATABASE_URL is set)")
	flag.IntVar(&c.views, "views", 1000, "trivial views in the -pg run")
	flag.IntVar(&c.threads, "threads", 4, "--threads of the -pg kiln run")
	flag.StringVar(&c.kiln, "kiln", "", "time this kiln binary instead of building ./cmd/kiln")
	flag.BoolVar(&c.keep, "keep", false, "keep the generated projects")
	flag.Parse()
	c.out = os.Stdout

	if *quick {
		*sizes, c.views, c.runs = "100", 50, 1
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fatalf("-sizes: %q is not a positive number", s)
		}
		c.sizes = append(c.sizes, n)
	}
	if c.runs < 1 {
		fatalf("-runs must be at least 1")
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c, *workDir); err != nil {
		fatalf("%v", err)
	}
}

func run(ctx context.Context, c config, workDir string) error {
	dir := workDir
	if dir == "" {
		d, err := os.MkdirTemp("", "kiln-bench-")
		if err != nil {
			return err
		}
		dir = d
		if !c.keep {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if c.kiln == "" {
		bin, err := buildKiln(ctx, dir)
		if err != nil {
			return err
		}
		c.kiln = bin
	}
	fmt.Fprintf(c.out, "kiln bench, %s, %s/%s, %d CPUs, median of %d runs, projects in %s (%s), load average %s\n\n",
		time.Now().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), c.runs, dir, fsName(dir), loadAvg())

	if err := versionFigure(ctx, c); err != nil {
		return err
	}
	if err := compileFigures(ctx, c, dir); err != nil {
		return err
	}
	if c.pg {
		if err := pgFigures(ctx, c, dir); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.out, "load average at the end: %s (other work on the machine slows wall times; CPU time is steadier)\n", loadAvg())
	if c.keep {
		fmt.Fprintf(c.out, "projects kept in %s\n", dir)
	}
	return nil
}

// buildKiln builds ./cmd/kiln of the module that holds the working
// directory into dir.
func buildKiln(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run bench from inside the kiln module (go run ./internal/cmd/bench)")
	}
	bin := filepath.Join(dir, "kiln")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/kiln")
	build.Dir = filepath.Dir(gomod)
	if out, err := build.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/kiln: %v\n%s", err, out)
	}
	return bin, nil
}

// loadAvg is the 1, 5 and 15 minute load average, as /proc/loadavg has it.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}
