package project

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kiln-dev/kiln/runner/diag"
	"github.com/kiln-dev/kiln/runner/jinja"
)

// walkFiles calls fn for every file below dir, in lexical order. A missing
// directory holds no files, as in dbt.
func (l *loader) walkFiles(dir string, fn func(file string)) {
	_ = fs.WalkDir(l.fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			l.diags = append(l.diags, diag.Errorf(p, 0, "cannot read: %s", pathErr(err)))
			return nil
		}
		if !d.IsDir() {
			fn(p)
		}
		return nil
	})
}

// pathErr drops the path that an fs.PathError repeats.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// readFile reads a file, reporting a failure as a diagnostic.
func (l *loader) readFile(file string) (string, bool) {
	data, err := fs.ReadFile(l.fsys, file)
	if err != nil {
		l.diags = append(l.diags, diag.Errorf(file, 0, "cannot read: %s", pathErr(err)))
		return "", false
	}
	return string(data), true
}

func isYAMLFile(p string) bool {
	ext := path.Ext(p)
	return ext == ".yml" || ext == ".yaml"
}

// discoverModels reads every .sql file of the model paths, and notes the
// property files found there.
func (l *loader) discoverModels() {
	type found struct{ file, dir string }
	var sqls []found
	for _, dir := range l.p.ModelPaths {
		l.walkFiles(dir, func(file string) {
			switch {
			case isYAMLFile(file):
				l.addPropertyFile(file)
			case path.Ext(file) == ".py":
				l.diags = append(l.diags, diag.Warnf(file, 0, "Python models are not supported; kiln skips this file"))
			case path.Ext(file) == ".sql":
				sqls = append(sqls, found{file, dir})
			}
		})
	}
	files := make([]string, len(sqls))
	for i, f := range sqls {
		files[i] = f.file
	}
	srcs, ok := l.readFiles(files)
	for i, f := range sqls {
		if !ok[i] {
			continue
		}
		rel := f.file
		if f.dir != "." {
			rel = strings.TrimPrefix(f.file, f.dir+"/")
		}
		parts := strings.Split(rel, "/")
		name := strings.TrimSuffix(parts[len(parts)-1], ".sql")
		fqn := append(append([]string{l.p.Name}, parts[:len(parts)-1]...), name)
		l.p.Models = append(l.p.Models, &Model{Name: name, Path: f.file, FQN: fqn, Source: srcs[i], Config: Config{}})
	}
	sort.SliceStable(l.p.Models, func(i, j int) bool { return l.p.Models[i].Path < l.p.Models[j].Path })
}

// readers is how many files readFiles reads at once.
const readers = 4

// readFiles reads files a few at a time, since a project has thousands,
// and reports failures as readFile does; ok[i] says whether files[i] was
// read.
func (l *loader) readFiles(files []string) (srcs []string, ok []bool) {
	srcs, ok = make([]string, len(files)), make([]bool, len(files))
	errs := make([]error, len(files))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(readers, len(files)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(files); i = int(next.Add(1) - 1) {
				data, err := fs.ReadFile(l.fsys, files[i])
				srcs[i], errs[i] = string(data), err
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			l.diags = append(l.diags, diag.Errorf(files[i], 0, "cannot read: %s", pathErr(err)))
			continue
		}
		ok[i] = true
	}
	return srcs, ok
}

// discoverMacros reads every .sql file of the macro paths.
func (l *loader) discoverMacros() {
	for _, dir := range l.p.MacroPaths {
		l.walkFiles(dir, func(file string) {
			if path.Ext(file) != ".sql" {
				return
			}
			if src, ok := l.readFile(file); ok {
				l.p.Macros = append(l.p.Macros, jinja.File{Path: file, Source: src})
			}
		})
	}
	sort.SliceStable(l.p.Macros, func(i, j int) bool { return l.p.Macros[i].Path < l.p.Macros[j].Path })
}

// discoverPropertyFiles notes the YAML files below dirs.
func (l *loader) discoverPropertyFiles(dirs []string) {
	for _, dir := range dirs {
		l.walkFiles(dir, func(file string) {
			if isYAMLFile(file) {
				l.addPropertyFile(file)
			}
		})
	}
}

func (l *loader) addPropertyFile(file string) {
	if !slices.Contains(l.propertyFiles, file) {
		l.propertyFiles = append(l.propertyFiles, file)
	}
}

// checkDuplicateModels reports enabled models that share a name.
func (l *loader) checkDuplicateModels() {
	first := map[string]*Model{}
	for _, m := range l.p.Models {
		if !m.Config.Enabled() {
			continue
		}
		prev, ok := first[m.Name]
		if !ok {
			first[m.Name] = m
			continue
		}
		d := diag.Errorf(m.Path, 0, "model name '%s' is used by both %s and %s", m.Name, prev.Path, m.Path)
		d.Hint = "rename one of the files, or disable one with enabled: false"
		l.diags = append(l.diags, d)
	}
}
