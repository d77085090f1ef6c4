package runner

import (
	"context"
	"maps"
	"path"
	"runtime"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// renderAll renders models concurrently. The first pass renders every
// enabled model with provisional relations (from the configs known before
// rendering), records refs and config() calls, and creates the nodes. The
// final pass re-renders only the selected nodes whose first render was handed
// a relation that has since changed (a config() call set schema or alias),
// so that compiled SQL always names final relations.
func (c *Compiled) renderAll(ctx context.Context, e *Engine, final bool) error {
	var models []*project.Model
	if final {
		for _, id := range c.Selected {
			n := c.Nodes[id]
			if n.Kind != KindModel {
				continue
			}
			if n.Incremental || c.needsRerender(n) {
				models = append(models, n.Model)
			} else {
				n.SQL = n.result.SQL
			}
		}
	} else {
		for _, m := range c.Project.Models {
			if m.Config.Enabled() {
				models = append(models, m)
			}
		}
	}
	provisional := c.provisionalRelations()
	results := make([]jinja.Result, len(models))
	handed := make([]map[string]warehouse.Relation, len(models))
	read := make([]*inputs, len(models))
	var mu sync.Mutex
	var errs diag.List
	// A few workers take the models in turn: a goroutine per model would
	// grow a new stack for each of gonja's deep parses.
	var next atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	for range min(runtime.GOMAXPROCS(0), len(models)) {
		g.Go(func() error {
			for i := int(next.Add(1) - 1); i < len(models); i = int(next.Add(1) - 1) {
				if gctx.Err() != nil {
					return gctx.Err()
				}
				res, got, in, ok := c.cachedResult(e, models[i], provisional, final)
				var err error
				if !ok {
					res, got, in, err = c.render(e, models[i], provisional, final)
				}
				if err != nil {
					mu.Lock()
					errs.Add(err)
					mu.Unlock()
					continue
				}
				results[i], handed[i], read[i] = res, got, in
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := errs.Err(); err != nil {
		return err
	}
	for i, m := range models {
		id := NodeID(c.Project.Name, m.Name)
		if final {
			c.Nodes[id].SQL = results[i].SQL
			continue
		}
		c.Nodes[id] = &Node{
			ID:           id,
			Kind:         KindModel,
			Name:         m.Name,
			Path:         m.Path,
			FQN:          m.FQN,
			Model:        m,
			CompiledPath: path.Join(c.Project.TargetPath, "compiled", c.Project.Name, m.Path),
			handed:       handed[i],
			result:       results[i],
			inputs:       read[i],
		}
	}
	return nil
}

// render renders one model. In the first pass ref() hands out provisional
// relations and never fails, so that unknown refs are reported later, all
// together, with their lines; in the final pass it hands out final ones.
func (c *Compiled) render(e *Engine, m *project.Model, provisional map[string]warehouse.Relation, final bool) (jinja.Result, map[string]warehouse.Relation, *inputs, error) {
	id := NodeID(c.Project.Name, m.Name)
	handed := map[string]warehouse.Relation{}
	read := newInputs()
	relationOf := func(name string) warehouse.Relation {
		if final {
			if n, ok := c.Nodes[c.refID(name)]; ok {
				return n.Relation
			}
		}
		return c.provisionalRelation(provisional, name)
	}
	this := relationOf(m.Name)
	handed[m.Name] = this
	ctx := jinja.Context{
		Node: id,
		Ref: func(name string) (warehouse.Relation, error) {
			r := relationOf(name)
			handed[name] = r
			return r, nil
		},
		Source: func(src, table string) (warehouse.Relation, error) {
			return c.sourceRelation(src, table), nil
		},
		Var: func(name string) (any, bool) {
			v, ok := c.lookupVar(name)
			read.readVar(name, v)
			return v, ok
		},
		EnvVar: func(name string) (string, bool) {
			v, ok := e.lookupEnv(name)
			read.readEnv(name, v)
			return v, ok
		},
		This:    &this,
		Target:  c.targetContext(),
		Execute: true,
	}
	if final {
		ctx.IsIncremental = c.Nodes[id].Incremental
	}
	res, err := c.env.Render(jinja.File{Path: m.Path, Source: m.Source}, ctx)
	if err == nil && !final {
		c.readLiterals(e, m.Source, read)
	}
	return res, handed, read, err
}

// readLiterals adds to read the vars and environment variables src names
// literally that the render did not read, such as those of a branch it did
// not take (literal_reads.go).
func (c *Compiled) readLiterals(e *Engine, src string, read *inputs) {
	vars, env := literalReads(src)
	for _, name := range vars {
		if _, seen := read.vars[name]; !seen {
			v, _ := c.lookupVar(name)
			read.readVar(name, v)
		}
	}
	for _, name := range env {
		if _, seen := read.env[name]; !seen {
			v, _ := e.lookupEnv(name)
			read.readEnv(name, v)
		}
	}
}

// needsRerender reports whether the first render of n used a relation that
// is not final.
func (c *Compiled) needsRerender(n *Node) bool {
	for name, r := range n.handed {
		dep, ok := c.Nodes[c.refID(name)]
		if ok && dep.Relation != r {
			return true
		}
	}
	return false
}

func (c *Compiled) provisionalRelations() map[string]warehouse.Relation {
	out := make(map[string]warehouse.Relation, len(c.Project.Models))
	for _, m := range c.Project.Models {
		out[m.Name] = relationFor(c.Target, m.Name, m.Config)
	}
	for _, n := range c.Nodes {
		if n.Kind == KindSeed {
			out[n.Name] = n.Relation
		}
	}
	return out
}

func (c *Compiled) lookupVar(name string) (any, bool) {
	v, ok := c.Vars[name]
	return v, ok
}

// targetContext is the template's target: the profile target after
// --threads is applied, without its password. Each render gets a copy of
// the map made once by load, as a template could change it.
func (c *Compiled) targetContext() map[string]any {
	if c.targetMap == nil {
		return c.Target.Map()
	}
	return maps.Clone(c.targetMap)
}
