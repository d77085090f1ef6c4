package jinja

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/nikolalohinski/gonja/v2/tokens"
)

// The states of lex for numbers and strings, and the character classes of
// gonja's lexer.

func (l *lexer) lexNumber() stateFn {
	typ, err := l.scanNumber()
	if err != nil {
		return l.errorf("%s", err)
	}
	if typ == tokens.Integer && isAlphaNumeric(l.peek()) {
		return (*lexer).lexIdentifier
	}
	l.emit(typ)
	return (*lexer).lexExpression
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
	return (*lexer).lexExpression
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
