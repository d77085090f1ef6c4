Feature: hooks, grants and timeouts from model config
  Production runs need audit hooks, access granted per model in review,
  and bounded statements; each is config, applied inside the model's own
  transaction so that a failure leaves everything as it was.

  Background:
    Given the database has:
      """
      create table raw_orders (id int, amount numeric(10,2));
      insert into raw_orders values (1, 10.00), (2, 5.50);
      create table audit_log (event text, logged_at timestamptz default now());
      """

  Scenario: pre and post hooks run with the model, and run hooks around the run
    Given a project "shop" with dbt_project.yml:
      """
      name: shop
      profile: kiln_test
      config-version: 2
      on-run-start: "insert into {{ target.schema }}.audit_log (event) values ('run started')"
      on-run-end:
        - "insert into {{ target.schema }}.audit_log (event) values ('run ended')"
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table',
                pre_hook="insert into {{ target.schema }}.audit_log (event) values ('building ' || '{{ this.name }}')",
                post_hook=["insert into {{ target.schema }}.audit_log (event) select 'built ' || count(*) || ' rows' from {{ this }}"]) }}
      select id, amount from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 0
    And the query "select event from audit_log order by logged_at, event" returns:
      | event           |
      | run started     |
      | building orders |
      | built 2 rows    |
      | run ended       |

  Scenario: a failing post hook rolls the model back, pre hook included
    Given a project "shop"
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='table',
                pre_hook="insert into {{ target.schema }}.audit_log (event) values ('pre')",
                post_hook="select * from {{ target.schema }}.no_such_table") }}
      select id, amount * 100 as amount from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 1
    And the output contains "post_hook #1 failed"
    And the output contains "no_such_table"
    And the table "audit_log" has 0 rows
    And the query "select amount from orders order by id" returns:
      | amount |
      | 10.00  |
      | 5.50   |

  # Roles and their grants are PostgreSQL's.
  @postgres
  Scenario: grants follow the config, revoking roles no longer listed
    Given the database has:
      """
      create role {schema}_bi;
      create role {schema}_finance;
      """
    And a project "shop"
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table', grants={'select': ['{schema}_bi', '{schema}_finance']}) }}
      select id, amount from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 0
    And the query "select grantee from information_schema.role_table_grants where table_schema = '{schema}' and table_name = 'orders' and privilege_type = 'SELECT' and grantee like '{schema}%' order by grantee" returns:
      | grantee           |
      | {schema}_bi       |
      | {schema}_finance  |
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='table', grants={'select': ['{schema}_bi']}) }}
      select id, amount from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 0
    And the query "select grantee from information_schema.role_table_grants where table_schema = '{schema}' and table_name = 'orders' and privilege_type = 'SELECT' and grantee like '{schema}%' order by grantee" returns:
      | grantee     |
      | {schema}_bi |
    Given the database has:
      """
      drop table orders;
      drop role {schema}_bi;
      drop role {schema}_finance;
      """

  # statement_timeout is PostgreSQL's, and so is pg_sleep.
  @postgres
  Scenario: a statement_timeout stops a slow model and keeps the old table
    Given a project "shop"
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='table', statement_timeout='200ms') }}
      select id, amount from {schema}.raw_orders, pg_sleep(3)
      """
    When I run "kiln run"
    Then the exit code is 1
    And the output contains "statement_timeout of 200ms exceeded"
    And the table "orders" has 2 rows
    And no relation in the schema matches "%kiln%"

  Scenario: a bad timeout in config is a load error naming the model
    Given a project "shop"
    And the file "models/orders.sql" containing:
      """
      {{ config(statement_timeout='soon') }}
      select 1 as id
      """
    When I run "kiln run"
    Then the exit code is 2
    And stderr contains "models/orders.sql:1: statement_timeout: soon is not a duration"
