package postgres

import (
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

const newRowsSQL = "select id, status, amount\nfrom \"analytics\".\"orders\"\nwhere updated_at > (select max(updated_at) from \"analytics\".\"fct_orders\")"

var newTmp = scratchName(target, "inv", "__kiln_new_")

// incrementHead is what every increment runs before it applies the rows:
// lock, look up, select the new rows, read both column lists.
func incrementHead() []step {
	return []step{
		lockForIncrement(h, target),
		query(lookupQuery(h)),
		createTempAs(h, newTmp, newRowsSQL),
		query(columnsQuery(h, ident(target.Schema, target.Name))),
		query(columnsQuery(h, tempRel(newTmp))),
	}
}

// TestGoldenIncrementalMerge is the whole statement sequence of a merge
// increment on a single-column key.
func TestGoldenIncrementalMerge(t *testing.T) {
	key := []string{"id"}
	cols := []string{"id", "status", "amount"}
	steps := append(incrementHead(), keyChecks(key)...)
	steps = append(steps, mergeNew(h, target, newTmp, key, cols, nil))
	golden(t, "incremental_merge", render(steps...))
}

func TestGoldenIncrementalMergeCompositeKeyPredicates(t *testing.T) {
	key := []string{"order_id", "Line No"}
	preds := []string{"DBT_INTERNAL_DEST.order_date > current_date - 7", "DBT_INTERNAL_SOURCE.status <> 'void'"}
	golden(t, "incremental_merge_composite",
		"-- composite key with predicates\n"+
			render(mergeNew(h, target, newTmp, key, []string{"order_id", "Line No", "qty", "status"}, preds))+
			"\n-- every column is in the key\n"+
			render(mergeNew(h, target, newTmp, key, key, nil)))
}

func TestGoldenIncrementalDeleteInsert(t *testing.T) {
	key := []string{"order_id", "line"}
	cols := []string{"order_id", "line", "qty"}
	steps := append(incrementHead(), keyChecks(key)...)
	steps = append(steps,
		deleteMatching(h, target, newTmp, key, []string{"DBT_INTERNAL_DEST.order_date > current_date - 7"}),
		insertNew(h, target, newTmp, cols),
	)
	golden(t, "incremental_delete_insert", render(steps...))
}

func TestGoldenIncrementalAppend(t *testing.T) {
	steps := append(incrementHead(), insertNew(h, target, newTmp, []string{"id", "status", "amount"}))
	golden(t, "incremental_append", render(steps...))
}

func TestGoldenIncrementalSchemaChange(t *testing.T) {
	table := []column{{Name: "id", Type: "integer"}, {Name: "amount", Type: "numeric(10,2)"}, {Name: "note", Type: "character varying(20)"}, {Name: "old", Type: "text"}}
	model := []column{{Name: "id", Type: "bigint"}, {Name: "amount", Type: "numeric(12,2)"}, {Name: "note", Type: "text"}, {Name: "New Col", Type: "timestamp with time zone"}}
	p, err := planColumns(schemaSync, target, table, model)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "incremental_schema_change", render(alterSteps(h, target, p.Alters)...)+
		"-- written: "+strings.Join(p.Write, ", ")+"\n")
}

// keyChecks is the round trip of the checks of the key.
func keyChecks(key []string) []step {
	return []step{savepointKey(h), uniqueKeyIndex(h, newTmp, key), releaseKey(h), query(nullKeyQuery(h, newTmp, key))}
}

// recheck is the round trip that follows a failure of the unique index.
func recheck(key []string) []step {
	return []step{rollbackToKey(h), query(nullKeyQuery(h, newTmp, key)), query(duplicateKeyQuery(h, newTmp, key))}
}

func TestGoldenIncrementalKeyChecks(t *testing.T) {
	one, two := []string{"id"}, []string{"order_id", "Line"}
	golden(t, "incremental_key_checks",
		"-- one column\n"+render(keyChecks(one)...)+
			"\n-- one column, after the index failed\n"+render(recheck(one)...)+
			"\n-- two columns\n"+render(keyChecks(two)...)+
			"\n-- two columns, after the index failed\n"+render(recheck(two)...))
}

func TestPlanIncrement(t *testing.T) {
	for _, c := range []struct {
		name     string
		inc      warehouse.Incremental
		strategy string // after chooseStrategy on 15 and on 14
		on14     string
		key      string
		mode     string
		err      string
	}{
		{name: "defaults", inc: warehouse.Incremental{}, strategy: "append", on14: "append", mode: "ignore"},
		{name: "key picks merge, or delete+insert before 15", inc: warehouse.Incremental{UniqueKey: []string{"id"}},
			strategy: "merge", on14: "delete+insert", key: "id", mode: "ignore"},
		{name: "explicit merge before 15", inc: warehouse.Incremental{UniqueKey: []string{"id"}, Strategy: "merge"},
			strategy: "merge", on14: `error: incremental_strategy "merge" needs PostgreSQL 15`, key: "id", mode: "ignore"},
		{name: "delete+insert, composite key, spaces and case", inc: warehouse.Incremental{UniqueKey: []string{" a", "b", "a"},
			Strategy: " Delete+Insert", OnSchemaChange: "Sync_All_Columns"},
			strategy: "delete+insert", on14: "delete+insert", key: "a,b", mode: "sync_all_columns"},
		{name: "append ignores the key", inc: warehouse.Incremental{UniqueKey: []string{"id"}, Strategy: "append"},
			strategy: "append", on14: "append", mode: "ignore"},
		{name: "merge without key appends", inc: warehouse.Incremental{Strategy: "merge"},
			strategy: "append", on14: "append", mode: "ignore"},
		{name: "unknown strategy", inc: warehouse.Incremental{Strategy: "upsert"},
			err: `unknown incremental_strategy "upsert" (use append, merge or delete+insert)`},
		{name: "unknown mode", inc: warehouse.Incremental{OnSchemaChange: "sync"},
			err: `unknown on_schema_change "sync" (use ignore, fail, append_new_columns or sync_all_columns)`},
		{name: "empty key", inc: warehouse.Incremental{UniqueKey: []string{"id", " "}}, err: "unique_key has an empty column name"},
		{name: "empty predicate", inc: warehouse.Incremental{Predicates: []string{""}}, err: "incremental_predicates has an empty predicate"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, err := planIncrement(&c.inc)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("error = %v, want %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(p.Key, ","); got != c.key || p.Mode != c.mode {
				t.Errorf("key %q mode %q, want %q %q", got, p.Mode, c.key, c.mode)
			}
			for v, want := range map[int]string{150004: c.strategy, 140011: c.on14} {
				s, err := chooseStrategy(p, v)
				if err != nil {
					s = "error: " + err.Error()
				}
				if !strings.HasPrefix(s, want) {
					t.Errorf("on %d: %s, want %s", v, s, want)
				}
			}
		})
	}
}

func TestPlanColumns(t *testing.T) {
	rel := warehouse.Relation{Schema: "s", Name: "t"}
	table := []column{{Name: "id", Type: "integer"}, {Name: "name", Type: "text"}, {Name: "gone", Type: "text"}, {Name: "n", Type: "bigint"}}
	model := []column{{Name: "name", Type: "text"}, {Name: "id", Type: "bigint"}, {Name: "n", Type: "integer"}, {Name: "extra", Type: "date"}}
	for _, c := range []struct {
		mode   string
		alters string
		write  string
		err    string
	}{
		{mode: "ignore", write: "id,name,n"},
		{mode: "fail", err: `on_schema_change is 'fail' and the model's columns differ from "s"."t": added extra (date); ` +
			`removed gone (text); changed id from integer to bigint, n from bigint to integer; nothing was changed`},
		{mode: "append_new_columns", alters: "add extra date", write: "id,name,n,extra"},
		{mode: "sync_all_columns", alters: "type id bigint|add extra date|drop gone", write: "id,name,n,extra"},
	} {
		p, err := planColumns(c.mode, rel, table, model)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %s", c.mode, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.mode, err)
			continue
		}
		var alters []string
		for _, a := range p.Alters {
			alters = append(alters, strings.TrimSpace(a.Op+" "+a.Column+" "+a.Type))
		}
		if got := strings.Join(alters, "|"); got != c.alters {
			t.Errorf("%s: alters %q, want %q", c.mode, got, c.alters)
		}
		if got := strings.Join(p.Write, ","); got != c.write {
			t.Errorf("%s: write %q, want %q", c.mode, got, c.write)
		}
	}
	// Nothing changed: fail passes.
	if _, err := planColumns("fail", rel, table, table); err != nil {
		t.Errorf("fail with the same columns: %v", err)
	}
	// An unsafe change names the column and both types.
	_, err := planColumns("sync_all_columns", rel, table, []column{{Name: "id", Type: "integer"}, {Name: "name", Type: "integer"}})
	want := `on_schema_change is 'sync_all_columns' but column "name" of "s"."t" cannot change from text to integer`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("unsafe change: %v", err)
	}
}

func TestSafeWidening(t *testing.T) {
	for _, c := range []struct {
		from, to string
		ok       bool
	}{
		{"smallint", "integer", true},
		{"integer", "bigint", true},
		{"bigint", "numeric", true},
		{"integer", "numeric(10,0)", true},
		{"integer", "numeric(12,2)", true},
		{"integer", "numeric(11,2)", false},
		{"bigint", "numeric(19,0)", true},
		{"bigint", "double precision", false},
		{"bigint", "integer", false},
		{"real", "double precision", true},
		{"double precision", "real", false},
		{"numeric(10,2)", "numeric(12,2)", true},
		{"numeric(10,2)", "numeric(11,3)", true},
		{"numeric(10,2)", "numeric(12,1)", false},
		{"numeric(10,2)", "numeric(10,3)", false},
		{"numeric(10,2)", "numeric", true},
		{"numeric", "numeric(38,10)", false},
		{"character varying(10)", "character varying(20)", true},
		{"character varying(20)", "character varying(10)", false},
		{"character varying(10)", "text", true},
		{"character varying(10)", "character varying", true},
		{"character varying", "text", true},
		{"text", "character varying", true},
		{"text", "character varying(100)", false},
		{"character(5)", "text", false},
		{"integer", "text", false},
		{"date", "timestamp without time zone", false},
		{"text", "text", true},
	} {
		if got := safeWidening(c.from, c.to); got != c.ok {
			t.Errorf("safeWidening(%s, %s) = %v", c.from, c.to, got)
		}
	}
}

func TestResolveKey(t *testing.T) {
	model := []column{{Name: "id", Type: "integer"}, {Name: "Day", Type: "date"}, {Name: "new", Type: "text"}}
	table := []column{{Name: "id", Type: "integer"}, {Name: "Day", Type: "date"}}
	key, err := resolveKey([]string{"ID", "Day"}, model, table, "ignore")
	if err != nil || strings.Join(key, ",") != "id,Day" {
		t.Errorf("key %v, %v", key, err)
	}
	if _, err := resolveKey([]string{"day"}, model, table, "ignore"); err == nil ||
		err.Error() != "unique_key day is not a column of the model (its columns: id, Day, new)" {
		t.Errorf("missing key column: %v", err)
	}
	if _, err := resolveKey([]string{"new"}, model, table, "ignore"); err == nil ||
		!strings.HasPrefix(err.Error(), "unique_key new is not a column of the table") {
		t.Errorf("key column not in the table: %v", err)
	}
	if _, err := resolveKey([]string{"new"}, model, table, "append_new_columns"); err != nil {
		t.Errorf("key column about to be added: %v", err)
	}
}
