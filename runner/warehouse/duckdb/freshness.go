//go:build cgo

package duckdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	duckdbdriver "github.com/duckdb/duckdb-go/v2"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// SourceFreshness reads max(loadedAtField) of rel, and DuckDB's now(), in
// one query. loadedAtField is a SQL expression, as in dbt (a column, or
// e.g. "loaded_at::timestamp"); filter, when not empty, is a SQL condition
// on the rows considered. A TIMESTAMP (without time zone) is taken as UTC,
// as dbt does. MaxLoadedAt is zero when no row matches.
func (w *Warehouse) SourceFreshness(ctx context.Context, r warehouse.Relation, loadedAtField, filter string) (warehouse.Freshness, error) {
	var f warehouse.Freshness
	if err := checkRelation(r); err != nil {
		return f, err
	}
	if strings.TrimSpace(loadedAtField) == "" {
		return f, fmt.Errorf("source %s has no loaded_at_field to check its freshness with", r.Key())
	}
	s := freshnessQuery(freshnessHeader(r), r.Key(), loadedAtField, filter)
	var maxAt, now any
	err := w.db.QueryRowContext(ctx, s.SQL).Scan(&maxAt, &now)
	if err != nil {
		if ctx.Err() != nil {
			return f, fmt.Errorf("freshness of %s stopped: %w", r.Key(), ctx.Err())
		}
		var de *duckdbdriver.Error
		if errors.As(err, &de) {
			return f, &serverError{what: s.What, err: de}
		}
		return f, fmt.Errorf("%s: %w", s.What, err)
	}
	switch v := maxAt.(type) {
	case nil:
	case time.Time:
		f.MaxLoadedAt = v.UTC()
	default:
		return f, fmt.Errorf("loaded_at_field %s of %s must be a timestamp or a date, not a %T (cast it in loaded_at_field, e.g. \"%s::timestamptz\")",
			loadedAtField, r.Key(), v, strings.TrimSpace(loadedAtField))
	}
	if t, ok := now.(time.Time); ok {
		f.SnapshotAt = t.UTC()
	}
	return f, nil
}

// freshnessHeader is the comment of a freshness check's statement.
func freshnessHeader(r warehouse.Relation) string {
	return "/* kiln freshness of " + commentSafe(rel(r)) + " */\n"
}

// freshnessQuery reads max(loadedAtField) of r, with DuckDB's time.
func freshnessQuery(h string, r warehouse.Relation, loadedAtField, filter string) step {
	sql := h + "select\n  max(" + strings.TrimSpace(loadedAtField) + ") as max_loaded_at,\n  now() as snapshotted_at\nfrom " + rel(r)
	if f := strings.TrimSpace(filter); f != "" {
		sql += "\nwhere " + f
	}
	return step{SQL: sql, ModelAt: -1, What: "read the freshness of " + rel(r)}
}
