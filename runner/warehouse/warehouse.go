// Package warehouse defines what the runner needs from a database, and the
// values that cross that boundary. Implementations live in subpackages
// (postgres/); the runner never imports them.
package warehouse

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Relation names a table or view. Database is informational only.
type Relation struct {
	Database string
	Schema   string
	Name     string
}

// String renders the relation as SQL: "schema"."name", always quoted.
func (r Relation) String() string {
	return pgx.Identifier{r.Schema, r.Name}.Sanitize()
}

// Key drops the database, for use as a map key in catalogs.
func (r Relation) Key() Relation { return Relation{Schema: r.Schema, Name: r.Name} }

// Kind is what a relation is in the database.
type Kind string

const (
	Absent           Kind = ""
	Table            Kind = "table"
	View             Kind = "view"
	MaterializedView Kind = "materialized_view"
	Other            Kind = "other" // foreign table, partitioned table, ...
)

// Catalog is what exists in a set of schemas, read once per run.
type Catalog map[Relation]Kind

// Lookup returns the kind of r (ignoring its Database), Absent if unknown.
func (c Catalog) Lookup(r Relation) Kind { return c[r.Key()] }

// Build asks the warehouse to materialize one model.
type Build struct {
	NodeID       string   // model.<project>.<name>, used in statement comments
	Relation     Relation // where the result must end up
	Materialized string   // "view", "table" or "incremental"
	SQL          string   // the compiled SELECT of the model
	Existing     Kind     // what is at Relation now, from the catalog
	InvocationID string   // unique per kiln invocation; used in temporary names

	// Incremental models only.
	Incremental *Incremental

	Options
}

// Options apply to every node a warehouse builds (models and seeds).
type Options struct {
	// PreHooks and PostHooks are rendered SQL statements run inside the
	// node's transaction, before and after it is built.
	PreHooks, PostHooks []string
	// Grants maps a privilege (select, insert, ...) to the roles that must
	// hold it after the build; privileges of those kinds held by other
	// roles are revoked. Nil leaves grants alone (beyond carrying them over
	// on a swap).
	Grants map[string][]string
	// StatementTimeout and LockTimeout are applied with SET LOCAL inside
	// the node's transaction; zero leaves the server's setting.
	StatementTimeout, LockTimeout time.Duration
	// LockWait bounds the wait for the advisory lock that serializes
	// writers of the same relation across kiln invocations; zero waits
	// without limit. When it expires the build fails with a *LockError.
	LockWait time.Duration
}

// LockError says another session holds the advisory lock on a relation.
type LockError struct {
	Relation        Relation
	HolderPID       int
	HolderAppName   string
	HolderQueryNode string // the kiln node id in the holder's statement comment, if any
	Waited          time.Duration
}

func (e *LockError) Error() string {
	return fmt.Sprintf("%s is being written by another session (pid %d, application_name %q); gave up after %s",
		e.Relation, e.HolderPID, e.HolderAppName, e.Waited.Round(time.Millisecond))
}

// Incremental says how an incremental model folds new rows into its table.
// When Full is true (first run, --full-refresh, or the relation is not a
// table) the table is rebuilt like a table model; otherwise SQL selects
// the new rows only.
type Incremental struct {
	Full           bool
	UniqueKey      []string // empty: no key
	Strategy       string   // "append", "merge", "delete+insert"; "" picks the default
	OnSchemaChange string   // "ignore" (default), "fail", "append_new_columns", "sync_all_columns"
	Predicates     []string // extra conditions on the match, e.g. DBT_INTERNAL_DEST.day > now() - interval '7 days'
}

// BuildResult reports what a Build did.
type BuildResult struct {
	RowsAffected int64    // -1 when unknown (views)
	Statements   []string // every statement executed, in order, for target/run
}

// Seed asks the warehouse to load a CSV file's rows into a table.
type Seed struct {
	NodeID       string
	InvocationID string
	Relation     Relation
	Columns      []Column // in file order; Type is a SQL type
	Rows         [][]any  // values already converted to the column types (nil for NULL)
	Existing     Kind
	FullRefresh  bool // drop and recreate instead of swapping in place
	Options
}

// SeedRows reads a seed's rows one at a time, each value as the text its
// column's type reads (what the type's input function takes), nil for
// NULL.
type SeedRows interface {
	// Next moves to the next row; it returns false after the last one.
	Next() bool
	// Values are the current row's values, one per column. They may be
	// overwritten by the next call of Next.
	Values() [][]byte
}

// Column is a column name and its SQL type.
type Column struct {
	Name string
	Type string
}

// Test asks the warehouse to run a data test: SQL selects the failing rows.
type Test struct {
	NodeID       string
	InvocationID string
	SQL          string
	Limit        int    // 0: no limit on the failing rows counted
	WarnIf       string // a condition on the failure count, e.g. "!= 0", "> 10"
	ErrorIf      string
	// StoreFailures, when set, is where the failing rows are kept, replaced
	// atomically on each run.
	StoreFailures *Relation
}

// TestResult is the outcome of a data test.
type TestResult struct {
	Failures   int64
	Warn       bool // WarnIf held
	Error      bool // ErrorIf held
	Statements []string
}

// Freshness is the age of a source table.
type Freshness struct {
	MaxLoadedAt time.Time // zero when the table has no rows
	SnapshotAt  time.Time // the server's now()
}

// Cataloger reads what exists and makes schemas.
type Cataloger interface {
	// Catalog lists the relations in the given schemas in one round trip.
	Catalog(ctx context.Context, schemas []string) (Catalog, error)
	// CreateSchema creates the schema if it does not exist.
	CreateSchema(ctx context.Context, schema string) error
}

// Builder materializes models.
type Builder interface {
	// Build materializes one model atomically: on error, what was at
	// b.Relation before is left exactly as it was.
	Build(ctx context.Context, b Build) (BuildResult, error)
}

// Seeder loads seeds.
type Seeder interface {
	// LoadSeed replaces the seed's table atomically with the given rows.
	LoadSeed(ctx context.Context, s Seed) (BuildResult, error)
}

// TextSeeder is a Seeder that also loads a seed's rows as text, in a
// stream: LoadSeedText does what LoadSeed does, with rows instead of
// s.Rows, so that the values need not be converted to Go values and back.
type TextSeeder interface {
	LoadSeedText(ctx context.Context, s Seed, rows SeedRows) (BuildResult, error)
}

// Tester runs data tests and source freshness checks.
type Tester interface {
	RunTest(ctx context.Context, t Test) (TestResult, error)
	// SourceFreshness reads max(loadedAtField) of rel, with an optional
	// filter (a SQL condition).
	SourceFreshness(ctx context.Context, rel Relation, loadedAtField, filter string) (Freshness, error)
}

// Executor runs the on-run-start and on-run-end hooks, each statement in
// its own transaction.
type Executor interface {
	Exec(ctx context.Context, nodeID, invocationID, sql string) error
}

// Warehouse is what the runner needs from a database.
type Warehouse interface {
	Cataloger
	Builder
	Seeder
	Tester
	Executor
	// Close releases the connections.
	Close()
}

// QueryError is a database error in a model's SQL, with its position mapped
// back to the compiled model SQL where the server reported one.
type QueryError struct {
	Code    string // SQLSTATE
	Message string
	Detail  string
	Hint    string
	Line    int // 1-based line within Build.SQL; 0 when the error has no position there
	Col     int
}

func (e *QueryError) Error() string {
	msg := e.Message
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	if e.Code != "" {
		msg = fmt.Sprintf("%s [SQLSTATE %s]", msg, e.Code)
	}
	return msg
}

// SeedRowError is a value of a seed's row that the warehouse refused. Row
// counts the rows as they were given (s.Rows, or SeedRows), from 1; the
// runner, which has the file, turns it into the file's line.
type SeedRowError struct {
	Row     int
	Column  string // the column of the value; "" when the warehouse did not say
	Message string // what the warehouse said, e.g. `invalid input syntax for type uuid: "x" [SQLSTATE 22P02]`
	Err     error  // the warehouse's own error, if any
}

func (e *SeedRowError) Error() string {
	msg := fmt.Sprintf("row %d of the seed's data (after the header)", e.Row)
	if e.Column != "" {
		msg += fmt.Sprintf(", column %q", e.Column)
	}
	return msg + ": " + e.Message
}

func (e *SeedRowError) Unwrap() error { return e.Err }
