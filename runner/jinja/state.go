package jinja

import (
	"errors"
	"fmt"

	"github.com/nikolalohinski/gonja/v2/exec"

	"github.com/kiln-dev/kiln/runner/diag"
)

// Names kiln adds to templates that no template can spell: gonja looks them
// up like any variable or keyword argument.
const (
	stateKey     = "\x00kiln.state"     // the *state of the render, in its globals
	lineKey      = "\x00kiln.line"      // keyword argument: the line of a call
	nameKey      = "\x00kiln.name"      // keyword argument: the name of an undefined call
	undefinedKey = "\x00kiln.undefined" // function standing in for an undefined callee
	dictKey      = "\x00kiln.dict"      // function standing in for d.items(), d.keys(), d.values()
	formatKey    = "\x00kiln.format"    // function standing in for 'literal' % values
	opKey        = "\x00kiln.op"        // keyword argument: the method of config.get / config.require
)

// maxDepth bounds macro recursion, which would otherwise exhaust the stack.
const maxDepth = 100

// state is everything one render accumulates. A render runs on one
// goroutine, so state needs no locking.
type state struct {
	env     *Env
	ctx     Context
	file    string        // the template being rendered
	globals *exec.Context // what every macro sees: gonja globals, macros, dbt functions
	frames  []*frame      // frames[0] is the template; one more per macro call
	res     Result
	err     *diag.Diagnostic // the first error, with its position
}

// frame is one template or macro being executed and where it is.
type frame struct {
	macro    *macro // nil for the template itself
	file     string
	line     int
	returned bool
	value    *exec.Value // what return() gave
}

func newState(e *Env, file string, ctx Context) *state {
	st := &state{env: e, ctx: ctx, file: file}
	st.frames = []*frame{{file: file, line: 1}}
	st.res.Config = map[string]any{}
	st.globals = e.engine.Context.Inherit()
	st.define(st.globals)
	return st
}

// stateOf finds the render a gonja context belongs to.
func stateOf(ctx *exec.Context) *state {
	v, _ := ctx.Get(stateKey)
	st, _ := v.(*state)
	return st
}

func (st *state) top() *frame { return st.frames[len(st.frames)-1] }

// at records that execution reached line of file in the current frame.
func (st *state) at(file string, line int) {
	f := st.top()
	f.file, f.line = file, line
}

// enter strips the line kiln added to a call and records it.
func (st *state) enter(va *exec.VarArgs) {
	if v, ok := va.KwArgs[lineKey]; ok {
		delete(va.KwArgs, lineKey)
		st.top().line = v.Integer()
	}
}

// templateLine is the current line in the rendered template: inside a
// macro, the line of the outermost macro call.
func (st *state) templateLine() int { return st.frames[0].line }

// fail records an error at the current position, unless an earlier one is
// recorded, and returns it as a gonja error value so that evaluation stops.
func (st *state) fail(msg, hint string) *exec.Value {
	d := st.diagnostic(msg)
	d.Hint = hint
	return st.record(d)
}

// failWith is fail for an error from the Context's callbacks: a
// *diag.Diagnostic keeps its message and hint, but gets kiln's position.
func (st *state) failWith(err error) *exec.Value {
	var d *diag.Diagnostic
	if errors.As(err, &d) {
		return st.fail(d.Message, d.Hint)
	}
	return st.fail(err.Error(), "")
}

func (st *state) record(d *diag.Diagnostic) *exec.Value {
	if st.err == nil {
		st.err = d
	}
	return exec.AsValue(st.err)
}

// diagnostic places msg at the current position. Inside a macro, that is
// the macro file, and the message says which macro and where the template
// called it.
func (st *state) diagnostic(msg string) *diag.Diagnostic {
	f := st.top()
	d := &diag.Diagnostic{File: f.file, Line: f.line, Node: st.ctx.Node, Message: msg}
	if f.macro != nil {
		d.Message = fmt.Sprintf("%s (in macro '%s', called from %s:%d)", msg, f.macro.name, st.file, st.templateLine())
	}
	return d
}
