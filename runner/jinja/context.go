package jinja

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Context is what a render asks of the project. Any callback may be nil:
// ref and source then fail when called, var and env_var behave as if
// nothing were set.
type Context struct {
	Node          string // unique id of the node rendered, put in diagnostics
	Ref           func(name string) (warehouse.Relation, error)
	Source        func(source, table string) (warehouse.Relation, error)
	Var           func(name string) (any, bool)
	EnvVar        func(name string) (string, bool)
	This          *warehouse.Relation
	Target        map[string]any // target.name, .schema, .dbname, .type, .threads, ...
	IsIncremental bool
	Execute       bool
}

// dbtFunctions are the names dbt puts in every template besides macros.
var dbtFunctions = []string{
	"adapter", "builtins", "config", "env_var", "exceptions", "execute", "is_incremental",
	"log", "ref", "return", "source", "target", "this", "var",
}

// callable is the signature of kiln's helper functions that need no render
// state; gonja passes the evaluated arguments.
type callable = func(*exec.VarArgs) *exec.Value

// function is the signature gonja gives a function that wants to know the
// context it is called in, which is how kiln's dbt functions find their
// render.
type function = func(*exec.Evaluator, *exec.VarArgs) *exec.Value

// dbtFunc is a dbt function, implemented on the render state.
type dbtFunc func(st *state, va *exec.VarArgs) *exec.Value

// bind makes f callable from templates: it finds the render the call
// belongs to and records the line of the call.
func (f dbtFunc) bind() function {
	return func(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
		st := stateOf(ev.Environment.Context)
		if st == nil {
			return exec.AsValue(errors.New("dbt functions can only be called during a render"))
		}
		st.enter(va)
		return f(st, va)
	}
}

// dbtGlobals are the functions of dbtFunctions, the same for every render:
// they find their render through the context.
func dbtGlobals() map[string]any {
	ref := dbtFunc((*state).ref).bind()
	source := dbtFunc((*state).source).bind()
	config := configFunc(dbtFunc((*state).config).bind())
	return map[string]any{
		"ref":    ref,
		"source": source,
		"config": config,
		// A project macro may replace ref, source or config, and reach the
		// originals as builtins.ref, ...
		"builtins":       object{"builtins", map[string]any{"ref": ref, "source": source, "config": config}},
		"var":            dbtFunc((*state).variable).bind(),
		"env_var":        dbtFunc((*state).envVar).bind(),
		"is_incremental": dbtFunc((*state).isIncremental).bind(),
		"log":            dbtFunc((*state).log).bind(),
		"return":         dbtFunc((*state).ret).bind(),
		undefinedKey:     dbtFunc((*state).undefined).bind(),
		formatKey:        dbtFunc((*state).format).bind(),
		dictKey:          dbtFunc((*state).dictView).bind(),
		"adapter": object{"adapter", map[string]any{
			"quote":    dbtFunc((*state).quote).bind(),
			"dispatch": dbtFunc((*state).dispatch).bind(),
		}},
		"exceptions": object{"exceptions", map[string]any{
			"raise_compiler_error": dbtFunc((*state).raiseCompilerError).bind(),
			"warn":                 dbtFunc((*state).warn).bind(),
		}},
	}
}

// object is one of dbt's namespaces of functions (adapter, exceptions,
// builtins). A function kiln does not implement fails when called, saying
// so.
type object struct {
	name    string
	methods map[string]any
}

func (o object) String() string { return o.name }

// GetAttribute implements exec.AttributeGetter.
func (o object) GetAttribute(attr string) (*exec.Value, bool) {
	if f, ok := o.methods[attr]; ok {
		return exec.AsValue(f), true
	}
	return exec.AsValue(dbtFunc(func(st *state, _ *exec.VarArgs) *exec.Value {
		return st.fail(fmt.Sprintf("%s.%s() is not supported by kiln", o.name, attr), "")
	}).bind()), true
}

// define puts the values of this render in its globals.
func (st *state) define(g *exec.Context) {
	g.Set(stateKey, st)
	g.Set("execute", st.ctx.Execute)
	g.Set("target", st.ctx.Target)
	if st.ctx.This != nil {
		g.Set("this", relation{*st.ctx.This})
	} else {
		g.Set("this", nil)
	}
}

// ref('model') or ref('package', 'model'): the relation of a model.
func (st *state) ref(va *exec.VarArgs) *exec.Value {
	args, ok := stringArgs(va)
	if !ok || len(args) < 1 || len(args) > 2 {
		return st.fail("ref() takes a model name, optionally preceded by a package name, as strings", "")
	}
	st.res.Refs = append(st.res.Refs, Call{Args: args, Line: st.templateLine()})
	if st.ctx.Ref == nil {
		return st.fail("ref() cannot be used here", "")
	}
	rel, err := st.ctx.Ref(args[len(args)-1])
	if err != nil {
		return st.failWith(err)
	}
	return exec.AsValue(relation{rel})
}

// source('source_name', 'table_name'): the relation of a source table.
func (st *state) source(va *exec.VarArgs) *exec.Value {
	args, ok := stringArgs(va)
	if !ok || len(args) != 2 {
		return st.fail("source() takes a source name and a table name, as strings", "")
	}
	st.res.Sources = append(st.res.Sources, Call{Args: args, Line: st.templateLine()})
	if st.ctx.Source == nil {
		return st.fail("source() cannot be used here", "")
	}
	rel, err := st.ctx.Source(args[0], args[1])
	if err != nil {
		return st.failWith(err)
	}
	return exec.AsValue(relation{rel})
}

// var('name') or var('name', default).
func (st *state) variable(va *exec.VarArgs) *exec.Value {
	if len(va.Args) < 1 || len(va.Args) > 2 || !va.Args[0].IsString() {
		return st.fail("var() takes a variable name and an optional default", "")
	}
	name := va.Args[0].String()
	if st.ctx.Var != nil {
		if v, ok := st.ctx.Var(name); ok {
			return exec.AsValue(v)
		}
	}
	if len(va.Args) == 2 {
		return va.Args[1]
	}
	return st.fail(fmt.Sprintf("required var '%s' not found", name), "set it in dbt_project.yml or with --vars, or give var() a default")
}

// env_var('NAME') or env_var('NAME', default).
func (st *state) envVar(va *exec.VarArgs) *exec.Value {
	if len(va.Args) < 1 || len(va.Args) > 2 || !va.Args[0].IsString() {
		return st.fail("env_var() takes a variable name and an optional default", "")
	}
	name := va.Args[0].String()
	if st.ctx.EnvVar != nil {
		if v, ok := st.ctx.EnvVar(name); ok {
			return exec.AsValue(v)
		}
	}
	if len(va.Args) == 2 {
		return va.Args[1]
	}
	return st.fail(fmt.Sprintf("env var '%s' is not set and env_var() has no default", name), "")
}

func (st *state) isIncremental(va *exec.VarArgs) *exec.Value {
	return exec.AsValue(st.ctx.IsIncremental)
}

// log(msg, info=False) renders nothing; kiln has no debug log of its own.
func (st *state) log(va *exec.VarArgs) *exec.Value {
	return exec.AsValue("")
}

// return(value) ends the current macro, which then evaluates to value
// instead of its rendered text.
func (st *state) ret(va *exec.VarArgs) *exec.Value {
	f := st.top()
	if f.macro == nil {
		return st.fail("return() can only be used inside a macro", "")
	}
	if len(va.Args) != 1 {
		return st.fail("return() takes one value", "")
	}
	f.returned, f.value = true, va.Args[0]
	return exec.AsValue(errReturn)
}

// errReturn stops the execution of a macro body after return(); the macro
// call recognizes it by its frame, whatever gonja wrapped it in.
var errReturn = errors.New("return() outside of a macro call")

// undefined stands in for a call to a name that nothing defines, so that
// the error says which name, and where, only if the call is reached.
func (st *state) undefined(va *exec.VarArgs) *exec.Value {
	name := va.KwArgs[nameKey].String()
	return st.fail(fmt.Sprintf("'%s' is undefined", name), hintFor(name, st.env.names))
}

// adapter.quote('name'): a quoted identifier.
func (st *state) quote(va *exec.VarArgs) *exec.Value {
	if len(va.Args) != 1 {
		return st.fail("adapter.quote() takes one identifier", "")
	}
	return exec.AsValue(pgx.Identifier{va.Args[0].String()}.Sanitize())
}

// adapter.dispatch('name') returns the macro postgres__name, else
// default__name, as dbt does for the postgres adapter. The macro_namespace
// argument is ignored: all macros share one namespace.
func (st *state) dispatch(va *exec.VarArgs) *exec.Value {
	if len(va.Args) < 1 || !va.Args[0].IsString() {
		return st.fail("adapter.dispatch() takes a macro name", "")
	}
	name := va.Args[0].String()
	for _, candidate := range []string{"postgres__" + name, "default__" + name} {
		if m, ok := st.env.macros[candidate]; ok {
			return exec.AsValue(m.call)
		}
	}
	return st.fail(fmt.Sprintf("no macro found to dispatch '%s' to", name),
		fmt.Sprintf("define postgres__%s or default__%s", name, name))
}

// exceptions.raise_compiler_error(msg) fails the render with msg.
func (st *state) raiseCompilerError(va *exec.VarArgs) *exec.Value {
	return st.fail(va.First().String(), "")
}

// exceptions.warn(msg) is accepted and ignored: renders have no warnings.
func (st *state) warn(va *exec.VarArgs) *exec.Value {
	return exec.AsValue("")
}

// stringArgs returns the positional arguments as strings; false when one
// is not a string.
func stringArgs(va *exec.VarArgs) ([]string, bool) {
	out := make([]string, len(va.Args))
	for i, a := range va.Args {
		if !a.IsString() {
			return nil, false
		}
		out[i] = a.String()
	}
	return out, true
}

// dictView is d.items(), d.keys() or d.values(), in the order of the dict
// (gonja's own methods sort the keys; Python keeps insertion order).
func (st *state) dictView(va *exec.VarArgs) *exec.Value {
	d, method := va.Args[0], va.Args[1].String()
	if !d.IsDict() {
		return st.fail(fmt.Sprintf("%s() needs a dict, not %s", method, d.String()), "")
	}
	keys := d.Keys()
	out := make([]any, len(keys))
	for i, k := range keys {
		v, _ := d.GetItem(k.Interface())
		switch method {
		case "keys":
			out[i] = k
		case "values":
			out[i] = v
		default:
			out[i] = []any{k, v}
		}
	}
	return exec.AsValue(out)
}
