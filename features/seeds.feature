Feature: seeds
  Reference data lives next to the models as CSV files. `kiln seed` loads
  them with COPY, infers column types as dbt does, and replaces each table
  atomically; models ref() them like any other node.

  Scenario Outline: types are inferred, overridable, and a model refs the seed
    Given a project "shop" with dbt_project.yml:
      """
      name: shop
      profile: kiln_test
      config-version: 2
      seeds:
        shop:
          countries:
            +column_types:
              code: varchar(2)
      """
    And the file "seeds/countries.csv" containing:
      """
      code,name,population,area_km2,eu,joined,updated_at
      FR,France,68000000,551695.5,true,1958-01-01,2024-03-01 10:00:00
      NO,Norway,5500000,385207.0,false,,2024-03-02 11:30:00
      """
    And the file "models/eu_countries.sql" containing:
      """
      select code, name from {{ ref('countries') }} where eu
      """
    When I run "kiln seed"
    Then the exit code is 0
    And the line for "{schema}.countries" contains "INSERT 2"
    And the query "select column_name, data_type from information_schema.columns where table_schema = '{schema}' and table_name = 'countries' order by ordinal_position" returns:
      | column_name | data_type    |
      | code        | <varchar>    |
      | name        | <text>       |
      | population  | <integer>    |
      | area_km2    | <numeric>    |
      | eu          | <boolean>    |
      | joined      | <date>       |
      | updated_at  | <timestamp>  |
    And the query "select joined from countries where code = 'NO'" returns:
      | joined |
      | null   |
    When I run "kiln ls"
    Then the output contains "shop.countries"
    When I run "kiln build"
    Then the exit code is 0
    And the output contains:
      """
      {schema}.countries
      {schema}.eu_countries
      """
    And the query "select code from eu_countries" returns:
      | code |
      | FR   |

    # Each database names the same types its own way.
    @postgres
    Examples: PostgreSQL
      | varchar           | text | integer | numeric | boolean | date | timestamp                   |
      | character varying | text | integer | numeric | boolean | date | timestamp without time zone |

    # kiln sizes a numeric column to its values on DuckDB, whose bare
    # DECIMAL would be DECIMAL(18,3) and round them.
    @duckdb
    Examples: DuckDB
      | varchar | text    | integer | numeric       | boolean | date | timestamp |
      | VARCHAR | VARCHAR | INTEGER | DECIMAL(18,1) | BOOLEAN | DATE | TIMESTAMP |

  Scenario: reloading replaces the rows, keeping a view that depends on the table
    Given a project "shop"
    And the file "seeds/rates.csv" containing:
      """
      currency,rate
      EUR,1.0
      USD,1.1
      """
    When I run "kiln seed"
    Then the exit code is 0
    Given the database has:
      """
      create view rate_report as select count(*) as n from rates;
      """
    And the file "seeds/rates.csv" containing:
      """
      currency,rate
      EUR,1.0
      USD,1.08
      GBP,0.86
      """
    When I run "kiln seed"
    Then the exit code is 0
    And the query "select n from rate_report" returns:
      | n |
      | 3 |

  Scenario: a malformed CSV fails that seed with file, line and column, and keeps the old table
    Given a project "shop"
    And the file "seeds/rates.csv" containing:
      """
      currency,rate
      EUR,1.0
      """
    And the file "seeds/other.csv" containing:
      """
      a
      1
      """
    When I run "kiln seed"
    Then the exit code is 0
    Given the file "seeds/rates.csv" containing:
      """
      currency,rate
      EUR,1.0
      USD,1.1,extra
      """
    When I run "kiln seed"
    Then the exit code is 1
    And the output contains "seeds/rates.csv:3"
    And the line for "{schema}.rates" contains "ERROR"
    And the line for "{schema}.other" contains "OK"
    And the table "rates" has 1 row
    Given the file "seeds/rates.csv" containing:
      """
      currency,rate
      EUR,abc
      """
    And the file "seeds/properties.yml" containing:
      """
      version: 2
      seeds:
        - name: rates
          config:
            column_types:
              rate: numeric
      """
    When I run "kiln seed"
    Then the exit code is 1
    And the output contains "seeds/rates.csv:2"
    And the output contains "abc"
    And the table "rates" has 1 row

  Scenario: a value only the database refuses names the file's line and column, and keeps the old table
    Given a project "shop"
    And the file "seeds/devices.csv" containing:
      """
      id,note
      a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,first
      """
    And the file "seeds/properties.yml" containing:
      """
      version: 2
      seeds:
        - name: devices
          config:
            column_types:
              id: uuid
      """
    When I run "kiln seed"
    Then the exit code is 0
    # kiln does not check uuids itself: the database refuses the value in
    # the third row, which a quoted note spanning two lines and a blank
    # line put on line 6 of the file.
    Given the file "seeds/devices.csv" containing:
      """
      id,note
      a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,"a note
      on two lines"

      b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,third
      not-a-uuid,fourth
      """
    When I run "kiln seed"
    Then the exit code is 1
    And the output contains "seeds/devices.csv:6:1: column "id": "
    And the output contains "not-a-uuid"
    And the output does not contain "after the header"
    And the line for "{schema}.devices" contains "ERROR"
    And the table "devices" has 1 row
    When I run "kiln seed --log-format json"
    Then the exit code is 1
    And the JSON log has a "node_finished" event for "seed.shop.devices" with "error_file" equal to "seeds/devices.csv"
    And the JSON log has a "node_finished" event for "seed.shop.devices" with "error_line" equal to "6"
    And the JSON log has a "node_finished" event for "seed.shop.devices" with "error_column" equal to "1"
    And the JSON file "target/run_results.json" has "results[unique_id=seed.shop.devices].error_position.line" equal to "6"
