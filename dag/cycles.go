package dag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// CycleError is returned by Sort when the graph has cycles. Each cycle is
// listed as by Graph.Cycles.
type CycleError[K cmp.Ordered] struct {
	Cycles [][]K
}

// Error lists every cycle as "a -> b -> c -> a", separated by "; ".
func (e *CycleError[K]) Error() string {
	var b strings.Builder
	if len(e.Cycles) == 1 {
		b.WriteString("dependency cycle: ")
	} else {
		fmt.Fprintf(&b, "%d dependency cycles: ", len(e.Cycles))
	}
	for i, c := range e.Cycles {
		if i > 0 {
			b.WriteString("; ")
		}
		for _, k := range c {
			fmt.Fprintf(&b, "%v -> ", k)
		}
		if len(c) > 0 {
			fmt.Fprintf(&b, "%v", c[0])
		}
	}
	return b.String()
}

// Cycles reports the cycles of g: one cycle for each strongly connected
// component that has more than one node or a node depending on itself. A
// cycle [a b c] means a depends on b, b on c and c on a; it starts at the
// smallest node of its component and is a shortest cycle through that node.
// Cycles are sorted by their first node. Cycles returns nil when g is
// acyclic.
func (g *Graph[K]) Cycles() [][]K {
	var out [][]K
	for _, scc := range g.components() {
		out = append(out, g.cycleThrough(scc))
	}
	slices.SortFunc(out, func(a, b []K) int { return cmp.Compare(a[0], b[0]) })
	return out
}

// components returns the strongly connected components of g that contain a
// cycle (more than one node, or a self-loop), each sorted, found with
// Tarjan's algorithm over the nodes a topological sort leaves, and edges,
// in key order.
func (g *Graph[K]) components() [][]K {
	suspects := g.notSortable()
	if len(suspects) == 0 {
		return nil
	}
	t := tarjan[K]{g: g, index: map[K]int{}, low: map[K]int{}, onStack: set[K]{}}
	for _, k := range suspects {
		if _, seen := t.index[k]; !seen {
			t.visit(k)
		}
	}
	return t.out
}

// notSortable returns, sorted, the nodes that a topological sort cannot
// place: those on a cycle and those depending on one. Every node of a
// cycle is among them, so Tarjan's algorithm need only start from these;
// for an acyclic graph, the usual case, there are none, and no node's
// edges are sorted.
func (g *Graph[K]) notSortable() []K {
	pending := make(map[K]int, len(g.deps))
	var ready []K
	for k, deps := range g.deps {
		if len(deps) == 0 {
			ready = append(ready, k)
		} else {
			pending[k] = len(deps)
		}
	}
	for len(ready) > 0 {
		k := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		for d := range g.dependents[k] {
			pending[d]--
			if pending[d] == 0 {
				delete(pending, d)
				ready = append(ready, d)
			}
		}
	}
	if len(pending) == 0 {
		return nil
	}
	out := make([]K, 0, len(pending))
	for k := range pending {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

type tarjan[K cmp.Ordered] struct {
	g       *Graph[K]
	next    int
	index   map[K]int
	low     map[K]int
	stack   []K
	onStack set[K]
	out     [][]K
}

func (t *tarjan[K]) visit(v K) {
	t.index[v], t.low[v] = t.next, t.next
	t.next++
	t.stack = append(t.stack, v)
	t.onStack[v] = struct{}{}
	for _, w := range t.g.Dependencies(v) {
		if _, seen := t.index[w]; !seen {
			t.visit(w)
			t.low[v] = min(t.low[v], t.low[w])
		} else if _, on := t.onStack[w]; on {
			t.low[v] = min(t.low[v], t.index[w])
		}
	}
	if t.low[v] != t.index[v] {
		return
	}
	var scc []K
	for {
		w := t.stack[len(t.stack)-1]
		t.stack = t.stack[:len(t.stack)-1]
		delete(t.onStack, w)
		scc = append(scc, w)
		if w == v {
			break
		}
	}
	if _, self := t.g.deps[v][v]; len(scc) > 1 || self {
		slices.Sort(scc)
		t.out = append(t.out, scc)
	}
}

// cycleThrough returns a shortest cycle through the smallest node of scc,
// staying inside scc, found breadth-first with edges in key order.
func (g *Graph[K]) cycleThrough(scc []K) []K {
	start := scc[0]
	inside := set[K]{}
	for _, k := range scc {
		inside[k] = struct{}{}
	}
	parent := map[K]K{}
	queue := []K{start}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, d := range g.Dependencies(n) {
			if d == start {
				var path []K
				for k := n; k != start; k = parent[k] {
					path = append(path, k)
				}
				path = append(path, start)
				slices.Reverse(path)
				return path
			}
			if _, in := inside[d]; !in {
				continue
			}
			if _, seen := parent[d]; !seen {
				parent[d] = n
				queue = append(queue, d)
			}
		}
	}
	return scc // unreachable for a strongly connected component
}
