package jinja

import (
	"testing"
)

// TestLiteralCallsMatchGonja renders templates whose outputs call kiln's
// functions with literal arguments, with literalCall and with gonja's
// evaluator, and compares output, errors and what the render recorded.
func TestLiteralCallsMatchGonja(t *testing.T) {
	macros := []string{"macros/m.sql", `
{% macro cents(col, scale=2) %}({{ col }} / 100)::numeric(16, {{ scale }}){% endmacro %}
{% macro fails() %}{{ exceptions.raise_compiler_error('no luck') }}{% endmacro %}
{% macro returns(x) %}{{ return(x * 2) }}{% endmacro %}
{% macro nothing() %}{% endmacro %}
{% macro callee() %}[{{ caller() }}]{% endmacro %}
{% macro kw(a, b='B', **kwargs) %}{{ a }}{{ b }}{{ kwargs }}{% endmacro %}`}
	fast := newTestEnv(t, macros...)
	slow := newTestEnv(t, macros...)
	slow.gonjaCalls = true

	for _, src := range []string{
		`select * from {{ ref('stg_orders') }} join {{ ref('shop', 'stg_payments') }}`,
		`{{ source('raw', 'orders') }} {{ var('start_date') }} {{ var('limit') }} {{ var('nope', 'default') }} {{ var('nope', 7) }}`,
		`{{ env_var('DBT_USER') }} {{ env_var('NOPE', 'x') }}`,
		`{{ config(materialized='table', unique_key='id') }}select 1`,
		`{{ config(materialized='table') }}{{ config(alias='a', materialized='view') }}`,
		`{{ cents('amount') }} {{ cents('amount', 4) }} {{ cents(col='x', scale=3) }}`,
		`{{ returns(21) }} {{ nothing() }}|{{ kw('a') }} {{ kw('a', 'b', c='C') }}`,
		`{% call callee() %}{{ ref('inner') }}{% endcall %}`,
		"line 1\n{{ ref('missing') }}",
		"line 1\n\n{{ var('required') }}",
		"{{ env_var('UNSET') }}",
		"{{ cents() }}{{ cents(1, 2, 3) }}",
		"{{ cents(nope='x') }}",
		"line 1\n{{ fails() }}",
		"{{ ref('broken') }}",
		"{{ ref(1) }}",
		"{{ source('only_one') }}",
		"{{ config('positional') }}",
		`{% autoescape true %}{{ var('start_date') }}{{ cents('<b>') }}{% endautoescape %}`,
		`{% set ref = 'shadowed' %}{{ ref }}`,
		`{% macro var(x) %}local {{ x }}{% endmacro %}{{ var('start_date') }}`,
		`{% for cents in [1] %}{{ cents }}{% endfor %}`,
		`{%- if true -%} {{- ref('a') -}} {%- endif -%} x`,
		"{{ ref('a') }}\n{{ ref('b') }}\n",
	} {
		ctx := testContext()
		want, wantErr := slow.Render(File{Path: "models/m.sql", Source: src}, ctx)
		got, gotErr := fast.Render(File{Path: "models/m.sql", Source: src}, ctx)
		if (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Errorf("%s\n error with literalCall: %v\n with gonja: %v", src, gotErr, wantErr)
			continue
		}
		if got.SQL != want.SQL || got.ConfigLine != want.ConfigLine || !equalCalls(got.Refs, want.Refs) || !equalCalls(got.Sources, want.Sources) || !equalConfig(got.Config, want.Config) {
			t.Errorf("%s\n with literalCall: %+v\n with gonja:       %+v", src, got, want)
		}
	}
}

func equalCalls(a, b []Call) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Line != b[i].Line || len(a[i].Args) != len(b[i].Args) {
			return false
		}
		for j := range a[i].Args {
			if a[i].Args[j] != b[i].Args[j] {
				return false
			}
		}
	}
	return true
}

func equalConfig(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
