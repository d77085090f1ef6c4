//go:build !cgo

package cli

import (
	"context"
	"fmt"

	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// connectDuckDB refuses: DuckDB runs inside kiln through its C library,
// which a build without cgo (such as the container image) leaves out.
func connectDuckDB(_ context.Context, t *project.Target, _ int) (warehouse.Warehouse, error) {
	return nil, &profileError{fmt.Errorf("target %s has type duckdb, but this kiln was built without DuckDB (CGO_ENABLED=0); "+
		"use a postgres target or a kiln built with cgo", t.Name)}
}
