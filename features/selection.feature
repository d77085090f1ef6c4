Feature: --select and --exclude choose which models run
  Selectors follow dbt: a model name, +name (with its ancestors), name+
  (with its descendants), tag:x, path:dir, and --exclude to take models
  out. Only the selected models are built.

  Background:
    Given a project "shop"
    And the database has:
      """
      create table raw_orders (id int, amount numeric(10,2));
      insert into raw_orders values (1, 10.00), (2, 5.50);
      create table raw_customers (id int, name text);
      insert into raw_customers values (1, 'ann');
      """
    And the file "models/staging/stg_orders.sql" containing:
      """
      select id, amount from {schema}.raw_orders
      """
    And the file "models/staging/stg_customers.sql" containing:
      """
      {{ config(tags=['crm']) }}
      select id, name from {schema}.raw_customers
      """
    And the file "models/marts/orders.sql" containing:
      """
      select id, amount from {{ ref('stg_orders') }}
      """
    And the file "models/marts/revenue.sql" containing:
      """
      select sum(amount) as total from {{ ref('orders') }}
      """

  Scenario: --select a model by name
    When I run "kiln run --select stg_orders"
    Then the exit code is 0
    And the output contains "PASS=1 ERROR=0 SKIP=0 TOTAL=1"
    And the relation "stg_orders" is a view
    And the relation "orders" does not exist
    And the relation "revenue" does not exist
    And the relation "stg_customers" does not exist

  Scenario: +name selects the model and its ancestors
    When I run "kiln run --select +orders"
    Then the exit code is 0
    And the output contains "PASS=2 ERROR=0 SKIP=0 TOTAL=2"
    And the relation "stg_orders" is a view
    And the relation "orders" is a view
    And the relation "revenue" does not exist
    And the relation "stg_customers" does not exist

  Scenario: name+ selects the model and its descendants
    When I run "kiln run --select stg_orders+"
    Then the exit code is 0
    And the output contains "PASS=3 ERROR=0 SKIP=0 TOTAL=3"
    And the query "select total from revenue" returns:
      | total |
      | 15.50 |
    And the relation "stg_customers" does not exist

  Scenario: tag: selects the tagged models
    When I run "kiln run -s tag:crm"
    Then the exit code is 0
    And the output contains "PASS=1 ERROR=0 SKIP=0 TOTAL=1"
    And the relation "stg_customers" is a view
    And the relation "stg_orders" does not exist

  Scenario: path: selects the models under a folder
    When I run "kiln run --select path:models/staging"
    Then the exit code is 0
    And the output contains "PASS=2 ERROR=0 SKIP=0 TOTAL=2"
    And the relation "stg_orders" is a view
    And the relation "stg_customers" is a view
    And the relation "orders" does not exist

  Scenario: --exclude takes models out of the selection
    When I run "kiln run --select stg_orders+ --exclude revenue"
    Then the exit code is 0
    And the output contains "PASS=2 ERROR=0 SKIP=0 TOTAL=2"
    And the relation "stg_orders" is a view
    And the relation "orders" is a view
    And the relation "revenue" does not exist
    And the relation "stg_customers" does not exist
