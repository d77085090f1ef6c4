//go:build cgo

package duckdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The incremental strategies.
const (
	strategyAppend       = "append"
	strategyMerge        = "merge"
	strategyDeleteInsert = "delete+insert"
)

// incrementalPlan is an Incremental checked and normalised before any
// statement is sent.
type incrementalPlan struct {
	Strategy   string
	Key        []string
	Mode       string // on_schema_change
	Predicates []string
}

// planIncrement checks inc and fills in its defaults. With a unique_key
// the default strategy is delete+insert, which DuckDB runs several times
// faster than MERGE (a DELETE ... USING join and an INSERT, against a MERGE
// that rewrites the matched rows); merge is used when asked for. Without a
// key, every strategy appends, as in dbt.
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
		if !containsFold(p.Key, k) {
			p.Key = append(p.Key, k)
		}
	}
	for _, pr := range p.Predicates {
		if strings.TrimSpace(pr) == "" {
			return p, errors.New("incremental_predicates has an empty predicate")
		}
	}
	switch {
	case len(p.Key) == 0:
		p.Strategy = strategyAppend
	case p.Strategy == strategyAppend:
		// dbt's append ignores unique_key; so does kiln.
		p.Key = nil
	case p.Strategy == "":
		p.Strategy = strategyDeleteInsert
	}
	return p, nil
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
	// The views on the table are recreated if on_schema_change alters it:
	// DuckDB's views keep the column types they were created with.
	deps, err := w.dependents(ctx, b.Relation)
	if err != nil {
		return res, fmt.Errorf("find the views that depend on %s: %w", rel(b.Relation), err)
	}
	var rows int64
	res.Statements, err = w.inTx(ctx, b, lockSet(b.Relation, deps), func(r *run) error {
		var err error
		rows, err = r.increment(ctx, p, deps)
		return err
	})
	if err == nil {
		res.RowsAffected = rows
	}
	return res, err
}

// increment folds the new rows into the table and returns how many rows
// it inserted or updated.
func (r *run) increment(ctx context.Context, p incrementalPlan, deps []dependent) (int64, error) {
	target := r.build.Relation.Key()
	kind, err := r.lookup(ctx, target)
	if err != nil {
		return 0, err
	}
	if kind != warehouse.Table {
		what := "does not exist any more"
		if kind != warehouse.Absent {
			what = "is a " + string(kind) + " now"
		}
		return 0, fmt.Errorf("%s %s; it was a table when the run started, so the model selected only "+
			"new rows: run again to build it whole", rel(target), what)
	}
	tmp := scratchName(target, r.build.InvocationID, "__kiln_new_")
	if _, err := r.exec(ctx, createTempAs(r.header, tmp, r.build.SQL)); err != nil {
		return 0, err
	}
	tableCols, err := r.columns(ctx, target, false)
	if err != nil {
		return 0, err
	}
	modelCols, err := r.columns(ctx, warehouse.Relation{Name: tmp}, true)
	if err != nil {
		return 0, err
	}
	if p.Key, err = resolveKey(p.Key, modelCols, tableCols, p.Mode); err != nil {
		return 0, err
	}
	plan, err := planColumns(p.Mode, target, tableCols, modelCols)
	if err != nil {
		return 0, err
	}
	if len(p.Key) > 0 {
		if err := r.checkKey(ctx, tmp, p.Key); err != nil {
			return 0, err
		}
	}
	if len(plan.Write) == 0 {
		return 0, fmt.Errorf("the model has none of the columns of %s; nothing was changed", rel(target))
	}
	for _, s := range alterSteps(r.header, target, plan.Alters) {
		if _, err := r.exec(ctx, s); err != nil {
			return 0, err
		}
	}
	var rows int64
	switch p.Strategy {
	case strategyMerge:
		rows, err = r.exec(ctx, mergeNew(r.header, target, tmp, p.Key, plan.Write, p.Predicates))
	case strategyDeleteInsert:
		if _, err = r.exec(ctx, deleteMatching(r.header, target, tmp, p.Key, p.Predicates)); err == nil {
			rows, err = r.exec(ctx, insertNew(r.header, target, tmp, plan.Write))
		}
	default:
		rows, err = r.exec(ctx, insertNew(r.header, target, tmp, plan.Write))
	}
	if err != nil {
		return 0, err
	}
	if _, err := r.exec(ctx, dropTemp(r.header, tmp)); err != nil {
		return 0, err
	}
	if len(plan.Alters) > 0 {
		if err := r.recreate(ctx, deps); err != nil {
			return 0, err
		}
	}
	return rows, nil
}

// resolveKey finds each unique_key column among the model's columns,
// without regard to case as DuckDB does, and returns the model's names.
// The table must have it too, unless on_schema_change is about to add it.
func resolveKey(key []string, model, table []column, mode string) ([]string, error) {
	find := func(cols []column, name string) (string, bool) {
		for _, c := range cols {
			if strings.EqualFold(c.Name, name) {
				return c.Name, true
			}
		}
		return "", false
	}
	out := make([]string, 0, len(key))
	for _, k := range key {
		name, ok := find(model, k)
		if !ok {
			names := make([]string, len(model))
			for i, c := range model {
				names[i] = c.Name
			}
			return nil, fmt.Errorf("unique_key %s is not a column of the model (its columns: %s)", k, strings.Join(names, ", "))
		}
		if _, ok := find(table, name); !ok && mode != schemaAppend && mode != schemaSync {
			return nil, fmt.Errorf("unique_key %s is not a column of the table; add it with on_schema_change "+
				"'append_new_columns', or rebuild the table with --full-refresh", name)
		}
		if !containsFold(out, name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// checkKey refuses new rows that could not be matched on the key, or that
// would match the same row twice: a NULL in a key column, or a key held by
// more than one new row.
func (r *run) checkKey(ctx context.Context, tmp string, key []string) error {
	var total int64
	var samples []string
	err := r.queryRows(ctx, nullKeyQuery(r.header, tmp, key), func(rows *sql.Rows) error {
		for rows.Next() {
			var row string
			if err := rows.Scan(&total, &row); err != nil {
				return err
			}
			samples = append(samples, shorten(row, 200))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if total > 0 {
		return fmt.Errorf("unique_key %s is null in %d of the new rows, which kiln cannot match with the table; "+
			"nothing was changed. For example: %s", keyList(key), total, strings.Join(samples, "; "))
	}

	err = r.queryRows(ctx, duplicateKeyQuery(r.header, tmp, key), func(rows *sql.Rows) error {
		for rows.Next() {
			vals := make([]any, len(key)+2)
			texts := make([]string, len(key))
			var count int64
			vals[0] = &total
			for i := range texts {
				vals[i+1] = &texts[i]
			}
			vals[len(vals)-1] = &count
			if err := rows.Scan(vals...); err != nil {
				return err
			}
			samples = append(samples, fmt.Sprintf("%s (%d rows)", keyValues(key, texts), count))
		}
		return nil
	})
	if err != nil {
		return err
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
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
