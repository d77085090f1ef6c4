package project

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
)

// mapFS builds a project from file contents; a leading newline and tabs
// used for indentation in the test source are removed.
func mapFS(files map[string]string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, src := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(dedent(src))}
	}
	return fsys
}

func dedent(s string) string {
	s = strings.TrimPrefix(s, "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, "\t")
	}
	return strings.Join(lines, "\n")
}

// mustLoad loads files and fails the test on any error.
func mustLoad(t *testing.T, files map[string]string) *Project {
	t.Helper()
	p, err := Load(mapFS(files), LoadOptions{EnvVar: noEnv})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

// loadErrs loads files and returns the error list, failing if there is none.
func loadErrs(t *testing.T, files map[string]string) diag.List {
	t.Helper()
	_, err := Load(mapFS(files), LoadOptions{EnvVar: noEnv})
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("Load error = %v, want a diag.List", err)
	}
	return list
}

func noEnv(string) (string, bool) { return "", false }

func model(t *testing.T, p *Project, name string) *Model {
	t.Helper()
	for _, m := range p.Models {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no model %q", name)
	return nil
}

// hasDiag reports whether list holds a diagnostic at file:line whose text
// contains all of want.
func hasDiag(list diag.List, file string, line int, want ...string) bool {
	for _, d := range list {
		if d.File != file || d.Line != line {
			continue
		}
		text := d.Error()
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(text, w)
		}
		if ok {
			return true
		}
	}
	return false
}

const treeProject = `
	name: shop
	profile: shop
	models:
	  +tags: base
	  other_package:
	    +materialized: table
	  shop:
	    materialized: table
	    +tags: [shop]
	    staging:
	      +materialized: view
	      tags: staging
	      stripe:
	        +materialized: ephemeral
	        +schema: raw
	        payments:
	          +alias: pay
	          +post-hook: "grant select on {{ this }} to reporter"
`

func TestFolderConfigs(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":                    treeProject,
		"models/orders.sql":                  "select 1",
		"models/staging/stg_customers.sql":   "select 2",
		"models/staging/stripe/payments.sql": "select 3",
		"models/staging/stripe/refunds.sql":  "select 4",
	})
	tests := []struct {
		name         string
		fqn          []string
		materialized string
		tags         []string
		schema       string
		alias        string
	}{
		{"orders", []string{"shop", "orders"}, "table", []string{"base", "shop"}, "", ""},
		{"stg_customers", []string{"shop", "staging", "stg_customers"}, "view", []string{"base", "shop", "staging"}, "", ""},
		{"payments", []string{"shop", "staging", "stripe", "payments"}, "ephemeral", []string{"base", "shop", "staging"}, "raw", "pay"},
		{"refunds", []string{"shop", "staging", "stripe", "refunds"}, "ephemeral", []string{"base", "shop", "staging"}, "raw", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := model(t, p, tt.name)
			if !reflect.DeepEqual(m.FQN, tt.fqn) {
				t.Errorf("FQN = %v, want %v", m.FQN, tt.fqn)
			}
			if got := m.Config.Materialized(); got != tt.materialized {
				t.Errorf("Materialized = %q, want %q", got, tt.materialized)
			}
			if got := m.Config.Tags(); !reflect.DeepEqual(got, tt.tags) {
				t.Errorf("Tags = %v, want %v", got, tt.tags)
			}
			if got := m.Config.Schema(); got != tt.schema {
				t.Errorf("Schema = %q, want %q", got, tt.schema)
			}
			if got := m.Config.Alias(); got != tt.alias {
				t.Errorf("Alias = %q, want %q", got, tt.alias)
			}
		})
	}
	pay := model(t, p, "payments")
	if got := pay.Config["post_hook"]; !reflect.DeepEqual(got, "grant select on {{ this }} to reporter") {
		t.Errorf("post_hook = %#v, want it unrendered under its normalized name", got)
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings: %v", p.Warnings)
	}
	wantPaths := []string{"models/orders.sql", "models/staging/stg_customers.sql", "models/staging/stripe/payments.sql", "models/staging/stripe/refunds.sql"}
	for i, m := range p.Models {
		if m.Path != wantPaths[i] {
			t.Errorf("Models[%d].Path = %q, want %q", i, m.Path, wantPaths[i])
		}
	}
}

func TestProjectFileDefaults(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": "name: shop\nprofile: shop_pg\n",
		"macros/a.sql":    "{% macro a() %}1{% endmacro %}",
		"macros/b.txt":    "not a macro",
	})
	if p.Name != "shop" || p.ProfileName != "shop_pg" || p.TargetPath != "target" {
		t.Errorf("got name %q profile %q target-path %q", p.Name, p.ProfileName, p.TargetPath)
	}
	for _, c := range []struct {
		got, want []string
	}{{p.ModelPaths, []string{"models"}}, {p.MacroPaths, []string{"macros"}}, {p.SeedPaths, []string{"seeds"}}, {p.TestPaths, []string{"tests"}}} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("paths = %v, want %v", c.got, c.want)
		}
	}
	if want := []jinja.File{{Path: "macros/a.sql", Source: "{% macro a() %}1{% endmacro %}"}}; !reflect.DeepEqual(p.Macros, want) {
		t.Errorf("Macros = %v, want %v", p.Macros, want)
	}
}

func TestLegacyPathsAndVars(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": `
			name: shop
			source-paths: ["./sql"]
			data-paths: [data]
			vars:
			  start_date: '2020-01-01'
			  limit: 10
			  shop:
			    limit: 20
			  other_pkg:
			    x: 1
		`,
		"sql/a.sql": "select 1",
	})
	if !reflect.DeepEqual(p.ModelPaths, []string{"sql"}) || !reflect.DeepEqual(p.SeedPaths, []string{"data"}) {
		t.Errorf("ModelPaths %v SeedPaths %v", p.ModelPaths, p.SeedPaths)
	}
	if len(p.Models) != 1 || p.Models[0].Path != "sql/a.sql" {
		t.Errorf("Models = %v", p.Models)
	}
	want := map[string]any{"start_date": "2020-01-01", "limit": 20, "other_pkg": map[string]any{"x": 1}}
	if !reflect.DeepEqual(p.Vars, want) {
		t.Errorf("Vars = %v, want %v", p.Vars, want)
	}
}

func TestRenderProjectValues(t *testing.T) {
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"SCHEMA": "analytics", "ON": "false"}[k]
		return v, ok
	}
	fsys := mapFS(map[string]string{
		"dbt_project.yml": `
			name: shop
			profile: "{{ env_var('PROFILE', 'shop') }}"
			vars:
			  region: eu
			on-run-start: "{{ env_var('NOT_SET') }}"
			models:
			  shop:
			    +schema: "{{ env_var('SCHEMA') }}_{{ var('region') }}"
			    +enabled: "{{ env_var('ON') }}"
			    +pre-hook: ["{{ env_var('NOT_SET') }}"]
			    +materialized: "{{ 'table' if target.name == 'prod' else 'view' }}"
		`,
		"models/a.sql": "select 1",
	})
	p, err := Load(fsys, LoadOptions{EnvVar: env, Vars: map[string]any{"region": "us"}, Target: map[string]any{"name": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	m := p.Models[0]
	if p.ProfileName != "shop" || m.Config.Schema() != "analytics_us" || m.Config.Enabled() {
		t.Errorf("profile %q schema %q enabled %v", p.ProfileName, m.Config.Schema(), m.Config.Enabled())
	}
	if got := m.Config.Materialized(); got != "table" {
		t.Errorf("Materialized = %q, want table (from target.name)", got)
	}
}

func TestPropertyFiles(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":                    treeProject,
		"models/orders.sql":                  "select 1",
		"models/staging/stripe/payments.sql": "select 2",
		"models/schema.yml": `
			version: 2
			models:
			  - name: orders
			    description: All orders
			    meta: {owner: sales}
			    config:
			      materialized: incremental
			      tags: [finance, shop]
			      meta: {tier: 1}
			    tests:
			      - dbt_utils.expression_is_true: {expression: "id > 0"}
			    columns:
			      - name: id
			        description: "{{ doc('order_id') }}"
			        data_type: int
			        data_tests: [unique, not_null]
			  - name: orderz
			    description: typo
		`,
		"models/staging/stripe/stripe.yml": `
			version: 2
			models:
			  - name: payments
			    config:
			      enabled: false
			      alias: p
		`,
	})
	o := model(t, p, "orders")
	if o.Config.Materialized() != "incremental" || o.Description != "All orders" || o.PatchPath != "models/schema.yml" {
		t.Errorf("orders: %v %q %q", o.Config, o.Description, o.PatchPath)
	}
	if got, want := o.Config.Tags(), []string{"base", "shop", "finance"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Tags = %v, want %v", got, want)
	}
	if got, want := o.Config["meta"], map[string]any{"owner": "sales", "tier": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("meta = %v, want %v", got, want)
	}
	wantCols := []Column{{Name: "id", Description: "{{ doc('order_id') }}", DataType: "int", Tests: []any{"unique", "not_null"}}}
	if !reflect.DeepEqual(o.Columns, wantCols) {
		t.Errorf("Columns = %#v", o.Columns)
	}
	if len(o.Tests) != 1 {
		t.Errorf("Tests = %v", o.Tests)
	}
	pay := model(t, p, "payments")
	if pay.Config.Enabled() || pay.Config.Alias() != "p" || pay.Config.Schema() != "raw" {
		t.Errorf("payments config = %v", pay.Config)
	}
	if !hasDiag(p.Warnings, "models/schema.yml", 17, "model 'orderz'", "did you mean 'orders'?") {
		t.Errorf("warnings = %v", p.Warnings)
	}
}

func TestSources(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": "name: shop\n",
		"models/src.yml": `
			version: 2
			sources:
			  - name: stripe
			    loader: fivetran
			    loaded_at_field: _loaded_at
			    freshness:
			      warn_after: {count: 12, period: hour}
			    tables:
			      - name: payments
			      - name: refunds
			        identifier: stripe_refunds
			        freshness: null
			        columns:
			          - name: id
			      - name: disabled
			        config: {enabled: false}
			  - name: app
			    schema: public
			    database: prod
			    tables:
			      - name: users
			        loaded_at_field: updated_at
			        description: People
		`,
	})
	if len(p.Warnings) != 0 {
		t.Errorf("warnings: %v", p.Warnings)
	}
	fresh := map[string]any{"warn_after": map[string]any{"count": 12, "period": "hour"}}
	want := []*Source{
		{SourceName: "app", Name: "users", Schema: "public", Identifier: "users", Database: "prod", Description: "People", Path: "models/src.yml", Line: 21, LoadedAtField: "updated_at"},
		{SourceName: "stripe", Name: "payments", Schema: "stripe", Identifier: "payments", Path: "models/src.yml", Line: 9, LoadedAtField: "_loaded_at", Loader: "fivetran", Freshness: fresh},
		{SourceName: "stripe", Name: "refunds", Schema: "stripe", Identifier: "stripe_refunds", Path: "models/src.yml", Line: 10, LoadedAtField: "_loaded_at", Loader: "fivetran", Columns: []Column{{Name: "id"}}},
	}
	if len(p.Sources) != len(want) {
		t.Fatalf("got %d sources, want %d", len(p.Sources), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(p.Sources[i], want[i]) {
			t.Errorf("Sources[%d] =\n %#v\nwant\n %#v", i, *p.Sources[i], *want[i])
		}
	}
}

func TestWarnings(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml": `
			name: shop
			clean-targets: [target]
			require-dbt-version: ">=1.5.0"
			seeds:
			  shop:
			    +schema: seeds
			model-path: [models]
			models:
			  shop:
			    +my_custom: 1
			    stagin:
			      +materialized: view
		`,
		"models/staging/a.sql": "select 1",
		"models/a.py":          "def model(dbt, session): pass",
		"models/props.yml": `
			models:
			  - name: a
			    tags: [x]
			    colums: []
			widgets: []
			exposures: []
		`,
	})
	want := []struct {
		file string
		line int
		text []string
	}{
		{"dbt_project.yml", 7, []string{"warning: unknown key 'model-path'", "did you mean 'model-paths'?"}},
		{"dbt_project.yml", 10, []string{"unknown config 'my_custom'"}},
		{"dbt_project.yml", 11, []string{"models.shop.stagin matches no model", "did you mean 'staging'?"}},
		{"models/a.py", 0, []string{"Python models are not supported"}},
		{"models/props.yml", 1, []string{"version: 2 is missing"}},
		{"models/props.yml", 3, []string{"unknown key 'tags'", "put it under config:"}},
		{"models/props.yml", 4, []string{"unknown key 'colums'", "did you mean 'columns'?"}},
		{"models/props.yml", 5, []string{"unknown key 'widgets'"}},
	}
	if len(p.Warnings) != len(want) {
		t.Errorf("got %d warnings, want %d:\n%v", len(p.Warnings), len(want), p.Warnings)
	}
	for _, w := range want {
		if !hasDiag(p.Warnings, w.file, w.line, w.text...) {
			t.Errorf("missing warning %s:%d %q in\n%v", w.file, w.line, w.text, p.Warnings)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	type want struct {
		file string
		line int
		text []string
	}
	tests := []struct {
		name  string
		files map[string]string
		want  []want
	}{
		{
			name:  "no project file",
			files: map[string]string{"models/a.sql": "select 1"},
			want:  []want{{"dbt_project.yml", 0, []string{"not found"}}},
		},
		{
			name:  "no name",
			files: map[string]string{"dbt_project.yml": "profile: x\n"},
			want:  []want{{"dbt_project.yml", 1, []string{"name is missing"}}},
		},
		{
			name:  "bad name",
			files: map[string]string{"dbt_project.yml": "name: my-shop\n"},
			want:  []want{{"dbt_project.yml", 1, []string{"project name 'my-shop' is not valid"}}},
		},
		{
			name: "broken project YAML",
			files: map[string]string{"dbt_project.yml": `
				name: shop
				models:
				  shop: [
			`},
			want: []want{{"dbt_project.yml", 3, []string{"invalid YAML"}}},
		},
		{
			name: "duplicate model names",
			files: map[string]string{
				"dbt_project.yml":     "name: shop\n",
				"models/a/orders.sql": "select 1",
				"models/b/orders.sql": "select 2",
			},
			want: []want{{"models/b/orders.sql", 0, []string{"model name 'orders' is used by both models/a/orders.sql and models/b/orders.sql"}}},
		},
		{
			name: "model described twice",
			files: map[string]string{
				"dbt_project.yml":   "name: shop\n",
				"models/orders.sql": "select 1",
				"models/a.yml":      "version: 2\nmodels:\n  - name: orders\n",
				"models/b.yml":      "version: 2\nmodels:\n  - name: orders\n",
			},
			want: []want{{"models/b.yml", 3, []string{"model 'orders' is described twice: here and at models/a.yml:3"}}},
		},
		{
			name: "unset env var",
			files: map[string]string{
				"dbt_project.yml": "name: shop\nmodels:\n  shop:\n    +schema: \"{{ env_var('DBT_SCHEMA') }}\"\n",
			},
			want: []want{{"dbt_project.yml", 4, []string{"env var 'DBT_SCHEMA' is not set"}}},
		},
		{
			name: "many at once",
			files: map[string]string{
				"dbt_project.yml": `
					name: shop
					models:
					  shop:
					    +materialised: table
					    marts:
					      +enabled: "yes"
				`,
				"models/a/x.sql":     "select 1",
				"models/b/x.sql":     "select 2",
				"models/marts/m.sql": "select 3",
				"models/props.yml": `
					version: 2
					models:
					  - name: m
					    config:
					      materialized: tabel
					      tags: [1, 2]
					  - description: no name
				`,
				"models/broken.yml": "version: 2\nmodels:\n  - name: [\n",
				"models/src.yml": `
					version: 2
					sources:
					  - name: s
					    tables:
					      - name: t
					      - name: t
				`,
			},
			want: []want{
				{"dbt_project.yml", 4, []string{"unknown config 'materialised'", "did you mean 'materialized'?"}},
				{"dbt_project.yml", 6, []string{"enabled must be true or false, got 'yes'"}},
				{"models/b/x.sql", 0, []string{"model name 'x'"}},
				{"models/broken.yml", 3, []string{"invalid YAML"}},
				{"models/props.yml", 5, []string{"unknown materialization 'tabel'", "did you mean 'table'?"}},
				{"models/props.yml", 6, []string{"tags must be a string or a list of strings"}},
				{"models/props.yml", 7, []string{"model entry has no name:"}},
				{"models/src.yml", 6, []string{"source table 's.t' is declared twice: here and at models/src.yml:5"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			list := loadErrs(t, tt.files)
			if len(list) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(list), len(tt.want), list)
			}
			for _, w := range tt.want {
				if !hasDiag(list, w.file, w.line, w.text...) {
					t.Errorf("missing %s:%d %q in\n%v", w.file, w.line, w.text, list)
				}
			}
			for _, d := range list {
				if d.Severity != diag.Error {
					t.Errorf("warning in error list: %v", d)
				}
			}
		})
	}
}

func TestDisabledDuplicateIsAllowed(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":      "name: shop\nmodels:\n  shop:\n    legacy:\n      +enabled: false\n",
		"models/legacy/x.sql":  "select 1",
		"models/current/x.sql": "select 2",
	})
	if len(p.Models) != 2 {
		t.Fatalf("Models = %v", p.Models)
	}
	if !p.Models[0].Config.Enabled() || p.Models[1].Config.Enabled() {
		t.Errorf("enabled: %v %v", p.Models[0].Config, p.Models[1].Config)
	}
	if id := p.Models[0].ID(); id != "model.shop.x" {
		t.Errorf("ID = %q", id)
	}
}

func TestReadProfileName(t *testing.T) {
	fsys := mapFS(map[string]string{"dbt_project.yml": "name: shop\nprofile: \"{{ env_var('P', 'shop_pg') }}\"\n"})
	got, err := ReadProfileName(fsys, LoadOptions{EnvVar: noEnv})
	if err != nil || got != "shop_pg" {
		t.Errorf("ReadProfileName = %q, %v", got, err)
	}
	if _, err := ReadProfileName(fstest.MapFS{}, LoadOptions{}); err == nil || !strings.Contains(err.Error(), "dbt_project.yml: cannot read") {
		t.Errorf("err = %v", err)
	}
}
