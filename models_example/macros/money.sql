{#-
  cents_to_amount(column_name, scale=2): an integer amount in minor units
  (cents) as a decimal amount in major units: 1999 -> 19.99.
-#}
{% macro cents_to_amount(column_name, scale=2) -%}
    cast(({{ column_name }}) / 100.0 as numeric(18, {{ scale }}))
{%- endmacro %}
