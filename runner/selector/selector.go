// Package selector implements dbt's node selection syntax (--select and
// --exclude) over a list of nodes and their dependency graph.
//
// One argument is a union of whitespace-separated terms; a term is an
// intersection of comma-separated criteria. A criterion is
//
//	[@][N+]method:value[+N]    or    [@][N+]value[+N]
//
// where method is one of tag, path, file, fqn, package, resource_type or
// config.KEY (KEY may be dotted to reach nested config). A value without a
// method is a path when it contains a slash, a file when it ends in .sql,
// .py or .csv, and an fqn otherwise, as in dbt. "+" before the value adds
// ancestors, after it descendants, with an optional depth; "@" adds the
// descendants and every ancestor of those descendants. Values of tag, fqn,
// file, path and package are shell globs (path.Match).
package selector

import (
	"slices"

	"github.com/kiln-dev/kiln/dag"
)

// Node is what selection needs to know about one node of a project.
type Node struct {
	ID           string // unique id, also the node's key in the graph
	Name         string
	ResourceType string // model, seed, snapshot, ...
	Path         string // file path relative to the project, slash-separated
	Package      string
	FQN          []string // [project, folders..., name]
	Tags         []string
	Config       map[string]any
	// State compares the node with a previous manifest (--state): "new",
	// "modified" or "unchanged"; "" when no state was given.
	State string
	// Result is the node's status in a previous run_results.json
	// ("success", "error", "skipped", "fail", "warn", "pass", ...).
	Result string
	// Sources lists the "<source>.<table>" names the node reads.
	Sources []string
}

// Selector is a parsed set of --select and --exclude arguments.
type Selector struct {
	include []term // union; empty means every node
	exclude []term // union
}

// term is an intersection of criteria.
type term []criterion

// Select returns the IDs of the nodes chosen by s, sorted: the union of the
// select arguments (every node when there are none) minus the union of the
// exclude arguments. The graph operators follow g, whose nodes are node IDs
// and whose edges go from a dependent to its dependency; g may be nil when
// no operator is used. IDs reached through g that are not among nodes are
// not returned. Selecting nothing is not an error.
func (s *Selector) Select(nodes []Node, g *dag.Graph[string]) []string {
	if len(s.include) == 0 && len(s.exclude) == 0 {
		return allIDs(nodes)
	}
	e := evaluator{nodes: nodes, g: g, known: make(set, len(nodes))}
	for _, n := range nodes {
		e.known[n.ID] = struct{}{}
	}
	chosen := set{}
	if len(s.include) == 0 {
		chosen = e.known.clone()
	}
	for _, t := range s.include {
		chosen.addAll(e.term(t))
	}
	for _, t := range s.exclude {
		for id := range e.term(t) {
			delete(chosen, id)
		}
	}
	ids := make([]string, 0, len(chosen))
	for id := range chosen {
		if _, ok := e.known[id]; ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// allIDs is what Select returns without arguments: every ID, sorted, once.
// Callers often pass nodes in ID order already, which saves the sort.
func allIDs(nodes []Node) []string {
	ids := make([]string, len(nodes))
	for i := range nodes {
		ids[i] = nodes[i].ID
	}
	if !slices.IsSorted(ids) {
		slices.Sort(ids)
	}
	return slices.Compact(ids)
}

type set map[string]struct{}

func (s set) addAll(o set) {
	for k := range o {
		s[k] = struct{}{}
	}
}

func (s set) clone() set {
	c := make(set, len(s))
	c.addAll(s)
	return c
}
