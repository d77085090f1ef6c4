package jinja

import (
	"fmt"
	"io"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// literalCall is an output, {{ name(...) }}, that calls one of kiln's
// functions (ref, source, var, env_var, config or a project macro) with
// literal arguments, the commonest expression of a dbt model. gonja
// evaluates every call generically: it looks up the function's name in
// the symbol table, builds its arguments through reflection and calls it
// with reflect.Value.Call, several times the cost of the call itself.
// literalCall calls the function directly, and writes its result as
// gonja's output node would; when the name turns out to mean something
// else at run time, it leaves the node to gonja.
type literalCall struct {
	out  *nodes.Output
	call *nodes.Call
	name string
}

// literalCallOf returns the literalCall for an output node, or nil when
// the node is anything else. prep.call must have rewritten the call.
func (p *prep) literalCallOf(n *nodes.Output) *literalCall {
	if p.env.gonjaCalls || n.Condition != nil || n.Alternative != nil {
		return nil
	}
	c, ok := n.Expression.(*nodes.Call)
	if !ok {
		return nil
	}
	f, ok := c.Func.(*nodes.Name)
	if !ok {
		return nil
	}
	name := f.Name.Val
	if p.local(name) {
		return nil
	}
	switch name {
	case "ref", "source", "var", "env_var", "config":
		if p.env.macros[name] != nil { // a project macro replaces it
			return nil
		}
	default:
		if p.env.macros[name] == nil {
			return nil
		}
	}
	for _, a := range c.Args {
		if !isLiteral(a) {
			return nil
		}
	}
	for _, a := range c.Kwargs {
		if !isLiteral(a) {
			return nil
		}
	}
	return &literalCall{out: n, call: c, name: name}
}

// isLiteral reports whether gonja evaluates n to a constant string or
// integer (AsValue of the node's value).
func isLiteral(n nodes.Expression) bool {
	switch n.(type) {
	case *nodes.String, *nodes.Integer:
		return true
	}
	return false
}

func literalValue(n nodes.Expression) *exec.Value {
	switch n := n.(type) {
	case *nodes.String:
		return exec.AsValue(n.Val)
	case *nodes.Integer:
		return exec.AsValue(n.Val)
	}
	return exec.AsValue(nil)
}

func (c *literalCall) Position() *tokens.Token { return c.out.Position() }
func (c *literalCall) String() string          { return c.out.String() }

// Execute implements exec.ControlStructure: what gonja's evaluator (evalCall)
// and renderer (Visit of an output) do for this node, without reflection.
func (c *literalCall) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	var fn function
	switch f := lookup(r, c.name).(type) {
	case function:
		fn = f
	case configFunc:
		fn = f
	default:
		_, err := r.Visit(c.out) // not kiln's function: gonja's business
		return err
	}
	va := &exec.VarArgs{Args: make([]*exec.Value, len(c.call.Args)), KwArgs: make(map[string]*exec.Value, len(c.call.Kwargs))}
	for i, a := range c.call.Args {
		va.Args[i] = literalValue(a)
	}
	for k, a := range c.call.Kwargs {
		va.KwArgs[k] = literalValue(a)
	}
	value := fn(r.Evaluator(), va)
	if value == nil || !value.Val.IsValid() {
		value = exec.AsValue(nil)
	} else {
		value = &exec.Value{Val: value.Val, Safe: value.Safe}
	}
	if value.IsError() {
		// gonja's message for an error a function returns.
		if err, ok := value.Interface().(error); ok {
			return exec.AsValue(fmt.Errorf("invalid call to function '%s': %s", c.name, err.Error()))
		}
		return value
	}
	var err error
	if r.Config.AutoEscape && value.IsString() && !value.Safe {
		_, err = io.WriteString(r.Output, value.Escaped())
	} else {
		_, err = io.WriteString(r.Output, value.String())
	}
	return err
}

// lookup is what gonja's evaluator finds for a name, nil if nothing.
func lookup(r *exec.Renderer, name string) any {
	v, _ := r.Environment.Context.Get(name)
	return v
}
