package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/dag"
	"github.com/kiln-dev/kiln/internal/pgtest"
	"github.com/kiln-dev/kiln/internal/synth"
)

// pgFigures times `kiln run` of trivial views against the same views
// created through one connection, and runs a full-shape project twice.
func pgFigures(ctx context.Context, c config, work string) error {
	srv, err := pgtest.Open(ctx)
	if err != nil {
		return err
	}
	defer srv.Stop()
	cc, err := pgx.ParseConfig(srv.URL)
	if err != nil {
		return err
	}
	admin, err := pgx.Connect(ctx, srv.URL)
	if err != nil {
		return err
	}
	defer admin.Close(context.WithoutCancel(ctx))
	var pgVersion string
	if err := admin.QueryRow(ctx, "show server_version").Scan(&pgVersion); err != nil {
		return err
	}
	base := profile{Host: cc.Host, Port: int(cc.Port), User: cc.User, Password: cc.Password, DBName: cc.Database, Threads: c.threads}
	stamp := time.Now().Unix()

	// Trivial views: kiln against the hand-written limit.
	dir := filepath.Join(work, fmt.Sprintf("views-%d", c.views))
	if err := synth.Write(dir, synth.Options{Models: c.views, Seed: c.seed, Trivial: true}); err != nil {
		return err
	}
	p := base
	p.Schema = fmt.Sprintf("bench_views_%d", stamp)
	if err := writeProfile(dir, p); err != nil {
		return err
	}
	dropSchema := func() error {
		_, err := admin.Exec(ctx, "drop schema if exists "+pgx.Identifier{p.Schema}.Sanitize()+" cascade")
		return err
	}
	runArgs := []string{"run", "--threads", strconv.Itoa(c.threads), "--project-dir", ".", "--profiles-dir", "."}
	var fresh, again, hand, replay []time.Duration
	for range c.runs {
		if err := dropSchema(); err != nil {
			return err
		}
		s, err := kiln(ctx, c.kiln, dir, runArgs...)
		if err != nil {
			return err
		}
		fresh = append(fresh, s.Wall)
		if s, err = kiln(ctx, c.kiln, dir, runArgs...); err != nil {
			return err
		}
		again = append(again, s.Wall)
	}
	var compiles []time.Duration
	for range c.runs {
		s, err := kiln(ctx, c.kiln, dir, "compile", "--project-dir", ".", "--profiles-dir", ".")
		if err != nil {
			return err
		}
		compiles = append(compiles, s.Wall)
	}
	var views int
	if err := admin.QueryRow(ctx, "select count(*) from pg_views where schemaname = $1", p.Schema).Scan(&views); err != nil {
		return err
	}
	if views != c.views {
		return fmt.Errorf("kiln run left %d views in %s, want %d", views, p.Schema, c.views)
	}
	nodes, err := readManifest(dir)
	if err != nil {
		return err
	}
	for range c.runs {
		if err := dropSchema(); err != nil {
			return err
		}
		d, err := handWritten(ctx, srv.URL, p.Schema, nodes)
		if err != nil {
			return err
		}
		hand = append(hand, d)
	}
	var sent, left int
	for range c.runs {
		if err := dropSchema(); err != nil {
			return err
		}
		d, s, l, err := replayRun(ctx, srv.URL, dir, p.Schema, nodes)
		if err != nil {
			return err
		}
		replay, sent, left = append(replay, d), s, l
	}
	if err := dropSchema(); err != nil {
		return err
	}
	k, h := medianDur(fresh), medianDur(hand)
	fmt.Fprintf(c.out, "PostgreSQL %s, %s trivial views (a fresh schema each time unless said)\n\n", pgVersion, thousands(c.views))
	fmt.Fprintln(c.out, "| what | wall |")
	fmt.Fprintln(c.out, "|---|---:|")
	fmt.Fprintf(c.out, "| `kiln run --threads %d` | %s |\n", c.threads, secs(k))
	fmt.Fprintf(c.out, "| `kiln run --threads %d`, views already there | %s |\n", c.threads, secs(medianDur(again)))
	fmt.Fprintf(c.out, "| `kiln compile` of the same project (no database) | %s |\n", secs(medianDur(compiles)))
	fmt.Fprintf(c.out, "| hand-written: `create view` per model, one pgx connection, DAG order | %s |\n", secs(h))
	fmt.Fprintf(c.out, "| kiln's own statements from target/run (%s, leaving out %s with bind parameters) replayed on one pgx connection | %s |\n",
		thousands(sent), thousands(left), secs(medianDur(replay)))
	fmt.Fprintf(c.out, "| ratio kiln run / hand-written | %.2fx |\n\n", float64(k)/float64(h))

	if err := seedFigure(ctx, c, work, base, stamp, admin); err != nil {
		return err
	}
	return fullShapeRun(ctx, c, work, base, stamp, admin)
}

// seedFigure times `kiln seed` of one narrow CSV file (an integer, a short
// text, a numeric with two decimals; 1,000 rows per view of the view
// figures, so 1,000,000 by default) as a user runs it: process start,
// reading the project, checking and typing the file, COPY, the swap. The
// first run creates the table, the others replace it.
func seedFigure(ctx context.Context, c config, work string, base profile, stamp int64, admin *pgx.Conn) error {
	rows := c.views * 1000
	dir := filepath.Join(work, fmt.Sprintf("seed-%d", rows))
	if err := os.MkdirAll(filepath.Join(dir, "seeds"), 0o755); err != nil {
		return err
	}
	project := "name: synth\nprofile: synth\nconfig-version: 2\nseed-paths: [\"seeds\"]\n"
	if err := os.WriteFile(filepath.Join(dir, "dbt_project.yml"), []byte(project), 0o644); err != nil {
		return err
	}
	csv := make([]byte, 0, rows*24)
	csv = append(csv, "id,name,amount\n"...)
	for i := 1; i <= rows; i++ {
		csv = fmt.Appendf(csv, "%d,name_%d,%d.%02d\n", i, i%1000, i%100000, i%100)
	}
	if err := os.WriteFile(filepath.Join(dir, "seeds", "narrow.csv"), csv, 0o644); err != nil {
		return err
	}
	p := base
	p.Schema = fmt.Sprintf("bench_seed_%d", stamp)
	if err := writeProfile(dir, p); err != nil {
		return err
	}
	defer admin.Exec(context.WithoutCancel(ctx), "drop schema if exists "+pgx.Identifier{p.Schema}.Sanitize()+" cascade")
	var runs []sample
	for range c.runs {
		s, err := kiln(ctx, c.kiln, dir, "seed", "--project-dir", ".", "--profiles-dir", ".")
		if err != nil {
			return err
		}
		runs = append(runs, s)
	}
	var loaded int
	if err := admin.QueryRow(ctx, "select count(*) from "+pgx.Identifier{p.Schema, "narrow"}.Sanitize()).Scan(&loaded); err != nil {
		return err
	}
	if loaded != rows {
		return fmt.Errorf("kiln seed loaded %d rows, want %d", loaded, rows)
	}
	wall, cpu, rss := medians(runs)
	fmt.Fprintf(c.out, "`kiln seed` of one CSV file of %s narrow rows (%s MB), end to end: %s wall (first run, creating the table: %s), %s CPU, %d MB peak RSS: %s rows/s\n\n",
		thousands(rows), strconv.FormatFloat(float64(len(csv))/1e6, 'f', 1, 64), secs(wall), secs(runs[0].Wall), secs(cpu), rss>>20,
		thousands(int(float64(rows)/wall.Seconds())))
	return nil
}

// fullShapeRun runs a full-shape project (tables, incremental models,
// macros) twice: the second run takes the incremental branch.
func fullShapeRun(ctx context.Context, c config, work string, base profile, stamp int64, admin *pgx.Conn) error {
	dir := filepath.Join(work, fmt.Sprintf("full-%d", c.views))
	if err := synth.Write(dir, synth.Options{Models: c.views, Seed: c.seed, Incremental: true, Tests: true}); err != nil {
		return err
	}
	p := base
	p.Schema = fmt.Sprintf("bench_full_%d", stamp)
	if err := writeProfile(dir, p); err != nil {
		return err
	}
	runArgs := []string{"run", "--threads", strconv.Itoa(c.threads), "--project-dir", ".", "--profiles-dir", "."}
	// A failure here is a finding, not a reason to drop the figures above.
	first, err := kiln(ctx, c.kiln, dir, runArgs...)
	var second sample
	if err == nil {
		second, err = kiln(ctx, c.kiln, dir, runArgs...)
	}
	if _, err := admin.Exec(ctx, "drop schema if exists "+pgx.Identifier{p.Schema}.Sanitize()+" cascade"); err != nil {
		return err
	}
	if err != nil {
		fmt.Fprintf(c.out, "Full-shape project, %s models: kiln run FAILED:\n%v\n", thousands(c.views), err)
		return nil
	}
	fmt.Fprintf(c.out, "Full-shape project, %s models (views, tables, incremental models), `kiln run --threads %d`: first run %s, second run (incremental branch) %s\n",
		thousands(c.views), c.threads, secs(first.Wall), secs(second.Wall))
	return nil
}

// manifestNode is the part of a manifest.json node the replay needs.
type manifestNode struct {
	ResourceType     string `json:"resource_type"`
	OriginalFilePath string `json:"original_file_path"`
	RelationName     string `json:"relation_name"`
	Schema           string `json:"schema"`
	Alias            string `json:"alias"`
	CompiledCode     string `json:"compiled_code"`
	DependsOn        struct {
		Nodes []string `json:"nodes"`
	} `json:"depends_on"`
}

// readManifest returns the models of target/manifest.json in DAG order.
func readManifest(dir string) ([]manifestNode, error) {
	data, err := os.ReadFile(filepath.Join(dir, "target", "manifest.json"))
	if err != nil {
		return nil, err
	}
	var m struct {
		Nodes map[string]manifestNode `json:"nodes"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("target/manifest.json: %v", err)
	}
	g := dag.New[string]()
	for id, n := range m.Nodes {
		if n.ResourceType != "model" {
			continue
		}
		g.Add(id)
		for _, dep := range n.DependsOn.Nodes {
			if _, ok := m.Nodes[dep]; ok {
				g.Connect(id, dep)
			}
		}
	}
	order, err := g.Sort()
	if err != nil {
		return nil, err
	}
	out := make([]manifestNode, len(order))
	for i, id := range order {
		out[i] = m.Nodes[id]
		if out[i].CompiledCode == "" || out[i].RelationName == "" {
			return nil, fmt.Errorf("manifest.json: %s has no compiled_code or relation_name", id)
		}
	}
	return out, nil
}

// handWritten is the limit: connect, create the schema, then one
// `create view` per model in DAG order on a single connection.
func handWritten(ctx context.Context, url, schema string, nodes []manifestNode) (time.Duration, error) {
	started := time.Now()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "create schema "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return 0, err
	}
	for _, n := range nodes {
		if _, err := conn.Exec(ctx, "create view "+n.RelationName+" as\n"+n.CompiledCode); err != nil {
			return 0, fmt.Errorf("%s: %v", n.OriginalFilePath, err)
		}
	}
	return time.Since(started), nil
}

// replayRun sends the statements kiln wrote to target/run/ (what it
// executed per model) on a single connection, in DAG order, by the simple
// protocol. kiln writes each statement after a "/* kiln node=... */"
// comment, joined by ";\n\n". Statements with bind parameters (catalog
// lookups, locks) are left out, since target/run does not hold their
// arguments; so is kiln's transaction per model. It returns the time, the
// statements sent and those left out.
func replayRun(ctx context.Context, url, dir, schema string, nodes []manifestNode) (time.Duration, int, int, error) {
	var scripts [][]string
	sent, left := 0, 0
	for _, n := range nodes {
		b, err := os.ReadFile(filepath.Join(dir, "target", "run", "synth", filepath.FromSlash(n.OriginalFilePath)))
		if err != nil {
			return 0, 0, 0, err
		}
		var keep []string
		for i, st := range strings.Split(strings.TrimSuffix(strings.TrimSpace(string(b)), ";"), ";\n\n/* kiln ") {
			if i > 0 {
				st = "/* kiln " + st
			}
			if bindParam.MatchString(st) {
				left++
				continue
			}
			keep = append(keep, st)
			sent++
		}
		scripts = append(scripts, keep)
	}
	started := time.Now()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return 0, 0, 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "create schema "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return 0, 0, 0, err
	}
	for i, stmts := range scripts {
		for _, st := range stmts {
			if _, err := conn.PgConn().Exec(ctx, st).ReadAll(); err != nil {
				return 0, 0, 0, fmt.Errorf("target/run/synth/%s: %v", nodes[i].OriginalFilePath, err)
			}
		}
	}
	return time.Since(started), sent, left, nil
}

var bindParam = regexp.MustCompile(`\$[0-9]`)
