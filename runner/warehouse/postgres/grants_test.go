package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// grantsOn renders the privileges on rel, owner's excepted, as
// "role:privilege" sorted, PUBLIC as "public".
func grantsOn(t *testing.T, schema, name string) string {
	t.Helper()
	return queryString(t, `select coalesce(string_agg(r || ':' || lower(p), ' ' order by r, p), '') from (
		select case when x.grantee = 0 then 'public' else pg_get_userbyid(x.grantee)::text end as r, x.privilege_type as p
		from pg_class c, aclexplode(c.relacl) x where c.oid = $1::regclass and x.grantee <> c.relowner) g`, ident(schema, name))
}

// The grants config decides who holds the privileges it names, whatever the
// old relation had; other privileges are carried over untouched.
func TestGrantsFollowTheConfig(t *testing.T) {
	s := newSchema(t)
	a, b, c := newRole(t, "grant_a"), newRole(t, "grant_b"), newRole(t, "grant_c")
	build := func(materialized string, grants map[string][]string) {
		t.Helper()
		m := model(s, "t", materialized, "select 1 as id")
		if materialized == "incremental" {
			m = incremental(s, "t", "select 1 as id", warehouse.Incremental{})
		}
		m.Grants = grants
		mustBuild(t, m)
	}
	expect := func(step, want string) {
		t.Helper()
		if got := grantsOn(t, s, "t"); got != want {
			t.Errorf("%s: grants = %q, want %q", step, got, want)
		}
	}
	build("table", map[string][]string{"select": {a}})
	expect("first build", a+":select")

	mustExec(t, "grant insert on "+ident(s, "t")+" to "+ident(c))
	build("table", map[string][]string{"select": {b}})
	expect("select moved to b", fmt.Sprintf("%s:select %s:insert", b, c))

	build("table", nil)
	expect("no grants config", fmt.Sprintf("%s:select %s:insert", b, c))

	build("incremental", map[string][]string{"select": {a, "public"}, "insert": {}})
	expect("increment", fmt.Sprintf("%s:select public:select", a))

	build("table", map[string][]string{"SELECT": {}})
	expect("select to no one", "")
}

func TestGrantsOnViews(t *testing.T) {
	s := newSchema(t)
	a, b := newRole(t, "vgrant_a"), newRole(t, "vgrant_b")
	v := model(s, "t", "view", "select 1 as id")
	v.Grants = map[string][]string{"select": {a}}
	mustBuild(t, v)
	v.Grants = map[string][]string{"select": {b}}
	v.SQL = "select 'x'::text as id" // a new column type: the view is rebuilt and swapped in
	mustBuild(t, v)
	if got := grantsOn(t, s, "t"); got != b+":select" {
		t.Errorf("grants = %q", got)
	}
}

// A role that does not exist fails the build, which changes nothing.
func TestGrantToUnknownRoleFails(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "t", "table", "select 1 as id"))
	b := model(s, "t", "table", "select 2 as id")
	b.Grants = map[string][]string{"select": {"kiln no such role"}}
	_, err := build(t, b)
	want := fmt.Sprintf(`grant select on "%s"."t": role "kiln no such role" does not exist [SQLSTATE 42704]`, s)
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	if got := queryString(t, "select id::text from "+ident(s, "t")); got != "1" {
		t.Errorf("old table changed: %s", got)
	}
	if got := relations(t, s); !strings.EqualFold(got, "t:r") {
		t.Errorf("relations = %q", got)
	}
}
