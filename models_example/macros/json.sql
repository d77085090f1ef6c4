{#-
  safe_json_text(payload, key): the text of a top-level key of a JSON value,
  trimmed; NULL when the key is missing, JSON null, or blank. Pass a column
  or an expression: safe_json_text('properties', 'order_id').
-#}
{% macro safe_json_text(payload, key) -%}
    nullif(trim({{ payload }} ->> '{{ key }}'), '')
{%- endmacro %}

{#-
  json_array_size(value): the number of elements of a JSON array; NULL when
  the value is anything else (a string, an object, missing). The test of a
  JSON value's type is the one thing PostgreSQL and DuckDB spell apart.
-#}
{% macro json_array_size(value) -%}
    {%- if target.type == 'duckdb' -%}
    case when json_type({{ value }}) = 'ARRAY' then json_array_length({{ value }}) end
    {%- else -%}
    case when json_typeof({{ value }}) = 'array' then json_array_length({{ value }}) end
    {%- endif -%}
{%- endmacro %}
