//go:build cgo

// Package duckdb is kiln's DuckDB warehouse: the database is a file that
// kiln opens in its own process, through DuckDB's C library (so this
// package needs cgo; a CGO_ENABLED=0 build leaves it out). It implements
// the same contract as the PostgreSQL warehouse: views, tables and
// incremental tables built atomically, each in one transaction, seeds
// loaded with DuckDB's appender, data tests, source freshness and run
// hooks.
//
// Where DuckDB differs from PostgreSQL, and what kiln does about it:
//
//   - DuckDB does not track which views use a table, lets a table be
//     dropped under its views, and stores with each view the column types
//     it had when it was created: a view whose columns' types change
//     underneath fails with "Contents of view were altered". A swap
//     therefore finds the views that name the replaced relation (by
//     parsing their stored SQL with json_serialize_sql, transitively), and
//     recreates those that worked before the build, in the same
//     transaction, with their comments. A view that no longer worked is
//     left as it was.
//   - DuckDB's transactions are optimistic: two open transactions writing
//     the same catalog entry fail with a write-write conflict rather than
//     wait. A Warehouse serializes its own transactions that write the same
//     relations (the target and the views recreated on it); a conflict that
//     remains is reported as such.
//   - One process holds the file: a second kiln run on the same file fails
//     to open it, so no advisory lock is needed (Options.LockWait and
//     LockTimeout have nothing to wait for and are ignored).
//   - There are no roles: Options.Grants naming any role is an error.
//     There is no statement_timeout setting: Options.StatementTimeout
//     bounds each statement from Go, by interrupting it.
package duckdb

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Config says which database file to open.
type Config struct {
	// Path is the database file, created if missing; a relative path is
	// relative to the working directory. ":memory:" is a database that
	// lives as long as the Warehouse.
	Path string
	// MaxConns bounds the connections kiln opens to the database; each
	// build uses one. 0 means 4.
	MaxConns int
}

// Warehouse is one DuckDB database opened read-write by this process. It
// implements warehouse.Warehouse.
type Warehouse struct {
	db     *sql.DB
	path   string
	dbName string // DuckDB's name for the database: the file's name up to its first dot

	locks    *relationLocks // serializes transactions writing the same relations
	schemaMu sync.Mutex     // serializes CreateSchema
}

var _ warehouse.Warehouse = (*Warehouse)(nil)

// LockedError is an Open that failed because another process has the
// file open: DuckDB allows one process to write a database file.
type LockedError struct {
	Path   string
	Detail string // DuckDB's message, which names the process
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another process has %s open (DuckDB allows one writer): %s", e.Path, e.Detail)
}

// Open opens (creating it if missing) the database file c.Path. It fails
// with a *LockedError when another process has the file open, with an
// error wrapping fs.ErrNotExist when the file's directory does not exist,
// and with one wrapping fs.ErrInvalid when the path cannot be a file.
func Open(ctx context.Context, c Config) (*Warehouse, error) {
	path, err := checkPath(c.Path)
	if err != nil {
		return nil, err
	}
	connector, err := duckdbdriver.NewConnector(path, nil)
	if err != nil {
		// The driver passes DuckDB's error on as text only. DuckDB's says
		// which process holds the lock; kiln says what that means.
		msg := err.Error()
		if i := strings.Index(msg, "Could not set lock on file"); i >= 0 && strings.Contains(msg[i:], "Conflicting lock") {
			return nil, &LockedError{Path: path, Detail: msg[i:]}
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	n := c.MaxConns
	if n <= 0 {
		n = 4
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	var name string
	if err := db.QueryRowContext(ctx, "select current_database()").Scan(&name); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &Warehouse{db: db, path: path, dbName: name, locks: newRelationLocks()}, nil
}

// checkPath refuses what DuckDB would misread or fail on with a less
// helpful message, and makes the path absolute, so that errors name the
// file wherever kiln was started.
func checkPath(p string) (string, error) {
	switch {
	case strings.TrimSpace(p) == "":
		return "", fmt.Errorf("the DuckDB path is empty: %w", fs.ErrInvalid)
	case p == ":memory:":
		return p, nil
	case strings.ContainsRune(p, '?'):
		// The driver reads what follows a '?' as configuration options.
		return "", fmt.Errorf("the DuckDB path %q contains a '?', which kiln cannot pass to DuckDB: %w", p, fs.ErrInvalid)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	if info, err := os.Stat(abs); err == nil && info.IsDir() {
		return "", fmt.Errorf("the DuckDB path %s is a directory; give a file name, e.g. %s: %w", abs, filepath.Join(abs, "dev.duckdb"), fs.ErrInvalid)
	}
	dir := filepath.Dir(abs)
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return "", fmt.Errorf("cannot create %s: directory %s: %w", abs, dir, fs.ErrNotExist)
	}
	return abs, nil
}

// Close releases the connections and the file. Transactions still open
// are rolled back by DuckDB.
func (w *Warehouse) Close() { _ = w.db.Close() }

// Path is the absolute path of the database file (or ":memory:").
func (w *Warehouse) Path() string { return w.path }

// Ping checks that the database answers.
func (w *Warehouse) Ping(ctx context.Context) error { return w.db.PingContext(ctx) }

// Version returns DuckDB's version, e.g. "v1.4.5".
func (w *Warehouse) Version(ctx context.Context) (string, error) {
	var v string
	err := w.db.QueryRowContext(ctx, "select version()").Scan(&v)
	return v, err
}
