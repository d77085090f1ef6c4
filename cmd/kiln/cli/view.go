package cli

import (
	"io"

	"github.com/kiln-dev/kiln/runner"
)

// view renders what the engine reports. The engine never prints.
type view interface {
	event(runner.Event)
	failure(error)
	compiled(*runner.CompileResult)
	debug(*runner.DebugReport, error)
}

func newView(format string, stdout, stderr io.Writer) view {
	if format == "json" {
		return &jsonView{out: stdout}
	}
	return &textView{out: stdout, err: stderr}
}
