package jinja

import (
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/kiln-dev/kiln/runner/diag"
)

// Call is one call of ref or source: its arguments and the line of the
// rendered file it was made from (for a call inside a macro, the line that
// called the macro).
type Call struct {
	Args []string
	Line int
}

// Result is a rendered model.
type Result struct {
	SQL        string
	Config     map[string]any // from config(...) calls, later calls overriding earlier keys; never nil
	ConfigLine int            // line of the first config(...) call, 0 if none
	Refs       []Call
	Sources    []Call
}

// Render renders a model. The error, if any, is a *diag.Diagnostic placed
// at the line of f, or of the macro file, where the problem is.
func (e *Env) Render(f File, ctx Context) (Result, error) {
	res, d := e.render(f.Path, f.Source, ctx)
	if d != nil {
		return Result{}, d
	}
	return res, nil
}

// RenderString renders a small text that is not a model, such as
// profiles.yml, with the same functions; name is used in errors. ref and
// source fail when ctx does not provide them.
func (e *Env) RenderString(name, src string, ctx Context) (string, error) {
	res, d := e.render(name, src, ctx)
	if d != nil {
		return "", d
	}
	return res.SQL, nil
}

func (e *Env) render(file, src string, ctx Context) (res Result, d *diag.Diagnostic) {
	if !hasJinja(src) {
		// What gonja would render: the text, newlines normalized.
		return Result{SQL: normalize(src), Config: map[string]any{}}, nil
	}
	tpl, l, d := e.template(file, src)
	if d != nil {
		d.Node = ctx.Node
		return Result{}, d
	}

	st := newState(e, file, ctx)
	var out strings.Builder
	out.Grow(len(src) + len(src)/4)
	if err := st.execute(tpl, &out); err != nil && st.err == nil {
		st.record(st.diagnostic(rootMessage(err)))
	}
	if st.err != nil {
		return Result{}, st.err
	}
	// Nothing of the tree outlives a render that succeeded (its result is
	// strings and plain values), so the lexer and the tokens the tree
	// pointed into can serve the next template. After an error they are
	// left to the garbage collector, in case the error kept a token.
	e.lexers.Put(l)
	st.res.SQL = out.String()
	return st.res, nil
}

// hasJinja reports whether src holds anything gonja would not copy as it
// is: the start of an expression, a tag or a comment.
func hasJinja(src string) bool {
	return strings.Contains(src, variableStart) || strings.Contains(src, blockStart) || strings.Contains(src, commentStart)
}

// template returns file parsed and prepared. Nothing is kept between
// renders: a model is rendered once, or twice when its first render was
// handed a relation that changed, and parsing again costs less than
// keeping every parsed template (with its tokens) alive until the process
// ends.
func (e *Env) template(file, src string) (*nodes.Template, *lexer, *diag.Diagnostic) {
	root, l, d := e.parse(file, src)
	if d == nil {
		d = first(e.prepare(file, root, true))
	}
	if d != nil {
		return nil, nil, d
	}
	return root, l, nil
}

// parse parses src with kiln's lexer (lex) and gonja's parser, turning a
// panic or error of gonja into a diagnostic. It is exec.NewTemplate without
// gonja's lexer, and without the template object, which rendering does not
// need (see execute). The tree points into the tokens of the lexer it
// returns, which must not be reused before the tree is dropped.
func (e *Env) parse(file, src string) (root *nodes.Template, l *lexer, d *diag.Diagnostic) {
	defer func() {
		if p := recover(); p != nil {
			root, l, d = nil, nil, &diag.Diagnostic{File: file, Message: panicError(p).Error()}
		}
	}()
	l, _ = e.lexers.Get().(*lexer)
	if l == nil {
		l = &lexer{}
	}
	stream := tokens.NewStream(l.lex(src))
	root, err := parser.NewParser(file, stream, e.cfg, sourceLoader{name: file, source: src}, e.engine.ControlStructures).Parse()
	if err != nil {
		return nil, nil, e.parseError(file, src, err)
	}
	return root, l, nil
}

// compile parses a macro file with gonja, turning a panic or error into a
// diagnostic. Macros keep their exec.Template, which gonja needs to call
// them.
func (e *Env) compile(file, src string) (tpl *exec.Template, d *diag.Diagnostic) {
	defer func() {
		if p := recover(); p != nil {
			tpl, d = nil, &diag.Diagnostic{File: file, Message: panicError(p).Error()}
		}
	}()
	tpl, err := exec.NewTemplate(file, e.cfg, sourceLoader{name: file, source: src}, e.engine)
	if err != nil {
		return nil, e.parseError(file, src, err)
	}
	return tpl, nil
}

// execute runs a parsed template with the render's globals. It is what
// exec.NewRenderer(...).Execute() does; gonja's renderer wants an
// exec.Template only for a loader, which templates never use (kiln's tags
// cannot load files), so every render shares the Env's empty one.
func (st *state) execute(root *nodes.Template, out *strings.Builder) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = panicError(p)
		}
	}()
	env := &exec.Environment{
		Context:           st.globals.Inherit(),
		Filters:           st.env.engine.Filters,
		Tests:             st.env.engine.Tests,
		ControlStructures: st.env.engine.ControlStructures,
		Methods:           st.env.engine.Methods,
	}
	r := &exec.Renderer{
		Config:      st.env.cfg.Inherit(),
		Environment: env,
		Template:    st.env.empty,
		RootNode:    root,
		Output:      out,
		Loader:      sourceLoader{},
	}
	env.Context.Set("self", exec.Self(r))
	return r.Execute()
}

// first is the earliest error of a list, nil if there is none.
func first(l diag.List) *diag.Diagnostic {
	err := l.Err()
	if err == nil {
		return nil
	}
	return err.(diag.List)[0]
}
