Feature: data tests and kiln build
  Analysts declare tests in YAML (not_null, unique, accepted_values,
  relationships, their own generic tests) or as SQL files; `kiln test` runs
  them, and `kiln build` runs each node's tests right after it, skipping
  everything downstream of a failing one.

  Background:
    Given the database has:
      """
      create table raw_orders (id int, customer_id int, status text);
      insert into raw_orders values (1, 1, 'open'), (2, 2, 'closed'), (3, 1, 'open');
      create table raw_customers (id int, name text);
      insert into raw_customers values (1, 'ann'), (2, 'bob');
      """
    And a project "shop"
    And the file "models/customers.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, name from {schema}.raw_customers
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, customer_id, status from {schema}.raw_orders
      """
    And the file "models/order_report.sql" containing:
      """
      select status, count(*) as n from {{ ref('orders') }} group by status
      """

  Scenario: every built-in generic test passes on good data
    Given the file "models/schema.yml" containing:
      """
      version: 2
      models:
        - name: orders
          columns:
            - name: id
              tests: [not_null, unique]
            - name: status
              data_tests:
                - accepted_values:
                    values: ['open', 'closed']
            - name: customer_id
              tests:
                - relationships:
                    to: ref('customers')
                    field: id
      """
    When I run "kiln run"
    Then the exit code is 0
    When I run "kiln test"
    Then the exit code is 0
    And the line for "not_null_orders_id" contains "PASS"
    And the line for "unique_orders_id" contains "PASS"
    And the line for "accepted_values_orders_status__open__closed" contains "PASS"
    And the line for "relationships_orders_customer_id__id__ref_customers_" contains "PASS"
    And the output contains "PASS=4 ERROR=0 SKIP=0 TOTAL=4"

  Scenario: failing tests report their failing rows, their name and compiled SQL, and exit 1
    Given the database has:
      """
      insert into raw_orders values (3, 9, 'lost'), (null, 1, 'open');
      """
    And the file "models/schema.yml" containing:
      """
      version: 2
      models:
        - name: orders
          columns:
            - name: id
              tests: [not_null, unique]
            - name: status
              tests:
                - accepted_values:
                    values: ['open', 'closed']
            - name: customer_id
              tests:
                - relationships:
                    to: ref('customers')
                    field: id
      """
    When I run "kiln run"
    And I run "kiln test"
    Then the exit code is 1
    And the line for "not_null_orders_id" contains "FAIL 1"
    And the line for "unique_orders_id" contains "FAIL 1"
    And the line for "accepted_values_orders_status__open__closed" contains "FAIL 1"
    And the line for "relationships_orders_customer_id__id__ref_customers_" contains "FAIL 1"
    And the output contains "target/compiled/shop/models/schema.yml/not_null_orders_id.sql"
    And the file "target/compiled/shop/models/schema.yml/not_null_orders_id.sql" contains "is null"
    And the JSON file "target/run_results.json" has "results[unique_id=test.shop.not_null_orders_id.84ef11d8fe].status" equal to "fail"

  Scenario: severity warn does not fail the run; store failures keeps the rows
    Given the database has:
      """
      insert into raw_orders values (4, 1, 'lost');
      """
    And the file "models/schema.yml" containing:
      """
      version: 2
      models:
        - name: orders
          columns:
            - name: status
              tests:
                - accepted_values:
                    values: ['open', 'closed']
                    config:
                      severity: warn
            - name: id
              tests:
                - not_null:
                    config:
                      where: "status = 'open'"
      """
    When I run "kiln run"
    And I run "kiln test --store-failures"
    Then the exit code is 0
    And the line for "accepted_values_orders_status__open__closed" contains "WARN 1"
    And the output contains "PASS=1 WARN=1 ERROR=0 SKIP=0 TOTAL=2"
    And the query "select value_field from {schema}_dbt_test__audit.accepted_values_orders_status__open__closed" returns:
      | value_field |
      | lost        |

  Scenario: custom generic tests and singular tests
    Given the file "tests/generic/positive.sql" containing:
      """
      {% test positive(model, column_name) %}
      select * from {{ model }} where {{ column_name }} <= 0
      {% endtest %}
      """
    And the file "tests/no_orphan_reports.sql" containing:
      """
      select * from {{ ref('order_report') }} where n > 2
      """
    And the file "models/schema.yml" containing:
      """
      version: 2
      models:
        - name: orders
          columns:
            - name: id
              tests: [positive]
      """
    When I run "kiln run"
    And I run "kiln test"
    Then the exit code is 0
    And the line for "positive_orders_id" contains "PASS"
    And the line for "no_orphan_reports" contains "PASS"
    Given the database has:
      """
      insert into raw_orders values (0, 1, 'open'), (5, 1, 'open');
      """
    When I run "kiln run"
    And I run "kiln test"
    Then the exit code is 1
    And the line for "positive_orders_id" contains "FAIL 1"
    And the line for "no_orphan_reports" contains "FAIL 1"

  Scenario: kiln build skips what is downstream of a failing test, and runs the rest
    Given the database has:
      """
      insert into raw_orders values (null, 2, 'open');
      """
    And the file "models/schema.yml" containing:
      """
      version: 2
      models:
        - name: orders
          columns:
            - name: id
              tests: [not_null]
        - name: customers
          columns:
            - name: id
              tests: [unique]
      """
    When I run "kiln build"
    Then the exit code is 1
    And the line for "{schema}.customers" contains "OK"
    And the line for "unique_customers_id" contains "PASS"
    And the line for "{schema}.orders" contains "OK"
    And the line for "not_null_orders_id" contains "FAIL 1"
    And the line for "{schema}.order_report" contains "SKIP"
    And the relation "order_report" does not exist

  Scenario: an unknown test and a bad accepted_values are load errors naming the YAML file and line
    Given the file "models/schema.yml" containing:
      """
      version: 2
      models:
        - name: orders
          columns:
            - name: id
              tests: [not_nul]
      """
    When I run "kiln test"
    Then the exit code is 2
    And stderr contains "models/schema.yml:"
    And stderr contains "not_nul"
