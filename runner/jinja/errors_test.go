package jinja

import (
	"testing"
)

func TestRenderErrors(t *testing.T) {
	env := newTestEnv(t, projectMacros...)
	env = newTestEnv(t, append(projectMacros,
		"macros/bad.sql", "{% macro needs_var() %}\nselect\n  {{ var('not_set') }}\n{% endmacro %}\n{% macro calls_needs_var() %}{{ needs_var() }}{% endmacro %}",
	)...)
	// Six lines of padding so that the error is on line 7.
	const pad = "select\n  id,\n  name\nfrom t\n-- x\n-- y\n"
	tests := []struct {
		name, src string
		file      string
		line, col int
		msg, hint string
	}{
		// Syntax errors.
		{name: "bad if tag", src: pad + "{% if %}x{% endif %}", line: 7, msg: "invalid 'if' tag: expected either a number, string, keyword or identifier."},
		{name: "bad expression", src: pad + "{{ a + }}", line: 7, col: 8, msg: "expected either a number, string, keyword or identifier."},
		{name: "bad set", src: pad + "{% set x = %}", line: 7, msg: "invalid 'set' tag: expected either a number, string, keyword or identifier."},
		{name: "unclosed for", src: pad + "{% for x in [1] %}\n{{ x }}\n", line: 7, msg: "'for' tag is never closed (missing {% endfor %})"},
		{name: "unclosed if inside for", src: "{% for x in [1] %}\n" + pad + "{% if x %}\n{% endfor %}", line: 9, col: 4, msg: "unexpected {% endfor %}", hint: "the 'if' tag on line 8 is not closed"},
		{name: "stray end tag", src: pad + "{% endif %}", line: 7, col: 4, msg: "unexpected {% endif %}"},
		{name: "unknown tag", src: pad + "{% frobnicate %}", line: 7, col: 4, msg: "unknown tag 'frobnicate'"},
		{name: "misspelt tag", src: pad + "{% iff x %}{% endif %}", line: 7, col: 4, msg: "unknown tag 'iff'", hint: "did you mean 'if'?"},
		{name: "unclosed comment", src: pad + "{# never closed\nmore", line: 7, msg: "syntax error: unclosed comment"},
		{name: "unclosed expression", src: pad + "{{ x \nfrom", line: 7, col: 6, msg: "'}}' expected here"},
		{name: "unknown filter", src: pad + "{{ 'a' | lowr }}", line: 7, col: 10, msg: "unknown filter 'lowr'", hint: "did you mean 'lower'?"},
		{name: "unknown test", src: pad + "{% if 3 is oddd %}{% endif %}", line: 7, col: 12, msg: "unknown test 'oddd'"},
		{name: "include", src: pad + "{% include 'other.sql' %}", line: 7, msg: "{% include %} is not supported: templates cannot load other files (use a macro)"},
		{name: "string formatting with too few values", src: pad + "{{ '%s %s' % ('a',) }}", line: 7, msg: "not enough arguments for format string"},

		// Undefined names.
		{name: "unknown macro", src: pad + "select {{ cents_to_dolars('x') }}", line: 7, msg: "'cents_to_dolars' is undefined", hint: "did you mean 'cents_to_dollars'?"},
		{name: "unknown macro in a loop", src: "{% for i in [1] %}\n" + pad + "{{ nope(i) }}{% endfor %}", line: 8, msg: "'nope' is undefined"},
		{name: "unknown object", src: pad + "{{ model.config.materialized }}", line: 7, msg: "'model' is undefined"},
		{name: "calling a non-function", src: pad + "{{ target() }}", line: 7, msg: "target is not callable"},

		// dbt functions.
		{name: "missing var", src: pad + "{{ var('nope') }}", line: 7, msg: "required var 'nope' not found", hint: "set it in dbt_project.yml or with --vars, or give var() a default"},
		{name: "missing env var", src: pad + "{{ env_var('NOPE') }}", line: 7, msg: "env var 'NOPE' is not set and env_var() has no default"},
		{name: "ref error keeps its hint", src: pad + "{{ ref('missing') }}", line: 7, msg: "unknown ref 'missing'", hint: "did you mean 'mission'?"},
		{name: "ref plain error", src: pad + "{{ ref('broken') }}", line: 7, msg: "model 'broken' is disabled"},
		{name: "ref without arguments", src: pad + "{{ ref() }}", line: 7, msg: "ref() takes a model name, optionally preceded by a package name, as strings"},
		{name: "ref in a list", src: "{% set rels = [\n ref('a'),\n\n\n\n\n\n ref('missing')] %}", line: 8, msg: "unknown ref 'missing'", hint: "did you mean 'mission'?"},
		{name: "return outside a macro", src: pad + "{{ return(1) }}", line: 7, msg: "return() can only be used inside a macro"},
		{name: "raise_compiler_error", src: pad + "{% if true %}{{ exceptions.raise_compiler_error('unsupported grain') }}{% endif %}", line: 7, msg: "unsupported grain"},
		{name: "config with positional values", src: pad + "{{ config('table') }}", line: 7, msg: "config() takes keyword arguments", hint: "e.g. config(materialized='table')"},
		{name: "config.require", src: pad + "{{ config.require('unique_key') }}", line: 7, msg: "required config 'unique_key' is not set"},

		// Macros.
		{name: "macro argument count", src: pad + "{{ cents_to_dollars('a', 2, 3) }}", line: 7, msg: "macro 'cents_to_dollars' takes 2 arguments, not 3"},
		{name: "macro keyword typo", src: pad + "{{ cents_to_dollars('a', scael=2) }}", line: 7, msg: "macro 'cents_to_dollars' has no argument 'scael'", hint: "did you mean 'scale'?"},
		{name: "error inside a macro", src: pad + "{{ needs_var() }}", file: "macros/bad.sql", line: 3,
			msg: "required var 'not_set' not found (in macro 'needs_var', called from models/orders.sql:7)", hint: "set it in dbt_project.yml or with --vars, or give var() a default"},
		{name: "error in a nested macro", src: pad + "{{ calls_needs_var() }}", file: "macros/bad.sql", line: 3,
			msg: "required var 'not_set' not found (in macro 'needs_var', called from models/orders.sql:7)", hint: "set it in dbt_project.yml or with --vars, or give var() a default"},
		{name: "adapter method kiln lacks", src: pad + "{% set cols = adapter.get_columns_in_relation(this) %}", line: 7, msg: "adapter.get_columns_in_relation() is not supported by kiln"},
		{name: "dispatch without implementation", src: pad + "{{ adapter.dispatch('nothing')() }}", line: 7, msg: "no macro found to dispatch 'nothing' to", hint: "define postgres__nothing or default__nothing"},

		// gonja failures.
		{name: "attribute of none", src: pad + "{% set x = none %}{{ x.y }}", line: 7, msg: "Can't use Getitem on None"},
		{name: "panic in gonja", src: pad + "{{ 5 % 0 }}", line: 7, msg: "template engine failure: runtime error: integer divide by zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := env.Render(File{Path: "models/orders.sql", Source: tt.src}, testContext())
			if err == nil {
				t.Fatal("no error")
			}
			d := asDiag(t, err)
			file := tt.file
			if file == "" {
				file = "models/orders.sql"
			}
			if d.File != file || d.Line != tt.line || d.Col != tt.col {
				t.Errorf("position = %s:%d:%d, want %s:%d:%d", d.File, d.Line, d.Col, file, tt.line, tt.col)
			}
			if d.Message != tt.msg {
				t.Errorf("message = %q, want %q", d.Message, tt.msg)
			}
			if d.Hint != tt.hint {
				t.Errorf("hint = %q, want %q", d.Hint, tt.hint)
			}
			if d.Node != "model.shop.orders" {
				t.Errorf("node = %q", d.Node)
			}
		})
	}
}
