package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The incremental strategies.
const (
	strategyAppend       = "append"
	strategyMerge        = "merge"
	strategyDeleteInsert = "delete+insert"
)

// mergeVersion is the first server_version_num with MERGE.
const mergeVersion = 150000

// incrementalPlan is an Incremental checked and normalised before any
// statement is sent.
type incrementalPlan struct {
	Strategy   string // "" until the server version decides it
	Key        []string
	Mode       string // on_schema_change
	Predicates []string
}

// planIncrement checks inc and fills in its defaults, except the strategy
// when it depends on the server version.
func planIncrement(inc *warehouse.Incremental) (incrementalPlan, error) {
	p := incrementalPlan{
		Strategy:   strings.ToLower(strings.TrimSpace(inc.Strategy)),
		Mode:       strings.ToLower(strings.TrimSpace(inc.OnSchemaChange)),
		Predicates: inc.Predicates,
	}
	switch p.Strategy {
	case "", strategyAppend, strategyMerge, strategyDeleteInsert:
	default:
		return p, fmt.Errorf("unknown incremental_strategy %q (use %s, %s or %s)", inc.Strategy,
			strategyAppend, strategyMerge, strategyDeleteInsert)
	}
	if p.Mode == "" {
		p.Mode = schemaIgnore
	}
	if !slices.Contains(schemaModes, p.Mode) {
		return p, unknownSchemaMode(inc.OnSchemaChange)
	}
	for _, k := range inc.UniqueKey {
		k = strings.TrimSpace(k)
		if k == "" {
			return p, errors.New("unique_key has an empty column name")
		}
		if !slices.Contains(p.Key, k) {
			p.Key = append(p.Key, k)
		}
	}
	for _, pr := range p.Predicates {
		if strings.TrimSpace(pr) == "" {
			return p, errors.New("incremental_predicates has an empty predicate")
		}
	}
	switch {
	case len(p.Key) == 0 && p.Strategy == "":
		p.Strategy = strategyAppend
	case len(p.Key) > 0 && p.Strategy == strategyAppend:
		// dbt's append ignores unique_key; so does kiln.
		p.Key = nil
	}
	return p, nil
}

// chooseStrategy settles the strategy once the server version is known:
// merge needs PostgreSQL 15; without a unique key, merge and delete+insert
// insert every new row, as in dbt.
func chooseStrategy(p incrementalPlan, versionNum int) (string, error) {
	switch {
	case len(p.Key) == 0:
		return strategyAppend, nil
	case p.Strategy == "" && versionNum >= mergeVersion:
		return strategyMerge, nil
	case p.Strategy == "":
		return strategyDeleteInsert, nil
	case p.Strategy == strategyMerge && versionNum < mergeVersion:
		return "", fmt.Errorf("incremental_strategy %q needs PostgreSQL 15 or later and the server is version %d; use %q",
			strategyMerge, versionNum, strategyDeleteInsert)
	}
	return p.Strategy, nil
}

// needsVersion reports whether chooseStrategy needs the server version.
func (p incrementalPlan) needsVersion() bool {
	return len(p.Key) > 0 && (p.Strategy == "" || p.Strategy == strategyMerge)
}

// buildIncremental builds an incremental model: the whole table like a table
// model when b.Incremental.Full, else the new rows folded into the existing
// table in one transaction. Any failure leaves the table as it was.
func (w *Warehouse) buildIncremental(ctx context.Context, b warehouse.Build) (warehouse.BuildResult, error) {
	res := warehouse.BuildResult{RowsAffected: -1}
	if b.Incremental == nil {
		return res, fmt.Errorf("incremental build of %s without its incremental settings", b.Relation.Key())
	}
	p, err := planIncrement(b.Incremental)
	if err != nil {
		return res, err
	}
	if b.Incremental.Full {
		return w.buildTable(ctx, b)
	}
	var rows pgconn.CommandTag
	res.Statements, err = w.inTx(ctx, b, func(r *run) error {
		return r.increment(ctx, w, p, &rows)
	})
	if err == nil {
		res.RowsAffected = rows.RowsAffected()
	}
	return res, err
}

// increment folds the new rows into the table. The statement that writes
// them is queued, and rows gets its command tag (rows inserted or updated)
// when it is sent. It takes up to two round trips: the lock of the table,
// the new rows and what is known of both, then the checks of the key; the
// statement that writes the rows goes with the COMMIT.
func (r *run) increment(ctx context.Context, w *Warehouse, p incrementalPlan, rows *pgconn.CommandTag) error {
	target := r.build.Relation.Key()
	tmp := scratchName(r.build.Relation, r.build.InvocationID, "__kiln_new_")
	lock, lookup := lockForIncrement(r.header, target), lookupStep(r.header, target)
	steps := []step{lock, lookup}
	version := w.knownVersion()
	readVersion := p.needsVersion() && version == 0
	if readVersion {
		steps = append(steps, queryStep(r.header+"select pg_catalog.current_setting('server_version_num')::int", "read the server version"))
	}
	tableColumns := queryStep(columnsQuery(r.header, ident(target.Schema, target.Name)), "read the columns of "+target.String())
	modelColumns := queryStep(columnsQuery(r.header, tempRel(tmp)), "read the columns of the new rows")
	steps = append(steps, createTempAs(r.header, tmp, r.build.SQL), tableColumns, modelColumns)
	res, err := r.send(ctx, false, steps...)
	if err != nil {
		var pgErr *pgconn.PgError
		if r.failed != nil && r.failed.step.SQL == lock.SQL && errors.As(r.failed.err, &pgErr) && pgErr.Code == "42P01" {
			r.failed.explained = fmt.Errorf("%s does not exist any more; it was a table when the run started, so the model "+
				"selected only new rows: run again to build it whole", target)
			return r.failed.explained
		}
		return err
	}
	_, relkind, err := r.lookedUp(res[1], lookup)
	if err != nil {
		return err
	}
	if relkind != "r" {
		return fmt.Errorf("%s is a %s now; it was a table when the run started, so the model selected only "+
			"new rows: run again to build it whole", target, relkindName(relkind))
	}
	res = res[2:]
	if readVersion {
		if err := r.scan(res[0], 0, steps[2].What, &version); err != nil {
			return err
		}
		w.setVersion(version)
		res = res[1:]
	}
	if p.Strategy, err = chooseStrategy(p, version); err != nil {
		return err
	}
	tableCols, err := r.readColumns(res[len(res)-2], tableColumns.What)
	if err != nil {
		return err
	}
	modelCols, err := r.readColumns(res[len(res)-1], modelColumns.What)
	if err != nil {
		return err
	}
	if p.Key, err = resolveKey(p.Key, modelCols, tableCols, p.Mode); err != nil {
		return err
	}
	plan, err := planColumns(p.Mode, target, tableCols, modelCols)
	if err != nil {
		return err
	}
	if len(p.Key) > 0 {
		if err := r.checkKey(ctx, tmp, p.Key); err != nil {
			return err
		}
	}
	if len(plan.Write) == 0 {
		return fmt.Errorf("the model has none of the columns of %s; nothing was changed", target)
	}
	r.queue(alterSteps(r.header, target, plan.Alters)...)
	switch p.Strategy {
	case strategyMerge:
		r.queueTag(mergeNew(r.header, target, tmp, p.Key, plan.Write, p.Predicates), rows)
		return nil
	case strategyDeleteInsert:
		r.queue(deleteMatching(r.header, target, tmp, p.Key, p.Predicates))
	}
	r.queueTag(insertNew(r.header, target, tmp, plan.Write), rows)
	return nil
}

// readColumns reads the result of a columnsQuery.
func (r *run) readColumns(res *pgconn.Result, what string) ([]column, error) {
	cols := make([]column, len(res.Rows))
	for i := range cols {
		if err := r.scan(res, i, what, &cols[i].Name, &cols[i].Type); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// resolveKey finds each unique_key column among the model's columns: by
// its exact name, else folded to lower case as PostgreSQL folds an
// unquoted name (dbt writes the key into SQL unquoted). The table must have
// it too, unless on_schema_change is about to add it.
func resolveKey(key []string, model, table []column, mode string) ([]string, error) {
	has := func(cols []column, name string) bool {
		for _, c := range cols {
			if c.Name == name {
				return true
			}
		}
		return false
	}
	out := make([]string, 0, len(key))
	for _, k := range key {
		name := k
		if !has(model, name) {
			name = strings.ToLower(k)
		}
		if !has(model, name) {
			names := make([]string, len(model))
			for i, c := range model {
				names[i] = c.Name
			}
			return nil, fmt.Errorf("unique_key %s is not a column of the model (its columns: %s)", k, strings.Join(names, ", "))
		}
		if !has(table, name) && mode != schemaAppend && mode != schemaSync {
			return nil, fmt.Errorf("unique_key %s is not a column of the table; add it with on_schema_change "+
				"'append_new_columns', or rebuild the table with --full-refresh", name)
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// checkKey refuses new rows that could not be matched on the key, or that
// would match the same row twice: a NULL in a key column, or a key held by
// more than one new row. It takes one round trip: a unique index on the key
// of the new rows (see uniqueKeyIndex), built in a savepoint, and the query
// for NULLs. Only when the index cannot be built do more queries run, after
// the savepoint is rolled back: to name the keys held twice, or, when a key
// is too long for a btree index or of a type without one, to check for
// them by grouping the rows instead.
func (r *run) checkKey(ctx context.Context, tmp string, key []string) error {
	index := uniqueKeyIndex(r.header, tmp, key)
	nulls := queryStep(nullKeyQuery(r.header, tmp, key), "check the unique_key for nulls")
	res, err := r.send(ctx, false, savepointKey(r.header), index, releaseKey(r.header), nulls)
	if err != nil {
		return r.recheckKey(ctx, tmp, key, index, err)
	}
	return r.refuseNulls(res[3], nulls.What, key)
}

// recheckKey follows a failure of checkKey's round trip, err. When the
// index could not be built for a reason the rows explain, it rolls back to
// the savepoint and checks them as the index would have, by queries that
// also name the offending rows or keys; otherwise it returns err. After a
// unique_violation one of the queries must find something; if neither
// does, the server's error is the answer.
func (r *run) recheckKey(ctx context.Context, tmp string, key []string, index step, err error) error {
	failed := r.failed
	var pgErr *pgconn.PgError
	if failed == nil || failed.step.SQL != index.SQL || !errors.As(failed.err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case "23505": // unique_violation
	case "54000", "42704": // index row too big; no default btree operator class
	default:
		return err
	}
	r.failed = nil // the savepoint is rolled back: the transaction goes on
	nulls := queryStep(nullKeyQuery(r.header, tmp, key), "check the unique_key for nulls")
	dups := queryStep(duplicateKeyQuery(r.header, tmp, key), "check the unique_key for duplicates")
	res, err := r.send(ctx, false, rollbackToKey(r.header), nulls, dups)
	if err != nil {
		return err
	}
	if err := r.refuseNulls(res[1], nulls.What, key); err != nil {
		return err
	}
	if err := r.refuseDuplicates(res[2], dups.What, key); err != nil {
		return err
	}
	if pgErr.Code == "23505" {
		return failed.explained
	}
	return nil
}

// refuseNulls reads the result of nullKeyQuery: an error when it found rows.
func (r *run) refuseNulls(res *pgconn.Result, what string, key []string) error {
	var total int64
	var samples []string
	for i := range res.Rows {
		var row string
		if err := r.scan(res, i, what, &total, &row); err != nil {
			return err
		}
		samples = append(samples, shorten(row, 200))
	}
	if total > 0 {
		return fmt.Errorf("unique_key %s is null in %d of the new rows, which kiln cannot match with the table; "+
			"nothing was changed. For example: %s", keyList(key), total, strings.Join(samples, "; "))
	}
	return nil
}

// refuseDuplicates reads the result of duplicateKeyQuery: an error when it
// found keys held twice.
func (r *run) refuseDuplicates(res *pgconn.Result, what string, key []string) error {
	var total int64
	var samples []string
	for i := range res.Rows {
		vals := make([]any, len(key)+2)
		texts := make([]string, len(key))
		var count int64
		vals[0] = &total
		for j := range texts {
			vals[j+1] = &texts[j]
		}
		vals[len(vals)-1] = &count
		if err := r.scan(res, i, what, vals...); err != nil {
			return err
		}
		samples = append(samples, fmt.Sprintf("%s (%d rows)", keyValues(key, texts), count))
	}
	if total > 0 {
		values := fmt.Sprintf("%d key values appear", total)
		if total == 1 {
			values = "1 key value appears"
		}
		return fmt.Errorf("unique_key %s is not unique in the new rows: %s more than once, "+
			"so kiln cannot tell which row is the new one; nothing was changed. For example: %s",
			keyList(key), values, strings.Join(samples, ", "))
	}
	return nil
}

// keyList shows key columns: id, or (order_id, line).
func keyList(key []string) string {
	if len(key) == 1 {
		return key[0]
	}
	return "(" + strings.Join(key, ", ") + ")"
}

// keyValues shows one key's values: id=3, or (order_id, line)=(7, 2).
func keyValues(key, vals []string) string {
	if len(key) == 1 {
		return key[0] + "=" + vals[0]
	}
	return keyList(key) + "=(" + strings.Join(vals, ", ") + ")"
}

// shorten cuts s to about n bytes, on a character boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return truncateBytes(s, n) + "…"
}

// knownVersion returns server_version_num, read once per Warehouse with
// the first increment that needs it; 0 until then.
func (w *Warehouse) knownVersion() int {
	w.versionMu.Lock()
	defer w.versionMu.Unlock()
	return w.versionNum
}

// setVersion records server_version_num.
func (w *Warehouse) setVersion(v int) {
	w.versionMu.Lock()
	defer w.versionMu.Unlock()
	w.versionNum = v
}
