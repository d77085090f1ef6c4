package postgres

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// copyRowError is the error of a COPY into table, of columns cols, that
// the server stopped: a warehouse.SeedRowError when its context names the
// row (and the column), for the runner to name the file's line; else a
// copyError, prefixed with what, which shows that context as it is.
func copyRowError(what string, e *pgconn.PgError, table string, cols []warehouse.Column) error {
	row, col, ok := copyContext(e.Where, table, cols)
	if !ok {
		return &copyError{what: what, err: e}
	}
	return &warehouse.SeedRowError{
		Row:     row,
		Column:  col,
		Message: fmt.Sprintf("%s [SQLSTATE %s]", pgMessage(e, true), e.Code),
		Err:     e,
	}
}

// copyContext reads the row and the column of a COPY FROM error from
// where, the error's context, a line of which the server writes as
//
//	COPY <table>, line <n>, column <column>: "<value>"
//	COPY <table>, line <n>, column <column>: null input
//	COPY <table>, line <n>, column <column>
//	COPY <table>, line <n>: "<line>"
//	COPY <table>, line <n>
//
// (other lines, from functions the input called, may come before it).
// The table and the columns are known, so names holding ", line " or ": "
// do not confuse it: the column is the longest name followed by what may
// follow one. The line counts the rows sent, from 1, as kiln sends
// no header. column is "" when the context names none. ok is false when
// no line reads so, e.g. when the server's messages are translated.
func copyContext(where, table string, cols []warehouse.Column) (row int, column string, ok bool) {
	prefix := "COPY " + table + ", line "
	for l := range strings.SplitSeq(where, "\n") {
		rest, found := strings.CutPrefix(l, prefix)
		if !found {
			continue
		}
		digits := 0
		for digits < len(rest) && '0' <= rest[digits] && rest[digits] <= '9' {
			digits++
		}
		n, err := strconv.Atoi(rest[:digits])
		if err != nil || n < 1 {
			continue
		}
		rest = rest[digits:]
		if rest == "" || strings.HasPrefix(rest, ": ") {
			return n, "", true
		}
		rest, found = strings.CutPrefix(rest, ", column ")
		if !found {
			continue
		}
		for _, c := range cols {
			if after, found := strings.CutPrefix(rest, c.Name); found && columnEnd(after) && len(c.Name) > len(column) {
				column = c.Name
			}
		}
		return n, column, true
	}
	return 0, "", false
}

// columnEnd reports whether s is what follows the column's name in a
// COPY context: nothing, the value in quotes, or "null input".
func columnEnd(s string) bool {
	return s == "" || s == ": null input" || len(s) >= 4 && strings.HasPrefix(s, `: "`) && strings.HasSuffix(s, `"`)
}

// copyError is the server refusing a row of a seed, with a context that
// copyContext cannot read: it gives that context as it is. COPY numbers
// the rows after the header from 1, which is not the file's line when the
// header or a field spans lines, so the error says so.
type copyError struct {
	what string
	err  *pgconn.PgError
}

func (e *copyError) Error() string {
	msg := fmt.Sprintf("%s: %s", e.what, pgMessage(e.err, false))
	if e.err.Where != "" {
		msg += " (" + e.err.Where + "; COPY numbers the rows after the header from 1)"
	}
	return fmt.Sprintf("%s [SQLSTATE %s]", msg, e.err.Code)
}

func (e *copyError) Unwrap() error { return e.err }
