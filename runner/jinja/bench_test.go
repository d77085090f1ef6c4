package jinja

import (
	"fmt"
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// benchModel is a typical model: a config call, two refs, a macro call, a
// loop and a condition, 20 lines.
const benchModel = `{{ config(materialized='table', tags=['finance'], unique_key='order_id') }}

with orders as (
    select * from {{ ref('stg_orders') }}
),

payments as (
    select * from {{ ref('stg_payments') }}
)

select
    orders.order_id,
    {% for method in ['credit_card', 'coupon', 'bank_transfer'] -%}
    sum(case when payments.method = '{{ method }}' then {{ cents('payments.amount') }} else 0 end) as {{ method }}_amount,
    {% endfor -%}
    orders.status
from orders
left join payments using (order_id)
{% if is_incremental() %}where orders.updated_at > (select max(updated_at) from {{ this }}){% endif %}
group by 1, 2`

func benchEnv(b *testing.B) (*Env, Context) {
	env, err := NewEnv([]File{{Path: "macros/cents.sql", Source: "{% macro cents(col, scale=2) %}({{ col }} / 100)::numeric(16, {{ scale }}){% endmacro %}"}})
	if err != nil {
		b.Fatal(err)
	}
	this := warehouse.Relation{Schema: "analytics", Name: "orders"}
	return env, Context{
		Node: "model.shop.orders",
		Ref: func(name string) (warehouse.Relation, error) {
			return warehouse.Relation{Schema: "analytics", Name: name}, nil
		},
		This:   &this,
		Target: map[string]any{"name": "dev", "schema": "analytics"},
	}
}

// BenchmarkRender renders a model not rendered before: parse, prepare and
// execute. The source differs at each iteration so that the Env's parsed
// template cannot be reused.
func BenchmarkRender(b *testing.B) {
	env, ctx := benchEnv(b)
	sources := make([]string, 64)
	for i := range sources {
		sources[i] = benchModel + fmt.Sprintf("\n-- %d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := File{Path: "models/orders.sql", Source: sources[i%len(sources)]}
		i++
		if _, err := env.Render(f, ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderAgain renders the same model again, as a run does after
// planning: the parsed template is reused and only execution remains.
func BenchmarkRenderAgain(b *testing.B) {
	env, ctx := benchEnv(b)
	f := File{Path: "models/orders.sql", Source: benchModel}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.Render(f, ctx); err != nil {
			b.Fatal(err)
		}
	}
}
