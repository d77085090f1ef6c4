package project

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
	"gopkg.in/yaml.v3"
)

// parseYAML parses one YAML document. It returns nil for an empty file. A
// syntax error becomes a diagnostic at the line yaml.v3 reports.
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		line, msg := splitYAMLError(err)
		return nil, diag.Errorf(file, line, "invalid YAML: %s", msg)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	root := deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	return root, nil
}

// splitYAMLError separates the "yaml: line N: " prefix that yaml.v3 puts on
// syntax errors; the library exposes the line in no other way.
func splitYAMLError(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return 0, msg
	}
	num, text, ok := strings.Cut(rest, ": ")
	n, convErr := strconv.Atoi(num)
	if !ok || convErr != nil {
		return 0, msg
	}
	return n, text
}

// deref follows alias nodes to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// pair is one key and its value in a mapping.
type pair struct {
	Key   string
	Line  int // line of the key
	Value *yaml.Node
}

// pairs lists a mapping's entries in file order, following aliases and
// expanding merge keys (<<: *anchor) the way YAML decoding does: explicit
// keys win over merged ones.
func pairs(n *yaml.Node) []pair {
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	var own, merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if k.ShortTag() == "!!merge" {
			var sources []*yaml.Node
			if v.Kind == yaml.SequenceNode {
				sources = v.Content
			} else {
				sources = []*yaml.Node{v}
			}
			for _, s := range sources {
				merged = append(merged, pairs(s)...)
			}
			continue
		}
		own = append(own, pair{Key: k.Value, Line: k.Line, Value: v})
	}
	if len(merged) == 0 {
		return own
	}
	seen := map[string]bool{}
	for _, p := range own {
		seen[p.Key] = true
	}
	out := own
	for _, p := range merged {
		if !seen[p.Key] {
			seen[p.Key] = true
			out = append(out, p)
		}
	}
	return out
}

// items lists a sequence's elements, following aliases. A null value gives
// no items.
func items(n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		out[i] = deref(c)
	}
	return out
}

// isNull reports whether n is absent or an explicit null.
func isNull(n *yaml.Node) bool {
	n = deref(n)
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// isMap reports whether n is a mapping.
func isMap(n *yaml.Node) bool {
	n = deref(n)
	return n != nil && n.Kind == yaml.MappingNode
}

// kindName describes a node's kind for error messages.
func kindName(n *yaml.Node) string {
	n = deref(n)
	switch {
	case n == nil:
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.ShortTag() == "!!null":
		return "null"
	default:
		return "'" + n.Value + "'"
	}
}

// value decodes n into plain Go values: map[string]any, []any, string,
// int, float64, bool or nil.
func value(n *yaml.Node) any {
	n = deref(n)
	if n == nil {
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return n.Value
	}
	return v
}

// stringValue reads a scalar as a string; ok is false for mappings, lists
// and null.
func stringValue(n *yaml.Node) (string, bool) {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", false
	}
	return n.Value, true
}

// stringList reads a string or a list of strings.
func stringList(n *yaml.Node) ([]string, bool) {
	n = deref(n)
	if s, ok := stringValue(n); ok {
		return []string{s}, true
	}
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range items(n) {
		s, ok := stringValue(c)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}
