package jinja

import (
	"errors"
	"fmt"

	"github.com/nikolalohinski/gonja/v2/builtins"
	gonjatags "github.com/nikolalohinski/gonja/v2/builtins/control_structures"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

// tagNames are all the tags kiln knows, for "did you mean" hints.
var tagNames = append([]string{"set", "test", "materialization"}, gonjaTags...)

// gonjaTags are the tags of gonja that kiln keeps.
var gonjaTags = []string{
	"autoescape", "block", "call", "do", "filter", "for", "if", "macro", "raw", "with",
	"break", "continue",
}

// fileTags load other templates, which dbt models cannot do: kiln rejects
// them with a clear error instead of gonja's loader error.
var fileTags = []string{"extends", "from", "import", "include"}

// tagSet builds kiln's own tag set: gonja's tags (its set is
// never modified), kiln's set tag, and dbt's test and materialization
// blocks. Every parser is wrapped so that a syntax error always carries the
// line of the tag it is in.
func tagSet() *exec.ControlStructureSet {
	set := exec.NewControlStructureSet(map[string]parser.ControlStructureParser{})
	add := func(name string, parse parser.ControlStructureParser) {
		// Register only fails on duplicates, which this list has none of.
		_ = set.Register(name, positioned(name, parse))
	}
	for _, name := range gonjaTags {
		if name == "for" {
			add(name, parseFor) // for.go
			continue
		}
		if parse, ok := builtins.ControlStructures.Get(name); ok {
			add(name, parse)
		}
	}
	for _, name := range fileTags {
		add(name, unsupported(name))
	}
	add("set", parseSet)
	add("test", parseTestBlock)
	add("materialization", parseMaterialization)
	return set
}

// unsupported is the parser of a tag kiln does not offer.
func unsupported(tag string) parser.ControlStructureParser {
	return func(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
		return nil, &syntaxError{line: tagLine(p, args), msg: fmt.Sprintf("{%% %s %%} is not supported: templates cannot load other files (use a macro)", tag)}
	}
}

// parseTestBlock reads a dbt generic test, {% test name(args) %}...{% endtest %},
// as a macro named test_<name>, which is how dbt exposes it.
func parseTestBlock(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	m, err := parseMacroSignature(p, args, "test_")
	if err != nil {
		return nil, err
	}
	body, end, err := p.WrapUntil("endtest")
	if err != nil {
		return nil, err
	}
	if !end.End() {
		return nil, end.Error("endtest takes no arguments", end.Current())
	}
	m.Wrapper = body
	p.Template.Macros[m.Name] = m
	return &gonjatags.MacroControlStructure{Macro: m}, nil
}

// parseMacroSignature reads name(a, b=default, *args, **kwargs).
func parseMacroSignature(p *parser.Parser, args *parser.Parser, prefix string) (*nodes.Macro, error) {
	m := &nodes.Macro{Location: p.Current()}
	name := args.Match(tokens.Name)
	if name == nil {
		return nil, args.Error("expected a name", args.Current())
	}
	m.Name = prefix + name.Val
	if args.Match(tokens.LeftParenthesis) == nil {
		return nil, args.Error("expected '('", args.Current())
	}
	for args.Match(tokens.RightParenthesis) == nil {
		switch {
		case args.Match(tokens.Power) != nil:
			n := args.Match(tokens.Name)
			if n == nil {
				return nil, args.Error("expected a name after '**'", args.Current())
			}
			m.KwArgsName = n.Val
		case args.Match(tokens.Multiply) != nil:
			n := args.Match(tokens.Name)
			if n == nil {
				return nil, args.Error("expected a name after '*'", args.Current())
			}
			m.VarArgsName = n.Val
		default:
			n := args.Match(tokens.Name)
			if n == nil {
				return nil, args.Error("expected an argument name", args.Current())
			}
			arg := &nodes.Pair{Key: &nodes.String{Location: n, Val: n.Val}, Value: &nodes.None{Location: n}}
			if args.Match(tokens.Assign) != nil {
				value, err := args.ParseExpression()
				if err != nil {
					return nil, err
				}
				arg.Value = value
			}
			m.Kwargs = append(m.Kwargs, arg)
		}
		if args.Match(tokens.RightParenthesis) != nil {
			break
		}
		if args.Match(tokens.Comma) == nil {
			return nil, args.Error("expected ',' or ')'", args.Current())
		}
	}
	if !args.End() {
		return nil, args.Error("unexpected text after the arguments", args.Current())
	}
	return m, nil
}

// materialization is a dbt {% materialization %} block. kiln implements
// materializations in Go, so the block is parsed and ignored.
type materialization struct{ location *tokens.Token }

func (m materialization) Position() *tokens.Token                                    { return m.location }
func (m materialization) String() string                                             { return "materialization" }
func (m materialization) Execute(*exec.Renderer, *nodes.ControlStructureBlock) error { return nil }

func parseMaterialization(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
	loc := p.Current()
	if _, end, err := p.WrapUntil("endmaterialization"); err != nil {
		return nil, err
	} else if !end.End() {
		return nil, end.Error("endmaterialization takes no arguments", end.Current())
	}
	return materialization{location: loc}, nil
}

// syntaxError is a template syntax error at a known line of the file.
type syntaxError struct {
	line, col   int
	msg         string
	approximate bool // line is that of the enclosing tag, not of the error

	// An error of gonja inside a tag, with the innermost tag still open.
	cause    *parser.SyntaxError
	open     string
	openLine int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// positioned wraps a tag parser so that its errors say where they are.
// gonja's parsers report some errors (e.g. `{% set x = %}`) with no
// position; those get the line of the tag itself.
func positioned(tag string, parse parser.ControlStructureParser) parser.ControlStructureParser {
	return func(p *parser.Parser, args *parser.Parser) (nodes.ControlStructure, error) {
		line := tagLine(p, args)
		cs, err := parse(p, args)
		if err == nil {
			return cs, nil
		}
		var own *syntaxError
		if errors.As(err, &own) {
			return nil, own // from a tag nested in this one
		}
		var se *parser.SyntaxError
		if errors.As(err, &se) && se.Line > 0 {
			if eof := p.Current(); p.Stream().EOF() && se.Line == eof.Line && se.Column == eof.Col {
				// The body ran into the end of the file.
				return nil, &syntaxError{line: line, msg: fmt.Sprintf("'%s' tag is never closed (missing {%% end%s %%})", tag, tag)}
			}
			return nil, &syntaxError{line: se.Line, col: se.Column, msg: se.Message, cause: se, open: tag, openLine: line}
		}
		return nil, &syntaxError{line: line, msg: fmt.Sprintf("invalid '%s' tag: %s", tag, rootMessage(err)), approximate: true}
	}
}

// tagLine is the line of the tag being parsed: that of its first argument,
// else that of the text right after the tag.
func tagLine(p, args *parser.Parser) int {
	if t := args.Current(); t != nil && t.Type != tokens.EOF && t.Line > 0 {
		return t.Line
	}
	if t := p.Current(); t != nil {
		return t.Line
	}
	return 0
}
