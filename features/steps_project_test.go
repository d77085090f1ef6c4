package features

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cucumber/godog"
	"github.com/jackc/pgx/v5"
	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/internal/pgtest"
)

// scenario is the state of one scenario. initScenario makes a new one for
// every scenario, so nothing here is shared.
type scenario struct {
	h       *harness
	w       warehouse
	db      database          // the scenario's place in w
	schema  string            // target schema in profiles.yml; custom schemas are <schema>_<name>
	dir     string            // the project dir, kiln's working directory
	profile string            // the profile name written to profiles.yml
	env     map[string]string // added to kiln's environment by steps
	last    *result           // the last kiln command, for the Then steps
}

func (s *scenario) before(ctx context.Context, sc *godog.Scenario) (context.Context, error) {
	n := s.h.next.Add(1)
	s.schema = pgtest.SchemaName("kiln_f", int(n))
	dir, err := os.MkdirTemp(s.h.tmp, fmt.Sprintf("s%d-", n))
	if err != nil {
		return ctx, err
	}
	s.dir = dir
	s.db = s.w.open(s.schema, dir)
	s.profile = "kiln_test"
	return ctx, s.writeProfiles(false)
}

// after drops what the scenario left in the warehouse and its project dir,
// unless the scenario failed and KILN_FEATURES_KEEP is set.
func (s *scenario) after(ctx context.Context, sc *godog.Scenario, err error) (context.Context, error) {
	if s.dir == "" {
		return ctx, nil // before failed
	}
	if err != nil && s.h.keep {
		fmt.Fprintf(os.Stderr, "kept scenario %q: project dir %s, schema %s\n", sc.Name, s.dir, s.schema)
		return ctx, nil
	}
	dropErr := s.db.drop(context.WithoutCancel(ctx))
	return ctx, errors.Join(dropErr, os.RemoveAll(s.dir))
}

// expand replaces the placeholders {schema} and {project_dir}.
func (s *scenario) expand(text string) string {
	return strings.NewReplacer("{schema}", s.schema, "{project_dir}", s.dir).Replace(text)
}

// path resolves a slash-separated path relative to the project dir.
func (s *scenario) path(rel string) string {
	return filepath.Join(s.dir, filepath.FromSlash(s.expand(rel)))
}

func (s *scenario) aProject(name string) error {
	return s.writeFile("dbt_project.yml", fmt.Sprintf("name: %s\nprofile: kiln_test\nconfig-version: 2\n", name))
}

// aProjectWith writes the docstring as dbt_project.yml. When it parses as
// YAML (it need not: a scenario may test a broken one), its name must be the
// one the step says.
func (s *scenario) aProjectWith(name string, doc *godog.DocString) error {
	content := s.expand(doc.Content)
	var p struct {
		Name string `yaml:"name"`
	}
	if yaml.Unmarshal([]byte(content), &p) == nil && p.Name != name {
		return fmt.Errorf("the dbt_project.yml of project %q says name: %q", name, p.Name)
	}
	return s.writeFile("dbt_project.yml", content)
}

func (s *scenario) aFile(rel string, doc *godog.DocString) error {
	return s.writeFile(rel, s.expand(doc.Content))
}

func (s *scenario) fileRemoved(rel string) error {
	if err := os.Remove(s.path(rel)); err != nil {
		return fmt.Errorf("remove %s: %w", rel, err)
	}
	return nil
}

func (s *scenario) envVar(name, value string) error {
	s.env[name] = s.expand(value)
	return nil
}

// writeFile writes a file of the project, creating its directories. A
// docstring has no final newline; files get one.
func (s *scenario) writeFile(rel, content string) error {
	p := s.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	return os.WriteFile(p, []byte(content), 0o644)
}

type profileYAML struct {
	Target  string         `yaml:"target"`
	Outputs map[string]any `yaml:"outputs"`
}

// profilesYAML renders profiles.yml for the scenario: profile s.profile,
// target dev, the scenario's warehouse and schema, 4 threads. Offline, it
// points where every connection attempt fails.
func (s *scenario) profilesYAML(offline bool) ([]byte, error) {
	return yaml.Marshal(map[string]profileYAML{
		s.profile: {Target: "dev", Outputs: map[string]any{"dev": s.db.output(offline)}},
	})
}

func (s *scenario) writeProfiles(offline bool) error {
	b, err := s.profilesYAML(offline)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(s.dir, "profiles.yml"), b, 0o644)
}

// exampleProject copies ../models_example into the project dir, writes a
// profiles.yml for its profile over the example's own, and loads its
// fixtures (fixtures/*.sql, in name order) into the schema <schema>_raw,
// where the example's sources live.
func (s *scenario) exampleProject(ctx context.Context) error {
	src := s.h.example
	project, err := os.ReadFile(filepath.Join(src, "dbt_project.yml"))
	if err != nil {
		return fmt.Errorf("the example project is not there yet: %w", err)
	}
	if err := copyTree(src, s.dir); err != nil {
		return fmt.Errorf("copy the example project: %w", err)
	}
	var p struct {
		Profile string `yaml:"profile"`
	}
	if err := yaml.Unmarshal(project, &p); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(src, "dbt_project.yml"), err)
	}
	s.profile = p.Profile
	if s.profile == "" {
		s.profile = "kiln_example"
	}
	if err := s.writeProfiles(false); err != nil {
		return err
	}

	fixtures, err := filepath.Glob(filepath.Join(src, "fixtures", "*.sql"))
	if err != nil {
		return err
	}
	if len(fixtures) == 0 {
		return fmt.Errorf("the example project has no fixtures: nothing matches %s", filepath.Join(src, "fixtures", "*.sql"))
	}
	sort.Strings(fixtures)
	raw := s.schema + "_raw"
	for _, f := range fixtures {
		sql, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := s.db.exec(ctx, raw, string(sql)); err != nil {
			return fmt.Errorf("load fixture %s into %s: %w", f, pgx.Identifier{raw}.Sanitize(), err)
		}
	}
	return nil
}

// copyTree copies the files under src into dst, leaving out what a run of
// the project writes (target/, logs/, DuckDB files).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() && (rel == "target" || rel == "logs") {
			return filepath.SkipDir
		}
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if !d.Type().IsRegular() || strings.Contains(d.Name(), ".duckdb") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
}
