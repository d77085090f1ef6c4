package jinja

import (
	"reflect"
	"testing"
)

// TestRenderJinja checks standard Jinja against what Python's Jinja2 3.1
// renders for the same source, with dbt's settings (trim_blocks and
// lstrip_blocks off, the do and loopcontrols extensions on).
func TestRenderJinja(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct{ name, src, want string }{
		{"for loop emits lines", "select\n{% for c in ['a', 'b'] %}\n  {{ c }},\n{% endfor %}\n1\n", "select\n\n  a,\n\n  b,\n\n1"},
		{"indented for with loop.last", "select\n  {% for c in ['id', 'name'] %}\n  {{ c }}{% if not loop.last %},{% endif %}\n  {% endfor %}\nfrom t\n", "select\n  \n  id,\n  \n  name\n  \nfrom t"},
		{"whitespace control", "select\n    {%- for c in ['id', 'name'] %}\n    {{ c }}{{ ',' if not loop.last }}\n    {%- endfor %}\nfrom t", "select\n    id,\n    name\nfrom t"},
		{"trim both sides", "a\n{%- for c in [1, 2] -%}\n {{ c }}\n{%- endfor %}\nb", "a12\nb"},
		{"if elif else", "{% set x = 2 %}{% if x == 1 %}one{% elif x == 2 %}two{% else %}other{% endif %}", "two"},
		{"comment removed", "select 1 {# a comment #}\n{#- trimmed -#}\nfrom t", "select 1 from t"},
		{"single trailing newline dropped", "select 1\n\n", "select 1\n"},
		{"filters", "{{ ['a', 'b'] | join(', ') }} {{ 'x' | upper }} {{ '5' | int + 1 }} {{ 'A b' | lower | replace(' ', '_') }} {{ [3, 1, 2] | sort | first }} {{ ['a'] | length }}", "a, b X 6 a_b 1 1"},
		{"set block", "{% set q %}\nselect {{ 1 + 1 }}\n{% endset %}[{{ q | trim }}]", "[select 2]"},
		{"nested loops", "{% for i in range(2) %}{% for j in ['a', 'b'] %}{{ i }}{{ j }}{{ loop.index }} {% endfor %}{% endfor %}", "0a1 0b2 1a1 1b2 "},
		{"namespace in loop", "{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}", "6"},
		{"dict items keep order", "{% for k, v in {'b': 1, 'a': 2}.items() %}{{ k }}={{ v }} {% endfor %}", "b=1 a=2 "},
		{"percent formatting", "{{ '%s_%s' % ('a', 1) }} {{ '%05.1f%%' % 3.14159 }} {{ '%d' % 7 }} {{ 'x%s' % 'y' }} {{ 7 % 3 }}", "a_1 003.1% 7 xy 1"},
		{"format filter", "{{ '%s-%d' | format('a', 2) }}", "a-2"},
		{"inline if", "{{ 'yes' if 1 > 0 else 'no' }} {{ 'a' ~ 1 ~ 'b' }}", "yes a1b"},
		{"booleans and lists print like Python", "{{ true }} {{ false }} {{ [1, 'a'] }} {{ 1.5 }}", "True False [1, 'a'] 1.5"},
		{"loop else", "{% for x in [] %}{{ x }}{% else %}empty{% endfor %}", "empty"},
		{"break and continue", "{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}", "02"},
		{"macro in the model with defaults", "{% macro m(a, b='x') %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }} {{ m(2, b='y') }}", "1x 2y"},
		{"string methods", "{{ 'a,b'.split(',') | join('|') }} {{ 'AbC'.lower() }} {{ ' x '.strip() }}", "a|b abc x"},
		{"crlf newlines", "a\r\n{% if true %}b{% endif %}\r\n", "a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := env.Render(File{Path: "models/m.sql", Source: tt.src}, Context{})
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if res.SQL != tt.want {
				t.Errorf("SQL = %q, want %q", res.SQL, tt.want)
			}
		})
	}
}

func TestRenderDBTFunctions(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct {
		name, src, want string
		ctx             func(*Context)
	}{
		{name: "ref", src: "select * from {{ ref('customers') }}", want: `select * from "analytics"."customers"`},
		{name: "ref with package", src: "{{ ref('shop', 'customers') }}", want: `"analytics"."customers"`},
		{name: "ref attributes", src: "{{ ref('c').database }} {{ ref('c').schema }} {{ ref('c').name }} {{ ref('c').identifier }}", want: "db analytics c c"},
		{name: "ref concatenated", src: "{{ 'from ' ~ ref('c') }} {{ 'x ' + ref('c') }} {{ ref('c') | string | upper }}", want: `from "analytics"."c" x "analytics"."c" "ANALYTICS"."C"`},
		{name: "ref set then used", src: "{% set r = ref('c') %}{{ r }} {{ r.schema }}", want: `"analytics"."c" analytics`},
		{name: "ref render", src: "{{ ref('c').render() }}", want: `"analytics"."c"`},
		{name: "source", src: "{{ source('stripe', 'payments') }} {{ source('stripe', 'payments').schema }}", want: `"raw_stripe"."payments" raw_stripe`},
		{name: "this", src: "{{ this }} {{ this.schema }}.{{ this.identifier }} {{ this.database }}", want: `"analytics"."orders" analytics.orders db`},
		{name: "this absent", src: "[{{ this }}]", want: "[]", ctx: func(c *Context) { c.This = nil }},
		{name: "target", src: "{{ target.name }} {{ target.schema }} {{ target.dbname }} {{ target.type }} {{ target.threads + 1 }}", want: "dev analytics shop postgres 5"},
		{name: "var", src: "{{ var('start_date') }} {{ var('limit') * 2 }} {{ var('cols') | join(',') }}", want: "2024-01-01 20 a,b"},
		{name: "var default", src: "{{ var('nope', 'fallback') }} {{ var('nope', 3) + 1 }} {{ var('limit', 99) }}", want: "fallback 4 10"},
		{name: "var default none", src: "{% if var('nope', none) is none %}unset{% endif %}", want: "unset"},
		{name: "env_var", src: "{{ env_var('DBT_USER') }} {{ env_var('NOPE', 'd') }} {{ env_var('NOPE', 4) + 1 }}", want: "kiln d 5"},
		{name: "is_incremental false", src: "a{% if is_incremental() %} where x > 1{% endif %}", want: "a"},
		{name: "is_incremental true", src: "a{% if is_incremental() %} where x > 1{% endif %}", want: "a where x > 1", ctx: func(c *Context) { c.IsIncremental = true }},
		{name: "execute", src: "{{ execute }}", want: "True", ctx: func(c *Context) { c.Execute = true }},
		{name: "log renders nothing", src: "a{{ log('hello', info=True) }}b{% do log('x') %}", want: "ab"},
		{name: "adapter.quote", src: `{{ adapter.quote('Order "id"') }}`, want: `"Order ""id"""`},
		{name: "config renders nothing", src: "{{ config(materialized='table') }}\nselect 1", want: "\nselect 1"},
		{name: "config.get", src: "{{ config(materialized='table') }}{{ config.get('materialized') }} {{ config.get('x', 'dflt') }} [{{ config.get('y') }}]", want: "table dflt []"},
		{name: "as filters", src: "{{ 'true' | as_bool }} {{ '3' | as_number + 1 }} {{ 5 | as_text }}", want: "True 4 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext()
			if tt.ctx != nil {
				tt.ctx(&ctx)
			}
			res, err := env.Render(File{Path: "models/orders.sql", Source: tt.src}, ctx)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if res.SQL != tt.want {
				t.Errorf("SQL = %q, want %q", res.SQL, tt.want)
			}
		})
	}
}

func TestRenderRecordsCalls(t *testing.T) {
	env := newTestEnv(t, "macros/m.sql", "{% macro from_customers() %}\nfrom {{ ref('customers') }}\n{% endmacro %}")
	src := `{{ config(materialized='view') }}
select *
from {{ ref('orders') }}
join {{ source('stripe', 'payments') }} using (id)
{% set rels = [
    ref('shop', 'items'),
    ref('returns')
] %}
{{ from_customers() }}`
	res, err := env.Render(File{Path: "models/m.sql", Source: src}, testContext())
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	wantRefs := []Call{
		{Args: []string{"orders"}, Line: 3},
		{Args: []string{"shop", "items"}, Line: 6},
		{Args: []string{"returns"}, Line: 7},
		{Args: []string{"customers"}, Line: 9}, // inside a macro: the line that called it
	}
	if !reflect.DeepEqual(res.Refs, wantRefs) {
		t.Errorf("Refs = %v, want %v", res.Refs, wantRefs)
	}
	wantSources := []Call{{Args: []string{"stripe", "payments"}, Line: 4}}
	if !reflect.DeepEqual(res.Sources, wantSources) {
		t.Errorf("Sources = %v, want %v", res.Sources, wantSources)
	}
}

func TestRenderConfig(t *testing.T) {
	env := newTestEnv(t)
	tests := []struct {
		name, src string
		want      map[string]any
		line      int
	}{
		{
			name: "none",
			src:  "select 1",
			want: map[string]any{},
		},
		{
			name: "values become plain Go",
			src: `-- header

{{ config(
    materialized='incremental',
    schema='marts',
    tags=['finance', 'daily'],
    unique_key=['order_id', 'line'],
    enabled=true,
    threshold=1.5,
    retries=3,
    meta={'owner': 'ana', 'tier': 1},
    pre_hook=none
) }}
select 1`,
			want: map[string]any{
				"materialized": "incremental",
				"schema":       "marts",
				"tags":         []any{"finance", "daily"},
				"unique_key":   []any{"order_id", "line"},
				"enabled":      true,
				"threshold":    1.5,
				"retries":      3,
				"meta":         map[string]any{"owner": "ana", "tier": 1},
				"pre_hook":     nil,
			},
			line: 3,
		},
		{
			name: "later calls override earlier keys",
			src:  "\n{{ config(materialized='view', schema='a') }}\n{{ config(materialized='table') }}",
			want: map[string]any{"materialized": "table", "schema": "a"},
			line: 2,
		},
		{
			name: "dict argument",
			src:  "{{ config({'materialized': 'table', 'tags': ['x']}) }}",
			want: map[string]any{"materialized": "table", "tags": []any{"x"}},
			line: 1,
		},
		{
			name: "values from var and ref",
			src:  "{{ config(schema=var('start_date'), alias=ref('x').name) }}",
			want: map[string]any{"schema": "2024-01-01", "alias": "x"},
			line: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := env.Render(File{Path: "models/m.sql", Source: tt.src}, testContext())
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !reflect.DeepEqual(res.Config, tt.want) {
				t.Errorf("Config = %#v, want %#v", res.Config, tt.want)
			}
			if res.ConfigLine != tt.line {
				t.Errorf("ConfigLine = %d, want %d", res.ConfigLine, tt.line)
			}
		})
	}
}

func TestRenderString(t *testing.T) {
	env := newTestEnv(t)
	ctx := Context{EnvVar: func(name string) (string, bool) { return "s3cret", name == "PGPASSWORD" }}
	src := "shop:\n  outputs:\n    dev:\n      password: \"{{ env_var('PGPASSWORD') }}\"\n      threads: {{ env_var('THREADS', '4') | int }}\n"
	out, err := env.RenderString("profiles.yml", src, ctx)
	if err != nil {
		t.Fatalf("RenderString: %v", err)
	}
	want := "shop:\n  outputs:\n    dev:\n      password: \"s3cret\"\n      threads: 4"
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}

	_, err = env.RenderString("profiles.yml", "a\n{{ ref('x') }}", Context{})
	d := asDiag(t, err)
	if d.File != "profiles.yml" || d.Line != 2 || d.Message != "ref() cannot be used here" {
		t.Errorf("got %+v", d)
	}
}

// TestRenderReusesTemplate renders the same file twice with different
// contexts, and then a changed source under the same path.
func TestRenderReusesTemplate(t *testing.T) {
	env := newTestEnv(t)
	f := File{Path: "models/m.sql", Source: "{{ var('x') }}"}
	for _, v := range []string{"one", "two"} {
		ctx := Context{Var: func(string) (any, bool) { return v, true }}
		res, err := env.Render(f, ctx)
		if err != nil || res.SQL != v {
			t.Errorf("Render = %q, %v; want %q", res.SQL, err, v)
		}
	}
	f.Source = "changed {{ var('x') }}"
	res, err := env.Render(f, Context{Var: func(string) (any, bool) { return 1, true }})
	if err != nil || res.SQL != "changed 1" {
		t.Errorf("Render = %q, %v; want %q", res.SQL, err, "changed 1")
	}
}

// TestMacroReplacesRef: as in dbt, a project macro named ref replaces the
// builtin, which it can still call as builtins.ref.
func TestMacroReplacesRef(t *testing.T) {
	env := newTestEnv(t, "macros/ref.sql", "{% macro ref(name) %}{{ return(builtins.ref(name ~ '_v2')) }}{% endmacro %}")
	res, err := env.Render(File{Path: "models/m.sql", Source: "\nfrom {{ ref('orders') }}"}, testContext())
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	if want := "\nfrom \"analytics\".\"orders_v2\""; res.SQL != want {
		t.Errorf("SQL = %q, want %q", res.SQL, want)
	}
	if want := []Call{{Args: []string{"orders_v2"}, Line: 2}}; !reflect.DeepEqual(res.Refs, want) {
		t.Errorf("Refs = %v, want %v", res.Refs, want)
	}
}
