Feature: kiln debug checks the project, the profile and the connection
  An analyst whose run fails to start runs `kiln debug` to learn which of
  the three is wrong. Passwords never appear in any output or artifact.

  Scenario: Everything is in order
    Given a project "shop"
    And the file "models/one.sql" containing:
      """
      select 1 as id
      """
    When I run "kiln debug"
    Then the exit code is 0
    And the output contains "project:    shop (1 models) OK"
    And the output contains "connection: OK"
    And the output contains "All checks passed."

  Scenario Outline: A warehouse kiln cannot open fails the connection check
    Given a project "shop"
    And the file "models/one.sql" containing:
      """
      select 1 as id
      """
    When I run "kiln debug" without a database
    Then the exit code is <code>
    And the output contains "project:    shop (1 models) OK"
    And the output contains "cannot connect to the warehouse"

    # A server that does not answer may answer later: a retry can help.
    @postgres
    Examples: PostgreSQL, nothing listening
      | code |
      | 1    |

    # A file in a directory that does not exist will not appear by retrying.
    @duckdb
    Examples: DuckDB, a file in a directory that does not exist
      | code |
      | 2    |

  # A server's address and password, in a postgres profile.
  @postgres
  Scenario: An unreachable server is reported, and the password is never shown
    Given a project "shop"
    And the file "models/one.sql" containing:
      """
      select 1 as id
      """
    And the file "profiles.yml" containing:
      """
      kiln_test:
        target: dev
        outputs:
          dev:
            type: postgres
            host: 127.0.0.1
            port: 1
            user: analyst
            password: "hunter2-do-not-print"
            dbname: warehouse
            schema: {schema}
            threads: 1
      """
    When I run "kiln debug"
    Then the exit code is 1
    And the output contains "profile:"
    And the output contains "cannot connect to the warehouse"
    And the output does not contain "hunter2"
    When I run "kiln run"
    Then the exit code is 1
    And the output does not contain "hunter2"
    When I run "kiln compile"
    Then the exit code is 0
    And the file "target/manifest.json" does not contain "hunter2"

  Scenario: A profile with a missing field says which, and where
    Given a project "shop"
    And the file "profiles.yml" containing:
      """
      kiln_test:
        target: dev
        outputs:
          dev:
            type: postgres
            host: 127.0.0.1
            user: analyst
            dbname: warehouse
            threads: 1
      """
    When I run "kiln debug"
    Then the exit code is 2
    And stderr contains "profiles.yml"
    And stderr contains "schema"
