package runner

import (
	"path"
	"sort"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/testgen"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// testSpec is what a test node runs.
type testSpec struct {
	compiled testgen.Compiled
	alias    string // the name failing rows are stored under
	attached string // the node (or source) the test is about; "" for singular tests
}

// loadTests turns the data tests of models, seeds and sources, and the
// singular tests, into test nodes of the graph, each depending on what it
// tests and on everything its SQL refs. It reports every problem at once.
//
// The generic tests are parsed and compiled on a few goroutines (they only
// read the nodes, which are all known by now), then added in the order of
// their nodes, so that names, warnings and errors come out as if one
// goroutine had done everything.
func (c *Compiled) loadTests(e *Engine) error {
	var ids []string
	for id, n := range c.Nodes {
		if n.Kind != KindTest {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var jobs []testJob
	for _, id := range ids {
		n := c.Nodes[id]
		for _, spec := range c.testSpecs(n) {
			jobs = append(jobs, testJob{spec: spec, rel: n.Relation, parentFQN: n.FQN})
		}
	}
	for _, s := range c.sortedSources() {
		for _, spec := range sourceTestSpecs(c.Project.Name, s) {
			jobs = append(jobs, testJob{spec: spec, rel: s.Relation, parentFQN: []string{c.Project.Name, s.Source.SourceName, s.Source.Name}})
		}
	}
	parallel(len(jobs), func(i int) { jobs[i].compile(c, e) })
	var errs diag.List
	for i := range jobs {
		errs = append(errs, c.addGenericTests(e, &jobs[i])...)
	}
	for _, t := range c.Project.Tests {
		errs.Add(c.addSingularTest(e, t))
	}
	return errs.Err()
}

// testJob is the generic tests of one spec: parsed and compiled
// concurrently with other specs' by compile, added to the graph by
// addGenericTests.
type testJob struct {
	spec      testgen.Spec
	rel       warehouse.Relation
	parentFQN []string

	diags diag.List // from parsing
	tests []compiledTest
}

// compiledTest is one enabled generic test of a testJob: its node, ready
// to be added, or why there is none.
type compiledTest struct {
	g        *testgen.Generic
	compiled testgen.Compiled
	node     *Node // nil after an error or when its config disables it
	err      error
}

// compile parses the job's tests, compiles the enabled ones and makes
// their nodes. It only reads c.
func (j *testJob) compile(c *Compiled, e *Engine) {
	gens, diags := testgen.Parse(j.spec)
	j.diags = diags
	for _, g := range gens {
		if !g.Config.Enabled {
			continue
		}
		ctx, deps := c.testContext(e, g.UniqueID)
		compiled, err := testgen.Compile(c.env, g, j.rel, ctx)
		t := compiledTest{g: g, compiled: compiled, err: err}
		if err == nil && compiled.Config.Enabled {
			if c.Nodes[g.AttachedID] != nil {
				deps[g.AttachedID] = true
			}
			fqn := append(append([]string{}, j.parentFQN[:len(j.parentFQN)-1]...), g.Name)
			t.node = newTestNode(&Node{
				ID: g.UniqueID, Name: g.Name, Path: g.File, FQN: fqn,
				CompiledPath: path.Join(c.Project.TargetPath, "compiled", c.Project.Name, g.File, g.Alias+".sql"),
				test:         &testSpec{compiled: compiled, alias: g.Alias, attached: g.AttachedID},
			}, deps)
		}
		j.tests = append(j.tests, t)
	}
}

// testSpecs lists the YAML test lists of a model or seed: its own and each
// column's.
func (c *Compiled) testSpecs(n *Node) []testgen.Spec {
	var tests []any
	var columns []project.Column
	file := ""
	switch {
	case n.Model != nil:
		tests, columns, file = n.Model.Tests, n.Model.Columns, n.Model.PatchPath
	case n.Seed != nil:
		tests, columns, file = n.Seed.Tests, n.Seed.Columns, n.Seed.PatchPath
	default:
		return nil
	}
	base := testgen.Spec{ResourceType: string(n.Kind), Name: n.Name, NodeID: n.ID, Package: c.Project.Name, File: file}
	var out []testgen.Spec
	if len(tests) > 0 {
		s := base
		s.Tests = tests
		out = append(out, s)
	}
	for _, col := range columns {
		if len(col.Tests) > 0 {
			s := base
			s.Column, s.Tests = col.Name, col.Tests
			out = append(out, s)
		}
	}
	return out
}

func sourceTestSpecs(projectName string, s *SourceNode) []testgen.Spec {
	base := testgen.Spec{ResourceType: "source", Name: s.Source.Name, SourceName: s.Source.SourceName,
		NodeID: s.ID, Package: projectName, File: s.Source.Path, Line: s.Source.Line}
	var out []testgen.Spec
	if len(s.Source.Tests) > 0 {
		spec := base
		spec.Tests = s.Source.Tests
		out = append(out, spec)
	}
	for _, col := range s.Source.Columns {
		if len(col.Tests) > 0 {
			spec := base
			spec.Column, spec.Tests = col.Name, col.Tests
			out = append(out, spec)
		}
	}
	return out
}

// addGenericTests adds the compiled tests of j as nodes, emitting their
// warnings, and returns their errors.
func (c *Compiled) addGenericTests(e *Engine, j *testJob) diag.List {
	for _, w := range j.diags.Warnings() {
		e.emit(Warned{Diagnostic: w})
	}
	errs := j.diags.Errors()
	for _, t := range j.tests {
		g, compiled := t.g, t.compiled
		if t.err != nil {
			errs.Add(t.err)
			continue
		}
		if !compiled.Config.Enabled {
			continue
		}
		for _, w := range compiled.Warnings {
			e.emit(Warned{Diagnostic: w})
		}
		if _, dup := c.Nodes[g.UniqueID]; dup {
			errs = append(errs, &diag.Diagnostic{File: g.File, Line: g.Line, Message: "two tests are both named " + g.Name, Hint: "give one of them a name:"})
			continue
		}
		c.addNode(t.node)
	}
	return errs
}

func (c *Compiled) addSingularTest(e *Engine, t *project.SingularTest) error {
	ctx, deps := c.testContext(e, t.ID())
	compiled, err := testgen.RenderSingular(c.env, jinja.File{Path: t.Path, Source: t.Source}, ctx)
	if err != nil {
		return err
	}
	if !compiled.Config.Enabled {
		return nil
	}
	for _, w := range compiled.Warnings {
		e.emit(Warned{Diagnostic: w})
	}
	c.addTestNode(&Node{
		ID: t.ID(), Name: t.Name, Path: t.Path, FQN: t.FQN,
		CompiledPath: path.Join(c.Project.TargetPath, "compiled", c.Project.Name, t.Path),
		test:         &testSpec{compiled: compiled, alias: t.Name},
		rawSource:    t.Source,
	}, deps)
	return nil
}

// testContext is the template context of a test: refs resolve to final
// relations and are recorded as dependencies; unknown ones are errors.
func (c *Compiled) testContext(e *Engine, id string) (jinja.Context, map[string]bool) {
	deps := map[string]bool{}
	return jinja.Context{
		Node: id,
		Ref: func(name string) (warehouse.Relation, error) {
			depID := c.refID(name)
			if depID == "" {
				return warehouse.Relation{}, &diag.Diagnostic{Message: "unknown ref '" + name + "'", Hint: diag.Suggest(name, c.modelNames())}
			}
			deps[depID] = true
			return c.Nodes[depID].Relation, nil
		},
		Source: func(src, table string) (warehouse.Relation, error) {
			s, ok := c.Sources[SourceID(c.Project.Name, src, table)]
			if !ok {
				return warehouse.Relation{}, &diag.Diagnostic{Message: "unknown source '" + src + "." + table + "'", Hint: diag.Suggest(src+"."+table, c.sourceNames())}
			}
			return s.Relation, nil
		},
		Var:     c.lookupVar,
		EnvVar:  e.lookupEnv,
		Target:  c.targetContext(),
		Execute: true,
	}, deps
}

func (c *Compiled) addTestNode(n *Node, deps map[string]bool) {
	c.addNode(newTestNode(n, deps))
}

// newTestNode completes n, a test node depending on deps. It touches
// nothing but n, so that generic tests are made in parallel.
func newTestNode(n *Node, deps map[string]bool) *Node {
	n.Kind = KindTest
	n.SQL = n.test.compiled.SQL
	if n.rawSource == "" {
		n.rawSource = n.SQL
	}
	cfg := project.Config{"severity": string(n.test.compiled.Config.Severity)}
	if tags := n.test.compiled.Config.Tags; len(tags) > 0 {
		list := make([]any, len(tags))
		for i, t := range tags {
			list[i] = t
		}
		cfg["tags"] = list
	}
	n.Config = cfg
	n.DependsOn = sortedNames(deps)
	return n
}

// addNode puts n, with its dependencies, in the nodes and the graph.
func (c *Compiled) addNode(n *Node) {
	c.Nodes[n.ID] = n
	c.Graph.Add(n.ID)
	for _, d := range n.DependsOn {
		c.Graph.Connect(n.ID, d)
	}
}

func (c *Compiled) sortedSources() []*SourceNode {
	out := make([]*SourceNode, 0, len(c.Sources))
	for _, s := range c.Sources {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// storeFailuresAt is where a test keeps its failing rows, or nil.
func (c *Compiled) storeFailuresAt(n *Node, always bool) *warehouse.Relation {
	cfg := n.test.compiled.Config
	store := always
	if cfg.StoreFailures != nil {
		store = *cfg.StoreFailures
	}
	if !store {
		return nil
	}
	custom := cfg.Schema
	if custom == "" {
		custom = testgen.AuditSchema
	}
	rel := cfg.StoreFailuresIn(schemaFor(c.Target.Schema, custom), n.test.alias)
	if rel.Database == "" {
		rel.Database = c.Target.DBName
	}
	return &rel
}

// isTestOf reports whether test node t tests (or refs) any node of set.
func (c *Compiled) isTestOf(t *Node, set func(string) bool) bool {
	for _, d := range t.DependsOn {
		if set(d) {
			return true
		}
	}
	return t.test != nil && strings.HasPrefix(t.test.attached, "source.") && set(t.test.attached)
}
