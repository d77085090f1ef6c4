package postgres

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/<name>.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from what the code produces now (run go test -update and review the diff):\n%s", path, got)
	}
}

// render lists steps the way a reviewer wants to read them.
func render(steps ...step) string {
	var b strings.Builder
	for i, s := range steps {
		fmt.Fprintf(&b, "-- %d", i+1)
		if s.Hook != "" {
			fmt.Fprintf(&b, " (%s SQL from character %d)", s.Hook, s.ModelAt+1)
		} else if s.ModelAt >= 0 {
			fmt.Fprintf(&b, " (model SQL from character %d)", s.ModelAt+1)
		}
		if s.Rebuilds != nil {
			fmt.Fprintf(&b, " (rebuilds %s)", s.Rebuilds.Rel)
		}
		if s.What != "" {
			fmt.Fprintf(&b, " [%s]", s.What)
		}
		for i, a := range s.Args {
			fmt.Fprintf(&b, " ($%d = %#v)", i+1, a)
		}
		b.WriteString("\n" + s.SQL + "\n;\n")
	}
	return b.String()
}

func query(sql string) step { return step{SQL: sql, ModelAt: -1} }

const modelSQL = "select o.id,\n       o.amount\nfrom \"analytics\".\"orders\" o -- trailing comment"

var (
	target = warehouse.Relation{Schema: "analytics", Name: "fct_orders"}
	h      = header("model.shop.fct_orders", "0b6a4f6e-2f55-4c1e-9d4a-8f4b1a2c3d4e")
)

// sampleDependents are what dependentsQuery might return for target: a view
// with everything kiln preserves, a view on it owned by someone else, and a
// materialized view with an index, not populated.
func sampleDependents() []dependent {
	comment := "Orders, it's documented"
	return []dependent{
		{
			Rel: warehouse.Relation{Schema: "analytics", Name: "orders_view"}, Kind: warehouse.View, Depth: 1,
			Definition: " SELECT fct_orders.id,\n    fct_orders.amount\n   FROM analytics.fct_orders;",
			Options:    []string{"security_barrier=true", "check_option=local"},
			Comment:    &comment,
			ColumnComments: []columnComment{
				{Column: "amount", Comment: `in cents \ not euros`},
			},
			ColumnDefaults: []columnDefault{{Column: "amount", Default: "0"}},
			Grants: []grant{
				{Grantee: "", Privilege: "SELECT"},
				{Grantee: "bi reader", Privilege: "SELECT", Grantable: true},
				{Column: "amount", Grantee: "writer", Privilege: "UPDATE"},
			},
			Extras: []string{"CREATE TRIGGER orders_view_ins INSTEAD OF INSERT ON analytics.orders_view FOR EACH ROW EXECUTE FUNCTION analytics.ins()"},
		},
		{
			Rel: warehouse.Relation{Schema: "reporting", Name: "Big Orders"}, Kind: warehouse.View, Depth: 2,
			Definition: " SELECT orders_view.id\n   FROM analytics.orders_view\n  WHERE (orders_view.amount > 100);",
			Owner:      "reporting_owner",
		},
		{
			Rel: warehouse.Relation{Schema: "reporting", Name: "order_totals"}, Kind: warehouse.MaterializedView, Depth: 3,
			Definition: " SELECT count(*) AS n\n   FROM reporting.\"Big Orders\";",
			Extras:     []string{"CREATE UNIQUE INDEX order_totals_n ON reporting.order_totals USING btree (n)"},
		},
	}
}

// sampleCarried is what carriedQuery might return for target: a comment,
// a column comment and grants on the table and on a column.
func sampleCarried() carried {
	comment := "Orders, one row each"
	return carried{
		Comment:        &comment,
		ColumnComments: []columnComment{{Column: "amount", Comment: "in cents"}},
		Grants: []grant{
			{Grantee: "", Privilege: "SELECT"},
			{Column: "amount", Grantee: "finance", Privilege: "UPDATE"},
			{Grantee: "bi reader", Privilege: "SELECT", Grantable: true},
		},
	}
}

func TestGoldenTableFirstBuild(t *testing.T) {
	tmp := tempName(target, "inv")
	golden(t, "table_first_build", render(append([]step{
		createTableAs(h, warehouse.Relation{Schema: target.Schema, Name: tmp}, modelSQL),
		query(lookupQuery(h)),
	}, swapSteps(h, target, warehouse.Absent, tmp, warehouse.Table, backupName(target, "inv"), carried{}, nil)...)...))
}

func TestGoldenTableRebuildWithDependents(t *testing.T) {
	tmp := tempName(target, "inv")
	golden(t, "table_rebuild_dependents", render(append([]step{
		createTableAs(h, warehouse.Relation{Schema: target.Schema, Name: tmp}, modelSQL),
		query(lookupQuery(h)),
		query(searchPathQuery(h)),
		setCatalogSearchPath(h),
		query(dependentsQuery(h)),
		query(carriedQuery(h)),
	}, append(swapSteps(h, target, warehouse.Table, tmp, warehouse.Table, backupName(target, "inv"), sampleCarried(), sampleDependents()),
		restoreSearchPath(h, `"$user", public`))...)...))
}

// TestGoldenViewReplace is what a view build sends after the options'
// statements when the catalog read at the start of the run says a view or
// nothing is there: no look-up, the catalog is trusted.
func TestGoldenViewReplace(t *testing.T) {
	golden(t, "view_replace", render(
		createView(h, target, modelSQL, true),
	))
}

func TestGoldenViewRebuildWithDependents(t *testing.T) {
	tmp := tempName(target, "inv")
	golden(t, "view_rebuild_dependents", render(append([]step{
		query(lookupQuery(h)),
		createView(h, warehouse.Relation{Schema: target.Schema, Name: tmp}, modelSQL, false),
		query(searchPathQuery(h)),
		setCatalogSearchPath(h),
		query(dependentsQuery(h)),
		query(carriedQuery(h)),
	}, append(swapSteps(h, target, warehouse.View, tmp, warehouse.View, backupName(target, "inv"), sampleCarried(), sampleDependents()[:1]),
		restoreSearchPath(h, `"$user", public`))...)...))
}

func TestGoldenKindChanges(t *testing.T) {
	tmp, backup := tempName(target, "inv"), backupName(target, "inv")
	golden(t, "kind_changes",
		"-- table -> view\n"+render(swapSteps(h, target, warehouse.Table, tmp, warehouse.View, backup, carried{}, nil)...)+
			"\n-- view -> table\n"+render(swapSteps(h, target, warehouse.View, tmp, warehouse.Table, backup, carried{}, nil)...)+
			"\n-- materialized view -> table\n"+render(swapSteps(h, target, warehouse.MaterializedView, tmp, warehouse.Table, backup, carried{}, nil)...))
}

func TestGoldenCatalog(t *testing.T) {
	golden(t, "catalog", catalogQuery+"\n")
}

func TestHeaderCannotEndTheComment(t *testing.T) {
	for _, id := range []string{"a*/b", "a/*b", "*/*/", "/*/", "a\n*/\x00b", "**//"} {
		got := header(id, "inv")
		inner := strings.TrimSuffix(strings.TrimPrefix(got, "/* "), " */\n")
		if strings.Contains(inner, "*/") || strings.Contains(inner, "/*") || strings.ContainsAny(inner, "\n\x00") {
			t.Errorf("header(%q) = %q", id, got)
		}
	}
}

func TestScratchNamesFitAndDiffer(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes
	for _, rel := range []warehouse.Relation{target, {Schema: "s", Name: long}, {Schema: "s", Name: long + "x"}} {
		tmp, old := tempName(rel, "inv-1"), backupName(rel, "inv-1")
		if len(tmp) > maxIdentBytes || len(old) > maxIdentBytes || !utf8.ValidString(tmp) || !utf8.ValidString(old) {
			t.Errorf("%q: tmp %q (%d bytes), backup %q", rel.Name, tmp, len(tmp), old)
		}
		if tmp == tempName(rel, "inv-2") {
			t.Errorf("%q: same temporary name for two invocations", rel.Name)
		}
	}
	// Two long names that agree on their first 44 bytes still get different
	// temporary names in the same invocation.
	a, b := warehouse.Relation{Schema: "s", Name: long}, warehouse.Relation{Schema: "s", Name: long + "x"}
	if tempName(a, "inv") == tempName(b, "inv") {
		t.Errorf("%q and %q share a temporary name", a.Name, b.Name)
	}
	if got := tempName(warehouse.Relation{Schema: "s", Name: "orders"}, "inv"); !strings.HasPrefix(got, "orders__kiln_tmp_") || len(got) != len("orders__kiln_tmp_")+8 {
		t.Errorf("tempName = %q", got)
	}
}

func TestPosition(t *testing.T) {
	sql := "select\n  é,\n  bad\nfrom x"
	for _, c := range []struct {
		at, pos, line, col int
	}{
		{10, 11, 1, 1}, // first character of sql
		{10, 18, 2, 1}, // the character after the first newline
		{10, 19, 2, 2}, // a space
		{10, 21, 2, 4}, // the comma after é: characters, not bytes
		{10, 25, 3, 3}, // bad
		{10, 10, 0, 0}, // in the prefix
		{10, 0, 0, 0},  // no position
		{10, 10 + utf8.RuneCountInString(sql) + 1, 0, 0}, // past the end: the closing parenthesis
		{-1, 5, 0, 0}, // statement without model SQL
	} {
		line, col := position(sql, c.at, c.pos)
		if line != c.line || col != c.col {
			t.Errorf("position(at %d, pos %d) = %d:%d, want %d:%d", c.at, c.pos, line, col, c.line, c.col)
		}
	}
}

func TestLiteral(t *testing.T) {
	for in, want := range map[string]string{
		"plain":     "'plain'",
		"it's":      "'it''s'",
		`a\b`:       `E'a\\b'`,
		`it's a\b`:  `E'it''s a\\b'`,
		"nul\x00ok": "'nulok'",
	} {
		if got := literal(in); got != want {
			t.Errorf("literal(%q) = %s, want %s", in, got, want)
		}
	}
}
