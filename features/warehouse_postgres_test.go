package features

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/internal/pgtest"
)

// postgres is a PostgreSQL server (KILN_TEST_DATABASE_URL, or a throwaway
// cluster) where each scenario gets a schema, dropped with every
// <schema>_* schema when the scenario ends.
type postgres struct {
	server *pgtest.Server
	conn   *pgx.ConnConfig // parsed server URL
	pool   *pool
}

func openPostgres(ctx context.Context) (*postgres, error) {
	srv, err := pgtest.Open(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(srv.URL)
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("parse the server URL: %w", err)
	}
	return &postgres{server: srv, conn: cfg, pool: newPool(cfg)}, nil
}

func (w *postgres) name() string { return "postgres" }

func (w *postgres) open(schema, dir string) database { return &pgDatabase{w: w, schema: schema} }

func (w *postgres) close() {
	w.pool.close()
	w.server.Stop()
}

// pgDatabase is a scenario's schema on the server.
type pgDatabase struct {
	w      *postgres
	schema string
}

// pgOutput is a postgres output of profiles.yml.
type pgOutput struct {
	Type     string `yaml:"type"`
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"`
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	DBName   string `yaml:"dbname"`
	Schema   string `yaml:"schema"`
	Threads  int    `yaml:"threads"`
	SSLMode  string `yaml:"sslmode,omitempty"`
}

// output points at the server; offline, at port 1 on 127.0.0.1, where
// every connection attempt fails.
func (d *pgDatabase) output(offline bool) any {
	c := d.w.conn
	out := pgOutput{
		Type: "postgres", Host: c.Host, Port: int(c.Port), User: c.User, Password: c.Password,
		DBName: c.Database, Schema: d.schema, Threads: 4,
	}
	if c.TLSConfig == nil {
		out.SSLMode = "disable"
	}
	if offline {
		out.Host, out.Port = "127.0.0.1", 1
	}
	return out
}

// inSchema runs fn in a transaction whose search_path is schema. It commits
// only when asked to.
func (d *pgDatabase) inSchema(ctx context.Context, schema string, commit bool, fn func(pgx.Tx) error) error {
	c, err := d.w.pool.acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to the test database: %w", err)
	}
	defer d.w.pool.release(c)
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

func (d *pgDatabase) exec(ctx context.Context, schema, sql string) error {
	return d.inSchema(ctx, schema, true, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "create schema if not exists "+pgx.Identifier{schema}.Sanitize()); err != nil {
			return err
		}
		_, err := tx.Conn().PgConn().Exec(ctx, sql).ReadAll()
		return pgErrorDetail(err, sql)
	})
}

// query uses the simple protocol, so that every value comes back as
// PostgreSQL's text for it.
func (d *pgDatabase) query(ctx context.Context, schema, sql string) (cols []string, rows [][]string, err error) {
	err = d.inSchema(ctx, schema, false, func(tx pgx.Tx) error {
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
	return cols, rows, err
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

var relkinds = map[string]string{
	"r": "table", "p": "table", "v": "view", "m": "materialized view",
	"f": "foreign table", "i": "index", "S": "sequence", "c": "composite type",
}

func (d *pgDatabase) relations(ctx context.Context, schema string) ([]relation, error) {
	var list []relation
	err := d.inSchema(ctx, d.schema, false, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `select c.relname, c.relkind::text from pg_class c
			join pg_namespace n on n.oid = c.relnamespace
			where n.nspname = $1 order by 1`, schema)
		if err != nil {
			return err
		}
		var r relation
		_, err = pgx.ForEachRow(rows, []any{&r.name, &r.kind}, func() error {
			if k, ok := relkinds[r.kind]; ok {
				r.kind = k
			}
			list = append(list, r)
			return nil
		})
		return err
	})
	return list, err
}

// drop drops the scenario schema and every <schema>_* schema (custom
// schemas, the example's _raw) with everything in them.
func (d *pgDatabase) drop(ctx context.Context) error {
	c, err := d.w.pool.acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to drop the scenario's schemas: %w", err)
	}
	defer d.w.pool.release(c)
	rows, err := c.Query(ctx, `select nspname from pg_namespace
		where nspname = $1 or left(nspname, length($1) + 1) = $1 || '_'`, d.schema)
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

// kilnActivity selects the sessions of the scenario's kiln: application_name
// kiln, and a statement that names the schema $1 as a whole word (schema
// names are [a-z0-9_], so they are safe in the pattern).
const kilnActivity = `select pid, coalesce(state, ''), coalesce(date_trunc('milliseconds', now() - query_start)::text, ''), query
from pg_stat_activity
where application_name = 'kiln'
  and query ~ ('(^|[^a-z0-9_])' || $1 || '($|[^a-z0-9_])')`

// kilnQueries lists the sessions of the scenario's kiln whose statement
// contains text: the active ones, or with activeOnly false every one but
// the idle ones (so also those left in a transaction after it).
func (d *pgDatabase) kilnQueries(ctx context.Context, text string, activeOnly bool) ([]activity, error) {
	sql := kilnActivity + " and strpos(query, $2) > 0 and state <> 'idle'"
	if activeOnly {
		sql = kilnActivity + " and strpos(query, $2) > 0 and state = 'active'"
	}
	c, err := d.w.pool.acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect to the test database: %w", err)
	}
	defer d.w.pool.release(c)
	rows, err := c.Query(ctx, sql+" order by pid", d.schema, text)
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_activity: %w", err)
	}
	var out []activity
	var a activity
	_, err = pgx.ForEachRow(rows, []any{&a.pid, &a.state, &a.running, &a.query}, func() error {
		out = append(out, a)
		return nil
	})
	return out, err
}

// terminateKiln ends the server sessions of the scenario's kiln and waits
// until they are gone.
func (d *pgDatabase) terminateKiln(ctx context.Context) error {
	c, err := d.w.pool.acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to end kiln's sessions: %w", err)
	}
	defer d.w.pool.release(c)
	if _, err := c.Exec(ctx, "select pg_terminate_backend(pid) from ("+kilnActivity+") a", d.schema); err != nil {
		return fmt.Errorf("end kiln's sessions: %w", err)
	}
	gone, err := poll(ctx, killLimit, func() (bool, error) {
		var n int
		err := c.QueryRow(ctx, "select count(*) from ("+kilnActivity+") a", d.schema).Scan(&n)
		return n == 0, err
	})
	if err == nil && !gone {
		err = fmt.Errorf("kiln's sessions in schema %s were still there %s after pg_terminate_backend", d.schema, killLimit)
	}
	return err
}

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
