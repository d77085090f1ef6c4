package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/testgen"
	"github.com/kiln-dev/kiln/runner/warehouse"
	"gopkg.in/yaml.v3"
)

// dataTest is a test of the given SQL in a test's schema.
func dataTest(name, sql string) warehouse.Test {
	return warehouse.Test{
		NodeID:       "test.shop." + name,
		InvocationID: fmt.Sprintf("inv-%d-%d", os.Getpid(), invocationSeq.Add(1)),
		SQL:          sql,
	}
}

func mustRunTest(t *testing.T, tst warehouse.Test) warehouse.TestResult {
	t.Helper()
	res, err := testWH.RunTest(context.Background(), tst)
	if err != nil {
		t.Fatalf("%s: %v\nstatements:\n%s", tst.NodeID, err, strings.Join(res.Statements, "\n;\n"))
	}
	return res
}

// ordersFixture creates an orders table with 2 null statuses, a status
// outside open/closed ('lost', on 2 rows), a duplicated id and a
// customer without a parent, and a customers table.
func ordersFixture(t *testing.T) string {
	s := newSchema(t)
	mustExec(t,
		"create table "+ident(s, "customers")+" (id int)",
		"insert into "+ident(s, "customers")+" values (1), (2)",
		"create table "+ident(s, "orders")+" (id int, status text, customer_id int, amount numeric)",
		"insert into "+ident(s, "orders")+` values
			(1, 'open', 1, 10), (2, 'closed', 2, 20), (3, null, 1, 30), (4, null, null, 40),
			(5, 'lost', 3, -5), (5, 'lost', 2, 50), (6, 'open', 1, 60)`,
	)
	return s
}

// compileTests compiles the tests of a YAML list on s.orders, column col.
func compileTests(t *testing.T, s, col, tests string, macros ...jinja.File) map[string]testgen.Compiled {
	t.Helper()
	var list []any
	if err := yaml.Unmarshal([]byte(tests), &list); err != nil {
		t.Fatal(err)
	}
	gs, diags := testgen.Parse(testgen.Spec{ResourceType: "model", Name: "orders", NodeID: "model.shop.orders",
		Package: "shop", File: "models/schema.yml", Column: col, Tests: list})
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	env, err := jinja.NewEnv(macros)
	if err != nil {
		t.Fatal(err)
	}
	ctx := jinja.Context{Ref: func(name string) (warehouse.Relation, error) {
		return warehouse.Relation{Schema: s, Name: name}, nil
	}}
	out := map[string]testgen.Compiled{}
	for _, g := range gs {
		c, err := testgen.Compile(env, g, warehouse.Relation{Schema: s, Name: "orders"}, ctx)
		if err != nil {
			t.Fatal(err)
		}
		out[g.Name] = c
	}
	return out
}

func TestBuiltinTests(t *testing.T) {
	s := ordersFixture(t)
	cases := []struct {
		col, tests string
		failures   int64
	}{
		{"status", "- not_null", 2},
		{"id", "- not_null", 0},
		{"id", "- unique", 1},                                        // id 5, once
		{"customer_id", "- unique", 2},                               // 1 three times, 2 twice
		{"status", "- accepted_values: {values: [open, closed]}", 1}, // 'lost'; nulls ignored
		{"status", "- accepted_values: {values: [open, closed, lost]}", 0},
		{"amount", "- accepted_values: {values: [10, 20, 30, 40, -5, 50, 60], quote: false}", 0},
		{"customer_id", "- relationships: {to: \"ref('customers')\", field: id}", 1}, // 3; null ignored
		{"customer_id", "- relationships: {to: \"ref('orders')\", field: customer_id}", 0},
		{"status", "- not_null: {config: {where: \"amount > 35\"}}", 1}, // only id 4
		{"status", "- accepted_values: {values: [open], config: {where: \"id < 3\"}}", 1},
	}
	for _, c := range cases {
		for name, ct := range compileTests(t, s, c.col, c.tests) {
			res := mustRunTest(t, ct.Test("test.shop."+name, "inv", nil))
			if res.Failures != c.failures || res.Warn != (c.failures > 0) || res.Error != (c.failures > 0) {
				t.Errorf("%s (%s): %+v, want %d failures", name, c.tests, res, c.failures)
			}
			if !strings.HasPrefix(res.Statements[0], "/* kiln node=test.shop."+name+" invocation=inv */\nset transaction read only") {
				t.Errorf("first statement: %s", res.Statements[0])
			}
		}
	}
	if got := relations(t, s); got != "customers:r orders:r" {
		t.Errorf("tests changed the schema: %s", got)
	}
}

func TestTestConditionsAndLimit(t *testing.T) {
	sql := "select g from generate_series(1, 20) g"
	cases := []struct {
		limit           int
		warnIf, errorIf string
		failures        int64
		warn, err       bool
	}{
		{0, "", "", 20, true, true},
		{0, "> 10", "> 20", 20, true, false},
		{0, ">= 20", "=20", 20, true, true},
		{5, "", "> 5", 5, true, false},
		{50, "<> 20", "< 0", 20, false, false},
	}
	for _, c := range cases {
		tst := dataTest("conditions", sql)
		tst.Limit, tst.WarnIf, tst.ErrorIf = c.limit, c.warnIf, c.errorIf
		res := mustRunTest(t, tst)
		if res.Failures != c.failures || res.Warn != c.warn || res.Error != c.err {
			t.Errorf("%+v: got %d failures, warn %v, error %v", c, res.Failures, res.Warn, res.Error)
		}
	}
	tst := dataTest("bad", sql)
	tst.WarnIf = "> 1 or true"
	if _, err := testWH.RunTest(context.Background(), tst); err == nil || !strings.Contains(err.Error(), "not a comparison operator followed by a number") {
		t.Errorf("bad warn_if: %v", err)
	}
}

func TestTestIsReadOnly(t *testing.T) {
	s := newSchema(t)
	mustExec(t, "create table "+ident(s, "t")+" (id int)")
	mustExec(t, `create function `+ident(s, "sneaky")+`() returns int language sql as 'insert into `+ident(s, "t")+` values (1) returning id'`)
	_, err := testWH.RunTest(context.Background(), dataTest("sneaky", "select "+ident(s, "sneaky")+"()"))
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) || qe.Code != "25006" {
		t.Fatalf("a test that writes: %v, want read_only_sql_transaction", err)
	}
	if got := queryString(t, "select count(*)::text from "+ident(s, "t")); got != "0" {
		t.Errorf("the test wrote %s rows", got)
	}
}

func TestTestStoreFailures(t *testing.T) {
	s := ordersFixture(t)
	audit := s + "_audit"
	t.Cleanup(func() { mustExec(t, "drop schema if exists "+ident(audit)+" cascade") })
	rel := warehouse.Relation{Schema: audit, Name: "not_null_orders_status"}
	cts := compileTests(t, s, "status", "- not_null: {config: {store_failures: true}}")
	ct := cts["not_null_orders_status"]
	res := mustRunTest(t, ct.Test("test.shop.not_null_orders_status", "inv1", &rel))
	if res.Failures != 2 || !res.Error {
		t.Fatalf("%+v", res)
	}
	if got := queryString(t, "select string_agg(id::text || ':' || amount::text, ',' order by id) from "+ident(audit, rel.Name)); got != "3:30,4:40" {
		t.Errorf("stored rows %s", got)
	}
	mustExec(t, "grant select on "+ident(audit, rel.Name)+" to public")

	// Rerun after a fix: the stored table is replaced, grants carried over.
	mustExec(t, "update "+ident(s, "orders")+" set status = 'open' where id = 3")
	res = mustRunTest(t, ct.Test("test.shop.not_null_orders_status", "inv2", &rel))
	if res.Failures != 1 {
		t.Fatalf("%+v", res)
	}
	if got := queryString(t, "select string_agg(id::text, ',') from "+ident(audit, rel.Name)); got != "4" {
		t.Errorf("stored rows after rerun %s", got)
	}
	if got := relations(t, audit); got != "not_null_orders_status:r" {
		t.Errorf("audit schema holds %s", got)
	}
	if got := queryString(t, "select has_table_privilege('public', $1::text::regclass, 'select')::text", ident(audit, rel.Name)); got != "true" {
		t.Errorf("grant lost on replace")
	}

	// With a limit, every failing row is stored but only limit are counted.
	mustExec(t, "update "+ident(s, "orders")+" set status = null")
	tst := ct.Test("test.shop.not_null_orders_status", "inv3", &rel)
	tst.Limit = 3
	if res = mustRunTest(t, tst); res.Failures != 3 {
		t.Errorf("limited count %d", res.Failures)
	}
	if got := queryString(t, "select count(*)::text from "+ident(audit, rel.Name)); got != "7" {
		t.Errorf("stored %s rows", got)
	}

	// A failing test SQL leaves the stored rows as they were.
	bad := dataTest("bad", "select nope from "+ident(s, "orders"))
	bad.StoreFailures = &rel
	if _, err := testWH.RunTest(context.Background(), bad); err == nil {
		t.Fatal("bad SQL stored")
	}
	if got := queryString(t, "select count(*)::text from "+ident(audit, rel.Name)); got != "7" {
		t.Errorf("stored rows changed by a failed test: %s", got)
	}
}

func TestCustomGenericTest(t *testing.T) {
	s := ordersFixture(t)
	macros := jinja.File{Path: "tests/generic/range.sql", Source: `{% test accepted_range(model, column_name, min_value, max_value=none) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }}
{%- if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
{% endtest %}`}
	cts := compileTests(t, s, "amount", `
- accepted_range: {min_value: 0}
- accepted_range: {arguments: {min_value: 0, max_value: 45}, name: amount_in_range}
- accepted_range: {min_value: 0, config: {where: "customer_id = 3", severity: warn}, name: lost_amounts}
`, macros)
	for name, want := range map[string]int64{"accepted_range_orders_amount__0": 1, "amount_in_range": 3, "lost_amounts": 1} {
		ct, ok := cts[name]
		if !ok {
			t.Fatalf("no test %s among %v", name, cts)
		}
		res := mustRunTest(t, ct.Test("test.shop."+name, "inv", nil))
		if res.Failures != want {
			t.Errorf("%s: %d failures, want %d\n%s", name, res.Failures, want, ct.SQL)
		}
		if name == "lost_amounts" && testgen.Status(ct.Config.Severity, res) != "warn" {
			t.Errorf("lost_amounts: status %s", testgen.Status(ct.Config.Severity, res))
		}
	}
}

func TestTestSQLErrorIsPlaced(t *testing.T) {
	s := ordersFixture(t)
	sql := "select id\nfrom " + ident(s, "orders") + "\nwhere amount < 0\n  and statuss = 'open'"
	for _, store := range []bool{false, true} {
		tst := dataTest("placed", sql)
		if store {
			tst.StoreFailures = &warehouse.Relation{Schema: s, Name: "placed"}
		}
		_, err := testWH.RunTest(context.Background(), tst)
		var qe *warehouse.QueryError
		if !errors.As(err, &qe) {
			t.Fatalf("store=%v: %v is not a QueryError", store, err)
		}
		if qe.Line != 4 || qe.Col != 7 || qe.Code != "42703" {
			t.Errorf("store=%v: error at %d:%d (%v), want 4:7", store, qe.Line, qe.Col, qe)
		}
	}
	if got := relations(t, s); got != "customers:r orders:r" {
		t.Errorf("a failed test left %s", got)
	}
}
