package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// What kiln knows about a connection's session is kept in the
// connection's pgconn.CustomData, under these keys.
const lockTimeoutZeroKey = "kiln.lock_timeout_zero"

// readSession runs once per connection, when it opens: it records whether
// the session's lock_timeout is 0, which then is also its default. While
// that holds, a build needs no SET around its advisory lock (see
// lockSteps).
func readSession(ctx context.Context, conn *pgx.Conn) error {
	var v string
	if err := conn.QueryRow(ctx, "show lock_timeout", pgx.QueryExecModeSimpleProtocol).Scan(&v); err != nil {
		return err
	}
	if v == "0" {
		conn.PgConn().CustomData()[lockTimeoutZeroKey] = true
	}
	return nil
}

// lockTimeoutZero reports whether conn's session lock_timeout is known to
// be 0, its default.
func lockTimeoutZero(conn *pgx.Conn) bool {
	zero, _ := conn.PgConn().CustomData()[lockTimeoutZeroKey].(bool)
	return zero
}

// forgetSession drops what is known about conn's session, once SQL that
// is not kiln's own has run on it: a hook or a model may have changed any
// setting, for the session.
func forgetSession(conn *pgx.Conn) {
	delete(conn.PgConn().CustomData(), lockTimeoutZeroKey)
}
