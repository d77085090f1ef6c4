// Package project loads a dbt project from an fs.FS: dbt_project.yml, the
// models, macros and YAML property files, and the profile in profiles.yml.
// Everything is read and checked before anything touches the database, and
// all problems are reported together.
package project

import (
	"io/fs"
	"sort"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
)

// LoadOptions are the inputs of Load besides the project files.
type LoadOptions struct {
	// Vars are the --vars of the command line; they override project vars
	// when dbt_project.yml and property files are rendered.
	Vars map[string]any
	// EnvVar looks up environment variables for env_var(); nil reads the
	// process environment.
	EnvVar func(string) (string, bool)
	// Target is the target variable for rendering YAML values, as in
	// jinja.Context; build it with Target.Map after finding the profile
	// with ReadProfileName. Nil renders target.* as empty.
	Target map[string]any
}

// Project is a loaded dbt project.
type Project struct {
	Name, ProfileName                            string
	ModelPaths, MacroPaths, SeedPaths, TestPaths []string
	TargetPath                                   string
	// Vars are the project vars: the global ones of dbt_project.yml with
	// those scoped to this project merged over them. The caller applies
	// --vars on top.
	Vars map[string]any
	// Models are sorted by Path and include disabled ones.
	Models  []*Model
	Macros  []jinja.File
	Sources []*Source // sorted by SourceName, then Name
	// Seeds are the .csv files of the seed paths, sorted by Path, disabled
	// ones included (seeds.go).
	Seeds []*Seed
	// Tests are the singular tests of the test paths, sorted by Path; the
	// .sql files of <test path>/generic/ are in Macros (tests.go).
	Tests []*SingularTest
	// OnRunStart and OnRunEnd are dbt_project.yml's run hooks, unrendered.
	OnRunStart, OnRunEnd []Hook
	Warnings             diag.List
}

// Model is one .sql file of a model path.
type Model struct {
	Name   string   // file name without .sql
	Path   string   // slash path relative to the project directory
	FQN    []string // project name, folders below the model path, name
	Source string   // the file's contents
	// Config is the folder configs of dbt_project.yml with the config of
	// the model's YAML properties merged over them.
	Config      Config
	Description string
	Columns     []Column
	PatchPath   string // the property file that describes the model, if any
	// Tests are the model-level data tests as written (tests: or
	// data_tests:), decoded from YAML but not interpreted yet.
	Tests []any
}

// ID is the model's unique id, model.<project>.<name>.
func (m *Model) ID() string { return "model." + m.FQN[0] + "." + m.Name }

// Column is a column described in YAML properties.
type Column struct {
	Name, Description string
	DataType          string
	Tests             []any // as written, not interpreted yet
}

// Load reads the project rooted at fsys, which must allow concurrent reads
// (os.DirFS and fstest.MapFS do). The error, if any, is a diag.List
// holding every error found; warnings are in Project.Warnings.
func Load(fsys fs.FS, opts LoadOptions) (*Project, error) {
	l := &loader{fsys: fsys, opts: opts, p: &Project{}}
	l.load()
	if err := l.diags.Err(); err != nil {
		return nil, err
	}
	warnings := l.diags.Warnings()
	sort.SliceStable(warnings, func(i, j int) bool {
		if warnings[i].File != warnings[j].File {
			return warnings[i].File < warnings[j].File
		}
		return warnings[i].Line < warnings[j].Line
	})
	l.p.Warnings = warnings
	return l.p, nil
}

// loader holds the state of one Load.
type loader struct {
	fsys  fs.FS
	opts  LoadOptions
	p     *Project
	diags diag.List
	r     *renderer
	tree  *configTree // the models: tree of dbt_project.yml

	seedTree    *configTree   // the seeds: tree of dbt_project.yml (seeds.go)
	seedPatches []*modelPatch // seeds: entries of property files (seeds.go)

	propertyFiles []string
	patches       []*modelPatch
}

func (l *loader) load() {
	if !l.readProjectFile() {
		return
	}
	l.discoverModels()
	l.discoverMacros()
	l.discoverTests() // tests.go
	l.discoverSeeds() // seeds.go
	l.discoverPropertyFiles(l.p.SeedPaths)
	l.applyFolderConfigs()
	sort.Strings(l.propertyFiles)
	for i, parsed := range l.parsePropertyFiles(l.propertyFiles) {
		l.readPropertyFile(l.propertyFiles[i], parsed)
	}
	l.applyPatches()
	l.checkDuplicateModels()
	l.finishSeeds() // seeds.go
	sort.Slice(l.p.Sources, func(i, j int) bool {
		a, b := l.p.Sources[i], l.p.Sources[j]
		if a.SourceName != b.SourceName {
			return a.SourceName < b.SourceName
		}
		return a.Name < b.Name
	})
}

// vars are what var() sees when rendering: --vars over project vars.
func (l *loader) vars() map[string]any {
	out := make(map[string]any, len(l.p.Vars)+len(l.opts.Vars))
	for k, v := range l.p.Vars {
		out[k] = v
	}
	for k, v := range l.opts.Vars {
		out[k] = v
	}
	return out
}
