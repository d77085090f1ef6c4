package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"gopkg.in/yaml.v3"

	"github.com/kiln-dev/kiln/runner"
)

// commonFlags are the flags every project command takes, as dbt spells them.
type commonFlags struct {
	projectDir  string
	profilesDir string
	target      string
	vars        string
	threads     int
	selects     []string
	excludes    []string
	failFast    bool
	fullRefresh bool
	storeFail   bool
	lockTimeout time.Duration
	logFormat   string
	state       string
	deferTo     bool
	selector    string
}

func (f *commonFlags) register(cmd *cobra.Command, withRun bool) {
	fs := cmd.Flags()
	fs.StringVar(&f.projectDir, "project-dir", ".", "directory holding dbt_project.yml")
	fs.StringVar(&f.profilesDir, "profiles-dir", "", "directory holding profiles.yml (default: $DBT_PROFILES_DIR, the project dir, ~/.dbt)")
	fs.StringVarP(&f.target, "target", "t", "", "profile target to use (default: the profile's target)")
	fs.StringVar(&f.vars, "vars", "", "YAML mapping of variables, overriding the project's vars")
	fs.StringSliceVarP(&f.selects, "select", "s", nil, "nodes to select (names, +name, name+, tag:x, path:dir, ...)")
	fs.StringSliceVar(&f.excludes, "exclude", nil, "nodes to exclude, same syntax as --select")
	fs.StringVar(&f.logFormat, "log-format", "text", "output format: text or json")
	fs.StringVar(&f.state, "state", "", "directory with a previous manifest.json and run_results.json, for state: and result: selectors and --defer")
	fs.BoolVar(&f.deferTo, "defer", false, "resolve refs to unselected models to the relations in the --state manifest")
	fs.StringVar(&f.selector, "selector", "", "a named selector from selectors.yml")
	if withRun {
		fs.IntVar(&f.threads, "threads", 0, "models built at once (default: the profile's threads)")
		fs.BoolVarP(&f.failFast, "fail-fast", "x", false, "stop at the first failure")
		fs.BoolVar(&f.fullRefresh, "full-refresh", false, "rebuild incremental models from scratch")
		fs.BoolVar(&f.storeFail, "store-failures", false, "keep each failing test's rows in <target_schema>_dbt_test__audit")
		fs.DurationVar(&f.lockTimeout, "lock-timeout", 0, "how long to wait for another run writing the same table, e.g. 30s (default: no limit)")
	}
}

// options turns the flags into the engine's options.
func (f *commonFlags) options(args []string) (runner.Options, error) {
	vars := map[string]any{}
	if f.vars != "" {
		if err := yaml.Unmarshal([]byte(f.vars), &vars); err != nil {
			return runner.Options{}, fmt.Errorf("--vars is not a YAML mapping: %v", err)
		}
	}
	if f.threads < 0 {
		return runner.Options{}, fmt.Errorf("--threads must be at least 1, got %d", f.threads)
	}
	if f.deferTo && f.state == "" {
		return runner.Options{}, fmt.Errorf("--defer needs --state DIR")
	}
	if f.logFormat != "text" && f.logFormat != "json" {
		return runner.Options{}, fmt.Errorf("--log-format must be text or json, got %q", f.logFormat)
	}
	// dbt accepts space-separated selectors inside one --select value, and
	// extra positional words after it; both mean a union.
	selects := append(append([]string{}, f.selects...), args...)
	return runner.Options{
		ProjectDir:    f.projectDir,
		ProfilesDir:   f.profilesDir,
		Target:        f.target,
		Vars:          vars,
		Threads:       f.threads,
		Select:        selects,
		Exclude:       f.excludes,
		FailFast:      f.failFast,
		FullRefresh:   f.fullRefresh,
		StoreFailures: f.storeFail,
		LockWait:      f.lockTimeout,
		State:         f.state,
		Defer:         f.deferTo,
		Selector:      f.selector,
	}, nil
}
