package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
	"github.com/kiln-dev/kiln/runner/warehouse/postgres"
)

// connectPostgres opens the warehouse a profile target names.
func connectPostgres(ctx context.Context, t *project.Target, threads int) (warehouse.Warehouse, error) {
	if t.Type != "postgres" {
		return nil, fmt.Errorf("target %s has type %q; this kiln supports postgres", t.Name, t.Type)
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
		return nil, err // not a nil *Warehouse inside a non-nil interface
	}
	return wh, nil
}
