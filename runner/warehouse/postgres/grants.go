package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// tablePrivileges are the privileges Options.Grants may name: those
// PostgreSQL 15 grants on tables and views.
var tablePrivileges = []string{"select", "insert", "update", "delete", "truncate", "references", "trigger"}

// applyGrants makes the grants on rel what want says (see grantSteps),
// reading what is held now: after the build, the carry-over of the old
// relation's grants and the post-hooks, so the config has the last word.
// A nil or empty want changes nothing.
func (r *run) applyGrants(ctx context.Context, rel warehouse.Relation, want map[string][]string) error {
	if len(want) == 0 {
		return nil
	}
	sql := grantsQuery(r.header)
	r.statements = append(r.statements, sql)
	rows, err := r.tx.Query(ctx, sql, pgx.QueryExecModeExec, ident(rel.Schema, rel.Name))
	if err != nil {
		return fmt.Errorf("read the grants on %s: %w", rel.Key(), err)
	}
	var held []grant
	var g grant
	_, err = pgx.ForEachRow(rows, []any{&g.Privilege, &g.Grantee}, func() error {
		held = append(held, g)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read the grants on %s: %w", rel.Key(), err)
	}
	for _, s := range grantSteps(r.header, rel.Key(), want, held) {
		if _, err := r.do(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
