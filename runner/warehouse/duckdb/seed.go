//go:build cgo

package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

var _ warehouse.Seeder = (*Warehouse)(nil)

// LoadSeed replaces the seed's table with s.Rows, atomically, in one
// transaction: a new table with s.Columns (mapped to DuckDB's types, see
// duckType) is created beside the target, the rows go into it through
// DuckDB's appender, and it is swapped in as a table model is, so views
// that depend on the old table are recreated on the new one. s.Options
// apply as in Build. On error what was at s.Relation is left as it was. A
// full refresh takes the same path: the swap replaces the table whole.
// RowsAffected is the number of rows loaded.
//
// The appender writes a million rows in about a second where prepared
// INSERTs in one transaction take minutes.
func (w *Warehouse) LoadSeed(ctx context.Context, s warehouse.Seed) (warehouse.BuildResult, error) {
	res := warehouse.BuildResult{RowsAffected: -1}
	if err := checkRelation(s.Relation); err != nil {
		return res, err
	}
	if s.Existing == warehouse.Other || s.Existing == warehouse.MaterializedView {
		return res, notReplaceable(s.Relation, s.Existing)
	}
	if err := checkSeed(s); err != nil {
		return res, err
	}
	cols, err := seedColumns(s)
	if err != nil {
		return res, fmt.Errorf("seed %s: %w", rel(s.Relation), err)
	}
	deps, err := w.dependents(ctx, s.Relation)
	if err != nil {
		return res, fmt.Errorf("find the views that depend on %s: %w", rel(s.Relation), err)
	}
	b := warehouse.Build{NodeID: s.NodeID, Relation: s.Relation, Materialized: "seed", Existing: s.Existing,
		InvocationID: s.InvocationID, Options: s.Options}
	res.Statements, err = w.inTx(ctx, b, lockSet(s.Relation, deps), func(r *run) error {
		tmp := warehouse.Relation{Schema: s.Relation.Schema, Name: tempName(s.Relation, s.InvocationID)}
		if _, err := r.exec(ctx, createSeedTable(r.header, tmp, s.Relation, cols)); err != nil {
			return err
		}
		if err := r.appendRows(ctx, tmp, cols, s.Rows); err != nil {
			return err
		}
		for _, c := range cols {
			if c.enc == encCast {
				if err := r.convert(ctx, tmp, c); err != nil {
					return err
				}
			}
		}
		return r.swapIn(ctx, tmp.Name, deps)
	})
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("load of seed %s stopped: %w", s.Relation, ctx.Err())
		}
		return res, err
	}
	res.RowsAffected = int64(len(s.Rows))
	return res, nil
}

// appendRows writes rows into tmp through DuckDB's appender, on the
// transaction's connection, so that they are part of the transaction. The
// statement recorded for target/run says what was done.
func (r *run) appendRows(ctx context.Context, tmp warehouse.Relation, cols []seedColumn, rows [][]any) error {
	r.statements = append(r.statements, fmt.Sprintf("%s-- appender: %d rows into %s", r.header, len(rows), rel(tmp)))
	return r.conn.Raw(func(dc any) error {
		conn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("append to %s: not a DuckDB connection", rel(tmp))
		}
		app, err := duckdbdriver.NewAppender(conn, "", tmp.Schema, tmp.Name)
		if err != nil {
			return fmt.Errorf("append to %s: %w", rel(tmp), err)
		}
		vals := make([]driver.Value, len(cols))
		for i, row := range rows {
			if i%checkEvery == 0 && ctx.Err() != nil {
				_ = app.Close()
				return ctx.Err()
			}
			for j, v := range row {
				if vals[j], err = cols[j].encode(v); err != nil {
					_ = app.Close()
					return &warehouse.SeedRowError{Row: i + 1, Column: cols[j].Name, Message: err.Error(), Err: err}
				}
			}
			if err := app.AppendRow(vals...); err != nil {
				_ = app.Close()
				return &warehouse.SeedRowError{Row: i + 1, Message: err.Error(), Err: err}
			}
		}
		if err := app.Close(); err != nil {
			return fmt.Errorf("append to %s: %w", rel(tmp), err)
		}
		return nil
	})
}

// checkEvery is how many rows are appended between looks at the context.
const checkEvery = 1 << 14

// convert changes column c of tmp, loaded as text, to its type. The first
// value DuckDB cannot convert is looked for first, so that the error names
// its row: once a statement fails, the transaction is over.
func (r *run) convert(ctx context.Context, tmp warehouse.Relation, c seedColumn) error {
	var row int64
	var value string
	found := false
	err := r.queryRows(ctx, badValueQuery(r.header, tmp, c), func(rows *sql.Rows) error {
		if rows.Next() {
			found = true
			return rows.Scan(&row, &value)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if found {
		return &warehouse.SeedRowError{Row: int(row), Column: c.Name,
			Message: fmt.Sprintf("DuckDB cannot read %s as %s", literal(shorten(value, 100)), c.Type)}
	}
	_, err = r.exec(ctx, plain(r.header, "alter table "+rel(tmp)+" alter column "+ident(c.Name)+" type "+c.Type,
		"convert column "+ident(c.Name)+" of the seed to "+c.Type))
	return err
}

// createSeedTable creates tmp, the new table of the seed that will replace
// target, with the seed's columns as they are loaded.
func createSeedTable(h string, tmp, target warehouse.Relation, cols []seedColumn) step {
	var b strings.Builder
	b.WriteString("create table " + rel(tmp) + " (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  " + ident(c.Name) + " " + c.Load())
	}
	b.WriteString("\n)")
	return plain(h, b.String(), "create the new "+rel(target))
}

// badValueQuery finds the first value of column c of tmp, loaded as text,
// that DuckDB cannot convert to the column's type, and its row (from 1, in
// the order loaded: the rowids of rows appended in a transaction are
// consecutive, from a base of the transaction's own).
func badValueQuery(h string, tmp warehouse.Relation, c seedColumn) step {
	col := ident(c.Name)
	return queryStep(h, "select n, v from (\n  select rowid - min(rowid) over () + 1 as n, "+col+" as v from "+rel(tmp)+
		"\n) loaded\nwhere v is not null and try_cast(v as "+c.Type+") is null\norder by n\nlimit 1",
		"check the values of column "+col+" of the seed")
}

// checkSeed refuses a seed DuckDB would reject: no columns, an empty or
// repeated column name (DuckDB matches names without regard to case), an
// empty type, or a row whose length is not the number of columns.
func checkSeed(s warehouse.Seed) error {
	if len(s.Columns) == 0 {
		return fmt.Errorf("seed %s has no columns", s.Relation.Key())
	}
	seen := make(map[string]string, len(s.Columns))
	for _, c := range s.Columns {
		switch {
		case c.Name == "":
			return fmt.Errorf("seed %s has a column without a name", s.Relation.Key())
		case seen[strings.ToLower(c.Name)] != "":
			return fmt.Errorf("seed %s has columns %q and %q, which DuckDB takes for the same name", s.Relation.Key(),
				seen[strings.ToLower(c.Name)], c.Name)
		case strings.TrimSpace(c.Type) == "":
			return fmt.Errorf("column %q of seed %s has no type", c.Name, s.Relation.Key())
		}
		seen[strings.ToLower(c.Name)] = c.Name
	}
	for i, row := range s.Rows {
		if len(row) != len(s.Columns) {
			return fmt.Errorf("row %d of seed %s has %d values for %d columns", i+1, s.Relation.Key(), len(row), len(s.Columns))
		}
	}
	return nil
}
