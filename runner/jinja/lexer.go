package jinja

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nikolalohinski/gonja/v2/tokens"
)

// lex splits src into the tokens that gonja's lexer (tokens.LexAll) gives
// for kiln's configuration (jinjaConfig), less the whitespace tokens, which
// gonja's token stream skips anyway. It exists because gonja's lexer
// compiles two regular expressions for every template and allocates room
// for a token per three bytes of source; for a project of thousands of
// models that was a third of all allocation and a tenth of the CPU time.
//
// It is a line-by-line transcription of gonja's state functions with the
// configuration's choices folded in: the delimiters are {{ }}, {% %} and
// {# #}, there are no line statements or line comments, trim_blocks and
// lstrip_blocks are off, and newlines are "\n". Oddities are kept on
// purpose (a character no rule knows is silently added to the next token;
// a name after a number may back up over the dot), since the parser and
// kiln's error messages depend on the exact tokens. TestLexMatchesGonja
// and FuzzLex compare the two lexers.
func lex(src string) []*tokens.Token { return new(lexer).lex(src) }

// lex is lex into l's own arrays: the tokens stay valid until l lexes
// again, so l must not be reused while anything (a parsed tree) points
// into them. A render keeps its lexer until the tree is dropped, then
// returns it to its Env (see Env.render), which saves allocating the
// tokens of every template.
func (l *lexer) lex(src string) []*tokens.Token {
	l.reset(normalize(src))
	for state := stateFn((*lexer).lexData); state != nil; {
		state = state(l)
	}
	if cap(l.ptrs) < len(l.toks)+1 {
		l.ptrs = make([]*tokens.Token, len(l.toks), len(l.toks)+1) // room for the stream's EOF
	}
	l.ptrs = l.ptrs[:len(l.toks)]
	for i := range l.toks {
		l.ptrs[i] = &l.toks[i]
	}
	return l.ptrs
}

// normalize is gonja's normalizeInput for kiln's configuration: newlines
// become "\n" and one final newline is dropped (keep_trailing_newline off).
func normalize(src string) string {
	if strings.IndexByte(src, '\r') >= 0 {
		src = strings.ReplaceAll(src, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
	}
	return strings.TrimSuffix(src, "\n")
}

const (
	blockStart    = "{%"
	blockEnd      = "%}"
	variableStart = "{{"
	variableEnd   = "}}"
	commentStart  = "{#"
	commentEnd    = "#}"
	eofRune       = -1
)

// lexer is gonja's tokens.Lexer, reduced to what kiln's configuration uses.
type lexer struct {
	input      string
	start, pos int
	width      int // width of the last rune read
	delimiters []rune
	exprEnd    tokens.Type
	rawEnd     string // "raw" or "comment" inside such a block, else ""
	toks       []tokens.Token
	ptrs       []*tokens.Token // &toks[i], as gonja's token stream takes them

	// The position of start is computed from the last one computed, as
	// starts only move forward.
	lineOff, lineNo, linePos int // offset of the current line, its number, and up to where it was scanned
}

// stateFn is a state of the lexer. States are method expressions, not
// method values, which would allocate at every change of state.
type stateFn func(*lexer) stateFn

func (l *lexer) reset(input string) {
	*l = lexer{input: input, delimiters: l.delimiters[:0], toks: l.toks[:0], ptrs: l.ptrs[:0], lineNo: 1}
}

// position is the line and column (in bytes, from 1) of offset pos.
func (l *lexer) position(pos int) (int, int) {
	if pos < l.linePos {
		l.lineOff, l.lineNo, l.linePos = 0, 1, 0
	}
	for i := l.linePos; i < pos; i++ {
		if l.input[i] == '\n' {
			l.lineOff, l.lineNo = i+1, l.lineNo+1
		}
	}
	l.linePos = pos
	return l.lineNo, pos - l.lineOff + 1
}

func (l *lexer) next() rune {
	if l.pos >= len(l.input) {
		l.width = 0
		return eofRune
	}
	if b := l.input[l.pos]; b < utf8.RuneSelf {
		l.width = 1
		l.pos++
		return rune(b)
	}
	r, w := utf8.DecodeRuneInString(l.input[l.pos:])
	l.width = w
	l.pos += w
	return r
}

func (l *lexer) backup() { l.pos -= l.width }

func (l *lexer) peek() rune {
	r := l.next()
	l.backup()
	return r
}

func (l *lexer) accept(valid rune) bool {
	if l.next() == valid {
		return true
	}
	l.backup()
	return false
}

func (l *lexer) hasPrefix(prefix string) bool { return strings.HasPrefix(l.input[l.pos:], prefix) }

// emitValue appends a token of type t from start to pos.
func (l *lexer) emitValue(t tokens.Type, val string) {
	line, col := l.position(l.start)
	l.toks = append(l.toks, tokens.Token{Type: t, Val: val, Pos: l.start, Line: line, Col: col})
	l.start = l.pos
}

func (l *lexer) emit(t tokens.Type) { l.emitValue(t, l.input[l.start:l.pos]) }

// skip drops the text from start to pos: gonja emits it as a whitespace
// token, which its stream never hands to the parser.
func (l *lexer) skip() { l.start = l.pos }

func (l *lexer) emitData() {
	if l.pos <= l.start {
		return
	}
	l.emit(tokens.Data)
}

// errorf appends an error token, which has an offset but no line, and
// stops the lexer.
func (l *lexer) errorf(format string, args ...any) stateFn {
	l.toks = append(l.toks, tokens.Token{Type: tokens.Error, Val: fmt.Sprintf(format, args...), Pos: l.pos})
	return nil
}

func (l *lexer) consumeWhitespaceControl() byte {
	if l.pos >= len(l.input) {
		return 0
	}
	c := l.input[l.pos]
	if c != '-' && c != '+' {
		return 0
	}
	l.pos++
	return c
}

func (l *lexer) lexData() stateFn {
	for {
		i := strings.IndexByte(l.input[l.pos:], '{')
		if i < 0 {
			l.pos = len(l.input)
			break
		}
		l.pos += i
		switch {
		case l.hasPrefix(commentStart):
			l.emitData()
			return (*lexer).lexComment
		case l.hasPrefix(variableStart):
			l.emitData()
			return (*lexer).lexVariable
		case l.hasPrefix(blockStart):
			l.emitData()
			return (*lexer).lexBlock
		}
		l.next()
	}
	l.emitData()
	l.emit(tokens.EOF)
	return nil
}

func (l *lexer) lexRaw() stateFn {
	i := rawEndIndex(l.input[l.pos:], l.rawEnd)
	if i < 0 {
		return l.errorf(`Unable to find raw closing controlStructure`)
	}
	l.pos += i
	l.emitData()
	l.rawEnd = ""
	return (*lexer).lexBlock
}

// rawEndIndex is where the regular expression `{%[-+]?\s*end<tag>` of
// gonja first matches in s, -1 if nowhere.
func rawEndIndex(s, tag string) int {
	end := "end" + tag
	for off := 0; ; {
		i := strings.Index(s[off:], blockStart)
		if i < 0 {
			return -1
		}
		at := off + i
		j := at + len(blockStart)
		if j < len(s) && (s[j] == '-' || s[j] == '+') {
			j++
		}
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\f' || s[j] == '\r') {
			j++
		}
		if strings.HasPrefix(s[j:], end) {
			return at
		}
		off = at + 1
	}
}

func (l *lexer) lexComment() stateFn {
	l.pos += len(commentStart)
	l.consumeWhitespaceControl()
	l.emit(tokens.CommentBegin)
	i := strings.Index(l.input[l.pos:], commentEnd)
	if i < 0 {
		return l.errorf("unclosed comment")
	}
	contentEnd := l.pos + i
	if contentEnd > l.start && (l.input[contentEnd-1] == '-' || l.input[contentEnd-1] == '+') {
		contentEnd--
	}
	l.pos = contentEnd
	l.emitData()
	l.pos = contentEnd
	l.consumeWhitespaceControl()
	l.pos += len(commentEnd)
	l.emit(tokens.CommentEnd)
	return (*lexer).lexData
}

func (l *lexer) lexVariable() stateFn {
	l.pos += len(variableStart)
	l.accept('-')
	l.exprEnd = tokens.VariableEnd
	l.emit(tokens.VariableBegin)
	return (*lexer).lexExpression
}

func (l *lexer) lexVariableEnd() stateFn {
	l.accept('-')
	l.pos += len(variableEnd)
	l.emit(tokens.VariableEnd)
	return (*lexer).lexData
}

func (l *lexer) lexBlock() stateFn {
	l.pos += len(blockStart)
	l.consumeWhitespaceControl()
	l.exprEnd = tokens.BlockEnd
	l.emit(tokens.BlockBegin)
	for isSpace(l.peek()) {
		l.next()
	}
	l.skip()
	tag := l.nextIdentifier()
	l.emit(tokens.Name)
	if tag == "raw" || tag == "comment" {
		l.rawEnd = tag
	}
	return (*lexer).lexExpression
}

func (l *lexer) lexBlockEnd() stateFn {
	l.consumeWhitespaceControl()
	l.pos += len(blockEnd)
	l.emit(tokens.BlockEnd)
	if l.rawEnd != "" {
		return (*lexer).lexRaw
	}
	return (*lexer).lexData
}

func (l *lexer) pushDelimiter(r rune) { l.delimiters = append(l.delimiters, r) }

func (l *lexer) popDelimiter(r rune) bool {
	if len(l.delimiters) == 0 {
		l.errorf(`Unexpected delimiter "%c"`, r)
		return false
	}
	last := len(l.delimiters) - 1
	if expected := l.delimiters[last]; r != expected {
		l.errorf(`Unbalanced delimiters, expected "%c", got "%c"`, expected, r)
		return false
	}
	l.delimiters = l.delimiters[:last]
	return true
}

func (l *lexer) expectDelimiter(r rune) bool {
	return len(l.delimiters) > 0 && l.delimiters[len(l.delimiters)-1] == r
}

func (l *lexer) lexExpression() stateFn {
	for {
		if !l.expectDelimiter(l.peek()) {
			if l.exprEnd == tokens.VariableEnd && l.hasPrefix(variableEnd) {
				return (*lexer).lexVariableEnd
			}
			if l.exprEnd == tokens.BlockEnd && l.hasPrefix(blockEnd) {
				return (*lexer).lexBlockEnd
			}
		}
		r := l.next()
		switch {
		case r == eofRune:
			return (*lexer).lexEOF
		case isSpace(r):
			return (*lexer).lexSpace
		case unicode.IsDigit(r):
			l.backup()
			return (*lexer).lexNumber
		case r == '"' || r == '\'':
			l.backup()
			return (*lexer).lexString
		case r == ',':
			l.emit(tokens.Comma)
		case r == '|':
			l.emit(tokens.Pipe)
		case r == '+':
			if l.hasPrefix(blockEnd) {
				l.backup()
				return (*lexer).lexBlockEnd
			}
			l.emit(tokens.Addition)
		case r == '-':
			if l.hasPrefix(blockEnd) {
				l.backup()
				return (*lexer).lexBlockEnd
			} else if l.hasPrefix(variableEnd) {
				l.backup()
				return (*lexer).lexVariableEnd
			}
			l.emit(tokens.Subtraction)
		case r == '~':
			l.emit(tokens.Tilde)
		case r == ':':
			l.emit(tokens.Colon)
		case r == '.':
			l.emit(tokens.Dot)
		case r == '%':
			l.emit(tokens.Modulo)
		case r == '/':
			l.emitIf('/', tokens.FloorDivision, tokens.Division)
		case r == '<':
			l.emitIf('=', tokens.LowerThanOrEqual, tokens.LowerThan)
		case r == '>':
			l.emitIf('=', tokens.GreaterThanOrEqual, tokens.GreaterThan)
		case r == '*':
			l.emitIf('*', tokens.Power, tokens.Multiply)
		case r == '!':
			if l.accept('=') {
				l.emit(tokens.Ne)
			} else {
				l.errorf(`Unexpected "!"`) // and goes on, as gonja does
			}
		case r == '=':
			l.emitIf('=', tokens.Equals, tokens.Assign)
		case r == '(':
			l.emit(tokens.LeftParenthesis)
			l.pushDelimiter(')')
		case r == '{':
			l.emit(tokens.LeftBrace)
			l.pushDelimiter('}')
		case r == '[':
			l.emit(tokens.LeftBracket)
			l.pushDelimiter(']')
		case r == ')':
			if !l.popDelimiter(')') {
				return nil
			}
			l.emit(tokens.RightParenthesis)
		case r == '}':
			if !l.popDelimiter('}') {
				return nil
			}
			l.emit(tokens.RightBrace)
		case r == ']':
			if !l.popDelimiter(']') {
				return nil
			}
			l.emit(tokens.RightBracket)
		case r == 'i' && l.accept('n'):
			if !isSpace(l.peek()) {
				return (*lexer).lexIdentifier
			}
			l.emit(tokens.In)
		case r == 'i' && l.accept('s'):
			if !isSpace(l.peek()) {
				return (*lexer).lexIdentifier
			}
			l.emit(tokens.Is)
		case r == 'a' && l.accept('n'):
			if !(l.accept('d') && isSpace(l.peek())) {
				return (*lexer).lexIdentifier
			}
			l.emit(tokens.And)
		case r == 'o' && l.accept('r'):
			if !isSpace(l.peek()) {
				return (*lexer).lexIdentifier
			}
			l.emit(tokens.Or)
		case r == 'n' && l.accept('o'):
			if !(l.accept('t') && (isSpace(l.peek()) || l.peek() == '(')) {
				return (*lexer).lexIdentifier
			}
			l.emit(tokens.Not)
		case isAlphaNumeric(r):
			return (*lexer).lexIdentifier
		}
	}
}

// emitIf emits yes if the next rune is r (and consumes it), else no.
func (l *lexer) emitIf(r rune, yes, no tokens.Type) {
	if l.accept(r) {
		l.emit(yes)
	} else {
		l.emit(no)
	}
}

func (l *lexer) lexSpace() stateFn {
	for isSpace(l.peek()) {
		l.next()
	}
	l.skip()
	return (*lexer).lexExpression
}

func (l *lexer) lexEOF() stateFn {
	if len(l.delimiters) > 0 {
		l.errorf(`Unbalanced delimiters, expected "%c", got EOF`, l.delimiters[len(l.delimiters)-1])
	}
	l.emit(tokens.EOF)
	return nil
}

func (l *lexer) nextIdentifier() string {
	for isAlphaNumeric(l.next()) {
	}
	l.backup()
	return l.input[l.start:l.pos]
}

func (l *lexer) lexIdentifier() stateFn {
	l.nextIdentifier()
	l.emit(tokens.Name)
	return (*lexer).lexExpression
}
