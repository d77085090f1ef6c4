package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// buildView replaces a view in place with CREATE OR REPLACE VIEW, which keeps
// its dependents, grants and comment. When PostgreSQL refuses because the
// columns changed, or when something other than a view is there, it builds
// the view beside the target and swaps it in, recreating the dependents.
//
// b.Existing, from the catalog the runner read at the start of the run, is
// trusted: when it says a view or nothing is there, the view is replaced
// without looking, in one round trip from BEGIN to COMMIT. If it is out of
// date (another session put something else there since), PostgreSQL
// refuses the CREATE OR REPLACE and the view is swapped in as above.
func (w *Warehouse) buildView(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	res := warehouse.BuildResult{RowsAffected: -1}
	if b.Existing == warehouse.Other {
		return res, notReplaceable(b.Relation, "")
	}
	var create step
	var tried *run
	stmts, err := w.inTx(ctx, b, func(r *run) error {
		tried = r
		create = createView(r.header, b.Relation.Key(), b.SQL, true)
		if b.Existing == warehouse.Absent || b.Existing == warehouse.View {
			r.queue(create)
			return nil
		}
		oid, relkind, err := r.lookup(ctx)
		if err != nil {
			return err
		}
		if k := kindOf(relkind); k != warehouse.Absent && k != warehouse.View {
			return r.swapInView(ctx, oid, relkind)
		}
		r.queue(create)
		return nil
	})
	res.Statements = stmts
	if err == nil || ctx.Err() != nil || !replaceRefused(tried, create) {
		return res, err
	}
	stmts, err = w.inTx(ctx, b, func(r *run) error {
		oid, relkind, err := r.lookup(ctx)
		if err != nil {
			return err
		}
		return r.swapInView(ctx, oid, relkind)
	})
	res.Statements = append(res.Statements, stmts...)
	return res, err
}

// replaceRefused reports whether the CREATE OR REPLACE VIEW statement
// create failed in r because the view's columns changed, or because
// something other than a view is there.
func replaceRefused(r *run, create step) bool {
	if r == nil || r.failed == nil || r.failed.step.SQL != create.SQL {
		return false
	}
	var pgErr *pgconn.PgError
	notAView := errors.As(r.failed.err, &pgErr) && pgErr.Code == "42809" && pgErr.Position == 0 // wrong_object_type
	return notAView || viewColumnsChanged(r.failed.err)
}

// swapInView creates the model as a new view beside the target and swaps it
// in for the relation with the given oid and relkind.
func (r *run) swapInView(ctx context.Context, oid uint32, relkind string) error {
	tmp := tempName(r.build.Relation, r.build.InvocationID)
	r.queue(createView(r.header, warehouse.Relation{Schema: r.build.Relation.Schema, Name: tmp}, r.build.SQL, false))
	return r.swapIn(ctx, oid, relkind, tmp, warehouse.View)
}
