//go:build cgo

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// rollbackTimeout bounds the rollback that follows a failed or cancelled
// transaction; it runs on a context of its own, so that a cancelled build
// still ends its transaction.
const rollbackTimeout = 10 * time.Second

// run is one transaction on one connection. DuckDB runs in this process,
// so each statement is sent on its own, as it comes: there is no round
// trip to save.
type run struct {
	w          *Warehouse
	conn       *sql.Conn
	build      warehouse.Build // NodeID, SQL (for positions) and Relation
	header     string
	timeout    time.Duration // Options.StatementTimeout
	statements []string
}

// inTx runs fn in a transaction that applies b.Options around it: the
// pre-hooks before, the post-hooks after. The options are checked before
// anything is sent. locks are the relations the transaction writes (see
// relationLocks); they are held from before BEGIN until the transaction
// ends. It returns the statements run, BEGIN and COMMIT aside.
func (w *Warehouse) inTx(ctx context.Context, b warehouse.Build, locks []warehouse.Relation, fn func(*run) error) ([]string, error) {
	if err := checkOptions(b.Options); err != nil {
		return nil, err
	}
	return w.transact(ctx, b, locks, func(r *run) error {
		if err := r.hooks(ctx, "pre_hook", b.PreHooks); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		return r.hooks(ctx, "post_hook", b.PostHooks)
	})
}

// transact runs fn in a transaction, commits if it succeeds and rolls back
// otherwise.
func (w *Warehouse) transact(ctx context.Context, b warehouse.Build, locks []warehouse.Relation, fn func(*run) error) ([]string, error) {
	if len(locks) > 0 {
		release, err := w.locks.acquire(ctx, locks)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	h := header(b.NodeID, b.InvocationID)
	r := &run{w: w, conn: conn, build: b, header: h, timeout: b.StatementTimeout}
	if _, err := conn.ExecContext(ctx, h+"begin"); err != nil {
		return nil, r.explain(ctx, ctx, plain(h, "begin", "begin the transaction"), err)
	}
	err = fn(r)
	if err == nil {
		commit := plain(h, "commit", "commit")
		if _, cerr := conn.ExecContext(ctx, commit.SQL); cerr != nil {
			err = r.explain(ctx, ctx, commit, cerr)
		}
	}
	if err != nil {
		r.rollback(ctx)
	}
	return r.statements, err
}

// rollback ends a failed transaction on a context of its own. When that
// fails too (after a failed COMMIT there is no transaction left), the
// connection is discarded rather than risk returning it to the pool in a
// transaction.
func (r *run) rollback(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	if _, err := r.conn.ExecContext(rctx, "rollback"); err != nil {
		_ = r.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
}

// stmtContext bounds one statement by the node's statement_timeout.
func (r *run) stmtContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.timeout > 0 {
		return context.WithTimeout(ctx, r.timeout)
	}
	return ctx, func() {}
}

// exec runs s and returns the rows it changed, as DuckDB counts them for
// INSERT, DELETE, UPDATE and MERGE.
func (r *run) exec(ctx context.Context, s step) (int64, error) {
	r.statements = append(r.statements, s.SQL)
	sctx, cancel := r.stmtContext(ctx)
	defer cancel()
	res, err := r.conn.ExecContext(sctx, s.SQL, s.Args...)
	if err != nil {
		return 0, r.explain(ctx, sctx, s, err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// count runs s, a CREATE TABLE AS, and returns the number of rows it
// wrote, which DuckDB answers with as a result row rather than as rows
// affected.
func (r *run) count(ctx context.Context, s step) (int64, error) {
	var n int64
	err := r.queryRows(ctx, s, func(rows *sql.Rows) error {
		if rows.Next() {
			return rows.Scan(&n)
		}
		return nil
	})
	return n, err
}

// queryRows runs s and hands its rows to read.
func (r *run) queryRows(ctx context.Context, s step, read func(*sql.Rows) error) error {
	r.statements = append(r.statements, s.SQL)
	sctx, cancel := r.stmtContext(ctx)
	defer cancel()
	rows, err := r.conn.QueryContext(sctx, s.SQL, s.Args...)
	if err != nil {
		return r.explain(ctx, sctx, s, err)
	}
	defer rows.Close()
	if err := read(rows); err != nil {
		return r.explain(ctx, sctx, s, err)
	}
	if err := rows.Err(); err != nil {
		return r.explain(ctx, sctx, s, err)
	}
	return rows.Close()
}

// hooks runs the pre-hooks or post-hooks (kind "pre_hook" or "post_hook")
// in order; the first that fails ends the transaction.
func (r *run) hooks(ctx context.Context, kind string, hooks []string) error {
	for _, s := range hookSteps(r.header, kind, hooks) {
		if _, err := r.exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// explain turns the error of step s into what the user needs: a timeout,
// a QueryError for the model's SQL, the hook or the dependent that failed,
// a conflict, or DuckDB's error prefixed with what kiln was doing. ctx is
// the build's context and sctx the statement's.
func (r *run) explain(ctx, sctx context.Context, s step, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if sctx.Err() != nil {
		what := s.What
		switch {
		case s.Hook != "":
			what = s.Hook
		case s.ModelAt >= 0:
			what = "the model's SQL"
		}
		return &timeoutError{limit: r.timeout, what: what}
	}
	var de *duckdbdriver.Error
	if !errors.As(err, &de) {
		return fmt.Errorf("%s: %w", s.What, err)
	}
	switch {
	case de.Type == duckdbdriver.ErrorTypeTransaction:
		what := s.What
		if s.Hook != "" {
			what = s.Hook
		}
		return &conflictError{what: what, err: de}
	case s.Hook != "":
		return &hookError{hook: s.Hook, err: queryError(de, s, s.Source)}
	case s.ModelAt >= 0:
		return queryError(de, s, r.build.SQL)
	case s.Rebuilds != nil:
		return &dependentError{dep: s.Rebuilds, target: r.build.Relation.Key(), err: de}
	default:
		return &serverError{what: s.What, err: de}
	}
}
