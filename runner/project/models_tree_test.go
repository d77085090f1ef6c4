package project

import (
	"reflect"
	"testing"
)

// TestConfigsForMatchesConfigFor checks that configsFor, which walks each
// folder once, gives every model what configFor gives it and marks the
// same levels used.
func TestConfigsForMatchesConfigFor(t *testing.T) {
	tree := func() *configTree {
		level := func(cfg Config, children map[string]*configTree) *configTree {
			if children == nil {
				children = map[string]*configTree{}
			}
			return &configTree{config: cfg, children: children}
		}
		return level(Config{"+tags": []any{"all"}}, map[string]*configTree{
			"shop": level(Config{"materialized": "view"}, map[string]*configTree{
				"staging": level(Config{"tags": "stg", "+schema": "staging"}, map[string]*configTree{
					"stg_orders": level(Config{"materialized": "table", "tags": []any{"orders"}}, nil),
					"deep":       level(Config{"alias": "x"}, nil),
				}),
				"marts":  level(Config{"pre-hook": "select 1"}, nil),
				"unused": level(Config{"enabled": false}, nil),
			}),
		})
	}
	fqns := [][]string{
		{"shop", "stg_customers"},
		{"shop", "staging", "stg_orders"},
		{"shop", "staging", "stg_payments"},
		{"shop", "staging", "deep", "stg_deep"},
		{"shop", "staging", "missing", "stg_orders"},
		{"shop", "marts", "orders"},
		{"shop", "marts", "orders"},
		{"other", "staging", "stg_orders"},
		{"shop", "staging"},
	}
	want, got := tree(), tree()
	for i, cfg := range got.configsFor(fqns) {
		if w := want.configFor(fqns[i]); !reflect.DeepEqual(cfg, w) {
			t.Errorf("configsFor(%v) = %v, want %v", fqns[i], cfg, w)
		}
	}
	var used func(a, b *configTree, path string)
	used = func(a, b *configTree, path string) {
		if a.used != b.used {
			t.Errorf("%s: used = %v, want %v", path, b.used, a.used)
		}
		for k, c := range a.children {
			used(c, b.children[k], path+"/"+k)
		}
	}
	used(want, got, "")
	cfgs := got.configsFor(fqns)
	cfgs[5]["materialized"] = "changed" // two models of one folder
	if cfgs[6]["materialized"] == "changed" {
		t.Error("models share a config map")
	}
}
