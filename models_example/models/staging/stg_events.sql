{{ config(materialized='table') }}

-- One row per event, with typed columns pulled out of the JSON payload.
-- A table, although the staging folder defaults to views: the JSON is
-- parsed once here instead of in every model downstream.
--
-- Delivery is at least once, so an event_id can arrive more than once; the
-- first delivery wins. Events without occurred_at fall back to received_at.

with source as (

    select id, received_at, payload
    from {{ source('backend', 'raw_events') }}

),

typed as (

    select
        id,
        coalesce({{ safe_json_text('payload', 'event_id') }}, 'raw-' || cast(id as varchar)) as event_id,
        lower({{ safe_json_text('payload', 'type') }}) as event_type,
        cast({{ safe_json_text('payload', 'user_id') }} as bigint) as user_id,
        cast({{ safe_json_text('payload', 'occurred_at') }} as timestamp with time zone) as occurred_at,
        received_at,
        {{ safe_json_text('payload', 'client') }} as client,
        payload -> 'properties' as properties
    from source

),

deduplicated as (

    select
        *,
        row_number() over (partition by event_id order by received_at, id) as delivery_number
    from typed

)

select
    event_id,
    event_type,
    user_id,
    coalesce(occurred_at, received_at) as occurred_at,
    received_at,
    client,
    properties
from deduplicated
where delivery_number = 1
