package testgen

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Compiled is a test ready for the warehouse.
type Compiled struct {
	SQL      string // selects the failing rows
	Config   Config // the test's configuration, Jinja rendered
	Warnings diag.List
}

// Test is what the warehouse runs for c. storeFailures is where to keep
// the failing rows, nil not to keep them.
func (c Compiled) Test(nodeID, invocationID string, storeFailures *warehouse.Relation) warehouse.Test {
	return warehouse.Test{
		NodeID: nodeID, InvocationID: invocationID, SQL: c.SQL,
		Limit: c.Config.Limit, WarnIf: c.Config.WarnIf, ErrorIf: c.Config.ErrorIf,
		StoreFailures: storeFailures,
	}
}

// Compile renders the Jinja of t's arguments and config and returns the
// SQL that selects its failing rows on model, the relation of the node it
// is attached to. Built-in tests get kiln's SQL; any other test calls the
// macro test_<name> (a {% test %} block) of env. As in dbt, a string
// argument that is one Jinja expression ("{{ var('statuses') }}") gives
// the expression's value, not its text, and one that looks like a call of
// ref, source, var, env_var or doc ("ref('customers')") is evaluated as
// such; other strings with Jinja are rendered to text. ref and source
// resolve through ctx, so wrapping ctx.Ref also collects the test's
// dependencies. Errors are *diag.Diagnostic placed at t's property file.
func Compile(env *jinja.Env, t *Generic, model warehouse.Relation, ctx jinja.Context) (Compiled, error) {
	r := newRenderer(env, t, ctx)
	cfg, rawCfg, warnings, err := r.config()
	if err != nil {
		return Compiled{}, err
	}
	var sql string
	if t.Builtin() {
		sql, err = r.builtin(model, cfg)
	} else {
		sql, err = r.custom(model, cfg, rawCfg)
	}
	if err != nil {
		return Compiled{}, err
	}
	return Compiled{SQL: sql, Config: cfg, Warnings: warnings}, nil
}

// RenderCustom renders the custom generic test t on model: it calls the
// macro test_<name> with model (a relation, or dbt's filtering subquery
// when the test has a where config), column_name for a column's test, and
// t's other arguments. config.get() in the macro sees the test's config.
func RenderCustom(env *jinja.Env, t *Generic, model warehouse.Relation, ctx jinja.Context) (string, error) {
	r := newRenderer(env, t, ctx)
	cfg, rawCfg, _, err := r.config()
	if err != nil {
		return "", err
	}
	return r.custom(model, cfg, rawCfg)
}

// RenderSingular renders a singular test, a SELECT of the failing rows in
// a .sql file of the test paths; its config() calls set its config.
func RenderSingular(env *jinja.Env, f jinja.File, ctx jinja.Context) (Compiled, error) {
	res, err := env.Render(f, ctx)
	if err != nil {
		return Compiled{}, err
	}
	cfg, warnings, errs := ConfigFrom(res.Config)
	if len(errs) > 0 {
		d := diag.Errorf(f.Path, res.ConfigLine, "%s", strings.Join(errs, "; "))
		d.Node = ctx.Node
		return Compiled{}, d
	}
	c := Compiled{SQL: strings.TrimSpace(res.SQL), Config: cfg}
	for _, w := range warnings {
		d := diag.Warnf(f.Path, res.ConfigLine, "%s", w)
		d.Node = ctx.Node
		c.Warnings = append(c.Warnings, d)
	}
	return c, nil
}

// Names of the variables through which a render receives its values; var()
// cannot be given such a name from the command line or a project file.
const (
	varPrefix  = "kiln/test/"
	varModel   = varPrefix + "model"
	varCapture = varPrefix + "capture"
	varArg     = varPrefix + "arg/"
	varConfig  = varPrefix + "config/"
)

// renderer renders the Jinja of one generic test.
type renderer struct {
	env  *jinja.Env
	t    *Generic
	ctx  jinja.Context
	name string // the template name, replaced by t's file and line in errors
	vars map[string]any
}

func newRenderer(env *jinja.Env, t *Generic, ctx jinja.Context) *renderer {
	r := &renderer{env: env, t: t, name: t.File + "#" + t.Name, vars: map[string]any{}}
	user := ctx.Var
	ctx.Var = func(name string) (any, bool) {
		if v, ok := r.vars[name]; ok {
			return v, true
		}
		if user != nil {
			return user(name)
		}
		return nil, false
	}
	if ctx.Node == "" {
		ctx.Node = t.UniqueID
	}
	r.ctx = ctx
	return r
}

// render renders src, placing errors at t's file and line.
func (r *renderer) render(src string) (string, error) {
	if r.env == nil {
		return "", r.errorf("rendering Jinja needs the project's macros (no jinja.Env given)")
	}
	out, err := r.env.RenderString(r.name, src, r.ctx)
	if err != nil {
		return "", r.place(err)
	}
	return out, nil
}

// place moves an error in a template of the renderer to t's file and line.
func (r *renderer) place(err error) error {
	var d *diag.Diagnostic
	if !errors.As(err, &d) {
		return r.errorf("%s", err.Error())
	}
	here := fmt.Sprintf("%s:%d", r.t.File, r.t.Line)
	d.Message = strings.ReplaceAll(d.Message, r.name+":1", here)
	d.Message = strings.ReplaceAll(d.Message, r.name, r.t.File)
	if d.File == r.name {
		d.File, d.Line, d.Col = r.t.File, r.t.Line, 0
		d.Message = "test '" + r.t.Name + "': " + d.Message
	}
	return d
}

func (r *renderer) errorf(format string, args ...any) *diag.Diagnostic {
	d := diag.Errorf(r.t.File, r.t.Line, "test '%s': %s", r.t.Name, fmt.Sprintf(format, args...))
	d.Node = r.ctx.Node
	return d
}

// native evaluates one Jinja expression and returns its value.
func (r *renderer) native(expr string) (any, error) {
	var got any
	r.vars[varCapture] = func(va *exec.VarArgs) *exec.Value {
		if len(va.Args) == 1 {
			got = toGo(va.Args[0])
		}
		return exec.AsValue("")
	}
	defer delete(r.vars, varCapture)
	// gonja cannot parse a conditional expression in parentheses; a set
	// statement takes any expression.
	if _, err := r.render("{% set kiln_test_value = " + expr + "\n%}{{ var('" + varCapture + "')(kiln_test_value) }}"); err != nil {
		return nil, err
	}
	return got, nil
}

// looksLikeCall matches an argument dbt evaluates as an expression though
// it has no {{ }}, such as to: "ref('customers')".
var looksLikeCall = regexp.MustCompile(`^\s*(env_var|ref|var|source|doc)\s*\(.+\)\s*$`)

// value renders the Jinja in an argument or config value; calls says
// whether strings that look like a call of ref() and friends are
// evaluated (arguments) or left alone (config).
func (r *renderer) value(v any, calls bool) (any, error) {
	switch v := v.(type) {
	case string:
		if calls && looksLikeCall.MatchString(v) {
			return r.native(v)
		}
		if expr, ok := singleExpression(v); ok {
			return r.native(expr)
		}
		if isJinja(v) {
			return r.render(v)
		}
		return v, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			y, err := r.value(x, calls)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			y, err := r.value(x, calls)
			if err != nil {
				return nil, err
			}
			out[k] = y
		}
		return out, nil
	}
	return v, nil
}

// singleExpression returns the expression of a string that is exactly one
// {{ expression }}.
func singleExpression(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{{") || !strings.HasSuffix(s, "}}") || len(s) < 4 {
		return "", false
	}
	inner := s[2 : len(s)-2]
	if strings.Contains(inner, "{{") || strings.Contains(inner, "}}") || strings.Contains(inner, "{%") || strings.Contains(inner, "{#") {
		return "", false
	}
	inner = strings.TrimSuffix(strings.TrimPrefix(inner, "-"), "-")
	if strings.TrimSpace(inner) == "" {
		return "", false
	}
	return inner, true
}

// kwargs renders the test's arguments; column_name is kept as written.
func (r *renderer) kwargs() (map[string]any, error) {
	out := make(map[string]any, len(r.t.Kwargs))
	for _, k := range sortedKeys(r.t.Kwargs) {
		v := r.t.Kwargs[k]
		if k != "column_name" {
			var err error
			if v, err = r.value(v, true); err != nil {
				return nil, err
			}
		}
		out[k] = v
	}
	return out, nil
}

// config renders the Jinja in the test's config and reads it.
func (r *renderer) config() (Config, map[string]any, diag.List, error) {
	if !hasJinja(r.t.RawConfig) {
		return r.t.Config, r.t.RawConfig, nil, nil
	}
	raw := make(map[string]any, len(r.t.RawConfig))
	for k, v := range r.t.RawConfig {
		rv, err := r.value(v, false)
		if err != nil {
			return Config{}, nil, nil, err
		}
		raw[k] = rv
	}
	cfg, _, errs := ConfigFrom(raw)
	if len(errs) > 0 {
		return Config{}, nil, nil, r.errorf("%s", strings.Join(errs, "; "))
	}
	// Parse warned about the values without Jinja already.
	rendered := map[string]any{}
	for k, v := range r.t.RawConfig {
		if isJinja(v) {
			rendered[k] = raw[k]
		}
	}
	_, ws, _ := ConfigFrom(rendered)
	var warnings diag.List
	for _, w := range ws {
		d := diag.Warnf(r.t.File, r.t.Line, "test '%s': %s", r.t.Name, w)
		d.Node = r.ctx.Node
		warnings = append(warnings, d)
	}
	return cfg, raw, warnings, nil
}

// builtin builds the SQL of a built-in test.
func (r *renderer) builtin(model warehouse.Relation, cfg Config) (string, error) {
	kw, err := r.kwargs()
	if err != nil {
		return "", err
	}
	rel := Where(model.String(), cfg.Where)
	col, _ := kw["column_name"].(string)
	switch r.t.TestName {
	case "not_null":
		return NotNull(rel, col, cfg.StoreFailures != nil && *cfg.StoreFailures), nil
	case "unique":
		return Unique(rel, col), nil
	case "accepted_values":
		values, ok := kw["values"].([]any)
		if !ok {
			return "", r.errorf("values must be a list, got %s", describe(kw["values"]))
		}
		quote := true
		if q, ok := kw["quote"]; ok && q != nil {
			if quote, ok = boolValue(q); !ok {
				return "", r.errorf("quote must be true or false, got %s", describe(q))
			}
		}
		sql, err := AcceptedValues(rel, col, values, quote)
		if err != nil {
			return "", r.errorf("%s", err.Error())
		}
		return sql, nil
	case "relationships":
		to := fmt.Sprint(kw["to"])
		field := fmt.Sprint(kw["field"])
		if strings.TrimSpace(to) == "" || strings.TrimSpace(field) == "" {
			return "", r.errorf("relationships needs to: and field:")
		}
		return Relationships(rel, col, to, field), nil
	}
	return "", r.errorf("'%s' is not a built-in test", r.t.TestName)
}

// custom renders the call of the test's macro.
func (r *renderer) custom(model warehouse.Relation, cfg Config, rawCfg map[string]any) (string, error) {
	kw, err := r.kwargs()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	var cfgArgs []string
	for _, k := range sortedKeys(rawCfg) {
		if identifierRE.MatchString(k) {
			r.vars[varConfig+k] = rawCfg[k]
			cfgArgs = append(cfgArgs, k+"=var('"+varConfig+k+"')")
		}
	}
	if len(cfgArgs) > 0 {
		b.WriteString("{{ config(" + strings.Join(cfgArgs, ", ") + ") }}")
	}
	if cfg.Where != "" {
		r.vars[varModel] = Where(model.String(), cfg.Where)
	} else {
		r.vars[varModel] = relation{model}
	}
	args := []string{"model=var('" + varModel + "')"}
	for _, k := range sortedKeys(kw) {
		r.vars[varArg+k] = kw[k]
		args = append(args, k+"=var('"+varArg+k+"')")
	}
	b.WriteString("{{ " + r.t.Macro() + "(" + strings.Join(args, ", ") + ") }}")
	out, err := r.render(b.String())
	if err != nil {
		var d *diag.Diagnostic
		if errors.As(err, &d) && strings.Contains(d.Message, "'"+r.t.Macro()+"' is undefined") {
			d.Message = fmt.Sprintf("test '%s': no generic test '%s' is defined", r.t.Name, r.t.TestName)
			d.Hint = fmt.Sprintf("define it with {%% test %s(model, column_name) %%} in the macro paths or in tests/generic/", r.t.TestName)
		}
		return "", err
	}
	return strings.TrimSpace(out), nil
}

// toGo turns a template value into plain Go: nil, bool, int, float64,
// string, []any or map[string]any; anything else (a relation from ref())
// is kept as it is, and prints as SQL.
func toGo(v *exec.Value) any {
	switch {
	case v == nil || v.IsNil():
		return nil
	case v.IsBool():
		return v.Bool()
	case v.IsInteger():
		return v.Integer()
	case v.IsFloat():
		return v.Float()
	case v.IsString():
		return v.String()
	case v.IsList():
		out := make([]any, 0, v.Len())
		v.Iterate(func(_, _ int, item, _ *exec.Value) bool {
			out = append(out, toGo(item))
			return true
		}, func() {})
		return out
	case v.IsDict():
		out := map[string]any{}
		v.Iterate(func(_, _ int, key, value *exec.Value) bool {
			out[key.String()] = toGo(value)
			return true
		}, func() {})
		return out
	}
	return v.Interface()
}

// relation is the model a custom test receives: it prints as
// "schema"."name" and has dbt's Relation attributes.
type relation struct{ rel warehouse.Relation }

func (r relation) String() string { return r.rel.String() }

// GetAttribute implements exec.AttributeGetter.
func (r relation) GetAttribute(name string) (*exec.Value, bool) {
	switch name {
	case "database":
		return exec.AsValue(r.rel.Database), true
	case "schema":
		return exec.AsValue(r.rel.Schema), true
	case "name", "identifier", "table":
		return exec.AsValue(r.rel.Name), true
	case "render":
		return exec.AsValue(func(*exec.VarArgs) *exec.Value { return exec.AsValue(r.String()) }), true
	}
	return exec.AsValue(nil), false
}
