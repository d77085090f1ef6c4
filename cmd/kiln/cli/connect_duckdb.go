//go:build cgo

package cli

import (
	"context"
	"errors"
	"io/fs"

	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
	"github.com/kiln-dev/kiln/runner/warehouse/duckdb"
)

// connectDuckDB opens the database file of a duckdb target, in this
// process. A path that cannot be a database file is the profile's fault;
// a file another process holds is not, and a retry may succeed.
func connectDuckDB(ctx context.Context, t *project.Target, threads int) (warehouse.Warehouse, error) {
	wh, err := duckdb.Open(ctx, duckdb.Config{Path: t.Path, MaxConns: threads + 1})
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrInvalid) {
			return nil, &profileError{err}
		}
		return nil, err // not a nil *Warehouse inside a non-nil interface
	}
	return wh, nil
}
