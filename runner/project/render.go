package project

import (
	"os"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
)

// renderer renders the Jinja found in YAML values of dbt_project.yml,
// property files and profiles.yml (env_var(), var(), target, filters)
// with runner/jinja. It is the only place that calls that package's
// renderer.
type renderer struct {
	ctx  jinja.Context
	once sync.Once
	env  *jinja.Env
	err  error
}

// newRenderer builds a renderer; a nil envVar reads the process
// environment, nil vars define no var, target may be nil.
func newRenderer(envVar func(string) (string, bool), vars map[string]any, target map[string]any) *renderer {
	if envVar == nil {
		envVar = os.LookupEnv
	}
	return &renderer{ctx: jinja.Context{
		EnvVar: envVar,
		Var: func(name string) (any, bool) {
			v, ok := vars[name]
			return v, ok
		},
		Target: target,
	}}
}

// needsRender reports whether s holds any Jinja.
func needsRender(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#")
}

// render renders text, a value written at file:line. Errors are
// diagnostics at that line (or below it, for a multi-line value).
func (r *renderer) render(file string, line int, text string) (string, *diag.Diagnostic) {
	r.once.Do(func() { r.env, r.err = jinja.NewEnv(nil) })
	if r.err != nil {
		return "", diag.Errorf(file, line, "cannot set up Jinja: %v", r.err)
	}
	out, err := r.env.RenderString(file, text, r.ctx)
	if err == nil {
		return out, nil
	}
	d := diag.Errorf(file, line, "%s", err.Error())
	if inner, ok := err.(*diag.Diagnostic); ok {
		d.Message, d.Hint = inner.Message, inner.Hint
		if inner.Line > 1 {
			d.Line += inner.Line - 1
		}
	}
	return "", d
}
