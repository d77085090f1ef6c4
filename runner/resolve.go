package runner

import (
	"sort"
	"strings"
	"sync"

	"github.com/kiln-dev/kiln/dag"
	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// resolve merges each model's config() into its config, drops models that
// disable themselves, fixes relations, checks refs and sources, and builds
// the graph. It reports every problem at once.
func (c *Compiled) resolve() error {
	// Each model's own part (final config, relation, checks, parents) is
	// worked out on a few goroutines; what joins the models (disabling,
	// relation owners, the graph) stays on this one, in id order, so that
	// errors come in the same order every time.
	var models []*Node
	for _, n := range c.Nodes {
		if n.Kind == KindModel {
			models = append(models, n)
		}
	}
	sort.Slice(models, func(i, j int) bool { return models[i].ID < models[j].ID })
	configErrs := make([]diag.List, len(models))
	parallel(len(models), func(i int) {
		n := models[i]
		n.Config = n.Model.Config.Merge(project.Config(n.result.Config))
		if len(n.result.Config) > 0 {
			for _, d := range project.CheckConfig(project.Config(n.result.Config), n.Path, n.result.ConfigLine) {
				d.Node = n.ID
				configErrs[i] = append(configErrs[i], d)
			}
		}
		if n.Config.Enabled() {
			n.Relation = relationFor(c.Target, n.Name, n.Config)
		}
	})
	var errs diag.List
	for i, n := range models {
		errs = append(errs, configErrs[i]...)
		if !n.Config.Enabled() {
			delete(c.Nodes, n.ID)
		}
	}
	ids := make([]string, 0, len(c.Nodes))
	for id := range c.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)

	// c.Nodes no longer changes: the models' parents can be found at once.
	problems := make([]diag.List, len(ids))
	names := sync.OnceValue(c.modelNames) // for hints
	parallel(len(ids), func(i int) {
		if n := c.Nodes[ids[i]]; n.Kind == KindModel {
			problems[i] = c.resolveModel(n, names)
		}
	})

	owner := map[warehouse.Relation]string{}
	g := dag.New[string]()
	for i, id := range ids {
		n := c.Nodes[id]
		g.Add(id)
		if prev, ok := owner[n.Relation.Key()]; ok {
			errs = append(errs, &diag.Diagnostic{File: n.Path, Node: id,
				Message: "models '" + c.Nodes[prev].Name + "' and '" + n.Name + "' both build " + n.Relation.Schema + "." + n.Relation.Name,
				Hint:    "give one of them another alias or schema"})
		}
		owner[n.Relation.Key()] = id
		errs = append(errs, problems[i]...)
		for _, dep := range n.DependsOn {
			g.Connect(id, dep)
		}
	}
	for _, cycle := range g.Cycles() {
		parts := make([]string, 0, len(cycle)+1)
		for _, id := range cycle {
			parts = append(parts, c.Nodes[id].Name)
		}
		parts = append(parts, parts[0])
		first := c.Nodes[cycle[0]]
		errs = append(errs, &diag.Diagnostic{File: first.Path, Node: first.ID,
			Message: "dependency cycle: " + strings.Join(parts, " -> "),
			Hint:    "remove one of these refs"})
	}
	c.Graph = g
	return errs.Err()
}

// resolveModel checks an enabled model's materialization and options and
// finds its parents, setting DependsOn and SourceDeps; names lists the
// models for hints. It only reads c, so that models are resolved in
// parallel.
func (c *Compiled) resolveModel(n *Node, names func() []string) diag.List {
	var errs diag.List
	if err := checkMaterialization(n); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, checkOptions(n)...)
	deps := map[string]bool{}
	for _, call := range n.result.Refs {
		name := call.Args[len(call.Args)-1]
		depID := c.refID(name)
		if _, ok := c.Nodes[depID]; ok {
			deps[depID] = true
			continue
		}
		d := &diag.Diagnostic{File: n.Path, Line: call.Line, Node: n.ID}
		if c.isDisabledModel(name) {
			d.Message = "ref to disabled model '" + name + "'"
			d.Hint = "enable it, or remove the ref"
		} else {
			d.Message = "unknown ref '" + name + "'"
			d.Hint = diag.Suggest(name, names())
		}
		errs = append(errs, d)
	}
	srcDeps := map[string]bool{}
	for _, call := range n.result.Sources {
		if len(call.Args) != 2 {
			errs = append(errs, &diag.Diagnostic{File: n.Path, Line: call.Line, Node: n.ID, Message: "source() takes a source name and a table name"})
			continue
		}
		sid := SourceID(c.Project.Name, call.Args[0], call.Args[1])
		if _, ok := c.Sources[sid]; ok {
			srcDeps[sid] = true
			continue
		}
		errs = append(errs, &diag.Diagnostic{File: n.Path, Line: call.Line, Node: n.ID,
			Message: "unknown source '" + call.Args[0] + "." + call.Args[1] + "'",
			Hint:    diag.Suggest(call.Args[0]+"."+call.Args[1], c.sourceNames())})
	}
	n.DependsOn = sortedNames(deps)
	n.SourceDeps = sortedNames(srcDeps)
	return errs
}

// checkMaterialization rejects materializations this version cannot build,
// before anything runs.
func checkMaterialization(n *Node) *diag.Diagnostic {
	switch m := n.Config.Materialized(); m {
	case "view", "table", "incremental":
		return nil
	default:
		return &diag.Diagnostic{File: n.Path, Line: n.result.ConfigLine, Node: n.ID,
			Message: "materialized='" + m + "' is not supported yet",
			Hint:    "use 'view', 'table' or 'incremental'"}
	}
}

func (c *Compiled) modelNames() []string {
	names := make([]string, 0, len(c.Nodes))
	for _, n := range c.Nodes {
		names = append(names, n.Name)
	}
	sort.Strings(names)
	return names
}

func (c *Compiled) isDisabledModel(name string) bool {
	for _, m := range c.Project.Models {
		if m.Name == name {
			return true // it exists but has no enabled node
		}
	}
	return false
}
