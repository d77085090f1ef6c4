//go:build cgo

package duckdb

import (
	"context"
	"fmt"
	"sync"
	"testing"
)

// Builds of tables that share a dependent view run at once on one
// Warehouse: DuckDB would refuse the second recreation of the view with a
// write-write conflict, or, when the first had committed after the second
// began, with a conflict too; kiln serializes those transactions.
func TestConcurrentBuildsSharingADependent(t *testing.T) {
	w := openTest(t)
	const n = 6
	for i := range n {
		mustBuild(t, w, build(fmt.Sprintf("t%d", i), "table", "select 1 as id"))
	}
	q := "select * from s.t0"
	for i := 1; i < n; i++ {
		q += fmt.Sprintf(" join s.t%d using (id)", i)
	}
	mustExec(t, w, "create view s.all_t as "+q)
	for round := 2; round <= 3; round++ {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				b := build(fmt.Sprintf("t%d", i), "table", fmt.Sprintf("select 1 as id, %d as c%d", round, i))
				b.Existing = "table"
				_, errs[i] = w.Build(context.Background(), b)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d, t%d: %v", round, i, err)
			}
		}
		want(t, w, "select c0, c5 from s.all_t", fmt.Sprintf("%d|%d", round, round))
	}
}

// Independent builds do not wait for each other.
func TestConcurrentIndependentBuilds(t *testing.T) {
	w := openTest(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = w.Build(context.Background(), build(fmt.Sprintf("u%d", i), "table", "select * from range(100000)"))
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("u%d: %v", i, err)
		}
	}
	if got := relationsIn(t, w); len(got) != 8 {
		t.Errorf("relations = %v", got)
	}
}

func TestConcurrentCreateSchema(t *testing.T) {
	w := openTest(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = w.CreateSchema(context.Background(), "audit") })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
