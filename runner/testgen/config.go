package testgen

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Severity says what a failing test does to the command.
type Severity string

const (
	SeverityError Severity = "error" // the default
	SeverityWarn  Severity = "warn"
)

// DefaultCondition is dbt's warn_if and error_if: any failing row.
const DefaultCondition = "!= 0"

// AuditSchema is the custom schema dbt stores failing rows in by default;
// like any custom schema, it is appended to the target schema
// (<target_schema>_dbt_test__audit).
const AuditSchema = "dbt_test__audit"

// Config is a test's configuration, with dbt's defaults applied.
type Config struct {
	Enabled  bool
	Severity Severity
	// Where filters the tested relation; generic tests only.
	Where string
	// Limit caps the failing rows counted; 0: no limit.
	Limit int
	// WarnIf and ErrorIf are conditions on the number of failing rows,
	// a comparison operator and a number, e.g. "!= 0" or "> 10".
	WarnIf, ErrorIf string
	// StoreFailures is nil unless the test says, so that the caller can
	// apply the project's default.
	StoreFailures *bool
	Tags          []string
	Meta          map[string]any
	// Alias, Schema and Database override where failing rows are stored.
	Alias, Schema, Database string
}

// configKeys are the keys a test's config: may hold; the first ones can
// also be written beside the test's arguments, as in older dbt versions.
var (
	legacyConfigKeys = []string{
		"severity", "tags", "enabled", "where", "limit", "warn_if", "error_if",
		"fail_calc", "store_failures", "store_failures_as", "meta", "database", "schema", "alias",
	}
	otherConfigKeys = []string{"group", "docs", "contract", "quoting", "persist_docs", "full_refresh", "event_time"}
)

// ConfigFrom reads a test's configuration: the config: of a generic test
// after Jinja is rendered, or what a singular test's config() calls set.
// Problems that do not change the outcome of the test are warnings, the
// others errors; the Config is usable when errs is empty.
func ConfigFrom(raw map[string]any) (cfg Config, warnings []string, errs []string) {
	cfg = Config{Enabled: true, Severity: SeverityError, WarnIf: DefaultCondition, ErrorIf: DefaultCondition}
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	for _, k := range sortedKeys(raw) {
		v := raw[k]
		if v == nil {
			continue
		}
		switch k {
		case "enabled":
			b, ok := boolValue(v)
			if !ok {
				bad("enabled must be true or false, got %s", describe(v))
			}
			cfg.Enabled = b
		case "severity":
			s, _ := v.(string)
			switch Severity(strings.ToLower(strings.TrimSpace(s))) {
			case SeverityError:
				cfg.Severity = SeverityError
			case SeverityWarn:
				cfg.Severity = SeverityWarn
			default:
				bad("severity must be warn or error, got %s", describe(v))
			}
		case "where":
			s, ok := v.(string)
			if !ok {
				bad("where must be a SQL condition, got %s", describe(v))
			}
			cfg.Where = strings.TrimSpace(s)
		case "limit":
			n, ok := intValue(v)
			if !ok || n < 0 {
				bad("limit must be a whole number, 0 or more, got %s", describe(v))
			}
			cfg.Limit = n
		case "warn_if", "error_if":
			s, ok := v.(string)
			cond, err := Condition(s)
			if !ok || err != nil {
				bad("%s must be a comparison with a number, such as \"!= 0\" or \">= 10\", got %s", k, describe(v))
			}
			if k == "warn_if" {
				cfg.WarnIf = cond
			} else {
				cfg.ErrorIf = cond
			}
		case "store_failures":
			b, ok := boolValue(v)
			if !ok {
				bad("store_failures must be true or false, got %s", describe(v))
			}
			cfg.StoreFailures = &b
		case "store_failures_as":
			if s, _ := v.(string); s != "table" {
				warnings = append(warnings, fmt.Sprintf("store_failures_as: %s is not supported; kiln stores failing rows in a table", pyStr(v)))
			}
		case "fail_calc":
			if s, _ := v.(string); strings.ToLower(strings.Join(strings.Fields(s), "")) != "count(*)" {
				bad("fail_calc is not supported; kiln counts the failing rows (count(*))")
			}
		case "tags":
			tags, ok := stringList(v)
			if !ok {
				bad("tags must be a string or a list of strings, got %s", describe(v))
			}
			cfg.Tags = tags
		case "meta":
			m, ok := v.(map[string]any)
			if !ok {
				bad("meta must be a mapping, got %s", describe(v))
			}
			cfg.Meta = m
		case "alias", "schema", "database":
			s, ok := v.(string)
			if !ok {
				bad("%s must be a name, got %s", k, describe(v))
			}
			switch k {
			case "alias":
				cfg.Alias = s
			case "schema":
				cfg.Schema = s
			default:
				cfg.Database = s
			}
		default:
			if !slices.Contains(otherConfigKeys, k) {
				warnings = append(warnings, fmt.Sprintf("unknown test config '%s'", k))
			}
		}
	}
	return cfg, warnings, errs
}

// StoreFailuresIn is where the failing rows of a test are kept when
// failures are stored: in schema (the caller applies its schema naming
// to c.Schema, AuditSchema when empty), named c.Alias, or alias (the
// test's Alias or a singular test's name) when empty.
func (c Config) StoreFailuresIn(schema, alias string) warehouse.Relation {
	name := c.Alias
	if name == "" {
		name = alias
	}
	return warehouse.Relation{Database: c.Database, Schema: schema, Name: name}
}

// conditionRE is a comparison with a number: dbt's warn_if and error_if.
var conditionRE = regexp.MustCompile(`^\s*(!=|<>|>=|<=|=|<|>)\s*(-?\d+(?:\.\d+)?)\s*$`)

// Condition checks a warn_if or error_if value and returns it normalized
// ("!=0" gives "!= 0"); "" gives the default, "!= 0".
func Condition(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return DefaultCondition, nil
	}
	m := conditionRE.FindStringSubmatch(s)
	if m == nil {
		return "", fmt.Errorf("%q is not a comparison with a number, such as \"!= 0\" or \">= 10\"", s)
	}
	return m[1] + " " + m[2], nil
}

// Status is dbt's outcome of a test run with severity sev: "fail" when
// error_if held and the severity is error, else "warn" when warn_if held,
// else "pass". (A test whose SQL fails has status "error".)
func Status(sev Severity, r warehouse.TestResult) string {
	switch {
	case sev != SeverityWarn && r.Error:
		return "fail"
	case r.Warn:
		return "warn"
	default:
		return "pass"
	}
}

func boolValue(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		return b, err == nil
	}
	return false, false
}

func intValue(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case float64:
		if v == float64(int(v)) {
			return int(v), true
		}
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(v))
		return n, err == nil
	}
	return 0, false
}

func stringList(v any) ([]string, bool) {
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// describe names a value in an error message.
func describe(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "null"
	}
	return "'" + pyStr(v) + "'"
}
