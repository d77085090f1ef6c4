package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// incremental describes an incremental build in a test's schema. The
// first build of a test passes full.
func incremental(schema, name, sql string, inc warehouse.Incremental) warehouse.Build {
	b := model(schema, name, "incremental", sql)
	b.Incremental = &inc
	return b
}

// contents renders the rows of schema.t as "id:rest" joined by spaces, in
// id order; rest is every other column as text, "-" for NULL.
func contents(t *testing.T, schema, table string) string {
	t.Helper()
	return queryString(t, `select coalesce(string_agg(x, ' ' order by id), '') from (
		select r.id, r.id::text || ':' || array_to_string(array(
			select coalesce(j.value, '-') from json_each_text(row_to_json(r)) j where j.key <> 'id'), ',') as x
		from `+ident(schema, table)+` r) s`)
}

// orders creates src(id, status, amount) with three rows and builds the
// incremental model t from all of it.
func orders(t *testing.T, inc warehouse.Incremental) string {
	t.Helper()
	s := newSchema(t)
	mustExec(t, "create table "+ident(s, "src")+" (id int, status text, amount numeric(10,2))",
		"insert into "+ident(s, "src")+" values (1, 'new', 10), (2, 'new', 20), (3, 'new', 30)")
	inc.Full = true
	res := mustBuild(t, incremental(s, "t", "select id, status, amount from "+ident(s, "src"), inc))
	if res.RowsAffected != 3 {
		t.Errorf("first build: RowsAffected = %d, want 3", res.RowsAffected)
	}
	if got := relations(t, s); got != "src:r t:r" {
		t.Errorf("relations after the first build = %q", got)
	}
	return s
}

// changeOrders updates order 2 and adds order 4 in src; newRows selects
// them.
func changeOrders(t *testing.T, s string) (newRows string) {
	mustExec(t, "update "+ident(s, "src")+" set status = 'paid', amount = 21 where id = 2",
		"insert into "+ident(s, "src")+" values (4, 'new', 40)")
	return "select id, status, amount from " + ident(s, "src") + " where id in (2, 4)"
}

func TestIncrementalMerge(t *testing.T) {
	inc := warehouse.Incremental{UniqueKey: []string{"id"}}
	s := orders(t, inc)
	sql := changeOrders(t, s)
	res := mustBuild(t, incremental(s, "t", sql, inc))
	if res.RowsAffected != 2 {
		t.Errorf("RowsAffected = %d, want 2 (one update, one insert)", res.RowsAffected)
	}
	if got, want := contents(t, s, "t"), "1:new,10.00 2:paid,21.00 3:new,30.00 4:new,40.00"; got != want {
		t.Errorf("after merge: %s, want %s", got, want)
	}
	all := strings.Join(res.Statements, "\n")
	if !strings.Contains(all, "merge into") || strings.Contains(all, "delete from") {
		t.Errorf("default strategy with a key on PostgreSQL 15 is not merge:\n%s", all)
	}
	if got := relations(t, s); got != "src:r t:r" {
		t.Errorf("relations after the increment = %q", got)
	}
	for _, st := range res.Statements {
		if !strings.HasPrefix(st, "/* kiln node=model.test.t invocation=inv-") {
			t.Errorf("statement without the kiln comment:\n%s", st)
		}
	}
}

func TestIncrementalDeleteInsert(t *testing.T) {
	inc := warehouse.Incremental{UniqueKey: []string{"id"}, Strategy: "delete+insert"}
	s := orders(t, inc)
	sql := changeOrders(t, s)
	res := mustBuild(t, incremental(s, "t", sql, inc))
	if res.RowsAffected != 2 {
		t.Errorf("RowsAffected = %d, want 2 inserted", res.RowsAffected)
	}
	if got, want := contents(t, s, "t"), "1:new,10.00 2:paid,21.00 3:new,30.00 4:new,40.00"; got != want {
		t.Errorf("after delete+insert: %s, want %s", got, want)
	}
	all := strings.Join(res.Statements, "\n")
	if !strings.Contains(all, "delete from") || strings.Contains(all, " in (select") {
		t.Errorf("delete+insert statements:\n%s", all)
	}
}

func TestIncrementalAppend(t *testing.T) {
	s := orders(t, warehouse.Incremental{})
	sql := changeOrders(t, s)
	res := mustBuild(t, incremental(s, "t", sql, warehouse.Incremental{}))
	if res.RowsAffected != 2 {
		t.Errorf("RowsAffected = %d, want 2", res.RowsAffected)
	}
	if got := queryString(t, "select count(*)::text || ' ' || count(distinct id)::text from "+ident(s, "t")); got != "5 4" {
		t.Errorf("after append: rows, distinct ids = %s, want 5 4", got)
	}
}

// Before PostgreSQL 15 a unique key defaults to delete+insert.
func TestIncrementalDefaultBeforeMerge(t *testing.T) {
	inc := warehouse.Incremental{UniqueKey: []string{"id"}}
	s := orders(t, inc)
	sql := changeOrders(t, s)
	cfg, err := configFromURL(testAdmin.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	w, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.versionNum = 140011
	b := incremental(s, "t", sql, inc)
	b.Existing = warehouse.Table
	res, err := w.Build(t.Context(), b)
	if err != nil {
		t.Fatal(err)
	}
	if all := strings.Join(res.Statements, "\n"); !strings.Contains(all, "delete from") || strings.Contains(all, "merge into") {
		t.Errorf("statements:\n%s", all)
	}
	if got, want := contents(t, s, "t"), "1:new,10.00 2:paid,21.00 3:new,30.00 4:new,40.00"; got != want {
		t.Errorf("after delete+insert: %s, want %s", got, want)
	}
	b.Incremental = &warehouse.Incremental{UniqueKey: []string{"id"}, Strategy: "merge"}
	_, err = w.Build(t.Context(), b)
	if err == nil || !strings.Contains(err.Error(), "needs PostgreSQL 15") {
		t.Errorf("explicit merge on 14: %v", err)
	}
}

func TestIncrementalCompositeKeyAndPredicates(t *testing.T) {
	for _, strategy := range []string{"merge", "delete+insert"} {
		t.Run(strategy, func(t *testing.T) {
			s := newSchema(t)
			src := ident(s, "src")
			mustExec(t, "create table "+src+" (order_id int, line int, qty int, day int)",
				"insert into "+src+" values (1, 1, 5, 1), (1, 2, 6, 1), (2, 1, 7, 9)")
			inc := warehouse.Incremental{UniqueKey: []string{"order_id", "line"}, Strategy: strategy, Full: true}
			sel := "select order_id * 10 + line as id, order_id, line, qty, day from " + src
			mustBuild(t, incremental(s, "t", sel, inc))

			// Only rows of day >= 5 may be replaced: (1,1) is outside the
			// window, so its new version is added beside the old one, as
			// in dbt. (2,1) is replaced; (2,2) is new.
			mustExec(t, "delete from "+src, "insert into "+src+" values (1, 1, 50, 1), (2, 1, 70, 9), (2, 2, 80, 9)")
			inc.Full = false
			inc.Predicates = []string{"DBT_INTERNAL_DEST.day >= 5"}
			res := mustBuild(t, incremental(s, "t", sel, inc))
			if res.RowsAffected != 3 {
				t.Errorf("RowsAffected = %d, want 3", res.RowsAffected)
			}
			got := queryString(t, "select string_agg(order_id || '.' || line || '=' || qty, ' ' order by order_id, line, qty) from "+ident(s, "t"))
			if want := "1.1=5 1.1=50 1.2=6 2.1=70 2.2=80"; got != want {
				t.Errorf("rows: %s, want %s", got, want)
			}
		})
	}
}

// assertUnchanged checks that t still holds what orders built.
func assertUnchanged(t *testing.T, s string) {
	t.Helper()
	if got, want := contents(t, s, "t"), "1:new,10.00 2:new,20.00 3:new,30.00"; got != want {
		t.Errorf("table changed: %s, want %s", got, want)
	}
	if got := relations(t, s); got != "src:r t:r" {
		t.Errorf("relations = %q", got)
	}
	if got := queryString(t, "select string_agg(attname, ',' order by attnum) from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped",
		ident(s, "t")); got != "id,status,amount" {
		t.Errorf("columns changed: %s", got)
	}
}

func TestIncrementalRejectsNullKey(t *testing.T) {
	for _, strategy := range []string{"merge", "delete+insert"} {
		t.Run(strategy, func(t *testing.T) {
			inc := warehouse.Incremental{UniqueKey: []string{"id", "status"}, Strategy: strategy}
			s := orders(t, inc)
			sql := "select * from (values (2, 'x'::text, 1.0), (null, 'y', 2.0), (5, null, 3.0), (null, null, 4.0)) v(id, status, amount)"
			_, err := build(t, incremental(s, "t", sql, inc))
			want := `unique_key (id, status) is null in 3 of the new rows, which kiln cannot match with the table; ` +
				`nothing was changed. For example: {"id":null,"status":"y","amount":2.0}; {"id":5,"status":null,"amount":3.0}; ` +
				`{"id":null,"status":null,"amount":4.0}`
			if err == nil || err.Error() != want {
				t.Errorf("error:\n got %v\nwant %s", err, want)
			}
			assertUnchanged(t, s)
		})
	}
}

func TestIncrementalRejectsDuplicateKey(t *testing.T) {
	inc := warehouse.Incremental{UniqueKey: []string{"id"}}
	s := orders(t, inc)
	sql := "select g % 4 as id, 'dup'::text as status, g::numeric as amount from generate_series(1, 11) g"
	_, err := build(t, incremental(s, "t", sql, inc))
	want := "unique_key id is not unique in the new rows: 4 key values appear more than once, so kiln cannot tell " +
		"which row is the new one; nothing was changed. For example: id=1 (3 rows), id=2 (3 rows), id=3 (3 rows), id=0 (2 rows)"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	assertUnchanged(t, s)

	// At most five examples, the most repeated first.
	sql = "select g % 9 as id, 'dup'::text as status, g::numeric as amount from generate_series(1, 20) g"
	_, err = build(t, incremental(s, "t", sql, inc))
	want = "9 key values appear more than once, so kiln cannot tell which row is the new one; nothing was changed. " +
		"For example: id=1 (3 rows), id=2 (3 rows), id=0 (2 rows), id=3 (2 rows), id=4 (2 rows)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error:\n got %v\nwant ...%s", err, want)
	}
	assertUnchanged(t, s)
}

// A NULL key is reported before duplicates, as when the checks were two
// queries, though the unique index fails first.
func TestIncrementalRejectsNullKeyBeforeDuplicates(t *testing.T) {
	for _, strategy := range []string{"merge", "delete+insert"} {
		t.Run(strategy, func(t *testing.T) {
			inc := warehouse.Incremental{UniqueKey: []string{"id"}, Strategy: strategy}
			s := orders(t, inc)
			sql := "select * from (values (2, 'x'::text, 1.0), (2, 'y', 2.0), (null, 'z', 3.0)) v(id, status, amount)"
			res, err := build(t, incremental(s, "t", sql, inc))
			want := `unique_key id is null in 1 of the new rows, which kiln cannot match with the table; ` +
				`nothing was changed. For example: {"id":null,"status":"z","amount":3.0}`
			if err == nil || err.Error() != want {
				t.Errorf("error:\n got %v\nwant %s", err, want)
			}
			if all := strings.Join(res.Statements, "\n"); !strings.Contains(all, "rollback to savepoint") {
				t.Errorf("the failed index was not followed by the queries that name the rows:\n%s", all)
			}
			assertUnchanged(t, s)

			sql = "select * from (values (2, 'x'::text, 1.0), (2, 'y', 2.0), (7, 'z', 3.0), (7, 'z', 3.0)) v(id, status, amount)"
			_, err = build(t, incremental(s, "t", sql, inc))
			want = "unique_key id is not unique in the new rows: 2 key values appear more than once, so kiln cannot tell " +
				"which row is the new one; nothing was changed. For example: id=2 (2 rows), id=7 (2 rows)"
			if err == nil || err.Error() != want {
				t.Errorf("error:\n got %v\nwant %s", err, want)
			}
			assertUnchanged(t, s)
		})
	}
}

// A key a btree index cannot hold, too long or of a type without a btree
// operator class, is checked by grouping the rows instead.
func TestIncrementalKeyWithoutBtreeIndex(t *testing.T) {
	// md5 digests do not compress: 200 of them make a 6,400-byte key, more
	// than a btree entry holds (about 2,700 bytes). xid has a hash operator
	// class, which GROUP BY and the merge's hash join use, but no btree one.
	long := "(select string_agg(md5(i::text || '-' || v.n::text), '') from generate_series(1, 200) i)"
	for _, c := range []struct{ name, first, next, dup, want string }{
		{name: "too long",
			first: "select n, " + long + " as k, 'a'::text as note from (values (1), (2)) v(n)",
			next:  "select n, " + long + " as k, 'b'::text as note from (values (2), (3)) v(n)",
			dup:   "select n, " + long + " as k, 'c'::text as note from (values (3), (3)) v(n)",
			want:  "unique_key k is not unique in the new rows: 1 key value appears more than once"},
		{name: "no btree operator class",
			first: "select n, n::text::xid as k, 'a'::text as note from (values (1), (2)) v(n)",
			next:  "select n, n::text::xid as k, 'b'::text as note from (values (2), (3)) v(n)",
			dup:   "select n, n::text::xid as k, 'c'::text as note from (values (3), (3)) v(n)",
			want: "unique_key k is not unique in the new rows: 1 key value appears more than once, so kiln cannot " +
				"tell which row is the new one; nothing was changed. For example: k=3 (2 rows)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := newSchema(t)
			inc := warehouse.Incremental{UniqueKey: []string{"k"}, Full: true}
			mustBuild(t, incremental(s, "t", c.first, inc))
			inc.Full = false
			res := mustBuild(t, incremental(s, "t", c.next, inc))
			if res.RowsAffected != 2 {
				t.Errorf("RowsAffected = %d, want 2", res.RowsAffected)
			}
			if all := strings.Join(res.Statements, "\n"); !strings.Contains(all, "rollback to savepoint") {
				t.Errorf("the key was indexed; the test checks the other way:\n%s", all)
			}
			rows := "select string_agg(n || note, ',' order by n) from " + ident(s, "t")
			if got := queryString(t, rows); got != "1a,2b,3b" {
				t.Errorf("rows after the increment: %s, want 1a,2b,3b", got)
			}
			_, err := build(t, incremental(s, "t", c.dup, inc))
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error:\n got %v\nwant %s...", err, c.want)
			}
			if got := queryString(t, rows); got != "1a,2b,3b" {
				t.Errorf("rows after the refused increment: %s, want 1a,2b,3b", got)
			}
		})
	}
}

func TestIncrementalUnknownStrategyTouchesNothing(t *testing.T) {
	s := orders(t, warehouse.Incremental{})
	res, err := build(t, incremental(s, "t", "select 1", warehouse.Incremental{Strategy: "insert_overwrite"}))
	if err == nil || err.Error() != `unknown incremental_strategy "insert_overwrite" (use append, merge or delete+insert)` {
		t.Errorf("error: %v", err)
	}
	if len(res.Statements) != 0 {
		t.Errorf("statements sent: %v", res.Statements)
	}
	assertUnchanged(t, s)
}

func TestIncrementalOnSchemaChange(t *testing.T) {
	// The model drops amount, adds note, and widens id to bigint.
	newSQL := "select id::bigint as id, 'paid'::text as status, 'hello'::varchar(10) as note from (values (2), (4)) v(id)"
	for _, c := range []struct {
		mode    string
		err     string
		rows    string
		columns string
	}{
		{mode: "ignore", rows: "1:new,10.00 2:paid,20.00 3:new,30.00 4:paid,-", columns: "id integer,status text,amount numeric(10,2)"},
		{mode: "fail", err: "on_schema_change is 'fail' and the model's columns differ from %s: added note (character varying(10)); " +
			"removed amount (numeric(10,2)); changed id from integer to bigint; nothing was changed (change on_schema_change, " +
			"or rebuild the table with --full-refresh)"},
		{mode: "append_new_columns", rows: "1:new,10.00,- 2:paid,20.00,hello 3:new,30.00,- 4:paid,-,hello",
			columns: "id integer,status text,amount numeric(10,2),note character varying(10)"},
		{mode: "sync_all_columns", rows: "1:new,- 2:paid,hello 3:new,- 4:paid,hello",
			columns: "id bigint,status text,note character varying(10)"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			inc := warehouse.Incremental{UniqueKey: []string{"id"}, OnSchemaChange: c.mode}
			s := orders(t, inc)
			res, err := build(t, incremental(s, "t", newSQL, inc))
			if c.err != "" {
				if want := fmt.Sprintf(c.err, ident(s, "t")); err == nil || err.Error() != want {
					t.Errorf("error:\n got %v\nwant %s", err, want)
				}
				assertUnchanged(t, s)
				return
			}
			if err != nil {
				t.Fatalf("%v\n%s", err, strings.Join(res.Statements, "\n;\n"))
			}
			if got := contents(t, s, "t"); got != c.rows {
				t.Errorf("rows %s, want %s", got, c.rows)
			}
			if got := queryString(t, "select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ',' order by attnum) from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped",
				ident(s, "t")); got != c.columns {
				t.Errorf("columns %s, want %s", got, c.columns)
			}
		})
	}
}

func TestIncrementalSyncRefusesUnsafeAndDependentChanges(t *testing.T) {
	inc := warehouse.Incremental{UniqueKey: []string{"id"}, OnSchemaChange: "sync_all_columns"}
	s := orders(t, inc)

	// A change that could lose data is refused before anything is altered.
	_, err := build(t, incremental(s, "t", "select 4 as id, 5 as status, 1.5 as amount", inc))
	want := fmt.Sprintf(`on_schema_change is 'sync_all_columns' but column "status" of %s cannot change from text to integer`, ident(s, "t"))
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error:\n got %v\nwant %s...", err, want)
	}
	assertUnchanged(t, s)

	// A narrower type in the model keeps the table's wider one.
	mustBuild(t, incremental(s, "t", "select 4::smallint as id, 'x'::text as status, 4::numeric(10,2) as amount", inc))
	if got := queryString(t, "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = $1::regclass and attname = 'id'", ident(s, "t")); got != "integer" {
		t.Errorf("id narrowed to %s", got)
	}

	// Dropping a column a view uses fails, names the view, changes nothing.
	mustExec(t, "delete from "+ident(s, "t")+" where id = 4", "create view "+ident(s, "v")+" as select id, amount from "+ident(s, "t"))
	_, err = build(t, incremental(s, "t", "select 4 as id, 'x'::text as status", inc))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "2BP01" || !strings.Contains(err.Error(), fmt.Sprintf("view %s.v depends on column amount", s)) {
		t.Errorf("dropping a column a view uses: %v", err)
	}
	if got, want := contents(t, s, "t"), "1:new,10.00 2:new,20.00 3:new,30.00"; got != want {
		t.Errorf("table changed: %s", got)
	}
	if got := relations(t, s); got != "src:r t:r v:v" {
		t.Errorf("relations = %q", got)
	}
}

// A failure while applying the rows, or in the model's SQL, leaves the table
// as it was.
func TestIncrementalFailureLeavesTableUnchanged(t *testing.T) {
	inc := warehouse.Incremental{UniqueKey: []string{"id"}}
	s := orders(t, inc)
	mustExec(t, "alter table "+ident(s, "t")+" add constraint small check (amount < 100)")
	// Row 2 is updated and row 4 inserted before row 5 breaks the check.
	sql := "select * from (values (2, 'paid', 1.0), (4, 'new', 2.0), (5, 'big', 500.0)) v(id, status, amount)"
	for _, strategy := range []string{"merge", "delete+insert", "append"} {
		inc.Strategy = strategy
		_, err := build(t, incremental(s, "t", sql, inc))
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23514" {
			t.Errorf("%s: error %v, want a check violation", strategy, err)
		}
		assertUnchanged(t, s)
	}

	// The model's own error maps to its line.
	_, err := build(t, incremental(s, "t", "select id,\n  status,\n  amount / 0 as amount\nfrom "+ident(s, "src"), inc))
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) || qe.Code != "22012" {
		t.Errorf("division by zero: %#v", err)
	}
	_, err = build(t, incremental(s, "t", "select id,\n  statuss\nfrom "+ident(s, "src"), inc))
	if !errors.As(err, &qe) || qe.Code != "42703" || qe.Line != 2 || qe.Col != 3 {
		t.Errorf("unknown column: %#v", err)
	}
	assertUnchanged(t, s)
}

// An increment planned on a table that is gone, or is a view now, is
// refused: its SQL selects only the new rows.
func TestIncrementalTargetChangedSinceThePlan(t *testing.T) {
	s := newSchema(t)
	b := incremental(s, "t", "select 1 as id", warehouse.Incremental{})
	b.Existing = warehouse.Table
	_, err := testWH.Build(t.Context(), b)
	if err == nil || err.Error() != fmt.Sprintf("%s does not exist any more; it was a table when the run started, so the model "+
		"selected only new rows: run again to build it whole", ident(s, "t")) {
		t.Errorf("absent: %v", err)
	}
	mustExec(t, "create view "+ident(s, "t")+" as select 1 as id")
	_, err = testWH.Build(t.Context(), b)
	if err == nil || !strings.HasPrefix(err.Error(), ident(s, "t")+" is a view now") {
		t.Errorf("view: %v", err)
	}
	if got := relations(t, s); got != "t:v" {
		t.Errorf("relations = %q", got)
	}
}

// A full build over a view replaces it with a table and keeps the views
// that depend on it.
func TestIncrementalFullOverViewWithDependent(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "t", "view", "select 1 as id, 'a'::text as status"))
	mustExec(t, "create view "+ident(s, "dep")+" as select id, status from "+ident(s, "t"),
		"comment on view "+ident(s, "t")+" is 'was a view'")
	res := mustBuild(t, incremental(s, "t", "select g as id, 'b'::text as status from generate_series(1, 3) g",
		warehouse.Incremental{Full: true, UniqueKey: []string{"id"}}))
	if res.RowsAffected != 3 {
		t.Errorf("RowsAffected = %d", res.RowsAffected)
	}
	if got := relations(t, s); got != "dep:v t:r" {
		t.Errorf("relations = %q", got)
	}
	if got := queryString(t, "select string_agg(id || status, ',' order by id) from "+ident(s, "dep")); got != "1b,2b,3b" {
		t.Errorf("dependent sees %s", got)
	}
	if got := queryString(t, "select obj_description($1::regclass, 'pg_class')", ident(s, "t")); got != "was a view" {
		t.Errorf("comment = %q", got)
	}
	// The next run is an increment on the new table.
	mustBuild(t, incremental(s, "t", "select 3 as id, 'c'::text as status", warehouse.Incremental{UniqueKey: []string{"id"}}))
	if got := queryString(t, "select string_agg(id || status, ',' order by id) from "+ident(s, "dep")); got != "1b,2b,3c" {
		t.Errorf("dependent sees %s after the increment", got)
	}
}

// A rebuilt table keeps the grants and comments of the one it replaces, on
// the columns it still has.
func TestRebuildKeepsOwnGrantsAndComments(t *testing.T) {
	for _, materialized := range []string{"table", "incremental"} {
		t.Run(materialized, func(t *testing.T) {
			s := newSchema(t)
			reader := newRole(t, "own_reader")
			tbl := ident(s, "t")
			first := model(s, "t", "table", "select 1 as id, 'x'::text as name, 2 as gone")
			mustBuild(t, first)
			mustExec(t,
				"grant select on "+tbl+" to "+ident(reader)+" with grant option",
				"grant update (name) on "+tbl+" to "+ident(reader),
				"grant insert (gone) on "+tbl+" to "+ident(reader),
				"grant select on "+tbl+" to public",
				"comment on table "+tbl+" is 'the t table, it''s kept'",
				"comment on column "+ident(s, "t", "name")+" is 'a name'",
				"comment on column "+ident(s, "t", "gone")+" is 'going'",
			)
			b := model(s, "t", materialized, "select 2 as id, 'y'::text as name")
			if materialized == "incremental" {
				b.Incremental = &warehouse.Incremental{Full: true}
			}
			mustBuild(t, b)
			for _, c := range []struct{ sql, want string }{
				{"select name from " + tbl, "y"},
				{"select has_table_privilege('" + reader + "', $1::regclass, 'select with grant option')::text", "true"},
				{"select has_column_privilege('" + reader + "', $1::regclass, 'name', 'update')::text", "true"},
				{"select has_column_privilege('" + reader + "', $1::regclass, 'id', 'update')::text", "false"},
				{"select has_table_privilege('public', $1::regclass, 'select')::text", "true"},
				{"select obj_description($1::regclass, 'pg_class')", "the t table, it's kept"},
				{"select col_description($1::regclass, 2)", "a name"},
				{"select count(*)::text from pg_description where objoid = $1::regclass", "2"},
			} {
				var args []any
				if strings.Contains(c.sql, "$1") {
					args = append(args, tbl)
				}
				if got := queryString(t, c.sql, args...); got != c.want {
					t.Errorf("%s = %q, want %q", c.sql, got, c.want)
				}
			}
		})
	}
}

// Increments of two runs at once are applied one after the other: the
// second sees the rows of the first, so neither adds what the other did.
func TestConcurrentIncrementsSerialize(t *testing.T) {
	s := newSchema(t)
	tbl := ident(s, "t")
	mustBuild(t, incremental(s, "t", "select 0 as id", warehouse.Incremental{Full: true}))
	sql := "select m + g as id from (select max(id) as m from " + tbl + ") x, generate_series(1, 10) g, pg_sleep(0.2)"
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := incremental(s, "t", sql, warehouse.Incremental{})
			b.Existing = warehouse.Table
			_, errs[i] = testWH.Build(context.Background(), b)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := queryString(t, "select count(*) || ' ' || count(distinct id) || ' ' || max(id) from "+tbl); got != "41 41 40" {
		t.Errorf("rows, distinct ids, max id = %s, want 41 41 40", got)
	}
}
