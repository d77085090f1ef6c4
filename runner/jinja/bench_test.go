package jinja

import (
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

// BenchmarkRender renders a model: parse, prepare and execute.
func BenchmarkRender(b *testing.B) {
	env, ctx := benchEnv(b)
	f := File{Path: "models/orders.sql", Source: benchModel}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := env.Render(f, ctx); err != nil {
			b.Fatal(err)
		}
	}
}
