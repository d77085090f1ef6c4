package project

import (
	"strconv"

	"gopkg.in/yaml.v3"
)

// renderValues renders, in place, every string value below n that holds
// Jinja, unless skip says its key path (mapping keys from the file's root,
// list positions left out) is rendered later or never, as dbt does for
// hooks, descriptions and tests. Rendered values get a native type the
// way dbt's native rendering does: "5432" becomes a number, "True" a bool.
func (l *loader) renderValues(file string, n *yaml.Node, keypath []string, skip func([]string) bool) {
	n = deref(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			kp := append(keypath[:len(keypath):len(keypath)], n.Content[i].Value)
			if skip(kp) {
				continue
			}
			l.renderValues(file, n.Content[i+1], kp, skip)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			l.renderValues(file, c, keypath, skip)
		}
	case yaml.ScalarNode:
		if n.ShortTag() != "!!str" || !needsRender(n.Value) {
			return
		}
		out, d := l.r.render(file, n.Line, n.Value)
		if d != nil {
			l.diags = append(l.diags, d)
			return
		}
		setNative(n, out)
	}
}

// setNative stores a rendered string in a scalar node with the type Jinja's
// native rendering would give it.
func setNative(n *yaml.Node, s string) {
	n.Style = 0
	n.Value = s
	n.Tag = "!!str"
	switch {
	case s == "True" || s == "true":
		n.Tag, n.Value = "!!bool", "true"
	case s == "False" || s == "false":
		n.Tag, n.Value = "!!bool", "false"
	case s == "None":
		n.Tag, n.Value = "!!null", ""
	default:
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			n.Tag = "!!int"
		} else if _, err := strconv.ParseFloat(s, 64); err == nil && s != "" && (s[0] == '-' || s[0] == '.' || s[0] >= '0' && s[0] <= '9') {
			n.Tag = "!!float"
		}
	}
	if n.Tag == "!!str" {
		n.Style = yaml.DoubleQuotedStyle
	}
}
