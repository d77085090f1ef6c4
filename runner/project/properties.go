package project

import (
	"io/fs"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/kiln-dev/kiln/runner/diag"
	"gopkg.in/yaml.v3"
)

// propertyKeys are the top-level keys of a dbt property file.
var propertyKeys = []string{
	"version", "models", "sources", "seeds", "snapshots", "macros",
	"analyses", "exposures", "metrics", "groups", "semantic_models",
	"saved_queries", "unit_tests", "data_tests", "functions",
}

// modelEntryKeys are the keys of an entry of models:.
var modelEntryKeys = []string{
	"name", "description", "config", "columns", "tests", "data_tests",
	"docs", "meta", "constraints", "access", "group", "latest_version",
	"versions", "deprecation_date", "time_spine",
}

// columnKeys are the keys of an entry of columns:.
var columnKeys = []string{
	"name", "description", "data_type", "tests", "data_tests", "meta",
	"quote", "constraints", "tags", "policy_tags", "config", "granularity",
	"dimension", "entity",
}

// modelPatch is what a property file says about one model.
type modelPatch struct {
	file        string
	line        int
	name        string
	description string
	columns     []Column
	config      Config
	tests       []any
}

// parsedFile is a property file read and parsed into YAML nodes.
type parsedFile struct {
	root    *yaml.Node
	readErr error // from reading the file
	err     error // a YAML syntax error, a diagnostic
}

// parsePropertyFiles reads and parses files on a few goroutines, since a
// large project has hundreds of property files and parsing YAML is most
// of reading them. Nothing of l is touched.
func (l *loader) parsePropertyFiles(files []string) []parsedFile {
	out := make([]parsedFile, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				data, err := fs.ReadFile(l.fsys, files[i])
				if err != nil {
					out[i].readErr = err
					continue
				}
				out[i].root, out[i].err = parseYAML(files[i], data)
			}
		})
	}
	wg.Wait()
	return out
}

// readPropertyFile reads one YAML property file, parsed by
// parsePropertyFiles: models: and sources:. Like dbt, it warns about what
// it does not know and never fails on it.
func (l *loader) readPropertyFile(file string, parsed parsedFile) {
	if parsed.readErr != nil {
		l.diags = append(l.diags, diag.Errorf(file, 0, "cannot read: %s", pathErr(parsed.readErr)))
		return
	}
	root, err := parsed.root, parsed.err
	if err != nil {
		l.diags.Add(err)
		return
	}
	if root == nil {
		return
	}
	if root.Kind != yaml.MappingNode {
		l.diags = append(l.diags, diag.Errorf(file, root.Line, "a property file must be a mapping (version: 2, models:, sources:, ...), got %s", kindName(root)))
		return
	}
	l.renderValues(file, root, nil, skipPropertyRender)
	hasVersion := false
	for _, p := range pairs(root) {
		switch p.Key {
		case "version":
			hasVersion = true
			if v, _ := stringValue(p.Value); v != "2" {
				d := diag.Errorf(file, p.Line, "version %s is not supported", kindName(p.Value))
				d.Hint = "use version: 2"
				l.diags = append(l.diags, d)
			}
		case "models":
			for _, e := range l.entries(file, p) {
				l.readModelEntry(file, e)
			}
		case "sources":
			for _, e := range l.entries(file, p) {
				l.readSource(file, e)
			}
		case "seeds":
			for _, e := range l.entries(file, p) {
				l.readSeedEntry(file, e) // seeds.go
			}
		default:
			if !slices.Contains(propertyKeys, p.Key) {
				d := diag.Warnf(file, p.Line, "unknown key '%s'", p.Key)
				d.Hint = diag.Suggest(p.Key, propertyKeys)
				l.diags = append(l.diags, d)
			}
		}
	}
	if !hasVersion {
		d := diag.Warnf(file, 1, "version: 2 is missing")
		d.Hint = "add version: 2 at the top of the file"
		l.diags = append(l.diags, d)
	}
}

// skipPropertyRender says which values of a property file are not
// rendered at load time: everything outside models:, seeds: and sources:,
// and descriptions, tests and hooks, which dbt renders later or never.
func skipPropertyRender(keypath []string) bool {
	if keypath[0] != "models" && keypath[0] != "seeds" && keypath[0] != "sources" {
		return true
	}
	switch k := normalizeKey(keypath[len(keypath)-1]); k {
	case "description", "tests", "data_tests", "pre_hook", "post_hook":
		return true
	}
	return false
}

// entries lists the mappings of a models: or sources: list, reporting
// anything else.
func (l *loader) entries(file string, p pair) []*yaml.Node {
	if isNull(p.Value) {
		return nil
	}
	if deref(p.Value).Kind != yaml.SequenceNode {
		l.diags = append(l.diags, diag.Errorf(file, p.Line, "%s must be a list of entries with name:, got %s", p.Key, kindName(p.Value)))
		return nil
	}
	var out []*yaml.Node
	for _, e := range items(p.Value) {
		if !isMap(e) {
			l.diags = append(l.diags, diag.Errorf(file, e.Line, "each entry of %s must be a mapping with name:, got %s", p.Key, kindName(e)))
			continue
		}
		out = append(out, e)
	}
	return out
}

// entryName reads the required name: of an entry.
func (l *loader) entryName(file string, e *yaml.Node, what string) (string, bool) {
	for _, p := range pairs(e) {
		if p.Key == "name" {
			if s, ok := stringValue(p.Value); ok && s != "" {
				return s, true
			}
			l.diags = append(l.diags, diag.Errorf(file, p.Line, "%s name must be a string, got %s", what, kindName(p.Value)))
			return "", false
		}
	}
	l.diags = append(l.diags, diag.Errorf(file, e.Line, "%s entry has no name:", what))
	return "", false
}

// text reads a description-like value; null is empty.
func (l *loader) text(file string, p pair) string {
	if isNull(p.Value) {
		return ""
	}
	s, ok := stringValue(p.Value)
	if !ok {
		l.diags = append(l.diags, diag.Errorf(file, p.Line, "%s must be text, got %s", p.Key, kindName(p.Value)))
	}
	return s
}

// warnUnknownKey warns about a key an entry does not know; a config key
// written outside config: gets a hint to move it.
func (l *loader) warnUnknownKey(file string, p pair, known []string) {
	d := diag.Warnf(file, p.Line, "unknown key '%s'", p.Key)
	if isConfigKey(normalizeKey(p.Key)) {
		d.Hint = "put it under config:"
	} else {
		d.Hint = diag.Suggest(p.Key, known)
	}
	l.diags = append(l.diags, d)
}

// readConfig reads a config: mapping, checking each key at its line.
func (l *loader) readConfig(file string, p pair) Config {
	cfg := Config{}
	if isNull(p.Value) {
		return cfg
	}
	if !isMap(p.Value) {
		l.diags = append(l.diags, diag.Errorf(file, p.Line, "config must be a mapping, got %s", kindName(p.Value)))
		return cfg
	}
	for _, kv := range pairs(p.Value) {
		c := Config{normalizeKey(kv.Key): value(kv.Value)}
		l.diags = append(l.diags, CheckConfig(c, file, kv.Line)...)
		l.diags = append(l.diags, checkSeedConfig(c, file, kv.Line)...) // seeds.go
		cfg = cfg.Merge(c)
	}
	return cfg
}

// readModelEntry reads one entry of models:.
func (l *loader) readModelEntry(file string, e *yaml.Node) {
	name, ok := l.entryName(file, e, "model")
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
		case "docs", "meta", "access", "group":
			c := Config{p.Key: value(p.Value)}
			l.diags = append(l.diags, CheckConfig(c, file, p.Line)...)
			top = top.Merge(c)
		default:
			if !slices.Contains(modelEntryKeys, p.Key) {
				l.warnUnknownKey(file, p, modelEntryKeys)
			}
		}
	}
	pt.config = top.Merge(inConfig)
	l.patches = append(l.patches, pt)
}

// readColumns reads a columns: list.
func (l *loader) readColumns(file string, p pair) []Column {
	var cols []Column
	for _, e := range l.entries(file, p) {
		name, ok := l.entryName(file, e, "column")
		if !ok {
			continue
		}
		col := Column{Name: name}
		for _, kv := range pairs(e) {
			switch kv.Key {
			case "name":
			case "description":
				col.Description = l.text(file, kv)
			case "data_type":
				col.DataType = l.text(file, kv)
			case "tests", "data_tests":
				col.Tests = append(col.Tests, toList(value(kv.Value))...)
			default:
				if !slices.Contains(columnKeys, kv.Key) {
					l.warnUnknownKey(file, kv, columnKeys)
				}
			}
		}
		cols = append(cols, col)
	}
	return cols
}

// applyPatches merges what property files say into the models they name.
func (l *loader) applyPatches() {
	applyPatches(l, "model", ".sql", l.p.Models, func(m *Model) string { return m.Name }, l.patches,
		func(m *Model, pt *modelPatch) {
			m.Config = m.Config.Merge(pt.config)
			m.Description, m.Columns, m.Tests, m.PatchPath = pt.description, pt.columns, pt.tests, pt.file
		})
}

// applyPatches pairs each property-file entry with the nodes of its name
// and applies it to them. An entry naming no node is a warning with a
// did-you-mean; a name described twice is an error naming both places.
func applyPatches[T any](l *loader, kind, ext string, nodes []T, nameOf func(T) string, patches []*modelPatch, apply func(T, *modelPatch)) {
	byName := map[string][]T{}
	var names []string
	for _, n := range nodes {
		name := nameOf(n)
		if _, ok := byName[name]; !ok {
			names = append(names, name)
		}
		byName[name] = append(byName[name], n)
	}
	sort.Strings(names)
	done := map[string]*modelPatch{}
	for _, pt := range patches {
		matched := byName[pt.name]
		if len(matched) == 0 {
			d := diag.Warnf(pt.file, pt.line, "%s '%s' is described but no %s file defines it", kind, pt.name, ext)
			d.Hint = diag.Suggest(pt.name, names)
			l.diags = append(l.diags, d)
			continue
		}
		if prev := done[pt.name]; prev != nil {
			d := diag.Errorf(pt.file, pt.line, "%s '%s' is described twice: here and at %s:%d", kind, pt.name, prev.file, prev.line)
			d.Hint = "describe each " + kind + " in one place"
			l.diags = append(l.diags, d)
			continue
		}
		done[pt.name] = pt
		for _, n := range matched {
			apply(n, pt)
		}
	}
}
