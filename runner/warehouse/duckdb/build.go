//go:build cgo

package duckdb

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Build materializes one model as a "view", a "table" or an "incremental"
// table, in one transaction: on error, whatever was at b.Relation is left
// as it was, and no scratch relation remains. Views that depend on a
// replaced relation are recreated on the new one in the same transaction,
// with their comments, and the relation's own comments are carried over.
// b.Options apply inside the transaction (see checkOptions). What is at
// b.Relation is looked up inside the transaction, so b.Existing, read at
// the start of the run, only has to be right about Other. The statements
// run so far are returned even on error.
func (w *Warehouse) Build(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	if err := checkRelation(b.Relation); err != nil {
		return warehouse.BuildResult{RowsAffected: -1}, err
	}
	if b.Existing == warehouse.Other || b.Existing == warehouse.MaterializedView {
		return warehouse.BuildResult{RowsAffected: -1}, notReplaceable(b.Relation, b.Existing)
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
			fmt.Errorf("materialized=%q is not supported on DuckDB yet (use view, table or incremental)", b.Materialized)
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("build of %s stopped: %w", b.Relation, ctx.Err())
	}
	return res, err
}

// checkRelation refuses an empty schema or name.
func checkRelation(r warehouse.Relation) error {
	if r.Schema == "" || r.Name == "" {
		return fmt.Errorf("relation %s has an empty schema or name", r.Key())
	}
	return nil
}

// notReplaceable refuses to replace what kiln cannot rebuild.
func notReplaceable(r warehouse.Relation, k warehouse.Kind) error {
	return fmt.Errorf("%s is a %s; kiln replaces only tables and views", r.Key(), k)
}

// buildTable creates the model as a new table beside the target, then
// swaps it in.
func (w *Warehouse) buildTable(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	res := warehouse.BuildResult{RowsAffected: -1}
	deps, err := w.dependents(ctx, b.Relation)
	if err != nil {
		return res, fmt.Errorf("find the views that depend on %s: %w", rel(b.Relation), err)
	}
	var rows int64
	res.Statements, err = w.inTx(ctx, b, lockSet(b.Relation, deps), func(r *run) error {
		tmp := tempName(b.Relation, b.InvocationID)
		n, err := r.count(ctx, createTableAs(r.header, warehouse.Relation{Schema: b.Relation.Schema, Name: tmp}, b.SQL))
		if err != nil {
			return err
		}
		rows = n
		return r.swapIn(ctx, tmp, deps)
	})
	if err == nil {
		res.RowsAffected = rows
	}
	return res, err
}

// buildView replaces the view in place (CREATE OR REPLACE VIEW takes any
// change of columns on DuckDB), or replaces a table with it, and recreates
// the views that depend on it, whose stored column types may no longer
// match.
func (w *Warehouse) buildView(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	res := warehouse.BuildResult{RowsAffected: -1}
	deps, err := w.dependents(ctx, b.Relation)
	if err != nil {
		return res, fmt.Errorf("find the views that depend on %s: %w", rel(b.Relation), err)
	}
	res.Statements, err = w.inTx(ctx, b, lockSet(b.Relation, deps), func(r *run) error {
		target := b.Relation.Key()
		existing, err := r.lookup(ctx, target)
		if err != nil {
			return err
		}
		own, err := r.comments(ctx, existing, target)
		if err != nil {
			return err
		}
		for _, s := range viewSteps(r.header, target, existing, b.SQL) {
			if _, err := r.exec(ctx, s); err != nil {
				return err
			}
		}
		if err := r.carry(ctx, target, warehouse.View, own, nil); err != nil {
			return err
		}
		return r.recreate(ctx, deps)
	})
	return res, err
}

// lockSet is the relations a build writes: its target and the dependents
// it recreates.
func lockSet(target warehouse.Relation, deps []dependent) []warehouse.Relation {
	out := []warehouse.Relation{target.Key()}
	for _, d := range deps {
		out = append(out, d.Rel)
	}
	return out
}

// swapIn puts tmp, a table this transaction created in the schema of the
// build's relation, in place of that relation, carries its comments over,
// and recreates deps on it.
func (r *run) swapIn(ctx context.Context, tmp string, deps []dependent) error {
	target := r.build.Relation.Key()
	existing, err := r.lookup(ctx, target)
	if err != nil {
		return err
	}
	own, err := r.comments(ctx, existing, target)
	if err != nil {
		return err
	}
	for _, s := range swapSteps(r.header, target, existing, tmp) {
		if _, err := r.exec(ctx, s); err != nil {
			return err
		}
	}
	if err := r.carry(ctx, target, warehouse.Table, own, nil); err != nil {
		return err
	}
	return r.recreate(ctx, deps)
}

// lookup finds what is at target now.
func (r *run) lookup(ctx context.Context, target warehouse.Relation) (warehouse.Kind, error) {
	kind := warehouse.Absent
	err := r.queryRows(ctx, lookupStep(r.header, target), func(rows *sql.Rows) error {
		if rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				return err
			}
			kind = warehouse.Kind(k)
		}
		return nil
	})
	return kind, err
}

// comments reads the comments of target, of kind existing.
func (r *run) comments(ctx context.Context, existing warehouse.Kind, target warehouse.Relation) (carried, error) {
	var own carried
	if existing == warehouse.Absent {
		return own, nil
	}
	s := queryStep(r.header, commentsQuery, "read the comments of "+rel(target), target.Schema, target.Name)
	err := r.queryRows(ctx, s, func(rows *sql.Rows) error {
		for rows.Next() {
			var c columnComment
			var index int64
			if err := rows.Scan(&c.Column, &c.Comment, &index); err != nil {
				return err
			}
			if c.Column == "" {
				own.Comment = &c.Comment
			} else {
				own.ColumnComments = append(own.ColumnComments, c)
			}
		}
		return nil
	})
	return own, err
}

// columns reads the columns of target, or of the temporary table named
// target.Name when temp is set.
func (r *run) columns(ctx context.Context, target warehouse.Relation, temp bool) ([]column, error) {
	s := queryStep(r.header, columnsQuery, "read the columns of "+rel(target), target.Schema, target.Name)
	if temp {
		s = queryStep(r.header, tempColumnsQuery, "read the columns of the new rows", target.Name)
	}
	var cols []column
	err := r.queryRows(ctx, s, func(rows *sql.Rows) error {
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.Name, &c.Type); err != nil {
				return err
			}
			cols = append(cols, c)
		}
		return nil
	})
	return cols, err
}

// carry gives target, now of kind k, the comments own of what it
// replaced; dep is the dependent being recreated, if that is what target
// is.
func (r *run) carry(ctx context.Context, target warehouse.Relation, k warehouse.Kind, own carried, dep *dependent) error {
	if own.Comment == nil && len(own.ColumnComments) == 0 {
		return nil
	}
	var names []string
	if len(own.ColumnComments) > 0 {
		cols, err := r.columns(ctx, target, false)
		if err != nil {
			return err
		}
		for _, c := range cols {
			names = append(names, c.Name)
		}
	}
	for _, s := range carrySteps(r.header, target, k, own, names) {
		s.Rebuilds = dep
		if _, err := r.exec(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// recreate rebuilds deps, in order, with their comments.
func (r *run) recreate(ctx context.Context, deps []dependent) error {
	for i := range deps {
		d := &deps[i]
		for _, s := range recreateSteps(r.header, d) {
			if _, err := r.exec(ctx, s); err != nil {
				return err
			}
		}
		if err := r.carry(ctx, d.Rel, warehouse.View, carried{Comment: d.Comment, ColumnComments: d.Columns}, d); err != nil {
			return err
		}
	}
	return nil
}
