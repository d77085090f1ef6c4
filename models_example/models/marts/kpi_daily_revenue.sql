-- Revenue per day in the reporting currency: orders and gross on the day
-- they were placed, refunds on the day they were paid back (so a refund of
-- an older order lands on the day the money left), and new signups.
-- Orders in other currencies are left out until FX rates are modelled.

{% set currency = var('currency', 'EUR') %}

with orders as (

    select
        order_date as day,
        count(*) as orders,
        sum(gross_amount) as gross
    from {{ ref('fct_orders') }}
    where currency = '{{ currency }}'
    group by order_date

),

refunds as (

    select
        {{ to_reporting_date('refunded_at') }} as day,
        sum(refund_amount) as refunds
    from {{ ref('stg_refunds') }}
    where currency = '{{ currency }}'
    group by {{ to_reporting_date('refunded_at') }}

),

signups as (

    select
        {{ to_reporting_date('signed_up_at') }} as day,
        count(*) as new_users
    from {{ ref('stg_signups') }}
    group by {{ to_reporting_date('signed_up_at') }}

),

days as (

    select day from orders
    union
    select day from refunds
    union
    select day from signups

)

select
    d.day,
    cast('{{ currency }}' as varchar(3)) as currency,
    coalesce(o.orders, 0) as orders,
    coalesce(o.gross, 0) as gross,
    coalesce(r.refunds, 0) as refunds,
    coalesce(o.gross, 0) - coalesce(r.refunds, 0) as net,
    coalesce(s.new_users, 0) as new_users
from days as d
left join orders as o on o.day = d.day
left join refunds as r on r.day = d.day
left join signups as s on s.day = d.day
