Feature: Views kiln does not manage survive a table rebuild
  Other tools (and people) build views on kiln's tables. Rebuilding a table
  must keep those views working and show them the new data; a rebuild that
  would break one fails instead, naming the view, and leaves both as they
  were.

  Background:
    Given a project "shop"
    And the database has:
      """
      create table raw_orders (id int, amount numeric(10,2), note text);
      insert into raw_orders values (1, 10.00, 'a'), (2, 5.50, 'b');
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount, note from {schema}.raw_orders
      """

  Scenario: A view on a kiln table shows the rebuilt table's data
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      create view order_notes as select id, note from orders;
      insert into raw_orders values (3, 7.00, 'c');
      """
    When I run "kiln run"
    Then the exit code is 0
    And the line for "{schema}.orders" contains "OK"
    And the relation "order_notes" is a view
    And the query "select id, note from order_notes order by id" returns:
      | id | note |
      | 1  | a    |
      | 2  | b    |
      | 3  | c    |

  Scenario: A rebuild that drops a column a view uses fails and changes nothing
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      create view order_notes as select id, note from orders;
      insert into raw_orders values (3, 7.00, 'c');
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='table') }}
      select id, amount from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 1
    And the line for "{schema}.orders" contains "ERROR"
    And the output contains "order_notes"
    And the output contains "PASS=0 ERROR=1 SKIP=0 TOTAL=1"
    And the query "select id, note from order_notes order by id" returns:
      | id | note |
      | 1  | a    |
      | 2  | b    |
    And the query "select column_name from information_schema.columns where table_schema = '{schema}' and table_name = 'orders' order by ordinal_position" returns:
      | column_name |
      | id          |
      | amount      |
      | note        |
    And the table "orders" has 2 rows
