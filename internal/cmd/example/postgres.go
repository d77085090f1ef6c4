package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/internal/pgtest"
)

// postgres is a PostgreSQL server, and the profile's postgres target.
type postgres struct {
	srv *pgtest.Server
	cfg *pgx.ConnConfig
}

// openPostgres uses the server named by KILN_TEST_DATABASE_URL, or starts
// a throwaway one.
func openPostgres(ctx context.Context) (*postgres, error) {
	srv, err := pgtest.Open(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := pgx.ParseConfig(srv.URL)
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("%s: %w", pgtest.EnvURL, err)
	}
	return &postgres{srv: srv, cfg: cfg}, nil
}

func (p *postgres) String() string { return fmt.Sprintf("PostgreSQL on %s:%d", p.cfg.Host, p.cfg.Port) }

func (p *postgres) target() string { return "postgres" }

func (p *postgres) close() { p.srv.Stop() }

// env points the postgres target of models_example/profiles.yml at the
// server.
func (p *postgres) env() map[string]string {
	set := map[string]string{
		"PGHOST":      p.cfg.Host,
		"PGPORT":      strconv.Itoa(int(p.cfg.Port)),
		"PGUSER":      p.cfg.User,
		"PGPASSWORD":  p.cfg.Password,
		"PGDATABASE":  p.cfg.Database,
		"KILN_SCHEMA": schema,
	}
	if u, err := url.Parse(p.srv.URL); err == nil && u.Query().Get("sslmode") != "" {
		set["PGSSLMODE"] = u.Query().Get("sslmode")
	}
	return set
}

// load (re)creates the raw schema's tables from the fixture files.
func (p *postgres) load(ctx context.Context, files []string) error {
	conn, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	raw := pgx.Identifier{rawSchema}.Sanitize()
	if _, err := conn.Exec(ctx, "create schema if not exists "+raw+"; set search_path = "+raw); err != nil {
		return err
	}
	for _, f := range files {
		sql, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if _, err := conn.Exec(ctx, string(sql)); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return nil
}

// query reads every value as PostgreSQL's text for it (simple protocol).
func (p *postgres) query(ctx context.Context, sql string) ([][]string, error) {
	conn, err := pgx.ConnectConfig(ctx, p.cfg)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	res, err := conn.PgConn().Exec(ctx, sql).ReadAll()
	if err != nil {
		return nil, err
	}
	var rows [][]string
	for _, raw := range res[len(res)-1].Rows {
		row := make([]string, len(raw))
		for i, v := range raw {
			row[i] = string(v)
		}
		rows = append(rows, row)
	}
	return rows, nil
}
