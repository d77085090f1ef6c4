package selector

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
)

// criterion is one selector such as "2+tag:daily+".
type criterion struct {
	raw    string
	method string
	key    []string // config key path, for method "config"
	value  string

	parents  int  // ancestors depth: 0 none, -1 all
	children int  // descendants depth: 0 none, -1 all
	at       bool // "@": descendants and all their ancestors
}

// methods are the selector methods kiln knows, in the order hints list them.
var methods = []string{"config", "file", "fqn", "package", "path", "resource_type", "result", "source", "state", "tag"}

// globMethods take shell-glob values.
var globMethods = map[string]bool{"file": true, "fqn": true, "package": true, "path": true, "tag": true}

var methodName = regexp.MustCompile(`^[\w.]+$`)

// Parse parses --select and --exclude arguments. An error is a
// *diag.Diagnostic naming the first bad selector.
func Parse(selects, excludes []string) (*Selector, error) {
	var s Selector
	var err error
	if s.include, err = parseArgs(selects); err != nil {
		return nil, err
	}
	if s.exclude, err = parseArgs(excludes); err != nil {
		return nil, err
	}
	return &s, nil
}

// parseArgs parses arguments into one union of terms. Blank arguments add
// nothing.
func parseArgs(args []string) ([]term, error) {
	var terms []term
	for _, arg := range args {
		for _, field := range strings.Fields(arg) {
			var t term
			for _, raw := range strings.Split(field, ",") {
				if raw == "" {
					return nil, &diag.Diagnostic{Message: fmt.Sprintf("empty selector in '%s'", field)}
				}
				c, err := parseCriterion(raw)
				if err != nil {
					return nil, err
				}
				t = append(t, c)
			}
			terms = append(terms, t)
		}
	}
	return terms, nil
}

func parseCriterion(raw string) (criterion, error) {
	c := criterion{raw: raw}
	s := raw
	if rest, ok := strings.CutPrefix(s, "@"); ok {
		c.at, s = true, rest
	}
	if i := strings.IndexFunc(s, notDigit); i >= 0 && s[i] == '+' {
		c.parents, s = depth(s[:i]), s[i+1:]
	}
	if i := strings.LastIndexFunc(s, notDigit); i >= 0 && s[i] == '+' {
		c.children, s = depth(s[i+1:]), s[:i]
	}
	if c.at && c.parents != 0 {
		return c, &diag.Diagnostic{
			Message: fmt.Sprintf("selector '%s' combines '@' with a '+' prefix", raw),
			Hint:    "'@' already includes ancestors; drop the '+' prefix",
		}
	}
	if m, v, ok := strings.Cut(s, ":"); ok && methodName.MatchString(m) {
		parts := strings.Split(m, ".")
		c.method, c.key, c.value = parts[0], parts[1:], v
		if err := checkMethod(c); err != nil {
			return c, err
		}
	} else {
		c.method, c.value = defaultMethod(s), s
	}
	if c.value == "" {
		return c, &diag.Diagnostic{Message: fmt.Sprintf("missing value in selector '%s'", raw)}
	}
	if c.method == "path" {
		c.value = path.Clean(strings.ReplaceAll(c.value, `\`, "/"))
	}
	if globMethods[c.method] {
		if _, err := path.Match(c.value, ""); err != nil {
			return c, &diag.Diagnostic{
				Message: fmt.Sprintf("bad pattern in selector '%s'", raw),
				Hint:    "'*', '?' and '[...]' are wildcards; close every '['",
			}
		}
	}
	return c, nil
}

func checkMethod(c criterion) error {
	name := strings.Join(append([]string{c.method}, c.key...), ".")
	switch {
	case c.method == "config" && len(c.key) == 0:
		return &diag.Diagnostic{
			Message: fmt.Sprintf("selector method 'config' needs a key in '%s'", c.raw),
			Hint:    "e.g. config.materialized:table",
		}
	case c.method == "config":
		for _, k := range c.key {
			if k == "" {
				return &diag.Diagnostic{Message: fmt.Sprintf("empty config key in '%s'", c.raw)}
			}
		}
	case !slices.Contains(methods, c.method):
		return &diag.Diagnostic{
			Message: fmt.Sprintf("unknown selector method '%s' in '%s'", name, c.raw),
			Hint:    diag.Suggest(name, methods),
		}
	case len(c.key) > 0:
		return &diag.Diagnostic{Message: fmt.Sprintf("selector method '%s' takes no key in '%s'", c.method, c.raw)}
	case c.method == "state" && !slices.Contains(stateValues, c.value):
		return &diag.Diagnostic{
			Message: fmt.Sprintf("unknown state '%s' in '%s'", c.value, c.raw),
			Hint:    "use state:modified, state:new or state:unchanged, with --state DIR",
		}
	}
	return nil
}

// stateValues are the values of the state: method.
var stateValues = []string{"modified", "new", "unchanged"}

// defaultMethod picks the method of a value given without one, as dbt does.
func defaultMethod(v string) string {
	switch {
	case strings.ContainsAny(v, `/\`):
		return "path"
	case strings.HasSuffix(v, ".sql"), strings.HasSuffix(v, ".py"), strings.HasSuffix(v, ".csv"):
		return "file"
	}
	return "fqn"
}

// depth converts the digits next to a '+': none means unlimited.
func depth(digits string) int {
	if digits == "" {
		return -1
	}
	n, err := strconv.Atoi(digits)
	if err != nil { // too many digits: as good as unlimited
		return -1
	}
	return n
}

func notDigit(r rune) bool { return r < '0' || r > '9' }
