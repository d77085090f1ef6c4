package features

import (
	"context"
	"fmt"
	"strings"

	"github.com/cucumber/godog"
	"github.com/jackc/pgx/v5"
)

// The steps about the database, through the scenario's warehouse
// (warehouse_test.go).

// databaseHas runs the docstring in the scenario schema, creating it first.
func (s *scenario) databaseHas(ctx context.Context, doc *godog.DocString) error {
	sql := s.expand(doc.Content)
	if err := s.db.exec(ctx, s.schema, sql); err != nil {
		return fmt.Errorf("the database refused the setup SQL: %w\n%s", err, sql)
	}
	return nil
}

// query runs sql in the scenario schema.
func (s *scenario) query(ctx context.Context, sql string) (cols []string, rows [][]string, err error) {
	cols, rows, err = s.db.query(ctx, s.schema, sql)
	if err != nil {
		return nil, nil, fmt.Errorf("query %s: %w", sql, err)
	}
	return cols, rows, nil
}

// relation splits NAME or SCHEMA.NAME; NAME is in the scenario schema.
func (s *scenario) relation(name string) (schema, rel string) {
	name = s.expand(name)
	if sch, n, ok := strings.Cut(name, "."); ok {
		return sch, n
	}
	return s.schema, name
}

// relationsIn lists the relations of schema with their kinds, for failure
// messages.
func (s *scenario) relationsIn(ctx context.Context, schema string) string {
	rels, err := s.db.relations(ctx, schema)
	switch {
	case err != nil:
		return fmt.Sprintf("schema %s: %v", schema, err)
	case len(rels) == 0:
		return fmt.Sprintf("schema %s has no relations (or does not exist)", schema)
	}
	var list []string
	for _, r := range rels {
		list = append(list, fmt.Sprintf("%s (%s)", r.name, r.kind))
	}
	return fmt.Sprintf("schema %s has: %s", schema, strings.Join(list, ", "))
}

// runContext is the last kiln command, when there was one, for failure
// messages about the database.
func (s *scenario) runContext() string {
	if s.last == nil {
		return ""
	}
	return "\n" + s.last.String()
}

func (s *scenario) relationIs(ctx context.Context, name, want string) error {
	schema, rel := s.relation(name)
	kind, err := kindOf(ctx, s.db, schema, rel)
	if err != nil {
		return err
	}
	if kind != want {
		got := "does not exist"
		if kind != "" {
			got = "is a " + kind
		}
		return fmt.Errorf("%s %s, want a %s; %s%s", pgx.Identifier{schema, rel}.Sanitize(), got, want,
			s.relationsIn(ctx, schema), s.runContext())
	}
	return nil
}

func (s *scenario) relationAbsent(ctx context.Context, name string) error {
	schema, rel := s.relation(name)
	kind, err := kindOf(ctx, s.db, schema, rel)
	if err != nil {
		return err
	}
	if kind != "" {
		return fmt.Errorf("%s exists (a %s), want none%s", pgx.Identifier{schema, rel}.Sanitize(), kind, s.runContext())
	}
	return nil
}

// queryReturns compares the result of a query with a table whose first row
// names the columns. Values compare as PostgreSQL's text for them (numeric
// 10.50, boolean t/f), in the order the query returns them; null is NULL.
func (s *scenario) queryReturns(ctx context.Context, sql string, want *godog.Table) error {
	sql = s.expand(sql)
	cols, rows, err := s.query(ctx, sql)
	if err != nil {
		return fmt.Errorf("%w%s", err, s.runContext())
	}
	got := append([][]string{cols}, rows...)
	var exp [][]string
	for _, r := range want.Rows {
		var row []string
		for _, c := range r.Cells {
			row = append(row, s.expand(c.Value))
		}
		exp = append(exp, row)
	}
	if !equalRows(got, exp) {
		return fmt.Errorf("query %s\nreturned:\n%swant:\n%s%s", sql, formatTable(got), formatTable(exp), s.runContext())
	}
	return nil
}

func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return false
			}
		}
	}
	return true
}

// formatTable renders rows as a Gherkin table, ready to paste.
func formatTable(rows [][]string) string {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], len(c))
		}
	}
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  |")
		for i, c := range r {
			fmt.Fprintf(&b, " %-*s |", width[i], c)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (s *scenario) queryReturnsN(ctx context.Context, sql string, want int) error {
	sql = s.expand(sql)
	cols, rows, err := s.query(ctx, sql)
	if err != nil {
		return fmt.Errorf("%w%s", err, s.runContext())
	}
	if len(rows) != want {
		return fmt.Errorf("query %s\nreturned %d rows, want %d:\n%s%s", sql, len(rows), want,
			formatTable(append([][]string{cols}, rows...)), s.runContext())
	}
	return nil
}

func (s *scenario) tableHasN(ctx context.Context, name string, want int) error {
	schema, rel := s.relation(name)
	sql := "select count(*) from " + pgx.Identifier{schema, rel}.Sanitize()
	_, rows, err := s.query(ctx, sql)
	if err != nil {
		return fmt.Errorf("%w%s", err, s.runContext())
	}
	if got := rows[0][0]; got != fmt.Sprint(want) {
		return fmt.Errorf("%s has %s rows, want %d%s", pgx.Identifier{schema, rel}.Sanitize(), got, want, s.runContext())
	}
	return nil
}

// noRelationMatches checks that no relation of the scenario schema has a name
// LIKE pattern; "%" checks that the schema is empty or absent.
func (s *scenario) noRelationMatches(ctx context.Context, pattern string) error {
	pattern = s.expand(pattern)
	rels, err := s.db.relations(ctx, s.schema)
	if err != nil {
		return err
	}
	var names []string
	for _, r := range rels {
		if like(pattern, r.name) {
			names = append(names, r.name)
		}
	}
	if len(names) > 0 {
		return fmt.Errorf("relations in %s match %q: %s%s", s.schema, pattern, strings.Join(names, ", "), s.runContext())
	}
	return nil
}
