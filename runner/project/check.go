package project

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
)

// knownConfigKeys are the config keys kiln recognizes. Besides the model
// configs it lists those of seeds, snapshots and tests and the postgres
// adapter, so that real projects do not trip the typo check.
var knownConfigKeys = []string{
	// models
	"enabled", "materialized", "schema", "alias", "database", "tags", "meta",
	"docs", "persist_docs", "full_refresh", "unique_key",
	"incremental_strategy", "on_schema_change", "incremental_predicates",
	"pre_hook", "post_hook", "grants", "contract", "access", "group",
	"sql_header", "statement_timeout", "lock_timeout", "column_types",
	"quote_columns", "indexes", "bind", "quoting", "event_time",
	"batch_size", "lookback", "begin", "concurrent_batches",
	"on_configuration_change", "unlogged",
	// tests
	"severity", "where", "limit", "warn_if", "error_if", "store_failures",
	"store_failures_as", "fail_calc",
	// seeds and snapshots
	"delimiter", "strategy", "updated_at", "check_cols", "target_schema",
	"target_database", "invalidate_hard_deletes", "hard_deletes",
	"snapshot_meta_column_names", "dbt_valid_to_current",
}

// materializations are the values kiln accepts for materialized.
var materializations = []string{"view", "table", "incremental", "ephemeral", "seed", "test"}

// incrementalStrategies and schemaChangeModes are the values kiln accepts
// for incremental_strategy and on_schema_change on PostgreSQL.
var (
	incrementalStrategies = []string{"append", "merge", "delete+insert"}
	schemaChangeModes     = []string{"ignore", "fail", "append_new_columns", "sync_all_columns"}
)

// isConfigKey reports whether k (normalized) is a known config key.
func isConfigKey(k string) bool { return slices.Contains(knownConfigKeys, k) }

// CheckConfig validates c as written at file:line. Unknown keys are
// warnings (dbt allows custom configs), unless the key is a near-typo of a
// known key: then it is an error with a hint. Values of the wrong type, and
// materializations kiln does not know, are errors.
func CheckConfig(c Config, file string, line int) diag.List {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out diag.List
	for _, raw := range keys {
		k := normalizeKey(raw)
		v := c[raw]
		if !isConfigKey(k) {
			if hint := diag.Suggest(k, knownConfigKeys); hint != "" {
				d := diag.Errorf(file, line, "unknown config '%s'", k)
				d.Hint = hint
				out = append(out, d)
			} else {
				out = append(out, diag.Warnf(file, line, "unknown config '%s' (kiln ignores it)", k))
			}
			continue
		}
		if d := checkValue(k, v, file, line); d != nil {
			out = append(out, d)
		}
	}
	return out
}

// checkValue checks the type and value of one known config key.
func checkValue(k string, v any, file string, line int) *diag.Diagnostic {
	switch k {
	case "materialized":
		s, ok := v.(string)
		if !ok {
			return diag.Errorf(file, line, "materialized must be a string, got %s", describe(v))
		}
		if !slices.Contains(materializations, s) {
			d := diag.Errorf(file, line, "unknown materialization '%s'", s)
			d.Hint = diag.Suggest(s, materializations)
			if d.Hint == "" {
				d.Hint = "use one of: " + strings.Join(materializations[:4], ", ")
			}
			return d
		}
	case "enabled":
		if _, ok := v.(bool); !ok {
			d := diag.Errorf(file, line, "enabled must be true or false, got %s", describe(v))
			if _, isStr := v.(string); isStr {
				d.Hint = "remove the quotes"
			}
			return d
		}
	case "incremental_strategy", "on_schema_change":
		allowed := incrementalStrategies
		if k == "on_schema_change" {
			allowed = schemaChangeModes
		}
		s, ok := v.(string)
		if !ok {
			return diag.Errorf(file, line, "%s must be a string, got %s", k, describe(v))
		}
		if !slices.Contains(allowed, s) {
			d := diag.Errorf(file, line, "unknown %s '%s'", k, s)
			d.Hint = "use one of: " + strings.Join(allowed, ", ")
			return d
		}
	case "unique_key", "incremental_predicates":
		if !allStrings(v) {
			return diag.Errorf(file, line, "%s must be a string or a list of strings, got %s", k, describe(v))
		}
	case "tags":
		if !allStrings(v) {
			return diag.Errorf(file, line, "tags must be a string or a list of strings, got %s", describe(v))
		}
	case "schema", "alias", "database":
		if _, ok := v.(string); !ok && v != nil {
			return diag.Errorf(file, line, "%s must be a string, got %s", k, describe(v))
		}
	}
	return nil
}

// allStrings reports whether v is nil, a string, or a list holding only
// strings.
func allStrings(v any) bool {
	switch v := v.(type) {
	case nil, string, []string:
		return true
	case []any:
		for _, e := range v {
			if _, ok := e.(string); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// describe names a value for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("'%s'", v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	default:
		return fmt.Sprintf("%v", v)
	}
}
