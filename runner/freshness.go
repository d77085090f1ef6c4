package runner

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/kiln-dev/kiln/runner/artifacts"
	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/selector"
	"github.com/kiln-dev/kiln/runner/testgen"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// freshnessCheck is one source table with a freshness rule.
type freshnessCheck struct {
	source *SourceNode
	rule   testgen.FreshnessRule
}

// SourceFreshness measures the age of every selected source table that has
// a loaded_at_field and a freshness rule, against warn_after and
// error_after. A stale table (past error_after) is a Fail, a failed query
// an Error; both make the invocation fail. Results go to target/sources.json.
func (e *Engine) SourceFreshness(ctx context.Context, opts Options) (*RunResult, error) {
	started := time.Now()
	opts.command = "source freshness"
	c, err := e.load(ctx, opts, parseOnly)
	if err != nil {
		return nil, err
	}
	checks, err := c.freshnessChecks(opts)
	if err != nil {
		return nil, err
	}
	invocation := newInvocationID()
	wh, err := e.Connect(ctx, c.Target, c.Target.Threads)
	if err != nil {
		return nil, &ConnectError{Err: err}
	}
	defer wh.Close()
	e.emit(RunStarted{InvocationID: invocation, Command: opts.command, Project: c.Project.Name,
		Target: c.Target.Name, Schema: c.Target.Schema, Threads: c.Target.Threads, Nodes: len(checks), At: started})
	res := &RunResult{InvocationID: invocation, Command: opts.command, Started: started}
	var mu sync.Mutex
	index := 0
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.Target.Threads)
	for _, chk := range checks {
		g.Go(func() error {
			nr := measure(gctx, wh, chk)
			mu.Lock()
			defer mu.Unlock()
			index++
			res.Nodes = append(res.Nodes, nr)
			name := chk.source.Source.SourceName + "." + chk.source.Source.Name
			e.emit(NodeFinished{Node: NodeInfo{ID: chk.source.ID, Name: name,
				Path: chk.source.Source.Path, Relation: name, Materialized: "freshness"},
				Index: index, Total: len(checks), Result: nr, Duration: nr.Duration})
			return nil
		})
	}
	_ = g.Wait()
	res.Duration = time.Since(started)
	werr := artifacts.WriteJSON(filepath.Join(targetFile(c.projectDir, c.Project.TargetPath), "sources.json"), runResults(e.Version, res))
	e.emit(RunFinished{Result: res, Duration: res.Duration})
	return res, werr
}

// freshnessChecks lists the selected sources that can be checked. With
// selectors, they pick sources with the source: method (or by name).
func (c *Compiled) freshnessChecks(opts Options) ([]freshnessCheck, error) {
	var errs diag.List
	var nodes []selector.Node
	for _, s := range c.sortedSources() {
		nodes = append(nodes, selector.Node{ID: s.ID, Name: s.Source.Name, ResourceType: "source", Path: s.Source.Path,
			Package: c.Project.Name, FQN: []string{c.Project.Name, s.Source.SourceName, s.Source.Name},
			Sources: []string{s.Source.SourceName + "." + s.Source.Name}})
	}
	sel, err := selector.Parse(opts.Select, opts.Exclude)
	if err != nil {
		return nil, err
	}
	chosen := inSet(sel.Select(nodes, nil))
	var out []freshnessCheck
	for _, s := range c.sortedSources() {
		if !chosen(s.ID) || s.Source.Freshness == nil {
			continue
		}
		rule, err := testgen.ParseFreshness(s.Source.Freshness)
		if err != nil {
			errs = append(errs, &diag.Diagnostic{File: s.Source.Path, Line: s.Source.Line, Message: "freshness: " + err.Error()})
			continue
		}
		if !rule.Active() {
			continue
		}
		if s.Source.LoadedAtField == "" {
			errs = append(errs, &diag.Diagnostic{File: s.Source.Path, Line: s.Source.Line,
				Message: "source " + s.Source.SourceName + "." + s.Source.Name + " has a freshness rule but no loaded_at_field",
				Hint:    "add loaded_at_field: the column (or expression) holding when each row was loaded"})
			continue
		}
		out = append(out, freshnessCheck{source: s, rule: rule})
	}
	return out, errs.Err()
}

// measure runs one freshness query and grades it.
func measure(ctx context.Context, wh warehouse.Warehouse, chk freshnessCheck) NodeResult {
	started := time.Now()
	s := chk.source
	f, err := wh.SourceFreshness(ctx, s.Relation, s.Source.LoadedAtField, chk.rule.Filter)
	nr := NodeResult{NodeID: s.ID, Started: started, Duration: time.Since(started), RowsAffected: -1}
	if err != nil {
		nr.Status, nr.Message = Error, err.Error()
		nr.Position = &Position{File: s.Source.Path, Line: s.Source.Line}
		return nr
	}
	age := "no rows"
	if a, ok := testgen.Age(f); ok {
		age = a.Round(time.Second).String() + " old"
	}
	switch chk.rule.Status(f) {
	case "error":
		nr.Status, nr.Message = Fail, fmt.Sprintf("stale: %s, error_after %s", age, chk.rule.ErrorAfter)
	case "warn":
		nr.Status, nr.Message = Warn, fmt.Sprintf("%s, warn_after %s", age, chk.rule.WarnAfter)
	default:
		nr.Status, nr.Message = Pass, age
	}
	return nr
}
