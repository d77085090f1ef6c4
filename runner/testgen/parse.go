// Package testgen turns the data tests written in YAML property files into
// generic tests: their dbt names and unique ids, their configuration, and
// the SQL that selects their failing rows, either built in (not_null,
// unique, accepted_values, relationships) or rendered from a project's
// {% test %} block. Parse is pure; Compile renders Jinja. The warehouse
// counts the failing rows (warehouse.Tester).
package testgen

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kiln-dev/kiln/runner/diag"
)

// Spec is the data tests of one node, or of one of its columns, as written
// under tests: or data_tests: in a property file (the caller joins the two
// lists; dbt accepts either).
type Spec struct {
	ResourceType string // "model", "seed", "snapshot" or "source"
	Name         string // the node's name; for a source, the table's name
	SourceName   string // for a source: the source's name
	NodeID       string // the node's unique id, e.g. model.shop.orders
	Package      string // the project's name
	File         string // the property file, for diagnostics
	Line         int    // the line of the node's (or column's) entry; 0 if unknown
	// Column is the column the tests are attached to; "" for tests of the
	// node itself. It is passed to the tests as column_name, as written:
	// dbt does not quote column names unless the column says quote: true,
	// which is Quote.
	Column string
	Quote  bool
	Tests  []any // the raw list, each entry a string or a mapping
}

// Generic is one generic data test attached to a node.
type Generic struct {
	// Name is dbt's name of the test node: name: when given, else the
	// synthesized name (not_null_orders_id). It can be longer than
	// PostgreSQL's 63 characters; Alias cannot.
	Name string
	// Alias is Name, or dbt's short form of a synthesized name of 64
	// characters or more: its first 30 characters, "_" and an MD5 hash.
	// Failing rows are stored under this name (unless config alias:).
	Alias    string
	UniqueID string // test.<package>.<Name>.<hash>, as dbt computes it
	// TestName is the test without its namespace: not_null, unique,
	// accepted_values, relationships or a custom test; Namespace is the
	// package before the dot in dbt_utils.expression_is_true.
	TestName, Namespace string
	// Kwargs are the arguments of the test macro as written, column_name
	// included for a column's test; model, name and config are not.
	// String values may hold Jinja, rendered by Compile.
	Kwargs map[string]any
	// RawConfig is the test's config: (and config keys written beside the
	// arguments) as written; Config is it read, valid whenever it has no
	// Jinja (else Compile reads it again after rendering).
	RawConfig map[string]any
	Config    Config

	// What the test is attached to, from the Spec.
	ResourceType, AttachedName, SourceName, AttachedID string
	Column                                             string
	File                                               string
	Line                                               int
}

// Macro is the macro that implements a custom test, test_<name>.
func (g *Generic) Macro() string { return "test_" + g.TestName }

// Builtin reports whether the test is one of dbt's four built-in tests,
// whose SQL kiln builds itself.
func (g *Generic) Builtin() bool {
	return IsBuiltin(g.TestName) && (g.Namespace == "" || g.Namespace == "dbt")
}

// IsBuiltin reports whether name is not_null, unique, accepted_values or
// relationships.
func IsBuiltin(name string) bool { return builtinArgs[name] != nil }

// builtinArgs are the arguments of the built-in tests.
var builtinArgs = map[string][]string{
	"not_null":        {"column_name"},
	"unique":          {"column_name"},
	"accepted_values": {"column_name", "values", "quote"},
	"relationships":   {"column_name", "to", "field"},
}

var (
	testNameRE   = regexp.MustCompile(`^(?:([A-Za-z_][0-9A-Za-z_]*)\.)?([A-Za-z_][0-9A-Za-z_]*)$`)
	identifierRE = regexp.MustCompile(`^[A-Za-z_][0-9A-Za-z_]*$`)
)

// Parse reads the tests of spec. Each entry is one of:
//
//	tests:
//	  - not_null                              # a name alone
//	  - accepted_values: {values: [a, b]}     # a name and its arguments
//	  - relationships: {to: "ref('customers')", field: id, config: {severity: warn}}
//	  - unique: {arguments: {...}, config: {...}, name: my_name}   # dbt 1.10
//	  - {name: my_name, test_name: unique, arguments: {...}, config: {...}}
//
// Config keys (severity, where, limit, warn_if, error_if, store_failures,
// ...) may also be written beside the arguments, as older dbt versions
// allowed. Entries with errors are left out; every problem is reported,
// errors and warnings, placed at spec's file and line.
func Parse(spec Spec) ([]*Generic, diag.List) {
	var out []*Generic
	var diags diag.List
	seen := map[string]bool{}
	for i, entry := range spec.Tests {
		g, warnings, err := parseEntry(spec, entry)
		where := fmt.Sprintf("test %d of %s", i+1, spec.subject())
		if g != nil && g.Name != "" {
			where = fmt.Sprintf("test '%s'", g.Name)
		}
		for _, w := range warnings {
			d := diag.Warnf(spec.File, spec.Line, "%s: %s", where, w)
			d.Node = spec.NodeID
			diags = append(diags, d)
		}
		if err != nil {
			err.File, err.Line, err.Node = spec.File, spec.Line, spec.NodeID
			err.Message = where + ": " + err.Message
			diags = append(diags, err)
			continue
		}
		if seen[g.Name] {
			d := diag.Errorf(spec.File, spec.Line, "%s is defined twice on %s", where, spec.subject())
			d.Node, d.Hint = spec.NodeID, "give one of them another name with name:"
			diags = append(diags, d)
			continue
		}
		seen[g.Name] = true
		out = append(out, g)
	}
	return out, diags
}

// subject names what the tests are attached to, in messages.
func (s Spec) subject() string {
	what := s.ResourceType + " '" + s.Name + "'"
	if s.ResourceType == "source" {
		what = "source '" + s.SourceName + "." + s.Name + "'"
	}
	if s.Column != "" {
		what = "column '" + s.Column + "' of " + what
	}
	return what
}

// parseEntry reads one entry of a tests: list.
func parseEntry(spec Spec, entry any) (g *Generic, warnings []string, d *diag.Diagnostic) {
	fail := func(msg, hint string) (*Generic, []string, *diag.Diagnostic) {
		return g, warnings, &diag.Diagnostic{Message: msg, Hint: hint}
	}
	name, args, msg := splitEntry(entry)
	if msg != "" {
		return fail(msg, "write the test's name, or a mapping from its name to its arguments")
	}
	m := testNameRE.FindStringSubmatch(name)
	if m == nil {
		return fail(fmt.Sprintf("'%s' is not a test name", name), "a test name is a Jinja identifier, optionally preceded by a package and a dot")
	}
	namespace, testName := m[1], m[2]
	if _, ok := args["model"]; ok {
		return fail("model cannot be an argument: it is the tested node", "")
	}
	raw, msg := splitConfig(args)
	if msg != "" {
		return fail(msg, "")
	}
	// dbt 1.10: arguments: holds the macro's arguments, never config.
	if a, ok := args["arguments"]; ok {
		am, isMap := a.(map[string]any)
		if !isMap && a != nil {
			return fail("arguments must be a mapping, got "+describe(a), "")
		}
		delete(args, "arguments")
		for _, k := range sortedKeys(am) {
			if _, clash := args[k]; clash {
				return fail(fmt.Sprintf("'%s' is given both under arguments: and beside it", k), "keep the one under arguments:")
			}
			args[k] = am[k]
		}
	}
	if spec.Column != "" {
		col := spec.Column
		if spec.Quote {
			col = pgx.Identifier{col}.Sanitize()
		}
		args["column_name"] = col
	}

	g = &Generic{
		TestName: testName, Namespace: namespace, RawConfig: raw,
		ResourceType: spec.ResourceType, AttachedName: spec.Name, SourceName: spec.SourceName,
		AttachedID: spec.NodeID, Column: spec.Column, File: spec.File, Line: spec.Line,
	}
	if n, ok := args["name"]; ok {
		s, isString := n.(string)
		if !isString || s == "" {
			return fail("name must be a string, got "+describe(n), "")
		}
		g.Name, g.Alias = s, s
		delete(args, "name")
	} else {
		g.Alias, g.Name = synthesizeNames(spec.testType(testName, namespace), spec.target(), args)
	}
	for _, k := range sortedKeys(args) {
		if !identifierRE.MatchString(k) {
			return fail(fmt.Sprintf("argument '%s' is not a valid name", k), "")
		}
	}
	if g.Builtin() {
		if msg, hint := checkBuiltin(testName, args); msg != "" {
			return fail(msg, hint)
		}
	}
	hashArgs := make(map[string]any, len(args)+1)
	for k, v := range args {
		hashArgs[k] = v
	}
	hashArgs["model"] = spec.modelString()
	g.UniqueID = uniqueID(spec.Package, g.Name, testName, namespace, hashArgs)
	g.Kwargs = args

	// Values with Jinja are read by Compile, once rendered.
	cfg, ws, errs := ConfigFrom(withoutJinja(raw))
	warnings = append(warnings, ws...)
	if len(errs) > 0 {
		return fail(strings.Join(errs, "; "), "")
	}
	g.Config = cfg
	return g, warnings, nil
}

// splitEntry finds the test name and a copy of its arguments in an entry.
func splitEntry(entry any) (name string, args map[string]any, msg string) {
	switch e := entry.(type) {
	case string:
		return strings.TrimSpace(e), map[string]any{}, ""
	case map[string]any:
		if tn, ok := e["test_name"]; ok {
			s, isString := tn.(string)
			if !isString {
				return "", nil, "test_name must be a string, got " + describe(tn)
			}
			args = copyMap(e)
			delete(args, "test_name")
			return strings.TrimSpace(s), args, ""
		}
		if len(e) != 1 {
			return "", nil, fmt.Sprintf("a test must be a mapping with one key, the test's name; this one has %d (%s)", len(e), strings.Join(sortedKeys(e), ", "))
		}
		for k, v := range e {
			switch a := v.(type) {
			case nil:
				return strings.TrimSpace(k), map[string]any{}, ""
			case map[string]any:
				return strings.TrimSpace(k), copyMap(a), ""
			default:
				return "", nil, fmt.Sprintf("the arguments of '%s' must be a mapping, got %s", k, describe(v))
			}
		}
	}
	return "", nil, "a test must be a name or a mapping, got " + describe(entry)
}

// splitConfig moves the config of a test out of its arguments: config:,
// and the config keys written beside the arguments. A key both beside
// the arguments (with a true value) and under config: is an error, as in
// dbt.
func splitConfig(args map[string]any) (map[string]any, string) {
	nested := map[string]any{}
	if c, ok := args["config"]; ok {
		m, isMap := c.(map[string]any)
		if !isMap && c != nil {
			return nil, "config must be a mapping, got " + describe(c)
		}
		nested = copyMap(m)
		delete(args, "config")
	}
	raw := map[string]any{}
	for _, k := range legacyConfigKeys {
		v, top := args[k]
		delete(args, k)
		_, inNested := nested[k]
		if top && truthy(v) && inNested {
			return nil, fmt.Sprintf("'%s' is given both under config: and beside it", k)
		}
		if !truthy(v) && inNested {
			v = nested[k]
			delete(nested, k)
		}
		if v != nil {
			raw[k] = v
		}
	}
	for k, v := range nested {
		if v != nil {
			raw[k] = v
		}
	}
	return raw, ""
}

// truthy is Python's truth of a value decoded from YAML.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case int:
		return v != 0
	case float64:
		return v != 0
	case []any:
		return len(v) > 0
	case map[string]any:
		return len(v) > 0
	}
	return true
}

// checkBuiltin checks the arguments of a built-in test.
func checkBuiltin(name string, args map[string]any) (msg, hint string) {
	known := builtinArgs[name]
	for _, k := range sortedKeys(args) {
		if !slices.Contains(known, k) {
			return fmt.Sprintf("%s has no argument '%s'", name, k), diag.Suggest(k, known)
		}
	}
	if _, ok := args["column_name"]; !ok {
		return fmt.Sprintf("%s needs a column: put it under a column's tests, or give column_name", name), ""
	}
	switch name {
	case "accepted_values":
		v, ok := args["values"]
		if !ok {
			return "accepted_values needs values: the list of accepted values", ""
		}
		if list, isList := v.([]any); isList && len(list) == 0 {
			return "accepted_values needs at least one value", ""
		} else if !isList && !isJinja(v) {
			return "values must be a list, got " + describe(v), ""
		}
		if q, ok := args["quote"]; ok {
			if _, isBool := q.(bool); !isBool && !isJinja(q) {
				return "quote must be true or false, got " + describe(q), ""
			}
		}
	case "relationships":
		for _, k := range []string{"to", "field"} {
			v, ok := args[k]
			if !ok {
				return fmt.Sprintf("relationships needs %s: (to: \"ref('parent_model')\", field: parent_column)", k), ""
			}
			if s, isString := v.(string); !isString || strings.TrimSpace(s) == "" {
				return fmt.Sprintf("%s must be a string, got %s", k, describe(v)), ""
			}
		}
	}
	return "", ""
}

// testType is the first part of a synthesized name: the test's name,
// prefixed with source_ on a source and with the namespace if any.
func (s Spec) testType(testName, namespace string) string {
	t := testName
	if s.ResourceType == "source" {
		t = "source_" + t
	}
	if namespace != "" {
		t = namespace + "_" + t
	}
	return t
}

// target is the second part of a synthesized name: the node's name, or
// <source>_<table> for a source.
func (s Spec) target() string {
	if s.ResourceType == "source" {
		return s.SourceName + "_" + s.Name
	}
	return s.Name
}

// modelString is the model argument dbt records for the test, which goes
// into the hash of its unique id.
func (s Spec) modelString() string {
	if s.ResourceType == "source" {
		return "{{ get_where_subquery(source('" + s.SourceName + "', '" + s.Name + "')) }}"
	}
	return "{{ get_where_subquery(ref('" + s.Name + "')) }}"
}

// isJinja reports whether v is a string with Jinja in it.
func isJinja(v any) bool {
	s, ok := v.(string)
	return ok && (strings.Contains(s, "{{") || strings.Contains(s, "{%") || strings.Contains(s, "{#"))
}

func hasJinja(m map[string]any) bool {
	for _, v := range m {
		if isJinja(v) {
			return true
		}
	}
	return false
}

func withoutJinja(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if !isJinja(v) {
			out[k] = v
		}
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
