package runner

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/selector"
)

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
