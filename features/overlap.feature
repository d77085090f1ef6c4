# About PostgreSQL's advisory locks (and --lock-timeout naming the other
# session from pg_stat_activity); the models wait with pg_sleep. A DuckDB
# file has one writer process at a time.
@postgres
Feature: Two runs of the same project at the same time
  Airflow can start a task again while an earlier attempt still runs: a
  retry after a lost heartbeat, a manual re-run, a backfill next to the
  daily run. Two kiln runs of the same project at the same time must both
  succeed and leave the database as one run would: each table exactly once,
  with the right rows, no temporary relation, and an incremental model's new
  rows folded in once.

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
      select id, amount from {schema}.raw_orders, pg_sleep(1)
      """
    And the file "models/customers.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, name from {schema}.raw_customers
      """
    And the file "models/revenue.sql" containing:
      """
      {{ config(materialized='table') }}
      select c.customers, o.total
      from (select count(*) as customers from {{ ref('customers') }}) c,
           (select sum(amount) as total from {{ ref('orders') }}) o
      """

  Scenario: Two first runs at the same time both create the tables
    When I run "kiln run" twice at the same time
    Then both runs exit with code 0
    And the output of each run contains "PASS=3 ERROR=0 SKIP=0 TOTAL=3"
    And the query "select id, amount from orders order by id" returns:
      | id | amount |
      | 1  | 10.00  |
      | 2  | 5.50   |
    And the query "select id, name from customers order by id" returns:
      | id | name |
      | 1  | ann  |
    And the query "select * from revenue" returns:
      | customers | total |
      | 1         | 15.50 |
    And no relation in the schema matches "%kiln%"

  Scenario: Two runs at the same time both replace the tables
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      insert into raw_orders values (3, 7.00);
      insert into raw_customers values (2, 'bob');
      """
    When I run "kiln run" twice at the same time
    Then both runs exit with code 0
    And the output of each run contains "PASS=3 ERROR=0 SKIP=0 TOTAL=3"
    And the query "select id, amount from orders order by id" returns:
      | id | amount |
      | 1  | 10.00  |
      | 2  | 5.50   |
      | 3  | 7.00   |
    And the query "select id, name from customers order by id" returns:
      | id | name |
      | 1  | ann  |
      | 2  | bob  |
    And the query "select * from revenue" returns:
      | customers | total |
      | 2         | 22.50 |
    And no relation in the schema matches "%kiln%"

  Scenario: Two incremental runs at the same time fold the same new rows in once
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id', incremental_strategy='merge') }}
      select id, amount from {schema}.raw_orders, pg_sleep(1)
      {% if is_incremental() %}
      where id > (select max(id) from {{ this }})
      {% endif %}
      """
    When I run "kiln run --select orders"
    Then the exit code is 0
    Given the database has:
      """
      insert into raw_orders values (3, 7.00), (4, 1.25);
      """
    When I run "kiln run --select orders" twice at the same time
    Then both runs exit with code 0
    And the output of each run contains "PASS=1 ERROR=0 SKIP=0 TOTAL=1"
    And the query "select id, amount from orders order by id" returns:
      | id | amount |
      | 1  | 10.00  |
      | 2  | 5.50   |
      | 3  | 7.00   |
      | 4  | 1.25   |
    And no relation in the schema matches "%kiln%"

  Scenario: With --lock-timeout, a run gives up on a table another run is writing and names that session
    When I run "kiln run --select orders"
    Then the exit code is 0
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {schema}.raw_orders, pg_sleep(60)
      """
    When I start "kiln run --select orders"
    And I wait until the database shows a query containing "pg_sleep(60)"
    And I run "kiln run --select orders --lock-timeout 1s"
    Then the exit code is 1
    And the line for "{schema}.orders" contains "ERROR"
    And the output contains "is being written by another session"
    And the output contains "application_name "kiln""
    And the output contains the pid of the kiln session running "pg_sleep(60)"
    When I send SIGTERM to kiln
    Then kiln exits within 10 seconds with code 143
    And the query "select id, amount from orders order by id" returns:
      | id | amount |
      | 1  | 10.00  |
      | 2  | 5.50   |
    And no relation in the schema matches "%kiln%"
