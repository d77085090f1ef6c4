//go:build cgo

package duckdb

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	wantText, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(wantText) {
		t.Errorf("%s differs from what the code produces now (run go test -update and review the diff):\n%s", path, got)
	}
}

// render lists steps the way a reviewer wants to read them.
func render(steps ...step) string {
	var b strings.Builder
	for i, s := range steps {
		fmt.Fprintf(&b, "-- %d", i+1)
		if s.Hook != "" {
			fmt.Fprintf(&b, " (%s SQL from character %d)", s.Hook, s.ModelAt+1)
		} else if s.ModelAt >= 0 {
			fmt.Fprintf(&b, " (model SQL from character %d)", s.ModelAt+1)
		}
		if s.Rebuilds != nil {
			fmt.Fprintf(&b, " (rebuilds %s)", rel(s.Rebuilds.Rel))
		}
		if s.What != "" {
			fmt.Fprintf(&b, " [%s]", s.What)
		}
		for i, a := range s.Args {
			fmt.Fprintf(&b, " ($%d = %#v)", i+1, a)
		}
		b.WriteString("\n" + s.SQL + "\n;\n")
	}
	return b.String()
}

const modelSQL = "select o.id,\n       o.amount\nfrom \"analytics\".\"orders\" o -- trailing comment"

var (
	target = warehouse.Relation{Schema: "analytics", Name: "fct_orders"}
	h      = header("model.shop.fct_orders", invocation)
)

// sampleDependents are what dependents might return for target: a view
// with comments, and a view on it whose statement DuckDB did not write.
func sampleDependents() []dependent {
	comment := "Orders, it's documented"
	return []dependent{
		{
			Rel:     warehouse.Relation{Schema: "analytics", Name: "orders_view"},
			SQL:     "CREATE VIEW analytics.orders_view AS SELECT * FROM analytics.fct_orders;",
			Comment: &comment,
			Columns: []columnComment{{Column: "amount", Comment: "in cents"}},
		},
		{
			Rel: warehouse.Relation{Schema: "reporting", Name: "Big Orders"},
			SQL: "create view reporting.\"Big Orders\" as select id from analytics.orders_view where amount > 100",
		},
	}
}

func TestTableSQL(t *testing.T) {
	tmp := tempName(target, invocation)
	tmpRel := warehouse.Relation{Schema: target.Schema, Name: tmp}
	golden(t, "table_first_build", render(append([]step{
		createTableAs(h, tmpRel, modelSQL),
		lookupStep(h, target),
	}, swapSteps(h, target, warehouse.Absent, tmp)...)...))

	comment := "All orders"
	own := carried{Comment: &comment, ColumnComments: []columnComment{{"ID", "the id"}, {"gone", "dropped column"}}}
	deps := sampleDependents()
	steps := []step{
		createTableAs(h, tmpRel, modelSQL),
		lookupStep(h, target),
		queryStep(h, commentsQuery, "read the comments of "+rel(target), target.Schema, target.Name),
	}
	steps = append(steps, swapSteps(h, target, warehouse.Table, tmp)...)
	steps = append(steps, queryStep(h, columnsQuery, "read the columns of "+rel(target), target.Schema, target.Name))
	steps = append(steps, carrySteps(h, target, warehouse.Table, own, []string{"id", "amount"})...)
	for i := range deps {
		steps = append(steps, recreateSteps(h, &deps[i])...)
		if i == 0 {
			steps = append(steps, queryStep(h, columnsQuery, "read the columns of "+rel(deps[0].Rel), deps[0].Rel.Schema, deps[0].Rel.Name))
			steps = append(steps, carrySteps(h, deps[0].Rel, warehouse.View, carried{Comment: deps[0].Comment, ColumnComments: deps[0].Columns}, []string{"id", "amount"})...)
		}
	}
	golden(t, "table_rebuild_dependents", render(steps...))
}

func TestViewAndKindChangeSQL(t *testing.T) {
	golden(t, "view_replace", render(viewSteps(h, target, warehouse.View, modelSQL)...))
	tmp := tempName(target, invocation)
	steps := viewSteps(h, target, warehouse.Table, modelSQL)
	steps = append(steps, createTableAs(h, warehouse.Relation{Schema: target.Schema, Name: tmp}, modelSQL))
	steps = append(steps, swapSteps(h, target, warehouse.View, tmp)...)
	golden(t, "kind_changes", render(steps...))
}

func TestIncrementalSQL(t *testing.T) {
	tmp := scratchName(target, invocation, "__kiln_new_")
	cols := []string{"id", "amount", "Note"}
	golden(t, "incremental_append", render(
		createTempAs(h, tmp, modelSQL),
		queryStep(h, tempColumnsQuery, "read the columns of the new rows", tmp),
		insertNew(h, target, tmp, cols),
		dropTemp(h, tmp),
	))
	golden(t, "incremental_delete_insert", render(
		deleteMatching(h, target, tmp, []string{"id"}, []string{"DBT_INTERNAL_DEST.day > current_date - 7"}),
		insertNew(h, target, tmp, cols),
	))
	golden(t, "incremental_merge", render(mergeNew(h, target, tmp, []string{"id"}, cols, nil)))
	golden(t, "incremental_merge_composite", render(
		mergeNew(h, target, tmp, []string{"id", "Note"}, cols, []string{"DBT_INTERNAL_DEST.amount > 0"}),
		mergeNew(h, target, tmp, []string{"id", "amount", "note"}, cols, nil),
	))
	golden(t, "incremental_key_checks", render(
		nullKeyQuery(h, tmp, []string{"id", "line"}),
		duplicateKeyQuery(h, tmp, []string{"id", "line"}),
	))
	golden(t, "incremental_schema_change", render(alterSteps(h, target, []alterColumn{
		{Op: "add", Column: "note", Type: "VARCHAR"},
		{Op: "type", Column: "id", Type: "BIGINT"},
		{Op: "drop", Column: "Old Column"},
	})...))
}

func TestTestSQL(t *testing.T) {
	th := header("test.shop.not_null_orders_id", invocation)
	sql := "select id from \"s\".\"orders\" where id is null -- no ids"
	golden(t, "test_count", render(testQuery(th, sql, 0, "!= 0", "> 10")))
	golden(t, "test_count_limit", render(testQuery(th, sql, 100, "!= 0", "!= 0")))
	audit := warehouse.Relation{Schema: "s_dbt_test__audit", Name: "not_null_orders_id"}
	golden(t, "test_store_failures", render(
		createTableAs(th, warehouse.Relation{Schema: audit.Schema, Name: tempName(audit, invocation)}, sql),
		storedTestQuery(th, audit, 0, "!= 0", "!= 0"),
	))
}

func TestFreshnessAndCatalogSQL(t *testing.T) {
	r := warehouse.Relation{Schema: "raw", Name: "events"}
	golden(t, "freshness", render(
		freshnessQuery(freshnessHeader(r), r, "loaded_at", ""),
		freshnessQuery(freshnessHeader(r), r, " cast(loaded_at as timestamp) ", "kind = 'order'"),
	))
	golden(t, "catalog", render(
		queryStep("", catalogQuery, "catalog", []string{"analytics", "staging"}),
		queryStep("", viewsQuery, "views"),
		queryStep("", serializeQuery, "parse a view's query", "SELECT * FROM analytics.fct_orders;"),
		queryStep("", viewCommentsQuery, "view column comments"),
	))
}

func TestHookSQL(t *testing.T) {
	golden(t, "hooks", render(append(
		hookSteps(h, "pre_hook", []string{"set threads = 4", "  ", "insert into audit values ('start')"}),
		hookSteps(h, "post_hook", []string{"create index on {{ this }} (id)"})...)...))
}

func TestSeedSQL(t *testing.T) {
	tmp := warehouse.Relation{Schema: "s", Name: tempName(warehouse.Relation{Schema: "s", Name: "things"}, invocation)}
	var cols []seedColumn
	var b strings.Builder
	for _, typ := range []string{"integer", "bigint", "smallint", "serial", "numeric", "numeric(10,2)", "NUMERIC(7)", "decimal(38, 0)",
		"boolean", "date", "timestamp", "timestamp without time zone", "timestamptz", "timestamp with time zone",
		"text", "varchar(12)", "character varying", "char(2)", "citext", "real", "double precision", "float(10)",
		"float", "bytea", "json", "jsonb", "uuid", "interval", "time", "INTEGER[]"} {
		c, err := duckType(strings.ReplaceAll(typ, " ", "_"), typ)
		if err != nil {
			t.Fatal(err)
		}
		if c.byData {
			c.precision, c.scale = 18, 3
			c.Type = "DECIMAL(18,3)"
		}
		fmt.Fprintf(&b, "%-28s %-18s loaded as %s\n", typ, c.Type, c.Load())
		cols = append(cols, c)
	}
	for _, typ := range []string{"numeric(39,2)", "numeric(5,6)"} {
		_, err := duckType("x", typ)
		fmt.Fprintf(&b, "%-28s error: %v\n", typ, err)
	}
	golden(t, "seed_types", b.String())
	golden(t, "seed_load", render(
		createSeedTable(h, tmp, warehouse.Relation{Schema: "s", Name: "things"}, cols[:6]),
		badValueQuery(h, tmp, cols[26]),
	))
}

func TestNamesAndQuoting(t *testing.T) {
	if got := ident("a\"b", "c\x00d"); got != `"a""b"."cd"` {
		t.Errorf("ident = %s", got)
	}
	if got := literal(`it's a \ backslash`); got != `'it''s a \ backslash'` {
		t.Errorf("literal = %s", got)
	}
	if got := header("model.x/*y*/", "i\nd"); got != "/* kiln node=model.x/ *y* / invocation=id */\n" {
		t.Errorf("header = %q", got)
	}
	if got := tempName(target, invocation); got != tempName(target, invocation) || !strings.HasPrefix(got, "fct_orders__kiln_tmp_") {
		t.Errorf("tempName = %s", got)
	}
}
