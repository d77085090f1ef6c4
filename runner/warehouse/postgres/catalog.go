package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// catalogQuery lists every relation in the schemas $1. Indexes, sequences and
// composite types are included (as Other) because they take the name a model
// might want.
const catalogQuery = `select n.nspname::text, c.relname::text, c.relkind::text
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = any($1::text[])`

// Catalog lists the relations in the given schemas in one round trip.
func (w *Warehouse) Catalog(ctx context.Context, schemas []string) (warehouse.Catalog, error) {
	cat := warehouse.Catalog{}
	if len(schemas) == 0 {
		return cat, nil
	}
	rows, err := w.pool.Query(ctx, catalogQuery, pgx.QueryExecModeExec, schemas)
	if err != nil {
		return nil, err
	}
	var r warehouse.Relation
	var kind string
	_, err = pgx.ForEachRow(rows, []any{&r.Schema, &r.Name, &kind}, func() error {
		cat[r] = kindOf(kind)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cat, nil
}

// kindOf maps a pg_class.relkind to a Kind; "" is Absent.
func kindOf(relkind string) warehouse.Kind {
	switch relkind {
	case "":
		return warehouse.Absent
	case "r":
		return warehouse.Table
	case "v":
		return warehouse.View
	case "m":
		return warehouse.MaterializedView
	default:
		return warehouse.Other
	}
}

// relkindName describes a pg_class.relkind for error messages.
func relkindName(relkind string) string {
	switch relkind {
	case "p":
		return "partitioned table"
	case "f":
		return "foreign table"
	case "S":
		return "sequence"
	case "i", "I":
		return "index"
	case "c":
		return "composite type"
	default:
		return string(kindOf(relkind))
	}
}

// CreateSchema creates the schema if it does not exist. It looks first, so a
// user without CREATE on the database can use a schema that exists, and it
// accepts losing the race to a session creating the same schema.
func (w *Warehouse) CreateSchema(ctx context.Context, schema string) error {
	var exists bool
	err := w.pool.QueryRow(ctx, "select exists (select from pg_catalog.pg_namespace where nspname = $1)",
		pgx.QueryExecModeExec, schema).Scan(&exists)
	if err != nil || exists {
		return err
	}
	_, err = w.pool.Exec(ctx, "create schema if not exists "+ident(schema))
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "42P06") {
		return nil
	}
	return err
}
