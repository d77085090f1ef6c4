// Command example runs kiln on models_example. By default the warehouse is
// a DuckDB file, models_example/kiln_example.duckdb (or $KILN_DUCKDB_PATH):
// nothing to install or start. With -postgres, or when
// KILN_TEST_DATABASE_URL is set, it is a real PostgreSQL: the server named
// by KILN_TEST_DATABASE_URL, or else a throwaway cluster started from the
// PostgreSQL server binaries and removed afterwards.
//
//	go run ./internal/cmd/example             # DuckDB
//	go run ./internal/cmd/example -postgres   # PostgreSQL
//
// It loads models_example/fixtures/*.sql into the schema analytics_raw,
// builds ./cmd/kiln and runs `kiln build --project-dir models_example`
// against the profile's target for that warehouse (local or postgres), with
// the environment variables models_example/profiles.yml reads pointing at
// it, then prints the first days of analytics.kpi_daily_revenue. It exits
// with kiln's exit code, or 2 when it could not get that far.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/kiln-dev/kiln/internal/pgtest"
)

const (
	projectDir = "models_example"
	schema     = "analytics" // the profile's target schema (KILN_SCHEMA on PostgreSQL)
	rawSchema  = schema + "_raw"
)

// warehouse is where the example is built.
type warehouse interface {
	// load runs each fixture file with rawSchema, created if needed, as the
	// default schema.
	load(ctx context.Context, files []string) error
	// target is the output of models_example/profiles.yml to use, and env
	// the variables that output reads.
	target() string
	env() map[string]string
	// query runs sql and returns its rows, every value as text.
	query(ctx context.Context, sql string) ([][]string, error)
	// String says where it is, for messages.
	String() string
	close()
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fail := func(err error) int {
		fmt.Fprintln(stderr, "example:", err)
		return 2
	}

	flags := flag.NewFlagSet("example", flag.ContinueOnError)
	flags.SetOutput(stderr)
	usePG := flags.Bool("postgres", os.Getenv(pgtest.EnvURL) != "",
		"build on PostgreSQL: "+pgtest.EnvURL+", or a throwaway cluster (default when "+pgtest.EnvURL+" is set)")
	if err := flags.Parse(args); err != nil {
		return 2
	}

	root, err := repoRoot()
	if err != nil {
		return fail(err)
	}
	var w warehouse
	if *usePG {
		w, err = openPostgres(ctx)
	} else {
		w, err = openDuckDB(filepath.Join(root, projectDir))
	}
	if err != nil {
		return fail(err)
	}
	defer w.close()

	files, err := filepath.Glob(filepath.Join(root, projectDir, "fixtures", "*.sql"))
	if err != nil {
		return fail(err)
	}
	if len(files) == 0 {
		return fail(fmt.Errorf("no fixtures in %s", filepath.Join(root, projectDir, "fixtures")))
	}
	if err := w.load(ctx, files); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "example: raw events loaded into %s in %s; running kiln\n", rawSchema, w)

	// Built, not `go run`: go run reports any non-zero exit as 1, and kiln's
	// 1 (a model failed) and 2 (project or command line wrong) differ.
	bin, err := os.MkdirTemp("", "kiln-example-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(bin)
	kiln := filepath.Join(bin, "kiln")
	build := exec.CommandContext(ctx, "go", "build", "-o", kiln, "./cmd/kiln")
	build.Dir, build.Stdout, build.Stderr = root, stderr, stderr
	if err := build.Run(); err != nil {
		return fail(fmt.Errorf("go build ./cmd/kiln: %w", err))
	}

	// Not tied to ctx: kiln is in our process group, so a Ctrl-C reaches it
	// directly, and it stops cleanly on its own (a second signal from us
	// would make it exit at once).
	cmd := exec.Command(kiln, "build", "--project-dir", projectDir, "--target", w.target())
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, stdout, stderr
	cmd.Env = kilnEnv(w.env())
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			return exit.ExitCode()
		}
		fmt.Fprintln(stderr, "example: kiln:", err)
		return 1
	}

	if err := printRevenue(ctx, w, stdout); err != nil {
		fmt.Fprintln(stderr, "example:", err)
		return 1
	}
	return 0
}

// repoRoot is the nearest directory at or above the working directory that
// holds go.mod and the example project.
func repoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		_, errMod := os.Stat(filepath.Join(dir, "go.mod"))
		_, errProj := os.Stat(filepath.Join(dir, projectDir, "dbt_project.yml"))
		if errMod == nil && errProj == nil {
			return dir, nil
		}
		if dir == filepath.Dir(dir) {
			return "", fmt.Errorf("no %s/dbt_project.yml at or above %s: run from the kiln repository", projectDir, wd)
		}
	}
}

// kilnEnv is this process's environment with the variables of set replaced.
func kilnEnv(set map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		// DBT_PROFILES_DIR would win over models_example/profiles.yml.
		if _, ok := set[name]; !ok && name != "DBT_PROFILES_DIR" {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

// printRevenue shows the first days of the daily revenue table kiln built.
func printRevenue(ctx context.Context, w warehouse, out io.Writer) error {
	rows, err := w.query(ctx, `select cast(day as varchar), cast(orders as varchar), cast(gross as varchar),
		cast(refunds as varchar), cast(net as varchar), cast(new_users as varchar)
		from `+schema+`.kpi_daily_revenue order by day limit 3`)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%s.kpi_daily_revenue, first days:\n", schema)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "day\torders\tgross\trefunds\tnet\tnew_users\t")
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t")+"\t")
	}
	return tw.Flush()
}
