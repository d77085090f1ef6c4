package runner

import (
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kiln-dev/kiln/runner/artifacts"
)

// targetFile turns a project-relative slash path into an OS path under the
// project directory.
func targetFile(projectDir, rel string) string {
	if projectDir == "" {
		projectDir = "."
	}
	return filepath.Join(projectDir, filepath.FromSlash(rel))
}

// compiledWriters is how many compiled files are written at once: file
// creation on some disks is slow enough that a few writers in parallel
// finish several times sooner than one.
const compiledWriters = 4

// writeCompiled writes the compiled SQL of every selected node, leaving
// alone the files that already hold it, and returns the stamp of each file
// by its path relative to the project.
func (c *Compiled) writeCompiled() (map[string]artifacts.Stamp, error) {
	files := make([]artifacts.File, 0, len(c.Selected))
	paths := make([]string, 0, len(c.Selected))
	for _, id := range c.Selected {
		n := c.Nodes[id]
		if n.CompiledPath == "" { // seeds have no compiled SQL
			continue
		}
		files = append(files, artifacts.File{Path: targetFile(c.projectDir, n.CompiledPath), Data: n.SQL})
		paths = append(paths, n.CompiledPath)
	}
	stamps, err := artifacts.WriteDerived(files, compiledWriters)
	if err != nil {
		return nil, err
	}
	out := make(map[string]artifacts.Stamp, len(paths))
	for i, p := range paths {
		out[p] = stamps[i]
	}
	return out, nil
}

// manifest describes every enabled node and source.
func (c *Compiled) manifest(version, invocation, command string) *artifacts.ManifestStream {
	m := &artifacts.ManifestStream{
		Metadata:  artifacts.Metadata{KilnVersion: version, GeneratedAt: time.Now().UTC(), InvocationID: invocation, Command: command},
		NodeIDs:   make([]string, 0, len(c.Nodes)),
		Node:      func(id string) artifacts.ManifestNode { return c.manifestNode(id, c.Nodes[id]) },
		Sources:   make(map[string]artifacts.ManifestSource, len(c.Sources)),
		ParentMap: make(map[string][]string, len(c.Nodes)),
		ChildMap:  make(map[string][]string, len(c.Nodes)+len(c.Sources)),
	}
	for id := range c.Nodes {
		m.NodeIDs = append(m.NodeIDs, id)
	}
	sort.Strings(m.NodeIDs)
	for _, id := range m.NodeIDs {
		parents := c.Nodes[id].parents()
		m.ParentMap[id] = parents
		if m.ChildMap[id] == nil {
			m.ChildMap[id] = []string{}
		}
		for _, p := range parents {
			m.ChildMap[p] = append(m.ChildMap[p], id)
		}
	}
	for id, s := range c.Sources {
		m.Sources[id] = artifacts.ManifestSource{
			UniqueID:         id,
			ResourceType:     "source",
			PackageName:      c.Project.Name,
			SourceName:       s.Source.SourceName,
			Name:             s.Source.Name,
			Identifier:       s.Relation.Name,
			Database:         s.Relation.Database,
			Schema:           s.Relation.Schema,
			RelationName:     s.Relation.String(),
			OriginalFilePath: s.Source.Path,
			FQN:              []string{c.Project.Name, s.Source.SourceName, s.Source.Name},
			Description:      s.Source.Description,
			LoadedAtField:    s.Source.LoadedAtField,
		}
		if m.ChildMap[id] == nil {
			m.ChildMap[id] = []string{}
		}
	}
	for id := range m.ChildMap {
		sort.Strings(m.ChildMap[id])
	}
	return m
}

// parents are the nodes and sources n depends on, as the manifest lists
// them.
func (n *Node) parents() []string {
	return append(append(make([]string, 0, len(n.DependsOn)+len(n.SourceDeps)), n.DependsOn...), n.SourceDeps...)
}

// manifestNode describes one node. It only reads c and n, so that nodes
// are described in parallel.
func (c *Compiled) manifestNode(id string, n *Node) artifacts.ManifestNode {
	cols := map[string]artifacts.Column{}
	for _, col := range n.columns() {
		cols[col.Name] = artifacts.Column{Name: col.Name, Description: col.Description, DataType: col.DataType}
	}
	parents := n.parents()
	rel := n.Relation
	if n.deferred {
		rel = relationFor(c.Target, n.Name, n.Config) // the manifest describes this target
	}
	tags := n.Config.Tags()
	if tags == nil {
		tags = []string{}
	}
	return artifacts.ManifestNode{
		UniqueID:         id,
		ResourceType:     string(n.Kind),
		PackageName:      c.Project.Name,
		Name:             n.Name,
		Path:             strings.TrimPrefix(n.Path, firstDir(n.Path)+"/"),
		OriginalFilePath: n.Path,
		FQN:              n.FQN,
		Database:         rel.Database,
		Schema:           rel.Schema,
		Alias:            rel.Name,
		RelationName:     rel.String(),
		Config:           withDefaults(n),
		Tags:             tags,
		Description:      n.description(),
		Columns:          cols,
		DependsOn:        artifacts.DependsOn{Nodes: parents, Macros: []string{}},
		RawCode:          n.source(),
		CompiledPath:     n.CompiledPath,
		CompiledCode:     n.SQL,
		PatchPath:        n.patchPath(),
		Kiln:             c.kilnNode(n),
	}
}

// parallel calls f(0), ..., f(n-1) on a few goroutines and waits for them.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

func withDefaults(n *Node) map[string]any {
	out := make(map[string]any, len(n.Config)+5)
	for k, v := range n.Config {
		out[k] = v
	}
	out["materialized"] = n.Config.Materialized()
	if n.Kind != KindModel {
		out["materialized"] = string(n.Kind)
	}
	out["enabled"] = true
	out["schema"] = nilIfEmpty(n.Config.Schema())
	out["alias"] = nilIfEmpty(n.Config.Alias())
	return out
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func firstDir(p string) string {
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// writeArtifacts writes manifest.json and run_results.json.
// res may be nil for commands that run nothing.
func (e *Engine) writeArtifacts(c *Compiled, invocation, command string, res *RunResult) error {
	dir := targetFile(c.projectDir, c.Project.TargetPath)
	if err := artifacts.WriteManifestStream(filepath.Join(dir, "manifest.json"), c.manifest(e.Version, invocation, command)); err != nil {
		return err
	}
	if res == nil {
		return nil
	}
	return artifacts.WriteJSON(filepath.Join(dir, "run_results.json"), runResults(e.Version, res))
}

func runResults(version string, res *RunResult) *artifacts.RunResults {
	out := &artifacts.RunResults{
		Metadata:    artifacts.Metadata{KilnVersion: version, GeneratedAt: time.Now().UTC(), InvocationID: res.InvocationID, Command: res.Command},
		Results:     []artifacts.RunResult{},
		ElapsedTime: res.Duration.Seconds(),
		Args:        map[string]any{"which": res.Command},
	}
	for _, nr := range res.Nodes {
		r := artifacts.RunResult{
			UniqueID:      nr.NodeID,
			Status:        string(nr.Status),
			ExecutionTime: nr.Duration.Seconds(),
			Message:       nr.Message,
			Timing:        []artifacts.Timing{},
			CompiledPath:  nr.CompiledPath,
			CausedBy:      nr.Cause,
		}
		if nr.Status == Success || nr.Status == Error {
			r.Timing = append(r.Timing, artifacts.Timing{Name: "execute", StartedAt: nr.Started.UTC(), CompletedAt: nr.Started.Add(nr.Duration).UTC()})
		}
		if nr.Status == Success {
			r.AdapterResponse.Message = nr.Message
			if nr.RowsAffected >= 0 {
				rows := nr.RowsAffected
				r.AdapterResponse.RowsAffected = &rows
			}
		}
		if nr.Position != nil {
			r.ErrorPosition = &artifacts.Position{File: nr.Position.File, Line: nr.Position.Line, Col: nr.Position.Col}
		}
		out.Results = append(out.Results, r)
	}
	return out
}

func (c *Compiled) kilnNode(n *Node) *artifacts.KilnNode {
	macros := c.macros.closure(n.source())
	k := &artifacts.KilnNode{Fingerprint: c.fingerprintWith(n, macros), Vars: []string{}, EnvVars: []string{}, Macros: make([]string, 0, len(macros))}
	if n.inputs != nil {
		for v := range n.inputs.vars {
			k.Vars = append(k.Vars, v)
		}
		for v := range n.inputs.env {
			k.EnvVars = append(k.EnvVars, v)
		}
	}
	for m := range macros {
		k.Macros = append(k.Macros, m)
	}
	sort.Strings(k.Vars)
	sort.Strings(k.EnvVars)
	sort.Strings(k.Macros)
	return k
}
