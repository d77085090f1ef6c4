package runner

import "github.com/kiln-dev/kiln/dag"

// forCommand narrows a selection to the kinds of node a command runs. Tests
// follow dbt's eager indirect selection: a test runs when it was selected
// itself or when any node it tests was.
func (c *Compiled) forCommand(command string, selected []string) []string {
	set := inSet(selected)
	var out []string
	for _, id := range selected {
		n := c.Nodes[id]
		switch command {
		case "run":
			if n.Kind == KindModel {
				out = append(out, id)
			}
		case "seed":
			if n.Kind == KindSeed {
				out = append(out, id)
			}
		case "test":
			// tests are added below
		default: // build, compile, ls, debug: every kind
			if n.Kind != KindTest {
				out = append(out, id)
			}
		}
	}
	if command == "test" || command == "build" || command == "compile" || command == "ls" || command == "" {
		for _, id := range c.Graph.Nodes() {
			n := c.Nodes[id]
			if n.Kind == KindTest && (set(id) || c.isTestOf(n, set)) {
				out = append(out, id)
			}
		}
	}
	return sortUnique(out)
}

func sortUnique(ids []string) []string {
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	return sortedNames(seen)
}

// gateOnTests makes build run a node's tests before anything downstream of
// it: every selected child of a tested node also depends on its tests, so
// a failing test skips them.
// A test with several parents (relationships) is not made a dependency of
// a node it already depends on, which would be a cycle.
func (c *Compiled) gateOnTests(g *dag.Graph[string]) {
	for _, id := range g.Nodes() {
		t := c.Nodes[id]
		if t.Kind != KindTest || t.test == nil || t.test.attached == "" || !g.Has(t.test.attached) {
			continue
		}
		var ancestors func(string) bool
		if len(g.Dependencies(id)) > 1 {
			ancestors = inSet(g.Ancestors(id))
		}
		for _, child := range g.Dependents(t.test.attached) {
			if c.Nodes[child].Kind == KindTest || (ancestors != nil && ancestors(child)) {
				continue
			}
			g.Connect(child, id)
		}
	}
}
