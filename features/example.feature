Feature: The example project builds
  models_example is a realistic project (JSON events landed raw, staging
  views, daily KPI tables). It must build from its fixtures with no error.

  Scenario: kiln run builds the example project and its KPI tables have rows
    Given the example project
    When I run "kiln run"
    Then the exit code is 0
    And the output contains "ERROR=0 SKIP=0"
    And the relation "kpi_daily_revenue" is a table
    And the relation "kpi_active_users" is a table
    And the query "select count(*) > 0 as has_rows from kpi_daily_revenue" returns:
      | has_rows |
      | t        |
    And the query "select count(*) > 0 as has_rows from kpi_active_users" returns:
      | has_rows |
      | t        |

  Scenario: kiln build loads the seed, builds the models and runs every test
    Given the example project
    When I run "kiln build"
    Then the exit code is 0
    And the output contains "ERROR=0 SKIP=0"
    And the line for "{schema}.currencies" contains "OK"
    And the line for "unique_fct_orders_order_id" contains "PASS"
    And the relation "currencies" is a table
    And the table "currencies" has 4 rows
