//go:build cgo

package duckdb

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

var _ warehouse.Executor = (*Warehouse)(nil)

// Exec runs sql, an on-run-start or on-run-end hook, in a transaction of
// its own, after the statement comment naming nodeID and invocationID. It
// may hold several statements; all of them commit or none does. A DuckDB
// error comes back as a *warehouse.QueryError whose Line and Col point into
// sql where DuckDB gave a position.
func (w *Warehouse) Exec(ctx context.Context, nodeID, invocationID, sql string) error {
	b := warehouse.Build{NodeID: nodeID, InvocationID: invocationID, SQL: sql}
	_, err := w.transact(ctx, b, nil, func(r *run) error {
		_, err := r.exec(ctx, step{SQL: r.header + sql, ModelAt: utf8.RuneCountInString(r.header), What: nodeID})
		return err
	})
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("%s stopped: %w", nodeID, ctx.Err())
	}
	return err
}
