package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/runner"
	"github.com/kiln-dev/kiln/runner/diag"
)

// textView prints one line per finished node and a summary, for people.
type textView struct {
	out, err io.Writer
}

func stamp() string { return time.Now().Format("15:04:05") }

func (v *textView) event(ev runner.Event) {
	switch e := ev.(type) {
	case runner.Warned:
		fmt.Fprintln(v.err, e.Diagnostic.Error())
	case runner.RunStarted:
		fmt.Fprintf(v.out, "%s  Running %d %s on target %s (schema %s) with %d threads\n",
			stamp(), e.Nodes, plural(e.Nodes, "node", "nodes"), e.Target, e.Schema, e.Threads)
	case runner.NodeFinished:
		v.nodeFinished(e)
	case runner.RunFinished:
		r := e.Result
		fmt.Fprintf(v.out, "%s  Finished in %.2fs.\n", stamp(), e.Duration.Seconds())
		fmt.Fprintf(v.out, "PASS=%d", r.Count(runner.Success)+r.Count(runner.Pass))
		if n := r.Count(runner.Warn); n > 0 {
			fmt.Fprintf(v.out, " WARN=%d", n)
		}
		fmt.Fprintf(v.out, " ERROR=%d SKIP=%d", r.Count(runner.Error)+r.Count(runner.Fail), r.Count(runner.Skipped))
		if n := r.Count(runner.Cancelled); n > 0 {
			fmt.Fprintf(v.out, " CANCELLED=%d", n)
		}
		fmt.Fprintf(v.out, " TOTAL=%d\n", len(r.Nodes))
	}
}

func (v *textView) nodeFinished(e runner.NodeFinished) {
	r := e.Result
	var status, detail string
	switch r.Status {
	case runner.Success:
		status, detail = "OK", fmt.Sprintf("[%s in %.2fs]", r.Message, e.Duration.Seconds())
	case runner.Pass:
		status, detail = "PASS", fmt.Sprintf("[PASS in %.2fs]", e.Duration.Seconds())
	case runner.Warn:
		status, detail = "WARN", fmt.Sprintf("[WARN %d in %.2fs]", r.Failures, e.Duration.Seconds())
	case runner.Fail:
		status, detail = "FAIL", fmt.Sprintf("[FAIL %d in %.2fs]", r.Failures, e.Duration.Seconds())
	case runner.Error:
		status, detail = "ERROR", fmt.Sprintf("[ERROR in %.2fs]", e.Duration.Seconds())
	case runner.Skipped:
		status, detail = "SKIP", "["+r.Message+"]"
	case runner.Cancelled:
		status, detail = "CANCEL", "["+r.Message+"]"
	}
	if e.Node.Materialized == "freshness" && r.Status != runner.Error {
		detail = "[" + r.Message + "]"
	}
	fmt.Fprintf(v.out, "%s  %d of %d %-6s %-11s %s %s\n", stamp(), e.Index, e.Total, status,
		e.Node.Materialized, dots(e.Node.Relation, 44), detail)
	if (r.Status == runner.Fail || r.Status == runner.Warn) && r.CompiledPath != "" {
		fmt.Fprintf(v.out, "    %s: %s\n", r.CompiledPath, r.Message)
	}
	if r.Status == runner.Error {
		where := e.Node.Path
		if r.Position != nil {
			where = r.Position.String()
		}
		if strings.HasPrefix(r.Message, where) { // a CSV error already names its file and line
			fmt.Fprintf(v.out, "    %s\n", r.Message)
		} else {
			fmt.Fprintf(v.out, "    %s: %s\n", where, r.Message)
		}
	}
}

func dots(s string, width int) string {
	if len(s) >= width {
		return s
	}
	return s + " " + strings.Repeat(".", width-len(s)-1)
}

func (v *textView) failure(err error) {
	var list diag.List
	if errors.As(err, &list) {
		for _, d := range list {
			fmt.Fprintln(v.err, d.Error())
		}
		fmt.Fprintf(v.err, "kiln: %d %s; nothing was run\n", len(list), plural(len(list), "error", "errors"))
		return
	}
	fmt.Fprintln(v.err, "kiln: "+err.Error())
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// compiled lists the compiled files, through one buffer: a compile can
// list tens of thousands.
func (v *textView) compiled(r *runner.CompileResult) {
	w := bufio.NewWriter(v.out)
	for _, n := range r.Nodes {
		fmt.Fprintln(w, n.Path)
	}
	fmt.Fprintf(w, "%s  Compiled %d models.\n", stamp(), len(r.Nodes))
	w.Flush()
}

func (v *textView) debug(r *runner.DebugReport, err error) {
	if r != nil {
		fmt.Fprintf(v.out, "project:    %s (%d models) OK\n", r.Project, r.Models)
		fmt.Fprintf(v.out, "profile:    %s OK\n", r.ProfilePath)
		fmt.Fprintf(v.out, "target:     %s\n", r.Target)
		if r.Connected {
			fmt.Fprintf(v.out, "connection: OK (%dms)\n", r.Latency.Milliseconds())
		}
	}
	if err != nil {
		v.failure(err)
		return
	}
	fmt.Fprintln(v.out, "All checks passed.")
}
