package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiln-dev/kiln/internal/pgtest"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The server and the warehouse under test, shared by every test; each test
// works in a schema of its own.
var (
	testWH    *Warehouse
	testAdmin *pgxpool.Pool // for setting up and inspecting, outside kiln
	schemaSeq atomic.Int64
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	ctx := context.Background()
	srv, err := pgtest.Open(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Stop()
	cfg, err := configFromURL(srv.URL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if testWH, err = Open(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer testWH.Close()
	if testAdmin, err = pgxpool.New(ctx, srv.URL); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer testAdmin.Close()
	return m.Run()
}

// configFromURL turns the test server's URL into a Config, the way a
// profile would be turned into one.
func configFromURL(url string) (Config, error) {
	pc, err := pgconn.ParseConfig(url)
	if err != nil {
		return Config{}, err
	}
	c := Config{Host: pc.Host, Port: int(pc.Port), User: pc.User, Password: pc.Password, DBName: pc.Database,
		ConnectTimeout: 10 * time.Second, MaxConns: 8}
	if pc.TLSConfig == nil {
		c.SSLMode = "disable"
	}
	return c, nil
}

// newSchema creates a schema for one test and drops it when the test ends.
func newSchema(t testing.TB) string {
	t.Helper()
	name := pgtest.SchemaName("kiln_pg", int(schemaSeq.Add(1)))
	if err := testWH.CreateSchema(context.Background(), name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := testAdmin.Exec(context.Background(), "drop schema "+ident(name)+" cascade"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// mustExec runs setup SQL as the admin.
func mustExec(t testing.TB, sqls ...string) {
	t.Helper()
	for _, sql := range sqls {
		if _, err := testAdmin.Exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
}

// queryString returns the first column of the first row of sql, as text.
func queryString(t *testing.T, sql string, args ...any) string {
	t.Helper()
	var s *string
	if err := testAdmin.QueryRow(context.Background(), sql, args...).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if s == nil {
		return "<null>"
	}
	return *s
}

var invocationSeq atomic.Int64

// model describes a build in a test's schema.
func model(schema, name, materialized, sql string) warehouse.Build {
	return warehouse.Build{
		NodeID:       "model.test." + name,
		Relation:     warehouse.Relation{Database: "postgres", Schema: schema, Name: name},
		Materialized: materialized,
		SQL:          sql,
		InvocationID: fmt.Sprintf("inv-%d-%d", os.Getpid(), invocationSeq.Add(1)),
	}
}

// mustBuild builds b with the existing kind read from the catalog, as the
// runner does, and fails the test on error.
func mustBuild(t *testing.T, b warehouse.Build) warehouse.BuildResult {
	t.Helper()
	res, err := build(t, b)
	if err != nil {
		t.Fatalf("build %s: %v\nstatements:\n%s", b.Relation, err, strings.Join(res.Statements, "\n;\n"))
	}
	return res
}

func build(t *testing.T, b warehouse.Build) (warehouse.BuildResult, error) {
	t.Helper()
	ctx := context.Background()
	cat, err := testWH.Catalog(ctx, []string{b.Relation.Schema})
	if err != nil {
		t.Fatal(err)
	}
	b.Existing = cat.Lookup(b.Relation)
	return testWH.Build(ctx, b)
}

// relations lists "name:kind" for every relation in schema, sorted by name.
func relations(t *testing.T, schema string) string {
	t.Helper()
	return queryString(t, `select coalesce(string_agg(c.relname || ':' || c.relkind::text, ' ' order by c.relname), '')
		from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1`, schema)
}
