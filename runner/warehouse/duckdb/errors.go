//go:build cgo

package duckdb

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// DuckDB's errors carry no SQLSTATE and no position field; the position is
// only in the message, as a context block DuckDB appends to it:
//
//	Binder Error: Referenced column "nme" not found in FROM clause!
//	Candidate bindings: "name"
//
//	LINE 4:   nme,
//	          ^
//
// The line counts from the start of the statement as sent; the excerpt is
// at most about 80 characters of that line, cut with "..." around the
// error. splitMessage separates that block from the message, and
// statementPosition finds the excerpt in the statement kiln sent to turn
// the caret into a line and column.

// contextBlock is the position part of a DuckDB error message.
type contextBlock struct {
	Line    int    // 1-based line of the statement
	Excerpt string // the text after "LINE n: ", with DuckDB's "..." marks
	Caret   int    // width of the excerpt before the caret
}

// splitMessage separates a DuckDB message into its first line, the lines
// after it (DuckDB's hints: candidate bindings, "Did you mean"), and the
// position block, if any.
func splitMessage(msg string) (first, rest string, ctx *contextBlock) {
	if i := strings.LastIndex(msg, "\n\nLINE "); i >= 0 {
		ctx = parseContext(msg[i+2:])
		if ctx != nil {
			msg = msg[:i]
		}
	}
	msg = strings.TrimSpace(msg)
	first, rest, _ = strings.Cut(msg, "\n")
	var kept []string
	for _, l := range strings.Split(rest, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			kept = append(kept, l)
		}
	}
	return first, strings.Join(kept, "; "), ctx
}

// parseContext reads "LINE n: excerpt\n   ^".
func parseContext(s string) *contextBlock {
	head, caretLine, ok := strings.Cut(s, "\n")
	if !ok {
		return nil
	}
	num, excerpt, ok := strings.Cut(strings.TrimPrefix(head, "LINE "), ": ")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 {
		return nil
	}
	caretLine = strings.TrimRight(caretLine, "\n")
	if !strings.HasSuffix(caretLine, "^") || strings.TrimLeft(caretLine, " ") != "^" {
		return nil
	}
	indent := len(caretLine) - 1 - len("LINE "+num+": ")
	if indent < 0 {
		return nil
	}
	return &contextBlock{Line: n, Excerpt: excerpt, Caret: indent}
}

// statementPosition returns the 0-based character offset in stmt that c
// points at, or -1 when the excerpt is not found on that line of stmt.
func statementPosition(stmt string, c *contextBlock) int {
	lines := strings.SplitAfter(stmt, "\n")
	if c == nil || c.Line > len(lines) {
		return -1
	}
	line := strings.TrimRight(lines[c.Line-1], "\r\n")
	excerpt, caret := c.Excerpt, c.Caret
	cutStart := strings.HasPrefix(excerpt, "...")
	if cutStart {
		excerpt, caret = excerpt[3:], caret-3
	}
	cutEnd := strings.HasSuffix(excerpt, "...") && !strings.HasSuffix(line, excerpt)
	if cutEnd {
		excerpt = excerpt[:len(excerpt)-3]
	}
	var at int // byte offset of the excerpt in line
	switch {
	case !cutStart:
		if !strings.HasPrefix(line, excerpt) {
			return -1
		}
	case !cutEnd:
		if !strings.HasSuffix(line, excerpt) {
			return -1
		}
		at = len(line) - len(excerpt)
	default:
		if at = strings.Index(line, excerpt); at < 0 {
			return -1
		}
	}
	if caret < 0 || caret > utf8.RuneCountInString(excerpt) {
		return -1
	}
	before := 0 // characters of stmt before the line
	for _, l := range lines[:c.Line-1] {
		before += utf8.RuneCountInString(l)
	}
	// DuckDB counts the caret in display width; kiln counts characters,
	// which agree but for wide (East Asian) characters.
	return before + utf8.RuneCountInString(line[:at]) + caret
}

// position maps pos, a 0-based character offset into a statement, to a
// 1-based line and column of src, which starts at character offset at in
// that statement. It returns 0, 0 when pos is not inside src.
func position(src string, at, pos int) (line, col int) {
	if pos < 0 || at < 0 {
		return 0, 0
	}
	i := pos - at
	if i < 0 || i >= utf8.RuneCountInString(src) {
		return 0, 0
	}
	line, col = 1, 1
	for _, r := range src {
		if i == 0 {
			break
		}
		i--
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// queryError turns a DuckDB error from step s, which holds src (the model's
// or a hook's SQL) at s.ModelAt, into a QueryError placed in src.
func queryError(de *duckdbdriver.Error, s step, src string) *warehouse.QueryError {
	first, rest, ctx := splitMessage(de.Msg)
	qe := &warehouse.QueryError{Message: first, Hint: rest}
	if ctx != nil {
		qe.Line, qe.Col = position(src, s.ModelAt, statementPosition(s.SQL, ctx))
	}
	return qe
}

// duckMessage is a DuckDB message without its position block, on one line.
func duckMessage(de *duckdbdriver.Error) string {
	first, rest, _ := splitMessage(de.Msg)
	if rest != "" {
		return first + " (" + rest + ")"
	}
	return first
}

// serverError is a DuckDB error in one of kiln's own statements, prefixed
// with what kiln was doing.
type serverError struct {
	what string
	err  *duckdbdriver.Error
}

func (e *serverError) Error() string { return e.what + ": " + duckMessage(e.err) }
func (e *serverError) Unwrap() error { return e.err }

// dependentError says which dependent view could not be recreated on the
// new relation, and why.
type dependentError struct {
	dep    *dependent
	target warehouse.Relation
	err    *duckdbdriver.Error
}

func (e *dependentError) Error() string {
	return fmt.Sprintf("dependent view %s cannot be rebuilt on the new %s: %s", rel(e.dep.Rel), rel(e.target), duckMessage(e.err))
}

func (e *dependentError) Unwrap() error { return e.err }

// hookError is a database error in a hook, with its position in the
// hook's SQL.
type hookError struct {
	hook string // "pre_hook #2"
	err  *warehouse.QueryError
}

func (e *hookError) Error() string {
	if e.err.Line > 0 {
		return fmt.Sprintf("%s failed at line %d, column %d: %s", e.hook, e.err.Line, e.err.Col, e.err)
	}
	return fmt.Sprintf("%s failed: %s", e.hook, e.err)
}

func (e *hookError) Unwrap() error { return e.err }

// conflictError is DuckDB refusing a write because another open
// transaction wrote the same thing: DuckDB's transactions do not wait for
// each other. kiln's own transactions are serialized; this is another
// writer, or a hook writing what another node's transaction writes.
type conflictError struct {
	what string
	err  *duckdbdriver.Error
}

func (e *conflictError) Error() string {
	return fmt.Sprintf("%s: %s; another transaction of this run wrote the same object at the same time "+
		"(DuckDB does not make one wait for the other); nothing was changed: run again, or with --threads 1",
		e.what, duckMessage(e.err))
}

func (e *conflictError) Unwrap() error { return e.err }

// timeoutError is a statement that ran into the node's statement_timeout.
type timeoutError struct {
	limit time.Duration
	what  string
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("%s: statement_timeout of %s exceeded", e.what, e.limit)
}
