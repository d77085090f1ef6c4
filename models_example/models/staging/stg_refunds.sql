-- One row per refund. A refund can be partial, and can be for an order
-- placed before events were collected.

with refunded as (

    select *
    from {{ ref('stg_events') }}
    where event_type = 'order_refunded'

),

parsed as (

    select
        event_id as refund_id,
        {{ safe_json_text('properties', 'order_id') }} as order_id,
        user_id,
        occurred_at as refunded_at,
        upper(coalesce({{ safe_json_text('properties', 'currency') }}, '{{ var("currency", "EUR") }}')) as currency,
        cast({{ safe_json_text('properties', 'amount_cents') }} as bigint) as refund_amount_cents,
        {{ safe_json_text('properties', 'reason') }} as reason
    from refunded

)

select
    refund_id,
    order_id,
    user_id,
    refunded_at,
    currency,
    refund_amount_cents,
    {{ cents_to_amount('refund_amount_cents') }} as refund_amount,
    reason
from parsed
where order_id is not null
