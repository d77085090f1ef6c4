{#-
  safe_json_text(payload, key): the text of a top-level key of a JSON value,
  trimmed; NULL when the key is missing, JSON null, or blank. Pass a column
  or an expression: safe_json_text('properties', 'order_id').
-#}
{% macro safe_json_text(payload, key) -%}
    nullif(trim({{ payload }} ->> '{{ key }}'), '')
{%- endmacro %}
