package testgen

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxNameLen is the length from which dbt shortens a synthesized name: a
// name of 64 characters or more becomes its first 30 identifying
// characters, "_" and the MD5 of the full name, which fits PostgreSQL's 63.
const (
	maxNameLen   = 64
	keptIdentLen = 30
	uniqueIDHash = 10 // hex digits of the hash at the end of a unique id
)

// synthesizeNames names a generic test the way dbt does: the test's type
// ("not_null", "source_unique", "dbt_utils_expression_is_true"), the name
// of the node it is attached to, then every argument but model, sorted by
// argument name, flattened (a list gives its items, a mapping its values),
// each printed as Python's str() would, with every run of characters other
// than ASCII letters, digits and "_" replaced by one "_", joined by "__".
// It returns the full name, used in the unique id, and the short one, at
// most 63 characters, used as the alias.
func synthesizeNames(testType, target string, args map[string]any) (short, full string) {
	var parts []string
	for _, k := range sortedKeys(args) {
		if k == "model" {
			continue
		}
		switch v := args[k].(type) {
		case map[string]any:
			for _, kk := range sortedKeys(v) {
				parts = append(parts, pyStr(v[kk]))
			}
		case []any:
			for _, item := range v {
				parts = append(parts, pyStr(item))
			}
		default:
			parts = append(parts, pyStr(v))
		}
	}
	for i, p := range parts {
		parts[i] = cleanArg(p)
	}
	ident := testType + "_" + target
	full = ident + "_" + strings.Join(parts, "__")
	if utf8.RuneCountInString(full) < maxNameLen {
		return full, full
	}
	sum := md5.Sum([]byte(full))
	return firstRunes(ident, keptIdentLen) + "_" + hex.EncodeToString(sum[:]), full
}

// cleanArg replaces every run of characters other than ASCII letters,
// digits and "_" with one "_".
func cleanArg(s string) string {
	var b strings.Builder
	inRun := false
	for _, r := range s {
		if r < utf8.RuneSelf && (r == '_' || '0' <= r && r <= '9' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') {
			b.WriteRune(r)
			inRun = false
			continue
		}
		if !inRun {
			b.WriteByte('_')
			inRun = true
		}
	}
	return b.String()
}

func firstRunes(s string, n int) string {
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// uniqueID is dbt's unique id of a generic test:
// test.<package>.<name>.<hash>, where the hash is the last 10 hex digits of
// the MD5 of the name followed by the Python repr of the test's metadata
// (its namespace, its name and its arguments, model included), every
// mapping sorted by key and every leaf turned into a string first.
func uniqueID(pkg, name, testName, namespace string, kwargs map[string]any) string {
	var ns any
	if namespace != "" {
		ns = namespace
	}
	md := map[string]any{"kwargs": kwargs, "name": testName, "namespace": ns}
	sum := md5.Sum([]byte(name + pyRepr(hashable(md))))
	h := hex.EncodeToString(sum[:])
	return "test." + pkg + "." + name + "." + h[len(h)-uniqueIDHash:]
}

// hashable turns every leaf of v into its Python str(), keeping lists and
// mappings, as dbt does before hashing.
func hashable(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = hashable(x)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = hashable(x)
		}
		return out
	default:
		return pyStr(v)
	}
}

// pyStr is Python's str() of a value decoded from YAML.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

// pyRepr is Python's repr() of a value decoded from YAML. Mappings are
// printed sorted by key: the order they were written in is not known here.
func pyRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return pyQuote(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return pyFloat(v)
	case []any:
		items := make([]string, len(v))
		for i, x := range v {
			items[i] = pyRepr(x)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case map[string]any:
		items := make([]string, 0, len(v))
		for _, k := range sortedKeys(v) {
			items = append(items, pyQuote(k)+": "+pyRepr(v[k]))
		}
		return "{" + strings.Join(items, ", ") + "}"
	default:
		return fmt.Sprint(v)
	}
}

// pyQuote is Python's repr() of a str: single quotes unless the text has a
// single quote and no double quote, backslash escapes for the quote, the
// backslash and unprintable characters.
func pyQuote(s string) string {
	q := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

// pyFloat is Python's repr() of a float: the shortest text that reads
// back, with ".0" on whole numbers, and an exponent below 1e-4 and from
// 1e16.
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±xx
	mant, expText, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expText)
	if exp < -4 || exp >= 16 {
		sign := "+"
		if exp < 0 {
			sign, exp = "-", -exp
		}
		return fmt.Sprintf("%se%s%02d", mant, sign, exp)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsRune(s, '.') {
		s += ".0"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
