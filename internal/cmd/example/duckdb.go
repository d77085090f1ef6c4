//go:build cgo

package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver
	"github.com/jackc/pgx/v5"
)

// duckDB is a DuckDB database file, and the profile's local target. DuckDB
// lets one process at a time write the file, so every method opens it and
// closes it again before returning: kiln runs in between.
type duckDB struct {
	path string
}

// openDuckDB uses $KILN_DUCKDB_PATH, else kiln_example.duckdb in dir. The
// file is kept, so that kiln can be run on it again by hand.
func openDuckDB(dir string) (*duckDB, error) {
	path := os.Getenv("KILN_DUCKDB_PATH")
	if path == "" {
		path = filepath.Join(dir, "kiln_example.duckdb")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	return &duckDB{path: abs}, nil
}

func (d *duckDB) String() string { return "DuckDB file " + d.path }

func (d *duckDB) target() string { return "local" }

func (d *duckDB) close() {}

// env points the local target of models_example/profiles.yml at the file.
func (d *duckDB) env() map[string]string { return map[string]string{"KILN_DUCKDB_PATH": d.path} }

// conn opens the file and one connection to it; done closes both.
func (d *duckDB) conn(ctx context.Context) (c *sql.Conn, done func(), err error) {
	db, err := sql.Open("duckdb", d.path)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", d.path, err)
	}
	if c, err = db.Conn(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("%s: %w", d.path, err)
	}
	return c, func() { c.Close(); db.Close() }, nil
}

// load (re)creates the raw schema's tables from the fixture files.
func (d *duckDB) load(ctx context.Context, files []string) error {
	c, done, err := d.conn(ctx)
	if err != nil {
		return err
	}
	defer done()
	raw := pgx.Identifier{rawSchema}.Sanitize()
	if _, err := c.ExecContext(ctx, "create schema if not exists "+raw+"; set search_path = '"+raw+"'"); err != nil {
		return err
	}
	for _, f := range files {
		sql, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := c.ExecContext(ctx, string(sql)); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// query expects every column to be text (cast in sql); NULL is "".
func (d *duckDB) query(ctx context.Context, q string) ([][]string, error) {
	c, done, err := d.conn(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	rs, err := c.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = v.String
		}
		rows = append(rows, row)
	}
	return rows, rs.Err()
}
