Feature: kiln run builds models in the target schema
  `kiln run` renders every model, builds it in dependency order as a view
  or a table in the target schema, prints one line per model and a summary,
  and exits 0 when every model built.

  Background:
    Given the database has:
      """
      create table raw_orders (id int, customer text, amount numeric(10,2));
      insert into raw_orders values (1, 'ann', 10.00), (2, 'bob', 5.50), (3, 'ann', 2.25);
      """

  Scenario: A model is a view by default and a table with config(materialized='table')
    Given a project "shop"
    And the file "models/stg_orders.sql" containing:
      """
      select id, customer, amount from {schema}.raw_orders
      """
    And the file "models/customers.sql" containing:
      """
      {{ config(materialized='table') }}
      select customer, sum(amount) as total
      from {{ ref('stg_orders') }}
      group by customer
      """
    When I run "kiln run"
    Then the exit code is 0
    And the line for "{schema}.stg_orders" contains "OK"
    And the line for "{schema}.customers" contains "OK"
    And the output contains "PASS=2 ERROR=0 SKIP=0 TOTAL=2"
    And the relation "stg_orders" is a view
    And the relation "customers" is a table
    And the query "select customer, total from customers order by customer" returns:
      | customer | total |
      | ann      | 12.25 |
      | bob      | 5.50  |

  Scenario: Re-running after editing a model rebuilds it with the new data
    Given a project "shop"
    And the file "models/customers.sql" containing:
      """
      {{ config(materialized='table') }}
      select customer, sum(amount) as total from {schema}.raw_orders group by customer
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the file "models/customers.sql" containing:
      """
      {{ config(materialized='table') }}
      select customer, count(*) as orders from {schema}.raw_orders group by customer
      """
    And the database has:
      """
      insert into raw_orders values (4, 'cy', 1.00);
      """
    When I run "kiln run"
    Then the exit code is 0
    And the line for "{schema}.customers" contains "OK"
    And the query "select * from customers order by customer" returns:
      | customer | orders |
      | ann      | 2      |
      | bob      | 1      |
      | cy       | 1      |
    And the query "select table_name from information_schema.tables where table_schema = '{schema}' order by 1" returns:
      | table_name |
      | customers  |
      | raw_orders |

  Scenario: A folder's materialization is set in dbt_project.yml
    Given a project "shop" with dbt_project.yml:
      """
      name: shop
      profile: kiln_test
      config-version: 2
      models:
        shop:
          marts:
            +materialized: table
      """
    And the file "models/staging/stg_orders.sql" containing:
      """
      select id, customer, amount from {schema}.raw_orders
      """
    And the file "models/marts/revenue.sql" containing:
      """
      select sum(amount) as total from {{ ref('stg_orders') }}
      """
    When I run "kiln run"
    Then the exit code is 0
    And the relation "stg_orders" is a view
    And the relation "revenue" is a table
    And the query "select total from revenue" returns:
      | total |
      | 17.75 |

  Scenario: A custom schema is appended to the target schema
    Given a project "shop" with dbt_project.yml:
      """
      name: shop
      profile: kiln_test
      config-version: 2
      models:
        shop:
          marts:
            +schema: marts
      """
    And the file "models/staging/stg_orders.sql" containing:
      """
      select id, customer, amount from {schema}.raw_orders
      """
    And the file "models/marts/revenue.sql" containing:
      """
      select sum(amount) as total from {{ ref('stg_orders') }}
      """
    When I run "kiln run"
    Then the exit code is 0
    And the line for "{schema}_marts.revenue" contains "OK"
    And the relation "{schema}_marts.revenue" is a view
    And the relation "revenue" does not exist
    And the relation "stg_orders" is a view
    And the query "select total from {schema}_marts.revenue" returns:
      | total |
      | 17.75 |

  Scenario: Variables from --vars win over the project's vars
    Given a project "shop" with dbt_project.yml:
      """
      name: shop
      profile: kiln_test
      config-version: 2
      vars:
        min_amount: 100
        label: from_project
      """
    And the file "models/big_orders.sql" containing:
      """
      select id,
             '{{ var("label") }}' as label,
             '{{ var("missing", "fallback") }}' as other
      from {schema}.raw_orders
      where amount >= {{ var('min_amount') }}
      """
    When I run "kiln run --vars '{min_amount: 5}'"
    Then the exit code is 0
    And the query "select id, label, other from big_orders order by id" returns:
      | id | label        | other    |
      | 1  | from_project | fallback |
      | 2  | from_project | fallback |

  Scenario: env_var reads the environment, with a default
    Given a project "shop"
    And the environment variable "KILN_FEATURE_REGION" is "emea"
    And the file "models/region.sql" containing:
      """
      select '{{ env_var("KILN_FEATURE_REGION") }}' as region,
             '{{ env_var("KILN_FEATURE_UNSET", "none") }}' as other
      """
    When I run "kiln run"
    Then the exit code is 0
    And the query "select region, other from region" returns:
      | region | other |
      | emea   | none  |

  Scenario: --log-format json prints one JSON object per event for schedulers
    Given a project "shop"
    And the file "models/stg_orders.sql" containing:
      """
      select id, amount from {schema}.raw_orders
      """
    And the file "models/bad.sql" containing:
      """
      select amout from {{ ref('stg_orders') }}
      """
    When I run "kiln run --log-format json"
    Then the exit code is 1
    And every line of stdout is a JSON object with ts, event and level
    And the JSON log has a "invocation_started" event for "" with "schema" equal to "{schema}"
    And the JSON log has a "node_finished" event for "model.shop.stg_orders" with "status" equal to "success"
    And the JSON log has a "node_finished" event for "model.shop.bad" with "status" equal to "error"
    And the JSON log has a "node_finished" event for "model.shop.bad" with "error_line" equal to "1"
    And the JSON log has a "invocation_finished" event for "" with "error" equal to "1"
    And the output does not contain "PASS="
