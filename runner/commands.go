package runner

import (
	"context"
	"os"
	"time"
)

// Compile renders the selected models into target/compiled and writes the
// manifest. It needs no database. When nothing changed since the previous
// compile, it only writes the manifest's metadata (compile_record.go).
func (e *Engine) Compile(ctx context.Context, opts Options) (*CompileResult, error) {
	opts.command = "compile"
	file := recordFile(opts)
	if file != "" {
		if res, ok := e.compileUnchanged(opts, file); ok {
			return res, nil
		}
		os.Remove(file) // a full compile: the record goes until it is written anew
	}
	rec, in := e.recording()
	c, err := rec.compile(ctx, opts)
	if err != nil {
		return nil, err
	}
	res := &CompileResult{Nodes: make([]CompiledFile, len(c.Selected))}
	for i, id := range c.Selected {
		res.Nodes[i] = CompiledFile{NodeID: id, Path: c.Nodes[id].CompiledPath}
	}
	c.writeRecord(e, opts, file, in, res)
	return res, nil
}

// compile is Compile without the record: load, render, write.
func (e *Engine) compile(ctx context.Context, opts Options) (*Compiled, error) {
	opts.command = "compile"
	c, err := e.load(ctx, opts, fullSQL)
	if err != nil {
		return nil, err
	}
	if c.compiledStamps, err = c.writeCompiled(); err != nil {
		return nil, err
	}
	if err := e.writeArtifacts(c, newInvocationID(), "compile", nil); err != nil {
		return nil, err
	}
	return c, nil
}

// List returns the selected nodes, in DAG order. It needs no database.
func (e *Engine) List(ctx context.Context, opts Options) ([]*Node, error) {
	opts.command = "ls"
	c, err := e.load(ctx, opts, parseOnly)
	if err != nil {
		return nil, err
	}
	order, err := c.Graph.Reduce(inSet(c.Selected)).Sort()
	if err != nil {
		return nil, err
	}
	out := make([]*Node, len(order))
	for i, id := range order {
		out[i] = c.Nodes[id]
	}
	return out, nil
}

// DebugReport is what `kiln debug` found.
type DebugReport struct {
	Project     string
	Models      int
	ProfilePath string
	Target      string // the target, without its password
	Connected   bool
	Latency     time.Duration
}

// Debug checks the project, the profile and the connection, in that order,
// and returns what it found with the first problem.
func (e *Engine) Debug(ctx context.Context, opts Options) (*DebugReport, error) {
	opts.command = "debug"
	c, err := e.load(ctx, opts, parseOnly)
	if err != nil {
		return nil, err
	}
	r := &DebugReport{Project: c.Project.Name, Models: len(c.Nodes), ProfilePath: c.ProfilePath, Target: c.Target.String()}
	started := time.Now()
	wh, err := e.Connect(ctx, c.Target, 1)
	if err != nil {
		return r, &ConnectError{Err: err}
	}
	defer wh.Close()
	if _, err := wh.Catalog(ctx, []string{c.Target.Schema}); err != nil {
		return r, &ConnectError{Err: err}
	}
	r.Connected, r.Latency = true, time.Since(started)
	return r, nil
}

func inSet(ids []string) func(string) bool {
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return func(id string) bool { return set[id] }
}
