//go:build cgo

package duckdb

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The statements of data tests, as pure functions; test_sql_test.go pins
// them with golden files.

// testQuery counts the rows sql selects, at most limit of them when limit
// is above 0, and evaluates the conditions warnIf and errorIf (already
// checked) on that count, as dbt's get_test_sql does. sql starts on a
// line of its own and the closing parenthesis too, so that a "-- comment"
// at its end cannot swallow the rest.
func testQuery(h, sql string, limit int, warnIf, errorIf string) step {
	head := h + "select\n  count(*) as failures,\n  count(*) " + warnIf + " as should_warn,\n  count(*) " + errorIf + " as should_error\nfrom (\n"
	tail := "\n"
	if limit > 0 {
		tail += "limit " + strconv.Itoa(limit) + "\n"
	}
	tail += ") dbt_internal_test"
	return step{SQL: head + sql + tail, ModelAt: utf8.RuneCountInString(head), What: "count the failing rows"}
}

// storedTestQuery is testQuery on the failing rows stored in r.
func storedTestQuery(h string, r warehouse.Relation, limit int, warnIf, errorIf string) step {
	s := testQuery(h, "select * from "+rel(r), limit, warnIf, errorIf)
	s.ModelAt = -1
	s.What = "count the failing rows stored in " + rel(r)
	return s
}

// testPlan is a Test checked and normalised before any statement is sent.
type testPlan struct {
	sql             string
	limit           int
	warnIf, errorIf string
}

func planTest(t warehouse.Test) (testPlan, error) {
	p := testPlan{sql: strings.TrimRight(t.SQL, " \t\r\n;"), limit: t.Limit}
	if strings.TrimSpace(p.sql) == "" {
		return p, fmt.Errorf("test %s has no SQL", t.NodeID)
	}
	if t.Limit < 0 {
		return p, fmt.Errorf("limit must be 0 or more, got %d", t.Limit)
	}
	var err error
	if p.warnIf, err = testCondition("warn_if", t.WarnIf); err != nil {
		return p, err
	}
	if p.errorIf, err = testCondition("error_if", t.ErrorIf); err != nil {
		return p, err
	}
	if t.StoreFailures != nil {
		if err := checkRelation(*t.StoreFailures); err != nil {
			return p, err
		}
	}
	return p, nil
}

// conditionRE is a warn_if or error_if: a comparison operator and a number.
var conditionRE = regexp.MustCompile(`^\s*(!=|<>|>=|<=|=|<|>)\s*(-?[0-9]+(?:\.[0-9]+)?)\s*$`)

// testCondition checks a warn_if or error_if condition and normalizes it;
// "" is dbt's default, "!= 0".
func testCondition(name, cond string) (string, error) {
	if strings.TrimSpace(cond) == "" {
		return "!= 0", nil
	}
	m := conditionRE.FindStringSubmatch(cond)
	if m == nil {
		return "", fmt.Errorf("%s %s is not a comparison operator followed by a number, such as \"!= 0\" or \"> 10\"", name, strconv.Quote(cond))
	}
	return m[1] + " " + m[2], nil
}
