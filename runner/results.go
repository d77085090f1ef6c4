package runner

import (
	"fmt"
	"time"
)

// Status is how a node ended.
type Status string

const (
	Success   Status = "success"
	Error     Status = "error"
	Skipped   Status = "skipped"
	Cancelled Status = "cancelled"
	// Tests end as pass, fail (rows found, severity error) or warn (rows
	// found, severity warn); a test whose SQL fails is an Error.
	Pass Status = "pass"
	Fail Status = "fail"
	Warn Status = "warn"
)

// Position locates an error in a compiled file.
type Position struct {
	File string // path of the compiled SQL, relative to the project
	Line int
	Col  int
}

func (p Position) String() string {
	if p.Line == 0 {
		return p.File
	}
	if p.Col == 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// NodeResult is the outcome of one node.
type NodeResult struct {
	NodeID       string
	Status       Status
	Message      string    // the database's message, or why it was skipped
	Position     *Position // where a database error points, when known
	Cause        string    // for Skipped: the failed upstream node
	RowsAffected int64     // -1 when unknown
	Failures     int64     // failing rows of a test
	Started      time.Time
	Duration     time.Duration
	CompiledPath string
}

// RunResult is what an invocation did to each selected node: a typed
// partial result, whatever happened.
type RunResult struct {
	InvocationID string
	Command      string
	Started      time.Time
	Duration     time.Duration
	Nodes        []NodeResult // in the order they finished
}

// Count returns how many nodes ended with status s.
func (r *RunResult) Count(s Status) int {
	n := 0
	for _, nr := range r.Nodes {
		if nr.Status == s {
			n++
		}
	}
	return n
}

// Failed reports whether any node errored, failed or was cancelled.
func (r *RunResult) Failed() bool {
	return r.Count(Error) > 0 || r.Count(Fail) > 0 || r.Count(Cancelled) > 0
}
