package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/seed"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// seedOf describes the load of a parsed CSV as seed name in schema.
func seedOf(t testing.TB, schema, name, csv string, o seed.Options) warehouse.Seed {
	t.Helper()
	tbl, err := seed.Parse("seeds/"+name+".csv", []byte(csv), o)
	if err != nil {
		t.Fatal(err)
	}
	return warehouse.Seed{
		NodeID:       "seed.test." + name,
		InvocationID: fmt.Sprintf("inv-seed-%d", invocationSeq.Add(1)),
		Relation:     warehouse.Relation{Database: "postgres", Schema: schema, Name: name},
		Columns:      tbl.Columns,
		Rows:         tbl.Rows,
	}
}

// loadSeed loads s with the existing kind read from the catalog, as the
// runner does.
func loadSeed(t testing.TB, s warehouse.Seed) (warehouse.BuildResult, error) {
	t.Helper()
	ctx := context.Background()
	cat, err := testWH.Catalog(ctx, []string{s.Relation.Schema})
	if err != nil {
		t.Fatal(err)
	}
	s.Existing = cat.Lookup(s.Relation)
	return testWH.LoadSeed(ctx, s)
}

func mustLoadSeed(t testing.TB, s warehouse.Seed) warehouse.BuildResult {
	t.Helper()
	res, err := loadSeed(t, s)
	if err != nil {
		t.Fatalf("load %s: %v\nstatements:\n%s", s.Relation, err, strings.Join(res.Statements, "\n;\n"))
	}
	return res
}

// columnTypes lists "name type" of rel's columns in order.
func columnTypes(t *testing.T, schema, name string) string {
	t.Helper()
	return queryString(t, `select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum)
		from pg_attribute where attrelid = $1::regclass and attnum > 0 and not attisdropped`, ident(schema, name))
}

func TestSeedFirstLoad(t *testing.T) {
	s := newSchema(t)
	sd := seedOf(t, s, "countries", ""+
		"id,Code,name,share,active,since,updated_at\n"+
		"1,fr,France,0.25,true,2024-01-31,2024-01-31 10:00:00\n"+
		"2,de,\"Germany, \"\"DE\"\"\",,false,,2024-01-31T10:00:00+02:00\n"+
		"3,it,\"tab\there\nnewline \\N back\\slash\",1.125,,2000-02-29,\n",
		seed.Options{ColumnTypes: map[string]string{"Code": "varchar(2)"}})
	res := mustLoadSeed(t, sd)
	if res.RowsAffected != 3 {
		t.Errorf("RowsAffected = %d, want 3", res.RowsAffected)
	}
	if got := relations(t, s); got != "countries:r" {
		t.Errorf("relations = %q", got)
	}
	want := "id integer, Code character varying(2), name text, share numeric, active boolean, since date, " +
		"updated_at timestamp without time zone"
	if got := columnTypes(t, s, "countries"); got != want {
		t.Errorf("columns:\n got %s\nwant %s", got, want)
	}
	got := queryString(t, `select string_agg(concat_ws('|', id, "Code", name, share, active, since, updated_at), E'\n' order by id) from `+
		ident(s, "countries"))
	wantRows := "1|fr|France|0.25|t|2024-01-31|2024-01-31 10:00:00\n" +
		"2|de|Germany, \"DE\"|f|2024-01-31 08:00:00\n" +
		"3|it|tab\there\nnewline \\N back\\slash|1.125|2000-02-29"
	if got != wantRows {
		t.Errorf("rows:\n got %s\nwant %s", got, wantRows)
	}
	for _, st := range res.Statements {
		if !strings.HasPrefix(st, "/* kiln node=seed.test.countries invocation=inv-seed-") {
			t.Errorf("statement without the kiln comment:\n%s", st)
		}
	}
}

// Values of every Go type LoadSeed accepts reach the column as meant.
func TestSeedValueFormats(t *testing.T) {
	s := newSchema(t)
	at := time.Date(2024, 1, 31, 10, 30, 15, 123456000, time.UTC)
	berlin := time.FixedZone("CET", 3600)
	odd := time.FixedZone("LMT", 3600+53*60+28) // an offset with seconds, as old zone data has
	sd := warehouse.Seed{
		NodeID: "seed.test.v", InvocationID: "inv-formats",
		Relation: warehouse.Relation{Schema: s, Name: "v"},
		Columns: []warehouse.Column{
			{Name: "i", Type: "bigint"}, {Name: "f", Type: "double precision"}, {Name: "r", Type: "real"},
			{Name: "b", Type: "boolean"}, {Name: "d", Type: "date"}, {Name: "ts", Type: "timestamp"},
			{Name: "tz", Type: "timestamptz"}, {Name: "bytes", Type: "bytea"}, {Name: "txt", Type: "text"},
			{Name: "u", Type: "uuid"}, {Name: "j", Type: "jsonb"}, {Name: "n", Type: "numeric(30,10)"},
		},
		Rows: [][]any{
			{int64(math.MinInt64), 0.1, float32(0.1), true, at, at, at, []byte{0, 1, 0xff}, `\.`,
				"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{"a": [1, "\t"]}`, "12345678901234567890.0123456789"},
			{42, math.Inf(-1), float32(math.NaN()), false, at.In(berlin), at.In(berlin), at.In(berlin), []byte{}, "\\N",
				nil, nil, "-0.5"},
			{int32(-7), nil, nil, nil, at.In(odd), at.In(odd), at.In(odd), nil, "", nil, nil, nil},
		},
	}
	if _, err := loadSeed(t, sd); err != nil {
		t.Fatal(err)
	}
	got := queryString(t, `select string_agg(concat_ws('|', i, f, r, b, d, ts, tz at time zone 'UTC', bytes, coalesce(txt, '<null>'), u, j, n),
		E'\n' order by i) from `+ident(s, "v"))
	want := "-9223372036854775808|0.1|0.1|t|2024-01-31|2024-01-31 10:30:15.123456|2024-01-31 10:30:15.123456|\\x0001ff|\\.|" +
		"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|{\"a\": [1, \"\\t\"]}|12345678901234567890.0123456789\n" +
		"-7|2024-01-31|2024-01-31 12:23:43.123456|2024-01-31 10:30:15.123456|\n" +
		"42|-Infinity|NaN|f|2024-01-31|2024-01-31 11:30:15.123456|2024-01-31 10:30:15.123456|\\x|\\N|-0.5000000000"
	if got != want {
		t.Errorf("rows:\n got %s\nwant %s", got, want)
	}
}

func TestSeedReloadKeepsDependentsGrantsAndComments(t *testing.T) {
	s := newSchema(t)
	reader := newRole(t, "seed_reader")
	mustLoadSeed(t, seedOf(t, s, "codes", "code,label\na,Alpha\nb,Beta\n", seed.Options{}))
	codes, v := ident(s, "codes"), ident(s, "code_labels")
	mustExec(t,
		"create view "+v+" as select code, upper(label) as label from "+codes,
		"grant usage on schema "+ident(s)+" to "+ident(reader),
		"grant select on "+codes+", "+v+" to "+ident(reader),
		"comment on table "+codes+" is 'code list'",
	)
	res := mustLoadSeed(t, seedOf(t, s, "codes", "code,label,rank\na,Alpha,1\nc,Gamma,3\nd,Delta,4\n", seed.Options{}))
	if res.RowsAffected != 3 {
		t.Errorf("RowsAffected = %d", res.RowsAffected)
	}
	checks := []struct{ sql, want string }{
		{"select string_agg(code || '=' || label, ',' order by code) from " + v, "a=ALPHA,c=GAMMA,d=DELTA"},
		{"select sum(rank)::text from " + codes, "8"},
		{"select obj_description('" + codes + "'::regclass, 'pg_class')", "code list"},
		{"select has_table_privilege('" + reader + "', '" + codes + "', 'select')::text", "true"},
		{"select has_table_privilege('" + reader + "', '" + v + "', 'select')::text", "true"},
	}
	for _, c := range checks {
		if got := queryString(t, c.sql); got != c.want {
			t.Errorf("%s = %q, want %q", c.sql, got, c.want)
		}
	}
	if got := relations(t, s); got != "code_labels:v codes:r" {
		t.Errorf("relations = %q", got)
	}
}

// A row the server refuses, a value kiln cannot send and a dependent that
// cannot be rebuilt each leave the old table and its view as they were.
func TestSeedFailureLeavesOldTable(t *testing.T) {
	s := newSchema(t)
	ids := seed.Options{ColumnTypes: map[string]string{"id": "uuid"}}
	mustLoadSeed(t, seedOf(t, s, "ids", "id,n\na0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,1\n", ids))
	mustExec(t, "create view "+ident(s, "ids_v")+" as select id, n from "+ident(s, "ids"))
	unchanged := func(step string) {
		t.Helper()
		if got := relations(t, s); got != "ids:r ids_v:v" {
			t.Errorf("%s: relations = %q", step, got)
		}
		if got := queryString(t, "select id || ':' || n from "+ident(s, "ids_v")); got != "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11:1" {
			t.Errorf("%s: old rows = %q", step, got)
		}
	}

	bad := seedOf(t, s, "ids", "id,n\nb0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,2\nnot-a-uuid,3\n", ids)
	res, err := loadSeed(t, bad)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22P02" {
		t.Fatalf("bad uuid: %v", err)
	}
	var rowErr *warehouse.SeedRowError
	if !errors.As(err, &rowErr) || rowErr.Row != 2 || rowErr.Column != "id" {
		t.Errorf("bad uuid: %#v", err)
	}
	if want := `row 2 of the seed's data (after the header), column "id": invalid input syntax for type uuid: "not-a-uuid" [SQLSTATE 22P02]`; err.Error() != want {
		t.Errorf("error:\n got %s\nwant %s", err, want)
	}
	if res.RowsAffected != -1 || len(res.Statements) == 0 {
		t.Errorf("result of a failed load: %+v", res)
	}
	unchanged("bad uuid")

	odd := seedOf(t, s, "ids", "id,n\nb0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,2\n", ids)
	odd.Rows[0][1] = struct{}{}
	if _, err := loadSeed(t, odd); err == nil || err.Error() != fmt.Sprintf(`load the rows of "%s"."ids": row 1, column "n": kiln cannot send a Go struct {} to PostgreSQL`, s) {
		t.Errorf("unsupported value: %v", err)
	}
	unchanged("unsupported value")

	_, err = loadSeed(t, seedOf(t, s, "ids", "id\nb0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\n", ids))
	if err == nil || !strings.Contains(err.Error(), "cannot be rebuilt") {
		t.Errorf("dropping a column the view uses: %v", err)
	}
	unchanged("dropped column")
}

func TestSeedLoads100kRows(t *testing.T) {
	s := newSchema(t)
	res := mustLoadSeed(t, seedOf(t, s, "big", string(narrowSeedCSV(100_000)), seed.Options{}))
	if res.RowsAffected != 100_000 {
		t.Errorf("RowsAffected = %d", res.RowsAffected)
	}
	got := queryString(t, "select count(*) || ' ' || sum(id) || ' ' || sum(amount) || ' ' || count(distinct name) from "+ident(s, "big"))
	if want := "100000 5000050000 4999999500.00 1000"; got != want {
		t.Errorf("count, sums = %s, want %s", got, want)
	}
}

// Cancelling a load in the middle of its COPY stops it on the server and
// leaves the old table.
func TestSeedCancelDuringCopy(t *testing.T) {
	s := newSchema(t)
	mustLoadSeed(t, seedOf(t, s, "slow", "n\n1\n", seed.Options{}))
	// A domain whose check takes a millisecond a row: 100,000 rows would
	// take minutes.
	mustExec(t,
		"create function "+ident(s, "nap")+"(int) returns boolean language sql as 'select pg_sleep(0.001) is not null'",
		"create domain "+ident(s, "slow_int")+" as int check ("+ident(s, "nap")+"(value))")
	sd := seedOf(t, s, "slow", string(narrowSeedCSV(100_000)), seed.Options{ColumnTypes: map[string]string{"id": s + ".slow_int"}})

	newConns := testWH.pool.Stat().NewConnsCount()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	start := time.Now()
	cat, err := testWH.Catalog(ctx, []string{s})
	if err != nil {
		t.Fatal(err)
	}
	sd.Existing = cat.Lookup(sd.Relation)
	res, err := testWH.LoadSeed(ctx, sd)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("LoadSeed returned %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("LoadSeed took %s to return after cancel", elapsed)
	}
	if last := res.Statements[len(res.Statements)-1]; !strings.Contains(last, "\ncopy ") {
		t.Errorf("cancelled after the COPY, not during it: last statement\n%s", last)
	}
	if got := relations(t, s); got != "slow:r" {
		t.Errorf("relations after cancel = %q", got)
	}
	if got := queryString(t, "select string_agg(n::text, ',') from "+ident(s, "slow")); got != "1" {
		t.Errorf("old rows = %s", got)
	}
	if n := testWH.pool.Stat().NewConnsCount() - newConns; n != 0 {
		t.Errorf("%d new connections after a cancelled load, want the old one reused", n)
	}
}

// The seed's options apply inside its transaction, as for a model.
func TestSeedOptions(t *testing.T) {
	s := newSchema(t)
	reader := newRole(t, "seed_grantee")
	sd := seedOf(t, s, "opts", "id\n1\n2\n", seed.Options{})
	sd.Grants = map[string][]string{"select": {reader}}
	sd.PostHooks = []string{"delete from " + ident(s, "opts") + " where id = 2"}
	mustLoadSeed(t, sd)
	if got := grantsOn(t, s, "opts"); got != reader+":select" {
		t.Errorf("grants = %q", got)
	}
	if got := queryString(t, "select string_agg(id::text, ',') from "+ident(s, "opts")); got != "1" {
		t.Errorf("rows after the post-hook = %s", got)
	}
}

func TestLoadSeedRefusesBadRequests(t *testing.T) {
	s := newSchema(t)
	ok := seedOf(t, s, "t", "a\n1\n", seed.Options{})
	for _, tc := range []struct {
		change func(*warehouse.Seed)
		want   string
	}{
		{func(sd *warehouse.Seed) { sd.Columns = nil; sd.Rows = nil }, "has no columns"},
		{func(sd *warehouse.Seed) { sd.Columns[0].Name = strings.Repeat("x", 64) }, "limited to 63 bytes"},
		{func(sd *warehouse.Seed) { sd.Columns = append(sd.Columns, sd.Columns[0]) }, `two columns named "a"`},
		{func(sd *warehouse.Seed) { sd.Columns[0].Type = " " }, `column "a" of seed`},
		{func(sd *warehouse.Seed) { sd.Rows[0] = append(sd.Rows[0], 2) }, "row 1 of seed"},
		{func(sd *warehouse.Seed) { sd.Existing = warehouse.Other }, "kiln replaces only tables"},
		{func(sd *warehouse.Seed) { sd.Relation.Name = "" }, "empty schema or name"},
	} {
		sd := ok
		sd.Columns = append([]warehouse.Column(nil), ok.Columns...)
		sd.Rows = [][]any{append([]any(nil), ok.Rows[0]...)}
		tc.change(&sd)
		_, err := testWH.LoadSeed(t.Context(), sd)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want %q: %v", tc.want, err)
		}
	}
	if got := relations(t, s); got != "" {
		t.Errorf("relations = %q", got)
	}
}

// narrowSeedCSV is n rows of an integer id, a short name and an amount
// with two decimals.
func narrowSeedCSV(n int) []byte {
	var b strings.Builder
	b.Grow(n * 24)
	b.WriteString("id,name,amount\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,name_%d,%d.%02d\n", i, i%1000, i%100000, i%100)
	}
	return []byte(b.String())
}
