package runner

import (
	"time"

	"github.com/kiln-dev/kiln/runner/diag"
)

// Event is something the engine reports while it works. The CLI renders
// events as text or JSON; the engine never prints.
type Event interface{ event() }

// Sink receives events. The engine calls it from one goroutine at a time.
type Sink func(Event)

// NodeInfo identifies a node in events.
type NodeInfo struct {
	ID           string // model.<project>.<name>
	Name         string
	Path         string // the model file, relative to the project
	Relation     string // schema.name, unquoted, for display
	Materialized string
}

// Warned carries a non-fatal diagnostic, such as an unknown key in a dbt file.
type Warned struct {
	Diagnostic *diag.Diagnostic
}

// RunStarted opens an invocation that touches the database.
type RunStarted struct {
	InvocationID string
	Command      string
	Project      string
	Target       string
	Schema       string
	Threads      int
	Nodes        int
	At           time.Time
}

// NodeStarted says a node began executing.
type NodeStarted struct {
	Node  NodeInfo
	Index int // 1-based, in the order nodes start or are skipped
	Total int
	At    time.Time
}

// NodeFinished says a node ended, whatever its status.
type NodeFinished struct {
	Node     NodeInfo
	Index    int
	Total    int
	Result   NodeResult
	Duration time.Duration
}

// RunFinished closes an invocation.
type RunFinished struct {
	Result   *RunResult
	Duration time.Duration
}

func (Warned) event()       {}
func (RunStarted) event()   {}
func (NodeStarted) event()  {}
func (NodeFinished) event() {}
func (RunFinished) event()  {}
