-- One row per known user: signup attributes, activity counts per event type
-- and lifetime value. Users seen without a signup event (they signed up
-- before events were collected) are kept, with null signup fields.

{% set event_types = ['login', 'page_view', 'order_placed', 'order_refunded'] %}

with activity as (

    select
        user_id,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at,
        {%- for event_type in event_types %}
        sum(case when event_type = '{{ event_type }}' then 1 else 0 end) as {{ event_type }}_events,
        {%- endfor %}
        count(*) as total_events
    from {{ ref('stg_events') }}
    where user_id is not null
    group by user_id

),

orders as (

    select
        user_id,
        count(*) as orders,
        min(placed_at) as first_order_at,
        sum(case when currency = '{{ var("currency", "EUR") }}' then net_amount else 0 end) as lifetime_net_amount
    from {{ ref('fct_orders') }}
    group by user_id

)

select
    a.user_id,
    s.signed_up_at,
    s.plan,
    s.acquisition_channel,
    a.first_seen_at,
    a.last_seen_at,
    {%- for event_type in event_types %}
    a.{{ event_type }}_events,
    {%- endfor %}
    a.total_events,
    coalesce(o.orders, 0) as orders,
    o.first_order_at,
    coalesce(o.lifetime_net_amount, 0) as lifetime_net_amount,
    o.user_id is not null as is_customer
from activity as a
left join {{ ref('stg_signups') }} as s on s.user_id = a.user_id
left join orders as o on o.user_id = a.user_id
