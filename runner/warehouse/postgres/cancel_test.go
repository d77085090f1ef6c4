package postgres

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Cancelling a build stops its query on the server, not only in the client,
// and leaves nothing behind.
func TestCancelStopsTheQueryOnTheServer(t *testing.T) {
	s := newSchema(t)
	mustBuild(t, model(s, "t", "table", "select 1 as id"))
	b := model(s, "t", "table", "select pg_sleep(30)::text as slept")
	b.NodeID = "model.test.sleepy_" + s
	b.Existing = "table"

	newConns := testWH.pool.Stat().NewConnsCount()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := testWH.Build(ctx, b)
	elapsed := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Build returned %v, want context.Canceled", err)
	}
	if elapsed > 5*time.Second {
		t.Errorf("Build took %s to return after cancel", elapsed)
	}

	active := "-1"
	for i := 0; i < 100; i++ { // up to 5s
		active = queryString(t, `select count(*)::text from pg_stat_activity
			where state = 'active' and pid <> pg_backend_pid() and query like '%kiln node=' || $1 || ' %'`, b.NodeID)
		if active == "0" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if active != "0" {
		t.Errorf("%s queries of the cancelled build still active on the server", active)
	}
	if got := relations(t, s); got != "t:r" {
		t.Errorf("relations after cancel = %q, want only the old table", got)
	}
	if got := queryString(t, "select id::text from "+ident(s, "t")); got != "1" {
		t.Errorf("old table changed: %s", got)
	}
	// The server answered the cancel request on the same connection, which
	// rolled back and went back to the pool: pgx's default handling would
	// have closed it instead.
	mustBuild(t, model(s, "t", "table", "select 2 as id"))
	if n := testWH.pool.Stat().NewConnsCount() - newConns; n != 0 {
		t.Errorf("%d new connections after a cancelled build, want the old one reused", n)
	}
}

// A build cancelled while it waits for a reader to let go of the old table
// has already created its new table; the rollback removes it.
func TestCancelWhileWaitingForLock(t *testing.T) {
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

	bctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	res, err := testWH.Build(bctx, model(s, "t", "table", "select 2 as id"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Build returned %v, want context.DeadlineExceeded", err)
	}
	if last := res.Statements[len(res.Statements)-1]; !strings.Contains(last, "lock table") {
		t.Errorf("cancelled at\n%s\nwant at the lock", last)
	}
	if err := reader.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := relations(t, s); got != "t:r" {
		t.Errorf("relations after cancel = %q, want only the old table", got)
	}
	if got := queryString(t, "select id::text from "+ident(s, "t")); got != "1" {
		t.Errorf("old table changed: %s", got)
	}
}
