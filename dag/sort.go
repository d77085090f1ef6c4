package dag

// Sort returns every node in topological order: each node after all of its
// dependencies, ties broken by key order. When g has cycles it returns nil
// and a *CycleError listing all of them.
func (g *Graph[K]) Sort() ([]K, error) {
	if cycles := g.Cycles(); len(cycles) > 0 {
		return nil, &CycleError[K]{Cycles: cycles}
	}
	pending := make(map[K]int, len(g.deps))
	var ready minHeap[K]
	for k, deps := range g.deps {
		pending[k] = len(deps)
		if len(deps) == 0 {
			ready.push(k)
		}
	}
	order := make([]K, 0, len(g.deps))
	for ready.len() > 0 {
		k := ready.pop()
		order = append(order, k)
		for d := range g.dependents[k] {
			pending[d]--
			if pending[d] == 0 {
				ready.push(d)
			}
		}
	}
	return order, nil
}
