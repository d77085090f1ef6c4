//go:build cgo

package duckdb

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// benchRows are n rows of the shapes seeds have: an integer, text, a
// numeric as text, a boolean, a timestamp and a double.
func benchRows(n int) ([]warehouse.Column, [][]any) {
	cols := []warehouse.Column{col("id", "integer"), col("name", "text"), col("amount", "numeric"), col("ok", "boolean"),
		col("at", "timestamp"), col("ratio", "double precision")}
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{int64(i), fmt.Sprintf("name %d", i), fmt.Sprintf("%d.%02d", i, i%100), i%2 == 0,
			t0.Add(time.Duration(i) * time.Second), float64(i) / 3}
	}
	return cols, rows
}

// BenchmarkLoadSeed loads a million rows, the whole LoadSeed: create,
// append, swap, commit. About a second on a laptop.
func BenchmarkLoadSeed(b *testing.B) {
	w := openTest(b)
	cols, rows := benchRows(1_000_000)
	s := seed("big", cols, rows...)
	for b.Loop() {
		if _, err := w.LoadSeed(context.Background(), s); err != nil {
			b.Fatal(err)
		}
		s.Existing = warehouse.Table
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPreparedInsert is the alternative to the appender: one prepared
// INSERT per row, in one transaction. Per row it is a few hundred times
// slower (a million rows took almost 8 minutes), which is why LoadSeed
// uses the appender.
func BenchmarkPreparedInsert(b *testing.B) {
	w := openTest(b)
	_, rows := benchRows(10_000)
	mustExec(b, w, `create table s.ins (id integer, name varchar, amount decimal(18,2), ok boolean, "at" timestamp, ratio double)`)
	for b.Loop() {
		tx, err := w.db.Begin()
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.Prepare(`insert into s.ins values (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range rows {
			if _, err := st.Exec(r...); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
		if err := tx.Rollback(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(rows))*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
