// Command example runs kiln on models_example against a real PostgreSQL:
// the server named by KILN_TEST_DATABASE_URL, or else a throwaway cluster
// started from the PostgreSQL server binaries and removed afterwards.
//
//	go run ./internal/cmd/example
//
// It loads models_example/fixtures/*.sql into the schema analytics_raw,
// builds ./cmd/kiln and runs `kiln build --project-dir models_example` with
// PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE and KILN_SCHEMA pointing at
// that server (models_example/profiles.yml reads them), then prints the first
// days of analytics.kpi_daily_revenue. It exits with kiln's exit code, or 2
// when it could not get that far.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/internal/pgtest"
)

const (
	projectDir = "models_example"
	schema     = "analytics" // the profile's target schema (KILN_SCHEMA)
	rawSchema  = schema + "_raw"
)

func main() {
	os.Exit(run(context.Background(), os.Stdout, os.Stderr))
}

func run(ctx context.Context, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	fail := func(err error) int {
		fmt.Fprintln(stderr, "example:", err)
		return 2
	}

	root, err := repoRoot()
	if err != nil {
		return fail(err)
	}
	srv, err := pgtest.Open(ctx)
	if err != nil {
		return fail(err)
	}
	defer srv.Stop()
	cfg, err := pgx.ParseConfig(srv.URL)
	if err != nil {
		return fail(fmt.Errorf("%s: %w", pgtest.EnvURL, err))
	}
	if err := loadFixtures(ctx, cfg, filepath.Join(root, projectDir, "fixtures")); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "example: raw events loaded into %s on %s:%d; running kiln\n", rawSchema, cfg.Host, cfg.Port)

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
	cmd := exec.Command(kiln, "build", "--project-dir", projectDir)
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, stdout, stderr
	cmd.Env = kilnEnv(srv.URL, cfg)
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			return exit.ExitCode()
		}
		fmt.Fprintln(stderr, "example: kiln:", err)
		return 1
	}

	if err := printRevenue(ctx, cfg, stdout); err != nil {
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

// loadFixtures (re)creates the raw schema's tables from the fixture files,
// each run with search_path set to the raw schema.
func loadFixtures(ctx context.Context, cfg *pgx.ConnConfig, dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no fixtures in %s", dir)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	raw := pgx.Identifier{rawSchema}.Sanitize()
	if _, err := conn.Exec(ctx, "create schema if not exists "+raw+"; set search_path = "+raw); err != nil {
		return err
	}
	for _, f := range files {
		sql, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, string(sql)); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// kilnEnv is this process's environment with the connection settings that
// models_example/profiles.yml reads replaced by the server's.
func kilnEnv(serverURL string, cfg *pgx.ConnConfig) []string {
	set := map[string]string{
		"PGHOST":      cfg.Host,
		"PGPORT":      strconv.Itoa(int(cfg.Port)),
		"PGUSER":      cfg.User,
		"PGPASSWORD":  cfg.Password,
		"PGDATABASE":  cfg.Database,
		"KILN_SCHEMA": schema,
	}
	if u, err := url.Parse(serverURL); err == nil && u.Query().Get("sslmode") != "" {
		set["PGSSLMODE"] = u.Query().Get("sslmode")
	}
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
func printRevenue(ctx context.Context, cfg *pgx.ConnConfig, w io.Writer) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `select cast(day as text), cast(orders as text), cast(gross as text),
		cast(refunds as text), cast(net as text), cast(new_users as text)
		from `+pgx.Identifier{schema, "kpi_daily_revenue"}.Sanitize()+` order by day limit 3`)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s.kpi_daily_revenue, first days:\n", schema)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "day\torders\tgross\trefunds\tnet\tnew_users\t")
	var day, orders, gross, refunds, net, users string
	_, err = pgx.ForEachRow(rows, []any{&day, &orders, &gross, &refunds, &net, &users}, func() error {
		_, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", day, orders, gross, refunds, net, users)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Flush()
}
