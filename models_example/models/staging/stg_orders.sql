-- One row per order placed. Orders without an order_id (a client bug fixed
-- since) are dropped. Before the order service sent a currency it only sold
-- in the reporting currency, so a missing one is that.

with placed as (

    select *
    from {{ ref('stg_events') }}
    where event_type = 'order_placed'

),

parsed as (

    select
        {{ safe_json_text('properties', 'order_id') }} as order_id,
        event_id,
        user_id,
        occurred_at as placed_at,
        upper(coalesce({{ safe_json_text('properties', 'currency') }}, '{{ var("currency", "EUR") }}')) as currency,
        {{ json_array_size("properties -> 'items'") }} as item_count,
        cast({{ safe_json_text('properties', 'amount_cents') }} as bigint) as amount_cents
    from placed

)

select
    order_id,
    event_id,
    user_id,
    placed_at,
    currency,
    item_count,
    amount_cents,
    {{ cents_to_amount('amount_cents') }} as amount
from parsed
where order_id is not null
