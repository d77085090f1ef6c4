package runner

import (
	"context"

	"github.com/kiln-dev/kiln/runner/diag"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// finalize decides, for each selected node, whether is_incremental() holds
// (from the catalog; nil means nothing exists, as in compile), then renders
// the final SQL of every selected node.
func (c *Compiled) finalize(ctx context.Context, e *Engine, catalog warehouse.Catalog, fullRefresh bool) error {
	for _, id := range c.Selected {
		n := c.Nodes[id]
		if n.Config.Materialized() != "incremental" {
			continue
		}
		full := fullRefresh
		if v, ok := n.Config["full_refresh"].(bool); ok {
			if fullRefresh && !v {
				n.FullRefreshIgnored = true
			}
			full = v
		}
		n.Incremental = !full && catalog.Lookup(n.Relation) == warehouse.Table
	}
	if err := c.renderAll(ctx, e, true); err != nil {
		return err
	}
	// Hooks are rendered on a few goroutines, each node's by one; errors
	// are reported in the order of the nodes.
	hookErrs := make([][2]error, len(c.Selected))
	parallel(len(c.Selected), func(i int) {
		n := c.Nodes[c.Selected[i]]
		n.preHooks, hookErrs[i][0] = c.renderHooks(e, n, "pre_hook")
		n.postHooks, hookErrs[i][1] = c.renderHooks(e, n, "post_hook")
	})
	var errs diag.List
	for _, pair := range hookErrs {
		for _, err := range pair {
			if err != nil {
				errs.Add(err)
			}
		}
	}
	return errs.Err()
}

// incremental is the warehouse's view of an incremental node.
func (n *Node) incremental() *warehouse.Incremental {
	if n.Config.Materialized() != "incremental" {
		return nil
	}
	inc := &warehouse.Incremental{
		Full:           !n.Incremental,
		UniqueKey:      stringList(n.Config["unique_key"]),
		Strategy:       stringValue(n.Config["incremental_strategy"]),
		OnSchemaChange: stringValue(n.Config["on_schema_change"]),
		Predicates:     stringList(n.Config["incremental_predicates"]),
	}
	return inc
}

func stringValue(v any) string {
	s, _ := v.(string)
	return s
}

// stringList reads a config value that may be a string or a list of them.
func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
		return []string{x}
	case []string:
		return x
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
