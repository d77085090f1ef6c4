package runner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/diag"
)

const testProfile = `kiln_test:
  target: dev
  outputs:
    dev:
      type: postgres
      host: 127.0.0.1
      port: 1
      user: u
      password: "s3cret"
      dbname: db
      schema: analytics
      threads: 2
`

// writeProject writes files (path -> text) plus a profiles.yml into a temp
// dir and returns it.
func writeProject(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{
		"profiles.yml":    testProfile,
		"dbt_project.yml": "name: shop\nprofile: kiln_test\nconfig-version: 2\n",
	}
	for k, v := range files {
		all[k] = v
	}
	for p, text := range all {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func testEngine() *Engine {
	return &Engine{LookupEnv: func(string) (string, bool) { return "", false }, HomeDir: "/nonexistent"}
}

func TestCompileRendersFinalRelations(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"models/base.sql":  "{{ config(schema='core', alias='base_v2') }}\nselect 1 as id",
		"models/child.sql": "select id from {{ ref('base') }}",
	})
	c, err := testEngine().compile(context.Background(), Options{ProjectDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	child := c.Nodes["model.shop.child"]
	// The first render handed out "analytics"."base"; base's config() moved
	// it, so child must have been rendered again.
	if want := `select id from "analytics_core"."base_v2"`; child.SQL != want {
		t.Fatalf("child SQL = %q, want %q", child.SQL, want)
	}
	if !slices.Equal(child.DependsOn, []string{"model.shop.base"}) {
		t.Fatalf("depends on %v", child.DependsOn)
	}
	data, err := os.ReadFile(filepath.Join(dir, "target/compiled/shop/models/child.sql"))
	if err != nil || string(data) != child.SQL {
		t.Fatalf("compiled file = %q, %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "target/manifest.json")); err != nil {
		t.Fatal(err)
	}
}

func TestLoadReportsEveryErrorAtOnce(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"models/a.sql":      "select * from {{ ref('b') }}",
		"models/b.sql":      "select * from {{ ref('a') }}",
		"models/orders.sql": "select 1",
		"models/report.sql": "select 1\nfrom {{ ref('ordrs') }}",
	})
	_, err := testEngine().Compile(context.Background(), Options{ProjectDir: dir})
	var list diag.List
	if !IsLoadError(err) || !asList(err, &list) {
		t.Fatalf("want a load error, got %v", err)
	}
	text := err.Error()
	for _, want := range []string{
		"models/report.sql:2: unknown ref 'ordrs' (did you mean 'orders'?)",
		"dependency cycle: a -> b -> a",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("errors lack %q:\n%s", want, text)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "target")); !os.IsNotExist(err) {
		t.Errorf("a failed load wrote target/: %v", err)
	}
}

func TestListFollowsSelectionInDAGOrder(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"models/staging/stg.sql": "select 1 as id",
		"models/marts/mid.sql":   "{{ config(tags=['daily']) }}select * from {{ ref('stg') }}",
		"models/marts/top.sql":   "select * from {{ ref('mid') }}",
		"models/other.sql":       "select 2",
	})
	nodes, err := testEngine().List(context.Background(), Options{ProjectDir: dir, Select: []string{"+top"}, Exclude: []string{"tag:daily"}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, n := range nodes {
		names = append(names, strings.Join(n.Model.FQN, "."))
	}
	if want := []string{"shop.staging.stg", "shop.marts.top"}; !slices.Equal(names, want) {
		t.Fatalf("ls = %v, want %v", names, want)
	}
}

func TestUnsupportedMaterializationIsALoadError(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"models/e.sql": "{{ config(materialized='ephemeral') }}\nselect 1",
	})
	_, err := testEngine().Compile(context.Background(), Options{ProjectDir: dir})
	if err == nil || !strings.Contains(err.Error(), "models/e.sql:1: materialized='ephemeral' is not supported yet") {
		t.Fatalf("err = %v", err)
	}
}

func TestSchemaFor(t *testing.T) {
	for _, tc := range []struct{ target, custom, want string }{
		{"analytics", "", "analytics"},
		{"analytics", "marts", "analytics_marts"},
		{"analytics", "  ", "analytics"},
	} {
		if got := schemaFor(tc.target, tc.custom); got != tc.want {
			t.Errorf("schemaFor(%q, %q) = %q, want %q", tc.target, tc.custom, got, tc.want)
		}
	}
}

func asList(err error, list *diag.List) bool {
	l, ok := err.(diag.List)
	*list = l
	return ok
}

func TestBadIncrementalSettingsFailBeforeAnythingRuns(t *testing.T) {
	dir := writeProject(t, map[string]string{
		"models/inc.sql": "\n{{ config(materialized='incremental', incremental_strategy='upsert', unique_key=['id', 5]) }}\nselect 1 as id",
	})
	_, err := testEngine().Compile(context.Background(), Options{ProjectDir: dir})
	if err == nil {
		t.Fatal("compile succeeded with an unknown incremental_strategy")
	}
	for _, want := range []string{
		"models/inc.sql:2: unknown incremental_strategy 'upsert' (use one of: append, merge, delete+insert)",
		"models/inc.sql:2: unique_key must be a string or a list of strings",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%s", want, err)
		}
	}
}
