package runner

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/runner/diag"
)

const selectorsFile = "selectors.yml"

// namedSelector reads the selector called name from selectors.yml and
// turns its definition into --select and --exclude arguments. Definitions
// may be a selector string, a {method, value, parents, children} mapping,
// or a union/intersection of those with exclude, as dbt documents.
func namedSelector(fsys fs.FS, name string) (selects, excludes []string, err error) {
	data, err := fs.ReadFile(fsys, selectorsFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, &diag.Diagnostic{File: selectorsFile, Message: "--selector " + name + ": there is no selectors.yml in the project"}
		}
		return nil, nil, err
	}
	var doc struct {
		Selectors []struct {
			Name       string    `yaml:"name"`
			Definition yaml.Node `yaml:"definition"`
		} `yaml:"selectors"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, nil, &diag.Diagnostic{File: selectorsFile, Message: err.Error()}
	}
	var names []string
	for _, s := range doc.Selectors {
		names = append(names, s.Name)
		if s.Name != name {
			continue
		}
		d := definition{}
		if err := d.add(&s.Definition, false); err != nil {
			return nil, nil, &diag.Diagnostic{File: selectorsFile, Line: s.Definition.Line, Message: "selector " + name + ": " + err.Error()}
		}
		return d.selects, d.excludes, nil
	}
	return nil, nil, &diag.Diagnostic{File: selectorsFile, Message: "no selector named '" + name + "'", Hint: diag.Suggest(name, names)}
}

type definition struct{ selects, excludes []string }

// add adds one definition node, to the excludes when exclude is set.
func (d *definition) add(n *yaml.Node, exclude bool) error {
	put := func(s string) {
		if exclude {
			d.excludes = append(d.excludes, s)
		} else {
			d.selects = append(d.selects, s)
		}
	}
	switch n.Kind {
	case yaml.ScalarNode:
		put(n.Value)
		return nil
	case yaml.MappingNode:
		var m map[string]yaml.Node
		if err := n.Decode(&m); err != nil {
			return err
		}
		if u, ok := m["union"]; ok {
			return d.each(&u, exclude)
		}
		if i, ok := m["intersection"]; ok {
			parts, err := simpleParts(&i)
			if err != nil {
				return err
			}
			put(strings.Join(parts, ","))
			return nil
		}
		if e, ok := m["exclude"]; ok {
			return d.each(&e, !exclude)
		}
		s, err := methodSelector(n)
		if err != nil {
			return err
		}
		put(s)
		return nil
	}
	return fmt.Errorf("line %d: a definition is a string, or a mapping with method/value, union or intersection", n.Line)
}

func (d *definition) each(list *yaml.Node, exclude bool) error {
	if list.Kind != yaml.SequenceNode {
		return fmt.Errorf("line %d: expected a list", list.Line)
	}
	for _, item := range list.Content {
		if err := d.add(item, exclude); err != nil {
			return err
		}
	}
	return nil
}

// simpleParts reads the members of an intersection: strings or
// method/value mappings.
func simpleParts(list *yaml.Node) ([]string, error) {
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("line %d: intersection expects a list", list.Line)
	}
	var out []string
	for _, item := range list.Content {
		if item.Kind == yaml.ScalarNode {
			out = append(out, item.Value)
			continue
		}
		s, err := methodSelector(item)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// methodSelector turns {method: tag, value: daily, parents: true} into
// "+tag:daily".
func methodSelector(n *yaml.Node) (string, error) {
	var m struct {
		Method   string `yaml:"method"`
		Value    string `yaml:"value"`
		Parents  bool   `yaml:"parents"`
		Children bool   `yaml:"children"`
	}
	if err := n.Decode(&m); err != nil {
		return "", err
	}
	if m.Method == "" || m.Value == "" {
		return "", fmt.Errorf("line %d: a mapping needs method: and value:", n.Line)
	}
	s := m.Method + ":" + m.Value
	if m.Parents {
		s = "+" + s
	}
	if m.Children {
		s += "+"
	}
	return s, nil
}
