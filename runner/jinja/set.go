package jinja

import (
	"bytes"
	"fmt"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// setTag is {% set x = expr %} and {% set x %}...{% endset %}. It behaves
// like gonja's own set tag, whose fields are unexported; kiln needs to see
// the target and the expression to find the calls (and their lines) in it.
type setTag struct {
	location    *tokens.Token
	target      nodes.Expression
	expression  nodes.Expression
	condition   nodes.Expression
	alternative nodes.Expression
	body        *nodes.Wrapper
}

func (s *setTag) Position() *tokens.Token { return s.location }
func (s *setTag) String() string {
	return fmt.Sprintf("set(Line=%d Col=%d)", s.location.Line, s.location.Col)
}

// Execute evaluates the value and assigns it in the current scope.
func (s *setTag) Execute(r *exec.Renderer, _ *nodes.ControlStructureBlock) error {
	var value *exec.Value
	switch {
	case s.body != nil:
		var buf bytes.Buffer
		sub := r.Inherit()
		sub.Output = &buf
		if err := sub.ExecuteWrapper(s.body); err != nil {
			return err
		}
		value = exec.AsSafeValue(buf.String())
	case s.condition != nil:
		cond := r.Eval(s.condition)
		if cond.IsError() {
			return cond
		}
		if !cond.IsNil() && cond.IsTrue() {
			value = r.Eval(s.expression)
		} else {
			value = r.Eval(s.alternative)
		}
	default:
		value = r.Eval(s.expression)
	}
	if value.IsError() {
		return value
	}

	switch t := s.target.(type) {
	case *nodes.Name:
		r.Environment.Context.Set(t.Name.Val, value.Interface())
		return nil
	case *nodes.GetAttribute:
		obj := r.Eval(t.Node)
		if obj.IsError() {
			return obj
		}
		return obj.Set(exec.AsValue(t.Attribute), value.Interface())
	case *nodes.GetItem:
		obj := r.Eval(t.Node)
		if obj.IsError() {
			return obj
		}
		key := r.Eval(t.Arg)
		if key.IsError() {
			return key
		}
		return obj.Set(key, value.Interface())
	}
	return fmt.Errorf("cannot assign to %s", s.target)
}

// name is the variable the tag binds, "" for attribute or item targets.
func (s *setTag) name() string {
	if n, ok := s.target.(*nodes.Name); ok {
		return n.Name.Val
	}
	return ""
}

func parseSet(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	s := &setTag{location: p.Current()}
	target, err := args.ParseVariableOrLiteral()
	if err != nil {
		return nil, err
	}
	switch target.(type) {
	case *nodes.Name, *nodes.GetAttribute, *nodes.GetItem:
		s.target = target
	default:
		return nil, args.Error("cannot assign to this expression", target.Position())
	}

	if args.Match(tokens.Assign) == nil {
		if !args.End() {
			return nil, args.Error("expected '=' or the end of the tag", args.Current())
		}
		body, end, err := p.WrapUntil("endset")
		if err != nil {
			return nil, err
		}
		if !end.End() {
			return nil, end.Error("endset takes no arguments", end.Current())
		}
		s.body = body
		return s, nil
	}

	if s.expression, err = args.ParseExpression(); err != nil {
		return nil, err
	}
	cond, alt, err := args.ParseCondition()
	if err != nil {
		return nil, err
	}
	if cond != nil {
		if alt == nil {
			return nil, args.Error("expected 'else' after the 'if' condition", args.Current())
		}
		s.condition, s.alternative = cond, alt
	}
	if !args.End() {
		return nil, args.Error("unexpected text after the value", args.Current())
	}
	return s, nil
}
