package project

import "strings"

// Config is a node's configuration: folder configs from dbt_project.yml,
// then the config of its YAML properties, and later its config() call.
// Keys are normalized: no '+' prefix, hooks spelled pre_hook and post_hook.
type Config map[string]any

// Merge returns a new Config with over's keys applied on top of c. As in
// dbt, tags accumulate (union, first occurrence order kept), hooks append,
// meta dictionaries merge key by key, and every other key is replaced.
// Neither c nor over is modified.
func (c Config) Merge(over Config) Config {
	out := make(Config, len(c)+len(over))
	for k, v := range c {
		out[normalizeKey(k)] = v
	}
	for k, v := range over {
		k = normalizeKey(k)
		old, had := out[k]
		switch {
		case k == "tags":
			out[k] = unionTags(toStrings(old), toStrings(v))
		case !had:
			out[k] = v
		case k == "pre_hook" || k == "post_hook":
			out[k] = append(toList(old), toList(v)...)
		case k == "meta" || k == "column_types": // merged key by key, as dbt does
			out[k] = mergeMaps(old, v)
		default:
			out[k] = v
		}
	}
	return out
}

// Materialized is the materialization, "view" unless configured.
func (c Config) Materialized() string {
	if s, ok := c["materialized"].(string); ok && s != "" {
		return s
	}
	return "view"
}

// Schema is the configured custom schema, "" when none.
func (c Config) Schema() string { return c.str("schema") }

// Alias is the configured relation name, "" when none.
func (c Config) Alias() string { return c.str("alias") }

// Database is the configured database, "" when none.
func (c Config) Database() string { return c.str("database") }

// Tags lists the tags; a single string counts as one tag.
func (c Config) Tags() []string { return toStrings(c["tags"]) }

// Enabled is false only when enabled is configured false.
func (c Config) Enabled() bool {
	b, ok := c["enabled"].(bool)
	return !ok || b
}

func (c Config) str(key string) string {
	s, _ := c[key].(string)
	return s
}

// normalizeKey drops a '+' prefix and spells hooks with underscores.
func normalizeKey(k string) string {
	k = strings.TrimSpace(strings.TrimLeft(k, "+ "))
	switch k {
	case "pre-hook":
		return "pre_hook"
	case "post-hook":
		return "post_hook"
	}
	return k
}

// toStrings reads a string or a list of strings; other values are skipped.
func toStrings(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// toList turns a single value into a one-element list.
func toList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return append([]any(nil), v...)
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out
	}
	return []any{v}
}

func unionTags(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	seen := map[string]bool{}
	for _, s := range append(append([]string(nil), a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// mergeMaps updates a copy of old with over's keys when both are maps;
// otherwise over replaces old.
func mergeMaps(old, over any) any {
	a, ok1 := old.(map[string]any)
	b, ok2 := over.(map[string]any)
	if !ok1 || !ok2 {
		return over
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
