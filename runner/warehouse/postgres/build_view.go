package postgres

import (
	"context"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// buildView replaces a view in place with CREATE OR REPLACE VIEW, which keeps
// its dependents, grants and comment. When PostgreSQL refuses because the
// columns changed, or when something other than a view is there, it builds
// the view beside the target and swaps it in, recreating the dependents.
func (w *Warehouse) buildView(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	res := warehouse.BuildResult{RowsAffected: -1}
	if b.Existing == warehouse.Other {
		return res, notReplaceable(b.Relation, "")
	}
	columnsChanged := false
	stmts, err := w.inTx(ctx, b, func(r *run) error {
		oid, relkind, err := r.lookup(ctx)
		if err != nil {
			return err
		}
		if k := kindOf(relkind); k != warehouse.Absent && k != warehouse.View {
			return r.swapInView(ctx, oid, relkind)
		}
		s := createView(r.header, b.Relation.Key(), b.SQL, true)
		if _, err := r.exec(ctx, s); err != nil {
			if kindOf(relkind) == warehouse.View && viewColumnsChanged(err) {
				columnsChanged = true
			}
			return r.explain(s, err)
		}
		return nil
	})
	res.Statements = stmts
	if !columnsChanged || ctx.Err() != nil {
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

// swapInView creates the model as a new view beside the target and swaps it
// in for the relation with the given oid and relkind.
func (r *run) swapInView(ctx context.Context, oid uint32, relkind string) error {
	tmp := tempName(r.build.Relation, r.build.InvocationID)
	s := createView(r.header, warehouse.Relation{Schema: r.build.Relation.Schema, Name: tmp}, r.build.SQL, false)
	if _, err := r.do(ctx, s); err != nil {
		return err
	}
	return r.swapIn(ctx, oid, relkind, tmp, warehouse.View)
}
