// Package postgres is kiln's PostgreSQL warehouse: it reads the catalog,
// creates schemas and materializes models as views, tables and incremental
// tables, swapping new relations in without losing the views that depend on
// the old ones, and folding new rows into incremental tables in one
// transaction.
package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Config says where and how to connect. Empty fields fall back to libpq's
// environment variables (PGHOST, PGPORT, ...) and then to its defaults.
type Config struct {
	Host            string
	Port            int
	User            string
	Password        string
	DBName          string
	SSLMode         string // disable, allow, prefer, require, verify-ca, verify-full
	MaxConns        int    // 0: pgxpool's default
	ApplicationName string // "kiln" when empty
	ConnectTimeout  time.Duration
}

// Warehouse is a pool of connections to one PostgreSQL database. It
// implements warehouse.Warehouse.
type Warehouse struct {
	pool *pgxpool.Pool

	versionMu  sync.Mutex
	versionNum int // server_version_num, 0 until an increment needs it
}

var _ warehouse.Warehouse = (*Warehouse)(nil)

// How a cancelled context stops a statement: after cancelRequestDelay a
// cancel request is sent to the server, so the backend stops working and the
// connection stays usable; if the server has not answered by deadlineDelay
// the socket is cut.
const (
	cancelRequestDelay = 10 * time.Millisecond
	deadlineDelay      = 3 * time.Second
)

// Open connects to the database c describes and checks that it answers.
func Open(ctx context.Context, c Config) (*Warehouse, error) {
	cfg, err := poolConfig(c)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return &Warehouse{pool: pool}, nil
}

// poolConfig turns c into a pool configuration. The non-secret settings go
// through pgx's parser, percent-encoded, because sslmode decides the TLS
// configuration and the fallbacks, and host, port, user and database decide
// which ~/.pgpass line applies; the password is set on the parsed config and
// is never part of a string.
func poolConfig(c Config) (*pgxpool.Config, error) {
	switch c.SSLMode {
	case "", "disable", "allow", "prefer", "require", "verify-ca", "verify-full":
	default:
		// pgx checks sslmode only for TCP hosts; say it for every host.
		return nil, fmt.Errorf("sslmode %q is not one of disable, allow, prefer, require, verify-ca, verify-full", c.SSLMode)
	}
	var params []string
	add := func(k, v string) {
		if v != "" {
			params = append(params, k+"="+percentEncode(v))
		}
	}
	add("host", c.Host)
	if c.Port != 0 {
		add("port", strconv.Itoa(c.Port))
	}
	add("user", c.User)
	add("dbname", c.DBName)
	add("sslmode", c.SSLMode)
	connString := ""
	if len(params) > 0 {
		connString = "postgres://?" + strings.Join(params, "&")
	}
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	if c.Password != "" {
		cfg.ConnConfig.Password = c.Password
	}
	if c.MaxConns > 0 {
		cfg.MaxConns = int32(c.MaxConns)
	}
	if c.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = c.ConnectTimeout
	}
	app := c.ApplicationName
	if app == "" {
		app = "kiln"
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = app
	cfg.AfterConnect = readSession
	cfg.ConnConfig.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{
			Conn:               pc,
			CancelRequestDelay: cancelRequestDelay,
			DeadlineDelay:      deadlineDelay,
		}
	}
	return cfg, nil
}

// percentEncode escapes every byte but the URI-unreserved ones, so any value
// survives libpq's URI decoding unchanged.
func percentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// Close releases the connections.
//
// It waits at most closeWait: pgx drains a connection whose query ignored
// a cancel request for up to 15 s before giving up on it, which would keep
// a SIGTERMed kiln alive. Past closeWait the connections are abandoned;
// the process exits, the sockets close, and the server rolls back any open
// transaction when it notices.
func (w *Warehouse) Close() {
	done := make(chan struct{})
	go func() {
		w.pool.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(closeWait):
	}
}

// closeWait bounds Close.
const closeWait = 2 * time.Second

// Ping checks that the server answers.
func (w *Warehouse) Ping(ctx context.Context) error { return w.pool.Ping(ctx) }

// ServerVersion returns the server's version, e.g. "15.8 (Debian 15.8-1)".
func (w *Warehouse) ServerVersion(ctx context.Context) (string, error) {
	var v string
	err := w.pool.QueryRow(ctx, "show server_version").Scan(&v)
	return v, err
}
