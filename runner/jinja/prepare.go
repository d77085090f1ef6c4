package jinja

import (
	"fmt"
	"slices"
	"strings"

	gonjatags "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/kiln-dev/kiln/runner/diag"
)

// prepare readies a parsed template before its first execution. gonja tells
// a function nothing about where it was called from, and its runtime errors
// carry their line only in their text, so kiln rewrites the tree:
//
//   - before every {{ }} and {% %} it inserts a marker that records the
//     line being executed, to place any runtime error;
//   - a call to a dbt function or a macro gets the line of the call as a
//     hidden keyword argument, so that ref() knows its exact line;
//   - a call to a name that nothing defines calls a stand-in that fails with
//     "'name' is undefined" at that line, if the call is ever reached;
//   - an unknown filter or test is an error now, as in Jinja.
//
// Parts of the tree that gonja keeps in unexported fields (the bodies of
// the with, filter and block tags) are left alone; errors there get the
// line of the tag. Names are not scoped: a name assigned anywhere in the
// file counts as defined everywhere in it, which can only make kiln miss an
// undefined name, never invent one.
type prep struct {
	env      *Env
	file     string
	template bool            // a template rendered by Render, not a macro file
	bound    map[string]bool // names assigned anywhere in the file
	errs     diag.List
}

// implicit are the names Jinja binds by itself in loops and macros.
var implicit = map[string]bool{
	"loop": true, "caller": true, "varargs": true, "kwargs": true, "self": true, "super": true,
}

func (e *Env) prepare(file string, root *nodes.Template, template bool) diag.List {
	p := &prep{env: e, file: file, template: template, bound: map[string]bool{}}
	p.collect(root.Nodes)
	root.Nodes = p.body(root.Nodes)
	return p.errs
}

// parts is what kiln can see inside a tag.
type parts struct {
	exprs    []nodes.Node
	wrappers []*nodes.Wrapper
	binds    []string
	macro    string // name of the macro the tag defines
}

func partsOf(cs nodes.ControlStructure) parts {
	var p parts
	switch c := cs.(type) {
	case *setTag:
		p.exprs = []nodes.Node{c.expression, c.condition, c.alternative}
		switch t := c.target.(type) {
		case *nodes.GetAttribute:
			p.exprs = append(p.exprs, t.Node)
		case *nodes.GetItem:
			p.exprs = append(p.exprs, t.Node, t.Arg)
		}
		p.wrappers = []*nodes.Wrapper{c.body}
		p.binds = []string{c.name()}
	case *forTag:
		return partsOf(c.ForControlStructure)
	case *gonjatags.ForControlStructure:
		p.exprs = []nodes.Node{c.ObjectEvaluator, c.IfCondition}
		p.wrappers = []*nodes.Wrapper{c.BodyWrapper, c.EmptyWrapper}
		p.binds = []string{c.Key, c.Value}
	case *gonjatags.IfControlStructure:
		for _, e := range c.Conditions {
			p.exprs = append(p.exprs, e)
		}
		p.wrappers = c.Wrappers
	case *gonjatags.MacroControlStructure:
		for _, arg := range c.Kwargs {
			p.exprs = append(p.exprs, arg.Value)
			if s, ok := arg.Key.(*nodes.String); ok {
				p.binds = append(p.binds, s.Val)
			}
		}
		p.binds = append(p.binds, c.VarArgsName, c.KwArgsName)
		p.wrappers = []*nodes.Wrapper{c.Wrapper}
		p.macro = c.Name
	case *gonjatags.CallControlStructure:
		p.exprs = []nodes.Node{c.Call}
		p.wrappers = []*nodes.Wrapper{c.Body}
	case *gonjatags.DoControlStructure:
		p.exprs = []nodes.Node{c.Expression}
	case *gonjatags.AutoescapeControlStructure:
		p.wrappers = []*nodes.Wrapper{c.Wrapper}
	}
	return p
}

// collect finds every name the file assigns.
func (p *prep) collect(ns []nodes.Node) {
	for _, n := range ns {
		block, ok := n.(*nodes.ControlStructureBlock)
		if !ok {
			continue
		}
		parts := partsOf(block.ControlStructure)
		for _, name := range parts.binds {
			p.bound[name] = true
		}
		// A macro file's macros are the Env's; a template's own are local.
		if parts.macro != "" && p.template {
			p.bound[parts.macro] = true
		}
		for _, w := range parts.wrappers {
			if w != nil {
				p.collect(w.Nodes)
			}
		}
	}
}

// body rewrites the expressions of a list of nodes and returns it with a
// marker before each {{ }} and {% %}.
func (p *prep) body(ns []nodes.Node) []nodes.Node {
	out := make([]nodes.Node, 0, 2*len(ns))
	for _, n := range ns {
		switch n := n.(type) {
		case *nodes.Output:
			pos := n.Start
			if n.Expression != nil && n.Expression.Position() != nil {
				pos = n.Expression.Position()
			}
			out = append(out, p.marker(pos))
			p.expr(n.Expression)
			p.expr(n.Condition)
			p.expr(n.Alternative)
			if c := p.literalCallOf(n); c != nil { // fastcall.go
				out = append(out, &nodes.ControlStructureBlock{Location: n.Start, ControlStructure: c})
				continue
			}
		case *nodes.ControlStructureBlock:
			out = append(out, p.marker(n.Location))
			parts := partsOf(n.ControlStructure)
			for _, e := range parts.exprs {
				p.expr(e)
			}
			for _, w := range parts.wrappers {
				if w != nil {
					w.Nodes = p.body(w.Nodes)
				}
			}
		}
		out = append(out, n)
	}
	return out
}

func (p *prep) marker(pos *tokens.Token) nodes.Node {
	return &nodes.ControlStructureBlock{Location: pos, ControlStructure: &marker{pos: pos, file: p.file}}
}

// expr walks an expression, rewriting calls and checking filters and tests.
func (p *prep) expr(n nodes.Node) {
	switch n := n.(type) {
	case *nodes.Call:
		p.call(n)
		p.expr(n.Func)
		for _, a := range n.Args {
			p.expr(a)
		}
		for _, a := range n.Kwargs {
			p.expr(a)
		}
	case *nodes.FilteredExpression:
		p.expr(n.Expression)
		for _, f := range n.Filters {
			if !p.env.engine.Filters.Exists(f.Name) {
				p.errs.Add(&diag.Diagnostic{
					File: p.file, Line: f.Token.Line, Col: f.Token.Col,
					Message: fmt.Sprintf("unknown filter '%s'", f.Name),
					Hint:    hintFor(f.Name, filterNames),
				})
			}
			for _, a := range f.Args {
				p.expr(a)
			}
			for _, a := range f.Kwargs {
				p.expr(a)
			}
		}
	case *nodes.TestExpression:
		p.expr(n.Expression)
		if !p.env.engine.Tests.Exists(n.Test.Name) {
			p.errs.Add(&diag.Diagnostic{
				File: p.file, Line: n.Test.Token.Line, Col: n.Test.Token.Col,
				Message: fmt.Sprintf("unknown test '%s'", n.Test.Name),
			})
		}
		for _, a := range n.Test.Args {
			p.expr(a)
		}
		for _, a := range n.Test.Kwargs {
			p.expr(a)
		}
	case *nodes.List:
		for _, e := range n.Val {
			p.expr(e)
		}
	case *nodes.Tuple:
		for _, e := range n.Val {
			p.expr(e)
		}
	case *nodes.Dict:
		for _, pair := range n.Pairs {
			p.expr(pair)
		}
	case *nodes.Pair:
		p.expr(n.Key)
		p.expr(n.Value)
	case *nodes.GetItem:
		n.Node = p.base(n.Node)
		p.expr(n.Node)
		p.expr(n.Arg)
	case *nodes.GetSlice:
		n.Node = p.base(n.Node)
		p.expr(n.Node)
		p.expr(n.Start)
		p.expr(n.End)
		p.expr(n.Step)
	case *nodes.GetAttribute:
		n.Node = p.base(n.Node)
		p.expr(n.Node)
	case *nodes.Negation:
		p.expr(n.Term)
	case *nodes.UnaryExpression:
		p.expr(n.Term)
	case *nodes.BinaryExpression:
		rewriteFormat(n)
		p.expr(n.Left)
		p.expr(n.Right)
	}
}

// call rewrites one call according to what its callee is.
func (p *prep) call(c *nodes.Call) {
	switch f := c.Func.(type) {
	case *nodes.Name:
		name := f.Name.Val
		switch {
		case p.local(name):
			// gonja's business.
		case isDBTFunction(name) || p.env.macros[name] != nil:
			c.Kwargs[lineKey] = lineNode(f.Name)
		case !p.known(name):
			c.Func = undefinedCall(f)
		}
	case *nodes.GetAttribute:
		if len(c.Args) == 0 && len(c.Kwargs) == 0 && (f.Attribute == "items" || f.Attribute == "keys" || f.Attribute == "values") {
			// gonja sorts the keys of d.items(); Python keeps their order.
			c.Func = &nodes.Name{Name: &tokens.Token{Type: tokens.Name, Val: dictKey, Line: f.Location.Line, Col: f.Location.Col}}
			c.Args = []nodes.Expression{f.Node, &nodes.String{Location: f.Location, Val: f.Attribute}}
			return
		}
		// adapter.quote(...), exceptions.raise_compiler_error(...), builtins.ref(...)
		if base, ok := f.Node.(*nodes.Name); ok && !p.bound[base.Name.Val] {
			switch base.Name.Val {
			case "adapter", "builtins", "exceptions":
				c.Kwargs[lineKey] = lineNode(base.Name)
			}
		}
	}
}

// base is the object of an attribute or item access: if it is a name that
// nothing defines, an undefined call, since in Jinja x.y fails when x is
// undefined (while a plain {{ x }} renders nothing).
func (p *prep) base(n nodes.Node) nodes.Node {
	if name, ok := n.(*nodes.Name); ok && !p.known(name.Name.Val) {
		return undefinedCall(name)
	}
	return n
}

// local says whether name is a variable of the file or one Jinja binds.
func (p *prep) local(name string) bool { return p.bound[name] || implicit[name] }

// known says whether anything may define name when the file runs.
func (p *prep) known(name string) bool {
	return p.local(name) || p.env.macros[name] != nil || gonjaGlobals[name] ||
		slices.Contains(dbtFunctions, name) || strings.HasPrefix(name, "\x00")
}

// undefinedCall is a call of the stand-in for an undefined name.
func undefinedCall(n *nodes.Name) *nodes.Call {
	return &nodes.Call{
		Location: n.Name,
		Func:     &nodes.Name{Name: &tokens.Token{Type: tokens.Name, Val: undefinedKey, Line: n.Name.Line, Col: n.Name.Col}},
		Args:     []nodes.Expression{},
		Kwargs: map[string]nodes.Expression{
			lineKey: lineNode(n.Name),
			nameKey: &nodes.String{Location: n.Name, Val: n.Name.Val},
		},
	}
}

func lineNode(t *tokens.Token) nodes.Expression {
	return &nodes.Integer{Location: t, Val: t.Line}
}

func isDBTFunction(name string) bool {
	switch name {
	case "ref", "source", "config", "var", "env_var", "is_incremental", "log", "return":
		return true
	}
	return false
}

// marker records, when executed, the line about to run.
type marker struct {
	pos  *tokens.Token
	file string
}

func (m *marker) Position() *tokens.Token { return m.pos }
func (m *marker) String() string          { return fmt.Sprintf("marker(%s:%d)", m.file, m.pos.Line) }

// Execute implements exec.ControlStructure.
func (m *marker) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	if st := stateOf(r.Environment.Context); st != nil {
		st.at(m.file, m.pos.Line)
	}
	return nil
}

// filterNames are gonja's and kiln's filters, for "did you mean" hints.
var filterNames = []string{
	"abs", "as_bool", "as_native", "as_number", "as_text", "attr", "batch", "capitalize",
	"center", "count", "d", "default", "dictsort", "e", "escape", "filesizeformat", "first",
	"float", "forceescape", "format", "groupby", "indent", "int", "items", "join", "last",
	"length", "list", "lower", "map", "max", "min", "pprint", "random", "reject",
	"rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "slice",
	"sort", "string", "striptags", "sum", "title", "tojson", "trim", "truncate", "unique",
	"upper", "urlencode", "urlize", "wordcount", "wordwrap", "xmlattr",
}
