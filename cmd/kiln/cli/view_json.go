package cli

import (
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/kiln-dev/kiln/runner"
	"github.com/kiln-dev/kiln/runner/diag"
)

// jsonView prints one JSON object per line per event, for schedulers.
type jsonView struct {
	out io.Writer
}

func (v *jsonView) write(fields map[string]any) {
	v.out.Write(line(fields))
}

// line is one event as a line of JSON, stamped with the time.
func line(fields map[string]any) []byte {
	fields["ts"] = time.Now().UTC().Format(time.RFC3339Nano)
	b, _ := json.Marshal(fields)
	return append(b, '\n')
}

func (v *jsonView) event(ev runner.Event) {
	switch e := ev.(type) {
	case runner.Warned:
		v.write(diagFields("warning", e.Diagnostic))
	case runner.RunStarted:
		v.write(map[string]any{"event": "invocation_started", "level": "info", "invocation_id": e.InvocationID,
			"command": e.Command, "project": e.Project, "target": e.Target, "schema": e.Schema,
			"threads": e.Threads, "nodes": e.Nodes})
	case runner.NodeStarted:
		v.write(map[string]any{"event": "node_started", "level": "info", "node_id": e.Node.ID,
			"relation": e.Node.Relation, "materialized": e.Node.Materialized, "index": e.Index, "total": e.Total})
	case runner.NodeFinished:
		r := e.Result
		f := map[string]any{"event": "node_finished", "level": "info", "node_id": e.Node.ID,
			"relation": e.Node.Relation, "materialized": e.Node.Materialized, "index": e.Index, "total": e.Total,
			"status": string(r.Status), "duration_s": e.Duration.Seconds(), "message": r.Message}
		if r.RowsAffected >= 0 {
			f["rows_affected"] = r.RowsAffected
		}
		switch r.Status {
		case runner.Error, runner.Cancelled, runner.Fail:
			f["level"] = "error"
		case runner.Warn:
			f["level"] = "warning"
		}
		if r.Status == runner.Pass || r.Status == runner.Fail || r.Status == runner.Warn {
			f["failures"] = r.Failures
		}
		if r.Cause != "" {
			f["caused_by"] = r.Cause
		}
		if r.Position != nil {
			f["error_file"], f["error_line"], f["error_column"] = r.Position.File, r.Position.Line, r.Position.Col
		}
		v.write(f)
	case runner.RunFinished:
		r := e.Result
		v.write(map[string]any{"event": "invocation_finished", "level": "info", "invocation_id": r.InvocationID,
			"duration_s": e.Duration.Seconds(), "pass": r.Count(runner.Success) + r.Count(runner.Pass), "warn": r.Count(runner.Warn),
			"error": r.Count(runner.Error) + r.Count(runner.Fail),
			"skip":  r.Count(runner.Skipped), "cancelled": r.Count(runner.Cancelled), "total": len(r.Nodes)})
	}
}

func diagFields(level string, d *diag.Diagnostic) map[string]any {
	f := map[string]any{"event": "diagnostic", "level": level, "message": d.Message}
	if d.File != "" {
		f["file"] = d.File
	}
	if d.Line > 0 {
		f["line"] = d.Line
	}
	if d.Hint != "" {
		f["hint"] = d.Hint
	}
	if d.Node != "" {
		f["node_id"] = d.Node
	}
	return f
}

func (v *jsonView) failure(err error) {
	var list diag.List
	if errors.As(err, &list) {
		for _, d := range list {
			v.write(diagFields("error", d))
		}
		return
	}
	v.write(map[string]any{"event": "error", "level": "error", "message": err.Error()})
}

// compiled writes one event per node, in one write: a compile can list
// tens of thousands.
func (v *jsonView) compiled(r *runner.CompileResult) {
	var b []byte
	for _, n := range r.Nodes {
		b = append(b, line(map[string]any{"event": "node_compiled", "level": "info", "node_id": n.NodeID, "compiled_path": n.Path})...)
	}
	v.out.Write(b)
}

func (v *jsonView) debug(r *runner.DebugReport, err error) {
	f := map[string]any{"event": "debug", "level": "info", "ok": err == nil}
	if r != nil {
		f["project"], f["profile_path"], f["target"], f["connected"] = r.Project, r.ProfilePath, r.Target, r.Connected
	}
	if err != nil {
		f["level"], f["message"] = "error", err.Error()
	}
	v.write(f)
}
