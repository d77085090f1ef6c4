//go:build cgo

package duckdb

import (
	"context"
	"errors"
	"fmt"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// catalogQuery lists the tables and views of the schemas $1 in the
// database kiln opened: DuckDB's temporary tables, other attached
// databases and its internal views are left out.
const catalogQuery = `select schema_name, table_name, 'table' from duckdb_tables()
where database_name = current_database() and not temporary and list_contains($1, schema_name)
union all
select schema_name, view_name, 'view' from duckdb_views()
where database_name = current_database() and not temporary and not internal and list_contains($1, schema_name)`

// Catalog lists the relations in the given schemas in one query.
func (w *Warehouse) Catalog(ctx context.Context, schemas []string) (warehouse.Catalog, error) {
	cat := warehouse.Catalog{}
	if len(schemas) == 0 {
		return cat, nil
	}
	rows, err := w.db.QueryContext(ctx, catalogQuery, schemas)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r warehouse.Relation
		var kind string
		if err := rows.Scan(&r.Schema, &r.Name, &kind); err != nil {
			return nil, err
		}
		cat[r] = warehouse.Kind(kind)
	}
	return cat, rows.Err()
}

// CreateSchema creates the schema if it does not exist. Two transactions
// creating the same schema conflict in DuckDB, even with IF NOT EXISTS, so
// a Warehouse creates schemas one at a time, and accepts losing the race
// to another connection.
func (w *Warehouse) CreateSchema(ctx context.Context, schema string) error {
	if schema == "" {
		return errors.New("the schema name is empty")
	}
	w.schemaMu.Lock()
	defer w.schemaMu.Unlock()
	exists := func() (bool, error) {
		var n int
		err := w.db.QueryRowContext(ctx, `select count(*) from duckdb_schemas()
where database_name = current_database() and lower(schema_name) = lower($1)`, schema).Scan(&n)
		return n > 0, err
	}
	ok, err := exists()
	if err != nil || ok {
		return err
	}
	_, err = w.db.ExecContext(ctx, "create schema if not exists "+ident(schema))
	var de *duckdbdriver.Error
	if errors.As(err, &de) && de.Type == duckdbdriver.ErrorTypeTransaction {
		if ok, _ := exists(); ok {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("create schema %s: %w", ident(schema), err)
	}
	return nil
}
