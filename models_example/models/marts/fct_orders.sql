-- One row per order: what was charged, what was refunded, what was kept.
-- Amounts are in the order's own currency.

with orders as (

    select * from {{ ref('stg_orders') }}

),

refunds as (

    select
        order_id,
        count(*) as refund_count,
        sum(refund_amount_cents) as refunded_cents,
        max(refunded_at) as last_refunded_at
    from {{ ref('stg_refunds') }}
    group by order_id

)

select
    o.order_id,
    o.user_id,
    o.placed_at,
    {{ to_reporting_date('o.placed_at') }} as order_date,
    o.currency,
    o.item_count,
    o.amount_cents as gross_cents,
    coalesce(r.refunded_cents, 0) as refunded_cents,
    o.amount_cents - coalesce(r.refunded_cents, 0) as net_cents,
    {{ cents_to_amount('o.amount_cents') }} as gross_amount,
    {{ cents_to_amount('coalesce(r.refunded_cents, 0)') }} as refunded_amount,
    {{ cents_to_amount('o.amount_cents - coalesce(r.refunded_cents, 0)') }} as net_amount,
    r.order_id is not null as is_refunded,
    coalesce(r.refunded_cents, 0) >= o.amount_cents as is_fully_refunded,
    r.last_refunded_at as refunded_at
from orders as o
left join refunds as r on r.order_id = o.order_id
