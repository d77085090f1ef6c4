package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// A reader running while a table is rebuilt sees the old rows or the new
// rows, whole, and never an error: the swap happens under a lock, and a query
// waiting on that lock finds the new relation by name once it is released.
func TestConcurrentReaderDuringSwap(t *testing.T) {
	s := newSchema(t)
	const rows = 1000
	genSQL := func(gen int) string {
		// pg_sleep widens the window in which readers run against the old table
		return fmt.Sprintf("select %d as gen, g from generate_series(1, %d) g cross join pg_sleep(0.02)", gen, rows)
	}
	mustBuild(t, model(s, "t", "table", genSQL(0)))
	tbl, v := ident(s, "t"), ident(s, "v")
	mustExec(t, "create view "+v+" as select gen, g from "+tbl+" where g % 2 = 0")

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	queries := []struct {
		sql  string
		want int
	}{
		{"select min(gen), max(gen), count(*) from " + tbl, rows},
		{"select min(gen), max(gen), count(*) from " + v, rows / 2},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	reads := make([]int, len(queries))
	for i, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 100000 && ctx.Err() == nil; n++ {
				var lo, hi, count int
				err := testAdmin.QueryRow(ctx, q.sql).Scan(&lo, &hi, &count)
				if ctx.Err() != nil {
					return
				}
				if err == nil && (lo != hi || count != q.want) {
					err = fmt.Errorf("mixed or partial data: gen %d..%d, %d rows", lo, hi, count)
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", q.sql, err)
					return
				}
				reads[i]++
			}
		}()
	}

	const rebuilds = 8
	for gen := 1; gen <= rebuilds; gen++ {
		time.Sleep(10 * time.Millisecond)
		mustBuild(t, model(s, "t", "table", genSQL(gen)))
	}
	time.Sleep(20 * time.Millisecond)
	stop()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, n := range reads {
		if n == 0 {
			t.Errorf("reader %d never read", i)
		}
	}
	t.Logf("reads during %d rebuilds: %v", rebuilds, reads)
	if got := queryString(t, "select max(gen)::text from "+v); got != fmt.Sprint(rebuilds) {
		t.Errorf("view sees generation %s after the last rebuild", got)
	}
	if err := ctx.Err(); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
