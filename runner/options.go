package runner

import "time"

// Options are what a command line asks of the engine, already parsed.
type Options struct {
	ProjectDir  string
	ProfilesDir string
	Target      string
	Vars        map[string]any // from --vars; beat project vars
	Threads     int            // 0: the profile's threads
	Select      []string
	Exclude     []string
	FailFast    bool
	FullRefresh bool // rebuild incremental models from scratch
	// LockWait bounds the wait for another invocation writing the same
	// relation; zero waits without limit.
	LockWait time.Duration
	// State is a directory holding a previous manifest.json (and
	// run_results.json) for state: and result: selectors and --defer.
	State string
	// Defer resolves refs to unselected models to the relations of the
	// State manifest instead of the target's.
	Defer bool
	// Selector names a selector of selectors.yml, added to Select/Exclude.
	Selector string
	// StoreFailures keeps every test's failing rows in
	// <target_schema>_dbt_test__audit, unless the test's config says not.
	StoreFailures bool

	only    []string // node ids chosen by Retry, instead of selectors
	command string   // run, test, build, seed, compile, ls: which kinds of node it selects
}
