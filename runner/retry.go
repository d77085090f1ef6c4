package runner

import (
	"context"
	"os"
	"sort"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/project"
)

// retryable are the statuses `kiln retry` runs again.
var retryable = map[string]bool{"error": true, "skipped": true, "cancelled": true, "fail": true}

// NothingToRetry is returned by Retry when the last run left nothing to do.
type NothingToRetry struct{ Command string }

func (n *NothingToRetry) Error() string {
	return "nothing to retry: every node of the last '" + n.Command + "' succeeded"
}

// Retry re-runs exactly the nodes that failed, were skipped or were
// cancelled in the last invocation recorded in target/run_results.json,
// with that invocation's command.
func (e *Engine) Retry(ctx context.Context, opts Options) (*RunResult, error) {
	dir := opts.ProjectDir
	if dir == "" {
		dir = "."
	}
	proj, err := project.ReadTargetPath(os.DirFS(dir))
	if err != nil {
		return nil, err
	}
	prior, err := readPriorResults(targetFile(dir, proj))
	if err != nil {
		return nil, err
	}
	if prior.results == nil {
		return nil, &diag.Diagnostic{File: proj + "/run_results.json", Message: "nothing to retry: no previous run recorded", Hint: "run kiln run first"}
	}
	var ids []string
	for id, status := range prior.results {
		if retryable[status] {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil, &NothingToRetry{Command: prior.command}
	}
	sort.Strings(ids)
	opts.only = ids
	opts.Select, opts.Exclude, opts.Selector = nil, nil, ""
	return e.Run(ctx, opts)
}
