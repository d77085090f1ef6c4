package jinja

import (
	"errors"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/diag"
)

// projectMacros are macro files as a dbt project has them.
var projectMacros = []string{
	"macros/money.sql", `{% macro cents_to_dollars(column_name, scale=2) -%}
    ({{ column_name }} / 100)::numeric(16, {{ scale }})
{%- endmacro %}

{% macro sum_dollars(column_name) -%}
    sum({{ cents_to_dollars(column_name) }})
{%- endmacro %}`,
	"macros/refs.sql", `{% macro from_orders() %}from {{ ref('orders') }}{% endmacro %}
{% macro start() %}{{ var('start_date') }}{% endmacro %}`,
	"macros/lists.sql", `{% macro payment_methods() %}
    {{ return(['credit_card', 'coupon']) }}
{% endmacro %}

{% macro is_big(n) %}{% if n > 10 %}{{ return(true) }}{% endif %}{{ return(false) }}{% endmacro %}

{% macro wrap(tag='div') %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}

{% macro args_and_kwargs(a) %}{{ a }}|{{ varargs | join(',') }}{% endmacro %}`,
	"macros/dispatch.sql", `{% macro concat(a, b) %}{{ return(adapter.dispatch('concat')(a, b)) }}{% endmacro %}
{% macro default__concat(a, b) %}{{ a }} || {{ b }}{% endmacro %}
{% macro postgres__concat(a, b) %}concat({{ a }}, {{ b }}){% endmacro %}`,
	"macros/tests.sql", `{% test not_negative(model, column_name) %}
select * from {{ model }} where {{ column_name }} < 0
{% endtest %}

{% materialization custom, default %}
{{ this_is_never_rendered() }}
{% endmaterialization %}`,
	"macros/scope.sql", `{% macro sees_local() %}[{{ local_var }}]{% endmacro %}`,
}

func TestMacros(t *testing.T) {
	env := newTestEnv(t, projectMacros...)
	tests := []struct{ name, src, want string }{
		{"macro with default args", "{{ cents_to_dollars('amount') }} {{ cents_to_dollars('fee', 4) }} {{ cents_to_dollars(scale=0, column_name='x') }}",
			"(amount / 100)::numeric(16, 2) (fee / 100)::numeric(16, 4) (x / 100)::numeric(16, 0)"},
		{"macro calling a macro", "select {{ sum_dollars('amount') }}", "select sum((amount / 100)::numeric(16, 2))"},
		{"ref and var inside a macro", "select * {{ from_orders() }} where d > '{{ start() }}'", `select * from "analytics"."orders" where d > '2024-01-01'`},
		{"return a list", "{% set methods = payment_methods() %}{% for m in methods %}{{ m }}{% if not loop.last %}, {% endif %}{% endfor %}", "credit_card, coupon"},
		{"return in a loop head", "{% for m in payment_methods() %}{{ loop.index }}{{ m }} {% endfor %}", "1credit_card 2coupon "},
		{"return stops the macro", "{{ is_big(20) }} {{ is_big(1) }}", "True False"},
		{"caller", "{% call wrap('b') %}bold {{ ref('x').name }}{% endcall %}", "<b>bold x</b>"},
		{"dispatch to the postgres implementation", "{{ concat('a', 'b') }}", "concat(a, b)"},
		{"generic test block is a macro", "{{ test_not_negative('t', 'amount') | trim }}", "select * from t where amount < 0"},
		{"macros do not see the model's variables", "{% set local_var = 1 %}{{ sees_local() }}", "[]"},
		{"macro output in an expression", "{{ cents_to_dollars('a') | upper }}", "(A / 100)::NUMERIC(16, 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := env.Render(File{Path: "models/m.sql", Source: tt.src}, testContext())
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if res.SQL != tt.want {
				t.Errorf("SQL = %q, want %q", res.SQL, tt.want)
			}
		})
	}
}

func TestNewEnvErrors(t *testing.T) {
	_, err := NewEnv([]File{
		{Path: "macros/a.sql", Source: "{% macro a() %}\n{{ x + }}\n{% endmacro %}"},
		{Path: "macros/b.sql", Source: "{% macro b() %}ok{% endmacro %}"},
		{Path: "macros/c.sql", Source: "\n\n{% macro c() %}\n{% if %}\n{% endif %}{% endmacro %}"},
		{Path: "macros/d.sql", Source: "{% macro b() %}again{% endmacro %}\n{% macro d() %}{{ 'x' | uppr }}{% endmacro %}"},
	})
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("error is %T (%v), want diag.List", err, err)
	}
	want := []string{
		"macros/a.sql:2:8: expected either a number, string, keyword or identifier.",
		"macros/c.sql:4: invalid 'if' tag: expected either a number, string, keyword or identifier.",
		"macros/d.sql:1: macro 'b' is already defined in macros/b.sql:1 (rename one of them)",
		"macros/d.sql:2:25: unknown filter 'uppr' (did you mean 'upper'?)",
	}
	if len(list) != len(want) {
		t.Fatalf("got %d errors:\n%v\nwant %d", len(list), list, len(want))
	}
	for i, d := range list {
		if d.Error() != want[i] {
			t.Errorf("error %d = %q, want %q", i, d.Error(), want[i])
		}
	}
}

// TestMacroUndefinedOnlyWhenCalled: like Jinja, a macro that calls
// something undefined fails only if it runs.
func TestMacroUndefinedOnlyWhenCalled(t *testing.T) {
	env := newTestEnv(t, "macros/m.sql", "{% macro ok() %}ok{% endmacro %}\n{% macro bad() %}\n{{ run_query('select 1') }}\n{% endmacro %}")
	res, err := env.Render(File{Path: "models/m.sql", Source: "{{ ok() }}"}, testContext())
	if err != nil || res.SQL != "ok" {
		t.Fatalf("Render = %q, %v", res.SQL, err)
	}
	_, err = env.Render(File{Path: "models/m.sql", Source: "\n{{ bad() }}"}, testContext())
	d := asDiag(t, err)
	want := "macros/m.sql:3: 'run_query' is undefined (in macro 'bad', called from models/m.sql:2)"
	if d.Error() != want {
		t.Errorf("error = %q, want %q", d.Error(), want)
	}
}

func TestMacroRecursionIsBounded(t *testing.T) {
	env := newTestEnv(t, "macros/m.sql", "{% macro loop_forever(n) %}{{ loop_forever(n + 1) }}{% endmacro %}")
	_, err := env.Render(File{Path: "models/m.sql", Source: "{{ loop_forever(0) }}"}, testContext())
	d := asDiag(t, err)
	if d.File != "macros/m.sql" || !strings.Contains(d.Message, "nests more than 100 calls deep") {
		t.Errorf("got %v", d)
	}
}

// TestMacroLinesAreTrue checks that a model's line numbers are not shifted
// by the macros (kiln never pastes macro text in front of a model).
func TestMacroLinesAreTrue(t *testing.T) {
	env := newTestEnv(t, projectMacros...)
	_, err := env.Render(File{Path: "models/m.sql", Source: "select 1\n\n{{ nope() }}"}, testContext())
	d := asDiag(t, err)
	if d.File != "models/m.sql" || d.Line != 3 {
		t.Errorf("got %s:%d, want models/m.sql:3", d.File, d.Line)
	}
}
