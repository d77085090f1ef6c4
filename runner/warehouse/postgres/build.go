package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// rollbackTimeout bounds the rollback that follows a failed or cancelled
// build; it runs on a context of its own, so that a cancelled build still
// ends its transaction cleanly instead of abandoning the connection.
const rollbackTimeout = 10 * time.Second

// Build materializes one model as a "view", a "table" or an "incremental"
// table, atomically: on error, whatever was at b.Relation is left as it
// was, and no temporary relation remains. b.Options apply inside the same
// transaction: an advisory lock serializes kiln's writers of b.Relation,
// the timeouts are set, the hooks run around the build and the grants are
// applied after it. Views and materialized views that
// depend on a replaced relation are recreated with their options, owner,
// comments and grants; the replaced relation's own grants and comments are
// carried over to the new one. The statements run so far are returned even
// on error.
func (w *Warehouse) Build(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	if err := checkRelation(b.Relation); err != nil {
		return warehouse.BuildResult{RowsAffected: -1}, err
	}
	var res warehouse.BuildResult
	var err error
	switch b.Materialized {
	case "table":
		res, err = w.buildTable(ctx, b)
	case "view":
		res, err = w.buildView(ctx, b)
	case "incremental":
		res, err = w.buildIncremental(ctx, b)
	default:
		return warehouse.BuildResult{RowsAffected: -1},
			fmt.Errorf("materialized=%q is not supported on PostgreSQL yet (use view, table or incremental)", b.Materialized)
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("build of %s stopped: %w", b.Relation, ctx.Err())
	}
	return res, err
}

// checkRelation refuses names PostgreSQL would reject or silently truncate.
func checkRelation(rel warehouse.Relation) error {
	for _, n := range []string{rel.Schema, rel.Name} {
		if n == "" {
			return fmt.Errorf("relation %s has an empty schema or name", rel.Key())
		}
		if len(n) > maxIdentBytes {
			return fmt.Errorf("%q is %d bytes long; PostgreSQL names are limited to %d bytes and would be cut", n, len(n), maxIdentBytes)
		}
	}
	return nil
}

// run is one transaction of a build: it sends steps and records them.
type run struct {
	tx         pgx.Tx
	build      warehouse.Build
	header     string
	statements []string
}

// inTx runs fn in a transaction that applies b.Options around it (see
// applyOptionsBefore and applyOptionsAfter), commits if all succeeds and
// rolls back otherwise, and returns the statements it ran. The options are
// checked before the transaction begins. Seeds use it too, with a Build
// that carries the seed's NodeID, InvocationID, Relation and Options.
func (w *Warehouse) inTx(ctx context.Context, b warehouse.Build, fn func(*run) error) ([]string, error) {
	if err := checkOptions(b.Options); err != nil {
		return nil, err
	}
	stmts, err := w.transact(ctx, b, func(r *run) error {
		if err := w.applyOptionsBefore(ctx, r, b.Relation, b.Options); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		return w.applyOptionsAfter(ctx, r, b.Relation, b.Options)
	})
	return stmts, explainTimeout(ctx, b.Options, err)
}

// transact runs fn in a transaction, commits if it succeeds and rolls back
// otherwise, and returns the statements fn ran.
func (w *Warehouse) transact(ctx context.Context, b warehouse.Build, fn func(*run) error) ([]string, error) {
	tx, err := w.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	r := &run{tx: tx, build: b, header: header(b.NodeID, b.InvocationID)}
	if err = fn(r); err == nil {
		if err = tx.Commit(ctx); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	}
	if err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
		defer cancel()
		_ = tx.Rollback(rctx) // after a failed commit, or a dead connection, there is nothing to roll back
	}
	return r.statements, err
}

// exec sends s and returns the server's error as it came.
func (r *run) exec(ctx context.Context, s step) (pgconn.CommandTag, error) {
	r.statements = append(r.statements, s.SQL)
	if len(s.Args) > 0 {
		return r.tx.Exec(ctx, s.SQL, append([]any{pgx.QueryExecModeExec}, s.Args...)...)
	}
	return r.tx.Exec(ctx, s.SQL)
}

// do sends s and explains a failure in terms of the build.
func (r *run) do(ctx context.Context, s step) (pgconn.CommandTag, error) {
	tag, err := r.exec(ctx, s)
	if err != nil {
		err = r.explain(s, err)
	}
	return tag, err
}

// explain turns the error of step s into what the user needs: a QueryError
// for the model's SQL, the dependent that could not be rebuilt, or the
// server's error prefixed with what kiln was doing.
func (r *run) explain(s step, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return fmt.Errorf("%s: %w", s.What, err)
	}
	switch {
	case s.Hook != "":
		return &hookError{hook: s.Hook, err: queryError(pgErr, s, s.Source)}
	case s.ModelAt >= 0:
		return queryError(pgErr, s, r.build.SQL)
	case s.Rebuilds != nil:
		return &dependentError{dep: s.Rebuilds, target: r.build.Relation.Key(), err: pgErr}
	default:
		return &serverError{what: s.What, err: pgErr}
	}
}

// lookup finds what is at the build's relation now.
func (r *run) lookup(ctx context.Context) (oid uint32, relkind string, err error) {
	sql := lookupQuery(r.header)
	r.statements = append(r.statements, sql)
	rel := r.build.Relation
	err = r.tx.QueryRow(ctx, sql, pgx.QueryExecModeExec, rel.Schema, rel.Name).Scan(&oid, &relkind)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("look up %s: %w", rel.Key(), err)
	}
	return oid, relkind, nil
}

// swapIn puts tmp, a relation of kind tmpKind created by this transaction,
// in place of the build's relation, which has the given oid and relkind
// ("" when absent). Dependents of the old relation are captured, dropped and
// recreated on the new one, which gets the old one's comments and grants.
// The catalog search_path the recreation needs is set back afterwards, so
// that post-hooks see the search_path the pre-hooks left.
func (r *run) swapIn(ctx context.Context, oid uint32, relkind, tmp string, tmpKind warehouse.Kind) error {
	existing := kindOf(relkind)
	if existing == warehouse.Other {
		return notReplaceable(r.build.Relation, relkind)
	}
	var deps []dependent
	var own carried
	var searchPath *string
	if existing != warehouse.Absent {
		path, err := r.searchPath(ctx)
		if err != nil {
			return err
		}
		searchPath = &path
		if _, err := r.do(ctx, setCatalogSearchPath(r.header)); err != nil {
			return err
		}
		if deps, err = r.captureDependents(ctx, oid); err != nil {
			return fmt.Errorf("find the views that depend on %s: %w", r.build.Relation.Key(), err)
		}
		if own, err = r.captureCarried(ctx, oid, tmp); err != nil {
			return err
		}
	}
	backup := backupName(r.build.Relation, r.build.InvocationID)
	for _, s := range swapSteps(r.header, r.build.Relation.Key(), existing, tmp, tmpKind, backup, own, deps) {
		if _, err := r.do(ctx, s); err != nil {
			return err
		}
	}
	if searchPath != nil {
		if _, err := r.do(ctx, restoreSearchPath(r.header, *searchPath)); err != nil {
			return err
		}
	}
	return nil
}

// searchPath reads the search_path, for restoreSearchPath.
func (r *run) searchPath(ctx context.Context) (string, error) {
	sql := searchPathQuery(r.header)
	r.statements = append(r.statements, sql)
	var path string
	if err := r.tx.QueryRow(ctx, sql, pgx.QueryExecModeExec).Scan(&path); err != nil {
		return "", fmt.Errorf("read the search_path: %w", err)
	}
	return path, nil
}

// notReplaceable refuses to replace what kiln cannot rebuild; relkind is ""
// when only the catalog's Kind is known.
func notReplaceable(rel warehouse.Relation, relkind string) error {
	what := "a " + relkindName(relkind)
	if relkind == "" {
		what = "neither a table, a view nor a materialized view"
	}
	return fmt.Errorf("%s is %s; kiln replaces only tables, views and materialized views", rel.Key(), what)
}
