package postgres

import (
	"strconv"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// The statements of data tests, as pure functions; test_sql_test.go pins
// them with golden files.

// setReadOnly makes the transaction read only; it must come first.
func setReadOnly(h string) step {
	return plain(h, "set transaction read only", "make the transaction read only")
}

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

// storedTestQuery is testQuery on the failing rows stored in rel.
func storedTestQuery(h string, rel warehouse.Relation, limit int, warnIf, errorIf string) step {
	s := testQuery(h, "select * from "+ident(rel.Schema, rel.Name), limit, warnIf, errorIf)
	s.ModelAt = -1
	s.What = "count the failing rows stored in " + rel.String()
	return s
}
