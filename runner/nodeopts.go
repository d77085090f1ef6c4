package runner

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// checkOptions validates the configs that become warehouse options, so
// that a bad timeout or grant fails the load, not the run.
func checkOptions(n *Node) diag.List {
	var errs diag.List
	at := func(format string, args ...any) {
		errs = append(errs, &diag.Diagnostic{File: n.Path, Line: n.configLine(), Node: n.ID, Message: fmt.Sprintf(format, args...)})
	}
	for _, key := range []string{"statement_timeout", "lock_timeout"} {
		if v, ok := n.Config[key]; ok {
			if _, err := parseTimeout(v); err != nil {
				at("%s: %v", key, err)
			}
		}
	}
	if v, ok := n.Config["grants"]; ok {
		if _, err := parseGrants(v); err != nil {
			at("grants: %v", err)
		}
	}
	for _, key := range []string{"pre_hook", "post_hook"} {
		if _, err := hookSQL(n.Config[key]); err != nil {
			at("%s: %v", key, err)
		}
	}
	return errs
}

// parseTimeout reads a timeout as PostgreSQL does: a number of
// milliseconds, or a number with a unit (ms, s, min, h, d).
func parseTimeout(v any) (time.Duration, error) {
	switch x := v.(type) {
	case int:
		return time.Duration(x) * time.Millisecond, nil
	case float64:
		return time.Duration(x * float64(time.Millisecond)), nil
	case string:
		s := strings.TrimSpace(x)
		if n, err := strconv.Atoi(s); err == nil {
			return time.Duration(n) * time.Millisecond, nil
		}
		for _, u := range []struct {
			suffix string
			unit   time.Duration
		}{{"ms", time.Millisecond}, {"min", time.Minute}, {"s", time.Second}, {"h", time.Hour}, {"d", 24 * time.Hour}} {
			if num, ok := strings.CutSuffix(s, u.suffix); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
				if err == nil && f >= 0 {
					return time.Duration(f * float64(u.unit)), nil
				}
			}
		}
	}
	return 0, fmt.Errorf("%v is not a duration (use milliseconds, or a number with ms, s, min, h or d)", v)
}

// parseGrants reads {privilege: role | [roles]}.
func parseGrants(v any) (map[string][]string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must map privileges to roles, e.g. {select: ['reporter']}")
	}
	out := make(map[string][]string, len(m))
	for priv, roles := range m {
		switch r := roles.(type) {
		case string:
			out[strings.ToLower(priv)] = []string{r}
		case []any:
			list := make([]string, 0, len(r))
			for _, x := range r {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("roles of %s must be names, got %v", priv, x)
				}
				list = append(list, s)
			}
			out[strings.ToLower(priv)] = list
		case nil:
			out[strings.ToLower(priv)] = []string{}
		default:
			return nil, fmt.Errorf("roles of %s must be a name or a list of names, got %v", priv, roles)
		}
	}
	return out, nil
}

// hookSQL reads pre_hook/post_hook: a string, a list of strings, or dbt's
// {sql: ..., transaction: ...} form (kiln always runs hooks inside the
// node's transaction).
func hookSQL(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		return []string{x}, nil
	case map[string]any:
		s, ok := x["sql"].(string)
		if !ok {
			return nil, fmt.Errorf("a hook given as a mapping needs sql:")
		}
		return []string{s}, nil
	case []any:
		var out []string
		for _, e := range x {
			hs, err := hookSQL(e)
			if err != nil {
				return nil, err
			}
			out = append(out, hs...)
		}
		return out, nil
	}
	return nil, fmt.Errorf("must be SQL or a list of SQL statements, got %v", v)
}

// renderHooks renders a node's hooks with the node's own context (this,
// target, var, env_var), as dbt does when it runs them.
func (c *Compiled) renderHooks(e *Engine, n *Node, key string) ([]string, error) {
	raw, _ := hookSQL(n.Config[key])
	out := make([]string, 0, len(raw))
	if len(raw) == 0 {
		return out, nil // no context to build: most models have no hooks
	}
	this := n.Relation
	ctx := jinja.Context{
		Node:          n.ID,
		Ref:           func(name string) (warehouse.Relation, error) { return c.refRelation(name) },
		Var:           c.lookupVar,
		EnvVar:        e.lookupEnv,
		This:          &this,
		Target:        c.targetContext(),
		IsIncremental: n.Incremental,
		Execute:       true,
	}
	for i, sql := range raw {
		s, err := c.env.RenderString(fmt.Sprintf("%s (%s #%d)", n.Path, key, i+1), sql, ctx)
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// refRelation resolves ref() in hooks, after the graph is known.
func (c *Compiled) refRelation(name string) (warehouse.Relation, error) {
	if n, ok := c.Nodes[c.refID(name)]; ok {
		return n.Relation, nil
	}
	return warehouse.Relation{}, fmt.Errorf("unknown ref '%s'", name)
}

// warehouseOptions are the options of n's build; the config was checked
// at load time.
func (n *Node) warehouseOptions(lockWait time.Duration) warehouse.Options {
	o := warehouse.Options{PreHooks: n.preHooks, PostHooks: n.postHooks, LockWait: lockWait}
	if v, ok := n.Config["statement_timeout"]; ok {
		o.StatementTimeout, _ = parseTimeout(v)
	}
	if v, ok := n.Config["lock_timeout"]; ok {
		o.LockTimeout, _ = parseTimeout(v)
	}
	if v, ok := n.Config["grants"]; ok {
		o.Grants, _ = parseGrants(v)
	}
	return o
}

// configLine is the line of the model's config() call, 0 when none.
func (n *Node) configLine() int { return n.result.ConfigLine }
