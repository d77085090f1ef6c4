package postgres

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// queryError turns a server error from a statement holding the model's SQL
// into a QueryError whose Line and Col point into that SQL.
func queryError(pgErr *pgconn.PgError, s step, modelSQL string) *warehouse.QueryError {
	line, col := position(modelSQL, s.ModelAt, int(pgErr.Position))
	return &warehouse.QueryError{
		Code:    pgErr.Code,
		Message: pgErr.Message,
		Detail:  pgErr.Detail,
		Hint:    pgErr.Hint,
		Line:    line,
		Col:     col,
	}
}

// position maps pos, PostgreSQL's 1-based character offset into a statement,
// to a 1-based line and column of sql, which starts at character offset at
// in that statement. It returns 0, 0 when pos is not inside sql.
func position(sql string, at, pos int) (line, col int) {
	if pos <= 0 || at < 0 {
		return 0, 0
	}
	i := pos - 1 - at // character index within sql
	if i < 0 || i >= utf8.RuneCountInString(sql) {
		return 0, 0
	}
	line, col = 1, 1
	for _, r := range sql {
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

// serverError is a server error in one of kiln's own statements, prefixed
// with what kiln was doing. Unlike PgError's own text it includes the detail,
// which is where PostgreSQL names, say, the constraint that blocks a drop.
// It leaves out the hint, which for kiln's statements is advice such as
// "Use DROP ... CASCADE" that kiln must not follow.
type serverError struct {
	what string
	err  *pgconn.PgError
}

func (e *serverError) Error() string {
	return fmt.Sprintf("%s: %s [SQLSTATE %s]", e.what, pgMessage(e.err, false), e.err.Code)
}

func (e *serverError) Unwrap() error { return e.err }

// pgMessage is the message of a server error with its detail, and its hint
// if asked.
func pgMessage(e *pgconn.PgError, hint bool) string {
	msg := e.Message
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if hint && e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// dependentError says which dependent could not be recreated on the new
// relation, and why.
type dependentError struct {
	dep    *dependent
	target warehouse.Relation
	err    *pgconn.PgError
}

func (e *dependentError) Error() string {
	return fmt.Sprintf("dependent %s %s cannot be rebuilt on the new %s: %s",
		kindWord(e.dep.Kind), e.dep.Rel, e.target, pgMessage(e.err, true))
}

func (e *dependentError) Unwrap() error { return e.err }

// viewColumnsChanged reports whether err is CREATE OR REPLACE VIEW refusing a
// new column list: dropped, renamed, retyped, re-collated or reordered
// columns. PostgreSQL 15 raises all of these as 42P16 from
// checkViewTupleDesc, without a position; 42804 and 0A000 are accepted from
// that routine too. A wrong guess only costs a second attempt, which fails
// the same way if the error was the model's.
func viewColumnsChanged(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Position != 0 {
		return false
	}
	switch pgErr.Code {
	case "42P16":
		return true
	case "42804", "0A000":
		return pgErr.Routine == "checkViewTupleDesc"
	}
	return false
}
