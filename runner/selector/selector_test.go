package selector

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kiln-dev/kiln/dag"
	"github.com/kiln-dev/kiln/runner/diag"
)

// project is a small shop:
//
//	raw_payments (seed) <- stg_orders    <- orders <- customers
//	                       stg_customers <- orders     customers <- stg_customers
//	                                       revenue <- orders, calendar (utils package)
//	                                       report  <- revenue
func project() ([]Node, *dag.Graph[string]) {
	model := func(pkg, p string, tags []string, config map[string]any) Node {
		name := strings.TrimSuffix(p[strings.LastIndex(p, "/")+1:], ".sql")
		folders := strings.Split(p, "/")
		fqn := append([]string{pkg}, folders[1:len(folders)-1]...)
		return Node{
			ID: "model." + pkg + "." + name, Name: name, ResourceType: "model", Path: p,
			Package: pkg, FQN: append(fqn, name), Tags: tags, Config: config,
		}
	}
	nodes := []Node{
		model("shop", "models/staging/stg_orders.sql", []string{"staging"}, map[string]any{"materialized": "view"}),
		model("shop", "models/staging/stg_customers.sql", []string{"staging", "pii"}, map[string]any{"materialized": "view"}),
		model("shop", "models/marts/orders.sql", []string{"daily"}, map[string]any{
			"materialized": "table", "enabled": true, "meta": map[string]any{"owner": "ana"}}),
		model("shop", "models/marts/customers.sql", []string{"daily", "pii"}, map[string]any{
			"materialized": "table", "grants": map[string]any{"select": []any{"reporter", "bi"}}}),
		model("shop", "models/marts/finance/revenue.sql", []string{"hourly"}, map[string]any{
			"materialized": "incremental", "unique_key": []string{"day", "region"}, "batch": 500}),
		model("shop", "models/marts/finance/report.sql", nil, map[string]any{"materialized": "view"}),
		model("utils", "models/calendar.sql", []string{"daily"}, map[string]any{"materialized": "table"}),
		{ID: "seed.shop.raw_payments", Name: "raw_payments", ResourceType: "seed", Path: "seeds/raw_payments.csv",
			Package: "shop", FQN: []string{"shop", "raw_payments"}},
	}
	g := dag.New[string]()
	for _, n := range nodes {
		g.Add(n.ID)
	}
	for _, e := range [][2]string{
		{"stg_orders", "seed:raw_payments"},
		{"orders", "stg_orders"}, {"orders", "stg_customers"},
		{"customers", "orders"}, {"customers", "stg_customers"},
		{"revenue", "orders"}, {"revenue", "utils:calendar"},
		{"report", "revenue"},
	} {
		g.Connect(id(e[0]), id(e[1]))
	}
	return nodes, g
}

// id expands the short names used in tests to node IDs.
func id(short string) string {
	switch {
	case strings.HasPrefix(short, "seed:"):
		return "seed.shop." + short[5:]
	case strings.HasPrefix(short, "utils:"):
		return "model.utils." + short[6:]
	}
	return "model.shop." + short
}

func ids(shorts ...string) []string {
	out := make([]string, len(shorts))
	for i, s := range shorts {
		out[i] = id(s)
	}
	slices.Sort(out)
	return out
}

var all = ids("stg_orders", "stg_customers", "orders", "customers", "revenue", "report", "utils:calendar", "seed:raw_payments")

func TestSelect(t *testing.T) {
	tests := []struct {
		name     string
		selects  []string
		excludes []string
		want     []string
	}{
		{"nothing given: all", nil, nil, all},
		{"blank argument: all", []string{"  "}, nil, all},
		{"bare name", []string{"orders"}, nil, ids("orders")},
		{"bare name glob", []string{"stg_*"}, nil, ids("stg_orders", "stg_customers")},
		{"bare name matching nothing", []string{"nope"}, nil, ids()},
		{"bare top folder selects what is under it", []string{"marts"}, nil, ids("orders", "customers", "revenue", "report")},
		{"a folder is matched from the top", []string{"finance"}, nil, ids()},
		{"bare project selects its nodes", []string{"utils"}, nil, ids("utils:calendar")},
		{"ancestors", []string{"+orders"}, nil, ids("orders", "stg_orders", "stg_customers", "seed:raw_payments")},
		{"descendants", []string{"orders+"}, nil, ids("orders", "customers", "revenue", "report")},
		{"both ways", []string{"+revenue+"}, nil,
			ids("revenue", "report", "orders", "stg_orders", "stg_customers", "seed:raw_payments", "utils:calendar")},
		{"ancestors depth 1", []string{"1+orders"}, nil, ids("orders", "stg_orders", "stg_customers")},
		{"ancestors depth 2", []string{"2+orders"}, nil, ids("orders", "stg_orders", "stg_customers", "seed:raw_payments")},
		{"descendants depth 1", []string{"stg_customers+1"}, nil, ids("stg_customers", "orders", "customers")},
		{"descendants depth 2", []string{"stg_orders+2"}, nil, ids("stg_orders", "orders", "customers", "revenue")},
		{"depth 0 is the node alone", []string{"0+orders+0"}, nil, ids("orders")},
		{"at: descendants and their ancestors", []string{"@revenue"}, nil,
			ids("revenue", "report", "orders", "stg_orders", "stg_customers", "seed:raw_payments", "utils:calendar")},
		{"at on a staging model", []string{"@stg_customers"}, nil,
			ids("stg_customers", "orders", "customers", "revenue", "report", "stg_orders", "seed:raw_payments", "utils:calendar")},
		{"tag", []string{"tag:daily"}, nil, ids("orders", "customers", "utils:calendar")},
		{"tag glob", []string{"tag:*ly"}, nil, ids("orders", "customers", "utils:calendar", "revenue")},
		{"tag with descendants", []string{"tag:staging+1"}, nil, ids("stg_orders", "stg_customers", "orders", "customers")},
		{"path folder", []string{"path:models/marts"}, nil, ids("orders", "customers", "revenue", "report")},
		{"path folder with slash", []string{"path:models/marts/finance/"}, nil, ids("revenue", "report")},
		{"path is by component", []string{"path:models/mart"}, nil, ids()},
		{"path file", []string{"path:models/marts/orders.sql"}, nil, ids("orders")},
		{"path glob", []string{"path:models/*/stg_c*.sql"}, nil, ids("stg_customers")},
		{"bare path", []string{"./models/staging"}, nil, ids("stg_orders", "stg_customers")},
		{"bare file", []string{"orders.sql"}, nil, ids("orders")},
		{"file by stem", []string{"file:raw_payments"}, nil, ids("seed:raw_payments")},
		{"config", []string{"config.materialized:table"}, nil, ids("orders", "customers", "utils:calendar")},
		{"config list element", []string{"config.unique_key:region"}, nil, ids("revenue")},
		{"config number", []string{"config.batch:500"}, nil, ids("revenue")},
		{"config bool", []string{"config.enabled:True"}, nil, ids("orders")},
		{"config nested key", []string{"config.meta.owner:ana"}, nil, ids("orders")},
		{"config nested list", []string{"config.grants.select:bi"}, nil, ids("customers")},
		{"config missing key", []string{"config.schema:x"}, nil, ids()},
		{"resource_type", []string{"resource_type:seed"}, nil, ids("seed:raw_payments")},
		{"package", []string{"package:utils"}, nil, ids("utils:calendar")},
		{"fqn with project", []string{"fqn:shop.marts.orders"}, nil, ids("orders")},
		{"fqn without project", []string{"fqn:marts.finance"}, nil, ids("revenue", "report")},
		{"fqn wildcard", []string{"fqn:staging.*"}, nil, ids("stg_orders", "stg_customers")},
		{"bare fqn", []string{"staging.stg_orders"}, nil, ids("stg_orders")},
		{"bare fqn wildcard", []string{"marts.*.re*"}, nil, ids("revenue", "report")},
		{"fqn needs the order", []string{"orders.marts"}, nil, ids()},
		{"union in one argument", []string{"orders tag:hourly"}, nil, ids("orders", "revenue")},
		{"union of arguments", []string{"orders", "tag:hourly"}, nil, ids("orders", "revenue")},
		{"intersection", []string{"tag:daily,config.materialized:table"}, nil, ids("orders", "customers", "utils:calendar")},
		{"intersection narrowing", []string{"tag:pii,config.materialized:table"}, nil, ids("customers")},
		{"intersection with graph", []string{"+report,tag:daily"}, nil, ids("orders", "utils:calendar")},
		{"intersection and union", []string{"tag:pii,path:models/staging report"}, nil, ids("stg_customers", "report")},
		{"exclude", []string{"path:models"}, []string{"tag:daily"}, ids("stg_orders", "stg_customers", "revenue", "report")},
		{"exclude from all", nil, []string{"path:models/marts", "resource_type:seed"}, ids("stg_orders", "stg_customers", "utils:calendar")},
		{"exclude with graph", []string{"+customers"}, []string{"+stg_orders"}, ids("customers", "orders", "stg_customers")},
		{"exclude intersection", []string{"tag:daily"}, []string{"tag:daily,package:utils"}, ids("orders", "customers")},
		{"exclude everything", []string{"orders"}, []string{"*"}, ids()},
	}
	nodes, g := project()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.selects, tt.excludes)
			if err != nil {
				t.Fatalf("Parse(%q, %q): %v", tt.selects, tt.excludes, err)
			}
			if got := s.Select(nodes, g); !slices.Equal(got, tt.want) {
				t.Errorf("Select = %v\nwant     %v", got, tt.want)
			}
		})
	}
}

func TestSelectWithoutGraphOrUnknownIDs(t *testing.T) {
	nodes, g := project()
	s, err := Parse([]string{"orders+", "+stg_orders"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Select(nodes, nil), ids("orders", "stg_orders"); !slices.Equal(got, want) {
		t.Errorf("nil graph: Select = %v, want %v", got, want)
	}
	// IDs in the graph that are not nodes are walked through, not returned.
	g.Connect("source.shop.raw.payments", "model.shop.report")
	g.Connect("model.shop.audit", "source.shop.raw.payments")
	nodes = append(nodes, Node{ID: "model.shop.audit", Name: "audit", ResourceType: "model", FQN: []string{"shop", "audit"}})
	s, _ = Parse([]string{"report+"}, nil)
	if got, want := s.Select(nodes, g), ids("report", "audit"); !slices.Equal(got, want) {
		t.Errorf("Select = %v, want %v", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		selects, excludes []string
		message, hint     string
	}{
		{[]string{"foo:bar"}, nil, "unknown selector method 'foo' in 'foo:bar'", "did you mean 'fqn'?"},
		{[]string{"state:modifed"}, nil, "unknown state 'modifed' in 'state:modifed'", "use state:modified, state:new or state:unchanged, with --state DIR"},
		{[]string{"orders", "tgs:daily"}, nil, "unknown selector method 'tgs' in 'tgs:daily'", "did you mean 'tag'?"},
		{nil, []string{"pakage:utils+"}, "unknown selector method 'pakage' in 'pakage:utils+'", "did you mean 'package'?"},
		{[]string{"confg.materialized:table"}, nil,
			"unknown selector method 'confg.materialized' in 'confg.materialized:table'", ""},
		{[]string{"config:table"}, nil, "selector method 'config' needs a key in 'config:table'", "e.g. config.materialized:table"},
		{[]string{"tag.x:daily"}, nil, "selector method 'tag' takes no key in 'tag.x:daily'", ""},
		{[]string{"config..x:1"}, nil, "empty config key in 'config..x:1'", ""},
		{[]string{"tag:"}, nil, "missing value in selector 'tag:'", ""},
		{[]string{"+"}, nil, "missing value in selector '+'", ""},
		{[]string{"@+orders"}, nil, "selector '@+orders' combines '@' with a '+' prefix", "'@' already includes ancestors; drop the '+' prefix"},
		{[]string{"tag:a,,tag:b"}, nil, "empty selector in 'tag:a,,tag:b'", ""},
		{[]string{"tag:[ab"}, nil, "bad pattern in selector 'tag:[ab'", "'*', '?' and '[...]' are wildcards; close every '['"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.selects, tt.excludes)
		var d *diag.Diagnostic
		if !errors.As(err, &d) {
			t.Errorf("Parse(%q, %q) = %v, want a *diag.Diagnostic", tt.selects, tt.excludes, err)
			continue
		}
		if d.Message != tt.message || d.Hint != tt.hint {
			t.Errorf("Parse(%q, %q):\n got %q (%q)\nwant %q (%q)", tt.selects, tt.excludes, d.Message, d.Hint, tt.message, tt.hint)
		}
	}
}

func TestParseOperators(t *testing.T) {
	tests := []struct {
		raw               string
		method, value     string
		parents, children int
		at                bool
	}{
		{"orders", "fqn", "orders", 0, 0, false},
		{"+orders", "fqn", "orders", -1, 0, false},
		{"orders+", "fqn", "orders", 0, -1, false},
		{"12+orders+3", "fqn", "orders", 12, 3, false},
		{"@tag:daily", "tag", "daily", 0, 0, true},
		{"2019_orders", "fqn", "2019_orders", 0, 0, false},
		{"orders_2019", "fqn", "orders_2019", 0, 0, false},
		{"models/staging/", "path", "models/staging", 0, 0, false},
		{"stg.sql+", "file", "stg.sql", 0, -1, false},
	}
	for _, tt := range tests {
		c, err := parseCriterion(tt.raw)
		if err != nil {
			t.Errorf("parseCriterion(%q): %v", tt.raw, err)
			continue
		}
		if c.method != tt.method || c.value != tt.value || c.parents != tt.parents || c.children != tt.children || c.at != tt.at {
			t.Errorf("parseCriterion(%q) = %+v", tt.raw, c)
		}
	}
}

func TestStateResultAndSourceMethods(t *testing.T) {
	nodes := []Node{
		{ID: "a", Name: "a", State: "new", Result: "success", Sources: []string{"raw.events"}},
		{ID: "b", Name: "b", State: "modified", Result: "error"},
		{ID: "c", Name: "c", State: "unchanged", Result: "skipped", Sources: []string{"crm.users"}},
		{ID: "d", Name: "d"},
	}
	for _, tc := range []struct {
		sel  string
		want []string
	}{
		{"state:modified", []string{"a", "b"}},
		{"state:new", []string{"a"}},
		{"result:error", []string{"b"}},
		{"result:skipped result:error", []string{"b", "c"}},
		{"source:raw", []string{"a"}},
		{"source:crm.users", []string{"c"}},
		{"source:*", []string{"a", "c"}},
	} {
		s, err := Parse([]string{tc.sel}, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.sel, err)
		}
		if got := s.Select(nodes, nil); !slices.Equal(got, tc.want) {
			t.Errorf("%s selected %v, want %v", tc.sel, got, tc.want)
		}
	}
}
