package jinja

import (
	"fmt"
	"io"
	"slices"
	"sort"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"

	"github.com/kiln-dev/kiln/runner/diag"
)

// macro is one {% macro %} of a macro file, parsed once by NewEnv and
// called from any render.
type macro struct {
	name   string
	file   string
	node   *nodes.Macro
	tpl    *exec.Template // the macro file, which gonja needs to evaluate in
	env    *Env
	params []string
}

// loadMacros parses one macro file and registers its macros.
func (e *Env) loadMacros(f File) (*exec.Template, error) {
	tpl, d := e.compile(f.Path, f.Source)
	if d != nil {
		return nil, d
	}
	found := tpl.Macros()
	names := make([]string, 0, len(found))
	for name := range found {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs diag.List
	for _, name := range names {
		node := found[name]
		if prev, ok := e.macros[name]; ok {
			errs.Add(&diag.Diagnostic{
				File: f.Path, Line: node.Location.Line,
				Message: fmt.Sprintf("macro '%s' is already defined in %s:%d", name, prev.file, prev.node.Location.Line),
				Hint:    "rename one of them",
			})
			continue
		}
		m := &macro{name: name, file: f.Path, node: node, tpl: tpl, env: e}
		for _, arg := range node.Kwargs {
			if s, ok := arg.Key.(*nodes.String); ok {
				m.params = append(m.params, s.Val)
			}
		}
		e.macros[name] = m
	}
	return tpl, errs.Err()
}

// call runs the macro for one call in a render. The macro sees the render's
// globals (dbt functions, other macros) and its arguments, not the caller's
// local variables, as in Jinja.
func (m *macro) call(ev *exec.Evaluator, va *exec.VarArgs) *exec.Value {
	caller := ev.Environment.Context
	st := stateOf(caller)
	if st == nil {
		return exec.AsValue(fmt.Errorf("macro '%s' called outside of a render", m.name))
	}
	st.enter(va)
	if len(st.frames) > maxDepth {
		return st.fail(fmt.Sprintf("macro '%s' nests more than %d calls deep", m.name, maxDepth), "check for a macro that calls itself without end")
	}

	if msg, hint := m.checkArgs(va); msg != "" {
		return st.fail(msg, hint)
	}

	// gonja binds the arguments in a context of its own, child of this one.
	ctx := st.globals
	// {% call m() %}...{% endcall %} leaves the body for m to call as caller().
	if fn, ok := caller.Get("__gonja_caller__"); ok && fn != nil {
		ctx = ctx.Inherit()
		ctx.Set("__gonja_caller__", fn)
	}
	r := &exec.Renderer{
		Config: m.env.cfg, // gonja copies it before changing it
		Environment: &exec.Environment{
			Context:           ctx,
			Filters:           m.env.engine.Filters,
			Tests:             m.env.engine.Tests,
			ControlStructures: m.env.engine.ControlStructures,
			Methods:           m.env.engine.Methods,
		},
		Template: m.tpl,
		RootNode: m.tpl.Root(),
		Output:   io.Discard,
		Loader:   sourceLoader{},
	}
	fn, err := exec.MacroNodeToFunc(m.node, r)
	if err != nil {
		return exec.AsValue(err)
	}

	f := &frame{macro: m, file: m.file, line: m.node.Location.Line}
	st.frames = append(st.frames, f)
	out := fn(va)
	if f.returned {
		out = f.value
	} else if out.IsError() && st.err == nil {
		st.record(st.diagnostic(rootMessage(out)))
	}
	st.frames = st.frames[:len(st.frames)-1]
	if out.IsError() && st.err != nil {
		return exec.AsValue(st.err)
	}
	return out
}

// checkArgs reports a call that does not fit the macro's signature, before
// the call, so that the error points at the caller: a message and a hint,
// or "" when the call fits.
func (m *macro) checkArgs(va *exec.VarArgs) (string, string) {
	n := m.node
	if len(va.Args) > len(n.Kwargs) && n.VarArgsName == "" {
		return fmt.Sprintf("macro '%s' takes %d arguments, not %d", m.name, len(n.Kwargs), len(va.Args)), ""
	}
	if n.KwArgsName != "" {
		return "", ""
	}
	for k := range va.KwArgs {
		if !slices.Contains(m.params, k) {
			return fmt.Sprintf("macro '%s' has no argument '%s'", m.name, k), hintFor(k, m.params)
		}
	}
	return "", ""
}
