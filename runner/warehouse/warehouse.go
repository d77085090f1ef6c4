// Package warehouse defines what the runner needs from a database, and the
// values that cross that boundary. Implementations live in subpackages
// (postgres/); the runner never imports them.
package warehouse

import (
	"context"
	"fmt"

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

// Warehouse is what the runner needs from a database.
type Warehouse interface {
	// Catalog lists the relations in the given schemas in one round trip.
	Catalog(ctx context.Context, schemas []string) (Catalog, error)
	// CreateSchema creates the schema if it does not exist.
	CreateSchema(ctx context.Context, schema string) error
	// Build materializes one model atomically: on error, what was at
	// b.Relation before is left exactly as it was.
	Build(ctx context.Context, b Build) (BuildResult, error)
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
