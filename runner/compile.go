package runner

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"path"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/kiln-dev/kiln/dag"
	"github.com/kiln-dev/kiln/runner/artifacts"
	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/selector"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Kind is what a node is.
type Kind string

const (
	KindModel Kind = "model"
	KindSeed  Kind = "seed"
	KindTest  Kind = "test"
)

// Node is a model, seed or test ready to run: final config, relation and
// compiled SQL.
type Node struct {
	ID           string
	Kind         Kind
	Name         string
	Path         string   // the source file, relative to the project
	FQN          []string // project, folders, name
	Model        *project.Model
	Config       project.Config
	Relation     warehouse.Relation
	DependsOn    []string // node ids, sorted
	SourceDeps   []string // source ids, sorted
	SQL          string   // compiled SQL; empty until rendered with final relations
	CompiledPath string   // target/compiled/<project>/<model path>, relative to the project

	// Incremental is true when is_incremental() holds for this run: the
	// model is incremental, its table exists, and no full refresh applies.
	Incremental bool
	// FullRefreshIgnored is true when --full-refresh was given but the
	// model's config says full_refresh: false.
	FullRefreshIgnored bool

	preHooks, postHooks []string // rendered
	inputs              *inputs  // vars and env vars read by the first render
	rawSource           string   // the file text of a seed or test
	deferred            bool     // Relation comes from --state (--defer)
	Seed                *project.Seed
	test                *testSpec // for test nodes

	handed map[string]warehouse.Relation // relations handed out during the first render
	result jinja.Result
}

// Compiled is a loaded, rendered and validated project: the plan.
type Compiled struct {
	Project     *project.Project
	Target      *project.Target
	ProfilePath string
	Vars        map[string]any
	Nodes       map[string]*Node
	Sources     map[string]*SourceNode
	Graph       *dag.Graph[string]
	Selected    []string // node ids, sorted
	env         *jinja.Env
	projectDir  string
	macros      *macroIndex
	prior       *priorState // from --state, or nil
	cache       *parseCache // first renders of the previous load, or nil
	reads       *readLog    // what the load read of the project directory
	// profileTarget is the target as the profile gives it, before
	// --threads: what project.Load saw.
	profileTarget map[string]any
	targetMap     map[string]any // Target.Map(), once
	// fingerprintScratch holds the buffers of fingerprintWith, which writes
	// a document about as long as the node's file for every node.
	fingerprintScratch sync.Pool
	// compiledStamps are the stamps of the compiled files Compile wrote,
	// by path, for the compile record.
	compiledStamps map[string]artifacts.Stamp
}

// depth says how far compile goes.
type depth int

const (
	parseOnly depth = iota // refs and configs: enough for ls
	fullSQL                // final SQL with final relations
)

// load reads the project and the profile, renders every enabled model,
// validates the graph, and selects nodes. Every problem found is returned
// together, as a diag.List, before anything touches a database.
func (e *Engine) load(ctx context.Context, opts Options, d depth) (*Compiled, error) {
	dir := opts.ProjectDir
	if dir == "" {
		dir = "."
	}
	fsys := newProjectFS(dir)
	reads := newReadLog(fsys) // what project.Load reads keys the parse cache
	target, profilePath, err := e.loadTarget(fsys, dir, opts)
	if err != nil {
		return nil, err
	}
	loadOpts := project.LoadOptions{Vars: opts.Vars, EnvVar: e.lookupEnv, Target: target.Map()}
	proj, err := project.Load(reads, loadOpts)
	if proj != nil {
		for _, w := range proj.Warnings {
			e.emit(Warned{Diagnostic: w})
		}
	}
	if err != nil {
		return nil, err
	}
	if opts.Threads > 0 {
		target.Threads = opts.Threads
	}
	if target.Threads <= 0 {
		target.Threads = 1
	}
	env, err := jinja.NewEnv(proj.Macros)
	if err != nil {
		return nil, err
	}
	c := &Compiled{
		Project:       proj,
		Target:        target,
		ProfilePath:   profilePath,
		Vars:          mergeVars(proj.Vars, opts.Vars),
		Nodes:         map[string]*Node{},
		env:           env,
		projectDir:    dir,
		macros:        newMacroIndex(proj.Macros),
		reads:         reads,
		profileTarget: loadOpts.Target,
		targetMap:     target.Map(),
	}
	if opts.State != "" {
		if c.prior, err = readPriorState(opts.State); err != nil {
			return nil, err
		}
	} else if mentionsResult(opts.Select, opts.Exclude) {
		if c.prior, err = readPriorResults(targetFile(dir, proj.TargetPath)); err != nil {
			return nil, err
		}
	}
	var errs diag.List
	c.loadSources()
	c.addSeeds()
	c.cache = c.openCache(e, reads)
	errs.Add(c.renderAll(ctx, e, false))
	errs.Add(c.resolve())
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if err := c.loadTests(e); err != nil {
		return nil, err
	}
	selects, excludes := opts.Select, opts.Exclude
	if opts.Selector != "" {
		s, x, err := namedSelector(reads, opts.Selector)
		if err != nil {
			return nil, err
		}
		selects, excludes = append(append([]string{}, selects...), s...), append(append([]string{}, excludes...), x...)
	}
	sel, err := selector.Parse(selects, excludes)
	if err != nil {
		return nil, err
	}
	c.Selected = sel.Select(c.selectorNodes(), c.Graph)
	if opts.only != nil {
		c.Selected = nil
		for _, id := range opts.only {
			if _, ok := c.Nodes[id]; ok {
				c.Selected = append(c.Selected, id)
			}
		}
	} else {
		c.Selected = c.forCommand(opts.command, c.Selected)
	}
	if opts.Defer {
		if err := c.deferUnselected(); err != nil {
			return nil, err
		}
	}
	if d == fullSQL {
		if err := c.finalize(ctx, e, nil, false); err != nil {
			return nil, err
		}
	}
	c.saveCache(e)
	return c, nil
}

// loadTarget reads the profile's target. It comes before the project:
// dbt_project.yml and property files may use {{ target.schema }}, so the
// loader needs the target.
func (e *Engine) loadTarget(fsys fs.FS, dir string, opts Options) (*project.Target, string, error) {
	loadOpts := project.LoadOptions{Vars: opts.Vars, EnvVar: e.lookupEnv}
	profileName, err := project.ReadProfileName(fsys, loadOpts)
	if err != nil {
		return nil, "", err
	}
	return project.LoadProfile(project.ProfileOptions{
		ProfilesDir: opts.ProfilesDir,
		ProjectDir:  dir,
		Profile:     profileName,
		Target:      opts.Target,
		Vars:        opts.Vars,
		EnvVar:      e.lookupEnv,
		HomeDir:     e.homeDir(),
	})
}

func mergeVars(project, cli map[string]any) map[string]any {
	out := make(map[string]any, len(project)+len(cli))
	for k, v := range project {
		out[k] = v
	}
	for k, v := range cli {
		out[k] = v
	}
	return out
}

// refID is the id of the model or seed that ref(name) means, "" if none.
func (c *Compiled) refID(name string) string {
	if id := NodeID(c.Project.Name, name); c.Nodes[id] != nil {
		return id
	}
	if id := SeedID(c.Project.Name, name); c.Nodes[id] != nil {
		return id
	}
	return ""
}

// SeedID is dbt's unique id of a seed.
func SeedID(projectName, seed string) string { return "seed." + projectName + "." + seed }

// NodeID is dbt's unique id of a model.
func NodeID(projectName, model string) string { return "model." + projectName + "." + model }

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
	n.DependsOn = sortedKeys(deps)
	n.SourceDeps = sortedKeys(srcDeps)
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

func (c *Compiled) selectorNodes() []selector.Node {
	out := make([]selector.Node, 0, len(c.Nodes))
	for _, id := range c.Graph.Nodes() {
		n := c.Nodes[id]
		out = append(out, selector.Node{
			ID:           id,
			Name:         n.Name,
			ResourceType: string(n.Kind),
			Path:         n.Path,
			Package:      c.Project.Name,
			FQN:          n.FQN,
			Tags:         n.Config.Tags(),
			Config:       n.Config,
			State:        c.prior.state(n.ID, func() string { return c.fingerprint(n) }),
			Result:       c.prior.result(n.ID),
			Sources:      c.sourceRefs(n),
		})
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// IsLoadError reports whether err is about the project, the profile or the
// command line (exit code 2) rather than about running models.
func IsLoadError(err error) bool {
	var list diag.List
	var d *diag.Diagnostic
	return errors.As(err, &list) || errors.As(err, &d)
}

// mentionsResult reports whether a selector uses result:, which needs the
// previous run_results.json.
func mentionsResult(lists ...[]string) bool {
	for _, l := range lists {
		for _, s := range l {
			if strings.Contains(s, "result:") {
				return true
			}
		}
	}
	return false
}
