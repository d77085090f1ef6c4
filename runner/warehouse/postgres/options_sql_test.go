package postgres

import (
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// allOptions sets every option, as a node's config might.
var allOptions = warehouse.Options{
	PreHooks:         []string{"insert into audit.runs (model) values ('fct_orders')", " ", "set local work_mem = '256MB'"},
	PostHooks:        []string{"analyze {{ this }}"},
	Grants:           map[string][]string{"select": {"reporter", "bi reader", "reporter"}, "delete": {}},
	StatementTimeout: 10 * time.Minute,
	LockTimeout:      5 * time.Second,
	LockWait:         200 * time.Millisecond,
}

// before is what applyOptionsBefore sends.
func before(o warehouse.Options) []step {
	steps := []step{lockWaitStep(h, o.LockWait), advisoryLockStep(h, target), lockTimeoutStep(h, o.LockTimeout)}
	steps = append(steps, statementTimeoutStep(h, o.StatementTimeout)...)
	return append(steps, hookSteps(h, "pre_hook", o.PreHooks)...)
}

// TestGoldenTableAllOptions is the whole transaction of a table rebuild
// with every option set: the old table has no dependents, and holds the
// grants of sampleCarried plus insert and delete granted to "loader".
func TestGoldenTableAllOptions(t *testing.T) {
	o := allOptions
	tmp := tempName(target, "inv")
	held := []grant{
		{Privilege: "delete", Grantee: "loader"},
		{Privilege: "insert", Grantee: "loader"},
		{Privilege: "select", Grantee: ""},
		{Privilege: "select", Grantee: "bi reader"},
	}
	steps := before(o)
	steps = append(steps,
		createTableAs(h, warehouse.Relation{Schema: target.Schema, Name: tmp}, modelSQL),
		query(lookupQuery(h)),
		query(searchPathQuery(h)),
		setCatalogSearchPath(h),
		query(dependentsQuery(h)),
		query(carriedQuery(h)),
	)
	steps = append(steps, swapSteps(h, target, warehouse.Table, tmp, warehouse.Table, backupName(target, "inv"), sampleCarried(), nil)...)
	steps = append(steps, restoreSearchPath(h, `"$user", public`))
	steps = append(steps, hookSteps(h, "post_hook", []string{`analyze "analytics"."fct_orders"`})...)
	steps = append(steps, query(grantsQuery(h)))
	steps = append(steps, grantSteps(h, target, o.Grants, held)...)
	golden(t, "table_all_options", render(steps...)+"-- COMMIT\n")
}

// TestGoldenOptionsDefaults is what every build sends around its own
// statements when no option is set: the advisory lock, waited for without
// limit, and lock_timeout set back to the session's value.
func TestGoldenOptionsDefaults(t *testing.T) {
	golden(t, "options_defaults", render(before(warehouse.Options{})...))
}

func TestGoldenLockHolder(t *testing.T) {
	golden(t, "lock_holder", lockHolderQuery(h)+"\n")
}

// The advisory lock key must never change: kiln runs of different versions
// would stop excluding each other.
func TestAdvisoryKeyIsStable(t *testing.T) {
	rel := warehouse.Relation{Database: "ignored", Schema: "analytics", Name: "fct_orders"}
	if got, want := advisoryKey(rel), int64(-6122155650889949608); got != want {
		t.Errorf("advisoryKey = %d, want %d", got, want)
	}
	classid, objid := lockKeyHalves(advisoryKey(rel))
	if classid != 2869541855 || objid != 1091427928 {
		t.Errorf("pg_locks classid, objid = %d, %d", classid, objid)
	}
	if int64(uint64(classid)<<32|uint64(objid)) != advisoryKey(rel) {
		t.Error("the halves do not make the key")
	}
	a := warehouse.Relation{Schema: "a.b", Name: "c"}
	b := warehouse.Relation{Schema: "a", Name: "b.c"}
	if advisoryKey(a) == advisoryKey(b) {
		t.Errorf("%s and %s share a lock key", a, b)
	}
}

func TestCommentNode(t *testing.T) {
	for q, want := range map[string]string{
		header("model.shop.orders", "inv-1") + "create table x as (select 1)": "model.shop.orders",
		header("model.a invocation=b", "inv") + "select 1":                    "model.a invocation=b",
		header("model.x*/y", "inv") + "select 1":                              "model.x* /y",
		"select pg_sleep(10)":                                                 "",
		"/* kiln node=broken":                                                 "",
		"":                                                                    "",
	} {
		if got := commentNode(q); got != want {
			t.Errorf("commentNode(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestMillis(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                       "0",
		time.Microsecond:        "'1ms'",
		1500 * time.Microsecond: "'2ms'",
		200 * time.Millisecond:  "'200ms'",
		1001 * time.Millisecond: "'1001ms'",
		5 * time.Second:         "'5s'",
		90 * time.Second:        "'90s'",
		2 * time.Minute:         "'2min'",
		36 * time.Hour:          "'36h'",
		48 * time.Hour:          "'2d'",
	} {
		if got := millis(d); got != want {
			t.Errorf("millis(%s) = %s, want %s", d, got, want)
		}
	}
}

func TestGrantSteps(t *testing.T) {
	held := []grant{
		{Privilege: "select", Grantee: ""},
		{Privilege: "select", Grantee: "a"},
		{Privilege: "select", Grantee: "a"}, // granted by two grantors
		{Privilege: "update", Grantee: "b", Column: "x"},
		{Privilege: "insert", Grantee: "c"},
		{Privilege: "select", Grantee: "Mixed Case", Grantable: true},
	}
	for _, c := range []struct {
		name string
		want map[string][]string
		sql  []string
	}{
		{"nothing named", map[string][]string{}, nil},
		{"already so", map[string][]string{"select": {"a", "Mixed Case", "PUBLIC"}}, nil},
		{"replace", map[string][]string{"SELECT": {"b"}}, []string{
			`revoke select on "s"."t" from public, "a", "Mixed Case"`,
			`grant select on "s"."t" to "b"`,
		}},
		{"no one", map[string][]string{"insert": nil, "update": {}}, []string{
			`revoke insert on "s"."t" from "c"`, // the column grant of update stays
		}},
		{"add, in order of privileges", map[string][]string{"update": {"b"}, "delete": {"a", "public"}}, []string{
			`grant delete on "s"."t" to "a", public`,
			`grant update on "s"."t" to "b"`,
		}},
	} {
		var got []string
		for _, s := range grantSteps("", warehouse.Relation{Schema: "s", Name: "t"}, c.want, held) {
			got = append(got, s.SQL)
		}
		if strings.Join(got, "\n") != strings.Join(c.sql, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.sql)
		}
	}
}

func TestCheckOptions(t *testing.T) {
	if err := checkOptions(allOptions); err != nil {
		t.Errorf("allOptions: %v", err)
	}
	for _, c := range []struct {
		o    warehouse.Options
		want string
	}{
		{warehouse.Options{StatementTimeout: -time.Second}, "statement_timeout of -1s is out of range"},
		{warehouse.Options{LockWait: 30 * 24 * time.Hour}, "the advisory lock wait of 720h0m0s is out of range"},
		{warehouse.Options{Grants: map[string][]string{"usage": {"a"}}}, `grants: "usage" is not a privilege on tables and views`},
		{warehouse.Options{Grants: map[string][]string{"select": {""}}}, "grants: select lists an empty role name"},
		{warehouse.Options{Grants: map[string][]string{"select": {strings.Repeat("r", 64)}}}, "limited to 63 bytes"},
	} {
		err := checkOptions(c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("checkOptions(%+v) = %v, want %q", c.o, err, c.want)
		}
	}
}
