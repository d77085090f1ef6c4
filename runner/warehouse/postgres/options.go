package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// maxTimeout is the longest statement_timeout or lock_timeout PostgreSQL
// accepts: INT_MAX milliseconds, about 24.8 days.
const maxTimeout = math.MaxInt32 * time.Millisecond

// checkOptions refuses options PostgreSQL would reject, before anything is
// sent: negative or too long timeouts, privileges that tables and views do
// not have, and empty or too long role names.
func checkOptions(o warehouse.Options) error {
	for _, t := range []struct {
		name string
		d    time.Duration
	}{{"statement_timeout", o.StatementTimeout}, {"lock_timeout", o.LockTimeout}, {"the advisory lock wait", o.LockWait}} {
		if t.d < 0 || t.d > maxTimeout {
			return fmt.Errorf("%s of %s is out of range (0 to %s)", t.name, t.d, maxTimeout)
		}
	}
	for p, roles := range o.Grants {
		if !slices.Contains(tablePrivileges, strings.ToLower(strings.TrimSpace(p))) {
			return fmt.Errorf("grants: %q is not a privilege on tables and views (use %s)", p, strings.Join(tablePrivileges, ", "))
		}
		for _, r := range roles {
			if r == "" {
				return fmt.Errorf("grants: %s lists an empty role name", p)
			}
			if len(r) > maxIdentBytes {
				return fmt.Errorf("grants: role %q is %d bytes long; PostgreSQL names are limited to %d bytes", r, len(r), maxIdentBytes)
			}
		}
	}
	return nil
}

// applyOptionsBefore starts a node's transaction: it takes the advisory
// lock of rel, waiting at most opts.LockWait (a *warehouse.LockError when
// that runs out), sets opts.LockTimeout and opts.StatementTimeout for the
// rest of the transaction, and runs opts.PreHooks. Call it first thing in
// the transaction, and applyOptionsAfter last before the commit; inTx does
// both. The statements are queued: they go to the server with the build's
// first statement, and their errors come back from it.
func (w *Warehouse) applyOptionsBefore(ctx context.Context, r *run, rel warehouse.Relation, opts warehouse.Options) error {
	switch {
	case rel.Name != "":
		r.queue(lockSteps(r.header, rel, opts.LockWait, opts.LockTimeout, r.lockTimeoutZero)...)
	case opts.LockTimeout > 0 || !r.lockTimeoutZero: // a read-only test writes nothing and needs no writer's lock
		r.queue(lockTimeoutStep(r.header, opts.LockTimeout))
	}
	r.queue(statementTimeoutStep(r.header, opts.StatementTimeout)...)
	return r.runHooks(ctx, "pre_hook", opts.PreHooks)
}

// applyOptionsAfter ends a node's transaction, once rel is built: it runs
// opts.PostHooks, then applies opts.Grants, so that the config decides the
// privileges it names whatever the hooks and the carry-over did.
func (w *Warehouse) applyOptionsAfter(ctx context.Context, r *run, rel warehouse.Relation, opts warehouse.Options) error {
	if err := r.runHooks(ctx, "post_hook", opts.PostHooks); err != nil {
		return err
	}
	return r.applyGrants(ctx, rel, opts.Grants)
}

// timeoutError says that a statement of kiln's, of the model or of a hook
// ran into the node's statement_timeout or lock_timeout.
type timeoutError struct {
	setting string // "statement_timeout" or "lock_timeout"
	limit   time.Duration
	what    string // the statement, when known
	err     error
}

func (e *timeoutError) Error() string {
	msg := fmt.Sprintf("%s of %s exceeded", e.setting, e.limit)
	if e.what == "" {
		return msg + ": " + e.err.Error()
	}
	return e.what + ": " + msg
}

func (e *timeoutError) Unwrap() error { return e.err }

// explainTimeout returns err as a *timeoutError when it is the server
// cancelling a statement on a timeout opts set: 57014 with a
// statement_timeout, 55P03 with a lock_timeout. A cancellation of ctx
// raises 57014 too; it is not a timeout, and Build reports it as such.
func explainTimeout(ctx context.Context, opts warehouse.Options, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	var te *timeoutError
	var le *warehouse.LockError
	if errors.As(err, &te) || errors.As(err, &le) {
		return err
	}
	code, what := describe(err)
	switch {
	case code == "57014" && opts.StatementTimeout > 0:
		return &timeoutError{setting: "statement_timeout", limit: opts.StatementTimeout, what: what, err: err}
	case code == "55P03" && opts.LockTimeout > 0:
		return &timeoutError{setting: "lock_timeout", limit: opts.LockTimeout, what: what, err: err}
	}
	return err
}

// describe returns the SQLSTATE of a build error and the statement it
// came from, as the user knows it: "pre_hook #2", "the model's SQL", kiln's
// own step, or "" when unknown.
func describe(err error) (code, what string) {
	var he *hookError
	var de *dependentError
	var se *serverError
	var qe *warehouse.QueryError
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &he):
		return he.err.Code, he.hook
	case errors.As(err, &de):
		return de.err.Code, "rebuild " + kindWord(de.dep.Kind) + " " + de.dep.Rel.String()
	case errors.As(err, &se):
		return se.err.Code, se.what
	case errors.As(err, &qe):
		return qe.Code, "the model's SQL"
	case errors.As(err, &pgErr):
		return pgErr.Code, ""
	}
	return "", ""
}
