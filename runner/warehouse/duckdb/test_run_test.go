//go:build cgo

package duckdb

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestRunTest(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("orders", "table", "select * from range(10) r(id)"))
	failing := "select id from s.orders where id >= 7" // 3 rows
	tests := []struct {
		name string
		test warehouse.Test
		want warehouse.TestResult
	}{
		{"pass", warehouse.Test{SQL: "select id from s.orders where id < 0"}, warehouse.TestResult{}},
		{"fail", warehouse.Test{SQL: failing}, warehouse.TestResult{Failures: 3, Warn: true, Error: true}},
		{"warn only", warehouse.Test{SQL: failing, ErrorIf: "> 5"}, warehouse.TestResult{Failures: 3, Warn: true}},
		{"limit", warehouse.Test{SQL: failing + ";\n", Limit: 2}, warehouse.TestResult{Failures: 2, Warn: true, Error: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.test.NodeID, tt.test.InvocationID = "test.shop."+tt.name, invocation
			got, err := w.RunTest(context.Background(), tt.test)
			if err != nil {
				t.Fatal(err)
			}
			if got.Failures != tt.want.Failures || got.Warn != tt.want.Warn || got.Error != tt.want.Error {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if len(got.Statements) != 1 {
				t.Errorf("statements = %q", got.Statements)
			}
		})
	}
}

func TestRunTestErrorsAndStoreFailures(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("orders", "table", "select * from range(10) r(id)"))
	_, err := w.RunTest(context.Background(), warehouse.Test{NodeID: "test.shop.bad", SQL: "select id\nfrom s.orders\nwhere nosuch > 1"})
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) || qe.Line != 3 || qe.Col != 7 {
		t.Fatalf("err = %v, want a QueryError at 3:7 (%+v)", err, qe)
	}
	if _, err := w.RunTest(context.Background(), warehouse.Test{SQL: "select 1", WarnIf: "lots"}); err == nil || !strings.Contains(err.Error(), `warn_if "lots"`) {
		t.Errorf("err = %v", err)
	}

	audit := warehouse.Relation{Schema: "s_dbt_test__audit", Name: "big_ids"}
	for _, min := range []int{7, 5} {
		res, err := w.RunTest(context.Background(), warehouse.Test{NodeID: "test.shop.big_ids", InvocationID: invocation,
			SQL: "select id from s.orders where id >= " + string(rune('0'+min)), StoreFailures: &audit})
		if err != nil {
			t.Fatalf("%v\n%s", err, strings.Join(res.Statements, "\n"))
		}
		if res.Failures != int64(10-min) || !res.Error {
			t.Errorf("got %+v", res)
		}
		if min == 7 {
			mustExec(t, w, `create view s_dbt_test__audit.watch as select * from s_dbt_test__audit.big_ids`)
		}
	}
	want(t, w, `select count(*) from s_dbt_test__audit.big_ids`, "5")
	want(t, w, `select count(*) from s_dbt_test__audit.watch`, "5")
}

func TestSourceFreshness(t *testing.T) {
	w := openTest(t)
	mustExec(t, w, `create table s.raw as select * from (values
  (timestamp '2024-05-01 10:00:00', 'a'), (timestamp '2024-05-02 08:30:00', 'b'), (null, 'c')) v(loaded_at, kind)`)
	r := warehouse.Relation{Schema: "s", Name: "raw"}
	f, err := w.SourceFreshness(context.Background(), r, "loaded_at", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.MaxLoadedAt.Format("2006-01-02 15:04:05 MST"); got != "2024-05-02 08:30:00 UTC" {
		t.Errorf("MaxLoadedAt = %s", got)
	}
	if f.SnapshotAt.IsZero() || f.SnapshotAt.Before(f.MaxLoadedAt) {
		t.Errorf("SnapshotAt = %v", f.SnapshotAt)
	}
	f, err = w.SourceFreshness(context.Background(), r, "loaded_at::date", "kind = 'a'")
	if err != nil {
		t.Fatal(err)
	}
	if got := f.MaxLoadedAt.Format("2006-01-02 15:04:05"); got != "2024-05-01 00:00:00" {
		t.Errorf("MaxLoadedAt = %s", got)
	}
	f, err = w.SourceFreshness(context.Background(), r, "loaded_at", "kind = 'none'")
	if err != nil || !f.MaxLoadedAt.IsZero() {
		t.Errorf("no rows: %v, %v", f.MaxLoadedAt, err)
	}
	if _, err := w.SourceFreshness(context.Background(), r, "kind", ""); err == nil || !strings.Contains(err.Error(), "must be a timestamp or a date") {
		t.Errorf("err = %v", err)
	}
	if _, err := w.SourceFreshness(context.Background(), warehouse.Relation{Schema: "s", Name: "nosuch"}, "x", ""); err == nil ||
		!strings.Contains(err.Error(), `read the freshness of "s"."nosuch": Catalog Error: Table with name nosuch does not exist!`) {
		t.Errorf("err = %v", err)
	}
}

func TestExec(t *testing.T) {
	w := openTest(t)
	if err := w.Exec(context.Background(), "operation.shop.on-run-start.0", invocation,
		"create table s.audit (ts timestamp, what varchar);\ninsert into s.audit values (now(), 'start')"); err != nil {
		t.Fatal(err)
	}
	want(t, w, `select what from s.audit`, "start")
	err := w.Exec(context.Background(), "operation.shop.on-run-end.0", invocation, "insert into s.audit values (now(), 'end');\nselect nosuch")
	if err == nil {
		t.Fatal("no error")
	}
	want(t, w, `select what from s.audit`, "start") // all or nothing
}

func TestHooksRollBackWithTheModel(t *testing.T) {
	w := openTest(t)
	mustExec(t, w, `create table s.log (msg varchar)`)
	mustBuild(t, w, build("orders", "table", "select 1 as id"))
	b := build("orders", "table", "select 2 as id")
	b.PreHooks = []string{"insert into s.log values ('pre')"}
	b.PostHooks = []string{"insert into s.log values ('post')", "", "select nosuch\nfrom s.orders"}
	_, err := tryBuild(t, w, b)
	var qe *warehouse.QueryError
	if err == nil || !strings.HasPrefix(err.Error(), "post_hook #3 failed at line 1, column 8: ") || !errors.As(err, &qe) {
		t.Fatalf("err = %v", err)
	}
	want(t, w, `select * from s.orders`, "1")
	want(t, w, `select count(*) from s.log`, "0")

	b.PostHooks = b.PostHooks[:1]
	mustBuild(t, w, b)
	want(t, w, `select * from s.orders`, "2")
	want(t, w, `select msg from s.log order by msg`, "post", "pre")
}

func TestOptions(t *testing.T) {
	w := openTest(t)
	b := build("orders", "table", "select 1 as id")
	b.Grants = map[string][]string{"select": {"reporter"}}
	if _, err := tryBuild(t, w, b); err == nil || !strings.Contains(err.Error(), "grants (select) cannot be applied: DuckDB has no roles") {
		t.Errorf("err = %v", err)
	}
	b.Grants = map[string][]string{"select": {}}
	b.LockWait, b.LockTimeout = 1, 1 // ignored
	mustBuild(t, w, b)

	b = build("slow", "table", "select count(*) as n from range(10000000000)")
	b.StatementTimeout = 200_000_000 // 200ms
	_, err := tryBuild(t, w, b)
	if err == nil || err.Error() != "the model's SQL: statement_timeout of 200ms exceeded" {
		t.Errorf("err = %v", err)
	}
}
