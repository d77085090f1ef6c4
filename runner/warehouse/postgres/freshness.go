package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// SourceFreshness reads max(loadedAtField) of rel, and the server's now(),
// in a read only transaction. loadedAtField is a SQL expression, as in
// dbt (a column, or e.g. "loaded_at::timestamp"); filter, when not empty,
// is a SQL condition on the rows considered. A timestamp without time
// zone is taken as UTC, as dbt does. MaxLoadedAt is zero when no row
// matches.
func (w *Warehouse) SourceFreshness(ctx context.Context, rel warehouse.Relation, loadedAtField, filter string) (warehouse.Freshness, error) {
	var f warehouse.Freshness
	if err := checkRelation(rel); err != nil {
		return f, err
	}
	if strings.TrimSpace(loadedAtField) == "" {
		return f, fmt.Errorf("source %s has no loaded_at_field to check its freshness with", rel.Key())
	}
	h := freshnessHeader(rel)
	_, err := w.transact(ctx, warehouse.Build{Relation: rel}, func(r *run) error {
		if _, err := r.do(ctx, setReadOnly(h)); err != nil {
			return err
		}
		s := freshnessQuery(h, rel.Key(), loadedAtField, filter)
		r.statements = append(r.statements, s.SQL)
		var maxAt *time.Time
		err := r.tx.QueryRow(ctx, s.SQL, pgx.QueryExecModeExec).Scan(&maxAt, &f.SnapshotAt)
		var pgErr *pgconn.PgError
		switch {
		case err == nil:
			if maxAt != nil {
				f.MaxLoadedAt = *maxAt
			}
			return nil
		case errors.As(err, &pgErr):
			return r.explain(s, err)
		case ctx.Err() != nil:
			return err
		default:
			return fmt.Errorf("loaded_at_field %s of %s must be a timestamp or a date (cast it in loaded_at_field, e.g. \"%s::timestamptz\"): %w",
				loadedAtField, rel.Key(), strings.TrimSpace(loadedAtField), err)
		}
	})
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("freshness of %s stopped: %w", rel.Key(), ctx.Err())
		}
		return warehouse.Freshness{}, err
	}
	return f, nil
}

// freshnessHeader is the comment of a freshness check's statements.
func freshnessHeader(rel warehouse.Relation) string {
	return "/* kiln freshness of " + commentSafe(rel.Key().String()) + " */\n"
}

// freshnessQuery reads max(loadedAtField) of rel, with the server's time.
func freshnessQuery(h string, rel warehouse.Relation, loadedAtField, filter string) step {
	sql := h + "select\n  max(" + strings.TrimSpace(loadedAtField) + ") as max_loaded_at,\n  now() as snapshotted_at\nfrom " + ident(rel.Schema, rel.Name)
	if f := strings.TrimSpace(filter); f != "" {
		sql += "\nwhere " + f
	}
	return step{SQL: sql, ModelAt: -1, What: "read the freshness of " + rel.String()}
}
