package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/seed"
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

// loadSeed reads and checks the CSV file, then replaces the seed's table
// atomically. A malformed file fails this seed with file, line and column,
// and leaves the old table. A warehouse that takes rows as text gets them
// straight from the file as it loads them; another gets them converted.
func (x *execution) loadSeed(ctx context.Context, n *Node, catalog warehouse.Catalog) (NodeResult, error) {
	nr := NodeResult{RowsAffected: -1}
	data, err := fs.ReadFile(os.DirFS(x.compiled.projectDir), n.Seed.Path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nr, diag.Errorf(n.Seed.Path, 0, "cannot read: %v", err)
	}
	t, err := seed.Scan(n.Seed.Path, data, n.Seed.ParseOptions())
	if err != nil {
		return nr, err
	}
	for _, w := range t.Warnings {
		x.engine.emit(Warned{Diagnostic: w})
	}
	s := warehouse.Seed{
		NodeID:       n.ID,
		InvocationID: x.invocation,
		Relation:     n.Relation,
		Columns:      t.Columns,
		Existing:     catalog.Lookup(n.Relation),
		FullRefresh:  x.fullRefresh,
		Options:      n.warehouseOptions(x.lockWait),
	}
	var br warehouse.BuildResult
	if ts, ok := x.wh.(warehouse.TextSeeder); ok {
		br, err = ts.LoadSeedText(ctx, s, t.Text())
	} else {
		s.Rows = t.Values()
		br, err = x.wh.LoadSeed(ctx, s)
	}
	x.runFiles.add(x.compiled, n, br.Statements)
	if err != nil {
		return nr, err
	}
	nr.Status, nr.RowsAffected = Success, br.RowsAffected
	nr.Message = fmt.Sprintf("INSERT %d", br.RowsAffected)
	return nr, nil
}
