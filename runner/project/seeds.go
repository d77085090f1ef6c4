package project

import (
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/seed"
	"gopkg.in/yaml.v3"
)

// Seed is one .csv file of a seed path, whose rows kiln loads into a table.
// Only its path is read at load time; ReadTable reads and parses the file.
type Seed struct {
	Name string   // file name without .csv
	Path string   // slash path relative to the project directory
	FQN  []string // project name, folders below the seed path, name
	// Config is the folder configs of the seeds: tree of dbt_project.yml
	// with the config of the seed's YAML properties merged over them.
	Config      Config
	Description string
	Columns     []Column
	PatchPath   string // the property file that describes the seed, if any
	// Tests are the seed-level data tests as written (tests: or
	// data_tests:), decoded from YAML but not interpreted yet.
	Tests []any
}

// ID is the seed's unique id, seed.<project>.<name>.
func (s *Seed) ID() string { return "seed." + s.FQN[0] + "." + s.Name }

// ColumnTypes is the configured column_types: column name to SQL type.
func (s *Seed) ColumnTypes() map[string]string {
	m, _ := s.Config["column_types"].(map[string]any)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if t, ok := v.(string); ok {
			out[k] = t
		}
	}
	return out
}

// QuoteColumns is the configured quote_columns; true when unset, as
// dbt-postgres quotes seed columns by default.
func (s *Seed) QuoteColumns() bool {
	b, ok := s.Config["quote_columns"].(bool)
	return !ok || b
}

// Delimiter is the configured delimiter, a comma when unset.
func (s *Seed) Delimiter() rune {
	if d, ok := s.Config["delimiter"].(string); ok && utf8.RuneCountInString(d) == 1 {
		r, _ := utf8.DecodeRuneInString(d)
		return r
	}
	return ','
}

// ParseOptions are the options to parse the seed's file with.
func (s *Seed) ParseOptions() seed.Options {
	return seed.Options{ColumnTypes: s.ColumnTypes(), Delimiter: s.Delimiter(), FoldCase: !s.QuoteColumns()}
}

// ReadTable reads the seed's file from fsys, the project directory, and
// checks and types it (seed.Scan: its values are converted on demand).
// Errors are diagnostics naming the file.
func (s *Seed) ReadTable(fsys fs.FS) (*seed.Table, error) {
	data, err := fs.ReadFile(fsys, s.Path)
	if err != nil {
		return nil, diag.Errorf(s.Path, 0, "cannot read: %s", pathErr(err))
	}
	return seed.Scan(s.Path, data, s.ParseOptions())
}

// seedEntryKeys are the keys of an entry of seeds: in a property file.
var seedEntryKeys = []string{"name", "description", "config", "columns", "tests", "data_tests", "docs", "meta"}

// discoverSeeds notes every .csv file of the seed paths, gives each its
// folder config from the seeds: tree and warns about paths of that tree
// that match no seed.
func (l *loader) discoverSeeds() {
	seen := map[string]bool{}
	for _, dir := range l.p.SeedPaths {
		l.walkFiles(dir, func(file string) {
			if path.Ext(file) != ".csv" || seen[file] {
				return
			}
			seen[file] = true
			rel := file
			if dir != "." {
				rel = strings.TrimPrefix(file, dir+"/")
			}
			parts := strings.Split(rel, "/")
			name := strings.TrimSuffix(parts[len(parts)-1], ".csv")
			fqn := append(append([]string{l.p.Name}, parts[:len(parts)-1]...), name)
			l.p.Seeds = append(l.p.Seeds, &Seed{Name: name, Path: file, FQN: fqn, Config: Config{}})
		})
	}
	sort.SliceStable(l.p.Seeds, func(i, j int) bool { return l.p.Seeds[i].Path < l.p.Seeds[j].Path })
	fqns := make([][]string, len(l.p.Seeds))
	for i, s := range l.p.Seeds {
		s.Config = l.seedTree.configFor(s.FQN)
		fqns[i] = s.FQN
	}
	l.warnUnusedTree(l.seedTree, "seeds", fqns)
}

// readSeedEntry reads one entry of seeds: in a property file.
func (l *loader) readSeedEntry(file string, e *yaml.Node) {
	name, ok := l.entryName(file, e, "seed")
	if !ok {
		return
	}
	pt := &modelPatch{file: file, line: e.Line, name: name}
	top, inConfig := Config{}, Config{}
	for _, p := range pairs(e) {
		switch p.Key {
		case "name":
		case "description":
			pt.description = l.text(file, p)
		case "config":
			inConfig = l.readConfig(file, p)
		case "columns":
			pt.columns = l.readColumns(file, p)
		case "tests", "data_tests":
			pt.tests = append(pt.tests, toList(value(p.Value))...)
		case "docs", "meta":
			c := Config{p.Key: value(p.Value)}
			l.diags = append(l.diags, CheckConfig(c, file, p.Line)...)
			top = top.Merge(c)
		default:
			l.warnUnknownKey(file, p, seedEntryKeys)
		}
	}
	pt.config = top.Merge(inConfig)
	l.seedPatches = append(l.seedPatches, pt)
}

// finishSeeds merges what property files say into the seeds they name,
// then reports enabled seeds that share a name with another seed or with
// a model: ref() could not tell them apart.
func (l *loader) finishSeeds() {
	applyPatches(l, "seed", ".csv", l.p.Seeds, func(s *Seed) string { return s.Name }, l.seedPatches,
		func(s *Seed, pt *modelPatch) {
			s.Config = s.Config.Merge(pt.config)
			s.Description, s.Columns, s.Tests, s.PatchPath = pt.description, pt.columns, pt.tests, pt.file
		})

	models := map[string]*Model{}
	for _, m := range l.p.Models {
		if _, ok := models[m.Name]; !ok && m.Config.Enabled() {
			models[m.Name] = m
		}
	}
	first := map[string]*Seed{}
	for _, s := range l.p.Seeds {
		if !s.Config.Enabled() {
			continue
		}
		if m := models[s.Name]; m != nil {
			d := diag.Errorf(s.Path, 0, "seed '%s' has the name of model %s; ref('%s') cannot name both", s.Name, m.Path, s.Name)
			d.Hint = "rename one of the files, or disable one with enabled: false"
			l.diags = append(l.diags, d)
		}
		if prev, ok := first[s.Name]; ok {
			d := diag.Errorf(s.Path, 0, "seed name '%s' is used by both %s and %s", s.Name, prev.Path, s.Path)
			d.Hint = "rename one of the files, or disable one with enabled: false"
			l.diags = append(l.diags, d)
			continue
		}
		first[s.Name] = s
	}
}

// checkSeedConfig checks the values of the configs only seeds have, as
// written at file:line: column_types, quote_columns and delimiter.
func checkSeedConfig(c Config, file string, line int) diag.List {
	var out diag.List
	for raw, v := range c {
		switch k := normalizeKey(raw); k {
		case "column_types":
			m, ok := v.(map[string]any)
			if v != nil && !ok {
				out = append(out, diag.Errorf(file, line, "column_types must map column names to SQL types, got %s", describe(v)))
				continue
			}
			cols := make([]string, 0, len(m))
			for col := range m {
				cols = append(cols, col)
			}
			slices.Sort(cols)
			for _, col := range cols {
				if t, ok := m[col].(string); !ok || strings.TrimSpace(t) == "" {
					out = append(out, diag.Errorf(file, line, "column_types: the type of column '%s' must be a SQL type name, got %s", col, describe(m[col])))
				}
			}
		case "quote_columns":
			if _, ok := v.(bool); !ok && v != nil {
				out = append(out, diag.Errorf(file, line, "quote_columns must be true or false, got %s", describe(v)))
			}
		case "delimiter":
			s, ok := v.(string)
			if v != nil && (!ok || utf8.RuneCountInString(s) != 1 || strings.ContainsAny(s, "\"\r\n")) {
				d := diag.Errorf(file, line, "delimiter must be one character, other than a quote or a line break, got %s", describe(v))
				d.Hint = `e.g. delimiter: "|"`
				out = append(out, d)
			}
		}
	}
	return out
}
