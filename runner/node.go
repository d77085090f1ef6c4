package runner

import (
	"sync"

	"github.com/kiln-dev/kiln/dag"
	"github.com/kiln-dev/kiln/runner/artifacts"
	"github.com/kiln-dev/kiln/runner/jinja"
	"github.com/kiln-dev/kiln/runner/project"
	"github.com/kiln-dev/kiln/runner/warehouse"
)

// Kind is what a node is.
type Kind string

const (
	KindModel Kind = "model"
	KindSeed  Kind = "seed"
	KindTest  Kind = "test"
)

// Node is a model, seed or test ready to run: final config, relation and
// compiled SQL.
type Node struct {
	ID           string
	Kind         Kind
	Name         string
	Path         string   // the source file, relative to the project
	FQN          []string // project, folders, name
	Model        *project.Model
	Config       project.Config
	Relation     warehouse.Relation
	DependsOn    []string // node ids, sorted
	SourceDeps   []string // source ids, sorted
	SQL          string   // compiled SQL; empty until rendered with final relations
	CompiledPath string   // target/compiled/<project>/<model path>, relative to the project

	// Incremental is true when is_incremental() holds for this run: the
	// model is incremental, its table exists, and no full refresh applies.
	Incremental bool
	// FullRefreshIgnored is true when --full-refresh was given but the
	// model's config says full_refresh: false.
	FullRefreshIgnored bool

	preHooks, postHooks []string // rendered
	inputs              *inputs  // vars and env vars read by the first render
	rawSource           string   // the file text of a seed or test
	deferred            bool     // Relation comes from --state (--defer)
	Seed                *project.Seed
	test                *testSpec // for test nodes

	handed map[string]warehouse.Relation // relations handed out during the first render
	result jinja.Result
}

// Compiled is a loaded, rendered and validated project: the plan.
type Compiled struct {
	Project     *project.Project
	Target      *project.Target
	ProfilePath string
	Vars        map[string]any
	Nodes       map[string]*Node
	Sources     map[string]*SourceNode
	Graph       *dag.Graph[string]
	Selected    []string // node ids, sorted
	env         *jinja.Env
	projectDir  string
	macros      *macroIndex
	prior       *priorState // from --state, or nil
	cache       *parseCache // first renders of the previous load, or nil
	reads       *readLog    // what the load read of the project directory
	// profileTarget is the target as the profile gives it, before
	// --threads: what project.Load saw.
	profileTarget map[string]any
	targetMap     map[string]any // Target.Map(), once
	// fingerprintScratch holds the buffers of fingerprintWith, which writes
	// a document about as long as the node's file for every node.
	fingerprintScratch sync.Pool
	// compiledStamps are the stamps of the compiled files Compile wrote,
	// by path, for the compile record.
	compiledStamps map[string]artifacts.Stamp
}

// refID is the id of the model or seed that ref(name) means, "" if none.
func (c *Compiled) refID(name string) string {
	if id := NodeID(c.Project.Name, name); c.Nodes[id] != nil {
		return id
	}
	if id := SeedID(c.Project.Name, name); c.Nodes[id] != nil {
		return id
	}
	return ""
}

// SeedID is dbt's unique id of a seed.
func SeedID(projectName, seed string) string { return "seed." + projectName + "." + seed }

// NodeID is dbt's unique id of a model.
func NodeID(projectName, model string) string { return "model." + projectName + "." + model }
