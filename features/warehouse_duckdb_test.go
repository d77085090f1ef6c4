//go:build cgo

package features

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
)

// duckDB is an embedded DuckDB: each scenario has its own database file,
// kiln.duckdb in its project dir, which goes with the dir.
type duckDB struct{}

// openDuckDB gives the DuckDB warehouse: one database file per scenario.
func openDuckDB() (warehouse, error) { return duckDB{}, nil }

// duckDBFile is the name of a scenario's database file in its project dir.
const duckDBFile = "kiln.duckdb"

func (duckDB) name() string { return "duckdb" }

func (duckDB) open(schema, dir string) database {
	return &duckDatabase{schema: schema, path: filepath.Join(dir, duckDBFile)}
}

func (duckDB) close() {}

// duckDatabase is a scenario's database file. DuckDB lets one process at a
// time write a file, so every step opens it, does its work and closes it
// again before kiln runs.
type duckDatabase struct {
	schema string
	path   string
}

// duckOutput is a duckdb output of profiles.yml.
type duckOutput struct {
	Type    string `yaml:"type"`
	Path    string `yaml:"path"`
	Schema  string `yaml:"schema"`
	Threads int    `yaml:"threads"`
}

// output points at the scenario's file; offline, at a file in a directory
// that does not exist, which DuckDB cannot create.
func (d *duckDatabase) output(offline bool) any {
	out := duckOutput{Type: "duckdb", Path: d.path, Schema: d.schema, Threads: 4}
	if offline {
		out.Path = filepath.Join(filepath.Dir(d.path), "no-such-dir", duckDBFile)
	}
	return out
}

// conn opens the database file and one connection to it, with schema as
// its default schema when that exists. Unless create is set, a missing
// file is not created: the connection is to an empty in-memory database.
// close closes both.
func (d *duckDatabase) conn(ctx context.Context, schema string, create bool) (c *sql.Conn, close func(), err error) {
	path := d.path
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && !create {
		path = ""
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		return nil, nil, fmt.Errorf("open %s: %w", d.path, err)
	}
	if c, err = db.Conn(ctx); err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("open %s: %w", d.path, err)
	}
	close = func() { c.Close(); db.Close() }
	if create {
		if _, err := c.ExecContext(ctx, "create schema if not exists "+pgx.Identifier{schema}.Sanitize()); err != nil {
			close()
			return nil, nil, err
		}
	}
	var exists bool
	err = c.QueryRowContext(ctx, `select count(*) > 0 from information_schema.schemata
		where catalog_name = current_database() and schema_name = ?`, schema).Scan(&exists)
	if err == nil && exists {
		_, err = c.ExecContext(ctx, "set search_path = "+quoteLiteral(pgx.Identifier{schema}.Sanitize()))
	}
	if err != nil {
		close()
		return nil, nil, err
	}
	return c, close, nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (d *duckDatabase) exec(ctx context.Context, schema, sql string) error {
	c, close, err := d.conn(ctx, schema, true)
	if err != nil {
		return err
	}
	defer close()
	_, err = c.ExecContext(ctx, sql)
	return err
}

func (d *duckDatabase) query(ctx context.Context, schema, sql string) (cols []string, rows [][]string, err error) {
	c, close, err := d.conn(ctx, schema, false)
	if err != nil {
		return nil, nil, err
	}
	defer close()
	rs, err := c.QueryContext(ctx, sql)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	if cols, err = rs.Columns(); err != nil {
		return nil, nil, err
	}
	types, err := rs.ColumnTypes()
	if err != nil {
		return nil, nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rs.Next() {
		if err := rs.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = pgText(v, types[i].DatabaseTypeName())
		}
		rows = append(rows, row)
	}
	return cols, rows, rs.Err()
}

// pgText renders a value that DuckDB returned for a column of type typ as
// PostgreSQL would print the same value, so that scenarios expect one text
// for both.
func pgText(v any, typ string) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		if v {
			return "t"
		}
		return "f"
	case string:
		return v
	case int8, int16, int32, int64, uint8, uint16, uint32, uint64, *big.Int:
		return fmt.Sprint(v)
	case duckdb.Decimal:
		return decimalText(v)
	case float32:
		return floatText(float64(v), 32)
	case float64:
		return floatText(v, 64)
	case time.Time:
		return timeText(v, typ)
	case duckdb.Interval:
		return intervalText(v)
	case []byte:
		if typ == "UUID" && len(v) == 16 {
			h := hex.EncodeToString(v)
			return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
		}
		return `\x` + hex.EncodeToString(v)
	case fmt.Stringer:
		return v.String()
	}
	if b, err := json.Marshal(v); err == nil { // lists, structs, maps, JSON
		return string(b)
	}
	return fmt.Sprint(v)
}

// decimalText prints every digit of the scale: 10.50, not 10.5.
func decimalText(d duckdb.Decimal) string {
	if d.Value == nil {
		return "null"
	}
	digits := new(big.Int).Abs(d.Value).String()
	sign := ""
	if d.Value.Sign() < 0 {
		sign = "-"
	}
	scale := int(d.Scale)
	if scale == 0 {
		return sign + digits
	}
	if len(digits) <= scale {
		digits = strings.Repeat("0", scale-len(digits)+1) + digits
	}
	return sign + digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
}

// floatText prints like PostgreSQL's float8 output: the shortest text that
// reads back as the same number, without an exponent for ordinary sizes.
func floatText(f float64, bits int) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	case f == 0 || (math.Abs(f) >= 1e-4 && math.Abs(f) < 1e15):
		return strconv.FormatFloat(f, 'f', -1, bits)
	}
	return strconv.FormatFloat(f, 'g', -1, bits)
}

// timeText prints dates, times and timestamps as PostgreSQL does with
// TimeZone UTC.
func timeText(t time.Time, typ string) string {
	switch typ {
	case "DATE":
		return t.Format("2006-01-02")
	case "TIME":
		return t.Format("15:04:05.999999")
	case "TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE":
		return t.UTC().Format("2006-01-02 15:04:05.999999") + "+00"
	}
	return t.Format("2006-01-02 15:04:05.999999")
}

// intervalText prints an interval as PostgreSQL's default style does:
// 1 year 2 mons 3 days 04:05:06.5.
func intervalText(v duckdb.Interval) string {
	var parts []string
	unit := func(n int64, name string) {
		switch {
		case n == 1 || n == -1:
			parts = append(parts, fmt.Sprintf("%d %s", n, name))
		case n != 0:
			parts = append(parts, fmt.Sprintf("%d %ss", n, name))
		}
	}
	unit(int64(v.Months/12), "year")
	unit(int64(v.Months%12), "mon")
	unit(int64(v.Days), "day")
	if v.Micros != 0 || len(parts) == 0 {
		us, sign := v.Micros, ""
		if us < 0 {
			us, sign = -us, "-"
		}
		t := fmt.Sprintf("%s%02d:%02d:%02d", sign, us/3_600_000_000, us/60_000_000%60, us/1_000_000%60)
		if frac := us % 1_000_000; frac != 0 {
			t += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
		}
		parts = append(parts, t)
	}
	return strings.Join(parts, " ")
}

func (d *duckDatabase) relations(ctx context.Context, schema string) ([]relation, error) {
	if _, err := os.Stat(d.path); errors.Is(err, fs.ErrNotExist) {
		return nil, nil // kiln never opened it
	}
	c, close, err := d.conn(ctx, d.schema, false)
	if err != nil {
		return nil, err
	}
	defer close()
	rows, err := c.QueryContext(ctx, `
		select table_name, case table_type when 'BASE TABLE' then 'table' when 'VIEW' then 'view' else lower(table_type) end
		from information_schema.tables where table_catalog = current_database() and table_schema = $1
		union all
		select index_name, 'index' from duckdb_indexes() where database_name = current_database() and schema_name = $1
		union all
		select sequence_name, 'sequence' from duckdb_sequences() where database_name = current_database() and schema_name = $1
		order by 1`, schema)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []relation
	for rows.Next() {
		var r relation
		if err := rows.Scan(&r.name, &r.kind); err != nil {
			return nil, err
		}
		list = append(list, r)
	}
	return list, rows.Err()
}

// drop has nothing to do: the file goes with the project dir.
func (d *duckDatabase) drop(ctx context.Context) error { return nil }
