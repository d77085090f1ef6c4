// Package features holds kiln's acceptance tests: Gherkin scenarios in
// *.feature, one capability per file, run by godog against the real kiln
// binary and real warehouses.
//
// TestMain builds ./cmd/kiln once. TestFeatures runs every scenario once
// per warehouse, in the subtests TestFeatures/postgres and
// TestFeatures/duckdb; a scenario (or feature, or Examples table) tagged
// @postgres or @duckdb runs on that warehouse only. Tag @postgres what is
// about PostgreSQL itself (server-side cancel, advisory locks, roles and
// grants, statement_timeout, pg_stat_activity, PostgreSQL-only SQL), with a
// comment saying why; everything else must pass on both.
//
// Every scenario gets its own temporary project directory and its own
// schema, and a profiles.yml (profile kiln_test, target dev, 4 threads)
// pointing kiln at that schema:
//
//   - postgres: a server opened with pgtest.Open (the one named by
//     KILN_TEST_DATABASE_URL, else a throwaway cluster). The schema, and
//     every schema named <schema>_*, is dropped when the scenario ends.
//   - duckdb: a database file of its own, kiln.duckdb in the project dir,
//     which goes with the dir. DuckDB lets one process at a time write a
//     file, so the database steps open it only for the step, while kiln is
//     not running.
//
// Scenarios share nothing else, so they run concurrently. The database
// steps go through the warehouse interface (warehouse_test.go), one
// implementation per warehouse.
//
// In step text, docstrings and table cells, {schema} stands for the
// scenario's schema and {project_dir} for its project directory.
//
// # Steps
//
//	Given a project "NAME"                          dbt_project.yml with name NAME, profile kiln_test
//	Given a project "NAME" with dbt_project.yml:    """the file, as written"""
//	Given a file "PATH" containing:                 """content""" (also: the file ... with:)
//	Given the file "PATH" is removed
//	Given the database has:                         """SQL""" run with {schema} as the default schema
//	Given the example project                       ../models_example, fixtures loaded into {schema}_raw
//	Given the environment variable "X" is "V"
//	When I run "kiln ARGS"                          words split as a shell does; in the project dir
//	When I run "kiln ARGS" without a database       profiles.yml meanwhile points at 127.0.0.1:1 (postgres)
//	                                                or at a file in a directory that does not exist (duckdb)
//	Then the exit code is N
//	Then the output contains "TEXT"                 stdout and stderr together (also: does not contain)
//	Then the output contains:                       """lines""", each present, in order
//	Then stderr contains "TEXT"
//	Then the line for "ANCHOR" contains "TEXT"      some output line has both, e.g. "{schema}.orders" and "OK"
//	Then the relation "NAME" is a table             or a view; NAME is in {schema} unless written "s.n"
//	Then the relation "NAME" does not exist
//	Then the query "SQL" returns:                   | header | ... | rows as PostgreSQL's text (also on DuckDB:
//	                                                numeric 10.50, boolean t/f), null for NULL
//	Then the query "SQL" returns N rows
//	Then the table "NAME" has N rows
//	Then no relation in the schema matches "LIKE"   "%" means nothing was created
//	Then the file "PATH" exists                     or does not exist; PATH relative to the project dir
//	Then the file "PATH" contains "TEXT"            or does not contain
//	Then the JSON file "PATH" has "a.b.0.c" equal to "V"
//	                                                keys may hold dots (nodes.model.shop.orders.name);
//	                                                [k=v] picks an array element (results[unique_id=model.shop.a])
//
// # Running
//
//	go test ./features/                                  # everything, on both warehouses
//	KILN_FEATURES_WAREHOUSE=duckdb go test ./features/   # on one warehouse: postgres or duckdb
//	go test ./features/ -run 'TestFeatures/duckdb/^A_dependency_cycle'
//	                                                     # scenarios by name: each is a subtest, spaces become _
//	KILN_FEATURES=run.feature go test ./features/        # one file (comma-separate several)
//	KILN_FEATURES=run.feature:12 go test ./features/     # the scenario at line 12
//	go test ./features/ -args -godog.tags=@wip           # by tag; also -godog.concurrency=1, -godog.format=progress,
//	                                                     # -godog.paths=a.feature,b.feature, -godog.stop-on-failure,
//	                                                     # -godog.no-colors
//	KILN_BIN=/path/to/kiln go test ./features/           # test a prebuilt binary instead of building one
//	KILN_FEATURES_KEEP=1 go test ./features/             # keep the project dirs (and DuckDB files) and schemas
//	                                                     # of failed scenarios
package features
