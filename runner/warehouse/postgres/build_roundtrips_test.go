package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// tripCounter counts the round trips of the connections it dials: a round
// trip is a write to the server after a read from it (or a connection's
// first write), that is, one wait for the server's answer however many
// statements the write carries. It also keeps the statements of each round
// trip (the Query and Parse messages), for the log.
type tripCounter struct {
	mu    sync.Mutex
	trips [][]string // statements per round trip
}

// reset forgets what was counted so far.
func (c *tripCounter) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trips = nil
}

// counted returns the round trips since the last reset.
func (c *tripCounter) counted() [][]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]string(nil), c.trips...)
}

// countingConn is a connection to the server whose writes and reads the
// tripCounter watches.
type countingConn struct {
	net.Conn
	c       *tripCounter
	mu      sync.Mutex
	writing bool   // the last call was a write: the next one starts no round trip
	pending []byte // frontend bytes not parsed into messages yet
	started bool   // the startup message, which has no type byte, is past
}

func (cc *countingConn) Write(p []byte) (int, error) {
	cc.mu.Lock()
	if !cc.writing {
		cc.writing = true
		cc.c.mu.Lock()
		cc.c.trips = append(cc.c.trips, nil)
		cc.c.mu.Unlock()
	}
	cc.pending = append(cc.pending, p...)
	cc.parse()
	cc.mu.Unlock()
	return cc.Conn.Write(p)
}

func (cc *countingConn) Read(p []byte) (int, error) {
	n, err := cc.Conn.Read(p)
	cc.mu.Lock()
	cc.writing = false
	cc.mu.Unlock()
	return n, err
}

// parse takes the complete frontend messages out of pending and records
// the SQL of Query ('Q') and Parse ('P') messages in the current round
// trip.
func (cc *countingConn) parse() {
	for {
		if !cc.started { // startup or SSL request: length first, no type byte
			if len(cc.pending) < 4 {
				return
			}
			n := int(binary.BigEndian.Uint32(cc.pending))
			if len(cc.pending) < n {
				return
			}
			cc.pending = cc.pending[n:]
			cc.started = true
			continue
		}
		if len(cc.pending) < 5 {
			return
		}
		n := 1 + int(binary.BigEndian.Uint32(cc.pending[1:]))
		if len(cc.pending) < n {
			return
		}
		msg := cc.pending[:n]
		cc.pending = cc.pending[n:]
		var sql string
		switch msg[0] {
		case 'Q':
			sql = string(msg[5 : len(msg)-1])
		case 'P':
			body := msg[5:]
			name, rest, _ := strings.Cut(string(body), "\x00")
			_ = name
			sql, _, _ = strings.Cut(rest, "\x00")
		default:
			continue
		}
		cc.c.mu.Lock()
		cc.c.trips[len(cc.c.trips)-1] = append(cc.c.trips[len(cc.c.trips)-1], sql)
		cc.c.mu.Unlock()
	}
}

// countingWarehouse opens a warehouse of one connection on the test server
// whose round trips c counts. The pool never pings a connection it hands
// out (pgxpool does after a second idle), so that what is counted is the
// build's own.
func countingWarehouse(t *testing.T) (*Warehouse, *tripCounter) {
	t.Helper()
	cc := testWH.pool.Config().ConnConfig
	c := Config{Host: cc.Host, Port: int(cc.Port), User: cc.User, Password: cc.Password, DBName: cc.Database,
		MaxConns: 1, ConnectTimeout: 10 * time.Second}
	if cc.TLSConfig == nil {
		c.SSLMode = "disable"
	}
	cfg, err := poolConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	counter := &tripCounter{}
	dial := cfg.ConnConfig.DialFunc
	cfg.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &countingConn{Conn: conn, c: counter}, nil
	}
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(context.Background()); err != nil { // connect outside the count
		t.Fatal(err)
	}
	return &Warehouse{pool: pool}, counter
}

// roundTrips builds b on w, with the existing kind read from the catalog
// beforehand as the runner does once per run, and returns the round trips
// of the build alone.
func roundTrips(t *testing.T, w *Warehouse, c *tripCounter, b warehouse.Build) [][]string {
	t.Helper()
	cat, err := testWH.Catalog(context.Background(), []string{b.Relation.Schema})
	if err != nil {
		t.Fatal(err)
	}
	b.Existing = cat.Lookup(b.Relation)
	c.reset()
	res, err := w.Build(context.Background(), b)
	trips := c.counted()
	if err != nil {
		t.Fatalf("build %s: %v\nstatements:\n%s", b.Relation, err, strings.Join(res.Statements, "\n;\n"))
	}
	return trips
}

// describeTrips renders round trips for the log: one line each, with the
// first words of every statement after its comment.
func describeTrips(trips [][]string) string {
	var b strings.Builder
	for i, trip := range trips {
		var words []string
		for _, sql := range trip {
			if _, rest, ok := strings.Cut(sql, " */\n"); ok && strings.HasPrefix(sql, "/* kiln ") {
				sql = rest
			}
			sql = strings.Join(strings.Fields(sql), " ")
			if len(sql) > 40 {
				sql = sql[:40] + "…"
			}
			words = append(words, sql)
		}
		fmt.Fprintf(&b, "\n  %d: %s", i+1, strings.Join(words, " | "))
	}
	return b.String()
}

// Every build kind stays within a number of round trips: this is what
// makes a run of many small models fast, more than anything the server
// does. Before statements were sent together, a view took 7, a first table
// 8, a table rebuild 16 and a merge 15. The runner reads the catalog once
// per run; a build trusts it for views, and looks again, inside its
// transaction, only in a round trip it makes anyway.
func TestBuildRoundTrips(t *testing.T) {
	w, counter := countingWarehouse(t)
	s := newSchema(t)
	reader := newRole(t, "trips")
	mustExec(t, "create table "+ident(s, "src")+" (id int, amount int)", "insert into "+ident(s, "src")+" values (1, 10), (2, 20)")
	key := warehouse.Incremental{UniqueKey: []string{"id"}, Strategy: "merge"}
	full := key
	full.Full = true
	withOptions := model(s, "v", "view", "select 3 as id")
	withOptions.PreHooks = []string{"set local work_mem = '8MB'"}
	withOptions.PostHooks = []string{"select 1"}
	withOptions.Grants = map[string][]string{"select": {reader}}
	for _, c := range []struct {
		name  string
		b     warehouse.Build
		setup string
		max   int
	}{
		{name: "view, absent", b: model(s, "v", "view", "select 1 as id"), max: 1},
		{name: "view, existing", b: model(s, "v", "view", "select 2 as id"), max: 1},
		{name: "view with hooks and grants", b: withOptions, max: 2},
		// The model may be more than one statement: it goes alone.
		{name: "view with a semicolon", b: model(s, "v", "view", "select 4 as id -- ;"), max: 3},
		{name: "table, absent", b: model(s, "t", "table", "select 1 as id"), max: 2},
		{name: "table, existing, no dependents", b: model(s, "t", "table", "select 2 as id"), max: 3},
		{name: "table, existing, a dependent view", b: model(s, "t", "table", "select 3 as id"),
			setup: "create view " + ident(s, "t_dep") + " as select id from " + ident(s, "t"), max: 3},
		{name: "incremental, first build", b: incremental(s, "i", "select id, amount from "+ident(s, "src"), full), max: 2},
		{name: "incremental merge", b: incremental(s, "i", "select id, amount + 1 as amount from "+ident(s, "src"), key), max: 3},
		{name: "incremental append", b: incremental(s, "i", "select 3 as id, 30 as amount", warehouse.Incremental{}), max: 2},
	} {
		if c.setup != "" {
			mustExec(t, c.setup)
		}
		trips := roundTrips(t, w, counter, c.b)
		t.Logf("%s: %d round trips%s", c.name, len(trips), describeTrips(trips))
		if len(trips) > c.max {
			t.Errorf("%s: %d round trips, want at most %d%s", c.name, len(trips), c.max, describeTrips(trips))
		}
	}
}
