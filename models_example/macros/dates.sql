{#-
  to_reporting_date(ts): the calendar date of a timestamp with time zone in
  the reporting time zone (var 'reporting_timezone', UTC by default), so
  that "a day" means the same thing in every model.
-#}
{% macro to_reporting_date(ts) -%}
    cast({{ ts }} at time zone '{{ var("reporting_timezone", "UTC") }}' as date)
{%- endmacro %}
