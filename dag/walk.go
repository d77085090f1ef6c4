package dag

import (
	"cmp"
	"context"
	"fmt"
	"runtime/debug"
	"sync"
)

// Status is how a node ended in a Walk.
type Status int

const (
	// Succeeded means fn ran and returned nil.
	Succeeded Status = iota + 1
	// Failed means fn ran and returned an error (or panicked), or the node lies
	// on a cycle and was never run.
	Failed
	// Skipped means a dependency Failed or was Skipped, so fn was not called.
	Skipped
	// Cancelled means the context was cancelled before the node could start.
	Cancelled
)

// String returns the lower-case name of s.
func (s Status) String() string {
	switch s {
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	case Cancelled:
		return "cancelled"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is the outcome of one node of a Walk.
type Result[K cmp.Ordered] struct {
	Status Status
	// Err is the error fn returned for a Failed node, a *CycleError for a
	// node on a cycle, and the context's cause for a Cancelled node.
	Err error
	// Cause is, for a Skipped node, the Failed node that is the root of the
	// skip (never an intermediate Skipped node). When several failures
	// reach a node, Cause is the smallest of them.
	Cause K
}

// WalkOptions tunes a Walk.
type WalkOptions[K cmp.Ordered] struct {
	// Limit is the most fn calls that run at once; values below 1 mean 1.
	Limit int
	// OnSkip, when set, is called once for every Skipped node with the
	// failed root cause. It is called from the goroutine that called Walk,
	// never concurrently with itself, and should return quickly.
	OnSkip func(k, cause K)
}

// Walk calls fn for every node once all of the node's dependencies have
// Succeeded, with at most opts.Limit calls running at once. Nodes that become
// ready at the same time start in key order. It returns the Result of every
// node of g.
//
// A node is resolved when all of its dependencies have finished:
//   - if ctx is done by then, it is Cancelled and fn is not called; nodes
//     still waiting when ctx is done are Cancelled at once;
//   - otherwise, if any dependency Failed or was Skipped, it is Skipped with
//     Cause set to the root failure and opts.OnSkip is called;
//   - otherwise fn runs. A nil error makes it Succeeded, an error Failed,
//     even when ctx was cancelled meanwhile: the caller decides what an
//     error during cancellation means. A panic in fn is recovered and makes
//     the node Failed with the panic value and stack.
//
// Failures do not stop unrelated branches. Walk never deadlocks on a cyclic
// graph: every node on a cycle is Failed with a *CycleError naming its
// cycle, without calling fn; nodes that depend on a cycle are Skipped with a
// node of the cycle as Cause; the rest of the graph runs.
//
// fn receives ctx. Every goroutine Walk starts has exited when it returns.
func (g *Graph[K]) Walk(ctx context.Context, opts WalkOptions[K], fn func(context.Context, K) error) map[K]Result[K] {
	w := &walker[K]{
		g:       g,
		ctx:     ctx,
		opts:    opts,
		fn:      fn,
		limit:   max(opts.Limit, 1),
		pending: make(map[K]int, len(g.deps)),
		results: make(map[K]Result[K], len(g.deps)),
		running: set[K]{},
	}
	w.done = make(chan outcome[K], w.limit)
	w.run()
	return w.results
}

type outcome[K cmp.Ordered] struct {
	key K
	err error
}

// walker is the state of one Walk. Only the goroutine that called Walk
// touches it; fn goroutines report back on done.
type walker[K cmp.Ordered] struct {
	g     *Graph[K]
	ctx   context.Context
	opts  WalkOptions[K]
	fn    func(context.Context, K) error
	limit int

	pending  map[K]int // dependencies not yet finished
	results  map[K]Result[K]
	running  set[K]
	ready    minHeap[K]
	finished []K // settled nodes whose dependents still need to be told
	done     chan outcome[K]
	wg       sync.WaitGroup
}

func (w *walker[K]) run() {
	defer w.wg.Wait()
	for k, deps := range w.g.deps {
		w.pending[k] = len(deps)
	}
	for _, scc := range w.g.components() {
		err := &CycleError[K]{Cycles: [][]K{w.g.cycleThrough(scc)}}
		for _, k := range scc {
			w.settle(k, Result[K]{Status: Failed, Err: err})
		}
	}
	for _, k := range w.g.Nodes() {
		if _, done := w.results[k]; !done && w.pending[k] == 0 {
			w.resolve(k)
		}
	}
	w.propagate()

	ctxDone := w.ctx.Done()
	for {
		for len(w.running) < w.limit && w.ready.len() > 0 && w.ctx.Err() == nil {
			w.start(w.ready.pop())
		}
		if len(w.running) == 0 {
			break
		}
		select {
		case o := <-w.done:
			delete(w.running, o.key)
			if o.err != nil {
				w.settle(o.key, Result[K]{Status: Failed, Err: o.err})
			} else {
				w.settle(o.key, Result[K]{Status: Succeeded})
			}
			w.propagate()
		case <-ctxDone:
			ctxDone = nil
			w.cancelWaiting()
		}
	}
	// Nothing runs any more: whatever has no result was waiting on a
	// cancelled context.
	w.cancelWaiting()
}

// start runs fn for k in a new goroutine.
func (w *walker[K]) start(k K) {
	w.running[k] = struct{}{}
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		var err error
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
			}
			w.done <- outcome[K]{key: k, err: err}
		}()
		err = w.fn(w.ctx, k)
	}()
}

// settle records the result of k and queues it to notify its dependents.
func (w *walker[K]) settle(k K, r Result[K]) {
	w.results[k] = r
	w.finished = append(w.finished, k)
}

// propagate tells the dependents of settled nodes that one more dependency
// has finished, resolving those with nothing left to wait for.
func (w *walker[K]) propagate() {
	for len(w.finished) > 0 {
		k := w.finished[0]
		w.finished = w.finished[1:]
		for _, d := range w.g.Dependents(k) {
			if _, done := w.results[d]; done {
				continue // on a cycle, or cancelled
			}
			w.pending[d]--
			if w.pending[d] == 0 {
				w.resolve(d)
			}
		}
	}
}

// resolve decides what happens to k once all its dependencies finished.
func (w *walker[K]) resolve(k K) {
	if w.ctx.Err() != nil {
		w.settle(k, Result[K]{Status: Cancelled, Err: context.Cause(w.ctx)})
		return
	}
	var cause K
	skipped, cancelled := false, false
	for d := range w.g.deps[k] {
		r := w.results[d]
		root := d
		switch r.Status {
		case Succeeded:
			continue
		case Cancelled:
			cancelled = true
			continue
		case Skipped:
			root = r.Cause
		}
		if !skipped || root < cause {
			cause, skipped = root, true
		}
	}
	switch {
	case skipped:
		w.settle(k, Result[K]{Status: Skipped, Cause: cause})
		if w.opts.OnSkip != nil {
			w.opts.OnSkip(k, cause)
		}
	case cancelled:
		w.settle(k, Result[K]{Status: Cancelled, Err: context.Cause(w.ctx)})
	default:
		w.ready.push(k)
	}
}

// cancelWaiting marks every node that is neither finished nor running as
// Cancelled, including those ready to start.
func (w *walker[K]) cancelWaiting() {
	w.ready.drain()
	w.finished = nil
	for k := range w.g.deps {
		if _, done := w.results[k]; done {
			continue
		}
		if _, run := w.running[k]; run {
			continue
		}
		w.results[k] = Result[K]{Status: Cancelled, Err: context.Cause(w.ctx)}
	}
}
