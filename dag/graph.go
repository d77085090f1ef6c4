// Package dag is a generic directed acyclic graph of dependencies: nodes,
// edges from a dependent to its dependencies, ancestors and descendants, a
// topological order, cycle reporting and a concurrent walk.
//
// An edge dependent -> dependency means the dependency comes first: it is
// sorted before its dependents and run before them by Walk. Ancestors are
// the transitive dependencies of a node, descendants its transitive
// dependents.
//
// A Graph is not safe for concurrent mutation; any number of goroutines may
// read it (including Walk) while nobody modifies it.
package dag

import (
	"cmp"
	"maps"
	"slices"
)

// Graph is a set of nodes of key type K and dependency edges between them.
// The zero value is an empty graph ready to use.
type Graph[K cmp.Ordered] struct {
	deps       map[K]set[K] // node -> its direct dependencies; every node has an entry
	dependents map[K]set[K] // node -> its direct dependents; every node has an entry
}

// set is a set of nodes. The edge sets of a node without edges are nil,
// so that a large graph of few edges does not hold two empty maps a node.
type set[K comparable] map[K]struct{}

// New returns an empty graph.
func New[K cmp.Ordered]() *Graph[K] {
	return &Graph[K]{deps: map[K]set[K]{}, dependents: map[K]set[K]{}}
}

// Add adds the node k; adding an existing node does nothing.
func (g *Graph[K]) Add(k K) {
	if g.deps == nil {
		g.deps, g.dependents = map[K]set[K]{}, map[K]set[K]{}
	}
	if _, ok := g.deps[k]; !ok {
		g.deps[k] = nil
		g.dependents[k] = nil
	}
}

// Connect records that dependent depends on dependency, so dependency comes
// first. Both nodes are added if missing. A node connected to itself forms a
// cycle.
func (g *Graph[K]) Connect(dependent, dependency K) {
	g.Add(dependent)
	g.Add(dependency)
	if g.deps[dependent] == nil {
		g.deps[dependent] = set[K]{}
	}
	if g.dependents[dependency] == nil {
		g.dependents[dependency] = set[K]{}
	}
	g.deps[dependent][dependency] = struct{}{}
	g.dependents[dependency][dependent] = struct{}{}
}

// Has reports whether k is a node of g.
func (g *Graph[K]) Has(k K) bool {
	_, ok := g.deps[k]
	return ok
}

// Nodes returns every node, sorted.
func (g *Graph[K]) Nodes() []K {
	return slices.Sorted(maps.Keys(g.deps))
}

// Dependencies returns the direct dependencies of k, sorted; nil when k is
// not in g.
func (g *Graph[K]) Dependencies(k K) []K {
	return sorted(g.deps[k])
}

// Dependents returns the nodes that depend directly on k, sorted; nil when k
// is not in g.
func (g *Graph[K]) Dependents(k K) []K {
	return sorted(g.dependents[k])
}

// Ancestors returns every node k depends on, directly or not, sorted. k
// itself is left out even when it lies on a cycle.
func (g *Graph[K]) Ancestors(k K) []K {
	return reach(g.deps, k)
}

// Descendants returns every node that depends on k, directly or not, sorted.
// k itself is left out even when it lies on a cycle.
func (g *Graph[K]) Descendants(k K) []K {
	return reach(g.dependents, k)
}

// Subgraph returns the subgraph induced by the nodes for which keep returns
// true: those nodes and the edges between two of them. Edges through a node
// that is left out are dropped, not bridged.
func (g *Graph[K]) Subgraph(keep func(K) bool) *Graph[K] {
	sub := New[K]()
	for k := range g.deps {
		if keep(k) {
			sub.Add(k)
		}
	}
	for k := range sub.deps {
		for d := range g.deps[k] {
			if sub.Has(d) {
				sub.Connect(k, d)
			}
		}
	}
	return sub
}

// reach returns the nodes reachable from k along edges, sorted, without k.
func reach[K cmp.Ordered](edges map[K]set[K], k K) []K {
	if _, ok := edges[k]; !ok {
		return nil
	}
	seen := set[K]{k: {}}
	stack := []K{k}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for m := range edges[n] {
			if _, ok := seen[m]; !ok {
				seen[m] = struct{}{}
				stack = append(stack, m)
			}
		}
	}
	delete(seen, k)
	return sorted(seen)
}

func sorted[K cmp.Ordered](s set[K]) []K {
	if len(s) == 0 {
		return nil
	}
	return slices.Sorted(maps.Keys(s))
}
