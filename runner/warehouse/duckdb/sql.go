//go:build cgo

package duckdb

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// This file holds the statements of builds, as pure functions of names and
// compiled SQL. Nothing here does I/O; sql_test.go pins the output with
// golden files.

// step is one statement of a transaction, with what is needed to report
// its failure well.
type step struct {
	SQL string
	// ModelAt is the character (not byte) offset at which Build.SQL (or,
	// for a hook, Source) starts inside SQL, or -1 when the statement does
	// not contain it.
	ModelAt int
	// What names the step for errors, e.g. `drop the old "s"."t"`.
	What string
	// Hook names the hook this statement runs, e.g. "pre_hook #2"; ModelAt
	// then points at Source, the hook's SQL, instead of the model's.
	Hook   string
	Source string
	// Rebuilds is the dependent view this statement recreates, if any.
	Rebuilds *dependent
	// Args are the values of the parameters $1, ... of SQL, if it has any.
	Args []any
}

// header is the comment every statement starts with.
func header(nodeID, invocationID string) string {
	return "/* kiln node=" + commentSafe(nodeID) + " invocation=" + commentSafe(invocationID) + " */\n"
}

// commentSafe makes s safe inside a block comment: DuckDB nests block
// comments, so neither "/*" nor "*/" may appear, and control characters
// are dropped.
func commentSafe(s string) string {
	var b strings.Builder
	var prev rune
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			continue
		}
		if (prev == '/' && r == '*') || (prev == '*' && r == '/') {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
		prev = r
	}
	return b.String()
}

// ident quotes one or more name parts, "a"."b", doubling quotes inside.
// DuckDB matches names without regard to case, quoted or not.
func ident(parts ...string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		p = strings.ReplaceAll(p, "\x00", "")
		q[i] = `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
	}
	return strings.Join(q, ".")
}

// rel quotes a relation as schema.name.
func rel(r warehouse.Relation) string { return ident(r.Schema, r.Name) }

// literal quotes s as a string constant; DuckDB reads backslashes in one
// literally.
func literal(s string) string {
	return `'` + strings.ReplaceAll(strings.ReplaceAll(s, "\x00", ""), `'`, `''`) + `'`
}

// kindWord is the SQL keyword for a relation kind in DROP and COMMENT ON.
func kindWord(k warehouse.Kind) string {
	if k == warehouse.View {
		return "view"
	}
	return "table"
}

// tempName names the table a build creates beside its target before
// swapping it in: the target's name, "__kiln_tmp_" and a hash of the
// invocation and the target, so that it is unique per invocation and
// target. DuckDB does not limit the length of names.
func tempName(r warehouse.Relation, invocationID string) string {
	return scratchName(r, invocationID, "__kiln_tmp_")
}

func scratchName(r warehouse.Relation, invocationID, infix string) string {
	sum := sha256.Sum256([]byte(invocationID + "\x00" + r.Schema + "\x00" + r.Name))
	return r.Name + infix + hex.EncodeToString(sum[:])[:8]
}

// modelStep wraps the model's SQL in "<prefix> (\n<sql>\n)". The closing
// parenthesis is on its own line so a trailing "-- comment" in the model
// cannot swallow it.
func modelStep(h, prefix, sql, what string) step {
	head := h + prefix + " (\n"
	return step{SQL: head + sql + "\n)", ModelAt: utf8.RuneCountInString(head), What: what}
}

// plain is a statement that does not contain the model's SQL.
func plain(h, sql, what string) step { return step{SQL: h + sql, ModelAt: -1, What: what} }

// queryStep is a query of kiln's; args are the values of $1, ...
func queryStep(h, sql, what string, args ...any) step {
	return step{SQL: h + sql, ModelAt: -1, What: what, Args: args}
}

// createTableAs creates r from the model's SQL.
func createTableAs(h string, r warehouse.Relation, sql string) step {
	return modelStep(h, "create table "+rel(r)+" as", sql, "create "+rel(r))
}

// createView creates (or replaces) the view r from the model's SQL.
func createView(h string, r warehouse.Relation, sql string, orReplace bool) step {
	verb := "create view "
	if orReplace {
		verb = "create or replace view "
	}
	return modelStep(h, verb+rel(r)+" as", sql, "create "+rel(r))
}

// kindQuery finds what is at ($1 schema, $2 name) now: one row, 'table' or
// 'view', or none. Names match without regard to case, as DuckDB resolves
// them.
const kindQuery = `select 'table' from duckdb_tables()
where database_name = current_database() and not temporary
  and lower(schema_name) = lower($1) and lower(table_name) = lower($2)
union all
select 'view' from duckdb_views()
where database_name = current_database() and not temporary and not internal
  and lower(schema_name) = lower($1) and lower(view_name) = lower($2)`

// lookupStep runs kindQuery for r.
func lookupStep(h string, r warehouse.Relation) step {
	return queryStep(h, kindQuery, "look up "+rel(r), r.Schema, r.Name)
}

// commentsQuery reads the comments of the relation ($1 schema, $2 name):
// one row with an empty column name for the relation's own, then one per
// commented column, in column order.
const commentsQuery = `select '' as column_name, comment, -1 as column_index from duckdb_tables()
where database_name = current_database() and not temporary and comment is not null
  and lower(schema_name) = lower($1) and lower(table_name) = lower($2)
union all
select '', comment, -1 from duckdb_views()
where database_name = current_database() and not temporary and not internal and comment is not null
  and lower(schema_name) = lower($1) and lower(view_name) = lower($2)
union all
select column_name, comment, column_index from duckdb_columns()
where database_name = current_database() and comment is not null
  and lower(schema_name) = lower($1) and lower(table_name) = lower($2)
order by column_index`

// columnsQuery lists the columns of the relation ($1 schema, $2 name) in
// the current database, with their types as DuckDB writes them.
const columnsQuery = `select column_name, data_type from duckdb_columns()
where database_name = current_database() and lower(schema_name) = lower($1) and lower(table_name) = lower($2)
order by column_index`

// tempColumnsQuery lists the columns of the temporary table $1.
const tempColumnsQuery = `select column_name, data_type from duckdb_columns()
where database_name = 'temp' and schema_name = 'main' and table_name = $1
order by column_index`

// carried is what a swap keeps of the relation it replaces: its comment and
// its columns' comments.
type carried struct {
	Comment        *string
	ColumnComments []columnComment
}

// columnComment is the comment of one column.
type columnComment struct {
	Column, Comment string
}

// swapSteps replaces target, whose kind is existing (Absent when nothing is
// there), with tmp, a table in the same schema created by the same
// transaction. The old relation is dropped, not renamed out of the way:
// DuckDB refuses to rename a table that has an index, and drops its
// indexes with it.
func swapSteps(h string, target warehouse.Relation, existing warehouse.Kind, tmp string) []step {
	var steps []step
	if existing != warehouse.Absent {
		steps = append(steps, dropStep(h, target, existing, "drop the old "+rel(target)))
	}
	tmpRel := warehouse.Relation{Schema: target.Schema, Name: tmp}
	return append(steps, plain(h, "alter table "+rel(tmpRel)+" rename to "+ident(target.Name),
		"rename "+rel(tmpRel)+" to "+ident(target.Name)))
}

// dropStep drops r, of kind k.
func dropStep(h string, r warehouse.Relation, k warehouse.Kind, what string) step {
	return plain(h, "drop "+kindWord(k)+" "+rel(r), what)
}

// viewSteps puts the model's view at target, where existing is: in place
// over a view or nothing (CREATE OR REPLACE VIEW accepts any change of
// columns), else after dropping the table.
func viewSteps(h string, target warehouse.Relation, existing warehouse.Kind, sql string) []step {
	if existing == warehouse.Table {
		return []step{dropStep(h, target, existing, "drop the old "+rel(target)), createView(h, target, sql, false)}
	}
	return []step{createView(h, target, sql, true)}
}

// carrySteps gives target, now a relation of kind k with the given
// columns, the comments of the relation it replaced; a column comment is
// kept when a column of that name (in any case) is still there.
func carrySteps(h string, target warehouse.Relation, k warehouse.Kind, own carried, columns []string) []step {
	var steps []step
	if own.Comment != nil {
		steps = append(steps, plain(h, "comment on "+kindWord(k)+" "+rel(target)+" is "+literal(*own.Comment),
			"keep the comment of "+rel(target)))
	}
	for _, c := range own.ColumnComments {
		for _, col := range columns {
			if strings.EqualFold(col, c.Column) {
				steps = append(steps, plain(h, "comment on column "+ident(target.Schema, target.Name, col)+" is "+literal(c.Comment),
					"keep the comment of column "+ident(col)+" of "+rel(target)))
				break
			}
		}
	}
	return steps
}

// dependent is a view that names a replaced relation, directly or through
// other views, as DuckDB stored it.
type dependent struct {
	Rel     warehouse.Relation
	SQL     string // its CREATE VIEW statement, as duckdb_views() gives it
	Comment *string
	Columns []columnComment // its commented columns
}

// recreateSteps rebuild d from its stored statement, so that it binds to
// the relations as they are now; its comments are given back afterwards,
// once its columns are known (see carrySteps).
func recreateSteps(h string, d *dependent) []step {
	def := strings.TrimSuffix(strings.TrimSpace(d.SQL), ";")
	if rest, ok := strings.CutPrefix(def, "CREATE VIEW "); ok {
		return []step{{SQL: h + "create or replace view " + rest, ModelAt: -1, What: "recreate view " + rel(d.Rel), Rebuilds: d}}
	}
	return []step{
		{SQL: h + "drop view " + rel(d.Rel), ModelAt: -1, What: "drop view " + rel(d.Rel) + " to recreate it", Rebuilds: d},
		{SQL: h + def, ModelAt: -1, What: "recreate view " + rel(d.Rel), Rebuilds: d},
	}
}
