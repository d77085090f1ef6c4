package testgen

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/<name>.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from what the code produces now (run go test -update and review the diff):\n%s", path, got)
	}
}

var orders = warehouse.Relation{Database: "db", Schema: "analytics", Name: "orders"}

// compileAll compiles the tests of a YAML list on orders, with refs to
// other models in the analytics schema, and lists their SQL.
func compileAll(t *testing.T, env *jinja.Env, column, tests string) string {
	t.Helper()
	ctx := jinja.Context{
		Ref: func(name string) (warehouse.Relation, error) {
			return warehouse.Relation{Schema: "analytics", Name: name}, nil
		},
		Source: func(src, table string) (warehouse.Relation, error) {
			return warehouse.Relation{Schema: "raw_" + src, Name: table}, nil
		},
		Var: func(name string) (any, bool) {
			if name == "statuses" {
				return []any{"open", "closed", "it's odd"}, true
			}
			return nil, false
		},
	}
	var b strings.Builder
	for _, g := range mustParse(t, specOf(t, column, tests)) {
		c, err := Compile(env, g, orders, ctx)
		if err != nil {
			t.Fatalf("%s: %v", g.Name, err)
		}
		b.WriteString("-- " + g.Name + "\n" + c.SQL + "\n;\n")
	}
	return b.String()
}

func TestGoldenBuiltins(t *testing.T) {
	env, err := jinja.NewEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "builtins", compileAll(t, env, "status", `
- not_null
- not_null:
    name: status_not_null_stored
    config: {store_failures: true}
- unique
- accepted_values: {values: [open, closed, "it's", 'back\slash']}
- accepted_values: {values: [1, 2.5, true], quote: false, name: status_codes}
- accepted_values:
    values: "{{ var('statuses') }}"
    name: status_from_var
- relationships: {to: "ref('statuses')", field: code}
- relationships: {to: "source('shop', 'statuses')", field: "upper(code)", name: status_from_source}
- unique:
    name: unique_status_recent
    config: {where: "created_at > now() - interval '{{ 3 + 4 }} days'"}
`))
}

func TestBuiltinSQL(t *testing.T) {
	if got := Where(`"s"."t"`, ""); got != `"s"."t"` {
		t.Errorf("Where without a condition = %s", got)
	}
	if got := Where(`"s"."t"`, "x > 1"); got != `(select * from "s"."t" where x > 1) dbt_subquery` {
		t.Errorf("Where = %s", got)
	}
	if _, err := AcceptedValues(`"s"."t"`, "c", nil, true); err == nil {
		t.Error("AcceptedValues with no values succeeded")
	}
}
