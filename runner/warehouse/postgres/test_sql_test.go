package postgres

import (
	"testing"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

const testSQL = "select status as value_field, count(*) as n_records\nfrom \"analytics\".\"orders\"\ngroup by status -- trailing comment"

var testHeader = header("test.shop.accepted_values_orders_status__open.5f9e2b1c3d", "0b6a4f6e-2f55-4c1e-9d4a-8f4b1a2c3d4e")

func TestGoldenTest(t *testing.T) {
	golden(t, "test_count", render(
		setReadOnly(testHeader),
		testQuery(testHeader, testSQL, 0, "!= 0", "!= 0"),
	))
}

func TestGoldenTestLimitAndConditions(t *testing.T) {
	golden(t, "test_count_limit", render(
		setReadOnly(testHeader),
		testQuery(testHeader, testSQL, 100, "> 10", ">= 50"),
	))
}

func TestGoldenTestStoreFailures(t *testing.T) {
	rel := warehouse.Relation{Schema: "analytics_dbt_test__audit", Name: "accepted_values_orders_status__open"}
	tmp := tempName(rel, "inv")
	steps := []step{createTableAs(testHeader, warehouse.Relation{Schema: rel.Schema, Name: tmp}, testSQL), query(lookupQuery(testHeader))}
	steps = append(steps, swapSteps(testHeader, rel, warehouse.Table, tmp, warehouse.Table, backupName(rel, "inv"), carried{}, nil)...)
	steps = append(steps, storedTestQuery(testHeader, rel, 0, "!= 0", "> 5"))
	golden(t, "test_store_failures", render(steps...))
}

func TestGoldenFreshness(t *testing.T) {
	rel := warehouse.Relation{Schema: "raw", Name: "events"}
	h := freshnessHeader(rel)
	golden(t, "freshness", render(
		setReadOnly(h),
		freshnessQuery(h, rel, "_loaded_at", ""),
		freshnessQuery(h, rel, " loaded_at::timestamptz ", " country = 'FR' "),
	))
}

func TestTestPlan(t *testing.T) {
	p, err := planTest(warehouse.Test{NodeID: "test.x", SQL: "select 1;\n\n", WarnIf: ">10", ErrorIf: " <> -2.5 "})
	if err != nil {
		t.Fatal(err)
	}
	if p.sql != "select 1" || p.warnIf != "> 10" || p.errorIf != "<> -2.5" {
		t.Errorf("plan = %+v", p)
	}
	bad := []warehouse.Test{
		{SQL: "select 1", WarnIf: "!= 0; drop table x"},
		{SQL: "select 1", ErrorIf: "== 0"},
		{SQL: "select 1", ErrorIf: "> n"},
		{SQL: "select 1", Limit: -1},
		{SQL: " ;"},
		{SQL: "select 1", StoreFailures: &warehouse.Relation{Schema: "s"}},
	}
	for _, b := range bad {
		if _, err := planTest(b); err == nil {
			t.Errorf("planTest(%+v) accepted", b)
		}
	}
}
