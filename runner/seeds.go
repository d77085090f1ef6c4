package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

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
// atomically. A malformed file, or a value the warehouse refuses, fails
// this seed with file, line and column, and leaves the old table. A
// warehouse that takes rows as text gets them straight from the file as it
// loads them; another gets them converted.
func (x *execution) loadSeed(ctx context.Context, n *Node, catalog warehouse.Catalog) (NodeResult, error) {
	nr := NodeResult{RowsAffected: -1}
	t, err := n.Seed.ReadTable(os.DirFS(x.compiled.projectDir))
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
	var rowErr *warehouse.SeedRowError
	if errors.As(err, &rowErr) {
		return nr, seedRowError(n, t, rowErr)
	}
	if err != nil {
		return nr, err
	}
	nr.Status, nr.RowsAffected = Success, br.RowsAffected
	nr.Message = fmt.Sprintf("INSERT %d", br.RowsAffected)
	return nr, nil
}

// seedRowError names the line and the column of the file where the value
// of a row that the warehouse refused is: the warehouse counts the rows it
// was given, which the header, blank lines and quoted fields spanning
// lines set apart from the file's lines.
func seedRowError(n *Node, t *seed.Table, e *warehouse.SeedRowError) error {
	c := slices.IndexFunc(t.Columns, func(c warehouse.Column) bool { return c.Name == e.Column })
	line, col := t.Position(e.Row, c)
	if line == 0 {
		return e // not a row of the file: cannot happen
	}
	msg := e.Message
	if e.Column != "" {
		msg = fmt.Sprintf("column %q: %s", e.Column, msg)
	}
	d := diag.Errorf(n.Seed.Path, line, "%s", msg)
	d.Col, d.Node = col, n.ID
	return d
}
