Feature: A failing model leaves the database as it was
  When a model's SQL fails, kiln keeps whatever was at its relation before,
  prints the database error at its line in the compiled file, skips the
  models that depend on it (naming the failed one), builds every model that
  does not, and exits 1.

  Background:
    Given a project "shop"
    And the database has:
      """
      create table raw_orders (id int, amount numeric(10,2));
      insert into raw_orders values (1, 10.00), (2, 5.50);
      create table raw_customers (id int, name text);
      insert into raw_customers values (1, 'ann');
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount
      from {schema}.raw_orders
      """
    And the file "models/revenue.sql" containing:
      """
      select sum(amount) as total from {{ ref('orders') }}
      """
    And the file "models/customers.sql" containing:
      """
      select id, name from {schema}.raw_customers
      """

  Scenario: A bad column fails its model, keeps its old table and skips its descendants
    When I run "kiln run"
    Then the exit code is 0
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id,
             amount,
             amout * 2 as doubled
      from {schema}.raw_orders
      """
    And the database has:
      """
      insert into raw_orders values (3, 7.00);
      """
    When I run "kiln run"
    Then the exit code is 1
    And the line for "{schema}.orders" contains "ERROR"
    And the line for "target/compiled/shop/models/orders.sql:4:8:" contains "amout"
    And the line for "{schema}.revenue" contains "SKIP"
    And the line for "{schema}.revenue" contains "orders"
    And the line for "{schema}.customers" contains "OK"
    And the output contains "PASS=1 ERROR=1 SKIP=1 TOTAL=3"
    And the relation "orders" is a table
    And the query "select * from orders order by id" returns:
      | id | amount |
      | 1  | 10.00  |
      | 2  | 5.50   |
    And the relation "revenue" is a view
    And the query "select table_name from information_schema.tables where table_schema = '{schema}' order by 1" returns:
      | table_name    |
      | customers     |
      | orders        |
      | raw_customers |
      | raw_orders    |
      | revenue       |
    And the JSON file "target/run_results.json" has "results[unique_id=model.shop.orders].status" equal to "error"
    And the JSON file "target/run_results.json" has "results[unique_id=model.shop.revenue].status" equal to "skipped"
    And the JSON file "target/run_results.json" has "results[unique_id=model.shop.customers].status" equal to "success"

  Scenario: A new model that fails leaves nothing behind
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amout
      from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 1
    And the line for "{schema}.orders" contains "ERROR"
    And the line for "target/compiled/shop/models/orders.sql:2:12:" contains "amout"
    And the line for "{schema}.revenue" contains "SKIP"
    And the line for "{schema}.customers" contains "OK"
    And the relation "orders" does not exist
    And the relation "revenue" does not exist
    And the relation "customers" is a view
    And the query "select table_name from information_schema.tables where table_schema = '{schema}' order by 1" returns:
      | table_name    |
      | customers     |
      | raw_customers |
      | raw_orders    |
    And the JSON file "target/run_results.json" has "results[unique_id=model.shop.orders].status" equal to "error"
    And the JSON file "target/run_results.json" has "results[unique_id=model.shop.revenue].status" equal to "skipped"
