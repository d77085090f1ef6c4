package postgres

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// withAudit creates the table t (id 1) and audit(what, n) in a new schema.
func withAudit(t *testing.T) (s, audit string) {
	t.Helper()
	s = newSchema(t)
	mustBuild(t, model(s, "t", "table", "select 1 as id"))
	audit = ident(s, "audit")
	mustExec(t, "create table "+audit+" (what text, n bigint)")
	return s, audit
}

// auditRows renders audit as "what:n" in insertion order.
func auditRows(t *testing.T, audit string) string {
	t.Helper()
	return queryString(t, "select coalesce(string_agg(what || ':' || n, ' ' order by ctid), '') from "+audit)
}

// Pre-hooks see the old table and post-hooks the new one, in the build's
// transaction; the search_path the pre-hooks set holds in the post-hooks,
// after the swap's own.
func TestHooksRunAroundTheBuild(t *testing.T) {
	s, audit := withAudit(t)
	tbl := ident(s, "t")
	b := model(s, "t", "table", "select g as id from generate_series(1, 3) g")
	b.PreHooks = []string{
		"insert into " + audit + " select 'pre', count(*) from " + tbl,
		"set local search_path = " + ident(s),
	}
	b.PostHooks = []string{"insert into audit select 'post', count(*) from t"} // unqualified
	res := mustBuild(t, b)
	if got := auditRows(t, audit); got != "pre:1 post:3" {
		t.Errorf("audit = %q, want pre:1 post:3", got)
	}
	if got := relations(t, s); got != "audit:r t:r" {
		t.Errorf("relations = %q", got)
	}
	at := func(sub string) int {
		return slices.IndexFunc(res.Statements, func(st string) bool { return strings.Contains(st, sub) })
	}
	if !(at("pg_advisory_xact_lock") < at("'pre'") && at("'pre'") < at("create table") &&
		at("drop table") < at("'post'")) {
		t.Errorf("statements out of order:\n%s", strings.Join(res.Statements, "\n;\n"))
	}
	for _, st := range res.Statements {
		if !strings.HasPrefix(st, "/* kiln node=model.test.t invocation=") {
			t.Errorf("statement without the kiln comment:\n%s", st)
		}
	}
}

// A post-hook that fails rolls back the build and the pre-hooks.
func TestFailingPostHookRollsBackEverything(t *testing.T) {
	s, audit := withAudit(t)
	b := model(s, "t", "table", "select 2 as id")
	b.PreHooks = []string{"insert into " + audit + " values ('pre', 0)"}
	b.PostHooks = []string{"select 1", "select 1 / 0"}
	_, err := build(t, b)
	if err == nil || err.Error() != "post_hook #2 failed: division by zero [SQLSTATE 22012]" {
		t.Errorf("error = %v", err)
	}
	if got := auditRows(t, audit); got != "" {
		t.Errorf("audit = %q, want the pre-hook's row rolled back", got)
	}
	if got := queryString(t, "select id::text from "+ident(s, "t")); got != "1" {
		t.Errorf("old table changed: %s", got)
	}
	if got := relations(t, s); got != "audit:r t:r" {
		t.Errorf("relations = %q", got)
	}
}

// A failing pre-hook names itself and its line and column.
func TestFailingPreHookSaysWhere(t *testing.T) {
	s, audit := withAudit(t)
	b := model(s, "t", "table", "select 2 as id")
	b.PreHooks = []string{"insert into " + audit + " values ('pre', 0)", "select\n  what,\n  no_such_column\nfrom " + audit}
	_, err := build(t, b)
	want := `pre_hook #2 failed at line 3, column 3: column "no_such_column" does not exist [SQLSTATE 42703]`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) || qe.Line != 3 {
		t.Errorf("error does not wrap a QueryError at line 3: %#v", err)
	}
	if got := auditRows(t, audit); got != "" {
		t.Errorf("audit = %q", got)
	}
	if got := queryString(t, "select id::text from "+ident(s, "t")); got != "1" {
		t.Errorf("old table changed: %s", got)
	}
}

// Views and increments run their hooks too.
func TestHooksOfViewsAndIncrements(t *testing.T) {
	s, audit := withAudit(t)
	v := model(s, "v", "view", "select 1 as id")
	v.PreHooks = []string{"insert into " + audit + " values ('view pre', 0)"}
	v.PostHooks = []string{"insert into " + audit + " select 'view post', count(*) from " + ident(s, "v")}
	mustBuild(t, v)

	inc := incremental(s, "t", "select 2 as id", warehouse.Incremental{})
	inc.PreHooks = []string{"insert into " + audit + " select 'inc pre', count(*) from " + ident(s, "t")}
	inc.PostHooks = []string{"insert into " + audit + " select 'inc post', count(*) from " + ident(s, "t")}
	mustBuild(t, inc)
	if got, want := auditRows(t, audit), "view pre:0 view post:1 inc pre:1 inc post:2"; got != want {
		t.Errorf("audit = %q, want %q", got, want)
	}
	inc.PostHooks = []string{"select 1 / 0"}
	if _, err := build(t, inc); err == nil || !strings.HasPrefix(err.Error(), "post_hook #1 failed") {
		t.Errorf("error = %v", err)
	}
	if got := queryString(t, "select count(*)::text from "+ident(s, "t")); got != "2" {
		t.Errorf("%s rows after a failed increment, want 2", got)
	}
	if got := auditRows(t, audit); !strings.HasSuffix(got, "inc post:2") {
		t.Errorf("audit = %q", got)
	}
}

// A hook may hold several statements; it is sent as written, in its turn,
// and an error in it still says where.
func TestHookOfSeveralStatements(t *testing.T) {
	s, audit := withAudit(t)
	b := model(s, "t", "table", "select 2 as id")
	b.PreHooks = []string{"insert into " + audit + " values ('a', 1); insert into " + audit + " values ('b', 2)"}
	b.PostHooks = []string{"insert into " + audit + " values ('c', 3)"}
	mustBuild(t, b)
	if got := auditRows(t, audit); got != "a:1 b:2 c:3" {
		t.Errorf("audit = %q", got)
	}
	b.PostHooks = []string{"select 1;\nselect\n  nope"}
	_, err := build(t, b)
	want := `post_hook #1 failed at line 3, column 3: column "nope" does not exist [SQLSTATE 42703]`
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	if got := auditRows(t, audit); got != "a:1 b:2 c:3" {
		t.Errorf("audit = %q after a failed build", got)
	}
}
