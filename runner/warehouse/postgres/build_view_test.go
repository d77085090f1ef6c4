package postgres

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestViewReplace(t *testing.T) {
	s := newSchema(t)
	reader := newRole(t, "vreader")
	v, dv := ident(s, "v"), ident(s, "dv")
	mustBuild(t, model(s, "v", "view", "select 1 as a, 'x'::text as b"))
	mustExec(t,
		"create view "+dv+" as select a, b from "+v,
		"grant select on "+v+" to "+reader,
		"comment on view "+v+" is 'model v'",
	)
	oid := queryString(t, "select $1::regclass::oid::text", v)

	// A compatible change (a column added at the end) replaces in place.
	res := mustBuild(t, model(s, "v", "view", "select 1 as a, 'y'::text as b, 2 as c"))
	if res.RowsAffected != -1 {
		t.Errorf("RowsAffected = %d, want -1 for a view", res.RowsAffected)
	}
	if n := len(res.Statements); n != 4 {
		t.Errorf("compatible change ran %d statements, want the advisory lock (3) and create or replace, trusting the catalog:\n%s", n, strings.Join(res.Statements, "\n;\n"))
	}
	if got := queryString(t, "select $1::regclass::oid::text", v); got != oid {
		t.Errorf("view was recreated (oid %s, was %s), want replaced in place", got, oid)
	}
	if got := queryString(t, "select b from "+dv); got != "y" {
		t.Errorf("dependent view sees b = %q", got)
	}

	// Changing a column's type is refused by CREATE OR REPLACE VIEW; kiln
	// rebuilds the view and its dependent.
	mustBuild(t, model(s, "v", "view", "select 'one'::text as a, 'z'::text as b"))
	if got := queryString(t, "select a || b from "+dv); got != "onez" {
		t.Errorf("dependent view after type change sees %q", got)
	}
	if got := relations(t, s); got != "dv:v v:v" {
		t.Errorf("relations = %q", got)
	}

	// Dropping a column the dependent uses fails and changes nothing.
	_, err := build(t, model(s, "v", "view", "select 'two'::text as a"))
	want := fmt.Sprintf(`dependent view "%s"."dv" cannot be rebuilt on the new "%s"."v": column v.b does not exist`, s, s)
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	if got := queryString(t, "select a || b from "+dv); got != "onez" {
		t.Errorf("dependent view after failed rebuild sees %q", got)
	}
	if got := relations(t, s); got != "dv:v v:v" {
		t.Errorf("relations = %q", got)
	}
}

func TestViewColumnChangesAreRecognised(t *testing.T) {
	s := newSchema(t)
	v := ident(s, "v")
	const orig = `select 1 as a, 2 as b, 'x'::text collate "POSIX" as t`
	for _, c := range []struct{ name, sql string }{
		{"drop", `select 1 as a, 2 as b`},
		{"rename", `select 1 as a, 2 as c, 'x'::text collate "POSIX" as t`},
		{"retype", `select 1 as a, 2::bigint as b, 'x'::text collate "POSIX" as t`},
		{"reorder", `select 2 as b, 1 as a, 'x'::text collate "POSIX" as t`},
		{"collation", `select 1 as a, 2 as b, 'x'::text collate "C" as t`},
	} {
		mustExec(t, "drop view if exists "+v, "create view "+v+" as "+orig)
		_, err := testAdmin.Exec(t.Context(), "create or replace view "+v+" as "+c.sql)
		var pgErr *pgconn.PgError
		errors.As(err, &pgErr)
		t.Logf("%s: %s %s %q", c.name, pgErr.Code, pgErr.Routine, pgErr.Message)
		if !viewColumnsChanged(err) {
			t.Errorf("%s: %v (%+v) not recognised as a column change", c.name, err, pgErr)
		}
	}
	// An error in the model's SQL is not a column change.
	_, err := testAdmin.Exec(t.Context(), "create or replace view "+v+" as select 1 as a, 'x' + 1 as b")
	if err == nil || viewColumnsChanged(err) {
		t.Errorf("model error taken for a column change: %v", err)
	}
}

func TestTableToViewAndBack(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "m", "table", "select 1 as id"))
	mustExec(t, "create view "+ident(s, "dep")+" as select id * 10 as x from "+ident(s, "m"))

	mustBuild(t, model(s, "m", "view", "select 2 as id"))
	if got := relations(t, s); got != "dep:v m:v" {
		t.Errorf("after table -> view: %q", got)
	}
	if got := queryString(t, "select x::text from "+ident(s, "dep")); got != "20" {
		t.Errorf("dependent after table -> view sees %s", got)
	}

	mustBuild(t, model(s, "m", "table", "select 3 as id"))
	if got := relations(t, s); got != "dep:v m:r" {
		t.Errorf("after view -> table: %q", got)
	}
	if got := queryString(t, "select x::text from "+ident(s, "dep")); got != "30" {
		t.Errorf("dependent after view -> table sees %s", got)
	}

	// A materialized view at the target is replaced the same way.
	mustExec(t, "drop view "+ident(s, "dep"), "drop table "+ident(s, "m"),
		"create materialized view "+ident(s, "m")+" as select 4 as id")
	mustBuild(t, model(s, "m", "view", "select 5 as id"))
	if got := relations(t, s); got != "m:v" {
		t.Errorf("after materialized view -> view: %q", got)
	}

	// Something kiln does not know how to replace is refused.
	mustExec(t, "drop view "+ident(s, "m"), "create sequence "+ident(s, "m"))
	_, err := build(t, model(s, "m", "table", "select 6 as id"))
	if err == nil || !strings.Contains(err.Error(), "is neither a table") {
		t.Errorf("building over a sequence, as the catalog says: %v", err)
	}
	_, err = testWH.Build(t.Context(), model(s, "m", "view", "select 6 as id")) // Existing unknown
	if err == nil || !strings.Contains(err.Error(), "is a sequence") {
		t.Errorf("building over a sequence, catalog not read: %v", err)
	}
}

// An error in a view's SQL points into it, whether the view is new or
// replaced, and changes nothing.
func TestViewModelErrorMapsToModelLine(t *testing.T) {
	s := newSchema(t)
	bad := "select\n  1 as id,\n  'héllo' || no_such_column as x"
	for _, existing := range []bool{false, true} {
		if existing {
			mustBuild(t, model(s, "v", "view", "select 1 as id"))
		}
		_, err := build(t, model(s, "v", "view", bad))
		var qe *warehouse.QueryError
		if !errors.As(err, &qe) || qe.Code != "42703" || qe.Line != 3 || qe.Col != 14 {
			t.Errorf("existing=%v: %#v, want a QueryError 42703 at 3:14", existing, err)
		}
	}
	if got := queryString(t, "select id::text from "+ident(s, "v")); got != "1" {
		t.Errorf("view changed: id = %s", got)
	}
}

// The catalog of the run is trusted, but not blindly: when a table has
// taken the place of the view since it was read, the view is swapped in.
func TestViewBuildOverStaleCatalog(t *testing.T) {
	s := newSchema(t)
	mustExec(t, "create table "+ident(s, "v")+" (id int)",
		"create view "+ident(s, "dep")+" as select id from "+ident(s, "v"))
	for _, existing := range []warehouse.Kind{warehouse.Absent, warehouse.View} {
		b := model(s, "v", "view", "select 7 as id")
		b.Existing = existing
		if _, err := testWH.Build(t.Context(), b); err != nil {
			t.Fatalf("catalog says %q: %v", existing, err)
		}
		if got := relations(t, s); got != "dep:v v:v" {
			t.Errorf("catalog says %q: relations = %q", existing, got)
		}
		if got := queryString(t, "select id::text from "+ident(s, "dep")); got != "7" {
			t.Errorf("dependent sees %s", got)
		}
		mustExec(t, "drop view "+ident(s, "dep"), "drop view "+ident(s, "v"),
			"create table "+ident(s, "v")+" (id int)", "create view "+ident(s, "dep")+" as select id from "+ident(s, "v"))
	}
}

// A model whose SQL holds a semicolon may be more than one statement; it
// is sent alone, as written, and its errors still point into it.
func TestViewModelWithSemicolon(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "v", "view", "select 'a;b' as x -- the end;"))
	if got := queryString(t, "select x from "+ident(s, "v")); got != "a;b" {
		t.Errorf("x = %q", got)
	}
	_, err := build(t, model(s, "v", "view", "select 'a;b' as x,\n  nope"))
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) || qe.Line != 2 || qe.Col != 3 {
		t.Errorf("%#v, want a QueryError at 2:3", err)
	}
}
