package jinja

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/parser"
	"github.com/nikolalohinski/gonja/v2/tokens"

	"github.com/kiln-dev/kiln/runner/diag"
)

// parseError turns a gonja parse error into a diagnostic at its line.
//
// Positions come from kiln's tag wrapper (positioned), from gonja's
// SyntaxError, or, for errors of the lexer, which gonja reports without a
// line, from lexing the source again to find the error token's offset. A
// lexer error wins over a position that is only the enclosing tag's.
func (e *Env) parseError(file, src string, err error) *diag.Diagnostic {
	var own *syntaxError
	errors.As(err, &own)
	if own == nil || own.approximate {
		if tok := lexError(src); tok != nil {
			return &diag.Diagnostic{File: file, Line: lineAt(src, tok.Pos), Message: "syntax error: " + tok.Val}
		}
	}
	se := (*parser.SyntaxError)(nil)
	if own != nil {
		se = own.cause
	} else if !errors.As(err, &se) || se.Line == 0 {
		se = nil
	}
	if se == nil {
		if own != nil {
			return &diag.Diagnostic{File: file, Line: own.line, Col: own.col, Message: own.msg}
		}
		return &diag.Diagnostic{File: file, Message: rootMessage(err)}
	}

	d := &diag.Diagnostic{File: file, Line: se.Line, Col: se.Column, Message: se.Message}
	// gonja's message for a tag it does not know is "ControlStructure 'x'
	// not found (or beginning not provided)"; say what the user did wrong.
	if name := tagNameAt(src, se.Line, se.Column); name != "" {
		switch {
		case strings.HasPrefix(name, "end"):
			d.Message = fmt.Sprintf("unexpected {%% %s %%}", name)
			if own != nil {
				d.Hint = fmt.Sprintf("the '%s' tag on line %d is not closed", own.open, own.openLine)
			}
		case !e.engine.ControlStructures.Exists(name):
			d.Message = fmt.Sprintf("unknown tag '%s'", name)
			d.Hint = hintFor(name, tagNames)
		}
	}
	return d
}

// tagNameAt returns the name at line:col of src if it is that of a tag,
// right after {%, else "".
func tagNameAt(src string, line, col int) string {
	s := tokens.LexAll(src, jinjaConfig())
	var prev *tokens.Token
	for ; !s.End(); s.Next() {
		t := s.Current()
		if t.Line == line && t.Col == col {
			if t.Type == tokens.Name && prev != nil && prev.Type == tokens.BlockBegin {
				return t.Val
			}
			return ""
		}
		prev = t
	}
	return ""
}

// lexError returns the token on which gonja's lexer gave up, if it did.
func lexError(src string) *tokens.Token {
	s := tokens.LexAll(src, jinjaConfig())
	for !s.End() {
		s.Next()
	}
	if s.IsError() {
		return s.Current()
	}
	return nil
}

// lineAt is the 1-based line of byte offset pos in src, as gonja's lexer
// sees src (newlines normalized).
func lineAt(src string, pos int) int {
	src = strings.ReplaceAll(src, "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	if pos > len(src) {
		pos = len(src)
	}
	return strings.Count(src[:pos], "\n") + 1
}

// rootMessage is the innermost message of a gonja error: gonja wraps each
// error at every level of evaluation ("Unable to render expression at line
// 3: ... unable to evaluate parameter ...: <what went wrong>"), and kiln
// already knows the position.
func rootMessage(err error) string {
	for {
		if v, ok := err.(*exec.Value); ok {
			inner, ok := v.Interface().(error)
			if !ok || inner == error(v) {
				break
			}
			err = inner
			continue
		}
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	return err.Error()
}

// panicError turns a panic inside gonja into an error.
func panicError(p any) error {
	return fmt.Errorf("template engine failure: %v", p)
}
