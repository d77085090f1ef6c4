package postgres

import (
	"context"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// buildTable creates the model as a new table beside the target, then swaps
// it in, all in one transaction. What is at the target is looked up again
// inside the transaction, once the advisory lock is held, in the round trip
// that creates the table: another kiln run may have replaced it since the
// catalog was read, and the swap needs its oid.
func (w *Warehouse) buildTable(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	res := warehouse.BuildResult{RowsAffected: -1}
	if b.Existing == warehouse.Other {
		return res, notReplaceable(b.Relation, "")
	}
	var err error
	res.Statements, err = w.inTx(ctx, b, func(r *run) error {
		tmp := tempName(b.Relation, b.InvocationID)
		lookup := lookupStep(r.header, b.Relation.Key())
		results, err := r.send(ctx, false, createTableAs(r.header, warehouse.Relation{Schema: b.Relation.Schema, Name: tmp}, b.SQL), lookup)
		if err != nil {
			return err
		}
		res.RowsAffected = results[0].CommandTag.RowsAffected()
		oid, relkind, err := r.lookedUp(results[1], lookup)
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
