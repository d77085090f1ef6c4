package jinja

import (
	"fmt"
	"strings"
	"sync"
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
func lex(src string) []*tokens.Token {
	l := lexers.Get().(*lexer)
	defer lexers.Put(l)
	l.reset(normalize(src))
	for state := l.lexData; state != nil; {
		state = state()
	}
	// The tokens are copied out of the reused scratch slice into one
	// allocation of the right size, which the parsed tree then points into.
	vals := make([]tokens.Token, len(l.toks))
	copy(vals, l.toks)
	out := make([]*tokens.Token, len(vals), len(vals)+1) // room for the stream's EOF
	for i := range vals {
		out[i] = &vals[i]
	}
	return out
}

var lexers = sync.Pool{New: func() any { return &lexer{} }}

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

	// The position of start is computed from the last one computed, as
	// starts only move forward.
	lineOff, lineNo, linePos int // offset of the current line, its number, and up to where it was scanned
}

type stateFn func() stateFn

func (l *lexer) reset(input string) {
	*l = lexer{input: input, delimiters: l.delimiters[:0], toks: l.toks[:0], lineNo: 1}
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
			return l.lexComment
		case l.hasPrefix(variableStart):
			l.emitData()
			return l.lexVariable
		case l.hasPrefix(blockStart):
			l.emitData()
			return l.lexBlock
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
	return l.lexBlock
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
	return l.lexData
}

func (l *lexer) lexVariable() stateFn {
	l.pos += len(variableStart)
	l.accept('-')
	l.exprEnd = tokens.VariableEnd
	l.emit(tokens.VariableBegin)
	return l.lexExpression
}

func (l *lexer) lexVariableEnd() stateFn {
	l.accept('-')
	l.pos += len(variableEnd)
	l.emit(tokens.VariableEnd)
	return l.lexData
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
	return l.lexExpression
}

func (l *lexer) lexBlockEnd() stateFn {
	l.consumeWhitespaceControl()
	l.pos += len(blockEnd)
	l.emit(tokens.BlockEnd)
	if l.rawEnd != "" {
		return l.lexRaw
	}
	return l.lexData
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
				return l.lexVariableEnd
			}
			if l.exprEnd == tokens.BlockEnd && l.hasPrefix(blockEnd) {
				return l.lexBlockEnd
			}
		}
		r := l.next()
		switch {
		case r == eofRune:
			return l.lexEOF
		case isSpace(r):
			return l.lexSpace
		case unicode.IsDigit(r):
			l.backup()
			return l.lexNumber
		case r == '"' || r == '\'':
			l.backup()
			return l.lexString
		case r == ',':
			l.emit(tokens.Comma)
		case r == '|':
			l.emit(tokens.Pipe)
		case r == '+':
			if l.hasPrefix(blockEnd) {
				l.backup()
				return l.lexBlockEnd
			}
			l.emit(tokens.Addition)
		case r == '-':
			if l.hasPrefix(blockEnd) {
				l.backup()
				return l.lexBlockEnd
			} else if l.hasPrefix(variableEnd) {
				l.backup()
				return l.lexVariableEnd
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
				return l.lexIdentifier
			}
			l.emit(tokens.In)
		case r == 'i' && l.accept('s'):
			if !isSpace(l.peek()) {
				return l.lexIdentifier
			}
			l.emit(tokens.Is)
		case r == 'a' && l.accept('n'):
			if !(l.accept('d') && isSpace(l.peek())) {
				return l.lexIdentifier
			}
			l.emit(tokens.And)
		case r == 'o' && l.accept('r'):
			if !isSpace(l.peek()) {
				return l.lexIdentifier
			}
			l.emit(tokens.Or)
		case r == 'n' && l.accept('o'):
			if !(l.accept('t') && (isSpace(l.peek()) || l.peek() == '(')) {
				return l.lexIdentifier
			}
			l.emit(tokens.Not)
		case isAlphaNumeric(r):
			return l.lexIdentifier
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
	return l.lexExpression
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
	return l.lexExpression
}

func (l *lexer) lexNumber() stateFn {
	typ, err := l.scanNumber()
	if err != nil {
		return l.errorf("%s", err)
	}
	if typ == tokens.Integer && isAlphaNumeric(l.peek()) {
		return l.lexIdentifier
	}
	l.emit(typ)
	return l.lexExpression
}

var errNumber = fmt.Errorf("invalid numeric token")

func (l *lexer) scanNumber() (tokens.Type, error) {
	if !unicode.IsDigit(l.peek()) {
		return tokens.Integer, errNumber
	}
	l.next()
	if l.input[l.start:l.pos] == "0" {
		var digit func(rune) bool
		switch unicode.ToLower(l.peek()) {
		case 'b':
			digit = func(r rune) bool { return r == '0' || r == '1' }
		case 'o':
			digit = func(r rune) bool { return r >= '0' && r <= '7' }
		case 'x':
			digit = func(r rune) bool {
				return unicode.IsDigit(r) || (r >= 'a' && r <= 'f') || (r >= 'A' && r <= 'F')
			}
		}
		if digit != nil {
			l.next()
			hasDigits, err := l.scanDigits(digit, false)
			if err != nil {
				return tokens.Integer, err
			}
			if !hasDigits {
				return tokens.Integer, errNumber
			}
			return tokens.Integer, nil
		}
	}
	if _, err := l.scanDigits(unicode.IsDigit, true); err != nil {
		return tokens.Integer, err
	}
	typ := tokens.Integer
	if l.peek() == '.' {
		l.next()
		switch next := l.peek(); {
		case unicode.IsDigit(next):
			typ = tokens.Float
			if _, err := l.scanDigits(unicode.IsDigit, false); err != nil {
				return typ, err
			}
		case isSpace(next) || isNumericTerminator(next) || next == eofRune:
			typ = tokens.Float
		default:
			l.backup() // by the width of the peeked rune, as gonja does
		}
	}
	if l.scanExponent() {
		typ = tokens.Float
	}
	if typ == tokens.Float && l.peek() == '.' {
		l.next()
		next := l.peek()
		l.backup()
		if unicode.IsDigit(next) || isSpace(next) || isNumericTerminator(next) || next == eofRune {
			return typ, fmt.Errorf("two dots in numeric token")
		}
	}
	return typ, nil
}

func (l *lexer) scanDigits(valid func(rune) bool, sawDigit bool) (bool, error) {
	underscorePending := false
	for {
		switch r := l.peek(); {
		case valid(r):
			l.next()
			sawDigit = true
			underscorePending = false
		case r == '_':
			if !sawDigit || underscorePending {
				return sawDigit, errNumber
			}
			l.next()
			underscorePending = true
		default:
			if underscorePending {
				return sawDigit, errNumber
			}
			return sawDigit, nil
		}
	}
}

func (l *lexer) scanExponent() bool {
	if next := l.peek(); next != 'e' && next != 'E' {
		return false
	}
	savedPos, savedWidth := l.pos, l.width
	l.next()
	if sign := l.peek(); sign == '+' || sign == '-' {
		l.next()
	}
	hasDigits, err := l.scanDigits(unicode.IsDigit, false)
	if err != nil || !hasDigits {
		l.pos, l.width = savedPos, savedWidth
		return false
	}
	return true
}

func (l *lexer) lexString() stateFn {
	quote := l.next()
	var prev rune
	var near []rune
	for r := l.next(); r != quote || prev == '\\'; r, prev = l.next(), r {
		// gonja keeps the text of the current line for its error message.
		if (len(near) == 0 || near[len(near)-1] != '\n') && r != eofRune {
			near = append(near, r)
		}
		if r == eofRune {
			return l.errorf(`%s`, string(near))
		}
	}
	l.emitValue(tokens.String, unescape(l.input[l.start:l.pos]))
	return l.lexExpression
}

// unescape drops the quotes of a string literal and unescapes quotes in
// it, which is all that gonja unescapes.
func unescape(s string) string {
	s = s[1 : len(s)-1]
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	s = strings.ReplaceAll(s, `\"`, `"`)
	return strings.ReplaceAll(s, `\'`, `'`)
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' }

func isAlphaNumeric(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func isNumericTerminator(r rune) bool {
	switch r {
	case ',', '|', ':', ')', ']', '}', '+', '-', '*', '/', '%', '<', '>', '=', '!':
		return true
	}
	return false
}
