package selector

import "github.com/kiln-dev/kiln/dag"

// evaluator computes the nodes chosen by terms over one project.
type evaluator struct {
	nodes []Node
	g     *dag.Graph[string]
	known set
}

// term returns the intersection of the criteria of t.
func (e *evaluator) term(t term) set {
	out := e.criterion(t[0])
	for _, c := range t[1:] {
		next := e.criterion(c)
		for id := range out {
			if _, ok := next[id]; !ok {
				delete(out, id)
			}
		}
	}
	return out
}

// criterion returns the nodes c matches plus those its graph operators add.
func (e *evaluator) criterion(c criterion) set {
	matched := set{}
	for i := range e.nodes {
		if c.matches(&e.nodes[i]) {
			matched[e.nodes[i].ID] = struct{}{}
		}
	}
	if e.g == nil {
		return matched
	}
	out := matched.clone()
	out.addAll(e.reach(matched, e.g.Dependencies, c.parents))
	out.addAll(e.reach(matched, e.g.Dependents, c.children))
	if c.at {
		all := e.reach(matched, e.g.Dependents, -1)
		all.addAll(matched)
		out.addAll(all)
		out.addAll(e.reach(all, e.g.Dependencies, -1))
	}
	return out
}

// reach returns the nodes reachable from start along next within depth
// steps (-1: any number, 0: none), breadth-first so that each node is
// reached at its shortest distance.
func (e *evaluator) reach(start set, next func(string) []string, depth int) set {
	out := set{}
	frontier := make([]string, 0, len(start))
	for id := range start {
		if e.g.Has(id) {
			frontier = append(frontier, id)
		}
	}
	seen := start.clone()
	for step := 0; len(frontier) > 0 && (depth < 0 || step < depth); step++ {
		var following []string
		for _, id := range frontier {
			for _, n := range next(id) {
				if _, ok := seen[n]; !ok {
					seen[n] = struct{}{}
					out[n] = struct{}{}
					following = append(following, n)
				}
			}
		}
		frontier = following
	}
	return out
}
