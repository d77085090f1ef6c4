package selector

import (
	"fmt"
	"path"
	"reflect"
	"strconv"
	"strings"
)

// matches reports whether n is chosen by c's method and value, before any
// graph operator.
func (c criterion) matches(n *Node) bool {
	switch c.method {
	case "fqn":
		return matchFQN(c.value, n.FQN)
	case "tag":
		for _, t := range n.Tags {
			if glob(c.value, t) {
				return true
			}
		}
		return false
	case "path":
		return matchPath(c.value, n.Path)
	case "file":
		base := path.Base(n.Path)
		return n.Path != "" && (glob(c.value, base) || glob(c.value, strings.TrimSuffix(base, path.Ext(base))))
	case "package":
		return glob(c.value, n.Package)
	case "resource_type":
		return c.value == n.ResourceType
	case "config":
		v, ok := lookup(n.Config, c.key)
		return ok && configEquals(v, c.value)
	case "state":
		// state:modified includes new nodes, as in dbt.
		return n.State == c.value || (c.value == "modified" && n.State == "new")
	case "result":
		return n.Result != "" && n.Result == c.value
	case "source":
		for _, s := range n.Sources {
			if glob(c.value, s) || glob(c.value, strings.SplitN(s, ".", 2)[0]) {
				return true
			}
		}
		return false
	}
	return false
}

// matchFQN matches a dotted selector against a node's fqn, as dbt does: the
// whole selector may match the node's name, or its parts may match a prefix
// of the fqn, with or without the project as first part. So "orders",
// "staging" (every node under that folder), "staging.*", "shop.staging.orders"
// and "stg_*" all select nodes. Each part is a glob.
func matchFQN(sel string, fqn []string) bool {
	if len(fqn) == 0 {
		return false
	}
	if glob(sel, fqn[len(fqn)-1]) {
		return true
	}
	var flat []string // dots in names act as separators
	for _, seg := range fqn {
		flat = append(flat, strings.Split(seg, ".")...)
	}
	parts := strings.Split(sel, ".")
	return prefixMatch(parts, flat) || prefixMatch(parts, flat[len(strings.Split(fqn[0], ".")):])
}

func prefixMatch(parts, fqn []string) bool {
	if len(parts) > len(fqn) {
		return false
	}
	for i, p := range parts {
		if !glob(p, fqn[i]) {
			return false
		}
	}
	return true
}

// matchPath reports whether the file p is sel or lies under the directory
// sel; sel may be a glob, matched against p and each of its parent folders.
func matchPath(sel, p string) bool {
	if p == "" {
		return false
	}
	if sel == "." {
		return true
	}
	for q := path.Clean(p); q != "." && q != "/"; q = path.Dir(q) {
		if glob(sel, q) {
			return true
		}
	}
	return false
}

// glob is path.Match with patterns checked by Parse.
func glob(pattern, s string) bool {
	ok, _ := path.Match(pattern, s)
	return ok
}

// lookup descends into nested config maps along key.
func lookup(config map[string]any, key []string) (any, bool) {
	var v any = config
	for _, k := range key {
		m := reflect.ValueOf(v)
		if m.Kind() != reflect.Map || m.Type().Key().Kind() != reflect.String {
			return nil, false
		}
		e := m.MapIndex(reflect.ValueOf(k).Convert(m.Type().Key()))
		if !e.IsValid() {
			return nil, false
		}
		v = e.Interface()
	}
	return v, true
}

// configEquals compares a config value with a selector value as strings; a
// list matches when any element does, booleans ignore case.
func configEquals(v any, want string) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x == want
	case bool:
		return strings.EqualFold(want, strconv.FormatBool(x))
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		for i := range rv.Len() {
			e := rv.Index(i).Interface()
			if k := reflect.ValueOf(e).Kind(); k != reflect.Slice && k != reflect.Array && configEquals(e, want) {
				return true
			}
		}
		return false
	}
	if rv.Kind() == reflect.Map {
		return false
	}
	return fmt.Sprint(v) == want
}
