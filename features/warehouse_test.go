package features

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
)

// warehouse is one kind of database the suite runs against. Every scenario
// runs once per warehouse, in a subtest named after it; a scenario tagged
// with a warehouse's name (@postgres) runs on that warehouse only.
type warehouse interface {
	// name is the subtest's name, the tag, and a value of
	// KILN_FEATURES_WAREHOUSE.
	name() string
	// open gives a scenario its own place in the warehouse: the schema
	// named schema (and <schema>_*), and the project dir dir.
	open(schema, dir string) database
	close()
}

// database is one scenario's place in a warehouse, as the steps see it.
type database interface {
	// output is the profiles.yml output that points kiln at it. Offline,
	// it points where every connection attempt fails.
	output(offline bool) any
	// exec runs sql (any number of statements) with schema, created first
	// if needed, as the default schema, and commits.
	exec(ctx context.Context, schema, sql string) error
	// query runs one statement (the last one, if sql has several) with
	// schema as the default schema, and returns its column names and its
	// rows. Values are rendered as PostgreSQL's text for them: numeric
	// with its scale (10.50), booleans t and f, NULL as null.
	query(ctx context.Context, schema, sql string) (cols []string, rows [][]string, err error)
	// relations lists the relations of schema in name order: tables and
	// views, and whatever else the warehouse names there (indexes,
	// sequences). None when the schema does not exist.
	relations(ctx context.Context, schema string) ([]relation, error)
	// drop removes what the scenario left in the warehouse.
	drop(ctx context.Context) error
}

// relation is one entry of a schema: a name and a kind ("table", "view",
// "index", ...).
type relation struct{ name, kind string }

// envWarehouse selects the warehouses to run against, comma-separated.
const envWarehouse = "KILN_FEATURES_WAREHOUSE"

// warehouseNames are the warehouses the suite knows, in the order it runs
// them.
var warehouseNames = []string{"postgres", "duckdb"}

// selectedWarehouses reads KILN_FEATURES_WAREHOUSE: every warehouse when it
// is unset.
func selectedWarehouses() ([]string, error) {
	v := os.Getenv(envWarehouse)
	if v == "" {
		return warehouseNames, nil
	}
	var names []string
	for _, n := range strings.Split(v, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(warehouseNames, n) {
			return nil, fmt.Errorf("%s=%s: %q is not one of %s", envWarehouse, v, n, strings.Join(warehouseNames, ", "))
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, nil
}

// tagsFor narrows the godog tag expression to the scenarios of warehouse
// name: those tagged for another warehouse are left out.
func tagsFor(tags, name string) string {
	var and []string
	if tags != "" {
		and = append(and, tags)
	}
	for _, other := range warehouseNames {
		if other != name {
			and = append(and, "~@"+other)
		}
	}
	return strings.Join(and, " && ")
}

// kindOf returns what schema.name is ("table", "view", ...), "" if absent.
func kindOf(ctx context.Context, db database, schema, name string) (string, error) {
	rels, err := db.relations(ctx, schema)
	for _, r := range rels {
		if r.name == name {
			return r.kind, err
		}
	}
	return "", err
}

// like reports whether name matches the SQL LIKE pattern: % is any run of
// characters, _ any one character, and a backslash makes the next one
// literal.
func like(pattern, name string) bool {
	var re strings.Builder
	re.WriteString(`(?s)^`)
	p := []rune(pattern)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '%':
			re.WriteString(`.*`)
		case c == '_':
			re.WriteString(`.`)
		case c == '\\' && i+1 < len(p):
			i++
			re.WriteString(regexp.QuoteMeta(string(p[i])))
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString(`$`)
	return regexp.MustCompile(re.String()).MatchString(name)
}
