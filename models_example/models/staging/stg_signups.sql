-- One row per signup. A blank or missing referrer means the user came
-- direct.

select
    user_id,
    occurred_at as signed_up_at,
    coalesce({{ safe_json_text('properties', 'plan') }}, 'free') as plan,
    coalesce({{ safe_json_text('properties', 'referrer') }}, 'direct') as acquisition_channel,
    {{ safe_json_text('properties', 'email_domain') }} as email_domain
from {{ ref('stg_events') }}
where event_type = 'signup'
  and user_id is not null
