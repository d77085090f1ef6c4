package postgres

import (
	"slices"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The statements of an increment, as pure functions like those of sql.go.
// The target is aliased DBT_INTERNAL_DEST and the new rows
// DBT_INTERNAL_SOURCE, as dbt does, so that incremental_predicates written
// for dbt work unchanged. The aliases are unquoted: PostgreSQL folds them,
// and the users' predicates, to lower case.

const (
	destAlias   = "DBT_INTERNAL_DEST"
	sourceAlias = "DBT_INTERNAL_SOURCE"
)

// lockForIncrement keeps other writers, and other kiln runs applying an
// increment to the same table, out until the transaction ends, while
// readers go on. It is taken before the model's SQL runs, so that a model
// reading {{ this }} sees every increment committed before its own.
func lockForIncrement(h string, target warehouse.Relation) step {
	return plain(h, "lock table "+ident(target.Schema, target.Name)+" in share row exclusive mode",
		"lock "+target.String())
}

// createTempAs puts the model's new rows in a temporary table that
// disappears with the transaction, whether it commits or not. Autovacuum
// never analyzes a temporary table, and kiln does not either: with a
// unique_key, the index of uniqueKeyIndex tells the planner what it needs;
// without one, the rows are inserted as they are, whatever the plan.
func createTempAs(h, tmp, sql string) step {
	return modelStep(h, "create temporary table "+ident(tmp)+" on commit drop as", sql,
		"select the new rows of the model")
}

// tempRel names a temporary table unambiguously, whatever the search_path.
func tempRel(tmp string) string { return ident("pg_temp", tmp) }

// keySavepoint is the savepoint set before uniqueKeyIndex, so that the
// new rows are still there to be described when it fails.
const keySavepoint = "kiln_unique_key"

func savepointKey(h string) step {
	return plain(h, "savepoint "+keySavepoint, "set a savepoint before the checks of the unique_key")
}

func releaseKey(h string) step {
	return plain(h, "release savepoint "+keySavepoint, "release the savepoint of the checks of the unique_key")
}

func rollbackToKey(h string) step {
	return plain(h, "rollback to savepoint "+keySavepoint, "go back to the savepoint of the checks of the unique_key")
}

// uniqueKeyIndex refuses new rows that hold the same key twice: building
// the index fails with unique_violation (23505). NULLs are distinct to it,
// and nullKeyQuery, which reads the index, finds them. Building it also
// records in the catalog how many new rows there are, and tells the
// planner that the key is unique among them: with that, the merge hashes
// the new rows rather than the table, as it does after an ANALYZE, which
// costs about twice as much (see bench_incremental_test.go).
func uniqueKeyIndex(h, tmp string, key []string) step {
	return plain(h, "create unique index on "+tempRel(tmp)+" ("+identList(key, "")+")",
		"check the unique_key for duplicates")
}

// columnsQuery lists the columns of rel, a name as regclass reads it, with
// their types as SQL would write them.
func columnsQuery(h, rel string) string {
	return h + `select a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod)
from pg_catalog.pg_attribute a
where a.attrelid = ` + literal(rel) + `::pg_catalog.regclass and a.attnum > 0 and not a.attisdropped
order by a.attnum`
}

// maxSamples is how many offending rows or keys an error shows.
const maxSamples = 5

// nullKeyQuery finds new rows with a NULL in a key column: how many there
// are, and the first few, whole, as JSON. After uniqueKeyIndex, for a key
// of one column, it is a look-up in that index rather than a scan.
func nullKeyQuery(h, tmp string, key []string) string {
	conds := make([]string, len(key))
	for i, k := range key {
		conds[i] = sourceAlias + "." + ident(k) + " is null"
	}
	return h + `select count(*) over (), pg_catalog.row_to_json(` + sourceAlias + `.*)::text
from ` + tempRel(tmp) + ` as ` + sourceAlias + `
where ` + strings.Join(conds, " or ") + `
limit ` + strconv.Itoa(maxSamples)
}

// duplicateKeyQuery finds keys held by more than one new row: how many
// such keys there are, and the most repeated ones with their counts. It
// runs only once uniqueKeyIndex has failed, to name the keys, or could not
// be built (a key too long for a btree index, or of a type without one).
func duplicateKeyQuery(h, tmp string, key []string) string {
	cols := make([]string, len(key))
	texts := make([]string, len(key))
	for i, k := range key {
		cols[i] = ident(k)
		texts[i] = ident(k) + "::text"
	}
	return h + `select count(*) over (), ` + strings.Join(texts, ", ") + `, count(*)
from ` + tempRel(tmp) + `
group by ` + strings.Join(cols, ", ") + `
having count(*) > 1
order by count(*) desc, ` + strings.Join(cols, ", ") + `
limit ` + strconv.Itoa(maxSamples)
}

// alterColumn is one change on_schema_change makes to the target.
type alterColumn struct {
	Op     string // "add", "drop" or "type"
	Column string
	Type   string // the new type, for add and type
}

// alterSteps renders the changes, one statement each, so that a failure
// names its column.
func alterSteps(h string, target warehouse.Relation, alters []alterColumn) []step {
	tbl := "alter table " + ident(target.Schema, target.Name)
	var steps []step
	for _, a := range alters {
		col := ident(a.Column)
		switch a.Op {
		case "add":
			steps = append(steps, plain(h, tbl+" add column "+col+" "+a.Type, "add column "+col+" to "+target.String()))
		case "drop":
			steps = append(steps, plain(h, tbl+" drop column "+col, "drop column "+col+" of "+target.String()))
		case "type":
			steps = append(steps, plain(h, tbl+" alter column "+col+" type "+a.Type,
				"change the type of column "+col+" of "+target.String()+" to "+a.Type))
		}
	}
	return steps
}

// insertNew appends every new row, writing the given columns by name.
func insertNew(h string, target warehouse.Relation, tmp string, cols []string) step {
	list := identList(cols, "")
	return plain(h, "insert into "+ident(target.Schema, target.Name)+" ("+list+")\nselect "+list+"\nfrom "+tempRel(tmp),
		"insert the new rows into "+target.String())
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
func mergeNew(h string, target warehouse.Relation, tmp string, key, cols, predicates []string) step {
	var set []string
	for _, c := range cols {
		if !slices.Contains(key, c) {
			set = append(set, ident(c)+" = "+sourceAlias+"."+ident(c))
		}
	}
	matched := "do nothing"
	if len(set) > 0 {
		matched = "update set\n  " + strings.Join(set, ",\n  ")
	}
	sql := "merge into " + ident(target.Schema, target.Name) + " as " + destAlias + "\n" +
		"using " + tempRel(tmp) + " as " + sourceAlias + "\n" +
		"on " + matchCondition(key, predicates) + "\n" +
		"when matched then " + matched + "\n" +
		"when not matched then insert (" + identList(cols, "") + ")\n" +
		"  values (" + identList(cols, sourceAlias+".") + ")"
	return plain(h, sql, "merge the new rows into "+target.String())
}

// deleteMatching deletes the rows of target that a new row replaces, by a
// join on the key.
func deleteMatching(h string, target warehouse.Relation, tmp string, key, predicates []string) step {
	sql := "delete from " + ident(target.Schema, target.Name) + " as " + destAlias + "\n" +
		"using " + tempRel(tmp) + " as " + sourceAlias + "\n" +
		"where " + matchCondition(key, predicates)
	return plain(h, sql, "delete the rows the new rows replace from "+target.String())
}

// identList quotes names and joins them with ", ", each after prefix.
func identList(names []string, prefix string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = prefix + ident(n)
	}
	return strings.Join(q, ", ")
}
