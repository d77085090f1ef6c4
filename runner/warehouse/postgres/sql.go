package postgres

import (
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// This file holds every statement kiln sends to PostgreSQL, as pure functions
// of names and compiled SQL. Nothing here does I/O; sql_test.go pins the
// output with golden files.

// step is one statement of a build, with what the executor needs to report
// its failure well.
type step struct {
	SQL string
	// ModelAt is the character (not byte) offset at which Build.SQL starts
	// inside SQL, or -1 when the statement does not contain the model's SQL.
	ModelAt int
	// Rebuilds is the dependent this statement recreates, if any.
	Rebuilds *dependent
	// What names the step for errors, e.g. `drop the old "s"."t"`.
	What string
	// Args are the values of the parameters $1, ... of SQL, if it has any.
	Args []any
	// Hook names the hook this statement runs, e.g. "pre_hook #2"; ModelAt
	// then points at Source, the hook's SQL, instead of the model's.
	Hook   string
	Source string
	// Advisory is the relation whose advisory lock the statement waits
	// for: a lock_timeout there means another kiln run holds it.
	Advisory *warehouse.Relation
	// Query is set when the statement's rows are read; other statements'
	// rows are skipped as they arrive.
	Query bool
	// Inert is set on kiln's statements that cannot change the session
	// beyond the transaction: BEGIN, COMMIT, SET LOCAL, the advisory lock,
	// CREATE VIEW (which stores the model's query without running it).
	// Any other statement may run SQL of the user's (hooks, models,
	// incremental predicates, triggers), so that afterwards nothing is
	// known about the session's settings; see run.ranForeignSQL.
	Inert bool
}

// single reports whether s is certainly not more than one statement, as a
// pipeline of the extended protocol needs: kiln's own statements are not,
// and neither is one that holds the model's or a hook's SQL without a
// semicolon. One that may hold several is sent alone, by the simple
// protocol, as written.
func (s step) single() bool {
	return s.ModelAt < 0 || !strings.Contains(s.SQL, ";")
}

// header is the comment every statement starts with.
func header(nodeID, invocationID string) string {
	return "/* kiln node=" + commentSafe(nodeID) + " invocation=" + commentSafe(invocationID) + " */\n"
}

// commentSafe makes s safe inside a block comment: PostgreSQL nests block
// comments, so neither "/*" nor "*/" may appear, and control characters are
// dropped.
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

// ident quotes one or more name parts.
func ident(parts ...string) string { return pgx.Identifier(parts).Sanitize() }

// literal quotes s as a string constant that means the same whatever
// standard_conforming_strings is, as PostgreSQL's quote_literal does.
func literal(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if strings.Contains(s, `\`) {
		return `E'` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `''`) + `'`
	}
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}

// kindWord is the SQL keyword for a relation kind in ALTER, DROP and COMMENT.
func kindWord(k warehouse.Kind) string {
	switch k {
	case warehouse.View:
		return "view"
	case warehouse.MaterializedView:
		return "materialized view"
	default:
		return "table"
	}
}

// modelStep wraps the model's SQL in "<prefix> (\n<sql>\n)". The closing
// parenthesis is on its own line so a trailing "-- comment" in the model
// cannot swallow it.
func modelStep(h, prefix, sql, what string) step {
	head := h + prefix + " (\n"
	return step{SQL: head + sql + "\n)", ModelAt: utf8.RuneCountInString(head), What: what}
}

// createTableAs creates rel from the model's SQL.
func createTableAs(h string, rel warehouse.Relation, sql string) step {
	return modelStep(h, "create table "+ident(rel.Schema, rel.Name)+" as", sql, "create "+rel.String())
}

// createView creates (or replaces) the view rel from the model's SQL.
func createView(h string, rel warehouse.Relation, sql string, orReplace bool) step {
	verb := "create view "
	if orReplace {
		verb = "create or replace view "
	}
	s := modelStep(h, verb+ident(rel.Schema, rel.Name)+" as", sql, "create "+rel.String())
	s.Inert = s.single() // several statements may do anything
	return s
}

// plain is a statement that does not contain the model's SQL.
func plain(h, sql, what string) step { return step{SQL: h + sql, ModelAt: -1, What: what} }

// queryStep is a query of kiln's, sql (comment included), whose rows are
// read; args are the values of its parameters $1, ...
func queryStep(sql, what string, args ...any) step {
	return step{SQL: sql, ModelAt: -1, What: what, Args: args, Query: true}
}

// beginStep and commitStep start and end the transaction of a build.
func beginStep(h string) step  { return inert(plain(h, "begin", "begin the transaction")) }
func commitStep(h string) step { return inert(plain(h, "commit", "commit")) }

// inert marks s as a statement that leaves the session as it was.
func inert(s step) step {
	s.Inert = true
	return s
}

// setCatalogSearchPath makes every name that pg_get_viewdef and friends print
// schema-qualified, and makes the recreated definitions resolve exactly as
// printed. It lasts until the end of the transaction.
func setCatalogSearchPath(h string) step {
	return plain(h, "set local search_path = pg_catalog", "set search_path")
}

// lookupQuery finds what is at ($1 schema, $2 name) now.
func lookupQuery(h string) string {
	return h + `select c.oid, c.relkind::text
from pg_catalog.pg_class c
join pg_catalog.pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relname = $2`
}

// lookupStep runs lookupQuery for rel.
func lookupStep(h string, rel warehouse.Relation) step {
	return queryStep(lookupQuery(h), "look up "+rel.String(), rel.Schema, rel.Name)
}

// swapSteps replaces target (whose kind is existing, Absent if nothing is
// there) with tmp, a relation of kind tmpKind in the same schema, giving it
// own, the comments and grants of the old target, and keeping deps, the
// views and materialized views that depend on target, ordered shallowest
// first. Dependents are dropped deepest first before the target is locked,
// so the locks are taken in the order readers of those views take them
// (outer view first) and a reader cannot deadlock with the swap.
func swapSteps(h string, target warehouse.Relation, existing warehouse.Kind, tmp string, tmpKind warehouse.Kind, backup string,
	own carried, deps []dependent) []step {
	tmpRel := warehouse.Relation{Schema: target.Schema, Name: tmp}
	rename := func(k warehouse.Kind, r warehouse.Relation, to, what string) step {
		return plain(h, "alter "+kindWord(k)+" "+ident(r.Schema, r.Name)+" rename to "+ident(to), what)
	}
	if existing == warehouse.Absent {
		return []step{rename(tmpKind, tmpRel, target.Name, "rename "+tmpRel.String()+" to "+ident(target.Name))}
	}
	var steps []step
	for i := len(deps) - 1; i >= 0; i-- {
		d := deps[i]
		steps = append(steps, plain(h, "drop "+kindWord(d.Kind)+" "+ident(d.Rel.Schema, d.Rel.Name),
			"drop dependent "+kindWord(d.Kind)+" "+d.Rel.String()))
	}
	if existing == warehouse.Table {
		steps = append(steps, plain(h, "lock table "+ident(target.Schema, target.Name)+" in access exclusive mode",
			"lock "+target.String()))
	}
	backupRel := warehouse.Relation{Schema: target.Schema, Name: backup}
	steps = append(steps,
		rename(existing, target, backup, "rename "+target.String()+" out of the way"),
		rename(tmpKind, tmpRel, target.Name, "rename "+tmpRel.String()+" to "+ident(target.Name)),
		plain(h, "drop "+kindWord(existing)+" "+ident(backupRel.Schema, backupRel.Name), "drop the old "+target.String()),
	)
	steps = append(steps, carrySteps(h, target, tmpKind, own)...)
	for i := range deps {
		for _, sql := range recreateDependent(deps[i]) {
			s := plain(h, sql, "")
			s.Rebuilds = &deps[i]
			steps = append(steps, s)
		}
	}
	return steps
}

// recreateDependent returns the statements that rebuild d as it was
// captured: definition and options, owner, comments, column defaults, grants,
// then its indexes, triggers and rules.
func recreateDependent(d dependent) []string {
	name := ident(d.Rel.Schema, d.Rel.Name)
	kw := kindWord(d.Kind)
	var b strings.Builder
	b.WriteString("create " + kw + " " + name)
	if len(d.Options) > 0 {
		b.WriteString(" with (")
		for i, o := range d.Options {
			if i > 0 {
				b.WriteString(", ")
			}
			k, v, _ := strings.Cut(o, "=")
			b.WriteString(ident(k) + " = " + literal(v))
		}
		b.WriteString(")")
	}
	b.WriteString(" as\n" + trimDefinition(d.Definition))
	if d.Kind == warehouse.MaterializedView {
		if d.Populated {
			b.WriteString("\nwith data")
		} else {
			b.WriteString("\nwith no data")
		}
	}
	out := []string{b.String()}
	if d.Owner != "" {
		out = append(out, "alter "+kw+" "+name+" owner to "+ident(d.Owner))
	}
	if d.Comment != nil {
		out = append(out, "comment on "+kw+" "+name+" is "+literal(*d.Comment))
	}
	for _, c := range d.ColumnComments {
		out = append(out, "comment on column "+ident(d.Rel.Schema, d.Rel.Name, c.Column)+" is "+literal(c.Comment))
	}
	for _, c := range d.ColumnDefaults {
		out = append(out, "alter "+kw+" "+name+" alter column "+ident(c.Column)+" set default "+c.Default)
	}
	for _, g := range d.Grants {
		out = append(out, grantSQL(name, g))
	}
	for _, e := range d.Extras {
		out = append(out, trimDefinition(e))
	}
	return out
}

// grantSQL renders one captured privilege.
func grantSQL(name string, g grant) string {
	s := "grant " + strings.ToLower(g.Privilege)
	if g.Column != "" {
		s += " (" + ident(g.Column) + ")"
	}
	s += " on " + name + " to "
	if g.Grantee == "" {
		s += "public"
	} else {
		s += ident(g.Grantee)
	}
	if g.Grantable {
		s += " with grant option"
	}
	return s
}

// trimDefinition drops the whitespace and the semicolon that pg_get_viewdef
// and pg_get_ruledef put around a definition.
func trimDefinition(s string) string {
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), ";"))
}
