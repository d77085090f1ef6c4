Feature: state, retry, defer and named selectors
  Airflow retries only what failed; CI builds only what changed against the
  production manifest; an analyst builds one model in a personal schema
  and reads its parents from production.

  Background:
    Given the database has:
      """
      create table raw_orders (id int, amount numeric(10,2));
      insert into raw_orders values (1, 10.00), (2, 5.50);
      """
    And a project "shop"
    And the file "macros/money.sql" containing:
      """
      {% macro money(col) %}round({{ col }}, 2){% endmacro %}
      """
    And the file "models/stg_orders.sql" containing:
      """
      select id, amount from {schema}.raw_orders
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, {{ money('amount') }} as amount from {{ ref('stg_orders') }}
      """
    And the file "models/revenue.sql" containing:
      """
      select sum(amount) * {{ var('fx', 1) }} as total from {{ ref('orders') }}
      """
    And the file "models/other.sql" containing:
      """
      select 1 as one
      """

  Scenario: kiln retry runs exactly what failed or was skipped, then has nothing to do
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amout from {{ ref('stg_orders') }}
      """
    When I run "kiln run"
    Then the exit code is 1
    And the output contains "PASS=2 ERROR=1 SKIP=1 TOTAL=4"
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {{ ref('stg_orders') }}
      """
    When I run "kiln retry"
    Then the exit code is 0
    And the output contains "PASS=2 ERROR=0 SKIP=0 TOTAL=2"
    And the line for "{schema}.orders" contains "OK"
    And the line for "{schema}.revenue" contains "OK"
    And the output does not contain "{schema}.other"
    And the query "select total from revenue" returns:
      | total |
      | 15.50 |
    When I run "kiln retry"
    Then the exit code is 0
    And the output contains "Nothing to retry"

  Scenario: state:modified finds a model whose SQL, macro or var changed
    When I run "kiln run"
    Then the exit code is 0
    Given the directory "target" is copied to "prod-state"
    When I run "kiln ls -s state:modified --state prod-state"
    Then the exit code is 0
    And the output does not contain "shop."
    Given the file "models/other.sql" containing:
      """
      select 2 as one
      """
    When I run "kiln ls -s state:modified --state prod-state"
    Then the output contains "shop.other"
    And the output does not contain "shop.orders"
    Given the file "models/other.sql" containing:
      """
      select 1 as one
      """
    And the file "macros/money.sql" containing:
      """
      {% macro money(col) %}round({{ col }}, 4){% endmacro %}
      """
    When I run "kiln ls -s state:modified --state prod-state"
    Then the output contains "shop.orders"
    And the output does not contain "shop.other"
    And the output does not contain "shop.revenue"
    Given the file "macros/money.sql" containing:
      """
      {% macro money(col) %}round({{ col }}, 2){% endmacro %}
      """
    When I run "kiln ls -s state:modified --state prod-state --vars '{fx: 2}'"
    Then the output contains "shop.revenue"
    And the output does not contain "shop.orders"
    And the file "prod-state/manifest.json" does not contain "PGPASSWORD"

  Scenario: state:modified finds an incremental model whose var is read only when it is incremental
    The first render of a model runs with is_incremental() false, so a var
    read only in the incremental branch is found in the model's file.
    Given the file "models/recent_orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id') }}
      select id, amount from {{ ref('stg_orders') }}
      {% if is_incremental() %}
      where id > {{ var('since_id', 0) }}
      {% endif %}
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the directory "target" is copied to "prod-state"
    When I run "kiln ls -s state:modified --state prod-state"
    Then the exit code is 0
    And the output does not contain "shop."
    When I run "kiln ls -s state:modified --state prod-state --vars '{since_id: 1}'"
    Then the exit code is 0
    And the output contains "shop.recent_orders"
    And the output does not contain "shop.revenue"
    And the output does not contain "shop.orders"

  Scenario: --defer reads unselected parents from the production schema
    Given the profile has a target "prod" with schema "{schema}_prod"
    When I run "kiln run --target prod"
    Then the exit code is 0
    Given the directory "target" is copied to "prod-state"
    When I run "kiln run -s revenue --defer --state prod-state"
    Then the exit code is 0
    And the output contains "PASS=1 ERROR=0 SKIP=0 TOTAL=1"
    And the relation "revenue" is a view
    And the relation "orders" does not exist
    And the file "target/compiled/shop/models/revenue.sql" contains ""{schema}_prod"."orders""
    And the query "select total from revenue" returns:
      | total |
      | 15.50 |

  Scenario: a named selector from selectors.yml
    Given the file "selectors.yml" containing:
      """
      selectors:
        - name: money
          definition:
            union:
              - method: fqn
                value: orders
                children: true
              - exclude:
                  - revenue
      """
    When I run "kiln ls --selector money"
    Then the exit code is 0
    And the output contains "shop.orders"
    And the output does not contain "shop.revenue"
    And the output does not contain "shop.other"
    When I run "kiln ls --selector monee"
    Then the exit code is 2
    And stderr contains "no selector named 'monee' (did you mean 'money'?)"
