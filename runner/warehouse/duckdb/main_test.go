//go:build cgo

package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Every test opens a database file of its own in t.TempDir().

// openTest opens a fresh database file, with schema "s".
func openTest(t testing.TB) *Warehouse {
	t.Helper()
	w, err := Open(context.Background(), Config{Path: filepath.Join(t.TempDir(), "test.duckdb"), MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	if err := w.CreateSchema(context.Background(), "s"); err != nil {
		t.Fatal(err)
	}
	return w
}

// mustExec runs statements outside kiln, to set up or change a test's
// database.
func mustExec(t testing.TB, w *Warehouse, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := w.db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// rowsOf returns the rows of q, each value printed with %v and the row's
// values joined by "|".
func rowsOf(t testing.TB, w *Warehouse, q string) []string {
	t.Helper()
	rows, err := w.db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		s := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				s[i] = "NULL"
			} else {
				s[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(s, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// want compares the rows of q with the expected ones.
func want(t testing.TB, w *Warehouse, q string, expected ...string) {
	t.Helper()
	got := rowsOf(t, w, q)
	if strings.Join(got, "\n") != strings.Join(expected, "\n") {
		t.Errorf("%s:\n got  %q\n want %q", q, got, expected)
	}
}

// readErr returns the error of reading q, or nil.
func readErr(w *Warehouse, q string) error {
	rows, err := w.db.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// kindAt is what the catalog says is at s.name.
func kindAt(t testing.TB, w *Warehouse, name string) warehouse.Kind {
	t.Helper()
	cat, err := w.Catalog(context.Background(), []string{"s"})
	if err != nil {
		t.Fatal(err)
	}
	return cat.Lookup(warehouse.Relation{Schema: "s", Name: name})
}

// relationsIn lists the tables and views of schema s, to check that no
// scratch relation is left behind.
func relationsIn(t testing.TB, w *Warehouse) []string {
	t.Helper()
	return rowsOf(t, w, `select table_name from duckdb_tables() where schema_name = 's'
union all select view_name from duckdb_views() where schema_name = 's' order by 1`)
}

const invocation = "0b6a4f6e-2f55-4c1e-9d4a-8f4b1a2c3d4e"

// build is a Build of s.name with sensible defaults.
func build(name, materialized, sql string) warehouse.Build {
	return warehouse.Build{
		NodeID:       "model.shop." + name,
		Relation:     warehouse.Relation{Schema: "s", Name: name},
		Materialized: materialized,
		SQL:          sql,
		InvocationID: invocation,
	}
}

// mustBuild runs b against what the catalog says is there, and fails the
// test on error.
func mustBuild(t testing.TB, w *Warehouse, b warehouse.Build) warehouse.BuildResult {
	t.Helper()
	b.Existing = kindAt(t, w, b.Relation.Name)
	res, err := w.Build(context.Background(), b)
	if err != nil {
		t.Fatalf("build %s: %v\nstatements:\n%s", b.Relation.Name, err, strings.Join(res.Statements, "\n;\n"))
	}
	return res
}

// tryBuild runs b against what the catalog says is there.
func tryBuild(t testing.TB, w *Warehouse, b warehouse.Build) (warehouse.BuildResult, error) {
	t.Helper()
	b.Existing = kindAt(t, w, b.Relation.Name)
	return w.Build(context.Background(), b)
}
