package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/seed"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// loadSeedText scans csv as seed name in schema and loads it with
// LoadSeedText, as the runner does.
func loadSeedText(t testing.TB, schema, name, csv string, o seed.Options) (warehouse.BuildResult, error) {
	t.Helper()
	tbl, err := seed.Scan("seeds/"+name+".csv", []byte(csv), o)
	if err != nil {
		t.Fatal(err)
	}
	s := warehouse.Seed{
		NodeID:       "seed.test." + name,
		InvocationID: fmt.Sprintf("inv-seed-%d", invocationSeq.Add(1)),
		Relation:     warehouse.Relation{Database: "postgres", Schema: schema, Name: name},
		Columns:      tbl.Columns,
	}
	cat, err := testWH.Catalog(context.Background(), []string{schema})
	if err != nil {
		t.Fatal(err)
	}
	s.Existing = cat.Lookup(s.Relation)
	return testWH.LoadSeedText(context.Background(), s, tbl.Text())
}

// A seed loaded as text holds exactly what the same seed loaded as Go
// values holds: the same column types and rows, of every type a seed can
// have, inferred or declared.
func TestSeedTextLoadsWhatRowsLoad(t *testing.T) {
	s := newSchema(t)
	for i, c := range []struct {
		csv string
		o   seed.Options
	}{
		{"id,Code,name,share,active,since,updated_at\n" +
			"1,fr,France,0.25,true,2024-01-31,2024-01-31 10:00:00\n" +
			"2,de,\"Germany, \"\"DE\"\"\",,false,,2024-01-31T10:00:00+02:00\n" +
			"3,it,\"tab\there\nnewline \\N back\\slash\",1.125,,2000-02-29,\n" +
			"+4, x ,null, -1e3 ,FALSE,2024-2-9,2024-01-31 10:00:00.1234567Z\n",
			seed.Options{ColumnTypes: map[string]string{"Code": "varchar(2)"}}},
		{"ID,zip,amount,small,ratio,ok,day,at,at_tz,doc,code,uid,f8,n\n" +
			"1,007,12.345,7,0.1,yes,2024-01-31,2024-01-31 10:00:00+02:00,2024-01-31 10:00:00+02:00,\"{\"\"a\"\": 1}\",ab ,a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11, 1e3 ,NaN\n" +
			"-9223372036854775808,,-0.5,-32768,-Infinity,off,0001-01-01,2024-01-31T10:00:00.5-01:30,2024-01-31t10:00:00.5-01:30,[],\"\",,1e-320,-Infinity\n",
			seed.Options{ColumnTypes: map[string]string{
				"id": "bigint", "zip": "varchar(5)", "amount": "numeric(10, 3)", "small": "smallint", "ratio": "real",
				"ok": "bool", "day": "date", "at": "timestamp(3)", "at_tz": "timestamp with time zone", "doc": "jsonb",
				"code": "char(2)", "uid": "uuid", "f8": "float8", "n": "numeric",
			}}},
	} {
		rows, text := fmt.Sprintf("rows_%d", i), fmt.Sprintf("text_%d", i)
		mustLoadSeed(t, seedOf(t, s, rows, c.csv, c.o))
		res, err := loadSeedText(t, s, text, c.csv, c.o)
		if err != nil {
			t.Fatalf("LoadSeedText: %v\n%s", err, strings.Join(res.Statements, "\n;\n"))
		}
		if want := int64(strings.Count(c.csv, "\n") - 1 - strings.Count(c.csv, "\"tab")); res.RowsAffected != want {
			t.Errorf("case %d: RowsAffected = %d, want %d", i, res.RowsAffected, want)
		}
		if a, b := columnTypes(t, s, rows), columnTypes(t, s, text); a != b {
			t.Errorf("case %d: columns as rows: %s\nas text: %s", i, a, b)
		}
		diff := queryString(t, fmt.Sprintf(`select count(*)::text from ((table %[1]s except all table %[2]s) union all (table %[2]s except all table %[1]s)) d`,
			ident(s, rows), ident(s, text)))
		if diff != "0" {
			t.Errorf("case %d: %s rows differ:\nas rows: %s\nas text: %s", i, diff,
				queryString(t, "select string_agg(t::text, E'\\n') from "+ident(s, rows)+" t"),
				queryString(t, "select string_agg(t::text, E'\\n') from "+ident(s, text)+" t"))
		}
	}
}

// A value the server refuses fails the load as text as it fails the load
// of Go values, naming the row and the column, and the old table stays.
func TestSeedTextFailureLeavesOldTable(t *testing.T) {
	s := newSchema(t)
	ids := seed.Options{ColumnTypes: map[string]string{"id": "uuid"}}
	if _, err := loadSeedText(t, s, "ids", "id,n\na0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,1\n", ids); err != nil {
		t.Fatal(err)
	}
	_, err := loadSeedText(t, s, "ids", "id,n\nb0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,2\nnot-a-uuid,3\n", ids)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22P02" {
		t.Fatalf("bad uuid: %v", err)
	}
	if want := `row 2 of the seed's data (after the header), column "id": invalid input syntax for type uuid: "not-a-uuid" [SQLSTATE 22P02]`; err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if got := queryString(t, "select id || ':' || n from "+ident(s, "ids")); got != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11:1" {
		t.Errorf("old rows = %q", got)
	}
}

func TestSeedTextLoads100kRows(t *testing.T) {
	s := newSchema(t)
	res, err := loadSeedText(t, s, "big", string(narrowSeedCSV(100_000)), seed.Options{})
	if err != nil || res.RowsAffected != 100_000 {
		t.Fatalf("%d rows, %v", res.RowsAffected, err)
	}
	got := queryString(t, "select count(*) || ' ' || sum(id) || ' ' || sum(amount) || ' ' || count(distinct name) from "+ident(s, "big"))
	if want := "100000 5000050000 4999999500.00 1000"; got != want {
		t.Errorf("count, sums = %s, want %s", got, want)
	}
}
