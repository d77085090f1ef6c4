package jinja

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// pyFormat is Python's printf-style string formatting, format % args,
// which Jinja's % operator and format filter use. gonja has neither: its %
// is always the integer remainder, and its format filter is Go's Sprintf.
func pyFormat(format string, args []*exec.Value) (string, error) {
	var b strings.Builder
	next := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			b.WriteByte(format[i])
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0", format[j]) >= 0 {
			j++
		}
		for j < len(format) && (format[j] >= '0' && format[j] <= '9' || format[j] == '.') {
			j++
		}
		if j == len(format) {
			return "", errors.New("incomplete format")
		}
		spec, verb := format[i+1:j], format[j]
		i = j
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if next == len(args) {
			return "", errors.New("not enough arguments for format string")
		}
		a := args[next]
		next++
		switch verb {
		case 's':
			fmt.Fprintf(&b, "%"+spec+"s", a.String())
		case 'r':
			if a.IsString() {
				fmt.Fprintf(&b, "%"+spec+"s", "'"+a.String()+"'")
			} else {
				fmt.Fprintf(&b, "%"+spec+"s", a.String())
			}
		case 'd', 'i':
			fmt.Fprintf(&b, "%"+spec+"d", a.Integer())
		case 'x', 'X', 'o':
			fmt.Fprintf(&b, "%"+spec+string(verb), a.Integer())
		case 'f', 'F', 'e', 'E', 'g', 'G':
			fmt.Fprintf(&b, "%"+spec+string(verb), a.Float())
		default:
			return "", fmt.Errorf("unsupported format character '%c'", verb)
		}
	}
	if next < len(args) {
		return "", errors.New("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// format is called for 'literal' % args, rewritten by prepare.
func (st *state) format(va *exec.VarArgs) *exec.Value {
	s, err := pyFormat(va.First().String(), va.Args[1:])
	if err != nil {
		return st.fail(err.Error(), "")
	}
	return exec.AsValue(s)
}

// formatFilter is Jinja's format filter: "%s-%s" | format(a, b).
func formatFilter(_ *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
	s, err := pyFormat(in.String(), params.Args)
	if err != nil {
		return exec.AsValue(err)
	}
	return exec.AsValue(s)
}

// rewriteFormat turns 'literal' % args into a call of formatFunc. gonja
// offers no way to replace a node in its parent, so the expression becomes
// (format(...) or ”), which evaluates to the same string.
func rewriteFormat(n *nodes.BinaryExpression) {
	str, ok := n.Left.(*nodes.String)
	if !ok || n.Operator.Token.Type != tokens.Modulo {
		return
	}
	args := []nodes.Expression{str}
	if t, ok := n.Right.(*nodes.Tuple); ok {
		args = append(args, t.Val...)
	} else {
		args = append(args, n.Right)
	}
	pos := n.Operator.Token
	n.Left = &nodes.Call{
		Location: pos,
		Func:     &nodes.Name{Name: &tokens.Token{Type: tokens.Name, Val: formatKey, Line: pos.Line, Col: pos.Col}},
		Args:     args,
		Kwargs:   map[string]nodes.Expression{},
	}
	n.Operator = &nodes.BinOperator{Token: &tokens.Token{Type: tokens.Or, Val: "or", Line: pos.Line, Col: pos.Col}}
	n.Right = &nodes.String{Location: pos, Val: ""}
}
