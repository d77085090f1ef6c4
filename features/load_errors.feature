Feature: A project that does not load is reported whole, and nothing runs
  kiln loads and checks the whole project before it touches the database.
  Every problem is printed on stderr at once, as file:line: message, and
  kiln exits 2 without executing anything.

  Scenario: A dependency cycle names every model on it, in order
    Given a project "shop"
    And the file "models/a.sql" containing:
      """
      select * from {{ ref('b') }}
      """
    And the file "models/b.sql" containing:
      """
      select * from {{ ref('c') }}
      """
    And the file "models/c.sql" containing:
      """
      select * from {{ ref('a') }}
      """
    And the file "models/independent.sql" containing:
      """
      select 1 as id
      """
    When I run "kiln run"
    Then the exit code is 2
    And stderr contains "dependency cycle: a -> b -> c -> a"
    And no relation in the schema matches "%"

  Scenario: A two-model cycle
    Given a project "shop"
    And the file "models/orders.sql" containing:
      """
      select * from {{ ref('customers') }}
      """
    And the file "models/customers.sql" containing:
      """
      select * from {{ ref('orders') }}
      """
    When I run "kiln run"
    Then the exit code is 2
    And stderr contains "dependency cycle: customers -> orders -> customers"
    And no relation in the schema matches "%"

  Scenario: An unknown ref suggests the model that was meant
    Given a project "shop"
    And the file "models/orders.sql" containing:
      """
      select 1 as id
      """
    And the file "models/revenue.sql" containing:
      """
      select count(*) as n
      from {{ ref('ordrs') }}
      """
    When I run "kiln run"
    Then the exit code is 2
    And stderr contains "models/revenue.sql:2:"
    And stderr contains "unknown ref 'ordrs' (did you mean 'orders'?)"
    And no relation in the schema matches "%"

  Scenario: Errors in two files are reported together
    Given a project "shop"
    And the file "models/a.sql" containing:
      """
      select * from {{ ref('nowhere') }}
      """
    And the file "models/b.sql" containing:
      """
      select 1 as id
      union all
      select id from {{ ref('missing_model') }}
      """
    When I run "kiln run"
    Then the exit code is 2
    And stderr contains "models/a.sql:1:"
    And stderr contains "unknown ref 'nowhere'"
    And stderr contains "models/b.sql:3:"
    And stderr contains "unknown ref 'missing_model'"
    And no relation in the schema matches "%"

  Scenario: Broken YAML is reported at its file and line
    Given a project "shop"
    And the file "models/orders.sql" containing:
      """
      select 1 as id
      """
    And the file "models/schema.yml" containing:
      """
      version: 2
      models:
        - name: orders
          description: totals: per day
      """
    When I run "kiln run"
    Then the exit code is 2
    And stderr contains "models/schema.yml:4:"
    And no relation in the schema matches "%"

  Scenario: A target the profile does not have
    Given a project "shop"
    And the file "models/orders.sql" containing:
      """
      select 1 as id
      """
    When I run "kiln run --target prod"
    Then the exit code is 2
    And stderr contains "prod"
    And stderr contains "profiles.yml"
    And no relation in the schema matches "%"
