package runner

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/kiln-dev/kiln/dag"
	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/testgen"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// ConnectError means the warehouse could not be reached: the profile is
// wrong or the server is down. Nothing was executed.
type ConnectError struct{ Err error }

func (e *ConnectError) Error() string { return "cannot connect to the warehouse: " + e.Err.Error() }
func (e *ConnectError) Unwrap() error { return e.Err }

// Run compiles the project and materializes the selected models in DAG
// order, up to Target.Threads at once. It returns a load error (nothing
// executed), or a RunResult saying what happened to every selected node.
func (e *Engine) Run(ctx context.Context, opts Options) (*RunResult, error) {
	return e.execute(ctx, opts, "run")
}

// Test runs the data tests of the selected nodes.
func (e *Engine) Test(ctx context.Context, opts Options) (*RunResult, error) {
	return e.execute(ctx, opts, "test")
}

// Build runs seeds, models and tests in one DAG order: each node's tests
// right after it, and a failing test skips everything downstream of the
// node it tests.
func (e *Engine) Build(ctx context.Context, opts Options) (*RunResult, error) {
	return e.execute(ctx, opts, "build")
}

func (e *Engine) execute(ctx context.Context, opts Options, command string) (*RunResult, error) {
	started := time.Now()
	if opts.command == "" {
		opts.command = command
	}
	command = opts.command
	c, err := e.load(ctx, opts, parseOnly)
	if err != nil {
		return nil, err
	}
	invocation := newInvocationID()
	wh, err := e.Connect(ctx, c.Target, c.Target.Threads)
	if err != nil {
		return nil, &ConnectError{Err: err}
	}
	defer wh.Close()
	catalog, err := readCatalog(ctx, wh, c)
	if err != nil {
		return nil, err
	}
	if err := c.finalize(ctx, e, catalog, opts.FullRefresh); err != nil {
		return nil, err
	}
	for _, id := range c.Selected {
		if n := c.Nodes[id]; n.FullRefreshIgnored {
			e.emit(Warned{Diagnostic: &diag.Diagnostic{File: n.Path, Node: id, Severity: diag.Warning,
				Message: "--full-refresh does not rebuild " + n.Name + ": its config says full_refresh: false; an increment is applied instead"}})
		}
	}
	if _, err := c.writeCompiled(); err != nil {
		return nil, err
	}
	onStart, err := c.renderRunHooks(e, "on-run-start", c.Project.OnRunStart)
	if err != nil {
		return nil, err
	}
	onEnd, err := c.renderRunHooks(e, "on-run-end", c.Project.OnRunEnd)
	if err != nil {
		return nil, err
	}

	e.emit(RunStarted{InvocationID: invocation, Command: command, Project: c.Project.Name,
		Target: c.Target.Name, Schema: c.Target.Schema, Threads: c.Target.Threads,
		Nodes: len(c.Selected), At: started})
	res := &RunResult{InvocationID: invocation, Command: command, Started: started}
	x := &execution{engine: e, compiled: c, wh: wh, invocation: invocation, result: res, total: len(c.Selected), lockWait: opts.LockWait, storeFailures: opts.StoreFailures, fullRefresh: opts.FullRefresh, command: command,
		runFiles: startRunFiles(len(c.Selected))}
	if err = execRunHooks(ctx, wh, invocation, "on-run-start", onStart); err == nil {
		err = x.run(ctx, catalog, opts.FailFast)
		if herr := execRunHooks(ctx, wh, invocation, "on-run-end", onEnd); herr != nil && err == nil {
			err = herr
		}
	}
	if werr := x.runFiles.wait(); werr != nil && err == nil {
		err = werr
	}
	res.Duration = time.Since(started)
	if werr := e.writeArtifacts(c, invocation, command, res); werr != nil && err == nil {
		err = werr
	}
	e.emit(RunFinished{Result: res, Duration: res.Duration})
	return res, err
}

// execution is the state of one run over the selected subgraph.
type execution struct {
	engine        *Engine
	compiled      *Compiled
	wh            warehouse.Warehouse
	invocation    string
	total         int
	lockWait      time.Duration
	storeFailures bool
	fullRefresh   bool
	command       string
	runFiles      *runFiles // target/run/, written in the background

	mu     sync.Mutex // guards result, index and event emission
	result *RunResult
	index  int
}

func (x *execution) run(ctx context.Context, catalog warehouse.Catalog, failFast bool) error {
	c := x.compiled
	if err := x.createSchemas(ctx); err != nil {
		return err
	}
	g := c.Graph.Reduce(inSet(c.Selected))
	if x.command == "build" {
		c.gateOnTests(g)
	}
	walkCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := g.Walk(walkCtx, dag.WalkOptions[string]{
		Limit: c.Target.Threads,
		OnSkip: func(id, cause string) {
			x.finish(c.Nodes[id], NodeResult{NodeID: id, Status: Skipped, Cause: cause, RowsAffected: -1,
				Message: "skipped: upstream " + c.Nodes[cause].Name + " failed", Started: time.Now()})
		},
	}, func(ctx context.Context, id string) error {
		err := x.execute(ctx, c.Nodes[id], catalog)
		if err != nil && failFast {
			cancel()
		}
		return err
	})
	for _, id := range sortedResultIDs(results) {
		if r := results[id]; r.Status == dag.Cancelled {
			n := c.Nodes[id]
			msg := "cancelled"
			if failFast && ctx.Err() == nil {
				msg = "not run: --fail-fast stopped the run after a failure"
			}
			x.finish(n, NodeResult{NodeID: id, Status: Cancelled, Message: msg, RowsAffected: -1, Started: time.Now()})
		}
	}
	return nil
}

// schemas lists the schemas the selection writes to.
func (c *Compiled) schemas() []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range c.Selected {
		s := c.Nodes[id].Relation.Schema
		if s == "" { // tests write nowhere (failures go to their audit schema)
			continue
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// readCatalog reads what exists in every schema the selection writes to, in
// one query.
func readCatalog(ctx context.Context, wh warehouse.Warehouse, c *Compiled) (warehouse.Catalog, error) {
	schemas := c.schemas()
	if len(schemas) == 0 {
		return warehouse.Catalog{}, nil
	}
	catalog, err := wh.Catalog(ctx, schemas)
	if err != nil {
		return nil, fmt.Errorf("reading the catalog: %w", err)
	}
	return catalog, nil
}

func (x *execution) createSchemas(ctx context.Context) error {
	for _, s := range x.compiled.schemas() {
		if err := x.wh.CreateSchema(ctx, s); err != nil {
			return fmt.Errorf("creating schema %s: %w", s, err)
		}
	}
	return nil
}

// execute runs one node, whatever its kind, and records its result. The
// error it returns (a failed build, a failing error-severity test) makes
// the walk skip the node's descendants.
func (x *execution) execute(ctx context.Context, n *Node, catalog warehouse.Catalog) error {
	started := time.Now()
	x.mu.Lock()
	x.index++
	index := x.index
	x.engine.emit(NodeStarted{Node: x.compiled.info(n), Index: index, Total: x.total, At: started})
	x.mu.Unlock()

	var nr NodeResult
	var err error
	switch n.Kind {
	case KindTest:
		nr, err = x.runTest(ctx, n)
	case KindSeed:
		nr, err = x.loadSeed(ctx, n, catalog)
	default:
		nr, err = x.buildModel(ctx, n, catalog)
	}
	nr.NodeID, nr.Started, nr.Duration, nr.CompiledPath = n.ID, started, time.Since(started), n.CompiledPath
	if err != nil && nr.Status != Fail {
		nr.Status = Error
		nr.Message = err.Error()
		file := n.CompiledPath
		if file == "" { // a seed: point at its CSV file
			file = n.Path
		}
		var qe *warehouse.QueryError
		var d *diag.Diagnostic
		switch {
		case errors.As(err, &qe) && qe.Line > 0:
			nr.Position = &Position{File: file, Line: qe.Line, Col: qe.Col}
		case errors.As(err, &d) && d.File != "": // a seed's file, line and column
			nr.Position = &Position{File: d.File, Line: d.Line, Col: d.Col}
		default:
			nr.Position = &Position{File: file}
		}
		if ctx.Err() != nil {
			nr.Status = Cancelled
		}
	}
	x.finishStarted(n, nr, index)
	return err
}

// buildModel materializes a model.
func (x *execution) buildModel(ctx context.Context, n *Node, catalog warehouse.Catalog) (NodeResult, error) {
	br, err := x.wh.Build(ctx, warehouse.Build{
		NodeID:       n.ID,
		Relation:     n.Relation,
		Materialized: n.Config.Materialized(),
		SQL:          n.SQL,
		Existing:     catalog.Lookup(n.Relation),
		InvocationID: x.invocation,
		Incremental:  n.incremental(),
		Options:      n.warehouseOptions(x.lockWait),
	})
	x.runFiles.add(x.compiled, n, br.Statements)
	nr := NodeResult{Status: Success, RowsAffected: br.RowsAffected}
	if err == nil {
		nr.Message = commandTag(n.Config.Materialized())
		if br.RowsAffected >= 0 {
			nr.Message = fmt.Sprintf("%s %d", nr.Message, br.RowsAffected)
		}
	}
	return nr, err
}

// runTest runs a data test. A failing test of severity error is an error
// for the walk, so that build skips what depends on the tested node; a
// warning is not.
func (x *execution) runTest(ctx context.Context, n *Node) (NodeResult, error) {
	t := n.test.compiled.Test(n.ID, x.invocation, x.compiled.storeFailuresAt(n, x.storeFailures))
	res, err := x.wh.RunTest(ctx, t)
	x.runFiles.add(x.compiled, n, res.Statements)
	nr := NodeResult{RowsAffected: -1, Failures: res.Failures}
	if err != nil {
		return nr, err
	}
	switch testgen.Status(n.test.compiled.Config.Severity, res) {
	case "fail":
		nr.Status, nr.Message = Fail, fmt.Sprintf("%d failing %s", res.Failures, plural(res.Failures, "row", "rows"))
		if t.StoreFailures != nil {
			nr.Message += ", stored in " + t.StoreFailures.Schema + "." + t.StoreFailures.Name
		}
		return nr, &TestFailure{Failures: res.Failures}
	case "warn":
		nr.Status, nr.Message = Warn, fmt.Sprintf("%d failing %s (severity warn)", res.Failures, plural(res.Failures, "row", "rows"))
	default:
		nr.Status, nr.Message = Pass, "PASS"
	}
	return nr, nil
}

// TestFailure is the walk's error for a failing error-severity test.
type TestFailure struct{ Failures int64 }

func (f *TestFailure) Error() string { return fmt.Sprintf("%d failing rows", f.Failures) }

func plural(n int64, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func commandTag(materialized string) string {
	if materialized == "view" {
		return "CREATE VIEW"
	}
	return "SELECT"
}

// finish records a node that never started (skipped or cancelled).
func (x *execution) finish(n *Node, nr NodeResult) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.index++
	x.record(n, nr, x.index)
}

// finishStarted records a node that ran, under the index it started with.
func (x *execution) finishStarted(n *Node, nr NodeResult, index int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.record(n, nr, index)
}

func (x *execution) record(n *Node, nr NodeResult, index int) {
	if nr.CompiledPath == "" {
		nr.CompiledPath = n.CompiledPath
	}
	x.result.Nodes = append(x.result.Nodes, nr)
	x.engine.emit(NodeFinished{Node: x.compiled.info(n), Index: index, Total: x.total, Result: nr, Duration: nr.Duration})
}

func (c *Compiled) info(n *Node) NodeInfo {
	switch n.Kind {
	case KindTest:
		return NodeInfo{ID: n.ID, Name: n.Name, Path: n.Path, Relation: n.Name, Materialized: "test"}
	case KindSeed:
		return NodeInfo{ID: n.ID, Name: n.Name, Path: n.Path, Relation: n.Relation.Schema + "." + n.Relation.Name, Materialized: "seed"}
	}
	return NodeInfo{ID: n.ID, Name: n.Name, Path: n.Path,
		Relation: n.Relation.Schema + "." + n.Relation.Name, Materialized: n.Config.Materialized()}
}

func sortedResultIDs(m map[string]dag.Result[string]) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
