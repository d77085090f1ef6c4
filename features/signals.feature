# About cancelling a statement on the server: pg_sleep, pg_stat_activity,
# plpgsql, pgx's cancel request.
@postgres
Feature: A signal stops a run cleanly
  Airflow stops a task by sending SIGTERM to kiln in its pod; an analyst
  presses Ctrl-C. The first signal cancels the run: the running statement
  is cancelled on the server, whatever was at the model's relation stays as
  it was, no temporary relation is left behind, the models that had not
  started are recorded as cancelled in run_results.json, and kiln exits 143
  after SIGTERM, 130 after SIGINT. A second signal exits at once.

  Background:
    Given a project "shop"
    And the database has:
      """
      create table raw_orders (id int, amount numeric(10,2));
      insert into raw_orders values (1, 10.00), (2, 5.50);
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {schema}.raw_orders
      """

  Scenario: SIGTERM during a long model cancels its statement, keeps the old table and exits 143
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      insert into raw_orders values (3, 7.00);
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {schema}.raw_orders, pg_sleep(60)
      """
    When I start "kiln run"
    And I wait until the database shows a query containing "pg_sleep(60)"
    And I send SIGTERM to kiln
    Then kiln exits within 10 seconds with code 143
    And the database shows no query containing "pg_sleep(60)"
    And the query "select id, amount from orders order by id" returns:
      | id | amount |
      | 1  | 10.00  |
      | 2  | 5.50   |
    And no relation in the schema matches "%kiln%"
    And the line for "{schema}.orders" contains "CANCEL"
    And the JSON file "target/run_results.json" has "results[unique_id=model.shop.orders].status" equal to "cancelled"

  Scenario: SIGINT exits 130, and the model waiting for the cancelled one is recorded as cancelled, not built
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {schema}.raw_orders, pg_sleep(60)
      """
    And the file "models/revenue.sql" containing:
      """
      {{ config(materialized='table') }}
      select sum(amount) as total from {{ ref('orders') }}
      """
    When I start "kiln run"
    And I wait until the database shows a query containing "pg_sleep(60)"
    And I send SIGINT to kiln
    Then kiln exits within 10 seconds with code 130
    And the database shows no query containing "pg_sleep(60)"
    And the relation "orders" does not exist
    And the relation "revenue" does not exist
    And no relation in the schema matches "%kiln%"
    And the line for "{schema}.revenue" contains "CANCEL"
    And the output contains "PASS=0 ERROR=0 SKIP=0 CANCELLED=2 TOTAL=2"
    And the JSON file "target/run_results.json" has "results[unique_id=model.shop.orders].status" equal to "cancelled"
    And the JSON file "target/run_results.json" has "results[unique_id=model.shop.revenue].status" equal to "cancelled"

  # stubborn_sleep ignores cancel requests, as a statement stuck in a
  # non-interruptible wait would: after one signal kiln waits for it
  # (pgx cuts the connection after 3 s), so only a second signal can make
  # kiln exit within a second or so. That exit skips the clean end, so no
  # run_results.json is written.
  Scenario: A second SIGTERM exits at once, without waiting for the statement
    Given the database has:
      """
      create function stubborn_sleep(seconds float8) returns int language plpgsql as $$
      declare
        deadline timestamptz := clock_timestamp() + make_interval(secs => seconds);
      begin
        while clock_timestamp() < deadline loop
          begin
            perform pg_sleep(0.1);
          exception when query_canceled then
            null;
          end;
        end loop;
        return 1;
      end $$;
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the file "target/run_results.json" is removed
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {schema}.raw_orders, {schema}.stubborn_sleep(60)
      """
    When I start "kiln run"
    And I wait until the database shows a query containing "stubborn_sleep(60)"
    And I send SIGTERM to kiln twice
    Then kiln exits within 3 seconds with code 143
    And the output does not contain "Finished"
    And the file "target/run_results.json" does not exist
    And the query "select id, amount from orders order by id" returns:
      | id | amount |
      | 1  | 10.00  |
      | 2  | 5.50   |
    And no relation in the schema matches "%kiln%"

  # The statement swallows the cancel request: pgx's deadline cuts the
  # client off after a few seconds, and closing the pool must not then wait
  # for pgx to drain the socket (up to 15 s).
  Scenario: One SIGTERM stops kiln within seconds even when the statement ignores the cancel request
    Given the database has:
      """
      create function stubborn_sleep(seconds float8) returns int language plpgsql as $$
      declare
        deadline timestamptz := clock_timestamp() + make_interval(secs => seconds);
      begin
        while clock_timestamp() < deadline loop
          begin
            perform pg_sleep(0.1);
          exception when query_canceled then
            null;
          end;
        end loop;
        return 1;
      end $$;
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {schema}.raw_orders, {schema}.stubborn_sleep(60)
      """
    When I start "kiln run"
    And I wait until the database shows a query containing "stubborn_sleep(60)"
    And I send SIGTERM to kiln
    Then kiln exits within 10 seconds with code 143
    And the line for "{schema}.orders" contains "CANCEL"
    And the JSON file "target/run_results.json" has "results[unique_id=model.shop.orders].status" equal to "cancelled"
    And the relation "orders" does not exist
    And no relation in the schema matches "%kiln%"
