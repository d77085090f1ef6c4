Feature: Incremental models fold new rows into their table
  An incremental model builds its whole table the first time, and on later
  runs selects only new rows (is_incremental() is true) and folds them in,
  in one transaction: merge (update matching keys, insert the rest),
  delete+insert, or append. New rows with a NULL or repeated unique_key are
  refused and the table is left as it was; so is a change of columns that
  on_schema_change does not allow. --full-refresh rebuilds the table, unless
  the model's config says full_refresh: false.

  Background:
    Given a project "shop"
    And the database has:
      """
      create table raw_orders (id int, status text, amount numeric(10,2), updated_at int);
      insert into raw_orders values (1, 'new', 10.00, 1), (2, 'new', 20.00, 1), (3, 'new', 30.00, 1);
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id') }}
      select id, status, amount, updated_at
      from {schema}.raw_orders
      {% if is_incremental() %}
      where updated_at > (select max(updated_at) from {{ this }})
      {% endif %}
      """

  Scenario Outline: The first run builds the table, the next one merges updates and new rows
    When I run "kiln run"
    Then the exit code is 0
    And the line for "{schema}.orders" contains "OK"
    And the line for "{schema}.orders" contains "SELECT 3"
    And the relation "orders" is a table
    Given the database has:
      """
      update raw_orders set status = 'paid', amount = 21.00, updated_at = 2 where id = 2;
      insert into raw_orders values (4, 'new', 40.00, 2);
      """
    When I run "kiln run"
    Then the exit code is 0
    And the line for "{schema}.orders" contains "SELECT 2"
    And the file "target/run/shop/models/orders.sql" contains "<default strategy>"
    And the query "select id, status, amount, updated_at from orders order by id" returns:
      | id | status | amount | updated_at |
      | 1  | new    | 10.00  | 1          |
      | 2  | paid   | 21.00  | 2          |
      | 3  | new    | 30.00  | 1          |
      | 4  | new    | 40.00  | 2          |
    And no relation in the schema matches "%kiln%"

    # With a unique_key and no incremental_strategy, each warehouse folds
    # the rows in its own default way.
    @postgres
    Examples: PostgreSQL 15 and later: merge
      | default strategy |
      | merge into       |

    @duckdb
    Examples: DuckDB: delete+insert, faster there than MERGE
      | default strategy |
      | delete from      |

  Scenario: is_incremental() selects only the rows newer than the table's
    Given the file "models/events.sql" containing:
      """
      {{ config(materialized='incremental') }}
      select id, status from {schema}.raw_orders
      {% if is_incremental() %}
      where id > (select max(id) from {{ this }})
      {% endif %}
      """
    When I run "kiln run --select events"
    Then the exit code is 0
    Given the database has:
      """
      update raw_orders set status = 'ignored' where id = 1;
      insert into raw_orders values (4, 'new', 40.00, 2), (5, 'new', 50.00, 2);
      """
    When I run "kiln run --select events"
    Then the exit code is 0
    And the line for "{schema}.events" contains "SELECT 2"
    And the file "target/compiled/shop/models/events.sql" contains "where id > (select max(id) from "{schema}"."events")"
    And the query "select id, status from events order by id" returns:
      | id | status |
      | 1  | new    |
      | 2  | new    |
      | 3  | new    |
      | 4  | new    |
      | 5  | new    |

  Scenario: delete+insert replaces the rows with the keys of the new rows
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id', incremental_strategy='delete+insert') }}
      select id, status, amount, updated_at
      from {schema}.raw_orders
      {% if is_incremental() %}
      where updated_at > (select max(updated_at) from {{ this }})
      {% endif %}
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      update raw_orders set status = 'paid', updated_at = 2 where id in (1, 3);
      insert into raw_orders values (4, 'new', 40.00, 2);
      """
    When I run "kiln run"
    Then the exit code is 0
    And the line for "{schema}.orders" contains "SELECT 3"
    And the file "target/run/shop/models/orders.sql" contains "delete from"
    And the query "select id, status from orders order by id" returns:
      | id | status |
      | 1  | paid   |
      | 2  | new    |
      | 3  | paid   |
      | 4  | new    |

  Scenario: append inserts every new row, even one whose key is already there
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id', incremental_strategy='append') }}
      select id, status from {schema}.raw_orders
      {% if is_incremental() %}
      where updated_at > 1
      {% endif %}
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      update raw_orders set status = 'paid', updated_at = 2 where id = 1;
      """
    When I run "kiln run"
    Then the exit code is 0
    And the line for "{schema}.orders" contains "SELECT 1"
    And the query "select id, status from orders order by id, status" returns:
      | id | status |
      | 1  | new    |
      | 1  | paid   |
      | 2  | new    |
      | 3  | new    |

  Scenario: A unique_key of several columns matches rows on all of them
    Given the database has:
      """
      create table raw_lines (order_id int, line int, qty int);
      insert into raw_lines values (1, 1, 5), (1, 2, 6), (2, 1, 7);
      """
    And the file "models/lines.sql" containing:
      """
      {{ config(materialized='incremental', unique_key=['order_id', 'line']) }}
      select order_id, line, qty from {schema}.raw_lines
      """
    When I run "kiln run --select lines"
    Then the exit code is 0
    Given the database has:
      """
      delete from raw_lines;
      insert into raw_lines values (1, 2, 60), (2, 2, 8);
      """
    When I run "kiln run --select lines"
    Then the exit code is 0
    And the query "select order_id, line, qty from lines order by 1, 2" returns:
      | order_id | line | qty |
      | 1        | 1    | 5   |
      | 1        | 2    | 60  |
      | 2        | 1    | 7   |
      | 2        | 2    | 8   |

  Scenario: New rows with a NULL key are refused and the table is left as it was
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      insert into raw_orders values (null, 'lost', 1.00, 2), (4, 'new', 40.00, 2);
      """
    When I run "kiln run"
    Then the exit code is 1
    And the line for "{schema}.orders" contains "ERROR"
    And the output contains "unique_key id is null in 1 of the new rows"
    And the output contains "{"id":null,"status":"lost","
    And the query "select id, status from orders order by id" returns:
      | id | status |
      | 1  | new    |
      | 2  | new    |
      | 3  | new    |

  Scenario: New rows with a repeated key are refused and the table is left as it was
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      insert into raw_orders values (2, 'paid', 21.00, 2), (2, 'refunded', 0.00, 2), (4, 'new', 40.00, 2);
      """
    When I run "kiln run"
    Then the exit code is 1
    And the line for "{schema}.orders" contains "ERROR"
    And the output contains "unique_key id is not unique in the new rows: 1 key value appears more than once"
    And the output contains "id=2 (2 rows)"
    And the query "select id, status from orders order by id" returns:
      | id | status |
      | 1  | new    |
      | 2  | new    |
      | 3  | new    |

  Scenario: on_schema_change fail refuses new or removed columns
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id', on_schema_change='fail') }}
      select id, status, amount, updated_at from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id', on_schema_change='fail') }}
      select id, status, updated_at, 'web' as channel from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 1
    And the output contains "added channel ("
    And the output contains "removed amount ("
    And the query "select column_name from information_schema.columns where table_schema = '{schema}' and table_name = 'orders' order by ordinal_position" returns:
      | column_name |
      | id          |
      | status      |
      | amount      |
      | updated_at  |

  Scenario: on_schema_change append_new_columns adds the model's new columns
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id', on_schema_change='append_new_columns') }}
      select id, status from {schema}.raw_orders
      {% if is_incremental() %} where updated_at > 1 {% endif %}
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id', on_schema_change='append_new_columns') }}
      select id, status, amount from {schema}.raw_orders
      {% if is_incremental() %} where updated_at > 1 {% endif %}
      """
    And the database has:
      """
      insert into raw_orders values (4, 'new', 40.00, 2);
      """
    When I run "kiln run"
    Then the exit code is 0
    And the query "select id, status, amount from orders order by id" returns:
      | id | status | amount |
      | 1  | new    | null   |
      | 2  | new    | null   |
      | 3  | new    | null   |
      | 4  | new    | 40.00  |

  Scenario: --full-refresh rebuilds the table from all the rows
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      delete from raw_orders where id = 3;
      update raw_orders set status = 'paid' where id = 1;
      """
    When I run "kiln run --full-refresh"
    Then the exit code is 0
    And the line for "{schema}.orders" contains "SELECT 2"
    And the file "target/run/shop/models/orders.sql" does not contain "merge into"
    And the query "select id, status from orders order by id" returns:
      | id | status |
      | 1  | paid   |
      | 2  | new    |

  Scenario: full_refresh false makes --full-refresh apply an increment, and says so
    Given the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id', full_refresh=false) }}
      select id, status from {schema}.raw_orders
      {% if is_incremental() %} where updated_at > 1 {% endif %}
      """
    When I run "kiln run"
    Then the exit code is 0
    Given the database has:
      """
      delete from raw_orders where id = 3;
      update raw_orders set status = 'paid', updated_at = 2 where id = 1;
      """
    When I run "kiln run --full-refresh"
    Then the exit code is 0
    And the output contains "--full-refresh does not rebuild orders"
    And the line for "{schema}.orders" contains "SELECT 1"
    And the query "select id, status from orders order by id" returns:
      | id | status |
      | 1  | paid   |
      | 2  | new    |
      | 3  | new    |

  Scenario: A view becomes an incremental table, and the views on it survive
    Given the file "models/orders.sql" containing:
      """
      select id, status from {schema}.raw_orders
      """
    When I run "kiln run"
    Then the exit code is 0
    And the relation "orders" is a view
    Given the database has:
      """
      create view paid_orders as select id from orders where status = 'paid';
      update raw_orders set status = 'paid', updated_at = 2 where id = 2;
      """
    And the file "models/orders.sql" containing:
      """
      {{ config(materialized='incremental', unique_key='id') }}
      select id, status from {schema}.raw_orders
      {% if is_incremental() %} where updated_at > 1 {% endif %}
      """
    When I run "kiln run"
    Then the exit code is 0
    And the line for "{schema}.orders" contains "SELECT 3"
    And the relation "orders" is a table
    And the relation "paid_orders" is a view
    And the query "select id from paid_orders" returns:
      | id |
      | 2  |
    Given the database has:
      """
      update raw_orders set status = 'paid', updated_at = 2 where id = 3;
      """
    When I run "kiln run"
    Then the exit code is 0
    And the query "select id from paid_orders order by id" returns:
      | id |
      | 2  |
      | 3  |
