package jinja

import (
	"testing"

	"github.com/nikolalohinski/gonja/v2/builtins"
)

// TestForMatchesGonja renders loops with kiln's for tag and with gonja's,
// which it replaces, and compares output and errors.
func TestForMatchesGonja(t *testing.T) {
	macros := []string{"macros/m.sql", `{% macro listed(xs) %}{% for x in xs %}{{ x }}{{ loop.index }}{% if not loop.last %},{% endif %}{% endfor %}{% endmacro %}`}
	kiln := newTestEnv(t, macros...)
	gonja := newTestEnv(t, macros...)
	parse, _ := builtins.ControlStructures.Get("for")
	if err := gonja.engine.ControlStructures.Replace("for", positioned("for", parse)); err != nil {
		t.Fatal(err)
	}
	// The macro file was parsed with kiln's tag: parse it again with gonja's.
	gonja = rebuilt(t, gonja, macros...)

	for _, src := range []string{
		`{% for x in [1, 2, 3] %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.depth }}{{ loop.depth0 }}|{% endfor %}`,
		`{% for x in ['a', 'b', 'c'] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}`,
		`{% for x in range(5) %}{{ loop.cycle('odd', 'even') }}{{ loop.Cycle(1, 2, 3) }}{% endfor %}`,
		`{% for x in [1, 1, 2, 2, 3, 1] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}`,
		`{% for x in [1, 1, 2] %}{{ loop.changed(x, 1) }}{% endfor %}`,
		`{% for x in range(10) if x is even %}{{ x }}{{ loop.index }}/{{ loop.length }}{{ loop.last }} {% endfor %}`,
		`{% for x in range(10) if x > 100 %}{{ x }}{% else %}none{% endfor %}`,
		`{% for x in [] %}a{% else %}empty {{ loop is defined }}{% endfor %}`,
		`{% for x in [] %}a{% endfor %}.`,
		`{% for a in [1, 2] %}{% for b in [3, 4] %}{{ a }}{{ b }}{{ loop.depth }}{{ loop.index }} {% endfor %}{{ loop.index }}{{ loop.depth }} {% endfor %}`,
		`{% for k, v in {'b': 2, 'a': 1} %}{{ k }}={{ v }} {{ loop.previtem }} {{ loop.nextitem }};{% endfor %}`,
		`{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }}{{ loop.previtem }};{% endfor %}`,
		`{% for a, b in [[1, 2], [3, 4]] if b > 2 %}{{ a }}{{ b }}{% endfor %}`,
		`{% for x in 'abc' %}{{ x }}{% endfor %}`,
		`{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}`,
		`{% set y = 0 %}{% for x in [1, 2] %}{% set y = x %}{{ y }}{% endfor %}{{ y }}`,
		`{% set x = 'outer' %}{% for x in [1] %}{{ x }}{% set x = 'inner' %}{{ x }}{% endfor %}{{ x }}`,
		`{% set ns = namespace(n=0) %}{% for x in [1, 2, 3] %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}`,
		`{% for x in [1, 2] %}{% if x == 1 %}{% set z = 'set' %}{% endif %}{{ z }};{% endfor %}{{ z }}`,
		`{%- for x in [1, 2] -%} {{ x }} {%- endfor %}` + "\n  {% for x in [1] %}\n  {{ x }}\n{% endfor %}\n",
		`{{ listed(['a', 'b', 'c']) }} {% for x in [1, 2] %}{{ listed([x, loop.index]) }};{% endfor %}`,
		`{% for x in [[1, [2, 3]], [4, []]] recursive %}{{ loop.depth }}{{ x }}{% endfor %}`,
		`{% for x in [1, 2] %}{% for y in [[1]] recursive %}{{ loop.index }}{% endfor %}{% endfor %}`,
		`{% for x in undefined_thing %}{{ x }}{% endfor %}.`,
		`{% for x in [1, 2] %}{{ x.nope.deeper }}{% endfor %}`,
		`{% for x in [1, 2] %}{{ ref('m' ~ x) }}{{ config(materialized='table') }}{% endfor %}`,
		`{% for x in 3 %}{{ x }}{% endfor %}`,
	} {
		want, wantErr := gonja.RenderString("t.sql", src, testContext())
		got, gotErr := kiln.RenderString("t.sql", src, testContext())
		if got != want || (gotErr == nil) != (wantErr == nil) || (gotErr != nil && gotErr.Error() != wantErr.Error()) {
			t.Errorf("%s\n kiln:  %q, %v\n gonja: %q, %v", src, got, gotErr, want, wantErr)
		}
	}
}

// rebuilt is NewEnv again with env's control structures, so that macro
// files are parsed with them.
func rebuilt(t *testing.T, env *Env, files ...string) *Env {
	t.Helper()
	tags := env.engine.ControlStructures
	e := &Env{cfg: env.cfg, macros: map[string]*macro{}, engine: env.engine, empty: env.empty, names: env.names}
	e.engine.ControlStructures = tags
	for name := range env.macros {
		delete(e.macros, name)
	}
	for i := 0; i+1 < len(files); i += 2 {
		tpl, err := e.loadMacros(File{Path: files[i], Source: files[i+1]})
		if err != nil {
			t.Fatal(err)
		}
		if errs := e.prepare(tpl.Root().Identifier, tpl.Root(), false); len(errs) > 0 {
			t.Fatal(errs)
		}
	}
	for name, m := range e.macros {
		e.engine.Context.Set(name, m.call)
	}
	return e
}
