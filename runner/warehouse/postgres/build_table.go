package postgres

import (
	"context"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// buildTable creates the model as a new table beside the target, then swaps
// it in, all in one transaction.
func (w *Warehouse) buildTable(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	res := warehouse.BuildResult{RowsAffected: -1}
	if b.Existing == warehouse.Other {
		return res, notReplaceable(b.Relation, "")
	}
	var err error
	res.Statements, err = w.inTx(ctx, b, func(r *run) error {
		tmp := tempName(b.Relation, b.InvocationID)
		tag, err := r.do(ctx, createTableAs(r.header, warehouse.Relation{Schema: b.Relation.Schema, Name: tmp}, b.SQL))
		if err != nil {
			return err
		}
		res.RowsAffected = tag.RowsAffected()
		oid, relkind, err := r.lookup(ctx)
		if err != nil {
			return err
		}
		return r.swapIn(ctx, oid, relkind, tmp, warehouse.Table)
	})
	if err != nil {
		res.RowsAffected = -1
	}
	return res, err
}
