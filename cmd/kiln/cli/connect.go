package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
	"github.com/kiln-dev/kiln/runner/warehouse/postgres"
)

// connect opens the warehouse a profile target names: PostgreSQL,
// or a DuckDB file (connectDuckDB, which a kiln built without cgo lacks).
func connect(ctx context.Context, t *project.Target, threads int) (warehouse.Warehouse, error) {
	switch t.Type {
	case "postgres":
	case "duckdb":
		return connectDuckDB(ctx, t, threads)
	default:
		return nil, fmt.Errorf("target %s has type %q; this kiln supports postgres and duckdb", t.Name, t.Type)
	}
	wh, err := postgres.Open(ctx, postgres.Config{
		Host:            t.Host,
		Port:            t.Port,
		User:            t.User,
		Password:        t.Password,
		DBName:          t.DBName,
		SSLMode:         t.SSLMode,
		MaxConns:        threads + 1,
		ApplicationName: "kiln",
		ConnectTimeout:  10 * time.Second,
	})
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (strings.HasPrefix(pgErr.Code, "28") || pgErr.Code == "3D000") {
			// Bad credentials or no such database: the profile is wrong,
			// and retrying will not help.
			return nil, &profileError{err}
		}
		return nil, err // not a nil *Warehouse inside a non-nil interface
	}
	return wh, nil
}

// profileError is a connection refused because of what the profile says.
type profileError struct{ err error }

func (e *profileError) Error() string { return e.err.Error() }
func (e *profileError) Unwrap() error { return e.err }
