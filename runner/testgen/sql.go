package testgen

import (
	"fmt"
	"strings"
)

// The SQL of dbt's built-in tests, as pure functions. Each selects the
// failing rows; the warehouse counts them. rel is the tested relation as
// SQL (a quoted name, or Where's subquery), column the column as written.
// Like dbt's, these tests ignore NULLs, except not_null.

// Where restricts rel to the rows matching cond, as dbt's where config
// does; an empty cond leaves rel as it is.
func Where(rel, cond string) string {
	if strings.TrimSpace(cond) == "" {
		return rel
	}
	return "(select * from " + rel + " where " + cond + ") dbt_subquery"
}

// NotNull selects the rows where column is null: the column alone, or
// every column when the failing rows are stored.
func NotNull(rel, column string, allColumns bool) string {
	sel := column
	if allColumns {
		sel = "*"
	}
	return "select " + sel + "\nfrom " + rel + "\nwhere " + column + " is null"
}

// Unique selects each value of column found on more than one row, with
// its number of rows.
func Unique(rel, column string) string {
	return "select\n    " + column + " as unique_field,\n    count(*) as n_records\nfrom " + rel +
		"\nwhere " + column + " is not null\ngroup by " + column + "\nhaving count(*) > 1"
}

// AcceptedValues selects each value of column that is not among values,
// with its number of rows. Values are string literals unless quote is
// false, when they are written into the SQL as they are (numbers,
// expressions). Values print as Python would (True, 1.5).
func AcceptedValues(rel, column string, values []any, quote bool) (string, error) {
	if len(values) == 0 {
		return "", fmt.Errorf("accepted_values needs at least one value")
	}
	items := make([]string, len(values))
	for i, v := range values {
		s := pyStr(v)
		if quote {
			s = sqlString(s)
		}
		items[i] = s
	}
	return "with all_values as (\n    select\n        " + column + " as value_field,\n        count(*) as n_records\n    from " + rel +
		"\n    group by " + column + "\n)\nselect *\nfrom all_values\nwhere value_field not in (\n    " +
		strings.Join(items, ", ") + "\n)", nil
}

// Relationships selects the values of column (NULLs aside) that no row of
// to has in field; to is a relation as SQL, field a column or expression.
func Relationships(rel, column, to, field string) string {
	return "with child as (\n    select " + column + " as from_field\n    from " + rel + "\n    where " + column + " is not null\n),\n" +
		"parent as (\n    select " + field + " as to_field\n    from " + to + "\n)\n" +
		"select from_field\nfrom child\nleft join parent\n    on child.from_field = parent.to_field\nwhere parent.to_field is null"
}

// sqlString quotes s as a string constant that means the same whatever
// standard_conforming_strings is.
func sqlString(s string) string {
	s = strings.ReplaceAll(s, "\x00", "")
	if strings.Contains(s, `\`) {
		return `E'` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `''`) + `'`
	}
	return `'` + strings.ReplaceAll(s, `'`, `''`) + `'`
}
