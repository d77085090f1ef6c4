package project

import (
	"strings"
	"testing"
)

func TestSingularTests(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":            "name: shop\nprofile: shop\n",
		"models/orders.sql":          "select 1 as id",
		"macros/util.sql":            "{% macro util() %}1{% endmacro %}",
		"tests/no_refunds.sql":       "select * from {{ ref('orders') }} where amount < 0",
		"tests/finance/balanced.sql": "select 1 where false",
		"tests/generic/range.sql":    "{% test accepted_range(model, column_name, min_value) %}select 1{% endtest %}",
		"tests/generic/more/x.sql":   "{% test other(model) %}select 1{% endtest %}",
		"tests/README.md":            "not a test",
		"tests/schema.yml":           "version: 2\n",
	})
	var got []string
	for _, st := range p.Tests {
		got = append(got, st.ID()+" "+st.Path+" "+strings.Join(st.FQN, "."))
	}
	want := []string{
		"test.shop.balanced tests/finance/balanced.sql shop.finance.balanced",
		"test.shop.no_refunds tests/no_refunds.sql shop.no_refunds",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tests:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if p.Tests[1].Source != "select * from {{ ref('orders') }} where amount < 0" {
		t.Errorf("source %q", p.Tests[1].Source)
	}
	var macros []string
	for _, m := range p.Macros {
		macros = append(macros, m.Path)
	}
	if strings.Join(macros, " ") != "macros/util.sql tests/generic/more/x.sql tests/generic/range.sql" {
		t.Errorf("macros %v", macros)
	}
}

func TestSingularTestsPathsAndDuplicates(t *testing.T) {
	p := mustLoad(t, map[string]string{
		"dbt_project.yml":   "name: shop\nprofile: shop\ntest-paths: [checks]\n",
		"models/orders.sql": "select 1 as id",
		"checks/a.sql":      "select 1",
		"tests/ignored.sql": "select 1",
	})
	if len(p.Tests) != 1 || p.Tests[0].Path != "checks/a.sql" {
		t.Errorf("tests %+v", p.Tests)
	}
	p = mustLoad(t, map[string]string{"dbt_project.yml": "name: shop\nprofile: shop\n", "models/orders.sql": "select 1"})
	if len(p.Tests) != 0 {
		t.Errorf("tests without a tests folder: %+v", p.Tests)
	}

	errs := loadErrs(t, map[string]string{
		"dbt_project.yml":   "name: shop\nprofile: shop\n",
		"models/orders.sql": "select 1",
		"tests/a/check.sql": "select 1",
		"tests/b/check.sql": "select 1",
	})
	if got := errs.Error(); got != "tests/b/check.sql: singular test name 'check' is used by both tests/a/check.sql and tests/b/check.sql (rename one of the files)" {
		t.Errorf("duplicates: %s", got)
	}
}
