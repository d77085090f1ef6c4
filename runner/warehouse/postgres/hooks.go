package postgres

import (
	"context"
	"fmt"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// runHooks queues the pre-hooks or post-hooks (kind "pre_hook" or
// "post_hook") in order; the first that fails ends the transaction, and
// its error comes back from the call that sends it.
func (r *run) runHooks(_ context.Context, kind string, hooks []string) error {
	r.queue(hookSteps(r.header, kind, hooks)...)
	return nil
}

// hookError is a database error in a hook, with its position in the
// hook's SQL.
type hookError struct {
	hook string // "pre_hook #2"
	err  *warehouse.QueryError
}

func (e *hookError) Error() string {
	if e.err.Line > 0 {
		return fmt.Sprintf("%s failed at line %d, column %d: %s", e.hook, e.err.Line, e.err.Col, e.err)
	}
	return fmt.Sprintf("%s failed: %s", e.hook, e.err)
}

func (e *hookError) Unwrap() error { return e.err }
