package jinja

import (
	"fmt"
	"sync"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// TestConcurrentRenders renders the same and different models from many
// goroutines with different contexts; run with -race.
func TestConcurrentRenders(t *testing.T) {
	env := newTestEnv(t, projectMacros...)
	shared := File{Path: "models/shared.sql", Source: `{{ config(materialized='table', tags=[var('tag')]) }}
{%- set methods = payment_methods() %}
select {% for m in methods %}{{ sum_dollars(m) }}{{ ', ' if not loop.last }}{% endfor %}
{{ from_orders() }} join {{ ref('customers') }} using (id)`}

	const workers, rounds = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			schema := fmt.Sprintf("s%d", w)
			ctx := Context{
				Node: fmt.Sprintf("model.p.m%d", w),
				Ref: func(name string) (warehouse.Relation, error) {
					return warehouse.Relation{Schema: schema, Name: name}, nil
				},
				Var: func(name string) (any, bool) { return schema, true },
			}
			own := File{Path: fmt.Sprintf("models/m%d.sql", w), Source: fmt.Sprintf("select {{ %d * 2 }} from {{ ref('t%d') }}\n{{ nope() }}", w, w)}
			for range rounds {
				res, err := env.Render(shared, ctx)
				if err != nil {
					errs <- err
					return
				}
				want := fmt.Sprintf("\nselect sum((credit_card / 100)::numeric(16, 2)), sum((coupon / 100)::numeric(16, 2))\n"+
					`from "%s"."orders" join "%s"."customers" using (id)`, schema, schema)
				if res.SQL != want {
					errs <- fmt.Errorf("worker %d: SQL = %q, want %q", w, res.SQL, want)
					return
				}
				if tags := res.Config["tags"].([]any); len(tags) != 1 || tags[0] != schema {
					errs <- fmt.Errorf("worker %d: tags = %v", w, tags)
					return
				}
				_, err = env.Render(own, ctx)
				d := asDiagErr(err)
				if d == nil || d.Line != 2 || d.Node != ctx.Node || d.Message != "'nope' is undefined" {
					errs <- fmt.Errorf("worker %d: error = %v", w, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
