package postgres

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

func TestTableFirstBuild(t *testing.T) {
	s := newSchema(t)
	res := mustBuild(t, model(s, "t", "table", "select g as id from generate_series(1, 5) g"))
	if res.RowsAffected != 5 {
		t.Errorf("RowsAffected = %d, want 5", res.RowsAffected)
	}
	if got := relations(t, s); got != "t:r" {
		t.Errorf("relations = %q, want only t:r", got)
	}
	if got := queryString(t, "select sum(id)::text from "+ident(s, "t")); got != "15" {
		t.Errorf("sum(id) = %s", got)
	}
	for _, st := range res.Statements {
		if !strings.HasPrefix(st, "/* kiln node=model.test.t invocation=inv-") {
			t.Errorf("statement without the kiln comment:\n%s", st)
		}
	}
}

// newRole creates a role whose name is unique to this process (roles are global to
// the cluster) and drops it, with what it owns, when the test ends.
func newRole(t *testing.T, name string) string {
	t.Helper()
	role := fmt.Sprintf("kiln_%s_%d", name, os.Getpid())
	mustExec(t, "create role "+ident(role))
	t.Cleanup(func() {
		mustExec(t, "drop owned by "+ident(role)+" cascade", "drop role "+ident(role))
	})
	return role
}

func TestTableRebuildKeepsDependents(t *testing.T) {
	s := newSchema(t)
	reader := newRole(t, "reader")
	owner := newRole(t, "owner")
	mustBuild(t, model(s, "t", "table", "select 1 as id, 'old'::text as name"))
	tbl, v, v2, m := ident(s, "t"), ident(s, "v"), ident(s, "v2"), ident(s, "m")
	mustExec(t,
		"create view "+v+" with (security_barrier = true) as select id, name from "+tbl,
		"comment on view "+v+" is 'the v view, it''s documented'",
		"comment on column "+ident(s, "v", "name")+` is 'a name with a \ backslash'`,
		"grant select on "+v+" to "+reader,
		"grant update (name) on "+v+" to "+reader,
		"create view "+v2+" as select name || '!' as shout from "+v+" where id > 0",
		"grant usage on schema "+ident(s)+" to "+owner,
		"grant select on "+v+" to "+owner,
		"alter view "+v2+" owner to "+owner,
		"grant select on "+v2+" to "+reader+" with grant option",
		"create materialized view "+m+" as select v.id, v2.shout from "+v+" cross join "+v2,
		"create unique index m_id on "+m+" (id)",
	)
	res := mustBuild(t, model(s, "t", "table", "select 2 as id, 'new'::text as name, true as extra"))
	if res.RowsAffected != 1 {
		t.Errorf("RowsAffected = %d", res.RowsAffected)
	}

	if got := relations(t, s); got != "m:m m_id:i t:r v:v v2:v" {
		t.Errorf("relations after rebuild = %q", got)
	}
	checks := []struct{ sql, want string }{
		{"select name from " + v, "new"},
		{"select shout from " + v2, "new!"},
		{"select shout from " + m, "new!"},
		{"select obj_description($1::regclass, 'pg_class')", "the v view, it's documented"},
		{"select col_description($1::regclass, 2)", `a name with a \ backslash`},
		{"select array_to_string(reloptions, ',') from pg_class where oid = $1::regclass", "security_barrier=true"},
		{"select has_table_privilege('" + reader + "', $1::regclass, 'select')::text", "true"},
		{"select has_column_privilege('" + reader + "', $1::regclass, 'name', 'update')::text", "true"},
		{"select has_column_privilege('" + reader + "', $1::regclass, 'id', 'update')::text", "false"},
		{"select has_table_privilege('" + reader + "', '" + v2 + "', 'select with grant option')::text", "true"},
		{"select pg_get_userbyid(relowner)::text from pg_class where oid = '" + v2 + "'::regclass", owner},
		{"select pg_get_indexdef('" + ident(s, "m_id") + "'::regclass)", "CREATE UNIQUE INDEX m_id ON " + s + ".m USING btree (id)"},
	}
	for _, c := range checks {
		var args []any
		if strings.Contains(c.sql, "$1") {
			args = append(args, v)
		}
		if got := queryString(t, c.sql, args...); got != c.want {
			t.Errorf("%s = %q, want %q", c.sql, got, c.want)
		}
	}
}

func TestTableRebuildDroppingUsedColumnFails(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "t", "table", "select 1 as id, 'old'::text as name"))
	mustExec(t,
		"create view "+ident(s, "v")+" as select id, name from "+ident(s, "t"),
		"create view "+ident(s, "w")+" as select id from "+ident(s, "v"))
	res, err := build(t, model(s, "t", "table", "select 2 as id"))
	if err == nil {
		t.Fatal("rebuild that drops a column a view uses succeeded")
	}
	want := fmt.Sprintf(`dependent view "%s"."v" cannot be rebuilt on the new "%s"."t": column t.name does not exist`, s, s)
	if err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "42703" {
		t.Errorf("error does not wrap the server's 42703: %#v", err)
	}
	if len(res.Statements) == 0 {
		t.Error("no statements reported for a failed build")
	}
	if got := relations(t, s); got != "t:r v:v w:v" {
		t.Errorf("relations after failed rebuild = %q", got)
	}
	if got := queryString(t, "select name || id from "+ident(s, "v")+" join "+ident(s, "w")+" using (id)"); got != "old1" {
		t.Errorf("old data through the views = %q", got)
	}
}

func TestTableModelErrorMapsToModelLine(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "t", "table", "select 1 as id"))
	b := model(s, "t", "table", "select\n  id,\n  'héllo' || no_such_column\nfrom (select 1 as id) x")
	b.NodeID = "model.tést.t" // multi-byte characters before the model's SQL, too
	_, err := build(t, b)
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) {
		t.Fatalf("error is %T, not a *warehouse.QueryError: %v", err, err)
	}
	if qe.Code != "42703" || qe.Line != 3 || qe.Col != 14 {
		t.Errorf("QueryError = %+v, want 42703 at 3:14", qe)
	}
	if got := relations(t, s); got != "t:r" {
		t.Errorf("relations after failed build = %q", got)
	}
	if got := queryString(t, "select id::text from "+ident(s, "t")); got != "1" {
		t.Errorf("old table changed: id = %s", got)
	}

	// An error without a position (raised while running) has Line 0.
	_, err = build(t, model(s, "t", "table", "select 1 / 0 as id"))
	if !errors.As(err, &qe) || qe.Code != "22012" || qe.Line != 0 {
		t.Errorf("division by zero: %#v", err)
	}
}

func TestBuildRefusesBadRequests(t *testing.T) {
	_, err := testWH.Build(t.Context(), model("s", "t", "ephemeral", "select 1"))
	if err == nil || !strings.Contains(err.Error(), `materialized="ephemeral"`) {
		t.Errorf("ephemeral: %v", err)
	}
	_, err = testWH.Build(t.Context(), model("s", "t", "incremental", "select 1"))
	if err == nil || !strings.Contains(err.Error(), "without its incremental settings") {
		t.Errorf("incremental without settings: %v", err)
	}
	_, err = testWH.Build(t.Context(), model("s", strings.Repeat("x", 64), "table", "select 1"))
	if err == nil || !strings.Contains(err.Error(), "limited to 63 bytes") {
		t.Errorf("64-byte name: %v", err)
	}
	_, err = testWH.Build(t.Context(), model("", "t", "table", "select 1"))
	if err == nil || !strings.Contains(err.Error(), "empty schema") {
		t.Errorf("empty schema: %v", err)
	}
}

// Objects kiln cannot rebuild, such as a foreign key from another table,
// make the build fail rather than be dropped.
func TestTableRebuildRefusesToDropForeignKey(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "t", "table", "select 1 as id"))
	mustExec(t,
		"alter table "+ident(s, "t")+" add primary key (id)",
		"create table "+ident(s, "child")+" (id int references "+ident(s, "t")+")")
	_, err := build(t, model(s, "t", "table", "select 2 as id"))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "2BP01" {
		t.Fatalf("rebuild under a foreign key: %v", err)
	}
	if !strings.HasPrefix(err.Error(), fmt.Sprintf(`drop the old "%s"."t": `, s)) {
		t.Errorf("error = %v", err)
	}
	if got := relations(t, s); got != "child:r t:r t_pkey:i" {
		t.Errorf("relations = %q", got)
	}
}

// A failure at COMMIT, such as a deferred constraint, fails the build and
// leaves the old table.
func TestCommitFailureLeavesTheOldTable(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "t", "table", "select 1 as id"))
	mustExec(t, "create table "+ident(s, "x")+" (id int primary key deferrable initially deferred)")
	b := model(s, "t", "table", "select 2 as id")
	b.PostHooks = []string{"insert into " + ident(s, "x") + " values (1), (1)"}
	res, err := build(t, b)
	want := `commit: duplicate key value violates unique constraint "x_pkey": Key (id)=(1) already exists. [SQLSTATE 23505]`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	if last := res.Statements[len(res.Statements)-1]; !strings.Contains(last, "insert into") {
		t.Errorf("last statement:\n%s", last)
	}
	if got := queryString(t, "select id::text from "+ident(s, "t")); got != "1" {
		t.Errorf("old table changed: %s", got)
	}
	if got := relations(t, s); got != "t:r x:r x_pkey:i" {
		t.Errorf("relations = %q", got)
	}
}
