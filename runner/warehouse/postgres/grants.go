package postgres

import (
	"context"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// tablePrivileges are the privileges Options.Grants may name: those
// PostgreSQL 15 grants on tables and views.
var tablePrivileges = []string{"select", "insert", "update", "delete", "truncate", "references", "trigger"}

// applyGrants makes the grants on rel what want says (see grantSteps),
// reading what is held now: after the build, the carry-over of the old
// relation's grants and the post-hooks, so the config has the last word.
// The read goes with what is queued; the grants and revokes are queued.
// A nil or empty want changes nothing.
func (r *run) applyGrants(ctx context.Context, rel warehouse.Relation, want map[string][]string) error {
	if len(want) == 0 {
		return nil
	}
	read := queryStep(grantsQuery(r.header), "read the grants on "+rel.Key().String(), ident(rel.Schema, rel.Name))
	res, err := r.send(ctx, false, read)
	if err != nil {
		return err
	}
	held := make([]grant, len(res[0].Rows))
	for i := range held {
		if err := r.scan(res[0], i, read.What, &held[i].Privilege, &held[i].Grantee); err != nil {
			return err
		}
	}
	r.queue(grantSteps(r.header, rel.Key(), want, held)...)
	return nil
}
