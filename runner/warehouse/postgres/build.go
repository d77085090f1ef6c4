package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// rollbackTimeout bounds the rollback that follows a failed or cancelled
// build; it runs on a context of its own, so that a cancelled build still
// ends its transaction cleanly instead of abandoning the connection.
const rollbackTimeout = 10 * time.Second

// Build materializes one model as a "view", a "table" or an "incremental"
// table, atomically: on error, whatever was at b.Relation is left as it
// was, and no temporary relation remains. b.Options apply inside the same
// transaction: an advisory lock serializes kiln's writers of b.Relation,
// the timeouts are set, the hooks run around the build and the grants are
// applied after it. Views and materialized views that
// depend on a replaced relation are recreated with their options, owner,
// comments and grants; the replaced relation's own grants and comments are
// carried over to the new one. The statements run so far are returned even
// on error.
func (w *Warehouse) Build(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	if err := checkRelation(b.Relation); err != nil {
		return warehouse.BuildResult{RowsAffected: -1}, err
	}
	var res warehouse.BuildResult
	var err error
	switch b.Materialized {
	case "table":
		res, err = w.buildTable(ctx, b)
	case "view":
		res, err = w.buildView(ctx, b)
	case "incremental":
		res, err = w.buildIncremental(ctx, b)
	default:
		return warehouse.BuildResult{RowsAffected: -1},
			fmt.Errorf("materialized=%q is not supported on PostgreSQL yet (use view, table or incremental)", b.Materialized)
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("build of %s stopped: %w", b.Relation, ctx.Err())
	}
	return res, err
}

// checkRelation refuses names PostgreSQL would reject or silently truncate.
func checkRelation(rel warehouse.Relation) error {
	for _, n := range []string{rel.Schema, rel.Name} {
		if n == "" {
			return fmt.Errorf("relation %s has an empty schema or name", rel.Key())
		}
		if len(n) > maxIdentBytes {
			return fmt.Errorf("%q is %d bytes long; PostgreSQL names are limited to %d bytes and would be cut", n, len(n), maxIdentBytes)
		}
	}
	return nil
}

// run is one transaction of a build. Statements whose answer is not needed
// at once are queued, and go to the server with the next statement whose
// answer is needed, or with the COMMIT: a view build is one round trip,
// BEGIN to COMMIT. Each round trip is a pipeline of the extended protocol,
// one Parse, Bind and Execute per statement and one Sync, so that every
// statement keeps its own result, its own error and the position of that
// error, as if it had been sent alone; after a failure the server skips
// the rest of the pipeline.
type run struct {
	ctx        context.Context // the transaction's, for tx.Conn
	w          *Warehouse
	conn       *pgx.Conn
	tx         *txConn // the connection, for statements run's methods do not send
	build      warehouse.Build
	header     string
	statements []string
	queued     []queued
	began      bool     // BEGIN has been sent
	failed     *failure // the statement that failed; the transaction is over

	// lockTimeoutZero: the session's lock_timeout is 0, its default (see
	// readSession); ranForeignSQL: a statement that may change the session
	// (a hook, a model's SQL that runs) has been sent, so that is no longer
	// known once the transaction ends.
	lockTimeoutZero bool
	ranForeignSQL   bool
}

// queued is a statement waiting for the next round trip.
type queued struct {
	step step
	at   int                // its index in run.statements, -1 for BEGIN and COMMIT
	tag  *pgconn.CommandTag // where its command tag goes, if wanted
}

// failure is the first statement of a transaction that failed, with the
// error as it came and as it is reported.
type failure struct {
	step      step
	err       error
	explained error
}

// inTx runs fn in a transaction that applies b.Options around it (see
// applyOptionsBefore and applyOptionsAfter), commits if all succeeds and
// rolls back otherwise, and returns the statements it ran. The options are
// checked before the transaction begins. Seeds use it too, with a Build
// that carries the seed's NodeID, InvocationID, Relation and Options.
func (w *Warehouse) inTx(ctx context.Context, b warehouse.Build, fn func(*run) error) ([]string, error) {
	if err := checkOptions(b.Options); err != nil {
		return nil, err
	}
	stmts, err := w.transact(ctx, b, func(r *run) error {
		if err := w.applyOptionsBefore(ctx, r, b.Relation, b.Options); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		return w.applyOptionsAfter(ctx, r, b.Relation, b.Options)
	})
	return stmts, explainTimeout(ctx, b.Options, err)
}

// transact runs fn in a transaction, commits if it succeeds and rolls back
// otherwise, and returns the statements fn ran. BEGIN is sent with the
// first statement fn sends, and COMMIT with the last ones fn queued.
func (w *Warehouse) transact(ctx context.Context, b warehouse.Build, fn func(*run) error) ([]string, error) {
	pc, err := w.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer pc.Release()
	r := &run{ctx: ctx, w: w, conn: pc.Conn(), build: b, header: header(b.NodeID, b.InvocationID), lockTimeoutZero: lockTimeoutZero(pc.Conn())}
	r.tx = &txConn{r: r}
	defer func() {
		if r.ranForeignSQL {
			forgetSession(r.conn)
		}
	}()
	err = fn(r)
	if r.failed != nil && !errors.Is(err, r.failed.explained) {
		// What fn saw (an aborted transaction, or nothing) follows from it.
		err = r.failed.explained
	}
	if err == nil && (r.began || len(r.queued) > 0) {
		_, err = r.send(ctx, true)
	}
	if err != nil {
		r.unrecord(r.queued) // never sent
		r.queued = nil
		r.rollback(ctx)
	}
	return r.statements, err
}

// rollback ends a failed transaction, on a context of its own, so that a
// cancelled build still ends it cleanly instead of abandoning the
// connection. After a failed commit, or on a dead connection, there is
// nothing to roll back.
func (r *run) rollback(ctx context.Context) {
	if r.conn.IsClosed() || r.conn.PgConn().TxStatus() == 'I' {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), rollbackTimeout)
	defer cancel()
	_, _ = r.conn.Exec(rctx, "rollback")
}

// queue adds steps to what the next round trip sends; their errors come
// back from the call that sends them (do, send, lookup, the commit).
func (r *run) queue(steps ...step) {
	for _, s := range steps {
		r.queueTag(s, nil)
	}
}

// queueTag queues s, whose command tag is put in tag once it is sent.
func (r *run) queueTag(s step, tag *pgconn.CommandTag) {
	r.statements = append(r.statements, s.SQL)
	r.queued = append(r.queued, queued{step: s, at: len(r.statements) - 1, tag: tag})
}

// do sends what is queued and s, and returns the command tag of s.
func (r *run) do(ctx context.Context, s step) (pgconn.CommandTag, error) {
	res, err := r.send(ctx, false, s)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return res[0].CommandTag, nil
}

// send sends what is queued, then steps, then COMMIT if commit is set, in
// one round trip (more only around a statement that must go alone, see
// step.single), and returns the result of each of steps. On failure it
// returns the error of the statement that failed, explained; the
// statements after it did not run, and are taken out of r.statements.
func (r *run) send(ctx context.Context, commit bool, steps ...step) ([]*pgconn.Result, error) {
	if r.failed != nil {
		return nil, r.failed.explained
	}
	var items []queued
	if !r.began {
		items = append(items, queued{step: beginStep(r.header), at: -1})
		r.began = true
	}
	items = append(items, r.queued...)
	r.queued = nil
	first := len(items)
	for _, s := range steps {
		r.statements = append(r.statements, s.SQL)
		items = append(items, queued{step: s, at: len(r.statements) - 1})
	}
	if commit {
		items = append(items, queued{step: commitStep(r.header), at: -1})
	}
	for _, it := range items {
		if !it.step.Inert {
			r.ranForeignSQL = true
		}
	}
	results := make([]*pgconn.Result, 0, len(items))
	for len(results) < len(items) {
		i, j := len(results), len(results)+1
		for j < len(items) && items[i].step.single() && items[j].step.single() {
			j++
		}
		start := time.Now()
		res, err := r.roundTrip(ctx, items[i:j])
		results = append(results, res...)
		if err != nil {
			failed := len(results) // the first statement without a result...
			if n := len(res); n > 0 && res[n-1].Err != nil {
				failed-- // ...unless the failed one had begun to answer
			}
			return nil, r.fail(ctx, items, min(failed, j-1), err, time.Since(start))
		}
	}
	for i, it := range items {
		if it.tag != nil {
			*it.tag = results[i].CommandTag
		}
	}
	if commit && results[len(results)-1].CommandTag.String() == "ROLLBACK" {
		return nil, r.fail(ctx, items, len(items)-1, pgx.ErrTxCommitRollback, 0)
	}
	return results[first : first+len(steps)], nil
}

// roundTrip sends items and reads their results: in a pipeline when each
// is a single statement, else the one item by the simple protocol, where
// its result is that of its last statement. It returns the results read
// up to the first error, that of the failed statement included when the
// server had started to answer it.
func (r *run) roundTrip(ctx context.Context, items []queued) ([]*pgconn.Result, error) {
	if len(items) == 1 && !items[0].step.single() {
		res, err := readResults(r.conn.PgConn().Exec(ctx, items[0].step.SQL), func(int) bool { return items[0].step.Query })
		if err != nil {
			return nil, err
		}
		if len(res) == 0 {
			return []*pgconn.Result{{}}, nil
		}
		return res[len(res)-1:], nil
	}
	batch := &pgconn.Batch{}
	var eqb pgx.ExtendedQueryBuilder
	for _, it := range items {
		if err := eqb.Build(r.conn.TypeMap(), nil, it.step.Args); err != nil {
			return nil, fmt.Errorf("%s: %w", it.step.What, err) // nothing was sent
		}
		batch.ExecParams(it.step.SQL, eqb.ParamValues, nil, eqb.ParamFormats, eqb.ResultFormats)
	}
	res, err := readResults(r.conn.PgConn().ExecBatch(ctx, batch), func(i int) bool { return i < len(items) && items[i].step.Query })
	if err == nil && len(res) != len(items) {
		err = fmt.Errorf("%d results for %d statements", len(res), len(items))
	}
	return res, err
}

// readResults reads every result of mrr, the rows only of the i-th when
// keep(i): a hook may select more rows than are worth keeping.
func readResults(mrr *pgconn.MultiResultReader, keep func(i int) bool) ([]*pgconn.Result, error) {
	var results []*pgconn.Result
	for mrr.NextResult() {
		if keep(len(results)) {
			results = append(results, mrr.ResultReader().Read())
			continue
		}
		tag, err := mrr.ResultReader().Close()
		results = append(results, &pgconn.Result{CommandTag: tag, Err: err})
	}
	return results, mrr.Close()
}

// fail records that items[i] failed with err, after waited, takes the
// statements after it out of r.statements and returns the error
// explained. A wait for the advisory lock that ran out is a
// *warehouse.LockError.
func (r *run) fail(ctx context.Context, items []queued, i int, err error, waited time.Duration) error {
	s := items[i].step
	var explained error
	var pgErr *pgconn.PgError
	if s.Advisory != nil && errors.As(err, &pgErr) && pgErr.Code == "55P03" && ctx.Err() == nil { // lock_not_available
		explained = r.w.lockError(ctx, r.header, *s.Advisory, waited)
	} else {
		explained = r.explain(s, err)
	}
	r.failed = &failure{step: s, err: err, explained: explained}
	r.unrecord(items[i+1:])
	return explained
}

// unrecord takes the statements of items, which did not run, out of
// r.statements.
func (r *run) unrecord(items []queued) {
	var at []int
	for _, it := range items {
		if it.at >= 0 {
			at = append(at, it.at)
		}
	}
	if len(at) == 0 {
		return
	}
	kept := r.statements[:0]
	for j, st := range r.statements {
		if !slices.Contains(at, j) {
			kept = append(kept, st)
		}
	}
	r.statements = kept
}

// explain turns the error of step s into what the user needs: a QueryError
// for the model's SQL, the dependent that could not be rebuilt, or the
// server's error prefixed with what kiln was doing.
func (r *run) explain(s step, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return fmt.Errorf("%s: %w", s.What, err)
	}
	switch {
	case s.Hook != "":
		return &hookError{hook: s.Hook, err: queryError(pgErr, s, s.Source)}
	case s.ModelAt >= 0:
		return queryError(pgErr, s, r.build.SQL)
	case s.Rebuilds != nil:
		return &dependentError{dep: s.Rebuilds, target: r.build.Relation.Key(), err: pgErr}
	default:
		return &serverError{what: s.What, err: pgErr}
	}
}

// scan decodes row i of res into dest, prefixing an error with what.
func (r *run) scan(res *pgconn.Result, i int, what string, dest ...any) error {
	if err := pgx.ScanRow(r.conn.TypeMap(), res.FieldDescriptions, res.Rows[i], dest...); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// lookup finds what is at the build's relation now, sending it with what
// is queued.
func (r *run) lookup(ctx context.Context) (oid uint32, relkind string, err error) {
	s := lookupStep(r.header, r.build.Relation.Key())
	res, err := r.send(ctx, false, s)
	if err != nil {
		return 0, "", err
	}
	return r.lookedUp(res[0], s)
}

// lookedUp reads the result of lookupStep s: oid 0 and relkind "" when
// nothing is there.
func (r *run) lookedUp(res *pgconn.Result, s step) (oid uint32, relkind string, err error) {
	if len(res.Rows) == 0 {
		return 0, "", nil
	}
	err = r.scan(res, 0, s.What, &oid, &relkind)
	return oid, relkind, err
}

// swapIn puts tmp, a relation of kind tmpKind created by this transaction,
// in place of the build's relation, which has the given oid and relkind
// ("" when absent). Dependents of the old relation are captured, dropped and
// recreated on the new one, which gets the old one's comments and grants.
// The catalog search_path the recreation needs is set back afterwards, so
// that post-hooks see the search_path the pre-hooks left. What is read
// about the old relation takes one round trip; the swap itself is queued.
func (r *run) swapIn(ctx context.Context, oid uint32, relkind, tmp string, tmpKind warehouse.Kind) error {
	existing := kindOf(relkind)
	if existing == warehouse.Other {
		return notReplaceable(r.build.Relation, relkind)
	}
	rel := r.build.Relation.Key()
	var deps []dependent
	var own carried
	var searchPath *string
	if existing != warehouse.Absent {
		read := []step{
			queryStep(searchPathQuery(r.header), "read the search_path"),
			setCatalogSearchPath(r.header),
			queryStep(dependentsQuery(r.header), "find the views that depend on "+rel.String(), oid),
			queryStep(carriedQuery(r.header), "read the comments and grants of "+rel.String(), oid, ident(rel.Schema, tmp)),
		}
		res, err := r.send(ctx, false, read...)
		if err != nil {
			return err
		}
		var path string
		if err := r.scan(res[0], 0, read[0].What, &path); err != nil {
			return err
		}
		searchPath = &path
		if deps, err = r.dependents(res[2], read[2].What); err != nil {
			return err
		}
		if len(res[3].Rows) == 0 {
			return fmt.Errorf("%s: %w", read[3].What, pgx.ErrNoRows)
		}
		if err := r.scan(res[3], 0, read[3].What, &own.Comment, &own.ColumnComments, &own.Grants); err != nil {
			return err
		}
	}
	backup := backupName(rel, r.build.InvocationID)
	r.queue(swapSteps(r.header, rel, existing, tmp, tmpKind, backup, own, deps)...)
	if searchPath != nil {
		r.queue(restoreSearchPath(r.header, *searchPath))
	}
	return nil
}

// dependents reads the result of dependentsQuery.
func (r *run) dependents(res *pgconn.Result, what string) ([]dependent, error) {
	deps := make([]dependent, len(res.Rows))
	for i := range res.Rows {
		d := &deps[i]
		var kind string
		if err := r.scan(res, i, what, &d.Rel.Schema, &d.Rel.Name, &kind, &d.Depth, &d.Definition, &d.Options, &d.Owner,
			&d.Comment, &d.Populated, &d.ColumnComments, &d.ColumnDefaults, &d.Grants, &d.Extras); err != nil {
			return nil, err
		}
		d.Kind = kindOf(kind)
	}
	return deps, nil
}

// txConn is the transaction's connection, for code that sends statements
// of its own (COPY, a query it scans itself). Each method first sends
// what is queued, so that statements run in the order they were issued,
// and none runs outside the transaction or after a failure in it.
type txConn struct{ r *run }

// flush sends what is queued, and BEGIN if it has not been sent.
func (t *txConn) flush(ctx context.Context) error {
	if t.r.began && len(t.r.queued) == 0 && t.r.failed == nil {
		return nil
	}
	_, err := t.r.send(ctx, false)
	return err
}

func (t *txConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	t.r.ranForeignSQL = true
	if err := t.flush(ctx); err != nil {
		return pgconn.CommandTag{}, err
	}
	return t.r.conn.Exec(ctx, sql, args...)
}

func (t *txConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	t.r.ranForeignSQL = true
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.r.conn.Query(ctx, sql, args...)
}

func (t *txConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	t.r.ranForeignSQL = true
	if err := t.flush(ctx); err != nil {
		return errRow{err}
	}
	return t.r.conn.QueryRow(ctx, sql, args...)
}

func (t *txConn) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	return t.r.conn.CopyFrom(ctx, table, columns, src)
}

// Conn returns the connection once what is queued is sent. If that fails,
// the transaction is aborted, so that whatever the caller sends fails
// too, and the build reports the first failure.
func (t *txConn) Conn() *pgx.Conn {
	t.r.ranForeignSQL = true
	_ = t.flush(t.r.ctx)
	return t.r.conn
}

// errRow is a pgx.Row whose Scan returns err.
type errRow struct{ err error }

func (e errRow) Scan(...any) error { return e.err }

// notReplaceable refuses to replace what kiln cannot rebuild; relkind is ""
// when only the catalog's Kind is known.
func notReplaceable(rel warehouse.Relation, relkind string) error {
	what := "a " + relkindName(relkind)
	if relkind == "" {
		what = "neither a table, a view nor a materialized view"
	}
	return fmt.Errorf("%s is %s; kiln replaces only tables, views and materialized views", rel.Key(), what)
}
