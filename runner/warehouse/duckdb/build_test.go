//go:build cgo

package duckdb

import (
	"errors"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestTableFirstBuild(t *testing.T) {
	w := openTest(t)
	res := mustBuild(t, w, build("orders", "table", "select 1 as id, 'open' as status\nunion all select 2, 'closed'"))
	if res.RowsAffected != 2 {
		t.Errorf("RowsAffected = %d, want 2", res.RowsAffected)
	}
	want(t, w, `select id, status from s.orders order by id`, "1|open", "2|closed")
	if got := relationsIn(t, w); strings.Join(got, ",") != "orders" {
		t.Errorf("relations = %v, want only orders", got)
	}
	if len(res.Statements) == 0 || !strings.Contains(res.Statements[0], "/* kiln node=model.shop.orders") {
		t.Errorf("statements = %q", res.Statements)
	}
}

func TestTableRebuildKeepsDependentViews(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("orders", "table", "select 1 as id, 'open' as status"))
	mustExec(t, w,
		`create view s.open_orders as select * from s.orders where status = 'open'`,
		`create view s.open_ids as select id from s.open_orders`,
		`create view s.unrelated as select 42 as answer`,
		`comment on table s.orders is 'all orders'`,
		`comment on column s.orders.id is 'the id'`,
		`comment on view s.open_orders is 'only open ones'`,
		`create index orders_id on s.orders (id)`,
	)
	// The new table has another column and another type: DuckDB's views
	// would fail with "Contents of view were altered" unless recreated.
	mustBuild(t, w, build("orders", "table", "select 1::bigint as id, 'open' as status, 9.5 as amount union all select 2, 'open', 1"))
	want(t, w, `select * from s.open_orders order by id`, "1|open|9.5", "2|open|1")
	want(t, w, `select * from s.open_ids order by id`, "1", "2")
	want(t, w, `select comment from duckdb_tables() where table_name = 'orders'`, "all orders")
	want(t, w, `select comment from duckdb_columns() where table_name = 'orders' and column_name = 'id'`, "the id")
	want(t, w, `select comment from duckdb_views() where view_name = 'open_orders'`, "only open ones")
	if got := strings.Join(relationsIn(t, w), ","); got != "open_ids,open_orders,orders,unrelated" {
		t.Errorf("relations = %s", got)
	}
}

func TestFailingModelKeepsOldTable(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("orders", "table", "select 1 as id"))
	mustExec(t, w, `create view s.v as select * from s.orders`)
	sql := "select id,\n  nme,\n  1 as one\nfrom s.orders"
	_, err := tryBuild(t, w, build("orders", "table", sql))
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("err = %v (%T), want a QueryError", err, err)
	}
	if qe.Line != 2 || qe.Col != 3 {
		t.Errorf("position = %d:%d, want 2:3 (%v)", qe.Line, qe.Col, err)
	}
	if !strings.Contains(qe.Message, `"nme"`) {
		t.Errorf("message = %q", qe.Message)
	}
	want(t, w, `select * from s.orders`, "1")
	want(t, w, `select * from s.v`, "1")
	if got := strings.Join(relationsIn(t, w), ","); got != "orders,v" {
		t.Errorf("relations = %s", got)
	}
}

func TestDependentThatCannotBeRebuiltFailsTheBuild(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("orders", "table", "select 1 as id, 2 as amount"))
	mustExec(t, w, `create view s.amounts as select amount from s.orders`)
	_, err := tryBuild(t, w, build("orders", "table", "select 1 as id"))
	if err == nil || !strings.Contains(err.Error(), `dependent view "s"."amounts" cannot be rebuilt on the new "s"."orders"`) {
		t.Fatalf("err = %v", err)
	}
	want(t, w, `select * from s.amounts`, "2")
}

func TestBrokenDependentIsLeftAlone(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("orders", "table", "select 1 as id"))
	mustExec(t, w,
		`create table s.gone as select 1 as id`,
		`create view s.both as select * from s.orders join s.gone using (id)`,
		`drop table s.gone`, // DuckDB lets it go; s.both no longer works
	)
	mustBuild(t, w, build("orders", "table", "select 2 as id"))
	want(t, w, `select * from s.orders`, "2")
	if readErr(w, `select * from s.both`) == nil {
		t.Error("s.both works; it should still be broken")
	}
}

func TestViewReplaceWithChangedColumns(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("v", "view", "select 1 as a, 'x' as b"))
	mustExec(t, w, `create view s.on_v as select * from s.v`, `comment on view s.v is 'the view'`)
	res := mustBuild(t, w, build("v", "view", "select 'y' as b, 2.5 as c"))
	if res.RowsAffected != -1 {
		t.Errorf("RowsAffected = %d, want -1", res.RowsAffected)
	}
	want(t, w, `select * from s.v`, "y|2.5")
	want(t, w, `select * from s.on_v`, "y|2.5")
	want(t, w, `select comment from duckdb_views() where view_name = 'v'`, "the view")
}

func TestKindChanges(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("m", "table", "select 1 as id"))
	mustExec(t, w, `create view s.on_m as select * from s.m`)
	mustBuild(t, w, build("m", "view", "select 2 as id, 3 as x"))
	if k := kindAt(t, w, "m"); k != warehouse.View {
		t.Fatalf("m is a %q, want a view", k)
	}
	want(t, w, `select * from s.on_m`, "2|3")
	mustBuild(t, w, build("m", "table", "select 4 as id"))
	if k := kindAt(t, w, "m"); k != warehouse.Table {
		t.Fatalf("m is a %q, want a table", k)
	}
	want(t, w, `select * from s.on_m`, "4")
	if got := strings.Join(relationsIn(t, w), ","); got != "m,on_m" {
		t.Errorf("relations = %s", got)
	}
}

func TestViewFailureKeepsOldView(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("v", "view", "select 1 as a"))
	_, err := tryBuild(t, w, build("v", "view", "select a\nfrom s.nosuch"))
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) || qe.Line != 2 || qe.Col != 6 {
		t.Fatalf("err = %v, want a QueryError at 2:6 (%+v)", err, qe)
	}
	want(t, w, `select * from s.v`, "1")
}

func TestUnsupportedMaterialization(t *testing.T) {
	w := openTest(t)
	_, err := w.Build(t.Context(), build("m", "materialized_view", "select 1"))
	if err == nil || !strings.Contains(err.Error(), "not supported on DuckDB") {
		t.Errorf("err = %v", err)
	}
}
