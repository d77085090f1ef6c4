package testgen

import (
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// specOf decodes a tests: list written in YAML, as the project loader
// hands it over.
func specOf(t *testing.T, column, tests string) Spec {
	t.Helper()
	var list []any
	if err := yaml.Unmarshal([]byte(tests), &list); err != nil {
		t.Fatal(err)
	}
	return Spec{ResourceType: "model", Name: "orders", NodeID: "model.shop.orders", Package: "shop",
		File: "models/schema.yml", Line: 7, Column: column, Tests: list}
}

func mustParse(t *testing.T, s Spec) []*Generic {
	t.Helper()
	gs, diags := Parse(s)
	if err := diags.Err(); err != nil {
		t.Fatal(err)
	}
	return gs
}

func TestParseForms(t *testing.T) {
	gs := mustParse(t, specOf(t, "status", `
- not_null
- unique:
    config: {severity: warn}
- accepted_values:
    values: [open, closed]
    quote: true
    severity: warn          # a config key beside the arguments, as dbt < 1.10
    where: "amount > 0"
- accepted_values:
    arguments: {values: [a, b]}
    config: {limit: 10, warn_if: ">10", error_if: "> 100", store_failures: true}
- name: status_known
  test_name: relationships
  arguments: {to: "ref('statuses')", field: code}
- dbt_utils.not_empty_string:
    arguments: {trim_whitespace: false}
`))
	type row struct {
		Name, Alias, TestName, Namespace string
		Kwargs                           map[string]any
		Severity                         Severity
		Where                            string
		Limit                            int
		WarnIf, ErrorIf                  string
		Store                            bool
	}
	var got []row
	for _, g := range gs {
		got = append(got, row{g.Name, g.Alias, g.TestName, g.Namespace, g.Kwargs, g.Config.Severity, g.Config.Where,
			g.Config.Limit, g.Config.WarnIf, g.Config.ErrorIf, g.Config.StoreFailures != nil && *g.Config.StoreFailures})
		if !strings.HasPrefix(g.UniqueID, "test.shop."+g.Name+".") || len(g.UniqueID) != len("test.shop."+g.Name+".")+10 {
			t.Errorf("UniqueID %s", g.UniqueID)
		}
	}
	col := map[string]any{"column_name": "status"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{"column_name": "status"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	want := []row{
		{"not_null_orders_status", "not_null_orders_status", "not_null", "", col, SeverityError, "", 0, "!= 0", "!= 0", false},
		{"unique_orders_status", "unique_orders_status", "unique", "", col, SeverityWarn, "", 0, "!= 0", "!= 0", false},
		{"accepted_values_orders_status__True__open__closed", "accepted_values_orders_status__True__open__closed", "accepted_values", "",
			with("values", []any{"open", "closed"}, "quote", true), SeverityWarn, "amount > 0", 0, "!= 0", "!= 0", false},
		{"accepted_values_orders_status__a__b", "accepted_values_orders_status__a__b", "accepted_values", "",
			with("values", []any{"a", "b"}), SeverityError, "", 10, "> 10", "> 100", true},
		{"status_known", "status_known", "relationships", "", with("to", "ref('statuses')", "field", "code"), SeverityError, "", 0, "!= 0", "!= 0", false},
		{"dbt_utils_not_empty_string_orders_status__False", "dbt_utils_not_empty_string_orders_status__False", "not_empty_string", "dbt_utils",
			with("trim_whitespace", false), SeverityError, "", 0, "!= 0", "!= 0", false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
	if !gs[0].Builtin() || gs[5].Builtin() || gs[5].Macro() != "test_not_empty_string" {
		t.Errorf("Builtin/Macro wrong")
	}
}

func TestParseModelLevelAndSource(t *testing.T) {
	gs := mustParse(t, specOf(t, "", `
- unique: {column_name: "order_id || '-' || line"}
- dbt_utils.expression_is_true: {expression: "amount >= 0"}
`))
	if gs[0].Name != "unique_orders_order_id_line" || gs[1].Name != "dbt_utils_expression_is_true_orders_amount_0" {
		t.Errorf("names %s, %s", gs[0].Name, gs[1].Name)
	}
	if _, ok := gs[1].Kwargs["column_name"]; ok {
		t.Errorf("model-level test got a column_name: %v", gs[1].Kwargs)
	}

	s := Spec{ResourceType: "source", SourceName: "raw", Name: "events", NodeID: "source.shop.raw.events",
		Package: "shop", File: "models/sources.yml", Column: "id", Tests: []any{"not_null", "unique"}}
	gs = mustParse(t, s)
	if gs[0].Name != "source_not_null_raw_events_id" || gs[0].UniqueID != "test.shop.source_not_null_raw_events_id.e0dfd1a6a7" {
		t.Errorf("source test %s %s", gs[0].Name, gs[0].UniqueID)
	}
	if gs[1].Name != "source_unique_raw_events_id" {
		t.Errorf("source test %s", gs[1].Name)
	}

	q := specOf(t, "Order Id", "- not_null")
	q.Quote = true
	gs = mustParse(t, q)
	if gs[0].Name != "not_null_orders__Order_Id_" || gs[0].Kwargs["column_name"] != `"Order Id"` {
		t.Errorf("quoted column: %s %v", gs[0].Name, gs[0].Kwargs)
	}
}

func TestParseJinjaConfigIsDeferred(t *testing.T) {
	gs := mustParse(t, specOf(t, "id", `
- not_null:
    config:
      severity: "{{ 'warn' if target.name == 'dev' else 'error' }}"
      limit: 5
`))
	g := gs[0]
	if g.Config.Limit != 5 || g.Config.Severity != SeverityError {
		t.Errorf("static part of the config: %+v", g.Config)
	}
	if g.RawConfig["severity"] != "{{ 'warn' if target.name == 'dev' else 'error' }}" {
		t.Errorf("RawConfig %v", g.RawConfig)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ tests, want string }{
		{"- accepted_values: {valuez: [a]}", "test 'accepted_values_orders_id__a': accepted_values has no argument 'valuez' (did you mean 'values'?)"},
		{"- accepted_values: {values: []}", "accepted_values needs at least one value"},
		{"- accepted_values: {values: a}", "values must be a list, got 'a'"},
		{"- relationships: {to: \"ref('c')\"}", "relationships needs field:"},
		{"- not_null: {config: {severity: fatal}}", "severity must be warn or error, got 'fatal'"},
		{"- not_null: {config: {warn_if: \"lots\"}}", "warn_if must be a comparison with a number"},
		{"- not_null: {config: {limit: -1}}", "limit must be a whole number"},
		{"- not_null: {config: {fail_calc: \"sum(n)\"}}", "fail_calc is not supported"},
		{"- not_null: {severity: warn, config: {severity: error}}", "'severity' is given both under config: and beside it"},
		{"- unique: {arguments: {x: 1}, x: 2}", "'x' is given both under arguments: and beside it"},
		{"- {not_null: {}, unique: {}}", "a test must be a mapping with one key, the test's name; this one has 2 (not_null, unique)"},
		{"- not_null: [a]", "the arguments of 'not_null' must be a mapping, got a list"},
		{"- 'not-null'", "'not-null' is not a test name"},
		{"- 42", "a test must be a name or a mapping, got '42'"},
		{"- unique: {model: x}", "model cannot be an argument"},
		{"- not_null\n- not_null", "test 'not_null_orders_id' is defined twice on column 'id' of model 'orders' (give one of them another name with name:)"},
	}
	for _, c := range cases {
		_, diags := Parse(specOf(t, "id", c.tests))
		err := diags.Err()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s", c.tests, err, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "models/schema.yml:7: ") {
			t.Errorf("not placed at the property file: %v", err)
		}
	}
}

func TestParseWarnings(t *testing.T) {
	gs, diags := Parse(specOf(t, "id", "- not_null: {config: {store_failures_as: view, colour: red}}"))
	if len(gs) != 1 || diags.Err() != nil {
		t.Fatalf("%d tests, %v", len(gs), diags)
	}
	got := diags.Error()
	for _, want := range []string{"warning: test 'not_null_orders_id': store_failures_as: view is not supported", "unknown test config 'colour'"} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings %q lack %q", got, want)
		}
	}
}

func TestConditionAndStatus(t *testing.T) {
	for in, want := range map[string]string{"": "!= 0", "!=0": "!= 0", " >  10 ": "> 10", "<>-1.5": "<> -1.5", ">=3": ">= 3"} {
		if got, err := Condition(in); err != nil || got != want {
			t.Errorf("Condition(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"== 0", "> x", "!= 0; drop table t", "> 1 or true"} {
		if _, err := Condition(bad); err == nil {
			t.Errorf("Condition(%q) accepted", bad)
		}
	}
}
