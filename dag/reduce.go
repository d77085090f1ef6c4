package dag

// Reduce returns the subgraph of the nodes keep accepts, in which a kept
// node depends on every kept node it reached in g through nodes that were
// dropped. Selecting a and c out of c -> b -> a thus still runs a before c,
// which Subgraph (an induced subgraph) would not. The graph must be acyclic.
func (g *Graph[K]) Reduce(keep func(K) bool) *Graph[K] {
	out := New[K]()
	// memo holds, for each dropped node, the kept nodes reachable from it
	// through dropped nodes only.
	memo := map[K][]K{}
	var through func(k K) []K
	through = func(k K) []K {
		if r, ok := memo[k]; ok {
			return r
		}
		memo[k] = nil // guards against cycles
		seen := set[K]{}
		var r []K
		for d := range g.deps[k] {
			for _, x := range keptFrom(d, keep, through) {
				if _, ok := seen[x]; !ok {
					seen[x] = struct{}{}
					r = append(r, x)
				}
			}
		}
		memo[k] = r
		return r
	}
	for k := range g.deps {
		if !keep(k) {
			continue
		}
		out.Add(k)
		for d := range g.deps[k] {
			for _, x := range keptFrom(d, keep, through) {
				out.Connect(k, x)
			}
		}
	}
	return out
}

func keptFrom[K comparable](d K, keep func(K) bool, through func(K) []K) []K {
	if keep(d) {
		return []K{d}
	}
	return through(d)
}
