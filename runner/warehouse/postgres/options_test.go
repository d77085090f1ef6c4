package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// openWarehouse opens a second warehouse on the test server, as another
// kiln invocation would, with its own application_name.
func openWarehouse(t *testing.T, app string) *Warehouse {
	t.Helper()
	cc := testWH.pool.Config().ConnConfig
	c := Config{Host: cc.Host, Port: int(cc.Port), User: cc.User, Password: cc.Password, DBName: cc.Database,
		ApplicationName: app, MaxConns: 2, ConnectTimeout: 10 * time.Second}
	if cc.TLSConfig == nil {
		c.SSLMode = "disable"
	}
	w, err := Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return w
}

// waitForAdvisoryLock waits until some session holds kiln's advisory lock
// of rel, found in pg_locks by the halves of its key.
func waitForAdvisoryLock(t *testing.T, rel warehouse.Relation) {
	t.Helper()
	classid, objid := lockKeyHalves(advisoryKey(rel))
	for range 200 { // up to 10s
		n := queryString(t, `select count(*)::text from pg_locks where locktype = 'advisory' and granted
			and classid = $1::bigint::oid and objid = $2::bigint::oid and objsubid = 1`, classid, objid)
		if n == "1" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no session took the advisory lock of %s", rel)
}

type outcome struct {
	res warehouse.BuildResult
	err error
	end time.Time
}

// buildAsync starts b on w and returns where its outcome will arrive.
func buildAsync(w *Warehouse, b warehouse.Build) <-chan outcome {
	done := make(chan outcome, 1)
	go func() {
		res, err := w.Build(context.Background(), b)
		done <- outcome{res, err, time.Now()}
	}()
	return done
}

// slowTable rebuilds t in s with generation gen, sleeping sleep first.
func slowTable(s string, gen int, sleep time.Duration) warehouse.Build {
	b := model(s, "t", "table", fmt.Sprintf("select %d as gen from pg_sleep(%g)", gen, sleep.Seconds()))
	b.Existing = warehouse.Table
	return b
}

// Two builds of the same relation from different invocations run one after
// the other: the second waits for the advisory lock before it starts its
// model, and both succeed.
func TestConcurrentBuildsOfARelationTakeTurns(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Minute} {
		t.Run(fmt.Sprint("LockWait=", wait), func(t *testing.T) {
			s := newSchema(t)
			mustBuild(t, model(s, "t", "table", "select 0 as gen"))
			first := openWarehouse(t, "kiln-first-"+s)
			a := buildAsync(first, slowTable(s, 1, time.Second))
			waitForAdvisoryLock(t, warehouse.Relation{Schema: s, Name: "t"})
			second := slowTable(s, 2, time.Second)
			second.LockWait = wait
			b := buildAsync(testWH, second)
			ra, rb := <-a, <-b
			if ra.err != nil || rb.err != nil {
				t.Fatalf("first: %v\nsecond: %v", ra.err, rb.err)
			}
			// The second slept its whole second after the first committed.
			if gap := rb.end.Sub(ra.end); gap < time.Second {
				t.Errorf("second build ended %s after the first, want its model to run after the first ended", gap)
			}
			if got := queryString(t, "select gen::text from "+ident(s, "t")); got != "2" {
				t.Errorf("gen = %s, want the second build's 2", got)
			}
			if got := relations(t, s); got != "t:r" {
				t.Errorf("relations = %q", got)
			}
		})
	}
}

// With LockWait, the second build gives up and names the session it waited
// for; the first goes on and the table is intact meanwhile.
func TestLockWaitGivesUpAndNamesTheHolder(t *testing.T) {
	s := newSchema(t)
	rel := warehouse.Relation{Schema: s, Name: "t"}
	mustBuild(t, model(s, "t", "table", "select 0 as gen"))
	app := "kiln-holder-" + s
	first := openWarehouse(t, app)
	holder := slowTable(s, 1, 2*time.Second)
	holder.NodeID = "model.test.holder"
	a := buildAsync(first, holder)
	waitForAdvisoryLock(t, rel)

	second := slowTable(s, 2, 0)
	second.LockWait = 200 * time.Millisecond
	res, err := testWH.Build(context.Background(), second)
	var le *warehouse.LockError
	if !errors.As(err, &le) {
		t.Fatalf("second build: %v, want a *warehouse.LockError", err)
	}
	pids := queryString(t, "select string_agg(pid::text, ',') from pg_stat_activity where application_name = $1", app)
	if le.Relation.Key() != rel || le.HolderAppName != app || !slices.Contains(strings.Split(pids, ","), fmt.Sprint(le.HolderPID)) ||
		le.HolderQueryNode != "model.test.holder" {
		t.Errorf("LockError = %+v, want the session of %s (pids %s) building model.test.holder", le, app, pids)
	}
	if le.Waited < 200*time.Millisecond || le.Waited > 1500*time.Millisecond {
		t.Errorf("waited %s, want about 200ms", le.Waited)
	}
	want := fmt.Sprintf(`"%s"."t" is being written by another session (pid %d, application_name "%s"); gave up after`, s, le.HolderPID, app)
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v", err)
	}
	if last := res.Statements[len(res.Statements)-1]; !strings.Contains(last, "pg_advisory_xact_lock") {
		t.Errorf("the second build got past the advisory lock:\n%s", last)
	}
	if got := queryString(t, "select gen::text from "+ident(s, "t")); got != "0" {
		t.Errorf("gen while the first build runs = %s, want 0", got)
	}
	if ra := <-a; ra.err != nil {
		t.Fatalf("first build: %v", ra.err)
	}
	if got := queryString(t, "select gen::text from "+ident(s, "t")); got != "1" {
		t.Errorf("gen = %s, want the first build's 1", got)
	}
	if got := relations(t, s); got != "t:r" {
		t.Errorf("relations = %q", got)
	}
}

// Incremental builds take the advisory lock before the table lock, so a
// second increment gives up on the former.
func TestIncrementalTakesTheAdvisoryLockFirst(t *testing.T) {
	s := orders(t, warehouse.Incremental{})
	inc := incremental(s, "t", "select id, status, amount from "+ident(s, "src")+" where id = 3", warehouse.Incremental{})
	res := mustBuild(t, inc)
	advisory := slices.IndexFunc(res.Statements, func(st string) bool { return strings.Contains(st, "pg_advisory_xact_lock") })
	table := slices.IndexFunc(res.Statements, func(st string) bool { return strings.Contains(st, "share row exclusive") })
	if advisory < 0 || table < advisory {
		t.Errorf("advisory lock at statement %d, table lock at %d", advisory, table)
	}

	slow := incremental(s, "t", "select id, status, amount from "+ident(s, "src")+", pg_sleep(2) where id = 3", warehouse.Incremental{})
	slow.NodeID = "model.test.slow"
	a := buildAsync(openWarehouse(t, "kiln-slow-"+s), slow)
	waitForAdvisoryLock(t, inc.Relation)
	inc.LockWait = 100 * time.Millisecond
	_, err := testWH.Build(context.Background(), inc)
	var le *warehouse.LockError
	if !errors.As(err, &le) || le.HolderQueryNode != "model.test.slow" || le.HolderAppName != "kiln-slow-"+s {
		t.Errorf("second increment: %v (%+v)", err, le)
	}
	if ra := <-a; ra.err != nil {
		t.Fatal(ra.err)
	}
	if got := queryString(t, "select count(*)::text from "+ident(s, "t")); got != "5" {
		t.Errorf("%s rows, want 3 + 2 increments", got)
	}
}

// A model that runs into statement_timeout fails with a message that says
// so, and the old table stays.
func TestStatementTimeoutLeavesTheOldTable(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "t", "table", "select 1 as id"))
	b := model(s, "t", "table", "select 1 as id from pg_sleep(2)")
	b.StatementTimeout = 100 * time.Millisecond
	start := time.Now()
	_, err := build(t, b)
	if err == nil || err.Error() != "the model's SQL: statement_timeout of 100ms exceeded" {
		t.Fatalf("error = %v", err)
	}
	if elapsed := time.Since(start); elapsed > 1500*time.Millisecond {
		t.Errorf("build took %s", elapsed)
	}
	var qe *warehouse.QueryError
	if !errors.As(err, &qe) || qe.Code != "57014" {
		t.Errorf("error does not wrap the server's 57014: %#v", err)
	}
	if got := relations(t, s); got != "t:r" {
		t.Errorf("relations = %q", got)
	}
	if got := queryString(t, "select id::text from "+ident(s, "t")); got != "1" {
		t.Errorf("old table changed: %s", got)
	}

	// The limit is the node's: the next build on the same connection has
	// none.
	mustBuild(t, model(s, "t", "table", "select 2 as id from pg_sleep(0.3)"))
}

// lock_timeout bounds the wait for the old table, which a reader holds.
func TestLockTimeoutLeavesTheOldTable(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "t", "table", "select 1 as id"))
	ctx := context.Background()
	reader, err := testAdmin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback(ctx)
	if _, err := reader.Exec(ctx, "select * from "+ident(s, "t")); err != nil {
		t.Fatal(err)
	}
	b := model(s, "t", "table", "select 2 as id")
	b.LockTimeout = 200 * time.Millisecond
	_, err = build(t, b)
	if want := fmt.Sprintf(`lock "%s"."t": lock_timeout of 200ms exceeded`, s); err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if err := reader.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := relations(t, s); got != "t:r" {
		t.Errorf("relations = %q", got)
	}
	if got := queryString(t, "select id::text from "+ident(s, "t")); got != "1" {
		t.Errorf("old table changed: %s", got)
	}
}

func TestBuildRefusesBadOptions(t *testing.T) {
	b := model("s", "t", "table", "select 1")
	b.Grants = map[string][]string{"usage": {"x"}}
	res, err := testWH.Build(t.Context(), b)
	if err == nil || !strings.Contains(err.Error(), `"usage" is not a privilege`) || len(res.Statements) != 0 {
		t.Errorf("error = %v after %d statements", err, len(res.Statements))
	}
}

// The advisory lock's key, written into the statement, is taken as the
// bigint it is, whatever its value.
func TestAdvisoryLockSQLTakesTheKey(t *testing.T) {
	ctx := context.Background()
	for _, key := range []int64{math.MinInt64, -1, 0, 1, 1 << 40, math.MaxInt64, advisoryKey(warehouse.Relation{Schema: "analytics", Name: "fct_orders"})} {
		tx, err := testAdmin.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, advisoryLockSQL(key)); err != nil {
			t.Errorf("key %d: %v", key, err)
		}
		var classid, objid int64
		err = tx.QueryRow(ctx, `select classid::bigint, objid::bigint from pg_locks
			where locktype = 'advisory' and pid = pg_backend_pid() and objsubid = 1`).Scan(&classid, &objid)
		if c, o := lockKeyHalves(key); err != nil || classid != c || objid != o {
			t.Errorf("key %d: pg_locks has %d, %d (%v), want %d, %d", key, classid, objid, err, c, o)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
