package features

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cucumber/godog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pool is a small pool of connections to the test server, shared by all
// scenarios (pgxpool would need a module this repository does not require).
type pool struct {
	cfg  *pgx.ConnConfig
	idle chan *pgx.Conn
}

func newPool(cfg *pgx.ConnConfig) *pool {
	return &pool{cfg: cfg, idle: make(chan *pgx.Conn, 16)}
}

func (p *pool) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case c := <-p.idle:
		return c, nil
	default:
		return pgx.ConnectConfig(ctx, p.cfg.Copy())
	}
}

// release returns c to the pool if it is healthy and idle, else closes it.
func (p *pool) release(c *pgx.Conn) {
	if c.IsClosed() || c.PgConn().TxStatus() != 'I' {
		c.Close(context.Background())
		return
	}
	select {
	case p.idle <- c:
	default:
		c.Close(context.Background())
	}
}

func (p *pool) close() {
	for {
		select {
		case c := <-p.idle:
			c.Close(context.Background())
		default:
			return
		}
	}
}

// inSchema runs fn in a transaction whose search_path is schema. It commits
// only when asked to.
func (s *scenario) inSchema(ctx context.Context, schema string, commit bool, fn func(pgx.Tx) error) error {
	c, err := s.h.db.acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to the test database: %w", err)
	}
	defer s.h.db.release(c)
	tx, err := c.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "select set_config('search_path', $1, true)", pgx.Identifier{schema}.Sanitize()); err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		return err
	}
	if commit {
		return tx.Commit(ctx)
	}
	return nil
}

// execIn creates schema if needed and runs sql (any number of statements) in
// it.
func (s *scenario) execIn(ctx context.Context, schema, sql string) error {
	return s.inSchema(ctx, schema, true, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "create schema if not exists "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return err
		}
		_, err := tx.Conn().PgConn().Exec(ctx, sql).ReadAll()
		return err
	})
}

// query runs one statement in the scenario schema with the simple protocol,
// so that every value comes back as PostgreSQL's text for it, and returns
// the column names and rows. NULL is "null".
func (s *scenario) query(ctx context.Context, sql string) (cols []string, rows [][]string, err error) {
	err = s.inSchema(ctx, s.schema, false, func(tx pgx.Tx) error {
		results, err := tx.Conn().PgConn().Exec(ctx, sql).ReadAll()
		if err != nil {
			return err
		}
		if len(results) == 0 {
			return nil
		}
		last := results[len(results)-1]
		for _, f := range last.FieldDescriptions {
			cols = append(cols, f.Name)
		}
		for _, raw := range last.Rows {
			row := make([]string, len(raw))
			for i, v := range raw {
				if v == nil {
					row[i] = "null"
				} else {
					row[i] = string(v)
				}
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("query %s: %w", sql, err)
	}
	return cols, rows, nil
}

// databaseHas runs the docstring in the scenario schema, creating it first.
func (s *scenario) databaseHas(ctx context.Context, doc *godog.DocString) error {
	sql := s.expand(doc.Content)
	if err := s.execIn(ctx, s.schema, sql); err != nil {
		return fmt.Errorf("the database refused the setup SQL: %w\n%s", pgErrorDetail(err, sql), sql)
	}
	return nil
}

// pgErrorDetail adds where in sql a server error points, when it does.
func pgErrorDetail(err error, sql string) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Position == 0 {
		return err
	}
	line, col := 1, 1
	for i, r := range []rune(sql) {
		if i == int(pe.Position)-1 {
			break
		}
		if col++; r == '\n' {
			line, col = line+1, 1
		}
	}
	return fmt.Errorf("%w (at line %d, column %d)", err, line, col)
}

// relation splits NAME or SCHEMA.NAME; NAME is in the scenario schema.
func (s *scenario) relation(name string) (schema, rel string) {
	name = s.expand(name)
	if sch, n, ok := strings.Cut(name, "."); ok {
		return sch, n
	}
	return s.schema, name
}

var relkinds = map[string]string{
	"r": "table", "p": "table", "v": "view", "m": "materialized view",
	"f": "foreign table", "i": "index", "S": "sequence", "c": "composite type",
}

// kindOf returns what schema.name is ("table", "view", ...), "" if absent.
func (s *scenario) kindOf(ctx context.Context, schema, name string) (string, error) {
	var kind string
	err := s.inSchema(ctx, s.schema, false, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `select c.relkind::text from pg_class c
			join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = $1 and c.relname = $2`, schema, name).Scan(&kind)
		if err == pgx.ErrNoRows {
			return nil
		}
		return err
	})
	if k, ok := relkinds[kind]; ok {
		return k, err
	}
	return kind, err
}

// relationsIn lists the relations of schema with their kinds, for failure
// messages.
func (s *scenario) relationsIn(ctx context.Context, schema string) string {
	var list []string
	err := s.inSchema(ctx, s.schema, false, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select c.relname, c.relkind::text from pg_class c
			join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = $1 order by 1`, schema)
		if err != nil {
			return err
		}
		var name, kind string
		_, err = pgx.ForEachRow(rows, []any{&name, &kind}, func() error {
			if k, ok := relkinds[kind]; ok {
				kind = k
			}
			list = append(list, fmt.Sprintf("%s (%s)", name, kind))
			return nil
		})
		return err
	})
	switch {
	case err != nil:
		return fmt.Sprintf("schema %s: %v", schema, err)
	case len(list) == 0:
		return fmt.Sprintf("schema %s has no relations (or does not exist)", schema)
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
	kind, err := s.kindOf(ctx, schema, rel)
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
	kind, err := s.kindOf(ctx, schema, rel)
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
	var names []string
	err := s.inSchema(ctx, s.schema, false, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select c.relname from pg_class c
			join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = $1 and c.relname like $2 order by 1`, s.schema, pattern)
		if err != nil {
			return err
		}
		names, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return err
	}
	if len(names) > 0 {
		return fmt.Errorf("relations in %s match %q: %s%s", s.schema, pattern, strings.Join(names, ", "), s.runContext())
	}
	return nil
}

// dropSchemas drops the scenario schema and every <schema>_* schema (custom
// schemas, the example's _raw) with everything in them.
func (s *scenario) dropSchemas(ctx context.Context) error {
	c, err := s.h.db.acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to drop the scenario's schemas: %w", err)
	}
	defer s.h.db.release(c)
	rows, err := c.Query(ctx, `select nspname from pg_namespace
		where nspname = $1 or left(nspname, length($1) + 1) = $1 || '_'`, s.schema)
	if err != nil {
		return err
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, sch := range schemas {
		if _, err := c.Exec(ctx, "drop schema if exists "+pgx.Identifier{sch}.Sanitize()+" cascade"); err != nil {
			return fmt.Errorf("drop schema %s: %w", sch, err)
		}
	}
	return nil
}
