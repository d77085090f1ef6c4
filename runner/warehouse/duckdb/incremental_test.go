//go:build cgo

package duckdb

import (
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// incremental is a Build of an increment of s.name.
func incremental(name, sql string, inc warehouse.Incremental) warehouse.Build {
	b := build(name, "incremental", sql)
	b.Incremental = &inc
	return b
}

// seedEvents builds s.events whole: ids 1 and 2.
func seedEvents(t *testing.T, w *Warehouse) {
	t.Helper()
	mustBuild(t, w, incremental("events", "select 1 as id, 'a' as v, 10 as n union all select 2, 'b', 20",
		warehouse.Incremental{Full: true}))
}

func TestIncrementalStrategies(t *testing.T) {
	newRows := "select 2 as id, 'B' as v, 21 as n union all select 3, 'c', 30"
	tests := []struct {
		name     string
		inc      warehouse.Incremental
		rows     int64
		want     []string
		contains string // in the statements
	}{
		{"append", warehouse.Incremental{}, 2,
			[]string{"1|a|10", "2|b|20", "2|B|21", "3|c|30"}, "insert into"},
		{"append ignores unique_key", warehouse.Incremental{Strategy: "append", UniqueKey: []string{"id"}}, 2,
			[]string{"1|a|10", "2|b|20", "2|B|21", "3|c|30"}, "insert into"},
		{"default with a key is delete+insert", warehouse.Incremental{UniqueKey: []string{"id"}}, 2,
			[]string{"1|a|10", "2|B|21", "3|c|30"}, "delete from"},
		{"delete+insert", warehouse.Incremental{Strategy: "delete+insert", UniqueKey: []string{"ID"}}, 2,
			[]string{"1|a|10", "2|B|21", "3|c|30"}, "delete from"},
		{"merge", warehouse.Incremental{Strategy: "merge", UniqueKey: []string{"id"}}, 2,
			[]string{"1|a|10", "2|B|21", "3|c|30"}, "merge into"},
		{"merge composite key", warehouse.Incremental{Strategy: "merge", UniqueKey: []string{"id", "v"}}, 2,
			[]string{"1|a|10", "2|b|20", "2|B|21", "3|c|30"}, "merge into"},
		{"merge with predicate", warehouse.Incremental{Strategy: "merge", UniqueKey: []string{"id"},
			Predicates: []string{"DBT_INTERNAL_DEST.n > 100"}}, 2,
			[]string{"1|a|10", "2|b|20", "2|B|21", "3|c|30"}, "merge into"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := openTest(t)
			seedEvents(t, w)
			res := mustBuild(t, w, incremental("events", newRows, tt.inc))
			if res.RowsAffected != tt.rows {
				t.Errorf("RowsAffected = %d, want %d", res.RowsAffected, tt.rows)
			}
			want(t, w, `select id, v, n from s.events order by id, v collate nocase, n`, tt.want...)
			if !strings.Contains(strings.Join(res.Statements, "\n"), tt.contains) {
				t.Errorf("statements do not contain %q:\n%s", tt.contains, strings.Join(res.Statements, "\n"))
			}
			if got := strings.Join(relationsIn(t, w), ","); got != "events" {
				t.Errorf("relations = %s", got)
			}
			want(t, w, `select count(*) from duckdb_tables() where temporary`, "0")
		})
	}
}

func TestIncrementalKeyChecks(t *testing.T) {
	tests := []struct {
		name, sql, err string
	}{
		{"null key", "select null::integer as id, 'x' as v, 1 as n union all select 5, 'y', 2",
			`unique_key id is null in 1 of the new rows, which kiln cannot match with the table; nothing was changed. For example: {"id":null,"v":"x","n":1}`},
		{"duplicate key", "select 2 as id, 'x' as v, 1 as n union all select 2, 'y', 2 union all select 3, 'z', 3",
			"unique_key id is not unique in the new rows: 1 key value appears more than once, so kiln cannot tell which row is the new one; nothing was changed. For example: id=2 (2 rows)"},
	}
	for _, strategy := range []string{"merge", "delete+insert"} {
		for _, tt := range tests {
			t.Run(strategy+" "+tt.name, func(t *testing.T) {
				w := openTest(t)
				seedEvents(t, w)
				_, err := tryBuild(t, w, incremental("events", tt.sql, warehouse.Incremental{Strategy: strategy, UniqueKey: []string{"id"}}))
				if err == nil || err.Error() != tt.err {
					t.Fatalf("err =\n%v\nwant\n%s", err, tt.err)
				}
				want(t, w, `select id, v, n from s.events order by id`, "1|a|10", "2|b|20")
			})
		}
	}
}

func TestIncrementalOnSchemaChange(t *testing.T) {
	newRows := "select 3 as id, 'c' as v, 30 as n, 'note' as extra"
	t.Run("fail", func(t *testing.T) {
		w := openTest(t)
		seedEvents(t, w)
		_, err := tryBuild(t, w, incremental("events", newRows, warehouse.Incremental{OnSchemaChange: "fail"}))
		if err == nil || !strings.Contains(err.Error(), `on_schema_change is 'fail' and the model's columns differ from "s"."events": added extra (VARCHAR)`) {
			t.Fatalf("err = %v", err)
		}
		want(t, w, `select count(*) from s.events`, "2")
	})
	t.Run("ignore", func(t *testing.T) {
		w := openTest(t)
		seedEvents(t, w)
		mustBuild(t, w, incremental("events", newRows, warehouse.Incremental{}))
		want(t, w, `select * from s.events order by id`, "1|a|10", "2|b|20", "3|c|30")
	})
	t.Run("append_new_columns keeps dependent views", func(t *testing.T) {
		w := openTest(t)
		seedEvents(t, w)
		mustExec(t, w, `create view s.all_events as select * from s.events`)
		mustBuild(t, w, incremental("events", newRows, warehouse.Incremental{OnSchemaChange: "append_new_columns"}))
		want(t, w, `select * from s.events order by id`, "1|a|10|NULL", "2|b|20|NULL", "3|c|30|note")
		want(t, w, `select * from s.all_events order by id`, "1|a|10|NULL", "2|b|20|NULL", "3|c|30|note")
	})
	t.Run("sync_all_columns", func(t *testing.T) {
		w := openTest(t)
		seedEvents(t, w)
		mustBuild(t, w, incremental("events", "select 3::bigint as id, 'c' as v, 'x' as extra", warehouse.Incremental{OnSchemaChange: "sync_all_columns"}))
		want(t, w, `select column_name, data_type from duckdb_columns() where table_name = 'events' order by column_index`,
			"id|BIGINT", "v|VARCHAR", "extra|VARCHAR")
		want(t, w, `select * from s.events order by id`, "1|a|NULL", "2|b|NULL", "3|c|x")
	})
	t.Run("sync_all_columns refuses narrowing to another type", func(t *testing.T) {
		w := openTest(t)
		seedEvents(t, w)
		_, err := tryBuild(t, w, incremental("events", "select 3 as id, 7 as v, 1 as n", warehouse.Incremental{OnSchemaChange: "sync_all_columns"}))
		if err == nil || !strings.Contains(err.Error(), `column "v" of "s"."events" cannot change from VARCHAR to INTEGER`) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestIncrementalOnAViewAsksForARebuild(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("events", "view", "select 1 as id"))
	_, err := tryBuild(t, w, incremental("events", "select 2 as id", warehouse.Incremental{}))
	if err == nil || !strings.Contains(err.Error(), "is a view now") {
		t.Fatalf("err = %v", err)
	}
}

func TestIncrementalSelfReference(t *testing.T) {
	w := openTest(t)
	seedEvents(t, w)
	mustBuild(t, w, incremental("events", "select max(id) + 1 as id, 'z' as v, 0 as n from s.events", warehouse.Incremental{UniqueKey: []string{"id"}}))
	want(t, w, `select id, v from s.events order by id`, "1|a", "2|b", "3|z")
}
