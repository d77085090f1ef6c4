package testgen

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

const customTests = `{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
select *
from {{ model }}
where {{ column_name }} < {{ min_value }}{% if max_value is not none %} or {{ column_name }} > {{ max_value }}{% endif %}
{% endtest %}

{% test has_rows(model, where_clause='true') %}
-- {{ model.schema }}.{{ model.name }}, severity {{ config.get('severity') }}
select 1 as no_rows
where not exists (select 1 from {{ model }} where {{ where_clause }})
{% endtest %}

{% test equal_rowcount(model, compare_model) %}
select 1 from (select count(*) as n from {{ model }}) a, (select count(*) as n from {{ compare_model }}) b where a.n <> b.n
{% endtest %}

{% test broken(model, column_name) %}
select {{ column_name }} from {{ model }}
{{ exceptions.raise_compiler_error("this test is broken") }}
{% endtest %}
`

func customEnv(t *testing.T) *jinja.Env {
	t.Helper()
	env, err := jinja.NewEnv([]jinja.File{{Path: "tests/generic/custom.sql", Source: customTests}})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestGoldenCustom(t *testing.T) {
	golden(t, "custom", compileAll(t, customEnv(t), "amount", `
- accepted_range: {min_value: 0, max_value: 1000}
- accepted_range:
    arguments: {min_value: 10}
    config: {where: "status = 'open'"}
    name: amount_open_at_least_10
`)+compileAll(t, customEnv(t), "", `
- has_rows: {config: {severity: warn}}
- equal_rowcount: {compare_model: "ref('orders_copy')"}
`))
}

func TestCompileCollectsRefs(t *testing.T) {
	var refs []string
	ctx := jinja.Context{Ref: func(name string) (warehouse.Relation, error) {
		refs = append(refs, name)
		return warehouse.Relation{Schema: "a", Name: name}, nil
	}}
	env := customEnv(t)
	gs := mustParse(t, specOf(t, "id", `- relationships: {to: "ref('customers')", field: id}`))
	gs = append(gs, mustParse(t, specOf(t, "", `- equal_rowcount: {compare_model: "{{ ref('orders_copy') }}"}`))...)
	for _, g := range gs {
		if _, err := Compile(env, g, orders, ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(refs, []string{"customers", "orders_copy"}) {
		t.Errorf("refs = %v", refs)
	}
}

func TestCompileRendersConfig(t *testing.T) {
	gs := mustParse(t, specOf(t, "id", `
- not_null:
    config:
      severity: "{{ 'warn' if target.name == 'dev' else 'error' }}"
      where: "day >= '{{ var('start') }}'"
      limit: "{{ 2 * 5 }}"
`))
	ctx := jinja.Context{
		Target: map[string]any{"name": "dev"},
		Var:    func(string) (any, bool) { return "2024-01-01", true },
	}
	c, err := Compile(nil2(t), gs[0], orders, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.Config.Severity != SeverityWarn || c.Config.Where != "day >= '2024-01-01'" || c.Config.Limit != 10 {
		t.Errorf("config %+v", c.Config)
	}
	want := "select id\nfrom (select * from \"analytics\".\"orders\" where day >= '2024-01-01') dbt_subquery\nwhere id is null"
	if c.SQL != want {
		t.Errorf("SQL:\n%s", c.SQL)
	}
	wt := c.Test("test.shop.x", "inv", nil)
	if wt.Limit != 10 || wt.WarnIf != "!= 0" || wt.ErrorIf != "!= 0" || wt.SQL != c.SQL || wt.NodeID != "test.shop.x" {
		t.Errorf("Test() = %+v", wt)
	}
}

func nil2(t *testing.T) *jinja.Env {
	env, err := jinja.NewEnv(nil)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestCompileErrors(t *testing.T) {
	env := customEnv(t)
	cases := []struct{ tests, want string }{
		{"- not_a_test", "models/schema.yml:7: test 'not_a_test_orders_id': no generic test 'not_a_test' is defined (define it with {% test not_a_test(model, column_name) %} in the macro paths or in tests/generic/)"},
		{"- accepted_range: {min_valu: 1}", "macro 'test_accepted_range' has no argument 'min_valu' (did you mean 'min_value'?)"},
		{"- broken", "tests/generic/custom.sql:19: this test is broken (in macro 'test_broken', called from models/schema.yml:7)"},
		{"- relationships: {to: \"ref('nope')\", field: id}", "models/schema.yml:7: test 'relationships_orders_id__id__ref_nope_': unknown model 'nope'"},
		{"- accepted_values: {values: \"{{ var('missing') }}\"}", "required var 'missing' not found"},
		{"- not_null: {config: {severity: \"{{ 'fatal' }}\"}}", "models/schema.yml:7: test 'not_null_orders_id': severity must be warn or error, got 'fatal'"},
		{"- accepted_values: {values: \"{{ 'a' }}\"}", "values must be a list, got 'a'"},
	}
	ctx := jinja.Context{Ref: func(name string) (warehouse.Relation, error) {
		return warehouse.Relation{}, errors.New("unknown model '" + name + "'")
	}}
	for _, c := range cases {
		gs := mustParse(t, specOf(t, "id", c.tests))
		_, err := Compile(env, gs[0], orders, ctx)
		var d *diag.Diagnostic
		if err == nil || !errors.As(err, &d) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s", c.tests, err, c.want)
		}
	}
}

func TestRenderSingular(t *testing.T) {
	env := nil2(t)
	f := jinja.File{Path: "tests/no_refunds.sql", Source: "{{ config(severity='warn', error_if='>10') }}\n\nselect * from {{ ref('orders') }} where amount < 0\n"}
	ctx := jinja.Context{Ref: func(name string) (warehouse.Relation, error) { return warehouse.Relation{Schema: "a", Name: name}, nil }}
	c, err := RenderSingular(env, f, ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.SQL != `select * from "a"."orders" where amount < 0` || c.Config.Severity != SeverityWarn || c.Config.ErrorIf != "> 10" {
		t.Errorf("%+v", c)
	}
	f.Source = "{{ config(severity='loud') }}\nselect 1"
	if _, err := RenderSingular(env, f, ctx); err == nil || err.Error() != "tests/no_refunds.sql:1: severity must be warn or error, got 'loud'" {
		t.Errorf("bad config: %v", err)
	}
}

func TestStatus(t *testing.T) {
	cases := []struct {
		sev         Severity
		warn, error bool
		want        string
	}{
		{SeverityError, true, true, "fail"},
		{SeverityWarn, true, true, "warn"},
		{SeverityError, true, false, "warn"},
		{SeverityWarn, false, true, "pass"},
		{SeverityError, false, false, "pass"},
	}
	for _, c := range cases {
		if got := Status(c.sev, warehouse.TestResult{Warn: c.warn, Error: c.error}); got != c.want {
			t.Errorf("Status(%s, warn=%v, error=%v) = %s, want %s", c.sev, c.warn, c.error, got, c.want)
		}
	}
	cfg := Config{Schema: "", Alias: ""}
	if got := cfg.StoreFailuresIn("analytics_dbt_test__audit", "not_null_orders_id"); got.Name != "not_null_orders_id" || got.Schema != "analytics_dbt_test__audit" {
		t.Errorf("StoreFailuresIn = %+v", got)
	}
}
