//go:build cgo

package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

var _ warehouse.Tester = (*Warehouse)(nil)

// RunTest runs a data test: it counts the rows t.SQL selects (up to
// t.Limit) and evaluates t.WarnIf and t.ErrorIf on that count, in a
// transaction that is rolled back. When t.StoreFailures is set, the
// failing rows replace what is at that relation, atomically, as a table
// build does (the schema is created first if missing), and are counted
// from there. An error in t.SQL is a *warehouse.QueryError placed in
// t.SQL.
func (w *Warehouse) RunTest(ctx context.Context, t warehouse.Test) (warehouse.TestResult, error) {
	p, err := planTest(t)
	if err != nil {
		return warehouse.TestResult{}, err
	}
	b := warehouse.Build{NodeID: t.NodeID, InvocationID: t.InvocationID, SQL: p.sql}
	var res warehouse.TestResult
	if t.StoreFailures == nil {
		res.Statements, err = w.readOnly(ctx, b, func(r *run) error {
			return r.countFailures(ctx, testQuery(r.header, p.sql, p.limit, p.warnIf, p.errorIf), &res)
		})
	} else {
		res.Statements, err = w.storeFailures(ctx, b, *t.StoreFailures, p, &res)
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("test %s stopped: %w", t.NodeID, ctx.Err())
		}
		res = warehouse.TestResult{Statements: res.Statements}
	}
	return res, err
}

// readOnly runs fn in a transaction that is always rolled back, so that
// nothing it does stays. DuckDB has no read-only transactions on a
// read-write database.
func (w *Warehouse) readOnly(ctx context.Context, b warehouse.Build, fn func(*run) error) ([]string, error) {
	var stmts []string
	_, err := w.transact(ctx, b, nil, func(r *run) error {
		err := fn(r)
		stmts = r.statements
		if err == nil {
			err = errReadOnly
		}
		return err
	})
	if errors.Is(err, errReadOnly) {
		err = nil
	}
	return stmts, err
}

// errReadOnly makes transact roll back a transaction that succeeded.
var errReadOnly = errors.New("read only: roll back")

// storeFailures replaces rel with the failing rows and counts them there.
func (w *Warehouse) storeFailures(ctx context.Context, b warehouse.Build, rel warehouse.Relation, p testPlan, res *warehouse.TestResult) ([]string, error) {
	if err := w.CreateSchema(ctx, rel.Schema); err != nil {
		return nil, fmt.Errorf("create schema %s for the failing rows: %w", ident(rel.Schema), err)
	}
	deps, err := w.dependents(ctx, rel)
	if err != nil {
		return nil, err
	}
	b.Relation = rel
	return w.inTx(ctx, b, lockSet(rel, deps), func(r *run) error {
		tmp := tempName(rel, b.InvocationID)
		if _, err := r.count(ctx, createTableAs(r.header, warehouse.Relation{Schema: rel.Schema, Name: tmp}, p.sql)); err != nil {
			return err
		}
		if err := r.swapIn(ctx, tmp, deps); err != nil {
			return err
		}
		return r.countFailures(ctx, storedTestQuery(r.header, rel.Key(), p.limit, p.warnIf, p.errorIf), res)
	})
}

// countFailures runs a query made by testQuery.
func (r *run) countFailures(ctx context.Context, s step, res *warehouse.TestResult) error {
	return r.queryRows(ctx, s, func(rows *sql.Rows) error {
		if !rows.Next() {
			return sql.ErrNoRows
		}
		return rows.Scan(&res.Failures, &res.Warn, &res.Error)
	})
}
