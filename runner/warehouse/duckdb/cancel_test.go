//go:build cgo

package duckdb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// A cancelled context interrupts the statement DuckDB is running; the
// build returns promptly, and what was there stays.
func TestCancelDuringBuild(t *testing.T) {
	for _, m := range []string{"table", "view", "incremental"} {
		t.Run(m, func(t *testing.T) {
			w := openTest(t)
			mustBuild(t, w, build("orders", "table", "select 1 as n"))
			mustExec(t, w, `create view s.on_orders as select * from s.orders`)
			b := build("orders", m, "select count(*) as n from range(10000000000)")
			if m == "view" { // a view's SQL only binds; make the slow part a pre-hook
				b.SQL = "select 1 as n"
				b.PreHooks = []string{"create table s.slow as select count(*) as n from range(10000000000)"}
			}
			if m == "incremental" {
				b.Incremental = &warehouse.Incremental{}
			}
			b.Existing = warehouse.Table
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(200*time.Millisecond, cancel)
			start := time.Now()
			_, err := w.Build(ctx, b)
			if took := time.Since(start); took > 3*time.Second {
				t.Errorf("Build took %s after cancel", took)
			}
			if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), `build of "s"."orders" stopped`) {
				t.Fatalf("err = %v", err)
			}
			want(t, w, `select * from s.orders`, "1")
			want(t, w, `select * from s.on_orders`, "1")
			if got := strings.Join(relationsIn(t, w), ","); got != "on_orders,orders" {
				t.Errorf("relations = %s", got)
			}
			// The connection went back to the pool usable.
			mustBuild(t, w, build("orders", "table", "select 2 as n"))
			want(t, w, `select * from s.on_orders`, "2")
		})
	}
}

func TestCancelDuringSeedLoad(t *testing.T) {
	w := openTest(t)
	rows := make([][]any, 200_000)
	for i := range rows {
		rows[i] = []any{int64(i)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := seed("big", []warehouse.Column{col("id", "bigint")}, rows...)
	if _, err := w.LoadSeed(ctx, s); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if got := relationsIn(t, w); len(got) != 0 {
		t.Errorf("relations = %v", got)
	}
}
