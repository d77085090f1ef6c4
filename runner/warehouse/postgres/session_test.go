package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// lockSteps leaves out the SETs that would not change lock_timeout when
// the session's is 0, and keeps all three otherwise.
func TestLockStepsLeaveOutNoOpSets(t *testing.T) {
	rel := warehouse.Relation{Schema: "s", Name: "t"}
	lock := advisoryLockSQL(advisoryKey(rel))
	for _, c := range []struct {
		wait, timeout time.Duration
		zero          bool
		want          []string
	}{
		{0, 0, true, []string{lock}},
		{time.Second, 0, true, []string{"set local lock_timeout = '1s'", lock, "set local lock_timeout to default"}},
		{0, 5 * time.Second, true, []string{lock, "set local lock_timeout = '5s'"}},
		{time.Second, 5 * time.Second, true, []string{"set local lock_timeout = '1s'", lock, "set local lock_timeout = '5s'"}},
		{0, 0, false, []string{"set local lock_timeout = 0", lock, "set local lock_timeout to default"}},
		{0, 5 * time.Second, false, []string{"set local lock_timeout = 0", lock, "set local lock_timeout = '5s'"}},
	} {
		var got []string
		for _, s := range lockSteps("", rel, c.wait, c.timeout, c.zero) {
			got = append(got, s.SQL)
			if !s.Inert {
				t.Errorf("%q is not marked inert", s.SQL)
			}
		}
		if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
			t.Errorf("lockSteps(wait %s, timeout %s, session zero %v):\n%s\nwant\n%s", c.wait, c.timeout, c.zero,
				strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

// statementsOf returns the statements of round trips, without their
// comments.
func statementsOf(trips [][]string) []string {
	var out []string
	for _, trip := range trips {
		for _, sql := range trip {
			if _, rest, ok := strings.Cut(sql, " */\n"); ok {
				sql = rest
			}
			out = append(out, sql)
		}
	}
	return out
}

// On a session whose lock_timeout is 0, a view build sends BEGIN, the
// lock, the view and COMMIT; once a hook has run on the connection it may
// have set lock_timeout for the session, so the next build sets it again
// around the lock, and waits without limit as before.
func TestSessionSettingsAreTrustedUntilAHookRuns(t *testing.T) {
	w, counter := countingWarehouse(t) // one connection
	s := newSchema(t)
	trips := roundTrips(t, w, counter, model(s, "a", "view", "select 1 as id"))
	if got := statementsOf(trips); len(got) != 4 || got[0] != "begin" || !strings.HasPrefix(got[1], "select pg_catalog.pg_advisory_xact_lock(") ||
		!strings.HasPrefix(got[2], "create or replace view") || got[3] != "commit" {
		t.Errorf("a view build on a fresh session sent:%s", describeTrips(trips))
	}

	hooked := model(s, "b", "view", "select 1 as id")
	hooked.PreHooks = []string{"set lock_timeout = '100ms'"} // for the session, not only the transaction
	roundTrips(t, w, counter, hooked)

	// Another session holds c's lock for longer than the hook's 100ms.
	rel := warehouse.Relation{Schema: s, Name: "c"}
	ctx := context.Background()
	holder, err := testAdmin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, advisoryLockSQL(advisoryKey(rel))); err != nil {
		t.Fatal(err)
	}
	done := buildAsync(w, model(s, "c", "view", "select 1 as id"))
	waitForWaiter(t, rel)
	time.Sleep(300 * time.Millisecond)
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	o := <-done
	if o.err != nil {
		t.Fatalf("the build after the hook gave up waiting: %v", o.err)
	}
	if !strings.Contains(strings.Join(o.res.Statements, "\n"), "set local lock_timeout = 0") {
		t.Errorf("the build after the hook did not set lock_timeout for the lock:\n%s", strings.Join(o.res.Statements, "\n"))
	}
}

// A session whose lock_timeout is not 0 from the start (here through
// PGOPTIONS, as a role's or database's setting would do) gets the three
// SETs, so the advisory lock is still waited for without limit.
func TestSessionWithALockTimeoutWaitsForTheLockWithoutLimit(t *testing.T) {
	t.Setenv("PGOPTIONS", "-c lock_timeout=100ms")
	w := openWarehouse(t, "kiln-lock-timeout")
	s := newSchema(t)
	rel := warehouse.Relation{Schema: s, Name: "v"}
	ctx := context.Background()
	holder, err := testAdmin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx)
	if _, err := holder.Exec(ctx, advisoryLockSQL(advisoryKey(rel))); err != nil {
		t.Fatal(err)
	}
	done := buildAsync(w, model(s, "v", "view", "select 1 as id"))
	waitForWaiter(t, rel)
	time.Sleep(300 * time.Millisecond)
	if err := holder.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	o := <-done
	if o.err != nil {
		t.Fatalf("gave up waiting for the lock: %v", o.err)
	}
	want := "set local lock_timeout = 0\n" // and back to the session's 100ms after it
	if got := strings.Join(o.res.Statements, "\n"); !strings.Contains(got, want) || !strings.Contains(got, "set local lock_timeout to default") {
		t.Errorf("statements:\n%s", got)
	}
}

// waitForWaiter waits until a session waits for kiln's advisory lock of
// rel.
func waitForWaiter(t *testing.T, rel warehouse.Relation) {
	t.Helper()
	classid, objid := lockKeyHalves(advisoryKey(rel))
	for range 200 { // up to 10s
		n := queryString(t, `select count(*)::text from pg_locks where locktype = 'advisory' and not granted
			and classid = $1::bigint::oid and objid = $2::bigint::oid and objsubid = 1`, classid, objid)
		if n == "1" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no session waited for the advisory lock of %s", rel)
}
