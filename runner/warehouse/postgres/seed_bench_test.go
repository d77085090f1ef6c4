package postgres

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kiln-dev/kiln/runner/seed"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// BenchmarkSeedLoad loads 1,000,000 rows of three narrow columns (integer,
// text, numeric) the way the runner does: seed.Scan checks the CSV and
// infers the types, then LoadSeedText streams the rows into COPY as it
// reads them again, replacing the table. Beside it, for comparison, the
// same file is parsed into Go values (seed.Parse) and loaded with
// LoadSeed, and the same rows are copied into a plain table with pgx's
// binary CopyFrom on the same server. It reports rows per second for
// each, end to end (kiln-parse+load-rows/s is the figure the performance
// target is about) and by part:
//
//	go test ./runner/warehouse/postgres -run '^$' -bench BenchmarkSeedLoad -benchtime 3x
func BenchmarkSeedLoad(b *testing.B) { seedLoad(b, b.N, 1_000_000) }

// TestSeedLoadBenchmark runs BenchmarkSeedLoad's body once on 1,000 rows,
// so that `go test` keeps it working.
func TestSeedLoadBenchmark(t *testing.T) { seedLoad(onceB{t}, 1, 1_000) }

// seedLoad is BenchmarkSeedLoad's body: loops runs over n rows.
func seedLoad(b benchmark, loops, n int) {
	ctx := context.Background()
	s := newSchema(b)
	data := narrowSeedCSV(n)
	target := warehouse.Seed{NodeID: "seed.bench.narrow", InvocationID: "inv-bench",
		Relation: warehouse.Relation{Schema: s, Name: "narrow"}}
	plain := pgx.Identifier{s, "plain"}

	var scan, loadText, parse, loadValues, copyRaw time.Duration
	b.ResetTimer()
	for range loops {
		// What the runner does.
		b.StopTimer()
		runtime.GC() // each run starts from the same heap
		b.StartTimer()
		start := time.Now()
		tbl, err := seed.Scan("seeds/narrow.csv", data, seed.Options{})
		scan += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		sd := target
		sd.Columns, sd.Existing = tbl.Columns, warehouse.Table
		start = time.Now()
		res, err := testWH.LoadSeedText(ctx, sd, tbl.Text())
		loadText += time.Since(start)
		if err != nil || res.RowsAffected != int64(n) {
			b.Fatalf("kiln, text: %d rows, %v", res.RowsAffected, err)
		}

		// Go values, as before.
		b.StopTimer()
		runtime.GC()
		b.StartTimer()
		start = time.Now()
		tbl, err = seed.Parse("seeds/narrow.csv", data, seed.Options{})
		parse += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		sd = target
		sd.Columns, sd.Rows, sd.Existing = tbl.Columns, tbl.Rows, warehouse.Table
		start = time.Now()
		res, err = testWH.LoadSeed(ctx, sd)
		loadValues += time.Since(start)
		if err != nil || res.RowsAffected != int64(n) {
			b.Fatalf("kiln, values: %d rows, %v", res.RowsAffected, err)
		}

		// The raw copy gets the same values; numeric as pgtype.Numeric,
		// since pgx's binary format cannot send a string as a numeric.
		b.StopTimer()
		raw := make([][]any, n)
		for i, row := range tbl.Rows {
			var num pgtype.Numeric
			if err := num.Scan(row[2].(string)); err != nil {
				b.Fatal(err)
			}
			raw[i] = []any{row[0], row[1], num}
		}
		tbl, sd = nil, target
		mustExec(b, "drop table if exists "+plain.Sanitize(), "create table "+plain.Sanitize()+" (id integer, name text, amount numeric)")
		conn, err := testAdmin.Acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		b.StartTimer()
		start = time.Now()
		copied, err := conn.Conn().CopyFrom(ctx, plain, []string{"id", "name", "amount"}, pgx.CopyFromRows(raw))
		copyRaw += time.Since(start)
		conn.Release()
		if err != nil || copied != int64(n) {
			b.Fatalf("raw CopyFrom: %d rows, %v", copied, err)
		}
	}
	b.StopTimer()
	rows := float64(n) * float64(loops)
	b.ReportMetric(rows/(scan+loadText).Seconds(), "kiln-parse+load-rows/s")
	b.ReportMetric(rows/scan.Seconds(), "scan-rows/s")
	b.ReportMetric(rows/loadText.Seconds(), "load-text-rows/s")
	b.ReportMetric(rows/(parse+loadValues).Seconds(), "values-parse+load-rows/s")
	b.ReportMetric(rows/copyRaw.Seconds(), "raw-copy-rows/s")
}
