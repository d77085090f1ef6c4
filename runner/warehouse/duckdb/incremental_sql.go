//go:build cgo

package duckdb

import (
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The statements of an increment, as pure functions like those of sql.go.
// The target is aliased DBT_INTERNAL_DEST and the new rows
// DBT_INTERNAL_SOURCE, as dbt does, so that incremental_predicates written
// for dbt work unchanged (DuckDB matches names without regard to case).

const (
	destAlias   = "DBT_INTERNAL_DEST"
	sourceAlias = "DBT_INTERNAL_SOURCE"
)

// createTempAs puts the model's new rows in a temporary table, which lives
// in the connection's "temp" catalog: nothing outside the transaction sees
// it, and a rollback removes it.
func createTempAs(h, tmp, sql string) step {
	return modelStep(h, "create temporary table "+ident(tmp)+" as", sql, "select the new rows of the model")
}

// tempRel names a temporary table unambiguously.
func tempRel(tmp string) string { return ident("temp", "main", tmp) }

// dropTemp drops the temporary table before the commit, so that the
// connection goes back to the pool without it.
func dropTemp(h, tmp string) step {
	return plain(h, "drop table "+tempRel(tmp), "drop the new rows")
}

// maxSamples is how many offending rows or keys an error shows.
const maxSamples = 5

// nullKeyQuery finds new rows with a NULL in a key column: how many there
// are, and the first few, whole, as JSON.
func nullKeyQuery(h, tmp string, key []string) step {
	conds := make([]string, len(key))
	for i, k := range key {
		conds[i] = sourceAlias + "." + ident(k) + " is null"
	}
	return plain(h, `select count(*) over (), to_json(`+sourceAlias+`)::varchar
from `+tempRel(tmp)+` as `+sourceAlias+`
where `+strings.Join(conds, " or ")+`
limit `+strconv.Itoa(maxSamples), "check the unique_key for nulls")
}

// duplicateKeyQuery finds keys held by more than one new row: how many
// such keys there are, and the most repeated ones with their counts.
func duplicateKeyQuery(h, tmp string, key []string) step {
	cols := make([]string, len(key))
	texts := make([]string, len(key))
	for i, k := range key {
		cols[i] = ident(k)
		texts[i] = "cast(" + ident(k) + " as varchar)"
	}
	return plain(h, `select count(*) over (), `+strings.Join(texts, ", ")+`, count(*)
from `+tempRel(tmp)+`
group by `+strings.Join(cols, ", ")+`
having count(*) > 1
order by count(*) desc, `+strings.Join(cols, ", ")+`
limit `+strconv.Itoa(maxSamples), "check the unique_key for duplicates")
}

// alterSteps renders the changes, one statement each, so that a failure
// names its column.
func alterSteps(h string, target warehouse.Relation, alters []alterColumn) []step {
	tbl := "alter table " + rel(target)
	var steps []step
	for _, a := range alters {
		col := ident(a.Column)
		switch a.Op {
		case "add":
			steps = append(steps, plain(h, tbl+" add column "+col+" "+a.Type, "add column "+col+" to "+rel(target)))
		case "drop":
			steps = append(steps, plain(h, tbl+" drop column "+col, "drop column "+col+" of "+rel(target)))
		case "type":
			steps = append(steps, plain(h, tbl+" alter column "+col+" type "+a.Type,
				"change the type of column "+col+" of "+rel(target)+" to "+a.Type))
		}
	}
	return steps
}

// insertNew appends every new row, writing the given columns by name.
func insertNew(h string, target warehouse.Relation, tmp string, cols []string) step {
	list := identList(cols, "")
	return plain(h, "insert into "+rel(target)+" ("+list+")\nselect "+list+"\nfrom "+tempRel(tmp),
		"insert the new rows into "+rel(target))
}

// matchCondition is the ON (merge) or WHERE (delete) condition: key
// equality, then each predicate, parenthesised.
func matchCondition(key, predicates []string) string {
	var conds []string
	for _, k := range key {
		conds = append(conds, sourceAlias+"."+ident(k)+" = "+destAlias+"."+ident(k))
	}
	for _, p := range predicates {
		conds = append(conds, "("+p+")")
	}
	return strings.Join(conds, "\n  and ")
}

// mergeNew updates the rows whose key matches a new row and inserts the
// others, writing the given columns by name; key columns are not updated.
// DuckDB has MERGE INTO since 1.4.
func mergeNew(h string, target warehouse.Relation, tmp string, key, cols, predicates []string) step {
	var set []string
	for _, c := range cols {
		if !containsFold(key, c) {
			set = append(set, ident(c)+" = "+sourceAlias+"."+ident(c))
		}
	}
	matched := "do nothing"
	if len(set) > 0 {
		matched = "update set\n  " + strings.Join(set, ",\n  ")
	}
	sql := "merge into " + rel(target) + " as " + destAlias + "\n" +
		"using " + tempRel(tmp) + " as " + sourceAlias + "\n" +
		"on " + matchCondition(key, predicates) + "\n" +
		"when matched then " + matched + "\n" +
		"when not matched then insert (" + identList(cols, "") + ")\n" +
		"  values (" + identList(cols, sourceAlias+".") + ")"
	return plain(h, sql, "merge the new rows into "+rel(target))
}

// deleteMatching deletes the rows of target that a new row replaces, by a
// join on the key.
func deleteMatching(h string, target warehouse.Relation, tmp string, key, predicates []string) step {
	sql := "delete from " + rel(target) + " as " + destAlias + "\n" +
		"using " + tempRel(tmp) + " as " + sourceAlias + "\n" +
		"where " + matchCondition(key, predicates)
	return plain(h, sql, "delete the rows the new rows replace from "+rel(target))
}

// identList quotes names and joins them with ", ", each after prefix.
func identList(names []string, prefix string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = prefix + ident(n)
	}
	return strings.Join(q, ", ")
}

// containsFold reports whether names holds name, in any case.
func containsFold(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
