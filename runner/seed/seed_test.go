package seed

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

const path = "seeds/x.csv"

func mustParse(t *testing.T, csv string, o Options) *Table {
	t.Helper()
	tbl, err := Parse(path, []byte(csv), o)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tbl
}

// parseErrs parses csv and returns the error lines, failing if there is no
// diag.List.
func parseErrs(t *testing.T, csv string, o Options) []string {
	t.Helper()
	_, err := Parse(path, []byte(csv), o)
	var list diag.List
	if !errors.As(err, &list) {
		t.Fatalf("Parse error = %v, want a diag.List", err)
	}
	return strings.Split(list.Error(), "\n")
}

func types(tbl *Table) string {
	var out []string
	for _, c := range tbl.Columns {
		out = append(out, c.Name+" "+c.Type)
	}
	return strings.Join(out, ", ")
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestInference(t *testing.T) {
	tbl := mustParse(t, ""+
		"id,big,amount,flag,day,at,name,empty,mixed_time,zip\n"+
		"1,3000000000,1.50,true,2024-01-31,2024-01-31 10:00:00,alice,,2024-01-31,007\n"+
		"-2,4,-2,FALSE,2024-2-29,2024-01-31T10:00:00.5+02:00, bob ,,2024-01-31 10:00:00,010\n"+
		",,,null,,,,  ,,\n", Options{})
	want := "id integer, big bigint, amount numeric, flag boolean, day date, at timestamp, name text, " +
		"empty text, mixed_time text, zip integer"
	if got := types(tbl); got != want {
		t.Errorf("types:\n got %s\nwant %s", got, want)
	}
	rows := [][]any{
		{int64(1), int64(3000000000), "1.50", true, date(2024, 1, 31), time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC),
			"alice", nil, "2024-01-31", int64(7)},
		{int64(-2), int64(4), "-2", false, date(2024, 2, 29), time.Date(2024, 1, 31, 8, 0, 0, 500_000_000, time.UTC),
			" bob ", nil, "2024-01-31 10:00:00", int64(10)},
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
	}
	if !reflect.DeepEqual(tbl.Rows, rows) {
		t.Errorf("rows:\n got %#v\nwant %#v", tbl.Rows, rows)
	}
}

func TestInferenceEdges(t *testing.T) {
	for _, tc := range []struct{ values, want string }{
		{"1|2.5", "numeric"},
		{"1e3|2", "numeric"},
		{"99999999999999999999", "numeric"}, // beyond bigint
		{"-2147483648|2147483647", "integer"},
		{"2147483648", "bigint"},
		{"true|1", "text"},
		{"True|fAlSe", "boolean"},
		{"2024-02-30", "text"}, // no such day
		{"2024-01-31T10:00|2024-01-31 10:00:00Z", "timestamp"},
		{"2024-01-31 25:00:00", "text"},
		{"10:00:00", "text"},
		{"NaN", "text"},
		{"1,000", "text"},
		{"abc|1", "text"},
	} {
		csv := "c\n" + strings.Join(strings.Split(tc.values, "|"), "\n") + "\n"
		csv = strings.ReplaceAll(csv, "1,000", `"1,000"`)
		if got := mustParse(t, csv, Options{}).Columns[0].Type; got != tc.want {
			t.Errorf("%s: %s, want %s", tc.values, got, tc.want)
		}
	}
}

func TestColumnTypes(t *testing.T) {
	tbl := mustParse(t, ""+
		"ID,zip,amount,small,ratio,ok,day,at,at_tz,doc,code,uid\n"+
		"1,007,12.345,7,0.1,yes,2024-01-31,2024-01-31 10:00:00+02:00,2024-01-31 10:00:00+02:00,\"{\"\"a\"\": 1}\",ab ,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\n",
		Options{ColumnTypes: map[string]string{
			"id": "bigint", "zip": "varchar(5)", "amount": "numeric(10, 3)", "small": "smallint", "ratio": "real",
			"ok": "bool", "day": "date", "at": "timestamp(3)", "at_tz": "timestamp with time zone", "doc": "jsonb",
			"code": "char(2)", "uid": "uuid",
		}})
	want := "ID bigint, zip varchar(5), amount numeric(10, 3), small smallint, ratio real, ok bool, day date, " +
		"at timestamp(3), at_tz timestamp with time zone, doc jsonb, code char(2), uid uuid"
	if got := types(tbl); got != want {
		t.Errorf("types:\n got %s\nwant %s", got, want)
	}
	row := []any{int64(1), "007", "12.345", int64(7), float32(0.1), true, date(2024, 1, 31),
		time.Date(2024, 1, 31, 10, 0, 0, 0, time.UTC), // the offset is ignored, as PostgreSQL does
		time.Date(2024, 1, 31, 8, 0, 0, 0, time.UTC),
		`{"a": 1}`, "ab ", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}
	if !reflect.DeepEqual(tbl.Rows[0], row) {
		t.Errorf("row:\n got %#v\nwant %#v", tbl.Rows[0], row)
	}
}

func TestColumnTypesWarnsAboutUnknownColumns(t *testing.T) {
	tbl := mustParse(t, "id,amount\n1,2\n", Options{ColumnTypes: map[string]string{"amout": "numeric"}})
	if len(tbl.Warnings) != 1 || tbl.Warnings[0].Error() !=
		`seeds/x.csv:1: warning: column_types names "amout", which is not a column of this file (did you mean 'amount'?)` {
		t.Errorf("warnings = %v", tbl.Warnings)
	}
	if got := types(tbl); got != "id integer, amount integer" {
		t.Errorf("types = %s", got)
	}
}

func TestBadValues(t *testing.T) {
	csv := "id,amount,day,code,ok\n" +
		"1,2,2024-01-01,ab,true\n" +
		"x,2,2024-01-01,ab,true\n" +
		"\"2\nstill 2\",abc,2024-13-01,abc,maybe\n" +
		"3,99999,2024-01-01,ab,true\n"
	got := parseErrs(t, csv, Options{ColumnTypes: map[string]string{
		"id": "integer", "amount": "numeric(4,1)", "day": "date", "code": "varchar(2)", "ok": "boolean"}})
	want := []string{
		`seeds/x.csv:3:1: column "id": "x" is not a valid integer`,
		`seeds/x.csv:4:1: column "id": "2\nstill 2" is not a valid integer`,
		`seeds/x.csv:5:10: column "amount": "abc" is not a valid numeric(4,1)`,
		`seeds/x.csv:5:14: column "day": "2024-13-01" is not a valid date (use YYYY-MM-DD)`,
		`seeds/x.csv:5:25: column "code": "abc" is longer than varchar(2) allows`,
		`seeds/x.csv:5:29: column "ok": "maybe" is not a valid boolean (use true or false)`,
		`seeds/x.csv:6:3: column "amount": "99999" has too many digits before the decimal point for numeric(4,1)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRaggedRowsCountFileLines(t *testing.T) {
	csv := "a,b,c\n" +
		"1,\"two\nlines\",3\n" + // lines 2-3
		"\n" + // 4: blank lines are skipped
		"1,2,3,4\n" + // 5
		"\"x\ny\",2\n" + // 6-7
		"1,2,3\n"
	got := parseErrs(t, csv, Options{})
	want := []string{
		"seeds/x.csv:5: row has 4 fields, the header has 3",
		"seeds/x.csv:6: row has 2 fields, the header has 3",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got %s\nwant %s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestErrorsAreCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("n\n")
	for i := 0; i < 50; i++ {
		b.WriteString("bad\n")
	}
	got := parseErrs(t, b.String(), Options{ColumnTypes: map[string]string{"n": "int"}})
	if len(got) != 21 {
		t.Fatalf("%d lines, want 20 errors and a count:\n%s", len(got), strings.Join(got, "\n"))
	}
	if got[19] != `seeds/x.csv:21:1: column "n": "bad" is not a valid int` || got[20] != "seeds/x.csv:22: and 30 more errors" {
		t.Errorf("last lines:\n%s\n%s", got[19], got[20])
	}
}

func TestHeaderProblems(t *testing.T) {
	for _, tc := range []struct {
		csv  string
		o    Options
		want string
	}{
		{"", Options{}, "seeds/x.csv:1: the file is empty (a seed's first line names its columns)"},
		{"a,,b\n", Options{}, "seeds/x.csv:1:3: column 2 of the header has no name"},
		{"a, b ,b\n", Options{}, `seeds/x.csv:1:7: column "b" appears twice in the header (columns 2 and 3)`},
		{"Id,ID\n", Options{FoldCase: true}, `seeds/x.csv:1:4: column "id" appears twice in the header (columns 1 and 2)`},
		{"a,b\n1,2\n", Options{ColumnTypes: map[string]string{"b": "int); drop table x; --"}},
			`seeds/x.csv:1:3: column_types for column "b": "int); drop table x; --" is not a SQL type name`},
		{"a,b\n1,2\n", Options{Delimiter: '"'}, `seeds/x.csv: delimiter '"' cannot separate CSV fields`},
		{"a,b\n1,x\"y\n", Options{}, `seeds/x.csv:2:4: a quote inside a field that does not start with one (quote the whole field and double the quote, e.g. "5"" screen")`},
		{"a,b\n1,\"open\n2,3\n", Options{}, "seeds/x.csv:2: the quoted field that starts on this line is not closed properly (reached line 3)"},
		{"a,b\n1,caf\xe9\n", Options{}, "seeds/x.csv:2:6: not valid UTF-8 (save the file as UTF-8)"},
		{"a,b\n1,x\x00\n", Options{}, "seeds/x.csv:2:4: holds a NUL byte, which PostgreSQL cannot store in text"},
	} {
		got := strings.Join(parseErrs(t, tc.csv, tc.o), "\n")
		if got != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.csv, got, tc.want)
		}
	}
}

func TestDelimiterBOMAndCase(t *testing.T) {
	tbl := mustParse(t, "\ufeffName|Score\r\nx|1\r\n\"a|b\"|2\r\n", Options{Delimiter: '|', FoldCase: true})
	if got := types(tbl); got != "name text, score integer" {
		t.Errorf("types = %s", got)
	}
	want := [][]any{{"x", int64(1)}, {"a|b", int64(2)}}
	if !reflect.DeepEqual(tbl.Rows, want) {
		t.Errorf("rows = %#v", tbl.Rows)
	}
	tbl = mustParse(t, "Name\nx\n", Options{})
	if tbl.Columns[0] != (warehouse.Column{Name: "Name", Type: "text"}) {
		t.Errorf("quoted names keep their case: %v", tbl.Columns)
	}
}

func TestHeaderOnly(t *testing.T) {
	tbl := mustParse(t, "a,b\n", Options{ColumnTypes: map[string]string{"b": "date"}})
	if got := types(tbl); got != "a text, b date" || len(tbl.Rows) != 0 {
		t.Errorf("types = %s, rows = %v", got, tbl.Rows)
	}
}

func TestDeclaredConversions(t *testing.T) {
	for _, tc := range []struct {
		typ, value string
		want       any
		problem    string
	}{
		{"int2", "32767", int64(32767), ""},
		{"int2", "32768", nil, "is out of range for int2"},
		{"integer", " 12 ", int64(12), ""},
		{"integer", "1.0", nil, "is not a valid integer"},
		{"bigint", "9223372036854775808", nil, "is out of range for bigint"},
		{"numeric", "-Infinity", "-Infinity", ""},
		{"numeric(5,2)", "123.456", "123.456", ""}, // the server rounds
		{"numeric(5,2)", "1234.5", nil, "has too many digits before the decimal point for numeric(5,2)"},
		{"double precision", "1e400", nil, "is out of range for double precision"},
		{"float8", "x", nil, "is not a valid float8"},
		{"boolean", "ON", true, ""},
		{"boolean", "f", false, ""},
		{"boolean", "o", nil, "is not a valid boolean (use true or false)"},
		{"date", "2024-01-31 10:00", nil, "is not a valid date (use YYYY-MM-DD)"},
		{"timestamp", "2024-01-31", date(2024, 1, 31), ""},
		{"timestamptz", "2024-01-31T10:00:00.1234567-01:30", time.Date(2024, 1, 31, 11, 30, 0, 123457000, time.UTC), ""},
		{"timestamp", "31/01/2024", nil, "is not a valid timestamp (use YYYY-MM-DD HH:MM:SS)"},
		{"json", "{", nil, "is not valid JSON"},
		{"char", "ab", nil, "is longer than char allows"},
		{"character varying(3)", "abc   ", "abc   ", ""},
		{"text[]", "{a,b}", "{a,b}", ""},
	} {
		ct, problem := declaredType(tc.typ)
		if problem != "" {
			t.Fatalf("%s: %s", tc.typ, problem)
		}
		got, problem := ct.convert(tc.value, strings.TrimSpace(tc.value))
		if !reflect.DeepEqual(got, tc.want) || problem != tc.problem {
			t.Errorf("%s %q: %#v %q, want %#v %q", tc.typ, tc.value, got, problem, tc.want, tc.problem)
		}
	}
}

// narrowCSV is n rows of an integer id, a short name and an amount with
// two decimals.
func narrowCSV(n int) []byte {
	var b strings.Builder
	b.Grow(n * 24)
	b.WriteString("id,name,amount\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,name_%d,%d.%02d\n", i, i%1000, i%100000, i%100)
	}
	return []byte(b.String())
}

// Many rows, each value in its place.
func TestParseNarrow(t *testing.T) {
	const n = 150_007
	tbl := mustParse(t, string(narrowCSV(n)), Options{})
	if got := types(tbl); got != "id integer, name text, amount numeric" || len(tbl.Rows) != n {
		t.Fatalf("types = %s, %d rows", got, len(tbl.Rows))
	}
	for i, row := range tbl.Rows {
		id := i + 1
		want := []any{int64(id), fmt.Sprintf("name_%d", id%1000), fmt.Sprintf("%d.%02d", id%100000, id%100)}
		if !reflect.DeepEqual(row, want) {
			t.Fatalf("row %d = %#v, want %#v", i, row, want)
		}
	}
}

// BenchmarkParse parses 1,000,000 rows of three narrow columns:
//
//	go test ./runner/seed -run '^$' -bench BenchmarkParse -benchmem
func BenchmarkParse(b *testing.B) {
	data := narrowCSV(1_000_000)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tbl, err := Parse(path, data, Options{})
		if err != nil || len(tbl.Rows) != 1_000_000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)*1e6/b.Elapsed().Seconds(), "rows/s")
}
