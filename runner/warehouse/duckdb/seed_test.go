//go:build cgo

package duckdb

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// seed is a Seed of s.name.
func seed(name string, cols []warehouse.Column, rows ...[]any) warehouse.Seed {
	return warehouse.Seed{
		NodeID:       "seed.shop." + name,
		InvocationID: invocation,
		Relation:     warehouse.Relation{Schema: "s", Name: name},
		Columns:      cols,
		Rows:         rows,
	}
}

// col is a seed column.
func col(name, typ string) warehouse.Column { return warehouse.Column{Name: name, Type: typ} }

func loadSeed(t *testing.T, w *Warehouse, s warehouse.Seed) (warehouse.BuildResult, error) {
	t.Helper()
	s.Existing = kindAt(t, w, s.Relation.Name)
	return w.LoadSeed(context.Background(), s)
}

func TestSeedLoadAndReload(t *testing.T) {
	w := openTest(t)
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 3, 1, 12, 30, 45, 123456000, time.UTC)
	cols := []warehouse.Column{col("id", "integer"), col("big", "bigint"), col("amount", "numeric"), col("ok", "boolean"),
		col("day", "date"), col("at", "timestamp"), col("name", "text"), col("code", "varchar(3)"), col("ratio", "double precision"),
		col("price", "numeric(10,2)"), col("uid", "uuid"), col("doc", "jsonb")}
	res, err := loadSeed(t, w, seed("things", cols,
		[]any{int64(1), int64(1) << 40, "12.345", true, day, at, "it's", "abc", 0.5, "19.999", "1b4e28ba-2fa1-11d2-883f-0016d3cca427", `{"a": 1}`},
		[]any{nil, nil, "-0.5", false, nil, nil, nil, nil, nil, "1", nil, nil},
	))
	if err != nil {
		t.Fatalf("%v\n%s", err, strings.Join(res.Statements, "\n"))
	}
	if res.RowsAffected != 2 {
		t.Errorf("RowsAffected = %d", res.RowsAffected)
	}
	want(t, w, `select column_name, data_type from duckdb_columns() where table_name = 'things' order by column_index`,
		"id|INTEGER", "big|BIGINT", "amount|DECIMAL(18,3)", "ok|BOOLEAN", "day|DATE", "at|TIMESTAMP", "name|VARCHAR",
		"code|VARCHAR", "ratio|DOUBLE", "price|DECIMAL(10,2)", "uid|UUID", "doc|JSON")
	want(t, w, `select id, big, amount::varchar, ok, day::varchar, "at"::varchar, name, code, ratio, price::varchar, uid::varchar, doc::varchar
from s.things order by id nulls last`,
		`1|1099511627776|12.345|true|2024-03-01|2024-03-01 12:30:45.123456|it's|abc|0.5|20.00|1b4e28ba-2fa1-11d2-883f-0016d3cca427|{"a": 1}`,
		`NULL|NULL|-0.500|false|NULL|NULL|NULL|NULL|NULL|1.00|NULL|NULL`)

	// A reload swaps the table; a view on it sees the new rows and columns.
	mustExec(t, w, `create view s.thing_ids as select * from s.things`)
	if _, err := loadSeed(t, w, seed("things", []warehouse.Column{col("id", "integer"), col("label", "text")},
		[]any{int64(7), "seven"})); err != nil {
		t.Fatal(err)
	}
	want(t, w, `select * from s.thing_ids`, "7|seven")
	if got := strings.Join(relationsIn(t, w), ","); got != "thing_ids,things" {
		t.Errorf("relations = %s", got)
	}
}

func TestSeedBadValueKeepsOldTable(t *testing.T) {
	w := openTest(t)
	if _, err := loadSeed(t, w, seed("codes", []warehouse.Column{col("id", "integer"), col("uid", "uuid")},
		[]any{int64(1), "1b4e28ba-2fa1-11d2-883f-0016d3cca427"})); err != nil {
		t.Fatal(err)
	}
	mustExec(t, w, `create view s.code_view as select * from s.codes`)
	tests := []struct {
		name string
		s    warehouse.Seed
		err  string
		// the row and column of a warehouse.SeedRowError; 0 for another error
		row    int
		column string
	}{
		{"not a uuid", seed("codes", []warehouse.Column{col("id", "integer"), col("uid", "uuid")},
			[]any{int64(1), "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}, []any{int64(2), "not-a-uuid"}),
			`row 2 of the seed's data (after the header), column "uid": DuckDB cannot read 'not-a-uuid' as uuid`, 2, "uid"},
		{"integer out of range", seed("codes", []warehouse.Column{col("id", "integer")},
			[]any{int64(1)}, []any{int64(1) << 40}),
			`row 2 of the seed's data (after the header), column "id": 1099511627776 is out of range for a 32-bit integer`, 2, "id"},
		{"decimal too wide", seed("codes", []warehouse.Column{col("price", "numeric(4,2)")},
			[]any{"123.45"}),
			`row 1 of the seed's data (after the header), column "price": 12345e-2 does not fit DECIMAL(4,2)`, 1, "price"},
		{"numeric NaN", seed("codes", []warehouse.Column{col("x", "numeric")},
			[]any{"NaN"}),
			`seed "s"."codes": row 1 of the seed's data (after the header), column "x": "NaN" is not a number DuckDB's DECIMAL can hold`, 1, "x"},
		{"ragged", seed("codes", []warehouse.Column{col("id", "integer"), col("b", "text")},
			[]any{int64(1)}),
			`row 1 of seed "s"."codes" has 1 values for 2 columns`, 0, ""},
		{"same name twice", seed("codes", []warehouse.Column{col("id", "integer"), col("ID", "text")}),
			`seed "s"."codes" has columns "id" and "ID", which DuckDB takes for the same name`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadSeed(t, w, tt.s)
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err =\n%v\nwant it to contain\n%s", err, tt.err)
			}
			var rowErr *warehouse.SeedRowError
			if ok := errors.As(err, &rowErr); ok != (tt.row > 0) || ok && (rowErr.Row != tt.row || rowErr.Column != tt.column) {
				t.Errorf("SeedRowError: %#v, want row %d, column %q", rowErr, tt.row, tt.column)
			}
			want(t, w, `select id, uid::varchar from s.code_view`, "1|1b4e28ba-2fa1-11d2-883f-0016d3cca427")
			if got := strings.Join(relationsIn(t, w), ","); got != "code_view,codes" {
				t.Errorf("relations = %s", got)
			}
		})
	}
}

func TestSeedDecimalSizing(t *testing.T) {
	tests := []struct {
		values []any
		typ    string
	}{
		{[]any{"1", "2.5", "-3.125"}, "DECIMAL(18,3)"},
		{[]any{"12345678901234567890.5"}, "DECIMAL(38,1)"},
		{[]any{"1e3", "0.000001"}, "DECIMAL(18,6)"},
		{[]any{nil}, "DECIMAL(18,0)"},
	}
	for _, tt := range tests {
		rows := make([][]any, len(tt.values))
		for i, v := range tt.values {
			rows[i] = []any{v}
		}
		cols, err := seedColumns(warehouse.Seed{Columns: []warehouse.Column{col("x", "numeric")}, Rows: rows})
		if err != nil {
			t.Fatal(err)
		}
		if cols[0].Type != tt.typ {
			t.Errorf("%v: type %s, want %s", tt.values, cols[0].Type, tt.typ)
		}
	}
	_, err := seedColumns(warehouse.Seed{Columns: []warehouse.Column{col("x", "numeric")}, Rows: [][]any{{strings.Repeat("9", 39)}}})
	if err == nil || !strings.Contains(err.Error(), `column "x" needs 39 digits`) {
		t.Errorf("err = %v", err)
	}
}

func TestDecimalRounding(t *testing.T) {
	tests := []struct {
		in   string
		p, s int
		want string
	}{
		{"1.005", 10, 2, "101"}, {"-1.005", 10, 2, "-101"}, {"1.004", 10, 2, "100"}, {"0.5", 3, 0, "1"},
		{"0.05", 3, 0, "0"}, {"9.99", 3, 1, "100"}, {"1e2", 5, 2, "10000"}, {"0", 5, 2, "0"}, {".5", 2, 1, "5"},
		{"999999999999999999", 18, 0, "999999999999999999"}, {"-0.0000", 18, 2, "0"},
	}
	for _, tt := range []struct {
		in   string
		p, s int
	}{{"99.995", 4, 2}, {"1e18", 18, 0}, {"12345678901234567890", 18, 0}} {
		d, _ := parseDecimal(tt.in)
		if _, err := d.unscaled64(tt.p, tt.s); err == nil {
			t.Errorf("%s fits (%d,%d) in 64 bits", tt.in, tt.p, tt.s)
		}
		if _, err := d.unscaled(tt.p, tt.s); err == nil {
			t.Errorf("%s fits (%d,%d)", tt.in, tt.p, tt.s)
		}
	}
	for _, tt := range tests {
		d, err := parseDecimal(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		u, err := d.unscaled(tt.p, tt.s)
		if err != nil || u.String() != tt.want {
			t.Errorf("%s as (%d,%d) = %v, %v; want %s", tt.in, tt.p, tt.s, u, err, tt.want)
		}
		n, err := d.unscaled64(tt.p, tt.s)
		if err != nil || strconv.FormatInt(n, 10) != tt.want {
			t.Errorf("%s as (%d,%d) in 64 bits = %v, %v; want %s", tt.in, tt.p, tt.s, n, err, tt.want)
		}
	}
}

func TestSeedHeaderOnlyReplacesAView(t *testing.T) {
	w := openTest(t)
	mustBuild(t, w, build("empty", "view", "select 1 as id"))
	res, err := loadSeed(t, w, seed("empty", []warehouse.Column{col("id", "integer"), col("amount", "numeric")}))
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAffected != 0 || kindAt(t, w, "empty") != warehouse.Table {
		t.Errorf("RowsAffected %d, kind %s", res.RowsAffected, kindAt(t, w, "empty"))
	}
	want(t, w, `select column_name, data_type from duckdb_columns() where table_name = 'empty' order by column_index`,
		"id|INTEGER", "amount|DECIMAL(18,0)")
}
