package runner

import (
	"context"
	"fmt"
	"os"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Seed loads the selected seeds.
func (e *Engine) Seed(ctx context.Context, opts Options) (*RunResult, error) {
	return e.execute(ctx, opts, "seed")
}

// addSeeds makes a node of every enabled seed, before models are rendered,
// so that ref('a_seed') resolves and orders the graph.
func (c *Compiled) addSeeds() {
	for _, s := range c.Project.Seeds {
		if !s.Config.Enabled() {
			continue
		}
		id := SeedID(c.Project.Name, s.Name)
		c.Nodes[id] = &Node{
			ID:       id,
			Kind:     KindSeed,
			Name:     s.Name,
			Path:     s.Path,
			FQN:      s.FQN,
			Seed:     s,
			Config:   s.Config,
			Relation: relationFor(c.Target, s.Name, s.Config),
		}
	}
}

// loadSeed reads and parses the CSV file, then replaces the seed's table
// atomically. A malformed file fails this seed with file, line and column,
// and leaves the old table.
func (x *execution) loadSeed(ctx context.Context, n *Node, catalog warehouse.Catalog) (NodeResult, error) {
	nr := NodeResult{RowsAffected: -1}
	t, err := n.Seed.ReadTable(os.DirFS(x.compiled.projectDir))
	if err != nil {
		return nr, err
	}
	for _, w := range t.Warnings {
		x.engine.emit(Warned{Diagnostic: w})
	}
	br, err := x.wh.LoadSeed(ctx, warehouse.Seed{
		NodeID:       n.ID,
		InvocationID: x.invocation,
		Relation:     n.Relation,
		Columns:      t.Columns,
		Rows:         t.Rows,
		Existing:     catalog.Lookup(n.Relation),
		FullRefresh:  x.fullRefresh,
		Options:      n.warehouseOptions(x.lockWait),
	})
	x.runFiles.add(x.compiled, n, br.Statements)
	if err != nil {
		return nr, err
	}
	nr.Status, nr.RowsAffected = Success, br.RowsAffected
	nr.Message = fmt.Sprintf("INSERT %d", br.RowsAffected)
	return nr, nil
}
