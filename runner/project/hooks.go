package project

import (
	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/runner/diag"
)

// Hook is one on-run-start or on-run-end statement of dbt_project.yml, kept
// unrendered: it is rendered when it runs.
type Hook struct {
	SQL  string
	Line int
}

// runHooks reads on-run-start or on-run-end: a string or a list of strings.
func (l *loader) runHooks(keys map[string]pair, key string) []Hook {
	p, ok := keys[key]
	if !ok || isNull(p.Value) {
		return nil
	}
	if s, ok := stringValue(p.Value); ok {
		return []Hook{{SQL: s, Line: p.Line}}
	}
	n := deref(p.Value)
	var out []Hook
	if n != nil && n.Kind == yaml.SequenceNode {
		for _, item := range n.Content {
			s, ok := stringValue(item)
			if !ok {
				l.diags = append(l.diags, diag.Errorf(projectFile, item.Line, "%s entries must be SQL strings, got %s", key, kindName(item)))
				continue
			}
			out = append(out, Hook{SQL: s, Line: item.Line})
		}
		return out
	}
	l.diags = append(l.diags, diag.Errorf(projectFile, p.Line, "%s must be a SQL string or a list of them, got %s", key, kindName(p.Value)))
	return nil
}
