// Package synth generates synthetic dbt-style projects of any size, for
// benchmarks and load tests: staging, intermediate and mart layers, one to
// three refs per model, project macros, a for-loop, incremental models and
// not_null tests in YAML property files.
//
// The output depends only on the Options: the same Models and Seed give the
// same files, byte for byte. Every model refs only models generated before
// it, so the graph never has a cycle. Staging models read from
// generate_series (or, with Options.Sources, from declared sources), so a
// generated project runs on an empty PostgreSQL database.
package synth

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
)

// Options say what project to generate.
type Options struct {
	Models int   // number of models, 1 to MaxModels
	Seed   int64 // picks the refs; the same Models and Seed give the same project

	// Incremental makes about a quarter of the mart models incremental,
	// with unique_key='id' and an is_incremental() filter on {{ this }}.
	Incremental bool
	// Tests adds a not_null test on id to every fourth model, in a YAML
	// property file beside the models.
	Tests bool
	// Trivial makes every model a view with no macros: `select 1 as id`
	// for staging models, `select id from {{ ref(...) }}` for the others.
	// Incremental and Sources are ignored.
	Trivial bool
	// Sources makes staging models select from {{ source('raw', ...) }},
	// declared in models/staging/_sources.yml with schema
	// "{{ target.schema }}_raw", instead of from generate_series. Running
	// such a project needs the tables of SourceTables in that schema, with
	// the columns of RawColumns.
	Sources bool
}

// MaxModels is the largest project Write generates; model names have six
// digits.
const MaxModels = 999_999

// GroupSize is how many models share a folder (and a property file).
const GroupSize = 100

// Layer names, which are also the folders under models/.
const (
	Staging      = "staging"
	Intermediate = "intermediate"
	Marts        = "marts"
)

// Model is one generated model.
type Model struct {
	Name        string
	Layer       string   // Staging, Intermediate or Marts
	Path        string   // slash path relative to the project, e.g. models/staging/g000/stg_000000.sql
	Refs        []string // names of the models it refs, all generated before it
	Source      string   // the raw table it selects from, with Options.Sources
	Incremental bool
	Tested      bool // has a not_null test on id
}

// File is one generated file.
type File struct {
	Path string // slash path relative to the project directory
	Data string
}

// Plan decides the models of a project without rendering them.
func Plan(o Options) ([]Model, error) {
	if o.Models < 1 || o.Models > MaxModels {
		return nil, fmt.Errorf("synth: Models must be between 1 and %d, not %d", MaxModels, o.Models)
	}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), uint64(o.Models)))
	n := o.Models
	nStg := max(1, n/5)
	nMart := n * 3 / 10
	nInt := n - nStg - nMart
	models := make([]Model, n)
	for i := range models {
		m := Model{Tested: o.Tests && i%4 == 0}
		var prefix string
		switch {
		case i < nStg:
			m.Layer, prefix = Staging, "stg"
			if o.Sources && !o.Trivial {
				m.Source = rawTable(i % sourceTables)
			}
		case i < nStg+nInt:
			m.Layer, prefix = Intermediate, "int"
			m.Refs = pickRefs(rng, models, i)
		default:
			m.Layer, prefix = Marts, "fct"
			// Marts build on staging and intermediate models, never on
			// other marts.
			m.Refs = pickRefs(rng, models, nStg+nInt)
			m.Incremental = o.Incremental && !o.Trivial && rng.IntN(4) == 0
		}
		m.Name = fmt.Sprintf("%s_%06d", prefix, i)
		m.Path = path.Join("models", m.Layer, groupDir(i), m.Name+".sql")
		models[i] = m
	}
	return models, nil
}

// pickRefs chooses one to three distinct models among models[:below].
func pickRefs(rng *rand.Rand, models []Model, below int) []string {
	k := 1 + rng.IntN(3)
	k = min(k, below)
	picked := make([]int, 0, k)
	for len(picked) < k {
		j := rng.IntN(below)
		dup := false
		for _, p := range picked {
			dup = dup || p == j
		}
		if !dup {
			picked = append(picked, j)
		}
	}
	refs := make([]string, k)
	for x, j := range picked {
		refs[x] = models[j].Name
	}
	return refs
}

func groupDir(i int) string { return fmt.Sprintf("g%04d", i/GroupSize) }

// Files renders the whole project: dbt_project.yml, the macros, the models
// and their property files. It writes no profiles.yml. Files are in a
// stable order: dbt_project.yml, macros, then per folder the models and
// its property file.
func Files(o Options) ([]File, error) {
	models, err := Plan(o)
	if err != nil {
		return nil, err
	}
	files := []File{{Path: "dbt_project.yml", Data: projectFile(o)}}
	if !o.Trivial {
		files = append(files, macroFiles...)
	}
	if o.Sources && !o.Trivial {
		files = append(files, File{Path: "models/staging/_sources.yml", Data: sourcesFile()})
	}
	for start := 0; start < len(models); {
		dir := path.Dir(models[start].Path)
		end := start
		for end < len(models) && path.Dir(models[end].Path) == dir {
			end++
		}
		group := models[start:end]
		for _, m := range group {
			files = append(files, File{Path: m.Path, Data: modelFile(o, m)})
		}
		if props := propertiesFile(group); props != "" {
			files = append(files, File{Path: path.Join(dir, "_properties.yml"), Data: props})
		}
		start = end
	}
	return files, nil
}

// Write generates the project into dir, which must not already hold a
// dbt_project.yml, models/ or macros/. The caller writes profiles.yml.
func Write(dir string, o Options) error {
	files, err := Files(o)
	if err != nil {
		return err
	}
	for _, name := range []string{"dbt_project.yml", "models", "macros"} {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			return fmt.Errorf("synth: %s already exists; generate into an empty directory", filepath.Join(dir, name))
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	made := map[string]bool{}
	for _, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		if d := filepath.Dir(p); !made[d] {
			if err := os.MkdirAll(d, 0o755); err != nil {
				return err
			}
			made[d] = true
		}
		if err := os.WriteFile(p, []byte(f.Data), 0o644); err != nil {
			return err
		}
	}
	return nil
}
