Feature: compile and ls work without a database
  `kiln compile` renders every model to target/compiled/<project>/<path>,
  with refs as quoted relations of the target schema; `kiln ls` prints one
  selected model per line as its FQN (<project>.<folders>.<name>). Neither
  connects to the database.

  Background:
    Given a project "shop"
    And the file "models/staging/stg_orders.sql" containing:
      """
      select id, amount from {schema}.raw_orders
      """
    And the file "models/marts/orders.sql" containing:
      """
      select id, amount from {{ ref('stg_orders') }}
      """
    And the file "models/marts/revenue.sql" containing:
      """
      {{ config(tags=['finance']) }}
      select sum(amount) as total from {{ ref('orders') }}
      """
    And the file "models/other/customers.sql" containing:
      """
      select 1 as id
      """

  Scenario: compile renders refs as quoted relations
    When I run "kiln compile" without a database
    Then the exit code is 0
    And the file "target/compiled/shop/models/marts/orders.sql" contains "from "{schema}"."stg_orders""
    And the file "target/compiled/shop/models/marts/revenue.sql" contains "from "{schema}"."orders""
    And the file "target/compiled/shop/models/staging/stg_orders.sql" contains "from {schema}.raw_orders"
    And the file "target/compiled/shop/models/other/customers.sql" exists
    And the file "target/compiled/shop/models/marts/revenue.sql" does not contain "config("
    And no relation in the schema matches "%"

  Scenario: compile again picks up an edited model, a changed environment and a removed compiled file
    A compile records what it read (files, directories, environment
    variables) and wrote in target/kiln_compile.bin; the next one compares
    content hashes and, when all match, does not load the project again.
    Given the file "models/marts/region.sql" containing:
      """
      select '{{ env_var('REGION', 'eu') }}' as region
      """
    When I run "kiln compile" without a database
    And I run "kiln compile" without a database
    Then the exit code is 0
    And the output contains "target/compiled/shop/models/marts/orders.sql"
    And the output contains "Compiled 5 models."
    And the JSON file "target/manifest.json" has "metadata.command" equal to "compile"
    Given the file "models/marts/orders.sql" containing:
      """
      select id, amount * 2 as amount from {{ ref('stg_orders') }}
      """
    And the environment variable "REGION" is "us"
    And the file "target/compiled/shop/models/other/customers.sql" is removed
    When I run "kiln compile" without a database
    Then the exit code is 0
    And the file "target/compiled/shop/models/marts/orders.sql" contains "amount * 2"
    And the file "target/compiled/shop/models/marts/region.sql" contains "'us' as region"
    And the file "target/compiled/shop/models/other/customers.sql" exists

  Scenario: ls prints every model's FQN
    When I run "kiln ls" without a database
    Then the exit code is 0
    And the output contains "shop.staging.stg_orders"
    And the output contains "shop.marts.orders"
    And the output contains "shop.marts.revenue"
    And the output contains "shop.other.customers"

  Scenario: ls --select with a graph operator lists the model and its ancestors
    When I run "kiln ls --select '+orders'" without a database
    Then the exit code is 0
    And the output contains "shop.marts.orders"
    And the output contains "shop.staging.stg_orders"
    And the output does not contain "shop.marts.revenue"
    And the output does not contain "shop.other.customers"

  Scenario: ls --select tag: lists the tagged models
    When I run "kiln ls -s tag:finance" without a database
    Then the exit code is 0
    And the output contains "shop.marts.revenue"
    And the output does not contain "shop.marts.orders"
    And the output does not contain "shop.staging.stg_orders"
    And the output does not contain "shop.other.customers"
