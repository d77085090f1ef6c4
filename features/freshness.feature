Feature: source freshness
  Raw tables are declared as sources; `kiln source freshness` says how old
  each one is against its warn_after and error_after, and exits 1 when one
  is past error_after, so a scheduler can stop before building on stale data.

  Background:
    Given the database has:
      """
      create table events (id int, loaded_at timestamptz);
      insert into events values (1, now() - interval '30 minutes');
      create table users (id int, loaded_at timestamptz);
      insert into users values (1, now() - interval '3 hours');
      create table orders (id int, loaded_at timestamptz);
      insert into orders values (1, now() - interval '3 days');
      """
    And a project "shop"
    And the file "models/sources.yml" containing:
      """
      version: 2
      sources:
        - name: backend
          schema: "{{ target.schema }}"
          loaded_at_field: loaded_at
          freshness:
            warn_after: {count: 1, period: hour}
            error_after: {count: 1, period: day}
          tables:
            - name: events
            - name: users
            - name: orders
      """

  Scenario: fresh, warning and stale sources
    When I run "kiln source freshness"
    Then the exit code is 1
    And the line for "backend.events" contains "PASS"
    And the line for "backend.users" contains "WARN"
    And the line for "backend.orders" contains "FAIL"
    And the line for "backend.orders" contains "stale"
    And the JSON file "target/sources.json" has "results[unique_id=source.shop.backend.orders].status" equal to "fail"

  Scenario: selecting only fresh and warning sources passes
    When I run "kiln source freshness -s source:backend.events -s source:backend.users"
    Then the exit code is 0
    And the output contains "PASS=1 WARN=1 ERROR=0 SKIP=0 TOTAL=2"

  Scenario: a freshness rule without loaded_at_field is a load error
    Given the file "models/sources.yml" containing:
      """
      version: 2
      sources:
        - name: backend
          schema: "{{ target.schema }}"
          freshness:
            error_after: {count: 1, period: day}
          tables:
            - name: events
      """
    When I run "kiln source freshness"
    Then the exit code is 2
    And stderr contains "models/sources.yml:"
    And stderr contains "loaded_at_field"
