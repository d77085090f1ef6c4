-- Active users per day: daily (any event that day), weekly (any event in
-- the 7 days ending that day), their ratio, and anonymous page views.

with events as (

    select
        user_id,
        event_type,
        {{ to_reporting_date('occurred_at') }} as activity_date
    from {{ ref('stg_events') }}

),

days as (

    select distinct activity_date as day from events

),

active as (

    select
        d.day,
        count(distinct case when e.activity_date = d.day then e.user_id end) as daily_active_users,
        count(distinct e.user_id) as weekly_active_users
    from days as d
    left join events as e
        on e.user_id is not null
        and e.activity_date > d.day - interval '7' day
        and e.activity_date <= d.day
    group by d.day

),

anonymous as (

    select
        activity_date as day,
        count(*) as anonymous_page_views
    from events
    where user_id is null
      and event_type = 'page_view'
    group by activity_date

)

select
    a.day,
    a.daily_active_users,
    a.weekly_active_users,
    round(cast(a.daily_active_users as numeric) / nullif(a.weekly_active_users, 0), 3) as dau_wau_ratio,
    coalesce(n.anonymous_page_views, 0) as anonymous_page_views
from active as a
left join anonymous as n on n.day = a.day
